#!/usr/bin/env bash
# Sets up what the tests need on a fresh machine, then runs the whole build: ./mvnw -B install [extra Maven args], and
# builds and tests the examples (examples/*, separate Maven projects) against the artifacts it just installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
# shellcheck source=scripts/jdk.sh
source "$ROOT/scripts/jdk.sh"
hindsight_select_jdk
echo "test.sh: using JDK $HINDSIGHT_JAVA_VERSION at $JAVA_HOME" >&2

# PostgreSQL: the store-postgres and cli tests need a server at 127.0.0.1:5432 with role/password hindsight and a
# database hindsight_test (override everything with HINDSIGHT_PG_URL / HINDSIGHT_PG_USER / HINDSIGHT_PG_PASSWORD).
# Installs PostgreSQL via apt when absent, starts the local cluster when stopped, and creates the role and database
# when missing; fails loudly when it cannot, since those suites never skip.
as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        su postgres -c "$*"
    else
        sudo -n -u postgres sh -c "$*"
    fi
}

ensure_postgres() {
    if [[ -n "${HINDSIGHT_PG_URL:-}" ]]; then
        echo "test.sh: using the PostgreSQL at HINDSIGHT_PG_URL" >&2
        return 0
    fi
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "test.sh: installing PostgreSQL (apt-get install -y postgresql)" >&2
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
        $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2 \
            || { echo "test.sh: could not install PostgreSQL" >&2; exit 1; }
    fi
    if ! pg_isready -q -h 127.0.0.1; then
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1 || true)
        if [[ -z "$version" ]]; then
            echo "test.sh: PostgreSQL is installed but has no cluster under /etc/postgresql" >&2
            exit 1
        fi
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
        for _ in $(seq 1 40); do
            pg_isready -q -h 127.0.0.1 && break
            sleep 0.5
        done
        pg_isready -q -h 127.0.0.1 || { echo "test.sh: PostgreSQL $version did not start" >&2; exit 1; }
    fi
    as_postgres "psql -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = 'hindsight'\" | grep -q 1 \
        || psql -qc \"CREATE ROLE hindsight LOGIN PASSWORD 'hindsight'\"" >&2 \
        || { echo "test.sh: could not create the PostgreSQL role hindsight" >&2; exit 1; }
    as_postgres "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'hindsight_test'\" | grep -q 1 \
        || psql -qc \"CREATE DATABASE hindsight_test OWNER hindsight ENCODING 'UTF8' TEMPLATE template0\"" >&2 \
        || { echo "test.sh: could not create the PostgreSQL database hindsight_test" >&2; exit 1; }
    # The Unix-domain socket tests (UnixSocketFactoryTest, PostgresUnixSocketTckTest, serve --pg-socket) log in as
    # hindsight through /var/run/postgresql: where pg_hba.conf's local lines allow only peer authentication (Debian's
    # default), let that role into hindsight_test by password there too.
    if ! PGPASSWORD=hindsight psql -h /var/run/postgresql -U hindsight -d hindsight_test -qAtc "SELECT 1" \
        > /dev/null 2>&1; then
        local hba
        hba=$(as_postgres "psql -qAtc 'SHOW hba_file'")
        as_postgres "sed -i '1i local hindsight_test hindsight scram-sha-256' '$hba' && psql -qAtc 'SELECT pg_reload_conf()'" \
            > /dev/null || { echo "test.sh: could not let hindsight in through the Unix-domain socket" >&2; exit 1; }
    fi
}
ensure_postgres

# Browser tests (module ui-tests): Debian's Chromium and ChromeDriver (/usr/bin/chromium, /usr/bin/chromedriver), never
# a downloaded browser. Installed here when missing, as root or through passwordless sudo; otherwise a clear failure.
ensure_chromium() {
    if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
        return 0
    fi
    local -a as_root=()
    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            as_root=(sudo -n)
        else
            echo "test.sh: error: the browser tests need Debian's chromium and chromium-driver, and this user cannot" \
                "install them; run as root: apt-get install -y chromium chromium-driver" >&2
            exit 1
        fi
    fi
    echo "test.sh: installing chromium and chromium-driver for the browser tests (about 35 s) ..." >&2
    local log
    log=$(mktemp)
    if ! { "${as_root[@]}" apt-get update -qq \
        && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } \
        >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        echo "test.sh: error: could not install chromium and chromium-driver (apt-get output above)" >&2
        exit 1
    fi
    rm -f "$log"
}
ensure_chromium

# RabbitMQ: the relay tests (cli RelayIT, relay-rabbitmq RabbitMqSinksIT) publish to streams of the server at
# 127.0.0.1, over AMQP 0-9-1 (5672, user guest) and over the stream protocol (5552, plugin rabbitmq_stream). Starts the
# local server when it is installed and stopped, installs it via apt when absent, enables the stream plugin when its
# port is closed (idempotent: an enabled plugin stays enabled); fails loudly when it cannot.
ensure_rabbitmq() {
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
    if (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        ensure_rabbitmq_stream "$sudo"
        return 0
    fi
    if ! command -v rabbitmq-server >/dev/null 2>&1; then
        echo "test.sh: installing RabbitMQ (apt-get install -y rabbitmq-server)" >&2
        $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq rabbitmq-server >&2 \
            || { echo "test.sh: could not install RabbitMQ" >&2; exit 1; }
    fi
    if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
        echo "test.sh: starting RabbitMQ (rabbitmq-server -detached)" >&2
        $sudo rabbitmq-server -detached >&2 || true
    fi
    for _ in $(seq 1 120); do
        if (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
            ensure_rabbitmq_stream "$sudo"
            return 0
        fi
        sleep 0.5
    done
    echo "test.sh: RabbitMQ did not start on 127.0.0.1:5672" >&2
    exit 1
}
ensure_rabbitmq_stream() {
    (exec 3<>/dev/tcp/127.0.0.1/5552) 2>/dev/null && return 0
    echo "test.sh: enabling RabbitMQ's stream protocol (rabbitmq-plugins enable rabbitmq_stream)" >&2
    $1 rabbitmq-plugins enable rabbitmq_stream >&2 || { echo "test.sh: could not enable rabbitmq_stream" >&2; exit 1; }
    for _ in $(seq 1 120); do
        (exec 3<>/dev/tcp/127.0.0.1/5552) 2>/dev/null && return 0
        sleep 0.5
    done
    echo "test.sh: RabbitMQ's stream protocol did not open 127.0.0.1:5552" >&2
    exit 1
}
ensure_rabbitmq

# install, not just verify: the examples depend on the installed dev.hindsight artifacts, as an application would.
# HINDSIGHT_MAVEN_THREADS=2 builds two modules at a time in dependency order (-T 2): store-kafka, store-postgres and
# client beside the store-file -> projection -> server chain, ui-tests and bench beside the chain to cli. Tests take
# their own ports, temp dirs, PostgreSQL schemas, topics and streams. Off by default: on 2 cores it is not faster (a
# quiet green run on 2026-12-07 took 17:14 against 15:24-15:27 with -T 1; the modules' tests contend for the cores).
./mvnw -B -T "${HINDSIGHT_MAVEN_THREADS:-1}" install "$@"

# The examples are separate projects (not modules of the build). Offline: everything they need is what the build above
# resolved or installed.
for example in examples/bank-account examples/bank-account-spring; do
    echo "test.sh: building and testing $example against the installed artifacts" >&2
    ./mvnw -B -o -f "$example/pom.xml" verify
done
