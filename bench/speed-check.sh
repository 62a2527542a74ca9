#!/usr/bin/env bash
# Machine speed check (cheap, ~25 s): wrk's own CPU per request against a fresh `serve` (file engine), single-event
# appends -c64 for 10 s after a 5-s warm-up, as bench/http-ab.sh measures it. wrk's work per request is the same on
# every build, so its CPU per request calibrates the machine: 15-22 µs normal (sessions 10-16), 27-34 µs slow (21).
#   bench/speed-check.sh JAR        Env: PORT (default 8271)
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
JAR=${1:?jar} PORT=${PORT:-8271} URL="http://127.0.0.1:${PORT:-8271}" DATA=$(mktemp -d /tmp/speed-check.XXXX)
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -jar "$JAR" serve \
    --port "$PORT" --data-dir "$DATA" > "$DATA.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -sf "$URL/health" > /dev/null && break; sleep 0.1; done
wrk -t2 -c64 -d5s -s "$ROOT/bench/wrk/append.lua" "$URL/" > /dev/null
out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 -c64 -d10s -s "$ROOT/bench/wrk/append.lua" "$URL/" 2>&1)
kill "$pid"; wait "$pid" 2> /dev/null; rm -rf "$DATA" "$DATA.log"
echo "$out"
reqs=$(echo "$out" | awk '/requests in/ {print $1}')
echo "$out" | awk -v n="$reqs" -v ld="$(cut -d' ' -f1-3 /proc/loadavg)" '/Requests\/sec/ {r = $2}
    /^wrk-cpu/ {printf "speed check (load %s): %s requests/s, wrk CPU %.1f µs/request\n", ld, r, ($2 + $3) * 1e6 / n}'
