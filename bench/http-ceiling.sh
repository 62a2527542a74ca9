#!/usr/bin/env bash
# Issue 11's HTTP single-append floor (>= 40 % of the Java API's rate at 64 appenders), asked of any HTTP server on
# this machine: in one run, `serve` of this checkout (file engine) and the bench's reference servers
# (`hindsight-bench http-ref`: bare Jetty 12 with one non-blocking handler, Netty 4.2 on epoll with its HTTP codec,
# Netty without a codec), each with no store (answering at once) and with the file engine behind it (the body parsed by
# the server's parser, EventStore.appendAsync, answered when durable), then the Java API at 64 virtual-thread appenders
# as bench/http-ab.sh runs it. Each target gets a fresh process and data directory, its answer to a first append is
# checked against the first target's (Date masked), then WARMUP seconds of wrk and 10 s measured: requests/s, the
# server's CPU per request (and its share in the kernel) and wrk's, non-2xx answers, and the server's CPU per request
# by thread (names with their numbers cut off; "k": in the kernel), from /proc. Each round ends with every target's
# rate against that round's Java API rate. Build first (./mvnw install -DskipTests -DskipITs: ./hindsight's jar and
# bench/target/hindsight-bench.jar).
#   bench/http-ceiling.sh          Env: ROUNDS (2), WARMUP (10), PORT (8271), W (/tmp/http-ceiling), TARGETS, PERF
# PERF=1 also counts the server's system calls and context switches per request over the measured 10 s (`perf stat`
# on syscall tracepoints, as root: a little overhead per call, so keep it out of the runs whose rates count).
# TARGETS (space-separated, default below): `serve`, `serve@JVM-OPTIONS` (options comma-separated, given to serve
# through HINDSIGHT_JAVA_OPTS: `serve@-XX:+UseParallelGC`), `serve-nocds` is not needed (HINDSIGHT_CDS=0 always), and
# KIND or KIND/file with KIND one of jetty, netty, netty_raw (`/file`: the file engine behind it), optionally
# `KIND@JVM-OPTIONS` too. `java-api` is the Java API at 64 appenders (always last unless listed).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-10}
PORT=${PORT:-8271}
W=${W:-/tmp/http-ceiling}
TARGETS=${TARGETS:-serve jetty jetty/file netty netty/file netty_raw netty_raw/file java-api}
URL=http://127.0.0.1:$PORT
BENCH=$ROOT/bench/target/hindsight-bench.jar
WRK=$ROOT/bench/wrk
TCK=$(getconf CLK_TCK)
export HINDSIGHT_CDS=0
rm -rf "$W"
mkdir -p "$W"

SYSCALLS=context-switches
for c in read recvfrom write writev sendto epoll_ctl epoll_wait epoll_pwait epoll_pwait2 poll ppoll futex pwrite64 fdatasync; do
    SYSCALLS+=",syscalls:sys_enter_$c"
done

say() { echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] $*"; }

# "tid group ticks kernel-ticks" for each thread of $pid: the group is the thread's name with digits, '#' and '-' cut off its end.
threads() {
    local t
    for t in /proc/"$pid"/task/*; do
        printf '%s %s %s\n' "${t##*/}" "$(sed -E 's/[-#0-9 ]+$//; s/ /_/g' "$t/comm" 2> /dev/null)" \
            "$(sed 's/.*) //' "$t/stat" 2> /dev/null | awk '{print $12 + $13, $13}')"
    done
}

# Starts target $1 on $PORT with a fresh $W/data; sets pid; returns once it answers HTTP (60 s at most).
start() {
    local target=$1 kind opts=""
    kind=${target%%@*}
    [[ $target == *@* ]] && opts=${target#*@}
    opts=${opts//,/ }
    rm -rf "$W/data"
    if [[ $kind == serve ]]; then
        (cd "$ROOT" && HINDSIGHT_JAVA_OPTS="$opts" exec ./hindsight serve --data-dir "$W/data" --port "$PORT") \
            > "$W/$(echo "$target" | tr '/@ ' '___').log" 2>&1 &
    else
        local server=${kind%/file} data=()
        [[ $kind == */file ]] && data=(--data-dir "$W/data")
        # shellcheck disable=SC2086
        "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow $opts \
            -jar "$BENCH" http-ref --server "$server" --port "$PORT" "${data[@]}" \
            > "$W/$(echo "$target" | tr '/@ ' '___').log" 2>&1 &
    fi
    pid=$!
    for _ in $(seq 1 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "$URL/health") != 000 ]] && return 0
        sleep 0.1
    done
    say "$target did not answer within 60 s"
}

stop() {
    kill "$pid"
    wait "$pid" 2> /dev/null
}

# The answer to one new aggregate's first append, as bytes with the Date header's value masked: the same for every
# target (a fresh store: position 1), or the run says which one differs.
answer() {
    curl -s -i -X POST -H 'Content-Type: application/json' -H 'Expected-Version: no_stream' \
        --data-binary '{"event_type":"OrderCreated","event_data":{"total_amount":39.98}}' "$URL/api/aggregates/check-1/events" |
        sed -E 's/^Date: .*\r$/Date: (masked)\r/' | od -c | md5sum | cut -c1-12
}

# One target: warm-up, then 10 s measured; appends "target req/s" to $W/round-$round.
measure() {
    local target=$1 out reqs ticks0 ticks1 sys0 sys1 t0 t1 wrk_us server_us sys_us by_thread sum
    start "$target"
    sum=$(answer)
    if [[ -z ${FIRST_ANSWER:-} ]]; then
        FIRST_ANSWER=$sum
        say "$target answers a first append with bytes $sum (Date masked):"
        curl -s -i -X POST -H 'Content-Type: application/json' -H 'Expected-Version: no_stream' \
            --data-binary '{"event_type":"OrderCreated","event_data":{"total_amount":39.98}}' \
            "$URL/api/aggregates/check-2/events" | sed -E 's/^Date: .*\r$/Date: (masked)\r/' | cat -A | sed 's/^/    /'
        echo
    elif [[ $sum != "$FIRST_ANSWER" ]]; then
        say "$target answers with OTHER bytes than the first target ($sum, not $FIRST_ANSWER)"
    fi
    wrk -t2 -c64 -d"${WARMUP}s" -s "$WRK/append.lua" "$URL/" > /dev/null
    t0=$(threads)
    ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    sys0=$(awk '{print $15}' "/proc/$pid/stat")
    local perf_pid=""
    if [[ ${PERF:-0} == 1 ]]; then
        perf stat -x, -o "$W/perf.txt" -e "$SYSCALLS" -p "$pid" &
        perf_pid=$!
    fi
    out=$(/usr/bin/time -f 'wrk-cpu %U %S' wrk -t2 -c64 -d10s -s "$WRK/append.lua" "$URL/" 2>&1)
    [[ -n $perf_pid ]] && kill -INT "$perf_pid" && wait "$perf_pid"
    ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    sys1=$(awk '{print $15}' "/proc/$pid/stat")
    t1=$(threads)
    stop
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    reqs=${reqs:-0}
    ((reqs > 0)) || reqs=1
    wrk_us=$(echo "$out" | awk -v r="$reqs" '/^wrk-cpu/ {printf "%.1f", ($2 + $3) * 1e6 / r}')
    server_us=$(awk -v a="$ticks0" -v b="$ticks1" -v r="$reqs" -v k="$TCK" 'BEGIN {printf "%.1f", (b - a) * 1e6 / k / r}')
    sys_us=$(awk -v a="$sys0" -v b="$sys1" -v r="$reqs" -v k="$TCK" 'BEGIN {printf "%.1f", (b - a) * 1e6 / k / r}')
    # per thread group: ticks of each tid after minus before (0 for a thread that started in between), top 8, each
    # with its kernel share
    by_thread=$(awk -v r="$reqs" -v k="$TCK" 'NR == FNR {before[$1] = $3; bk[$1] = $4; next}
        {g[$2] += $3 - before[$1]; gk[$2] += $4 - bk[$1]}
        END {for (n in g) if (g[n] > 0) printf "%s %.1f %.1f\n", n, g[n] * 1e6 / k / r, gk[n] * 1e6 / k / r}' \
        <(echo "$t0") <(echo "$t1") | sort -k2 -nr | head -8 | awk '{printf "%s%s %s (k %s)", (NR > 1 ? ", " : ""), $1, $2, $3}')
    say "$target: $(echo "$out" | grep -E 'Requests/sec|Non-2xx' | tr '\n' ' ' | tr -s ' ')server CPU $server_us µs/request ($sys_us in the kernel), wrk CPU $wrk_us µs/request; by thread (µs/request): $by_thread"
    if [[ -n $perf_pid ]]; then
        say "$target per request: $(awk -F, -v r="$reqs" '$1 ~ /^[0-9]+$/ && $1 > 0 {n = $3; sub(/.*sys_enter_/, "", n);
            printf "%s %.2f, ", n, $1 / r}' "$W/perf.txt")"
    fi
    echo "$target $(echo "$out" | awk '/Requests\/sec/ {print $2}') $server_us $wrk_us" >> "$W/round-$round"
}

java_api() {
    local out rate
    out=$("$JAVA_HOME/bin/java" -jar "$BENCH" append --appenders 64 --batch 1 --seconds 8 --warmup-seconds 3 --rounds 1 \
        --random-at 0 --threads virtual --read-events 0 2>&1)
    rate=$(echo "$out" | grep '64 × 1 event' | tail -1)
    # the cell's row under its table's header: the process's CPU per event and the events per fsync beside the rate
    say "Java API 64 appenders: $(echo "$rate" | cut -d'|' -f2-3)|$(echo "$out" | awk -F'|' '/^\| cell \|/ {for (i = 1; i <= NF; i++) col[i] = $i; next}
        /^\| 64 × 1 event/ {for (i = 1; i <= NF; i++) if (col[i] ~ /CPU µs\/event|events\/fsync|^ CPU % $/) printf "%s:%s ", col[i], $i}')"
    echo "java-api $(echo "$rate" | cut -d'|' -f3 | tr -dc '0-9.') 0 0" >> "$W/round-$round"
}

say "http-ceiling: $ROOT ($(git -C "$ROOT" rev-parse --short HEAD)), $ROUNDS rounds, warm-up $WARMUP s, targets: $TARGETS"
(cd "$ROOT" && ./hindsight --help > /dev/null 2>&1) # the launcher rebuilds a stale jar now, not inside a measurement
for round in $(seq 1 "$ROUNDS"); do
    : > "$W/round-$round"
    for target in $TARGETS; do
        if [[ $target == java-api ]]; then java_api; else measure "$target"; fi
    done
    say "round $round against the Java API: $(awk '$1 == "java-api" {api = $2} {t[NR] = $1; r[NR] = $2}
        END {for (i = 1; i <= NR; i++) if (t[i] != "java-api") printf "%s %.1f %%; ", t[i], (api > 0 ? 100 * r[i] / api : 0)}' "$W/round-$round")"
done
