#!/bin/bash
# Makes sure a Docker engine answers on /var/run/docker.sock. When none does, starts Debian's
# dockerd (package docker.io) in the background and waits for it. Prints one line saying which.
#
#   bash scripts/kind/dockerd.sh          start if needed
#   bash scripts/kind/dockerd.sh stop     stop the engine this script started (and only that one)
#
# State (pid, log) lives in the kind cache, never in the repository.
set -euo pipefail
state=${KIND_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ingest-platform/kind}/dockerd
mkdir -p "$state"
pidfile=$state/dockerd.pid

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if [ "${1:-start}" = stop ]; then
    if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        kill "$(cat "$pidfile")"
        echo "dockerd: stopped pid $(cat "$pidfile")"
    else
        echo "dockerd: none started by this script is running"
    fi
    rm -f "$pidfile"
    exit 0
fi

if answers; then
    echo "dockerd: already running (server $(docker version --format '{{.Server.Version}}'))"
    exit 0
fi
if ! command -v dockerd >/dev/null; then
    echo "dockerd: not installed; run: apt-get install -y docker.io" >&2
    exit 1
fi
# kind bind-mounts /lib/modules into its node; this kernel has everything built in, and the
# directory may not exist at all.
mkdir -p /lib/modules
# Started detached from this shell so it outlives the caller; its log stays in the cache.
setsid dockerd --host unix:///var/run/docker.sock >"$state/dockerd.log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 60); do
    if answers; then
        echo "dockerd: started pid $(cat "$pidfile") (log $state/dockerd.log)"
        exit 0
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then break; fi
    sleep 1
done
echo "dockerd: did not answer within 60 s; last log lines:" >&2
tail -20 "$state/dockerd.log" >&2
exit 1
