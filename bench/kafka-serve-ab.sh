#!/usr/bin/env bash
# Same-run A/B of serve --store kafka under loadgen --url (1,000 events/s): one 3-broker kafka-dev, then for each
# variant "NAME|JAVA_OPTS[|SERVE_ARGS]" a fresh topic, serve with HINDSIGHT_JAVA_OPTS=JAVA_OPTS (and SERVE_ARGS) and
# loadgen --duration ${DUR:-60s} --warmup 20s; prints each loadgen report and the brokers' and serve's CPU (cores) over
# the run. Examples (session 9 and 17, docs/benchmarks.md):
#   bench/kafka-serve-ab.sh 'node|' 'partition|-Dhindsight.kafka.writer=partition' 'notail|-Dhindsight.kafka.tailEvents=0'
#   bench/kafka-serve-ab.sh 'p50|' 'p6||--kafka-partitions 6'
# Work files in ${W:-/tmp/kafka-serve-ab}; check `uptime` first.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/jdk.sh; hindsight_select_jdk
W=${W:-/tmp/kafka-serve-ab}; rm -rf "$W"; mkdir -p "$W"
./hindsight kafka-dev --brokers 3 --port 19092 --data-dir $W/kafka > $W/kafka-dev.log 2>&1 &
kpid=$!
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks (100/s)
for _ in $(seq 1 120); do grep -q '19092' $W/kafka-dev.log && break; sleep 1; done
echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] cluster up"
for v in "$@"; do
  name=${v%%|*}; rest=${v#*|}; opts=${rest%%|*}; args=""
  [[ $rest == *"|"* ]] && args=${rest#*|}
  HINDSIGHT_JAVA_OPTS="$opts" ./hindsight serve --store kafka \
    --kafka-bootstrap 127.0.0.1:19092,127.0.0.1:19093,127.0.0.1:19094 --kafka-topic ab-$name \
    --data-dir $W/node-$name --port 8093 $args > $W/serve-$name.log 2>&1 &
  spid=$!
  for _ in $(seq 1 900); do curl -sf http://127.0.0.1:8093/health > /dev/null && break; sleep 0.1; done
  echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] serve $name up ($opts${args:+ | $args})"
  k0=$(ticks $kpid); s0=$(ticks $spid); t0=$(date +%s.%N)
  ./hindsight loadgen --url http://127.0.0.1:8093 --duration ${DUR:-60s} --warmup 20s --quiet > $W/lg-$name.txt 2>&1
  k1=$(ticks $kpid); s1=$(ticks $spid); t1=$(date +%s.%N)
  echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] loadgen $name:"
  # the brokers' and serve's CPU over loadgen's whole run (warm-up included), in cores
  awk -v k=$((k1 - k0)) -v s=$((s1 - s0)) -v t0=$t0 -v t1=$t1 \
    'BEGIN { printf "CPU during the run: brokers %.2f cores, serve %.2f cores\n", k / 100 / (t1 - t0), s / 100 / (t1 - t0) }'
  sed -n '1,16p' $W/lg-$name.txt
  pkill -f "serve --store kafka"; while pgrep -f "serve --store kafka" >/dev/null; do sleep 0.2; done
done
pkill -f "kafka-dev --brokers 3 --port 19092"
echo done
