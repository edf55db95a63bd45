#!/usr/bin/env bash
# 70-fuzz: a bounded run of every fuzz target in fuzz/ (see fuzz/README.md), on stable Rust with
# libFuzzer (libfuzzer-sys) and sancov instrumentation, starting from the committed corpus.
# Each target compares sdlite with the system's libsystemd 252 loaded in the same process
# (address: with a model of systemd's parser); any difference or crash fails the suite, with
# the input and both results printed and the input kept in $SDLITE_BUILD/fuzz-artifacts/.
# Prints each target's coverage (libFuzzer's final "cov: … ft: …" line).
#
# SDLITE_FUZZ_SECONDS (default 60) per target; two targets run at a time (one per core), so
# the sixth target (journal) shares a slot with notify_socket; sd-login's two (cgroup_path, the
# cgroup-path parser, and cgroup_file, the /proc/PID/cgroup reader, both against
# libsystemd-shared-252.so) share a fourth.
# notify_socket runs in private network/mount/pid namespaces (fuzz/run.sh), journal in a private
# mount namespace it makes itself at start-up (its fake journald at /run/systemd/journal/socket):
# cgroup_file in one with its own cgroup mounts and a file over its /proc/PID/cgroup: these three
# need root and are skipped (failed under CI=true) without namespaces.
# The build goes to $SDLITE_BUILD/fuzz-target; the committed corpus is only read.
set -u
. "$(dirname "$0")/../lib/check.sh"

echo "== 70-fuzz: fuzz targets against libsystemd 252 (bounded run)"
need cargo rustc c++ unshare
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "$SYSTEM_LIBSYSTEMD (the reference) is missing"

secs=${SDLITE_FUZZ_SECONDS:-60}
run=$SDLITE_ROOT/fuzz/run.sh
export FUZZ_TARGET_DIR=$SDLITE_BUILD/fuzz-target
scratch T

start=$SECONDS
if ! "$run" build >"$T/build.log" 2>&1; then
    tail -n 40 "$T/build.log"
    fail "building the fuzz targets (cargo build --locked in fuzz/)"
    finish
fi
pass "built the fuzz targets in $((SECONDS - start)) s ($FUZZ_TARGET_DIR)"

mapfile -t targets < <("$run" list)
if ! unshare --net --mount --pid --fork --mount-proc true 2>"$T/unshare.err"; then
    if [ "${CI:-}" = true ]; then
        fail "notify_socket, journal and cgroup_file need private namespaces: $(cat "$T/unshare.err") (CI=true: not skipped)"
    else
        info "SKIP notify_socket, journal and cgroup_file: cannot make private namespaces ($(cat "$T/unshare.err"))"
    fi
    targets=("${targets[@]/notify_socket/}")
    targets=("${targets[@]/journal/}")
    targets=("${targets[@]/cgroup_file/}")
fi

# The harness itself: with SDLITE_FUZZ_SELFTEST every comparison fails; the run must fail,
# print the report and save the input (through the sandbox's bind mounts for notify_socket).
self=${targets[-1]:-watchdog}
[ -n "$self" ] || self=watchdog
mkdir -p "$T/selftest"
if SDLITE_FUZZ_SELFTEST=1 FUZZ_ARTIFACTS=$T/selftest "$run" "$self" 5 -runs=1 >"$T/selftest.out" 2>&1; then
    fail "self-test: a forced difference in $self went unnoticed"
elif grep -q '=== self-test' "$T/selftest.out" && [ -n "$(ls -A "$T/selftest")" ]; then
    pass "self-test: a difference in $self fails the run, is reported and its input saved"
else
    sed 's/^/     /' "$T/selftest.out" | tail -n 30
    fail "self-test: $self failed without the report or without saving the input"
fi

corpus_before=$(cd "$SDLITE_ROOT/fuzz/corpus" && find . -type f -exec sha1sum {} + | sort | sha1sum)

# Two at a time: each target is one process on one core.
declare -A pid_of=()
launch() {
    local t=$1
    mkdir -p "$T/art/$t"
    FUZZ_ARTIFACTS=$T/art/$t "$run" "$t" "$secs" >"$T/$t.out" 2>&1 &
    pid_of[$t]=$!
}
report() {
    local t=$1 rc=0
    wait "${pid_of[$t]}" || rc=$?
    if [ $rc = 0 ]; then
        grep -E "^$t: #[0-9]+[[:space:]]+DONE" "$T/$t.out" | sed 's/^/     /'
        pass "$t: ${secs} s, no difference, no crash"
    else
        sed 's/^/     /' "$T/$t.out"
        mkdir -p "$SDLITE_BUILD/fuzz-artifacts/$t"
        cp -f "$T/art/$t"/* "$SDLITE_BUILD/fuzz-artifacts/$t/" 2>/dev/null
        for f in "$SDLITE_BUILD/fuzz-artifacts/$t"/*; do
            [ -f "$f" ] && info "input $f: $(od -An -c "$f" | tr -s ' ' | head -c 400)"
        done
        fail "$t: difference or crash (exit $rc); replay: fuzz/run.sh --replay $t $SDLITE_BUILD/fuzz-artifacts/$t/*"
    fi
}
running=()
for t in "${targets[@]}"; do
    [ -n "$t" ] || continue
    launch "$t"
    running+=("$t")
    if [ ${#running[@]} -ge 2 ]; then
        report "${running[0]}"
        running=("${running[@]:1}")
    fi
done
for t in "${running[@]}"; do report "$t"; done

corpus_after=$(cd "$SDLITE_ROOT/fuzz/corpus" && find . -type f -exec sha1sum {} + | sort | sha1sum)
if [ "$corpus_before" = "$corpus_after" ]; then
    pass "the committed corpus is unchanged"
else
    fail "the run changed fuzz/corpus/"
fi
info "total $((SECONDS - start)) s"
finish
