#!/bin/sh
# Runs one Flume agent in the foreground: flume-agent <agent name> <flume.conf path>.
#   JAVA_OPTS               extra JVM flags (heap size)
#   FLUME_CLASSPATH         classpath; defaults to the image layout
#   HADOOP_CONF_DIR         core-site.xml/hdfs-site.xml for the HDFS sink (default /etc/hadoop/conf)
#   FLUME_MONITORING_PORT   port of the JSON metrics endpoint /metrics (default 34545)
#   KAFKA_SASL_PASSWORD_FILE  file (mounted from a Secret) holding the Kafka SASL password: read
#                           into KAFKA_SASL_PASSWORD for Flume's env config filter, so the pod spec
#                           never carries it
set -eu
if [ "$#" -ne 2 ]; then
    echo "usage: flume-agent <agent name> <flume.conf path>" >&2
    exit 2
fi
if [ -n "${KAFKA_SASL_PASSWORD_FILE:-}" ]; then
    KAFKA_SASL_PASSWORD="$(cat "$KAFKA_SASL_PASSWORD_FILE")"
    export KAFKA_SASL_PASSWORD
fi
home="${FLUME_HOME:-/opt/flume}"
classpath="${FLUME_CLASSPATH:-$home/conf:${HADOOP_CONF_DIR:-/etc/hadoop/conf}:$home/lib/*}"
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags.
exec java ${JAVA_OPTS:-} \
    --add-opens=java.base/java.lang=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    -Dflume.monitoring.type=http \
    -Dflume.monitoring.port="${FLUME_MONITORING_PORT:-34545}" \
    -cp "$classpath" \
    org.apache.flume.node.Application --no-reload-conf -n "$1" -f "$2"
