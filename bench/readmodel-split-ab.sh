#!/usr/bin/env bash
# Same-run A/B of the Kafka read model's projection lag with 1 vs 2 `serve --role read-model` processes (they split the
# topic's partitions, ADR 0014) under loadgen --url against one `--role api` process: one 1-broker kafka-dev, then for
# ROUNDS rounds (default 2) each variant in turn (rm1, rm2) on a fresh topic and PostgreSQL schema; while loadgen runs
# (--duration ${DUR:-40s} --warmup 10s) the api's GET /api/projections is sampled every second. Prints, per variant,
# the measure phase's lag (mean and max of lag_ms and lag_events), loadgen's events/s and the load average.
# Needs HINDSIGHT_PG_URL (and HINDSIGHT_PG_USER / HINDSIGHT_PG_PASSWORD); work files in ${W:-/tmp/readmodel-split-ab}.
# Stops only the processes it started (by pid).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/jdk.sh; hindsight_select_jdk
W=${W:-/tmp/readmodel-split-ab}; rm -rf "$W"; mkdir -p "$W"; echo $$ > "$W.pid"
PG=${HINDSIGHT_PG_URL:?set HINDSIGHT_PG_URL}
load() { cut -d' ' -f1-3 /proc/loadavg; }
./hindsight kafka-dev --brokers 1 --port 19192 --data-dir "$W/kafka" > "$W/kafka-dev.log" 2>&1 &
KAFKA=$!
PIDS=()
stop_pids() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done; PIDS=(); }
trap 'stop_pids; kill $KAFKA 2>/dev/null; wait $KAFKA 2>/dev/null' EXIT
for _ in $(seq 1 120); do grep -q '19192' "$W/kafka-dev.log" && break; sleep 1; done
echo "[$(date +%T) load $(load)] cluster up"
for round in $(seq 1 "${ROUNDS:-2}"); do
  for n in 1 2; do
    name=r${round}rm$n
    K=(--store kafka --kafka-bootstrap 127.0.0.1:19192 --kafka-topic "split-$name" --kafka-replication 1
       --pg-url "$PG" --pg-schema "bench_split_$name")
    ./hindsight serve "${K[@]}" --role api --port 8190 --data-dir "$W/$name-api" > "$W/$name-api.log" 2>&1 &
    PIDS+=($!)
    for i in $(seq 1 "$n"); do
      ./hindsight serve "${K[@]}" --role read-model --port $((8190 + i)) --data-dir "$W/$name-rm$i" \
        > "$W/$name-rm$i.log" 2>&1 &
      PIDS+=($!)
    done
    for port in $(seq 8190 $((8190 + n))); do
      for _ in $(seq 1 900); do curl -sf "http://127.0.0.1:$port/health" | grep -q '"ok"' && break; sleep 0.2; done
    done
    for i in $(seq 1 "$n"); do echo "  rm$i: $(curl -s "http://127.0.0.1:$((8190 + i))/health")"; done
    (while true; do
       curl -s http://127.0.0.1:8190/api/projections \
         | jq -r '.projections[] | select(.name == "orders") | "\(.lag_ms) \(.lag_events)"' 2>/dev/null
       sleep 1
     done) > "$W/$name-lag.txt" &
    SAMPLER=$!
    ./hindsight loadgen --url http://127.0.0.1:8190 --duration "${DUR:-40s}" --warmup 10s --quiet > "$W/$name-lg.txt" 2>&1
    kill $SAMPLER; wait $SAMPLER 2>/dev/null
    # the measure phase: samples after the 10 s warm-up
    stats=$(tail -n +11 "$W/$name-lag.txt" | awk 'NF == 2 {n++; ms += $1; ev += $2; if ($1 > mms) mms = $1;
      if ($2 > mev) mev = $2} END {if (n) printf "lag_ms mean %.0f max %d, lag_events mean %.0f max %d (%d samples)",
      ms / n, mms, ev / n, mev, n}')
    echo "[$(date +%T) load $(load)] $n read-model process(es): $stats"
    sed -n '1,14p' "$W/$name-lg.txt" | sed 's/^/    /'
    stop_pids
    psql "${PG#jdbc:}" -q -c "DROP SCHEMA IF EXISTS bench_split_$name CASCADE" \
      -c "DROP SCHEMA IF EXISTS bench_split_${name}_readmodel CASCADE" 2>/dev/null \
      || PGPASSWORD=${HINDSIGHT_PG_PASSWORD:-} psql -h 127.0.0.1 -U "${HINDSIGHT_PG_USER:-hindsight}" \
        -d "${PG##*/}" -q -c "DROP SCHEMA IF EXISTS bench_split_$name CASCADE" \
        -c "DROP SCHEMA IF EXISTS bench_split_${name}_readmodel CASCADE"
  done
done
echo done
