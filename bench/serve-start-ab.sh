#!/usr/bin/env bash
# Same-run A/B of `serve` start-up (issue 12 floor: start to /health = 200 in <= 3 s): for each round and each
# checkout, `./hindsight serve` on DATA (default: a new empty store each time) until /health answers 200, then the
# wall time from the launch (launcher included) and the CPU the JVM used by then (/proc: user + system, all threads,
# JIT included), then a normal stop. Rounds alternate A/B/A/B. Before the rounds each checkout starts and stops
# twice, so that its per-command class cache exists (the launcher's AOT cache on Java 25: recorded by the first run,
# assembled in the background after the second; the script waits for that).
#   bench/serve-start-ab.sh /work/base /work/branch        ROUNDS=5 PORT=8373 W=/tmp/serve-start-ab DATA=/path/store
# A store given as DATA is opened by both sides in turn (it must be in a format both read). Check `uptime` first.
set -uo pipefail
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-8373}
W=${W:-/tmp/serve-start-ab}
DATA=${DATA:-}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# Starts serve of checkout $2, prints "<wall ms> <cpu ms>" once /health answers, stops it.
start_once() { # label dir
    local label=$1 dir=$2 data=$DATA t0 t1 ticks hz
    if [[ -z "$data" ]]; then
        data=$W/data
        rm -rf "$data"
    fi
    t0=$(date +%s%N)
    (cd "$dir" && exec ./hindsight serve --data-dir "$data" --port "$PORT") > "$W/serve-$label.log" 2>&1 &
    pid=$!
    until curl -sf -o /dev/null "$URL/health"; do
        kill -0 "$pid" 2> /dev/null || { echo "serve exited; see $W/serve-$label.log" >&2; return 1; }
        sleep 0.01
    done
    t1=$(date +%s%N)
    hz=$(getconf CLK_TCK)
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    echo "$(((t1 - t0) / 1000000)) $((ticks * 1000 / hz))"
    serve_stop || true
}

one() { # label dir
    local r
    r=$(start_once "$1" "$2") || return 1
    read -r wall cpu <<< "$r"
    say "$1: /health after $wall ms, JVM CPU $cpu ms"
}

for side in "$A" "$B"; do
    for _ in 1 2; do
        start_once warm "$side" > /dev/null
    done
    while pgrep -f 'AOTMode=create' > /dev/null; do sleep 0.5; done
done
ab_rounds ", serve start-up on ${DATA:-a new empty store}"
