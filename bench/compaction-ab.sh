#!/usr/bin/env bash
# Same-run A/B of what background compaction costs appends (ADR 0012, session 11): for each round and each checkout,
# a fresh `serve` (file engine, default fsync) with small segments (SEGMENT, default 16MiB, so that segments are sealed
# and compacted during the run), wrk bulk appends (100 events/request, -c16) for a warm-up and then SECONDS s, and the
# server's CPU split by thread from /proc: all threads, the hindsight-compactor thread, the group-commit writer. Also
# how many sealed segments were compressed (.zlog) or still plain (.log) at the end. Rounds alternate A/B/A/B.
#   bench/compaction-ab.sh /work/base /work/branch        ROUNDS=2 PORT=8372 W=/tmp/compaction-ab SECONDS_RUN=20
# Each checkout must be built (./hindsight rebuilds a stale one before the first round). Check `uptime` first.
set -uo pipefail
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-8372}
W=${W:-/tmp/compaction-ab}
SEGMENT=${SEGMENT:-16MiB}
SECONDS_RUN=${SECONDS_RUN:-20}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# "<all> <compactor> <writer>" CPU ticks of process $pid so far
ticks() {
    for t in /proc/$pid/task/*; do
        echo "$(cat "$t/comm" 2> /dev/null) $(awk '{print $14 + $15}' "$t/stat" 2> /dev/null)"
    done | awk '{all += $NF} /^hindsight-compa/ {c += $NF} /^hindsight-write/ {w += $NF} END {print all + 0, c + 0, w + 0}'
}

one() { # label dir
    local label=$1 dir=$2 t0 t1 out reqs hz
    serve_start "$label" "$dir" --segment-size "$SEGMENT"
    wrk -t2 -c16 -d5s -s "$WRK/bulk.lua" "$URL/" > /dev/null
    read -r -a t0 <<< "$(ticks)"
    out=$(wrk -t2 -c16 -d"${SECONDS_RUN}s" -s "$WRK/bulk.lua" "$URL/" 2>&1)
    read -r -a t1 <<< "$(ticks)"
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    reqs=${reqs:-0}
    hz=$(getconf CLK_TCK)
    local all=$((t1[0] - t0[0])) comp=$((t1[1] - t0[1])) writer=$((t1[2] - t0[2]))
    say "$label: $(echo "$out" | awk '/Requests\/sec/ {printf "%.0f events/s", $2 * 100}'); server CPU $((all * 10000 / hz / (reqs > 0 ? reqs : 1))) µs/event, of it compactor $((comp * 10000 / hz / (reqs > 0 ? reqs : 1))) µs/event ($((comp * 100 / hz / SECONDS_RUN)) % of a core), writer $((writer * 10000 / hz / (reqs > 0 ? reqs : 1))) µs/event; sealed segments compressed/plain at the end: $(find "$W/data/segments" -name '*.zlog' | wc -l)/$(($(find "$W/data/segments" -name '*.log' | wc -l) - 1))"
    serve_stop
}

ab_rounds ", segments $SEGMENT, ${SECONDS_RUN} s"
