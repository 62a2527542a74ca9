#!/usr/bin/env bash
# Same-run A/B of the issue 11 HTTP append floors between two checkouts (each built: ./mvnw install -DskipTests
# -DskipITs, so that both ./hindsight and bench/target/hindsight-bench.jar are current): for each round and each
# checkout, a fresh `serve` (file engine, default fsync) measured with wrk (single-event appends -c64, then bulk
# 100 events/request -c16, each after a warm-up), then the Java API at 64 virtual-thread appenders as bench/floors.sh
# runs it. Rounds alternate A/B/A/B. Each wrk line also gives the server's and wrk's CPU time per request and the group
# commit (appends per durable write, mean fsync). Example (session 10, docs/benchmarks.md):
#   bench/http-ab.sh /work/base /work/branch        ROUNDS=3 PORT=8271 W=/tmp/http-ab
# Check `uptime` first: on 2 cores anything else running skews every figure; each line carries the 1-minute load.
# HINDSIGHT_CDS=0 (session 15) keeps the launcher's per-command class cache out of the figures: otherwise round 1
# records it and round 2 assembles it in a background JVM (3-9 s of CPU) while that round measures.
# WARMUP (seconds of single appends before the single measurement, default 5) longer than the default shows the rates
# once the JIT has settled (session 16: 5 s leaves the server's C2 compiler busy through the 10 s measured).
set -uo pipefail
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-5}
PORT=${PORT:-8271}
W=${W:-/tmp/http-ab}
# the wrk scripts of this checkout serve both sides (an older checkout's bulk.lua repeated its ids run after run)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$A" || exit 1
# shellcheck source=../scripts/jdk.sh
source "$A/scripts/jdk.sh"
hindsight_select_jdk

# Appends the server refused so far (all codes): a run whose entries fail measures the error path, not appends.
errors() { curl -s "$URL/metrics" | awk '/^hindsight_append_errors_total/ {n += $2} END {printf "%d", n}'; }

# The group commit so far: "batches appends fsyncs fsync-seconds" (the file engine's hindsight_commit_batch_appends
# summary and hindsight_fsync timer): how many appends each durable write carried.
commits() {
    curl -s "$URL/metrics" | awk '/^hindsight_commit_batch_appends_count/ {b = $2} /^hindsight_commit_batch_appends_sum/ {a = $2}
        /^hindsight_fsync_seconds_count/ {f = $2} /^hindsight_fsync_seconds_sum/ {s = $2} END {printf "%d %d %d %.6f", b, a, f, s}'
}

# CPU ticks of the server's background compactor so far: part of the server CPU, large whenever a segment was sealed
# shortly before (zstd level 15, ADR 0012), so it is shown on its own.
compactor_ticks() { for t in /proc/$pid/task/*; do [[ $(cat "$t/comm") == hindsight-compa* ]] && awk '{print $14 + $15}' "$t/stat"; done | awk '{n += $1} END {print n + 0}'; }

# One measured wrk run, with the server's CPU time per request (from /proc: robust when other work shares the cores).
measure() { # label connections script
    local ticks0 ticks1 out reqs err0 err1 comp0 comp1 commit0 commit1
    err0=$(errors)
    commit0=$(commits)
    comp0=$(compactor_ticks)
    ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 "$2" -d10s -s "$WRK/$3" "$URL/" 2>&1)
    ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    comp1=$(compactor_ticks)
    err1=$(errors)
    commit1=$(commits)
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    wrk_us=$(echo "$out" | awk -v r="${reqs:-1}" '/^wrk-cpu/ {printf "%d", ($2 + $3) * 1000000 / (r > 0 ? r : 1)}')
    say "$1: $(echo "$out" | grep -E 'Requests/sec|Non-2xx' | tr '\n' ' ') server CPU $(((ticks1 - ticks0) * 1000000 / $(getconf CLK_TCK) / (reqs > 0 ? reqs : 1))) µs/request (compactor $(((comp1 - comp0) * 1000000 / $(getconf CLK_TCK) / (reqs > 0 ? reqs : 1))) µs of it), wrk CPU ${wrk_us} µs/request, refused appends $((err1 - err0)), $(echo "$commit0 $commit1" | awk '{b = $5 - $1; f = $7 - $3; printf "%.1f appends per commit batch, fsync mean %.0f µs", (b > 0 ? ($6 - $2) / b : 0), (f > 0 ? ($8 - $4) * 1e6 / f : 0)}')"
}

one() { # label dir
    local label=$1 dir=$2
    serve_start "$label" "$dir"
    wrk -t2 -c64 -d"${WARMUP}s" -s "$WRK/append.lua" "$URL/" > /dev/null
    measure "$label single -c64 10 s" -c64 append.lua
    wrk -t2 -c16 -d8s -s "$WRK/bulk.lua" "$URL/" > /dev/null
    measure "$label bulk -c16 10 s (x100 events)" -c16 bulk.lua
    serve_stop
    say "$label Java API 64 appenders: $("$JAVA_HOME/bin/java" -jar "$dir/bench/target/hindsight-bench.jar" append --appenders 64 --batch 1 --seconds 8 --warmup-seconds 3 --rounds 1 --random-at 0 --threads virtual --read-events 0 2>&1 | grep '64 × 1 event' | tail -1 | cut -d'|' -f2-3)"
}

ab_rounds ", single warm-up ${WARMUP} s"
