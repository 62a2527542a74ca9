#!/usr/bin/env bash
# The PostgreSQL page functions' server CPU (session 23, h74): read_page2 (V11) against read_page3 (V12, the byte
# budget in the server), on a schema built by psql from this tree's migrations (16 partitions) with 20,000 events of
# ~167 B data, plus a page of 40 events of 1 MiB. CPU is the backend's utime+stime from /proc (1/100 s), so
# PostgreSQL must run on this machine; rounds alternate the functions.
#   bench/pg-read-page-cpu.sh [ROUNDS]     Env: HINDSIGHT_PG_URL (required), _USER / _PASSWORD (default hindsight)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=pg-lib.sh
JAVA_HOME=${JAVA_HOME:-/nonexistent} source "$ROOT/bench/pg-lib.sh"
ROUNDS=${1:-3}
MIG="$ROOT/store-postgres/src/main/resources/db/hindsight"
TMP=$(mktemp -d /tmp/pg-read-page.XXXX)
trap 'rm -rf "$TMP"; "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS rp_small CASCADE; DROP SCHEMA IF EXISTS rp_big CASCADE" > /dev/null 2>&1' EXIT
schema() { # schema NAME: the tree's migrations, in version order
    "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $1 CASCADE; CREATE SCHEMA $1" > /dev/null 2>&1
    for v in $(ls "$MIG" | sort -t_ -k1.2 -n); do
        sed -e "s/\${schema}/$1/g" -e "s/\${partitions}/16/g" "$MIG/$v" | "${PSQL[@]}" -v ON_ERROR_STOP=1 -f - > /dev/null
    done
}
schema rp_small
schema rp_big
"${PSQL[@]}" -c "INSERT INTO rp_small.events (position, version, ts, event_id, schema_version, ts_nanos, aggregate_id,
    event_type, event_data, metadata)
  SELECT g, 1, now(), gen_random_uuid(), 1, 0, 'order-' || g, 'OrderPlaced', json_build_object('orderId', g,
         'customer', 'customer-' || (g % 97), 'amount', g * 3, 'note', repeat('x', 90))::json,
         '{\"timestamp\":\"2026-12-07T00:00:00Z\"}'::json FROM generate_series(1, 20000) g; ANALYZE rp_small.events"
"${PSQL[@]}" -c "INSERT INTO rp_big.events (position, version, ts, event_id, schema_version, ts_nanos, aggregate_id,
    event_type, event_data, metadata)
  SELECT g, 1, now(), gen_random_uuid(), 1, 0, 'big-' || g, 'Blob', json_build_object('blob', (SELECT
         string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32760) i))::json, '{}'::json
    FROM generate_series(1, 40) g; ANALYZE rp_big.events"
cat > "$TMP/cpu.sh" <<CPU
#!/usr/bin/env bash
pid=\$(PGAPPNAME=rp-probe ${PSQL[*]} -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'rp-cpu'")
t=\$(awk '{print \$14 + \$15}' /proc/\$pid/stat)
if [[ \$1 == begin ]]; then echo \$t > $TMP/start; else echo "\$2 cpu_ticks \$((t - \$(cat $TMP/start)))"; fi
CPU
chmod +x "$TMP/cpu.sh"
call() { # call FN AFTER LIMIT
    if [[ $1 == read_page3 ]]; then echo "SELECT * FROM rp_small.$1($2, $3, NULL, NULL, 4194304);"
    else echo "SELECT * FROM rp_small.$1($2, $3, NULL, NULL);"; fi
}
{
    echo '\o /dev/null'
    for r in $(seq 1 "$ROUNDS"); do
        for f in read_page2 read_page3; do
            echo "\\! $TMP/cpu.sh begin"
            for i in $(seq 1 5000); do call $f 19970 30; done
            echo "\\! $TMP/cpu.sh end 'round $r: 5,000 pages of the 30 newest events, $f'"
            echo "\\! $TMP/cpu.sh begin"
            for i in $(seq 1 300); do call $f $(( (i * 631) % 19000 )) 1000; done
            echo "\\! $TMP/cpu.sh end 'round $r: 300 pages of 1,000 events, $f'"
        done
    done
} > "$TMP/run.sql"
uptime
PGAPPNAME=rp-cpu "${PSQL[@]}" -f "$TMP/run.sql"
for f in read_page2 read_page3; do
    extra=""; [[ $f == read_page3 ]] && extra=", 4194304"
    "${PSQL[@]}" -c "SELECT '$f, 40 events of 1 MiB, limit 100: ' || count(position) || ' rows, '
        || sum(octet_length(event_data::text)) || ' bytes of data' FROM rp_big.$f(0, 100, NULL, NULL$extra)"
done
uptime
