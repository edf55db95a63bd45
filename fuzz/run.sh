#!/usr/bin/env bash
# fuzz/run.sh -- build and run sdlite's fuzz targets on stable Rust (see fuzz/README.md).
#
#   fuzz/run.sh build                    build every target (libFuzzer + sancov instrumentation)
#   fuzz/run.sh TARGET SECONDS [ARGS]    bounded run on the committed corpus, which stays as it is
#                                        (new inputs go to a scratch directory); exit 0 when no
#                                        crash or difference was found, 1 otherwise
#   fuzz/run.sh --grow TARGET SECONDS    the same, adding new inputs to fuzz/corpus/TARGET
#   fuzz/run.sh --merge TARGET           minimize fuzz/corpus/TARGET (libFuzzer -merge=1)
#   fuzz/run.sh --replay TARGET FILE...  run these inputs once each, printing every comparison
#   fuzz/run.sh list                     the targets
#
# Environment: FUZZ_TARGET_DIR (cargo target directory, default fuzz/target), FUZZ_ARTIFACTS
# (where crash inputs go, default fuzz/artifacts/TARGET), SDLITE_FUZZ_TRACE=1 (print every
# comparison, e.g. with ARGS -runs=0 to replay the corpus), FUZZ_LOG (keep libFuzzer's output
# in this file). ARGS are passed to libFuzzer.
# The last lines printed are libFuzzer's final "DONE cov: ... ft: ..." line and its stats.
#
# notify_socket sends a datagram wherever its input points, so it only runs in a sandbox made
# here: `unshare --net --mount --pid --fork --mount-proc` (a network namespace with no socket at
# all, so no abstract name is reachable; a fresh /proc), with empty tmpfs over /run and /tmp.
# The directories it needs are bind-mounted under /run/fz first. That needs root (or user
# namespaces); the target refuses to run without the sandbox's marker file.
set -euo pipefail

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
TARGETS=(address watchdog listen_fds fdnames notify_socket journal envfile cgroup_path cgroup_file)
HOST=$(rustc -vV | sed -n 's/^host: //p')
TARGET_DIR=${FUZZ_TARGET_DIR:-$FUZZ_DIR/target}
BIN_DIR=$TARGET_DIR/$HOST/release

# What cargo-fuzz passes on nightly, minus the sanitizer (nightly-only); all stable flags.
# --target keeps them away from build scripts and proc macros, which must not be instrumented.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"

die() { echo "fuzz/run.sh: $*" >&2; exit 2; }

build() {
    echo "fuzz/run.sh: building the fuzz targets into $TARGET_DIR" >&2
    (cd "$FUZZ_DIR" && CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --locked --target "$HOST" --bins) >&2
}

is_target() {
    local t
    for t in "${TARGETS[@]}"; do [ "$t" = "$1" ] && return 0; done
    return 1
}

# run_fuzzer TARGET CORPUS_RW CORPUS_RO(or "") ARTIFACTS ARGS...: libFuzzer's exit status.
run_fuzzer() {
    local t=$1 rw=$2 ro=$3 art=$4
    shift 4
    local dict=$FUZZ_DIR/dict/$t.dict
    # glibc's checking malloc: a bad free() of a names array is caught even without ASan.
    local envs=(LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_CHECK_=3)
    local common=(-timeout=5 -rss_limit_mb=2048 -error_exitcode=99 -timeout_exitcode=98 -print_final_stats=1)
    if [ "$t" != notify_socket ]; then
        local args=("${common[@]}" -artifact_prefix="$art/")
        [ -f "$dict" ] && args+=(-dict="$dict")
        env "${envs[@]}" "$BIN_DIR/$t" "${args[@]}" "$@" "$rw" ${ro:+"$ro"}
        return
    fi
    # The sandbox: every host path the fuzzer uses is bind-mounted under /run/fz before /run and
    # /tmp are hidden, then the fuzzer runs from there.
    local inner=(-artifact_prefix=/run/fz/art/)
    [ -f "$dict" ] && inner+=(-dict=/run/fz/dict/"$t".dict)
    local p
    for p in "$BIN_DIR" "$rw" "$ro" "$art" "$FUZZ_DIR/dict"; do
        case $p in /run|/run/*) die "$p is under /run, which the notify_socket sandbox hides" ;; esac
    done
    command -v unshare >/dev/null || die "notify_socket needs unshare(1) (util-linux)"
    # shellcheck disable=SC2016 # the script is expanded by the inner bash
    unshare --net --mount --pid --fork --mount-proc --propagation private -- \
        env "${envs[@]}" bash -c '
            set -e
            bin=$1 rw=$2 ro=$3 art=$4 dict=$5
            shift 5
            mount -t tmpfs -o mode=0755,size=64m sdlite-fuzz-run /run
            mkdir -p /run/fz/bin /run/fz/rw /run/fz/ro /run/fz/art /run/fz/dict
            mount --bind "$bin" /run/fz/bin
            mount --bind "$rw" /run/fz/rw
            [ -n "$ro" ] && mount --bind "$ro" /run/fz/ro
            mount --bind "$art" /run/fz/art
            mount --bind "$dict" /run/fz/dict
            mount -t tmpfs -o mode=1777,size=256m sdlite-fuzz-tmp /tmp
            : > /run/sdlite-fuzz-sandbox
            cd /run/fz
            ro_arg=()
            [ -n "$ro" ] && ro_arg=(/run/fz/ro)
            # Not exec: the fuzzer must not be pid 1 of the namespace, which ignores signals
            # it has no handler for.
            /run/fz/bin/notify_socket "$@" /run/fz/rw "${ro_arg[@]}" || exit $?
            exit 0
        ' sandbox "$BIN_DIR" "$rw" "$ro" "$art" "$FUZZ_DIR/dict" "${common[@]}" "${inner[@]}" "$@"
}

mode=run
case ${1:-} in
    build) build; exit 0 ;;
    list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    --grow) mode=grow; shift ;;
    --merge) mode=merge; shift ;;
    --replay) mode=replay; shift ;;
    ""|-h|--help) sed -n '2,23p' "$0"; exit 2 ;;
esac
t=${1:-}
is_target "$t" || die "unknown target '$t' (targets: ${TARGETS[*]})"
corpus=$FUZZ_DIR/corpus/$t
mkdir -p "$corpus"
art=${FUZZ_ARTIFACTS:-$FUZZ_DIR/artifacts/$t}
mkdir -p "$art"
art=$(cd "$art" && pwd -P)
build

scratch=$(mktemp -d "${TMPDIR:-/tmp}/sdlite-fuzz.XXXXXX")
trap 'rm -rf -- "$scratch"' EXIT
mkdir "$scratch/new"

case $mode in
    replay)
        shift
        [ $# -gt 0 ] || die "--replay needs input files"
        cp -- "$@" "$scratch/new"/
        rc=0
        SDLITE_FUZZ_TRACE=1 run_fuzzer "$t" "$scratch/new" "" "$art" -runs=0 2>&1 | grep -v -E '^"|# Uses: ' || rc=$?
        exit $rc
        ;;
    merge)
        shift
        before=$(find "$corpus" -type f | wc -l)
        run_fuzzer "$t" "$scratch/new" "$corpus" "$art" -merge=1 "$@"
        find "$corpus" -type f -delete
        cp "$scratch/new"/* "$corpus"/ 2>/dev/null || true
        echo "fuzz/run.sh: $t corpus minimized: $before -> $(find "$corpus" -type f | wc -l) files"
        ;;
    run|grow)
        secs=${2:-}
        [[ $secs =~ ^[0-9]+$ && $secs -gt 0 ]] || die "SECONDS must be a number > 0 (0 means no limit to libFuzzer)"
        shift 2
        if [ "$mode" = grow ]; then
            rw=$corpus ro=
        else
            rw=$scratch/new ro=$corpus
        fi
        rc=0
        log=${FUZZ_LOG:-$scratch/log}
        run_fuzzer "$t" "$rw" "$ro" "$art" -max_total_time="$secs" "$@" 2>"$log" || rc=$?
        if [ $rc != 0 ]; then
            # The whole report: the panic message names the input and both results.
            grep -v -E '^"|# Uses: ' "$log" | tail -n 80
            echo "fuzz/run.sh: $t FAILED (libFuzzer exit $rc); inputs in $art/"
            exit 1
        fi
        [ -n "${SDLITE_FUZZ_TRACE:-}" ] && grep -v -E '^"|# Uses: ' "$log"
        grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | sed "s/^/$t: /" || true
        grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" | sed "s/^/$t: /" || true
        ;;
esac
