#!/usr/bin/env bash
# Trains a JDK 25 AOT cache (JEP 483 classes + JEP 515 method profiles) for `serve --store postgres` under load: one
# serve run with -XX:AOTMode=record while `loadgen --url` drives it, a normal exit (SIGTERM) that writes the
# configuration, then -XX:AOTMode=create. The cache is for the A/B (bench/pg-serve-ab.sh, SERVE_OPTS_B="-XX:AOTCache=
# ..."): the launcher's own cache is recorded by whatever the first serve run of a build did.
#   bench/pg-serve-aot-train.sh JAR CACHE        (CACHE: the .aot file to write)
# Env: HINDSIGHT_PG_URL/_USER/_PASSWORD, DURATION (loadgen's, default 40s), WARMUP (default 10s), RATE (default
# 1000), PORT (default 8195), SERVE_OPTS (JVM options of the training serve and of the create step; must match the
# options the cache is used with where the JVM checks them: GC, compressed oops, module options).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
JAR=${1:?jar} CACHE=${2:?cache file}
# shellcheck source=pg-lib.sh
source "$ROOT/bench/pg-lib.sh"
DURATION=${DURATION:-40s} WARMUP=${WARMUP:-10s} PORT=${PORT:-8195}
CONF="$CACHE.conf" schema="aot_train_$(date +%H%M%S)"
rm -f "$CONF" "$CACHE"
"${JAVA[@]}" ${SERVE_OPTS:-} -XX:AOTMode=record "-XX:AOTConfiguration=$CONF" -Xlog:aot=off -Xlog:cds=off \
    -jar "$JAR" serve --store postgres --pg-url "$PG_URL" --pg-schema "$schema" --port "$PORT" > "$CACHE.serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 0.1; done
"${JAVA[@]}" -jar "$JAR" loadgen --url "http://127.0.0.1:$PORT" --duration "$DURATION" --warmup "$WARMUP" \
    --rate "${RATE:-1000}" --quiet > "$CACHE.loadgen.log" 2>&1
kill "$pid"
wait "$pid"
"${PSQL[@]}" -c "DROP SCHEMA $schema CASCADE; DROP SCHEMA IF EXISTS ${schema}_readmodel CASCADE" 2> /dev/null
"${JAVA[@]}" ${SERVE_OPTS:-} -XX:AOTMode=create "-XX:AOTConfiguration=$CONF" "-XX:AOTCache=$CACHE" -jar "$JAR" \
    > "$CACHE.create.log" 2>&1 || { echo "create failed: $CACHE.create.log"; exit 1; }
ls -la "$CONF" "$CACHE"
