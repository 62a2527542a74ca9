#!/usr/bin/env bash
# Same-run A/B of `serve --store postgres` under `loadgen --url` (default 1,000 events/s), rounds alternating, with
# the store database's backends sampled from pg_stat_activity (every 20 ms during the measured phase) and grouped by
# what they were doing.
#   bench/pg-serve-ab.sh A.jar B.jar [C.jar ...]
# The jars: copies of cli/target/hindsight.jar of the builds to compare (copies, so a rebuild cannot change them
# mid-run), named A, B, C ... in the output; each round runs them in order, the next round in reverse order.
# loadgen runs from A.jar (LOADGEN=own: from each side's own jar, for comparing loadgen builds too). Per run it also
# prints the CPU that serve and all PostgreSQL processes used per event while loadgen ran (/proc, clock ticks), serve's
# CPU per event by thread over the whole loadgen run and over its measured phase alone (JIT warm-up mostly left out), and
# serve's GC pauses over its whole run (-Xlog:gc: count, sum, max, and the collector threads' CPU against the pauses'
# wall time). Env: HINDSIGHT_PG_URL/_USER/_PASSWORD (the database to use; keep other work out of it, the sampler
# sees every backend of the database), ROUNDS (default 3), OUT (raw output, default
# /tmp/pg-serve-ab-<time>.txt), DURATION (default 40s), WARMUP (default 10s), RATE (events/s, default 1000), VERIFY (orders checked after each
# run, default 200), PORT (default 8195), SERVE_OPTS (JVM options of every serve), SERVE_OPTS_A, SERVE_OPTS_B, ... (of
# one side's serve only; the same jar may be given twice with different options), SERVE_ARGS_A, SERVE_ARGS_B, ... (extra
# serve arguments of one side, e.g. SERVE_ARGS_C="--pg-group-commit-linger-us 0"), STATEMENTS=1 (per run, the
# database's pg_stat_statements over the measured phase, statements inside functions included: calls per event, mean
# executor µs per call, rows per call; needs pg_stat_statements in the database and root, for `su postgres`; the
# reset and the setting touch this database only).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
JARS=("$@") A=$1 ROUNDS=${ROUNDS:-3} STATEMENTS=${STATEMENTS:-} OUT=${OUT:-/tmp/pg-serve-ab-$(date +%H%M).txt}
# shellcheck source=pg-lib.sh
source "$ROOT/bench/pg-lib.sh"
DURATION=${DURATION:-40s} WARMUP=${WARMUP:-10s} PORT=${PORT:-8195}
WORK=$(mktemp -d /tmp/pg-serve-ab.XXXX)

say() { echo "[$(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)] $*" | tee -a "$OUT"; }
wait_health() { for _ in $(seq 1 600); do curl -sf "$1/health" > /dev/null && return 0; sleep 0.1; done; return 1; }

sample() { # seconds file: one line per sampled backend, "wait_event_type:wait_event|state|query head"
    printf '%s\n' "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || '|' || state
        || '|' || left(regexp_replace(query, '\s+', ' ', 'g'), 60) FROM pg_stat_activity
        WHERE datname = '$DB' AND backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND state IN ('active', 'idle in transaction') \\watch 0.02" \
        | timeout "$1" "${PSQL[@]}" 2> /dev/null | grep '|' >> "$2"
}

xacts() { # committed + rolled-back transactions of the database so far (statistics lag up to 0.5 s: taken after a pause)
    sleep 1
    "${PSQL[@]}" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
}

cpu_ticks() { # serve's pid -> "serve_ticks postgres_ticks" (utime + stime of serve, and of every postgres process)
    local serve pg=0 f st
    read -r -a st < "/proc/$1/stat"
    serve=$((st[13] + st[14]))
    for f in /proc/[0-9]*/stat; do
        read -r -a st < "$f" 2> /dev/null || continue
        [[ ${st[1]} == "(postgres)" ]] && pg=$((pg + st[13] + st[14]))
    done
    echo "$serve $pg"
}

thread_ticks() { # serve's pid -> one line per thread: "tid utime stime minflt comm" (comm may hold spaces)
    local t st
    for t in /proc/"$1"/task/*/stat; do
        st=$(cat "$t" 2> /dev/null) || continue
        local comm=${st#*(} rest=${st##*) }
        comm=${comm%)*}
        read -r -a f <<< "$rest"
        local tid=${t%/stat}
        echo "${tid##*/} ${f[11]} ${f[12]} ${f[7]} $comm"
    done
}

thread_summary() { # before-file after-file events -> serve's CPU per event: user/system, by thread kind; page faults
    python3 - "$@" << 'PY'
import re, sys, os
hz = os.sysconf("SC_CLK_TCK")
def load(f):
    d = {}
    for line in open(f):
        tid, u, s, f, comm = line.rstrip("\n").split(" ", 4)
        d[tid] = (int(u), int(s), int(f), comm)
    return d
a, b, n = load(sys.argv[1]), load(sys.argv[2]), float(sys.argv[3])
kinds, user, system, faults = {}, 0, 0, 0
for tid, (u, s, f, comm) in b.items():
    u0, s0, f0, _ = a.get(tid, (0, 0, 0, comm))
    du, ds = u - u0, s - s0
    user += du; system += ds; faults += f - f0
    k = re.sub(r"[-#]?\d+$", "", comm).strip() or comm
    kinds[k] = kinds.get(k, 0) + du + ds
us = lambda t: t / hz * 1e6 / n
top = sorted(kinds.items(), key=lambda kv: -kv[1])[:8]
print("serve CPU per event by thread (µs; threads alive at the end): user %.0f, system %.0f, minor faults %.2f; "
      % (us(user), us(system), faults / n)
      + ", ".join("%s %.0f" % (k, us(v)) for k, v in top))
PY
}

pg_super() { su postgres -c "psql -qAt -d $DB"; }

statements() { # events file -> the database's statements since the reset, by executor time (top 14)
    pg_super << SQL > "$WORK/statements"
SELECT s.calls, round(s.total_exec_time::numeric, 1), s.rows, regexp_replace(s.query, '\s+', ' ', 'g')
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = '$DB' ORDER BY s.total_exec_time DESC
SQL
    awk -F'|' -v n="$1" '{ c[NR] = $1; t[NR] = $2; r[NR] = $3; q[NR] = $4; sum += $2 }
        END { printf "statements over the measured phase (%d events): summed executor time %.0f µs per event\n", n, sum * 1000 / n
            print "calls/event  µs/call  rows/call  share  statement"
            for (i = 1; i <= NR && i <= 14; i++) if (c[i] > 0)
            printf "%11.4f %8.0f %10.1f %5.1f%%  %s\n", c[i] / n, t[i] * 1000 / c[i], r[i] / c[i],
                100 * t[i] / sum, substr(q[i], 1, 150) }' "$WORK/statements"
}

per_event() { awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", (b - a) / hz * 1e6 / n}'; }

gc_summary() { # gc log, gc+cpu log -> pauses, their sum and max (ms), and the pauses' User/Real CPU
    awk '/Pause/ && /ms$/ {v = $NF; sub("ms", "", v); n++; s += v; if (v > m) m = v}
        END {printf "%d pauses, sum %.0f ms, max %.1f ms", n, s, m}' "$1"
    awk '/User=/ {for (i = 1; i <= NF; i++) {if ($i ~ /^User=/) {sub("User=", "", $i); sub("s", "", $i); u += $i}
        if ($i ~ /^Real=/) {sub("Real=", "", $i); sub("s", "", $i); r += $i}}}
        END {printf "; collector CPU %.2f s over %.2f s of pause wall time", u, r}' "$2"
}

side_opts() { # run name (A1, B2, ...) -> the JVM options for that side's serve only: SERVE_OPTS_A, SERVE_OPTS_B, ...
    local v="SERVE_OPTS_${1:0:1}"
    echo "${!v:-}"
}

side_args() { # run name -> that side's extra serve arguments: SERVE_ARGS_A, SERVE_ARGS_B, ...
    local v="SERVE_ARGS_${1:0:1}"
    echo "${!v:-}"
}

one() { # side jar
    local schema="ab_${1,,}_$(date +%H%M%S)" jar=$2
    "${JAVA[@]}" -Xlog:gc:file="$WORK/gc-$1.log":uptime -Xlog:gc+cpu=info:file="$WORK/gccpu-$1.log":uptime \
        ${SERVE_OPTS:-} $(side_opts "$1") -jar "$jar" serve --store postgres --pg-url "$PG_URL" --pg-schema "$schema" \
        --port "$PORT" $(side_args "$1") > "$WORK/serve-$1.log" 2>&1 &
    local pid=$!
    if ! wait_health "http://127.0.0.1:$PORT"; then
        say "$1: server did not start"; tail -20 "$WORK/serve-$1.log" | tee -a "$OUT"; kill "$pid" 2> /dev/null; return
    fi
    say "== $1 ($jar, schema $schema${SERVE_OPTS:+, SERVE_OPTS $SERVE_OPTS}$(o=$(side_opts "$1"); echo "${o:+, options $o}")$(o=$(side_args "$1"); echo "${o:+, args $o}"))"
    : > "$WORK/samples"
    local warm=${WARMUP%s}
    (sleep "$((warm + 5))" && sample 25 "$WORK/samples") &
    local sampler=$!
    local xacts0 lgjar=$A cpu0
    [[ ${LOADGEN:-A} == own ]] && lgjar=$jar
    xacts0=$(xacts)
    cpu0=$(cpu_ticks "$pid")
    thread_ticks "$pid" > "$WORK/threads0"
    # the measured phase alone (loadgen's JVM start and warm-up left out): serve's threads and the events so far, 2 s
    # after the warm-up should have ended
    (sleep "$((warm + 2))" && thread_ticks "$pid" > "$WORK/threadsM"
        "${PSQL[@]}" -c "SELECT count(*) FROM $schema.events" > "$WORK/eventsM" 2> /dev/null
        [[ -n $STATEMENTS ]] && echo "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = '$DB'), 0)" \
            | pg_super > /dev/null) &
    local snap=$!
    "${JAVA[@]}" -jar "$lgjar" loadgen --url "http://127.0.0.1:$PORT" --duration "$DURATION" --warmup "$WARMUP" \
        --rate "${RATE:-1000}" --verify-orders "${VERIFY:-200}" \
        --out "$WORK/lg.json" --quiet > "$WORK/lg.txt" 2>&1
    wait "$sampler"
    wait "$snap"
    sed -n '1,14p' "$WORK/lg.txt" | tee -a "$OUT"
    grep '^PROBLEM' "$WORK/lg.txt" | cut -c1-200 | tee -a "$OUT"
    # the floor "no 5-s window below 990 events/s after warm-up": the measured phase's per-second counts, the last
    # (partial) second left out, summed over consecutive 5-s windows
    python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["phases"]:
    t = p["events_per_second_timeline"][:-1]
    w = [sum(t[i:i + 5]) / 5 for i in range(0, len(t) - 4, 5)]
    print("5-s windows (%s): %d, lowest %.0f events/s, below 990: %d" % (p["name"], len(w), min(w), sum(x < 990 for x in w)))' \
        "$WORK/lg.json" 2>&1 | tee -a "$OUT"
    local xacts1 events cpu1
    cpu1=$(cpu_ticks "$pid")
    thread_ticks "$pid" > "$WORK/threads1"
    xacts1=$(xacts)
    events=$("${PSQL[@]}" -c "SELECT count(*) FROM $schema.events" 2> /dev/null)
    say "CPU per event while loadgen ran (warm-up included; µs): serve $(per_event "${cpu0% *}" "${cpu1% *}" "${events:-1}")," \
        "PostgreSQL (all its processes) $(per_event "${cpu0#* }" "${cpu1#* }" "${events:-1}")"
    say "$(thread_summary "$WORK/threads0" "$WORK/threads1" "${events:-1}")"
    local eventsM
    eventsM=$(cat "$WORK/eventsM" 2> /dev/null)
    [[ -n $eventsM && -n $events ]] && ((events > eventsM)) \
        && say "measured phase only ($((events - eventsM)) events from $((warm + 2)) s after loadgen's start):" \
            "$(thread_summary "$WORK/threadsM" "$WORK/threads1" "$((events - eventsM))")"
    [[ -n $STATEMENTS && -n $eventsM && -n $events ]] && ((events > eventsM)) \
        && statements "$((events - eventsM))" | tee -a "$OUT"
    say "serve GC: $(gc_summary "$WORK/gc-$1.log" "$WORK/gccpu-$1.log")"
    say "PostgreSQL transactions in the database (each auto-committed statement is one) during loadgen:" \
        "$((xacts1 - xacts0)) for ${events:-?} events = $(awk "BEGIN{printf \"%.2f\", $((xacts1 - xacts0)) / ${events:-1}}") per event"
    say "samples: $(wc -l < "$WORK/samples") (by wait and statement, top 12):"
    sort "$WORK/samples" | uniq -c | sort -rn | head -12 | tee -a "$OUT"
    kill "$pid"
    wait "$pid" 2> /dev/null
    "${PSQL[@]}" -c "DROP SCHEMA $schema CASCADE; DROP SCHEMA IF EXISTS ${schema}_readmodel CASCADE" 2> /dev/null
}

say "pg-serve-ab: ${JARS[*]} rounds=$ROUNDS duration=$DURATION warmup=$WARMUP rate=${RATE:-1000} db=$DB"
[[ -n $STATEMENTS ]] && echo "ALTER DATABASE $DB SET pg_stat_statements.track = 'all'" | pg_super
trap '[[ -n $STATEMENTS ]] && echo "ALTER DATABASE $DB RESET pg_stat_statements.track" | pg_super' EXIT
NAMES=(A B C D E F)
for r in $(seq 1 "$ROUNDS"); do
    order=$(seq 0 $((${#JARS[@]} - 1)))
    ((r % 2 == 0)) && order=$(echo "$order" | tac)
    for i in $order; do one "${NAMES[$i]}$r" "${JARS[$i]}"; done
done
rm -rf "$WORK"
say "done"
