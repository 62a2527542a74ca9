#!/usr/bin/env bash
# Sets up what the tests need on a fresh machine, then runs the whole build: ./mvnw -B verify [extra Maven args].
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# shellcheck source=scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
echo "test.sh: using JDK $HINDSIGHT_JAVA_VERSION at $JAVA_HOME" >&2

# PostgreSQL: not needed by the current tests, but a later engine's integration tests will be. Start the local
# cluster when it is installed and not running; never fail here.
ensure_postgres() {
    if ! command -v pg_isready >/dev/null 2>&1; then
        echo "test.sh: note: PostgreSQL is not installed; skipping (not needed yet)" >&2
        return 0
    fi
    if pg_isready -q -h 127.0.0.1; then
        return 0
    fi
    local version
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)
    if [[ -z "$version" ]] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "test.sh: note: no PostgreSQL cluster found under /etc/postgresql; skipping" >&2
        return 0
    fi
    if ! pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2; then
        echo "test.sh: note: could not start PostgreSQL $version (continuing; not needed yet)" >&2
        return 0
    fi
    for _ in $(seq 1 20); do
        pg_isready -q -h 127.0.0.1 && return 0
        sleep 0.5
    done
    echo "test.sh: note: PostgreSQL $version did not become ready (continuing; not needed yet)" >&2
}
ensure_postgres

exec ./mvnw -B verify "$@"
