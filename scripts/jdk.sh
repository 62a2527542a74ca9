# shellcheck shell=bash
# Sourced by ./hindsight and ./test.sh: selects a JDK >= 21 and exports JAVA_HOME.
#
# Order: $JAVA_HOME if it is >= 21, else the newest JDK >= 21 under /usr/lib/jvm. Fails loudly if none is found.

HINDSIGHT_MIN_JAVA=21

# Prints the feature version (17, 21, 25, ...) of the java binary $1, or nothing if it does not run. Reads the JDK's
# `release` file when it has one (instant), else asks the binary (a JVM start, ~0.1-0.5 s: the launcher checks every
# JDK under /usr/lib/jvm when JAVA_HOME is unset, and that time counted in `serve`'s start-up).
hindsight_java_version() {
    local spec="" release line
    release="${1%/bin/java}/release"
    if [[ -r "$release" ]]; then
        # No subprocess: bash alone reads the line JAVA_VERSION="25.0.3".
        while IFS= read -r line; do
            if [[ "$line" =~ ^JAVA_VERSION=\"(1\.)?([0-9]+) ]]; then
                spec="${BASH_REMATCH[2]}"
                break
            fi
        done <"$release"
    fi
    if [[ -z "$spec" ]]; then
        spec=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
        case "$spec" in
            1.*) spec="${spec#1.}" ;; # 1.8 -> 8
        esac
    fi
    echo "$spec"
}

# Sets and exports JAVA_HOME and HINDSIGHT_JAVA_VERSION, or exits 1 with a message on stderr.
hindsight_select_jdk() {
    local v best="" best_v=0 dir
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        v=$(hindsight_java_version "$JAVA_HOME/bin/java")
        if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= HINDSIGHT_MIN_JAVA)); then
            best="$JAVA_HOME"
            best_v=$v
        fi
    fi
    if [[ -z "$best" ]]; then
        for dir in /usr/lib/jvm/*; do
            [[ -x "$dir/bin/java" && -x "$dir/bin/javac" ]] || continue
            v=$(hindsight_java_version "$dir/bin/java")
            if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= HINDSIGHT_MIN_JAVA && v > best_v)); then
                best="$dir"
                best_v=$v
            fi
        done
    fi
    if [[ -z "$best" ]]; then
        echo "hindsight: no JDK >= $HINDSIGHT_MIN_JAVA found (JAVA_HOME=${JAVA_HOME:-unset}; searched /usr/lib/jvm/*)." >&2
        echo "hindsight: install one (e.g. Temurin 21 or 25) or point JAVA_HOME at it." >&2
        exit 1
    fi
    export JAVA_HOME="$best"
    export HINDSIGHT_JAVA_VERSION="$best_v"
}
