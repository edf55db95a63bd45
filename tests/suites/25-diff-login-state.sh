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
bin=$T/$PROG

if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -std=gnu11 -O2 -Wall -Wextra -Wno-deprecated-declarations \
    -o "$bin" "$SDLITE_ROOT/c-tests/login/$PROG.c" -L"$SYSDIR" -lsystemd 2>"$T/cc.err"; then
    cat "$T/cc.err"
    fail "building c-tests/login/$PROG.c against the system header and -lsystemd"
    finish
fi
[ -s "$T/cc.err" ] && { info "compiler warnings:"; sed 's/^/     /' "$T/cc.err"; }
if readelf -dW "$bin" | grep -q 'NEEDED.*\[libsystemd\.so\.0\]' &&
    readelf -W --dyn-syms "$bin" | grep -q 'sd_login_monitor_new@LIBSYSTEMD_209'; then
    pass "$PROG built against /usr/include/systemd/sd-login.h, imports versioned sd-login symbols"
else
    fail "$PROG does not import versioned sd-login symbols from libsystemd.so.0"
fi

run() { # LABEL [env assignments...]
    local label=$1
    shift
    (cd "$T" && env -u LD_LIBRARY_PATH -u LD_PRELOAD "$@" timeout 300 "$bin" >"$T/out.$label" 2>"$T/err.$label" </dev/null)
}
lib_of() { sed -n 's/^libsystemd: //p' "$T/err.$1" | head -n1; }

run sys
rc=$?
if [ $rc = 77 ]; then
    skip_or_fail "no private mount namespace here ($(head -n1 "$T/out.sys"))"
fi
[ $rc = 0 ] || { head -n 20 "$T/err.sys"; fail "run on the system library exited $rc"; finish; }
[ "$(lib_of sys)" = "$SYS_REAL" ] || { fail "run mapped '$(lib_of sys)', not $SYS_REAL"; finish; }
run sys2
if cmp -s "$T/out.sys" "$T/out.sys2"; then
    pass "two runs on the system library agree ($(wc -l <"$T/out.sys") lines)"
else
    diff -u "$T/out.sys" "$T/out.sys2" | head -n 40
    fail "the reference output is not deterministic: the test is broken, not sdlite"
fi
run sd LD_LIBRARY_PATH="$SDLITE_BUILD"
rc=$?
[ "$(lib_of sd)" = "$SO_REAL" ] || { cat "$T/err.sd"; fail "sdlite run mapped '$(lib_of sd)', not $SO_REAL"; finish; }
[ $rc = 0 ] || { head -n 20 "$T/err.sd"; fail "run on sdlite exited $rc (0 on the system library)"; }
pass "the same binary ran on $SYS_REAL and on $SO_REAL"

lines=$(wc -l <"$T/out.sys")
if tail -n1 "$T/out.sys" | grep -qx '# end' && [ "$lines" -gt 2000 ]; then
    pass "the reference run is complete ($lines lines, $(grep -c '^## ' "$T/out.sys") sections)"
else
    fail "the reference run is incomplete ($lines lines)"
fi

# ------------------------------------------------------------ a few rows as 252 gives them
row() { # LINE DESCRIPTION: LINE must be in the reference output
    if grep -qxF -- "$1" "$T/out.sys"; then pass "252 row: $2"; else fail "252 row missing: $2 ('$1')"; fi
}
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
compared=$(wc -l <"$T/out.sys")
if cmp -s "$T/out.sys" "$T/out.sd"; then
    pass "stdout byte-identical on libsystemd 252 and sdlite ($compared lines compared)"
else
    fail "stdout differs between libsystemd 252 (-) and sdlite (+): $(diff "$T/out.sys" "$T/out.sd" | grep -c '^[<>]') lines; first differences:"
    diff -U0 "$T/out.sys" "$T/out.sd" | head -n 60 | sed 's/^/     /'
fi
finish
