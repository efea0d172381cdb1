#!/bin/bash
# Incremental append import of one table into one HDFS directory, safe to run again at any time:
#
#   sqoop-import <arguments from sqoopImportArgs() in components/sqoop/importArgs.ts>
#
# Environment:
#   SQOOP_TARGET_DIR        the HDFS directory of --target-dir (required)
#   SQOOP_FIELD_DELIMITER   the --fields-terminated-by character (default ",")
#   SQOOP_CLASSPATH         classpath (default: $HADOOP_CONF_DIR and the image's jars)
#   JAVA_OPTS               extra JVM flags (heap size)
#
# Why the high-water mark comes from HDFS and not from a Sqoop saved job: the imported files are
# the only record of what was imported. A metastore (saved job on a PVC) is a second copy that can
# disagree with them — a lost PVC re-imports everything, a restored or cleaned directory skips
# rows, and a crash between Sqoop moving its files and updating the metastore duplicates a batch.
# Reading the largest check-column value back from the files makes a re-run idempotent: it imports
# exactly the rows above what is there. sqoopImportArgs() writes the check column first in every
# line, and --hive-drop-import-delims strips line breaks from text columns, so the first field of
# each line is that value. The cost is one read of the directory per run.
set -euo pipefail

: "${SQOOP_TARGET_DIR:?must be the HDFS directory given as --target-dir}"
delimiter="${SQOOP_FIELD_DELIMITER:-,}"
home="${SQOOP_HOME:-/opt/sqoop}"
classpath="${SQOOP_CLASSPATH:-$home/conf:${HADOOP_CONF_DIR:-/etc/hadoop/conf}:$home/lib/*}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/src"

fs() {
    # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags.
    java ${JAVA_OPTS:-} -cp "$classpath" org.apache.hadoop.fs.FsShell "$@"
}

# Both calls fail when the NameNode is unreachable or the directory is not ours: an unreadable
# directory must never pass for an empty one, or the import would start over and duplicate rows.
fs -mkdir -p "$SQOOP_TARGET_DIR"
listing="$(fs -ls -C "$SQOOP_TARGET_DIR")"

last_value=""
if grep -q '/part-[^/]*$' <<<"$listing"; then
    last_value="$(fs -cat "$SQOOP_TARGET_DIR/part-*" | cut -d "$delimiter" -f 1 \
        | { grep -E '^-?[0-9]+$' || true; } | sort -n | tail -n 1)"
    if [ -z "$last_value" ]; then
        echo "sqoop-import: $SQOOP_TARGET_DIR has part files but no numeric first field;" \
            "refusing to import everything again" >&2
        exit 1
    fi
fi

# The generated record class is compiled into bindir, which must be on the classpath: the local
# MapReduce runner does not load Sqoop's job jar.
args=("$@" --bindir "$work/bin" --outdir "$work/src")
if [ -n "$last_value" ]; then
    echo "sqoop-import: $SQOOP_TARGET_DIR holds rows up to $last_value; importing newer rows" >&2
    args+=(--last-value "$last_value")
else
    echo "sqoop-import: $SQOOP_TARGET_DIR holds no rows yet; importing all rows" >&2
fi
# shellcheck disable=SC2086 # JAVA_OPTS is a list of flags.
java ${JAVA_OPTS:-} -cp "$work/bin:$classpath" org.apache.sqoop.Sqoop "${args[@]}"
