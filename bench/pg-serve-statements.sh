#!/usr/bin/env bash
# What `serve --store postgres` asks of PostgreSQL per event, by statement, under `loadgen --url` (1,000 events/s):
#   bench/pg-serve-statements.sh JAR OUT_DIR
# Needs pg_stat_statements loaded on the server and created in the database, and runs `su postgres` (root) to reset
# it when the warm-up ends and to read it when loadgen ends (only this database's rows). Per statement: calls per
# event, mean execution time (µs; wall time inside the executor, so it includes lock and I/O waits, not parse, plan or
# the network), rows per call, and its share of the summed execution time; utility statements (BEGIN, COMMIT, SET)
# are counted when pg_stat_statements.track_utility is on (its default). Also the database's transactions, the CPU of
# serve and of all PostgreSQL processes per event over the measured phase (/proc), and serve's /metrics before and
# after. TRACK=all (default top) sets pg_stat_statements.track for this database during the run, so the statements
# inside functions (read_page2, ...) show too; the setting is reset afterwards. Env: HINDSIGHT_PG_URL (a database of
# its own), RATE (events/s, default 1000), DURATION (default 60s), WARMUP (default 20s), PORT (default 8197), SERVE_OPTS, SERVE_ARGS.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
JAR=${1:?jar} D=${2:?output directory}
mkdir -p "$D"
# shellcheck source=pg-lib.sh
source "$ROOT/bench/pg-lib.sh"
DURATION=${DURATION:-60s} WARMUP=${WARMUP:-20s} PORT=${PORT:-8197} TRACK=${TRACK:-top}
schema=stmt_$(date +%H%M%S)
SU=(su postgres -c "psql -qAt -d $DB")

cpu_ticks() { # serve's pid -> "serve_ticks postgres_ticks"
    local serve pg=0 f st
    read -r -a st < "/proc/$1/stat"
    serve=$((st[13] + st[14]))
    for f in /proc/[0-9]*/stat; do
        read -r -a st < "$f" 2> /dev/null || continue
        [[ ${st[1]} == "(postgres)" ]] && pg=$((pg + st[13] + st[14]))
    done
    echo "$serve $pg"
}
events() { "${PSQL[@]}" -c "SELECT count(*) FROM $schema.events" 2> /dev/null; }
xacts() { "${PSQL[@]}" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"; }

[[ $TRACK != top ]] && echo "ALTER DATABASE $DB SET pg_stat_statements.track = '$TRACK'" | "${SU[@]}"
uptime > "$D/uptime0.txt"
# shellcheck disable=SC2086 # options are words
"${JAVA[@]}" ${SERVE_OPTS:-} -jar "$JAR" serve --store postgres --pg-url "$PG_URL" --pg-schema "$schema" \
    --port "$PORT" ${SERVE_ARGS:-} > "$D/serve.log" 2>&1 &
SP=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.1; done
"${JAVA[@]}" -jar "$JAR" loadgen --url "http://127.0.0.1:$PORT" --duration "$DURATION" --warmup "$WARMUP" \
    --rate "${RATE:-1000}" --verify-orders 200 --out "$D/lg.json" --quiet > "$D/lg.txt" 2>&1 &
LP=$!
sleep "${WARMUP%s}"
echo "SELECT pg_stat_statements_reset()" | "${SU[@]}" > /dev/null
curl -s "http://127.0.0.1:$PORT/metrics" > "$D/metrics0.txt"
e0=$(events) x0=$(xacts) c0=$(cpu_ticks "$SP") t0=$(date +%s.%N)
sleep "${DURATION%s}"
e1=$(events) x1=$(xacts) c1=$(cpu_ticks "$SP") t1=$(date +%s.%N)
curl -s "http://127.0.0.1:$PORT/metrics" > "$D/metrics1.txt"
"${SU[@]}" > "$D/statements.txt" << SQL
SELECT s.calls, round(s.total_exec_time::numeric, 1), s.rows, regexp_replace(s.query, '\s+', ' ', 'g')
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
 WHERE d.datname = '$DB' ORDER BY s.total_exec_time DESC
SQL
wait "$LP"
kill "$SP" 2> /dev/null
wait "$SP"
[[ $TRACK != top ]] && echo "ALTER DATABASE $DB RESET pg_stat_statements.track" | "${SU[@]}"
"${PSQL[@]}" -c "DROP SCHEMA $schema CASCADE; DROP SCHEMA IF EXISTS ${schema}_readmodel CASCADE" 2> /dev/null
uptime > "$D/uptime1.txt"
n=$((e1 - e0))
hz=$(getconf CLK_TCK)
{
    echo "measured phase: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s, $n events," \
        "load at start: $(cat "$D/uptime0.txt")"
    read -r s0 p0 <<< "$c0"
    read -r s1 p1 <<< "$c1"
    awk -v s="$((s1 - s0))" -v p="$((p1 - p0))" -v n="$n" -v hz="$hz" -v x="$((x1 - x0))" 'BEGIN {
        printf "per event: serve %.0f µs CPU, PostgreSQL %.0f µs CPU, %.3f transactions\n",
            s / hz * 1e6 / n, p / hz * 1e6 / n, x / n }'
    sed -n '/^phase/,/^consistency/p' "$D/lg.txt" | head -20
    echo
    echo "calls/event  µs/call  rows/call  share  statement"
    awk -F'|' -v n="$n" '{ c[NR] = $1; t[NR] = $2; r[NR] = $3; q[NR] = $4; sum += $2 }
        END { for (i = 1; i <= NR; i++) if (c[i] > 0)
            printf "%11.4f %8.0f %10.1f %5.1f%%  %s\n", c[i] / n, t[i] * 1000 / c[i], r[i] / c[i],
                100 * t[i] / sum, substr(q[i], 1, 240)
            printf "summed execution time: %.0f µs per event\n", sum * 1000 / n }' "$D/statements.txt"
} | tee "$D/summary.txt"
