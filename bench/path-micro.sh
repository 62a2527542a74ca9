#!/usr/bin/env bash
# Same-run A/B of the server's own CPU per append request (bench/path-micro/PathMicro.java: request parsing, validation,
# canonical JSON and the answer, no Jetty, a no-op engine), between two built checkouts, alternating A/B:
#   bench/path-micro.sh /work/base /work/branch        ROUNDS=3 SECONDS_EACH=6
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
A=$(cd "$1" && pwd)
B=$(cd "$2" && pwd)
# shellcheck source=../scripts/jdk.sh
source "$HERE/../scripts/jdk.sh"
hindsight_select_jdk
OUT=$(mktemp -d /tmp/path-micro.XXXX)
"$JAVA_HOME/bin/javac" -proc:none -nowarn -cp "$B/cli/target/hindsight.jar" -d "$OUT" "$HERE/path-micro/PathMicro.java" || exit 1
for round in $(seq 1 "${ROUNDS:-3}"); do
    for side in A B; do
        dir=$A
        [[ $side == B ]] && dir=$B
        for mode in bulk single; do
            echo "[$(date +%T) load $(cut -d' ' -f1 /proc/loadavg)] round $round $side $("$JAVA_HOME/bin/java" -cp "$dir/cli/target/hindsight.jar:$OUT" dev.hindsight.server.internal.PathMicro "$mode" "${SECONDS_EACH:-6}" 2>&1 | grep -v WARNING)"
        done
    done
done
rm -rf "$OUT"
