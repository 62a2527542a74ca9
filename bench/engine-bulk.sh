#!/usr/bin/env bash
# The bulk endpoint's shape through the Java API, without HTTP (session 23, h72): THREADS virtual threads, each calling
# EventStore.appendAll with 100 new aggregates of one event (bench/wrk/bulk.lua's event), on the file engine with the
# default fsync, against a built checkout's cli/target/hindsight.jar. What the engine (validation included) serves of
# the bulk floor's load when no HTTP is in the way.
#   bench/engine-bulk.sh CHECKOUT [THREADS=16] [WARMUP_SECONDS=15] [SECONDS=15]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$HERE/../scripts/jdk.sh"
hindsight_select_jdk
JAR="$(cd "$1" && pwd)/cli/target/hindsight.jar"
OUT=$(mktemp -d /tmp/engine-bulk.XXXX)
"$JAVA_HOME/bin/javac" -proc:none -nowarn -cp "$JAR" -d "$OUT" "$HERE/engine-bulk/EngineBulk.java"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$JAR:$OUT" \
    EngineBulk "$OUT/data" "${2:-16}" "${3:-15}" "${4:-15}" 2>&1 | grep -v WARNING
rm -rf "$OUT"
