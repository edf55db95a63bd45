#!/usr/bin/env bash
# 73-async-signal-safety.sh -- README "Contract: threads and signals", measured.
#
#   a. c-tests/alloc-count.c replaces malloc & co. and the pthread lock functions with counting
#      versions (glibc's documented way to replace malloc; the lock functions forward through
#      dlsym(RTLD_NEXT)) and counts, per call and thread, what sd_notify, sd_pid_notify,
#      sd_pid_notify_with_fds, sd_notify_barrier (timeout 0, and with a receiver that closes),
#      sd_watchdog_enabled(0, ...), sd_listen_fds(0), the sd_is_* checks and sd_booted allocate
#      and lock, on success and error paths.  sdlite: every one of those must be 0 (allocations
#      and lock operations, first call and the next 99).  libsystemd 252's counts are printed
#      for comparison.  Control rows prove the interposition sees allocations made inside shared
#      objects and binds pthread_mutex_lock as a library would (ltrace is not needed for that).
#   b. c-tests/signal-notify.c calls sd_notify from a SIGALRM handler every 200 us, 2 x 5000
#      times, while the interrupted thread runs malloc/realloc/free and sd_notify itself (the
#      second phase with SA_NODEFER: handlers interrupt handlers): on sdlite every datagram must
#      arrive exactly once and nothing may deadlock.  Also run on libsystemd 252 (reported), and
#      once as a negative control with an allocating handler (sd_notifyf), which is expected to
#      deadlock or crash sooner or later (reported, not asserted: it is a race).
#   c. c-tests/journal-alloc-count.c, the same interposers (c-tests/common/alloc-interpose.h), for
#      the journal: sd_journal_sendv (the process's first call, multi-line fields, no journald,
#      stale socket, invalid entry), sd_journal_sendv_with_location, sd_journal_perror (and
#      _with_location, NULL message, unknown errno), sd_journal_stream_fd (success, no socket,
#      bad priority), and the first sd_journal_sendv in a forked child (socket number still its
#      own, or closed): sdlite must make 0 allocations and 0 lock operations in every one of
#      those rows; sendv of 100 fields or 5 MiB (memfd), print and send are printed for
#      information; libsystemd 252's counts for comparison.
#   d. c-tests/journal-signal.c: sd_journal_sendv from a SIGALRM handler, 2 x 5000 times, while
#      the interrupted thread churns malloc and logs itself: on sdlite every entry arrives
#      exactly once and byte-identical, one journal socket, no deadlock; on 252 reported; the
#      negative control (the handler calls sd_journal_send, which allocates) reported.
#   c and d run in a private mount namespace with their own fake journald (an empty tmpfs over
#   /run/systemd); without namespaces they are skipped with the reason (failed under CI=true).
# The programs are built against Debian's headers and -lsystemd and run on both libraries.
# Needs root (sd_pid_notify for pid 1, namespaces).  Exit: 0 passed, 77 skipped, 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 73-async-signal-safety: allocations and locks per call; sd_notify in a signal handler"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (sd_pid_notify for pid 1)"
need gcc timeout
need_reference_and_build
scratch T
SIGNALS=${SIGNAL_NOTIFY_COUNT:-5000}

run() { # KIND OUT ERR TIMEOUT CMD...
    local kind=$1 out=$2 err=$3 to=$4
    shift 4
    if [ "$kind" = sd ]; then
        (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$SDLITE_BUILD" timeout -s KILL "$to" "$@" >"$out" 2>"$err" </dev/null)
    else
        (cd "$T" && env -u LD_PRELOAD -u LD_LIBRARY_PATH TMPDIR="$T" timeout -s KILL "$to" "$@" >"$out" 2>"$err" </dev/null)
    fi
}
mapped_ok() { # ERRFILE KIND
    local used
    used=$(readlink -f "$(lib_used "$1")" 2>/dev/null)
    if [ "$2" = sd ]; then [ "$used" = "$SO_REAL" ]; else [ "$used" = "$SYS_REAL" ]; fi
}

for p in alloc-count signal-notify journal-alloc-count journal-signal; do
    extra=()
    case $p in *alloc-count) extra=(-rdynamic) ;; esac
    if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -O2 -g -Wall -Wextra "${extra[@]}" -o "$T/$p" \
        "$SDLITE_ROOT/c-tests/$p.c" -L"$SYSDIR" -lsystemd -lpthread >"$T/$p.cc" 2>&1; then
        head -n 20 "$T/$p.cc"
        fail "cannot build c-tests/$p.c against the system libsystemd"
        finish
    fi
done

# exit 77 from a journal program: it cannot make its private mount namespace (reason on stderr)
no_namespace() { # ERRFILE
    local why
    why=$(grep -m1 'SKIP:' "$1" | sed 's/.*SKIP: //')
    if [ "${CI:-}" = true ]; then
        fail "journal part: cannot run: $why (CI=true: not allowed to skip)"
    else
        info "SKIP the journal part: $why"
    fi
    finish
}

# Parts a and c: PROG's rows on 252 (printed; its controls must count) and on sdlite (every
# contract row 0).
alloc_part() { # PROG
    local p=$1 rc n
    run sys "$T/$p.sys" "$T/$p.sys.err" 60 "$T/$p"
    rc=$?
    [ $rc = 77 ] && no_namespace "$T/$p.sys.err"
    if ! mapped_ok "$T/$p.sys.err" sys; then
        fail "$p reference run did not map $SYS_REAL: $(cat "$T/$p.sys.err")"
    elif [ $rc -ne 0 ]; then
        cat "$T/$p.sys" "$T/$p.sys.err" | sed 's/^/     /'
        fail "$p on libsystemd 252: exit $rc (the controls must see allocations and locks)"
    else
        pass "$p on libsystemd 252 (for comparison; the controls see allocations and locks):"
        sed 's/^/     /' "$T/$p.sys"
    fi
    run sd "$T/$p.sd" "$T/$p.sd.err" 60 "$T/$p" --expect-zero
    rc=$?
    if ! mapped_ok "$T/$p.sd.err" sd; then
        fail "$p on sdlite did not map $SO_REAL: $(cat "$T/$p.sd.err")"
    elif [ $rc -ne 0 ]; then
        sed 's/^/     /' "$T/$p.sd" "$T/$p.sd.err"
        fail "$p on sdlite: a call of the contract allocates or locks (rows marked FAIL)"
    else
        n=$(grep -c 'must be 0' "$T/$p.sd")
        pass "$p on sdlite: all $n contract rows make 0 allocations and 0 lock operations (first call and 99 more); controls ok"
        grep -v 'must be 0' "$T/$p.sd" | grep -v '^#' | sed 's/^/     /'
    fi
}

# Parts b and d: PROG (CALL from a SIGALRM handler) must pass on sdlite; 252's run and three
# runs of the negative control (CONTROL: the allocating call the handler makes instead) are
# reported, not asserted: the control is a race.
signal_part() { # PROG CALL CONTROL
    local p=$1 call=$2 control=$3 rc took outcomes joined
    run sd "$T/$p.sd" "$T/$p.sd.err" 120 "$T/$p" "$SIGNALS"
    rc=$?
    took=$(sed -n "s/^$p: //p" "$T/$p.sd.err" | tr '\n' ' ')
    if ! mapped_ok "$T/$p.sd.err" sd; then
        fail "$p did not map $SO_REAL"
    elif [ $rc -ne 0 ]; then
        sed 's/^/     /' "$T/$p.sd" "$T/$p.sd.err"
        case $rc in
            137) fail "$p on sdlite: killed after 120 s (hung)" ;;
            3) fail "$p on sdlite: DEADLOCK (no progress for 3 s)" ;;
            *) fail "$p on sdlite: exit $rc" ;;
        esac
    else
        pass "$call from a SIGALRM handler on sdlite: $(grep -c '^ok' "$T/$p.sd") checks ok ($took)"
        sed 's/^/     /' "$T/$p.sd"
    fi
    run sys "$T/$p.sys" "$T/$p.sys.err" 120 "$T/$p" "$SIGNALS"
    rc=$?
    case $rc in
        0) info "libsystemd 252: $p passes as well (its $call allocates nothing either)" ;;
        *) info "libsystemd 252: $p exits $rc: $(grep -v '^ok' "$T/$p.sys" "$T/$p.sys.err" | tr '\n' ' ')" ;;
    esac
    outcomes=()
    for _ in 1 2 3; do
        # (2>/dev/null: the shell's own "Aborted" notice when the control crashes)
        run sd "$T/$p.ctl.out" "$T/$p.ctl.err" 30 "$T/$p" --control "$SIGNALS" 2>/dev/null
        rc=$?
        case $rc in
            0) outcomes+=("survived") ;;
            3) outcomes+=("deadlocked") ;;
            137) outcomes+=("hung") ;;
            *) if [ $rc -gt 128 ]; then outcomes+=("crashed (signal $((rc - 128)))"); else outcomes+=("failed (exit $rc)"); fi ;;
        esac
    done
    joined=$(printf '%s, ' "${outcomes[@]}")
    info "$p negative control (the handler calls $control, which allocates): ${joined%, } in 3 runs"
}

alloc_part alloc-count                                      # a
signal_part signal-notify sd_notify sd_notifyf              # b
alloc_part journal-alloc-count                              # c (77: no namespace)
signal_part journal-signal sd_journal_sendv sd_journal_send # d

finish
