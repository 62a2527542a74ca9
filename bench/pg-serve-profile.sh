#!/usr/bin/env bash
# One profiling round of `serve --store postgres` under `loadgen --url` (1,000 events/s), to see what a stall was:
#   bench/pg-serve-profile.sh JAR OUT_DIR
# serve runs with -Xlog:gc*,safepoint and JFR (settings=profile; JFR=" " turns it off), loadgen with -Xlog:gc*; every
# second the CPU of serve, loadgen and every PostgreSQL process is read from /proc; pg_stat_activity of the database and
# of PostgreSQL's own processes (checkpointer, walwriter, autovacuum) is sampled every 100 ms as the postgres superuser
# (read-only); pg_stat_wal is read before and after. Then bench/pg-serve-seconds.py OUT_DIR lines up each second of the
# measured phase with the GC pauses, CPU, samples and checkpoints in it. Env: HINDSIGHT_PG_URL (a database of its own:
# the sampler sees all of it), DURATION (default 60s), WARMUP (default 20s), PORT (default 8196), SERVE_OPTS, LGJAR (the
# jar loadgen runs from, default JAR).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
JAR=${1:?jar} D=${2:?output directory}
mkdir -p "$D"
# shellcheck source=pg-lib.sh
source "$ROOT/bench/pg-lib.sh"
DURATION=${DURATION:-60s} WARMUP=${WARMUP:-20s} PORT=${PORT:-8196}
schema=prof_$(date +%H%M%S)
WAL="SELECT now(), wal_records, wal_fpi, wal_bytes, wal_buffers_full, wal_write, wal_sync FROM pg_stat_wal"

uptime > "$D/uptime0.txt"
# shellcheck disable=SC2086 # options are words
"${JAVA[@]}" -Xlog:gc*,safepoint:file="$D/serve-gc.log":uptime,time,level,tags ${SERVE_OPTS:-} \
    ${JFR:--XX:StartFlightRecording=filename=$D/serve.jfr,settings=profile,dumponexit=true} \
    -jar "$JAR" serve --store postgres --pg-url "$PG_URL" --pg-schema "$schema" --port "$PORT" > "$D/serve.log" 2>&1 &
SP=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.1; done
echo "serve pid $SP up $(date +%T.%N)" > "$D/events.txt"
su postgres -c "psql -qAt -d postgres" > "$D/pgsamples.txt" 2> /dev/null <<SQL &
SELECT to_char(clock_timestamp(), 'HH24:MI:SS.MS') || '|' || backend_type || '|' || coalesce(wait_event_type, 'CPU')
    || ':' || coalesce(wait_event, '-') || '|' || coalesce(state, '') || '|'
    || left(regexp_replace(coalesce(query, ''), '\s+', ' ', 'g'), 60)
  FROM pg_stat_activity WHERE pid <> pg_backend_pid()
   AND ((datname = '$DB' AND state IN ('active', 'idle in transaction')) OR backend_type <> 'client backend') \watch 0.1
SQL
SAMPLER=$!
python3 "$ROOT/bench/pg-serve-seconds.py" --cpu "$SP" "$D/cpu.txt" &
CPU=$!
"${PSQL[@]}" -c "$WAL" > "$D/wal0.txt"
"${JAVA[@]}" -Xlog:gc*:file="$D/lg-gc.log":uptime,time,level,tags -jar "${LGJAR:-$JAR}" loadgen \
    --url "http://127.0.0.1:$PORT" --duration "$DURATION" --warmup "$WARMUP" --rate 1000 --verify-orders 200 \
    --out "$D/lg.json" > "$D/lg.txt" 2>&1 &
LP=$!
echo "loadgen pid $LP $(date +%T.%N)" >> "$D/events.txt"
wait "$LP"
"${PSQL[@]}" -c "$WAL" > "$D/wal1.txt"
"${PSQL[@]}" -c "SELECT schemaname || '.' || relname, n_live_tup, last_autovacuum, last_autoanalyze FROM pg_stat_user_tables
    WHERE schemaname LIKE '$schema%' AND autovacuum_count + autoanalyze_count > 0" > "$D/autovacuum.txt"
pkill -P "$SAMPLER" 2> /dev/null
kill "$SAMPLER" "$SP" 2> /dev/null
wait "$SP"
wait "$CPU"
"${PSQL[@]}" -c "DROP SCHEMA $schema CASCADE; DROP SCHEMA IF EXISTS ${schema}_readmodel CASCADE" 2> /dev/null
uptime > "$D/uptime1.txt"
sed -n '/^phase/,/^consistency/p' "$D/lg.txt"
python3 "$ROOT/bench/pg-serve-seconds.py" "$D"
