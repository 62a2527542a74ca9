#!/usr/bin/env bash
# Same-run A/B of archived cold, warm and hot aggregate reads in a fresh JVM (bench/cold-reads/ColdReads.java), on a
# store that `hindsight-bench growth --archive-url` grew and archived, between two bench jars, alternating A/B:
#   bench/cold-read-ab.sh A.jar B.jar GROWN_DIR SOURCE_DIR s3://BUCKET/PREFIX http://127.0.0.1:PORT [FIRST_ROUND]
# FIRST_ROUND: events round 0 of the growth run wrote (999000 for --checkpoints 1000000 over a ≥ 1 M-event source).
# Each run reads a fresh copy of GROWN_DIR. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (bench/s3proxy.sh's).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$HERE/../scripts/jdk.sh"
hindsight_select_jdk
A=$1 B=$2 GROWN=$3 SOURCE=$4 URL=$5 ENDPOINT=$6 FIRST=${7:-999000}
COPY=$(mktemp -d /tmp/cold-read.XXXX)
for round in $(seq 1 "${ROUNDS:-2}"); do
    for side in A B; do
        jar=$A
        [[ $side == B ]] && jar=$B
        rm -rf "$COPY/store" && cp -a --sparse=always "$GROWN" "$COPY/store" && rm -rf "$COPY/store/archive-cache"
        echo "[$(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)] round $round $side ($jar)"
        "$JAVA_HOME/bin/java" -Xmx6g --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
            -cp "$jar" "$HERE/cold-reads/ColdReads.java" "$SOURCE" "$COPY/store" "$URL" "$ENDPOINT" "$FIRST" 2>&1 \
            | grep -v -e WARNING -e ' INFO '
    done
done
rm -rf "$COPY"
