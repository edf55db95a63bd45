#!/usr/bin/env bash
# 74-debug-build.sh -- the library from cargo's debug profile (debug assertions and integer
# overflow checks on; a failed one aborts the process) survives every bad input:
#   a. c-tests/bad-inputs.c, built against Debian's header and -lsystemd, prints on the debug
#      build exactly what it prints on libsystemd 252 (and exits 0: no abort)
#   b. its --sdlite-only inputs (more fds than the kernel takes) exit 0 on the debug build
#   c. c-tests/login/state-diff.c (sd-login's state functions over malformed logind files, files
#      up to 1 MiB) prints on the debug build what it prints on 252 (root: a mount namespace)
# The release build answers the same, but undefined behaviour (a slice made from a caller's
# wrapped length, say) can pass there unnoticed; here it aborts.
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 74-debug-build: bad inputs on the debug-profile library"
need gcc make cargo
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no $SYSTEM_LIBSYSTEMD"
scratch T
if ! make --no-print-directory -C "$SDLITE_ROOT" debug-lib >"$T/make.log" 2>&1; then
    tail -n 20 "$T/make.log"
    fail "make debug-lib failed"
    finish
fi
DEBUG_LIB=$SDLITE_BUILD/debug
pass "built $DEBUG_LIB/libsystemd.so.0 (cargo's debug profile)"
if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -O1 -g -Wall -o "$T/bad-inputs" \
        "$SDLITE_ROOT/c-tests/bad-inputs.c" -lsystemd 2>"$T/cc.log"; then
    head -n 20 "$T/cc.log"
    fail "building c-tests/bad-inputs.c against the system library"
    finish
fi

run() { # OUT ERR LD_LIBRARY_PATH ARGS...
    local out=$1 err=$2 llp=$3
    shift 3
    (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$llp" timeout 300 "$T/bad-inputs" "$@" >"$out" 2>"$err")
}
run "$T/ref.out" "$T/ref.err" ""
ref_rc=$?
run "$T/dbg.out" "$T/dbg.err" "$DEBUG_LIB"
dbg_rc=$?
grep -q "^libsystemd: $(readlink -f "$DEBUG_LIB")/" "$T/dbg.err" ||
    fail "the debug run did not load $DEBUG_LIB: $(grep '^libsystemd:' "$T/dbg.err")"
if [ $ref_rc -ne 0 ]; then
    fail "bad-inputs exits $ref_rc on libsystemd 252: $(tail -n 3 "$T/ref.err")"
elif [ $dbg_rc -ne 0 ]; then
    fail "bad-inputs exits $dbg_rc on the debug build (an abort is a failed debug assertion): $(tail -n 5 "$T/dbg.err")"
    tail -n 5 "$T/dbg.out" | sed 's/^/      last output: /'
elif cmp -s "$T/ref.out" "$T/dbg.out"; then
    pass "bad-inputs: $(wc -l <"$T/ref.out") lines on the debug build, identical to libsystemd 252's, no abort"
else
    fail "bad-inputs differs between libsystemd 252 ('<') and the debug build ('>'):"
    diff "$T/ref.out" "$T/dbg.out" | grep '^[<>]' | head -n 20 | sed 's/^/      /'
fi
run "$T/only.out" "$T/only.err" "$DEBUG_LIB" --sdlite-only
rc=$?
if [ $rc -eq 0 ]; then
    pass "bad-inputs --sdlite-only on the debug build: exit 0 ($(wc -l <"$T/only.out") lines)"
else
    fail "bad-inputs --sdlite-only exits $rc on the debug build: $(tail -n 5 "$T/only.err")"
fi

# ------------------------------------------------------------------ c. sd-login's state files
if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -O1 -g -w -o "$T/state-diff" \
        "$SDLITE_ROOT/c-tests/login/state-diff.c" -lsystemd 2>"$T/cc2.log"; then
    head -n 20 "$T/cc2.log"
    fail "building c-tests/login/state-diff.c against the system library"
    finish
fi
srun() { # OUT ERR LD_LIBRARY_PATH
    (cd "$T" && env -u LD_PRELOAD LD_LIBRARY_PATH="$3" timeout 300 "$T/state-diff" quick >"$1" 2>"$2" </dev/null)
}
srun "$T/sref.out" "$T/sref.err" ""
rc=$?
if [ $rc = 77 ]; then
    info "SKIP state-diff: no mount namespace here ($(head -n1 "$T/sref.out"))"
    [ "${CI:-}" = true ] && fail "state-diff needs a mount namespace (CI=true: not skipped)"
elif [ $rc -ne 0 ]; then
    fail "state-diff exits $rc on libsystemd 252: $(tail -n 3 "$T/sref.err")"
else
    srun "$T/sdbg.out" "$T/sdbg.err" "$DEBUG_LIB"
    rc=$?
    if [ $rc -ne 0 ]; then
        fail "state-diff exits $rc on the debug build (an abort is a failed debug assertion): $(tail -n 5 "$T/sdbg.err")"
    elif cmp -s "$T/sref.out" "$T/sdbg.out"; then
        pass "state-diff: $(wc -l <"$T/sref.out") lines on the debug build, identical to libsystemd 252's, no abort"
    else
        fail "state-diff differs between libsystemd 252 ('<') and the debug build ('>'):"
        diff "$T/sref.out" "$T/sdbg.out" | grep '^[<>]' | head -n 20 | sed 's/^/      /'
    fi
fi

# sd-login's process side: c-tests/login/login-pid-diff.c's fixed cases (pids, NULL pointers,
# peers, the pidfd errors) on the debug build; its crafted cgroup files are 24-diff-login-pid's
# (run with SDLITE_BUILD=build/debug, it passes too).
if [ -f /usr/include/systemd/sd-login.h ] &&
    env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -O1 -g -Wall -o "$T/login-pid-diff" \
        "$SDLITE_ROOT/c-tests/login/login-pid-diff.c" -lsystemd 2>"$T/cc-login.log"; then
    lrun() { # OUT LD_LIBRARY_PATH ARGS...
        local out=$1 llp=$2
        shift 2
        (cd "$T" && env -u LD_PRELOAD LD_LIBRARY_PATH="$llp" timeout 300 "$T/login-pid-diff" "$@" >"$out" 2>>"$T/login.err")
    }
    lrun "$T/login.ref" "" basics
    lrun "$T/login.dbg" "$DEBUG_LIB" basics
    rc=$?
    if [ $rc -eq 0 ] && cmp -s "$T/login.ref" "$T/login.dbg"; then
        pass "login-pid-diff basics: $(wc -l <"$T/login.ref") lines on the debug build, identical to libsystemd 252's, no abort"
    else
        fail "login-pid-diff basics on the debug build: exit $rc, $(diff "$T/login.ref" "$T/login.dbg" | grep -c '^[<>]') lines differ"
    fi
    lrun "$T/login.pidfd" "$DEBUG_LIB" pidfd-errors
    rc=$?
    if [ $rc -eq 0 ] && grep -q '^reaped-child unit -> -ESRCH' "$T/login.pidfd"; then
        pass "login-pid-diff pidfd-errors on the debug build: exit 0 ($(wc -l <"$T/login.pidfd") lines)"
    else
        fail "login-pid-diff pidfd-errors exits $rc on the debug build: $(tail -n 3 "$T/login.err")"
    fi
else
    info "SKIP login-pid-diff: no /usr/include/systemd/sd-login.h or it does not build: $(head -n 3 "$T/cc-login.log" 2>/dev/null)"
fi
finish
