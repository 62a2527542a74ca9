#!/usr/bin/env bash
# Same-run A/B of aggregate-load latency while background compaction runs (issue 12 floor: load p99 <= 2 ms; ADR
# 0012): each round copies STORE (a store with plain sealed segments, e.g. a `hindsight loadgen --days 3` store whose
# fill ended before its compactor caught up) to $W/data, starts `serve` of the checkout on it (compaction of those
# segments starts at open), waits WARM s, then measures `wrk -t1 -c$CONNS --latency` (default 4) of GET /api/aggregates/{id}/events over
# 2,000 of the store's aggregates for SECONDS_RUN s, and reports the latency percentiles, whether the compactor was
# still busy at the end (plain .log segments left), and the CPU of the compactor thread. Rounds alternate A/B/A/B.
#   bench/compaction-load-ab.sh /work/base /work/branch STORE     ROUNDS=2 PORT=8374 W=/tmp/compaction-load-ab
set -uo pipefail
ROUNDS=${ROUNDS:-2}
PORT=${PORT:-8374}
W=${W:-/tmp/compaction-load-ab}
WARM=${WARM:-3}
SECONDS_RUN=${SECONDS_RUN:-15}
CONNS=${CONNS:-4}
STORE=$(cd "${3:?usage: bench/compaction-load-ab.sh A B STORE}" && pwd)
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

compactor_ticks() {
    for t in /proc/$pid/task/*; do
        [[ "$(cat "$t/comm" 2> /dev/null)" == hindsight-compa* ]] && awk '{print $14 + $15}' "$t/stat"
    done | awk '{s += $1} END {print s + 0}'
}

one() { # label dir
    local label=$1 dir=$2 out c0 c1
    rm -rf "$W/data"
    cp -r "$STORE" "$W/data"
    (cd "$dir" && exec ./hindsight serve --data-dir "$W/data" --port "$PORT") > "$W/serve-$label.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do curl -sf "$URL/health" > /dev/null && break; sleep 0.1; done
    if [[ ! -s "$W/ids.txt" ]]; then
        for from in $(seq 1 150000 2900000); do
            curl -sf "$URL/api/events?from=$from&limit=20" | grep -o '"aggregate_id":"[^"]*"' | cut -d'"' -f4
        done | sort -u | head -2000 > "$W/ids.txt"
    fi
    sleep "$WARM"
    c0=$(compactor_ticks)
    out=$(IDS="$W/ids.txt" wrk -t1 -c"$CONNS" -d"${SECONDS_RUN}s" --latency -s "$WRK/load.lua" "$URL/" 2>&1)
    c1=$(compactor_ticks)
    say "$label: $(echo "$out" | grep -E '^ +(50|90|99)%' | tr -s ' ' | tr '\n' ' ')| $(echo "$out" \
        | grep 'Requests/sec' | tr -s ' ') | compactor CPU $(((c1 - c0) * 10)) ms | plain sealed segments left:" \
        "$(find "$W/data/segments" -name '*.log' | wc -l)"
    serve_stop
}

ab_rounds ", aggregate loads while compaction runs, store $STORE"
