#!/usr/bin/env bash
# 72-stress.sh -- concurrency, load and failure stress of the notify path, on libsystemd 252 and
# on sdlite (c-tests/stress/, one program per scenario; see each file's header):
#   threads   (a) 8 threads x 10,000 notifications to one receiver thread (queue of 10):
#                 nothing lost, duplicated or corrupted, per-thread sequences complete and in
#                 order, own credentials, fds only where sent
#   fork      (b) 32 forked children and their grandchildren notify (sd_pid_notify(getpid()) and
#                 sd_notify) after the parent used the library: each datagram carries its
#                 sender's own pid in SCM_CREDENTIALS
#   churn     (c) 100,000 rounds of mixed calls (success, -ENOENT, -ECONNREFUSED, -EINVAL, unset,
#                 fds, barrier with timeout 0): every result as expected, /proc/self/fd count and
#                 VmRSS/VmHWM stable; plus a shorter run under valgrind (no error, leak or fd)
#   blocking  (d) a receiver that never reads: the queue fills, the next call blocks (still after
#                 500 ms) and completes with 1 once one datagram is read; a barrier's send blocks
#                 the same way; (f) SIGALRM during a blocked send: -EINTR without SA_RESTART (fds
#                 left open), keeps waiting with SA_RESTART; the barrier's wait: -EINTR
#   vanish    (e) the receiving socket is closed (file left / unlinked / abstract / while the
#                 senders are blocked on its full queue): afterwards -ECONNREFUSED or -ENOENT,
#                 blocked senders wake up, no crash, no hang, no fd leaked
# and the same for the journal's sending side (c-tests/stress/j*.c, helpers in journal.h), each
# in a private mount namespace with an empty tmpfs over /run/systemd and its own fake journald:
#   jthreads  200 fresh processes whose first journal call is made by 8 threads at once: exactly
#             one journal socket in each afterwards; then 8 threads x 10,000 entries
#             (sd_journal_send, print, sendv with a multi-line field, print_with_location) to one
#             receiver: every call 0, every entry byte-identical, complete, in order, our
#             credentials, exactly one journal socket in the process, no other fd
#   jfork     32 children and their grandchildren log after the parent did: every entry exact,
#             with its sender's pid in SCM_CREDENTIALS; then children that closed every fd, or
#             dup2'ed a pipe, a seqpacket connection, a named datagram socket or an AF_INET
#             socket onto the library's socket number, then log (and 8 threads at once after
#             closing every fd): on sdlite every entry reaches the journal from the child, nothing
#             goes into the child's own files, one socket; libsystemd 252's behaviour there (a
#             deliberate difference, README "After fork") is asserted as what 252 does, and each
#             library's is printed as "note:" lines
#   jchurn    100,000 rounds of mixed journal calls (success through every function, no journald
#             -> 0, stale socket -> -ECONNREFUSED, invalid -> -EINVAL, stream_fd open/close and
#             its errors, 100 fields, 3,000 characters, a 5 MiB entry through the sealed memfd
#             every 10,000 rounds): every result and entry exact, /proc/self/fd count and
#             VmRSS/VmHWM stable, one journal socket; plus a shorter run under valgrind (no
#             error, leak or fd; the one socket the library keeps by design is closed by the
#             program before it exits)
#             (the journal programs exit 77 without namespaces: skipped, or failed under CI=true)
# Each program is built ONCE against Debian's header and -lsystemd and runs on both libraries:
# both runs must exit 0 and print the same stdout (timings go to stderr and are shown).
# Needs root (sd_pid_notify for pid 1 in churn; namespaces).  STRESS_RUNS=N repeats each sdlite run N times.
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/memcheck.sh
. "$HERE/../lib/memcheck.sh"

echo "== 72-stress: threads, fork, churn, blocking receivers, signals, vanishing receivers; the journal's threads, forks and churn"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (credentials for another pid)"
need gcc cmp diff timeout
need_reference_and_build
BUILD_REAL=$(readlink -f "$SDLITE_BUILD")
scratch T
chmod 755 "$T"
RUNS=${STRESS_RUNS:-1}

# stderr without the library line and the notes: the timings
timing_of() { grep -v -e '^libsystemd: ' -e '^note: ' "$1" | tr '\n' ' '; }
# the "note:" lines (what a journal program observed where the libraries differ on purpose)
notes_of() { sed -n 's/^note: /     note: /p' "$1"; }
# a program that exits 77 cannot make its private mount namespace (reason on stderr)
ns_skip() { # PROG ERRFILE
    local why
    why=$(grep -m1 'SKIP:' "$2" | sed 's/.*SKIP: //')
    if [ "${CI:-}" = true ]; then
        fail "$1: cannot run: $why (CI=true: not allowed to skip)"
    else
        info "SKIP $1: $why"
    fi
}

# run PROG KIND OUT ERR ARGS...: KIND sys = the system library, sd = sdlite
run() {
    local prog=$1 kind=$2 out=$3 err=$4
    shift 4
    if [ "$kind" = sd ]; then
        (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$SDLITE_BUILD" timeout -s KILL 120 "$T/$prog" "$@" >"$out" 2>"$err" </dev/null)
    else
        (cd "$T" && env -u LD_PRELOAD -u LD_LIBRARY_PATH TMPDIR="$T" timeout -s KILL 120 "$T/$prog" "$@" >"$out" 2>"$err" </dev/null)
    fi
}

start=$SECONDS
for p in threads fork churn blocking vanish jthreads jfork jchurn; do
    if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -O2 -g -Wall -Wextra -o "$T/$p" \
        "$SDLITE_ROOT/c-tests/stress/$p.c" -L"$SYSDIR" -lsystemd -lpthread >"$T/$p.cc" 2>&1; then
        head -n 20 "$T/$p.cc"
        fail "cannot build c-tests/stress/$p.c against the system libsystemd"
        continue
    fi
    [ -s "$T/$p.cc" ] && { info "$p: compiler warnings:"; sed 's/^/     /' "$T/$p.cc"; }
    # ---------------------------------------------------------------- libsystemd 252
    run "$p" sys "$T/$p.sys" "$T/$p.sys.err"
    rc=$?
    if [ $rc = 77 ]; then
        ns_skip "$p" "$T/$p.sys.err"
        continue
    fi
    used=$(lib_used "$T/$p.sys.err")
    timing=$(timing_of "$T/$p.sys.err")
    if [ "$(readlink -f "${used:-/nonexistent}")" != "$SYS_REAL" ]; then
        fail "$p: the reference run mapped '${used:-nothing}', not $SYS_REAL"
        continue
    elif [ $rc -ne 0 ]; then
        grep -v '^ok' "$T/$p.sys" | head -n 20 | sed 's/^/     /'
        fail "$p on libsystemd 252: exit $rc ($timing)"
    else
        pass "$p on libsystemd 252: $(grep -c '^ok' "$T/$p.sys") checks ok ($timing)"
    fi
    notes_of "$T/$p.sys.err"
    # ---------------------------------------------------------------- sdlite, RUNS times
    for i in $(seq 1 "$RUNS"); do
        run "$p" sd "$T/$p.sd" "$T/$p.sd.err"
        rc=$?
        used=$(lib_used "$T/$p.sd.err")
        timing=$(timing_of "$T/$p.sd.err")
        sfx=$([ "$RUNS" -gt 1 ] && echo " (run $i/$RUNS)")
        if [ "$(readlink -f "${used:-/nonexistent}")" != "$SO_REAL" ]; then
            fail "$p$sfx: the sdlite run mapped '${used:-nothing}', not $SO_REAL"
        elif [ $rc -ne 0 ]; then
            grep -v '^ok' "$T/$p.sd" | head -n 20 | sed 's/^/     /'
            fail "$p on sdlite$sfx: exit $rc ($timing)"
        elif ! cmp -s "$T/$p.sys" "$T/$p.sd"; then
            diff -u --label "$p@libsystemd-252" --label "$p@sdlite" "$T/$p.sys" "$T/$p.sd" | head -n 40 | sed 's/^/     /'
            fail "$p on sdlite$sfx: passes, but its report differs from libsystemd 252's"
        else
            pass "$p on sdlite$sfx: $(grep -c '^ok' "$T/$p.sd") checks ok, same report as libsystemd 252 ($timing)"
        fi
        notes_of "$T/$p.sd.err"
    done
done

# ------------------------------------------------------------------ churn under valgrind
if command -v valgrind >/dev/null && [ -x "$T/churn" ]; then
    mkdir -p "$T/vg"
    (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$SDLITE_BUILD" timeout -s KILL 300 valgrind \
        --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=yes \
        --log-file="$T/vg/vg.%p.log" "$T/churn" 2800 280 norss >"$T/churn.vg" 2>"$T/churn.vg.err" </dev/null)
    rc=$?
    verdict=$(vg_verdict "$T/vg" "$BUILD_REAL/libsystemd" strict)
    vrc=$?
    if [ $rc -eq 0 ] && [ $vrc -eq 0 ]; then
        pass "churn (2,800 rounds) under valgrind on sdlite: no error, no leak, no fd left open ($(tail -n1 <<<"$verdict" | sed 's/^summary: //'))"
    else
        head -n 40 <<<"$verdict" | sed 's/^/     /'
        grep -v '^ok' "$T/churn.vg" | head -n 10 | sed 's/^/     /'
        fail "churn under valgrind on sdlite: exit $rc"
    fi
else
    skip_or_fail "valgrind not installed (make deps installs it)"
fi

# ------------------------------------------------------------------ jchurn under valgrind
if [ -x "$T/jchurn" ] && [ -s "$T/jchurn.sd" ]; then
    mkdir -p "$T/jvg"
    (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$SDLITE_BUILD" timeout -s KILL 300 valgrind \
        --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=yes \
        --log-file="$T/jvg/vg.%p.log" "$T/jchurn" 2800 280 norss 1000 >"$T/jchurn.vg" 2>"$T/jchurn.vg.err" </dev/null)
    rc=$?
    verdict=$(vg_verdict "$T/jvg" "$BUILD_REAL/libsystemd" strict)
    vrc=$?
    if [ $rc -eq 0 ] && [ $vrc -eq 0 ]; then
        pass "jchurn (2,800 rounds, 3 through the memfd) under valgrind on sdlite: no error, no leak, no fd left open ($(tail -n1 <<<"$verdict" | sed 's/^summary: //'))"
    else
        head -n 40 <<<"$verdict" | sed 's/^/     /'
        grep -v '^ok' "$T/jchurn.vg" | head -n 10 | sed 's/^/     /'
        fail "jchurn under valgrind on sdlite: exit $rc"
    fi
fi
info "took $((SECONDS - start))s"
finish
