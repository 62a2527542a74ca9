#!/usr/bin/env bash
# Same-run A/B of archived cold, warm and hot aggregate reads in a fresh JVM (bench/cold-reads/ColdReads.java), on a
# store that `hindsight-bench growth --archive-url` grew and archived, between two bench jars, alternating A/B:
#   bench/cold-read-ab.sh A.jar B.jar GROWN_DIR SOURCE_DIR s3://BUCKET/PREFIX http://127.0.0.1:PORT [FIRST_ROUND]
# FIRST_ROUND: events round 0 of the growth run wrote (999000 for --checkpoints 1000000 over a ≥ 1 M-event source).
# Each run reads a fresh copy of GROWN_DIR. Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (bench/s3proxy.sh's).
# Optional: A_OPTS / B_OPTS (extra JVM options per side, e.g. -Dhindsight.archive.coalesceGapBytes=262144), CACHE_BYTES
# (local copies' budget; 0: every archived read goes to the object store), ROUNDS (default 2).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../scripts/jdk.sh
source "$HERE/../scripts/jdk.sh"
hindsight_select_jdk
A=$1 B=$2 GROWN=$3 SOURCE=$4 URL=$5 ENDPOINT=$6 FIRST=${7:-999000}
COPY=$(mktemp -d /tmp/cold-read.XXXX)
for round in $(seq 1 "${ROUNDS:-2}"); do
    for side in A B; do
        jar=$A opts=${A_OPTS:-}
        [[ $side == B ]] && jar=$B opts=${B_OPTS:-}
        rm -rf "$COPY/store" && cp -a --sparse=always "$GROWN" "$COPY/store" && rm -rf "$COPY/store/archive-cache"
        echo "[$(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)] round $round $side ($jar $opts${CACHE_BYTES:+ cache $CACHE_BYTES})"
        # shellcheck disable=SC2086
        "$JAVA_HOME/bin/java" -Xmx6g --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow $opts \
            -cp "$jar" "$HERE/cold-reads/ColdReads.java" "$SOURCE" "$COPY/store" "$URL" "$ENDPOINT" "$FIRST" \
            ${CACHE_BYTES:+"$CACHE_BYTES"} 2>&1 \
            | grep -v -e WARNING -e ' INFO '
    done
done
rm -rf "$COPY"
