#!/usr/bin/env bash
# CPU per SigV4 signing of a ranged GET: SignedRangedGet's own signer against the AWS SDK's AwsV4HttpSigner
# (bench/sigv4-micro/SigV4Micro.java), warm in one JVM (alternating rounds) and the first COUNT signings in fresh JVMs.
# Needs `./mvnw install -DskipTests -DskipITs` (archive/target/classes and the local Maven repository).
#   bench/sigv4-micro.sh            ROUNDS=5 N=50000 COLD_RUNS=3 COUNT=200 MAVEN_REPO=~/.m2/repository
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
hindsight_select_jdk
OUT=$(mktemp -d /tmp/sigv4-micro.XXXX)
repo=${MAVEN_REPO:-$HOME/.m2/repository}
./mvnw -q -o -Dmaven.repo.local="$repo" -pl archive org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
  -Dmdep.outputFile="$OUT/cp" >&2
cat > "$OUT/logback.xml" <<'XML'
<configuration><appender name="E" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%msg%n</pattern></encoder></appender><root level="INFO"><appender-ref ref="E"/></root></configuration>
XML
CP="$OUT:archive/target/classes:$(cat "$OUT/cp")"
"$JAVA_HOME/bin/javac" -proc:none -nowarn -cp "$CP" -d "$OUT" bench/sigv4-micro/SigV4Micro.java
run() { "$JAVA_HOME/bin/java" -Dlogback.configurationFile="$OUT/logback.xml" -cp "$CP" dev.hindsight.archive.SigV4Micro "$@" 2>&1 | grep -E '^(round|cold)'; }
echo "[$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)] warm"
run warm "${ROUNDS:-5}" "${N:-50000}"
for i in $(seq 1 "${COLD_RUNS:-3}"); do
  for side in hand sdk; do
    echo "[$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)] $(run cold $side 1)"
    echo "[$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)] $(run cold $side "${COUNT:-200}")"
  done
done
rm -rf "$OUT"
