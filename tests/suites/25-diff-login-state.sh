#!/usr/bin/env bash
# 25-diff-login-state: the state half of sd-login (sd_uid_*, sd_session_*, sd_seat_*, sd_get_*,
# sd_machine_get_*, sd_login_monitor_*), sdlite against libsystemd 252.
#
# c-tests/login/state-diff.c is built once against Debian's <systemd/sd-login.h> and -lsystemd
# and run on the system library (twice: the runs must agree, or the test is broken) and with
# LD_LIBRARY_PATH=$SDLITE_BUILD. The program makes its own private mount namespace and mounts a
# fresh tmpfs on /run/systemd for each scenario (the host's logind state stays hidden and
# untouched): no logind at all (no directories), empty directories, a populated tree (active,
# online, closing and lingering users, seats with and without CAN_TTY/CAN_GRAPHICAL, local and
# remote sessions, machines with classes and NETIF lists, unit: symlinks, names that are not
# UIDs, hidden and backup files), 90 env-file forms read through sd_session_get_* (quoting,
# escapes, continuation lines, comments, missing and empty values, invalid UTF-8, bad numbers
# and booleans, C escapes in DESKTOP), files of 0 bytes to 64 MiB + 64 KiB (252's limit at
# its exact boundary), an embedded NUL, a directory in place of a file, the directories as
# files, bad names (empty, '/', too long, "..") and uids ((uid_t)-1, 65535), NULL out-pointers,
# and the monitor: which category's descriptor becomes readable on which change, flush,
# O_NONBLOCK and FD_CLOEXEC, get_events/get_timeout, no descriptor left after unref.
# Its stdout must be byte-identical on both libraries.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 25-diff-login-state: sd-login's state functions against libsystemd 252, same binary"
need gcc readelf cmp diff
[ -f /usr/include/systemd/sd-login.h ] || skip_or_fail "no /usr/include/systemd/sd-login.h (apt-get install -y libsystemd-dev)"
need_reference_and_build
scratch T
PROG=state-diff

build_against_reference "$PROG" "login/$PROG.c" sd_login_monitor_new@LIBSYSTEMD_209 -Wno-deprecated-declarations || finish

# run PROG OUT ERR [env assignments...]: one run of the program, for reference_runs (check.sh:
# two runs on the system library that must agree) and, with LD_LIBRARY_PATH, on sdlite. A
# reference run (no assignments) that exits 77 could not make its mount namespace: skip.
run() {
    local p=$1 out=$2 err=$3 rc
    shift 3
    (cd "$T" && env -u LD_LIBRARY_PATH -u LD_PRELOAD "$@" timeout 300 "$T/$p" >"$out" 2>"$err" </dev/null)
    rc=$?
    [ $rc = 77 ] && [ $# = 0 ] && skip_or_fail "no private mount namespace here ($(head -n1 "$out"))"
    return $rc
}

reference_runs "$PROG" 2 || finish
pass "two runs on the system library agree ($(wc -l <"$T/$PROG.ref1.out") lines)"
sdlite_run "$PROG" || finish
reference_complete "$PROG" 2000

# ------------------------------------------------------------ a few rows as 252 gives them
row() { reference_row "$PROG" "$@"; } # LINE DESCRIPTION
row 'uid_get_seats(1000, 0) -> 0 | NULL | count only -> 0' \
    "no logind: sd_uid_get_seats is 0 seats and a NULL array (what dbus-daemon asks on every connection)"
row 'uid_get_state(1000) -> 0 | "offline"' "no logind: a user is offline"
row 'get_uids -> 0 | NULL | count only -> 0' "no logind: no users, NULL array"
row 'new(NULL) -> -ENOENT | untouched' "no logind: no monitor (-ENOENT)"
row 'uid_get_seats(1001, -1) -> 2 | ["seat1","seat0"] | count only -> 2' "seat lists keep file order, duplicates removed"
row 'uid_get_sessions(4242, -1) -> 3 | ["a","b","c\x5c"] | count only -> 3' "strv_split keeps backslashes"
row '  get_sessions(all) -> 2 | ["2","1"] | {1000,1000} | 2' "sd_seat_get_sessions: sessions, uids, count"
row '  get_sessions(all) -> -EUCLEAN | untouched | untouched | 4711' "more UIDS than SESSIONS is -EUCLEAN"
row 'size 67112942: get_state -> 0 | "big"' "the largest file 252 reads (64 MiB + 4078 bytes)"
row 'size 67112943: get_state -> -E2BIG | untouched' "one byte more is -E2BIG"
row 'embedded NUL: get_state -> -EBADMSG | untouched' "a NUL byte in a state file is -EBADMSG"
row 'seat file renamed in: readable all=1 seat=1 session=0 uid=0 machine=0 | flush 0 0 0 0 0 | then readable 0 0 0 0 0' \
    "monitor: a seat file renamed into place wakes the seat and the all-category monitors only"
row 'session file written in place: readable all=0 seat=0 session=0 uid=0 machine=0 | flush 0 0 0 0 0 | then readable 0 0 0 0 0' \
    "monitor: a file written in place (no rename) wakes nobody"
row 'after unref: fd of the first closed 1, fds +0' "monitor: unref closes the descriptor, none left"

# ------------------------------------------------------------ the comparison
same_as_reference "$PROG" "$T/$PROG.sd.out" "sdlite ($SO_REAL)"
finish
