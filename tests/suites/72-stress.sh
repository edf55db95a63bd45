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
# Each program is built ONCE against Debian's header and -lsystemd and runs on both libraries:
# both runs must exit 0 and print the same stdout (timings go to stderr and are shown).
# Needs root (sd_pid_notify for pid 1 in churn).  STRESS_RUNS=N repeats each sdlite run N times.
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/memcheck.sh
. "$HERE/../lib/memcheck.sh"

echo "== 72-stress: threads, fork, churn, blocking receivers, signals, vanishing receivers"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (credentials for another pid)"
need gcc cmp diff timeout
need_reference_and_build
BUILD_REAL=$(readlink -f "$SDLITE_BUILD")
scratch T
chmod 755 "$T"
RUNS=${STRESS_RUNS:-1}

lib_used() { sed -n 's/^libsystemd: //p' "$1" | head -n1; }

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
for p in threads fork churn blocking vanish; do
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
    used=$(lib_used "$T/$p.sys.err")
    timing=$(grep -v '^libsystemd: ' "$T/$p.sys.err" | tr '\n' ' ')
    if [ "$(readlink -f "${used:-/nonexistent}")" != "$SYS_REAL" ]; then
        fail "$p: the reference run mapped '${used:-nothing}', not $SYS_REAL"
        continue
    elif [ $rc -ne 0 ]; then
        grep -v '^ok' "$T/$p.sys" | head -n 20 | sed 's/^/     /'
        fail "$p on libsystemd 252: exit $rc ($timing)"
    else
        pass "$p on libsystemd 252: $(grep -c '^ok' "$T/$p.sys") checks ok ($timing)"
    fi
    # ---------------------------------------------------------------- sdlite, RUNS times
    for i in $(seq 1 "$RUNS"); do
        run "$p" sd "$T/$p.sd" "$T/$p.sd.err"
        rc=$?
        used=$(lib_used "$T/$p.sd.err")
        timing=$(grep -v '^libsystemd: ' "$T/$p.sd.err" | tr '\n' ' ')
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
info "took $((SECONDS - start))s"
finish
