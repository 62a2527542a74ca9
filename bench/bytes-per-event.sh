#!/usr/bin/env bash
# Bytes on disk per event of a closed file-engine data directory, by component (issue 12: "bytes on disk per seed
# order event, log + snapshots + read model, hot tier").
#   bench/bytes-per-event.sh DIR [EVENTS]
# DIR is a data directory written by `hindsight loadgen` or `hindsight serve` and closed cleanly. EVENTS defaults to
# the next position minus one saved in DIR/index/active.checkpoint (written at a clean close); give it otherwise.
#
# Every figure is allocated bytes (`du -B1`), not apparent size: the active segment is a preallocated sparse file.
# Hot tier = everything under DIR except archive copies (archive-cache/): sealed segments (compressed `.zlog`, or
# plain `.log` not compressed yet), the active segment, the on-disk indexes (offset files, hash runs, manifests; the
# active segment's checkpoint, which open deletes, is shown on its own line), the snapshot store and the SQLite read
# model (with its WAL, if any).
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ! -d "$1" ]]; then
    echo "usage: $0 DATA_DIR [EVENTS]" >&2
    exit 2
fi
DIR="$1"

events="${2:-}"
if [[ -z "$events" ]]; then
    ck="$DIR/index/active.checkpoint"
    if [[ ! -f "$ck" ]]; then
        echo "$0: no $ck (store not closed cleanly, or open since): give EVENTS" >&2
        exit 2
    fi
    # Layout: 8 bytes magic, int format, long base position, long next position (big-endian).
    next=$(od -An -tu1 -j20 -N8 "$ck" | awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i } END { printf "%d", v }')
    events=$((next - 1))
fi
if ! [[ "$events" =~ ^[0-9]+$ ]] || [[ "$events" -eq 0 ]]; then
    echo "$0: EVENTS must be a positive integer, was '$events'" >&2
    exit 2
fi

bytes() { # allocated bytes of the given paths (0 if none exist)
    local total=0 f
    for f in "$@"; do
        [[ -e "$f" ]] && total=$((total + $(du -s -B1 -- "$f" | cut -f1)))
    done
    echo "$total"
}

shopt -s nullglob
sealed_z=("$DIR"/segments/*.zlog)
plain=("$DIR"/segments/*.log)
active=()
sealed_plain=()
if [[ ${#plain[@]} -gt 0 ]]; then
    last=$(printf '%s\n' "${plain[@]}" "${sealed_z[@]}" | sort | tail -1)
    for f in "${plain[@]}"; do
        if [[ "$f" == "$last" ]]; then active+=("$f"); else sealed_plain+=("$f"); fi
    done
fi
index_files=()
for f in "$DIR"/index/*; do
    [[ "$(basename "$f")" == active.checkpoint ]] || index_files+=("$f")
done

row() { # name bytes
    printf '%-44s %14d %9.1f\n' "$1" "$2" "$(awk -v b="$2" -v e="$events" 'BEGIN { print b / e }')"
}
total=0
add() {
    row "$1" "$2"
    total=$((total + $2))
}
printf '%-44s %14s %9s\n' "component ($events events)" "bytes" "B/event"
add "log: sealed compressed (${#sealed_z[@]} .zlog)" "$(bytes "${sealed_z[@]}")"
add "log: sealed not yet compressed (${#sealed_plain[@]} .log)" "$(bytes "${sealed_plain[@]}")"
add "log: active segment (${#active[@]})" "$(bytes "${active[@]}")"
add "index: offset files, runs, manifests" "$(bytes "${index_files[@]}")"
add "index: active.checkpoint (deleted at open)" "$(bytes "$DIR/index/active.checkpoint")"
add "snapshots" "$(bytes "$DIR/snapshots")"
state=("$DIR"/snapshots/snapshots-*.state)
if [[ ${#state[@]} -eq 1 ]]; then # long coveredTo, long liveBytes, ...: live as of the last index run
    live=$(od -An -tu1 -j8 -N8 "${state[0]}" | awk '{ for (i = 1; i <= NF; i++) v = v * 256 + $i } END { printf "%d", v }')
    row "  of which live records (not summed)" "$live"
fi
add "read model (readmodel.db*)" "$(bytes "$DIR"/readmodel.db*)"
known=$(bytes "$DIR/segments" "$DIR/index" "$DIR/snapshots" "$DIR"/readmodel.db* "$DIR/archive-cache")
add "other (not archive-cache/)" "$(($(bytes "$DIR") - known))"
row "total, hot tier" "$total"
