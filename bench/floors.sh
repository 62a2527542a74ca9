#!/usr/bin/env bash
# Re-measures the serving floors of issues 11, 12 and 13 in one run, each against its same-run baseline, on whatever
# this machine is doing now (check `uptime` first: on 2 cores anything else running skews every figure).
#   bench/floors.sh [OUT]      (raw output to OUT, default /tmp/floors-<time>.txt)
# Needs: wrk, curl, bc, a PostgreSQL reachable as HINDSIGHT_PG_URL/_USER/_PASSWORD (default: the test database),
# the built jars (./mvnw install -DskipTests). Sections: http (issue 11: single and bulk HTTP appends vs the Java
# API), open (issue 12: time to /health with and without the active segment's checkpoint), pg (issue 11: serve
# --store postgres under loadgen, with the file engine in the same harness as baseline), kafka (issue 13: serve
# --store kafka on a 3-broker kafka-dev cluster under loadgen), auth (issue 15: HTTP appends with and without --auth).
# Pick sections with SECTIONS="http pg".
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
OUT=${1:-/tmp/floors-$(date +%H%M).txt}
SECTIONS=${SECTIONS:-"http auth open pg kafka"}
PG_URL=${HINDSIGHT_PG_URL:-jdbc:postgresql://127.0.0.1:5432/hindsight_test}
export HINDSIGHT_PG_USER=${HINDSIGHT_PG_USER:-hindsight} HINDSIGHT_PG_PASSWORD=${HINDSIGHT_PG_PASSWORD:-hindsight}
BENCH="$JAVA_HOME/bin/java -jar bench/target/hindsight-bench.jar"
WORK=$(mktemp -d /tmp/floors.XXXX)

say() { echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] $*" | tee -a "$OUT"; }
wait_health() { for _ in $(seq 1 600); do curl -sf "$1/health" > /dev/null && return 0; sleep 0.1; done; return 1; }
stop() { pkill -f "$1" 2> /dev/null; while pgrep -f "$1" > /dev/null; do sleep 0.1; done; }

http() {
    say "== issue 11: HTTP appends (file engine, wrk) vs the Java API at 64 appenders, 3 rounds"
    for round in 1 2 3; do
        rm -rf "$WORK/http"
        ./hindsight serve --data-dir "$WORK/http" --port 8096 > "$WORK/http.log" 2>&1 &
        wait_health http://127.0.0.1:8096
        wrk -t2 -c64 -d5s -s bench/wrk/append.lua http://127.0.0.1:8096/ > /dev/null
        say "round $round single-event HTTP appends, wrk -t2 -c64 10 s: $(wrk -t2 -c64 -d10s -s bench/wrk/append.lua http://127.0.0.1:8096/ | grep Requests/sec)"
        wrk -t2 -c16 -d3s -s bench/wrk/bulk.lua http://127.0.0.1:8096/ > /dev/null
        say "round $round bulk (100 events/request), wrk -t2 -c16 10 s: $(wrk -t2 -c16 -d10s -s bench/wrk/bulk.lua http://127.0.0.1:8096/ | grep Requests/sec)"
        stop "serve --data-dir $WORK/http"
        say "round $round Java API, 64 virtual-thread appenders: $($BENCH append --appenders 64 --batch 1 --seconds 8 --warmup-seconds 3 --rounds 1 --random-at 0 --threads virtual --read-events 0 2>&1 | grep '64 × 1 event' | cut -d'|' -f2-3)"
    done
}

auth() {
    local rounds=${AUTH_ROUNDS:-5}
    say "== issue 15: single-event HTTP appends with --auth (writer token) vs without, same build, alternating, $rounds rounds (10 s warm-up, 10 s measured; server CPU per request from /proc)"
    for round in $(seq 1 "$rounds"); do
        for mode in off on; do
            rm -rf "$WORK/auth"
            local token="" flags=""
            if [[ $mode == on ]]; then
                token=$(./hindsight tokens create --role writer --name bench --data-dir "$WORK/auth" 2> /dev/null)
                flags="--auth"
            fi
            # shellcheck disable=SC2086
            ./hindsight serve --data-dir "$WORK/auth" --port 8092 $flags > "$WORK/auth.log" 2>&1 &
            wait_health http://127.0.0.1:8092
            local pid ticks0 ticks1 out reqs
            pid=$(pgrep -f "serve --data-dir $WORK/auth" | head -1)
            HINDSIGHT_TOKEN=$token wrk -t2 -c64 -d10s -s bench/wrk/append.lua http://127.0.0.1:8092/ > /dev/null
            ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
            out=$(HINDSIGHT_TOKEN=$token wrk -t2 -c64 -d10s -s bench/wrk/append.lua http://127.0.0.1:8092/)
            ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
            reqs=$(echo "$out" | awk '/requests in/ {print $1}')
            say "round $round auth $mode: $(echo "$out" | grep -E 'Requests/sec|Non-2xx' | tr '\n' ' ') server CPU $(( (ticks1 - ticks0) * 1000000 / $(getconf CLK_TCK) / (reqs > 0 ? reqs : 1) )) µs/request"
            stop "serve --data-dir $WORK/auth"
        done
    done
}

open_time() {
    say "== issue 12: time from start to /health, full active segment (loadgen --days 1 store), checkpoint vs full scan"
    local d="$WORK/open"
    ./hindsight loadgen --data-dir "$d" --days 1 --fsync never --quiet > "$WORK/open-fill.txt" 2>&1
    say "store: $(grep '^store:' "$WORK/open-fill.txt"); segments: $(ls -la "$d/segments" | tail -n +4 | awk '{print $5, $9}' | tr '\n' ' ')"
    one() {
        local s e
        s=$(date +%s.%N)
        ./hindsight serve --data-dir "$d" --port 8098 > "$WORK/open-srv.log" 2>&1 &
        wait_health http://127.0.0.1:8098
        e=$(date +%s.%N)
        say "$1: $(echo "$e - $s" | bc) s to /health"
        stop "serve --data-dir $d"
    }
    one "first start (scan; its close writes the checkpoint)"
    for round in 1 2 3; do
        one "round $round with the checkpoint"
        rm -f "$d/index/active.checkpoint"
        one "round $round full scan (checkpoint deleted)"
    done
    rm -rf "$d"
    local e="$WORK/empty"
    one_empty() {
        local s t
        s=$(date +%s.%N)
        ./hindsight serve --data-dir "$e" --port 8098 > "$WORK/open-srv.log" 2>&1 &
        wait_health http://127.0.0.1:8098
        t=$(date +%s.%N)
        say "empty store: $(echo "$t - $s" | bc) s to /health"
        stop "serve --data-dir $e"
    }
    one_empty
    one_empty
}

loadgen_against() { # name url
    ./hindsight loadgen --url "$2" --duration 60s --warmup 20s --quiet > "$WORK/lg-$1.txt" 2>&1
    say "loadgen against $1:"
    sed -n '1,20p' "$WORK/lg-$1.txt" | tee -a "$OUT"
}

pg() {
    say "== issue 11: serve --store postgres under loadgen --url (1,000 events/s), then the file engine in the same harness"
    local schema="floors_$(date +%H%M%S)"
    ./hindsight serve --store postgres --pg-url "$PG_URL" --pg-schema "$schema" --port 8095 > "$WORK/pg.log" 2>&1 &
    wait_health http://127.0.0.1:8095
    loadgen_against postgres http://127.0.0.1:8095
    stop "serve --store postgres --pg-url $PG_URL --pg-schema $schema"
    rm -rf "$WORK/file"
    ./hindsight serve --data-dir "$WORK/file" --port 8094 > "$WORK/file.log" 2>&1 &
    wait_health http://127.0.0.1:8094
    loadgen_against file http://127.0.0.1:8094
    stop "serve --data-dir $WORK/file"
}

kafka() {
    say "== issue 13: serve --store kafka (3-broker kafka-dev, 50 partitions, RF 3) under loadgen --url (1,000 events/s), writers: ${KAFKA_WRITERS:-partition node}"
    ./hindsight kafka-dev --brokers 3 --port 19092 --data-dir "$WORK/kafka" > "$WORK/kafka-dev.log" 2>&1 &
    for _ in $(seq 1 120); do grep -q '19092' "$WORK/kafka-dev.log" && break; sleep 1; done
    sleep 3
    for writer in ${KAFKA_WRITERS:-partition node}; do
        say "-- hindsight.kafka.writer=$writer (topic floors-$writer)"
        HINDSIGHT_JAVA_OPTS="-Dhindsight.kafka.writer=$writer" ./hindsight serve --store kafka \
            --kafka-bootstrap 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094 --kafka-topic "floors-$writer" \
            --data-dir "$WORK/kafka-node-$writer" --port 8093 > "$WORK/kafka-serve-$writer.log" 2>&1 &
        if wait_health http://127.0.0.1:8093; then
            loadgen_against "kafka-$writer" http://127.0.0.1:8093
        else
            say "serve --store kafka did not become healthy; see $WORK/kafka-serve-$writer.log"
        fi
        stop "serve --store kafka"
    done
    stop "kafka-dev --brokers 3 --port 19092"
}

say "floors.sh: sections '$SECTIONS', raw output in $OUT, work dir $WORK"
for s in $SECTIONS; do
    case $s in
        http) http ;;
        open) open_time ;;
        auth) auth ;;
        pg) pg ;;
        kafka) kafka ;;
        *) say "unknown section $s" ;;
    esac
done
rm -rf "$WORK"
say "done"
