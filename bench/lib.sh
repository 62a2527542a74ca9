# Shared by the same-run A/B scripts (bench/http-ab.sh, bench/compaction-ab.sh): source it after setting PORT and W,
# with the two checkouts as $1 and $2. Sets A, B (absolute checkouts), WRK (this checkout's wrk scripts, for both
# sides), URL; empties $W. Each script defines one() (label dir), which serve_start / serve_stop bracket, and ends
# with ab_rounds.
# shellcheck shell=bash
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
WRK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wrk
URL=http://127.0.0.1:$PORT
rm -rf "$W"
mkdir -p "$W"

say() { echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] $*"; }

# A fresh `serve` of checkout $2 (file engine) on $W/data and $PORT, with extra options $3..., logged to
# $W/serve-$1.log; sets pid and returns once /health answers (60 s at most).
serve_start() { # label dir [serve options...]
    local label=$1 dir=$2
    shift 2
    rm -rf "$W/data"
    (cd "$dir" && exec ./hindsight serve --data-dir "$W/data" --port "$PORT" "$@") > "$W/serve-$label.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do curl -sf "$URL/health" > /dev/null && break; sleep 0.1; done
}

serve_stop() {
    kill "$pid"
    wait "$pid" 2> /dev/null
}

# Builds both checkouts if stale (the launcher rebuilds a checkout whose sources are newer than its jar: now, not
# inside a measurement), then runs one() for ROUNDS rounds alternating A/B/A/B. $1: what the header line adds.
ab_rounds() {
    say "A=$A ($(git -C "$A" rev-parse --short HEAD)) B=$B ($(git -C "$B" rev-parse --short HEAD)), $ROUNDS rounds$1"
    (cd "$A" && ./hindsight --help > /dev/null 2>&1)
    (cd "$B" && ./hindsight --help > /dev/null 2>&1)
    for round in $(seq 1 "$ROUNDS"); do
        one "round $round A" "$A"
        one "round $round B" "$B"
    done
}
