#!/usr/bin/env bash
# tests/flake-hunt.sh -- run the timing-sensitive suites (real systemd and the listener) N times
# in a row on a deliberately loaded machine and count how many runs passed (issue 9).
#
#   tests/flake-hunt.sh [--check] [--no-load] [--suites "40 41 50 ..."] [N]     (N default 10)
#   make flake-hunt N=10 [FLAKE_ARGS=--check]
#
# Load, started here and always stopped here (EXIT/INT/TERM trap, by process-group id): two
# busy CPU hogs (shell loops) and one disk writer (dd 256 MiB with fsync, over and over, in a
# scratch dir under FLAKE_DIR, default /var/tmp).  A run = every selected suite once, through
# tests/run-all.sh NAME- (the runner's environment); with --check a run is the whole `make check`
# instead.  A run passes when every suite in it passed.  Each run's output goes to a log under the
# scratch dir; the log of a failed run is kept (its path is printed) and its FAIL lines shown.
# Last line: "flake-hunt: P/N runs passed (...)"; exit 0 only when P = N.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
mode=suites load=1 n=10
suites=${FLAKE_SUITES:-"40 41 43 50 52 60 61 62 63 64 66"}
while [ $# -gt 0 ]; do
    case $1 in
        --check) mode=check ;;
        --no-load) load=0 ;;
        --suites) suites=$2; shift ;;
        --suites=*) suites=${1#--suites=} ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 0 ;;
        ''|*[!0-9]*) echo "flake-hunt: bad argument '$1' (see --help)" >&2; exit 2 ;;
        *) n=$1 ;;
    esac
    shift
done
[ "$n" -ge 1 ] || { echo "flake-hunt: N must be >= 1" >&2; exit 2; }
if [ "$mode" = suites ]; then
    for s in $suites; do
        compgen -G "$ROOT/tests/suites/$s-*.sh" >/dev/null ||
            { echo "flake-hunt: no suite tests/suites/$s-*.sh" >&2; exit 2; }
    done
    if [ ! -e "$ROOT/build/libsystemd.so.0" ] || [ ! -x "$ROOT/build/sdlite-listen" ]; then
        echo "flake-hunt: build first (make all listener)" >&2
        exit 2
    fi
fi

work=$(mktemp -d "${FLAKE_DIR:-/var/tmp}/sdlite-flake-hunt.XXXXXX") || exit 1
keep=0
LOAD_PGIDS=()

stop_load() {
    local g
    for g in "${LOAD_PGIDS[@]}"; do
        kill -TERM -- "-$g" 2>/dev/null
    done
    for g in "${LOAD_PGIDS[@]}"; do
        wait "$g" 2>/dev/null
    done
    LOAD_PGIDS=()
}
cleanup() {
    stop_load
    rm -f "$work/blob"
    if [ "$keep" = 1 ]; then
        echo "flake-hunt: logs of the failed runs kept in $work"
    else
        rm -rf -- "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Each load process is the leader of its own session and process group (setsid without a fork,
# since a background job of this non-interactive shell is no group leader), so `kill -- -PGID`
# stops it together with its children (the dd of the writer) and nothing else.
start_load() {
    setsid bash -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
    LOAD_PGIDS+=($!)
    setsid bash -c 'while :; do :; done' </dev/null >/dev/null 2>&1 &
    LOAD_PGIDS+=($!)
    # shellcheck disable=SC2016 # $1 is the inner shell's
    setsid bash -c 'while :; do dd if=/dev/zero of="$1" bs=1M count=256 conv=fsync status=none; rm -f "$1"; done' \
        flake-writer "$work/blob" </dev/null >/dev/null 2>&1 &
    LOAD_PGIDS+=($!)
}

if [ "$mode" = check ]; then what="make check"; else what="suites $suites"; fi
if [ "$load" = 1 ]; then
    start_load
    loaddesc="2 CPU hogs + 1 disk writer (pgids ${LOAD_PGIDS[*]})"
else
    loaddesc="no load"
fi
echo "flake-hunt: $n runs of $what on $(nproc) cores, load: $loaddesc"

passed=0
t_all=$SECONDS
for ((i = 1; i <= n; i++)); do
    log=$work/run-$i.log
    t0=$SECONDS
    failed=()
    if [ "$mode" = check ]; then
        make -C "$ROOT" check >"$log" 2>&1 || failed=("$(sed -n 's/^failed suites: //p' "$log")")
        [ "${#failed[@]}" = 0 ] || [ -n "${failed[0]}" ] || failed=("make check")
    else
        : >"$log"
        for s in $suites; do
            SDLITE_ROOT=$ROOT SDLITE_BUILD=$ROOT/build "$ROOT/tests/run-all.sh" "$s-" >>"$log" 2>&1 ||
                failed+=("$s")
        done
    fi
    la=$(cut -d' ' -f1-3 /proc/loadavg)
    summary=$(grep -E '^--- ' "$log" | sed -E 's/^--- ([0-9]+)-[^:]*: (passed|FAILED|skipped)[^(]*\(([0-9]+s)\)/\1:\2 \3/' |
              sed 's/:passed//' | tr '\n' ' ')
    if [ "${#failed[@]}" = 0 ] && ! grep -q -- '--- .*: skipped' "$log"; then
        passed=$((passed + 1))
        echo "flake-hunt: run $i/$n passed in $((SECONDS - t0)) s [$summary] load $la"
    else
        keep=1
        [ "${#failed[@]}" = 0 ] && failed=("a suite skipped")
        echo "flake-hunt: run $i/$n FAILED (${failed[*]}) in $((SECONDS - t0)) s [$summary] load $la; log: $log"
        grep -E '^(FAIL|SKIP)' "$log" | sed 's/^/    /'
    fi
done
stop_load
echo "flake-hunt: $passed/$n runs passed ($what, $(( SECONDS - t_all )) s in all, load: ${loaddesc%% (*})"
[ "$passed" = "$n" ]
