#!/bin/bash
# shellcheck disable=SC2317  # helpers below are called indirectly (sysns_wait_cmd)
# 60-examples-systemd.sh -- the Perl (FFI::Platypus + AnyEvent), Python (ctypes) and C
# (pkg-config) examples of examples/ as three Type=notify units with the seed's settings
# (NotifyAccess=main, WatchdogSec (2 s here, 10 in the seed), Restart=always) under a real
# systemd 252 in private namespaces (tests/lib/sysns.sh), all three at once in one boot:
#   a. "activating" (no StatusText) during the startup delay, active/running after READY=1;
#      the manager logged READY=1 + STATUS= from the main PID; StatusText as sent
#   b. each main process has sdlite's library mapped (/proc/PID/maps), and no other
#      libsystemd: Perl and Python the file SDLITE_LIB names, C the one pkg-config gave
#   c. heartbeats keep them up for > 3 watchdog periods: active/running, NRestarts=0, same
#      MainPID, the heartbeat count in StatusText goes up, no watchdog timeout
#   d. STUCK_AFTER_SEC: the loop gets stuck -> "Watchdog timeout (limit 2s)!", SIGABRT,
#      result 'watchdog', restart (NRestarts=1), running again with a new MainPID
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"
PY=/usr/bin/python3
PL=/usr/bin/perl

echo "== 60-examples-systemd: the Perl, Python and C examples under a real systemd"
sysns_require
for c in cc make pkg-config ldd; do
    command -v "$c" >/dev/null 2>&1 || sysns_skip_or_fail "'$c' not found (needed to build the C example)"
done
[ -x "$PY" ] || sysns_skip_or_fail "$PY not found (make deps installs python3)"
{ [ -x "$PL" ] && "$PL" -e 'use FFI::Platypus 2.00; use AnyEvent; 1' 2>/dev/null; } ||
    sysns_skip_or_fail "$PL with FFI::Platypus >= 2 and AnyEvent needed (make deps: libffi-platypus-perl libanyevent-perl)"
LIB=$SDLITE_BUILD/libsystemd.so.0
[ -e "$LIB" ] || { echo "FAIL: $LIB missing: run make"; exit 1; }
LIB_REAL=$(readlink -f "$LIB")

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/bin" "$T/units" "$T/work"
if ! env -u SDLITE_PREFIX PKG_CONFIG_PATH="$SDLITE_BUILD/pkgconfig" \
        make -s -C "$ROOT/examples" OUT="$T/bin" >"$T/make.out" 2>&1; then
    cat "$T/make.out"; echo "FAIL: make -C examples (the C example through pkg-config)"; exit 1
fi
linked=$(ldd "$T/bin/watchdog-daemon" | awk '$1 ~ /^libsystemd\.so/ {print $3}')
[ "$(readlink -f "$linked")" = "$LIB_REAL" ] ||
    { echo "FAIL: the C example resolves libsystemd to '${linked:-nothing}', not $LIB_REAL"; exit 1; }
pass "built the C example with examples/Makefile (pkg-config); ldd: libsystemd -> $linked"

# --------------------------------------------------------------- units
STUCK=9 DELAY_MS=1500
unit() { # LANG EXEC...
    local lang=$1
    shift
    sysns_notify_unit "$T" "ex-$lang.service" "sdlite example: $lang" \
        "\"SDLITE_LIB=$LIB\" STARTUP_DELAY_MS=$DELAY_MS STUCK_AFTER_SEC=$STUCK" "$*" "$lang.log"
}
unit perl "$PL" "\"$ROOT/examples/watchdog-daemon.pl\""
unit python "$PY" "\"$ROOT/examples/watchdog-daemon.py\""
unit c "\"$T/bin/watchdog-daemon\""
LANGS=(perl python c)
SYSNS_STOP_UNITS=(ex-perl.service ex-python.service ex-c.service)

# --------------------------------------------------------------- boot
t0=$(sysns__now_us)
sysns_boot_debug "$T"

# --------------------------------------------------------------- (a)
sysns_ctl start --no-block "${SYSNS_STOP_UNITS[@]}" || sysns_fail "systemctl start --no-block"
sysns_wait_activating 3 'ex-%s.service' "${LANGS[@]}" ||
    sysns_fail "(a) not all of ${LANGS[*]} seen activating/start without StatusText before READY=1 (seen: ${!SYSNS_SEEN[*]})"
pass "(a) before READY=1 (startup delay ${DELAY_MS} ms): perl, python, c all activating/start, no StatusText"

declare -A MAINPID=() HOSTPID=()
for l in "${LANGS[@]}"; do
    U=ex-$l.service
    sysns_wait_prop "$U" ActiveState active 10 || sysns_fail "(a) $U never became active"
    sysns_wait_prop "$U" SubState running 2 || sysns_fail "(a) $U active but not running"
    MAINPID[$l]=$(sysns_prop "$U" MainPID)
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$l]} \(READY=1, STATUS=$l: ready, heartbeat every 1\.000 s\)" 5 ||
        sysns_fail "(a) the manager did not log READY=1 + STATUS= from $U's main PID ${MAINPID[$l]}"
    sysns_wait_prop_re "$U" StatusText "^$l: (ready, heartbeat every 1\.000 s|alive, heartbeat [0-9]+)\$" 3 ||
        sysns_fail "(a) $U StatusText"
    pass "(a) $U: active/running, MainPID=${MAINPID[$l]}, READY=1+STATUS= logged from it, StatusText='$(sysns_prop "$U" StatusText)'"
done

# --------------------------------------------------------------- (b)
for l in "${LANGS[@]}"; do
    HOSTPID[$l]=$(sysns_host_pid "${MAINPID[$l]}") || sysns_fail "(b) cannot map ex-$l's MainPID to a host pid"
    mapped=$(sysns_libsystemd_maps "${HOSTPID[$l]}")
    [ "$(printf '%s\n' "$mapped" | grep -c .)" = 1 ] ||
        sysns_fail "(b) ex-$l: expected exactly one libsystemd mapped, got: ${mapped:-none}"
    [ "$mapped" = "$LIB_REAL" ] || sysns_fail "(b) ex-$l mapped $mapped, not sdlite's $LIB_REAL"
    case $l in
        perl|python) how="the file SDLITE_LIB=$LIB names" ;;
        c) how="the one pkg-config gave (rpath)" ;;
    esac
    pass "(b) ex-$l (host pid ${HOSTPID[$l]}) maps only $mapped: $how"
done

# --------------------------------------------------------------- (c)
beats() { sysns_prop "$1" StatusText | sed -n 's/.*alive, heartbeat \([0-9]*\)$/\1/p'; }
declare -A B0=()
for l in "${LANGS[@]}"; do B0[$l]=$(beats "ex-$l.service"); done
HOLD=6.2
all_up() {
    local l
    for l in "${LANGS[@]}"; do
        if ! { sysns_running_as "ex-$l.service" "${MAINPID[$l]}" &&
               [[ ${SYSNS_P[StatusText]} == "$l: "@(ready|alive)* ]]; }; then
            echo "ex-$l changed: $(sysns_snap "ex-$l.service")" >&2
            return 1
        fi
    done
}
shopt -s extglob
sysns_hold_cmd "$HOLD" all_up || sysns_fail "(c) not all examples stayed up with heartbeats for $HOLD s"
for l in "${LANGS[@]}"; do
    U=ex-$l.service
    b1=$(beats "$U")
    [ $(( ${b1:-0} - ${B0[$l]:-0} )) -ge 5 ] ||
        sysns_fail "(c) $U: only $(( ${b1:-0} - ${B0[$l]:-0} )) heartbeats in $HOLD s (expected >= 5 at one per second)"
    [ "$(sysns_count_log "^$U: Watchdog timeout")" = 0 ] || sysns_fail "(c) unexpected watchdog timeout for $U"
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$l]} \(WATCHDOG=1, STATUS=$l: alive, heartbeat $b1\)" 2 ||
        sysns_fail "(c) the manager log lacks heartbeat $b1 of $U"
    pass "(c) $U: $HOLD s (> 3 watchdog periods of 2 s) active/running, NRestarts=0, same MainPID; heartbeats ${B0[$l]:-0} -> $b1, logged by the manager"
done
[ "$(sysns_count_log "reception only permitted")" = 0 ] || sysns_fail "(c) the manager rejected notifications (wrong sender PID)"

# --------------------------------------------------------------- (d)
for l in "${LANGS[@]}"; do
    U=ex-$l.service
    # from the log: StatusText says so only until the restart, and the three get stuck at once
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$l]} \(STATUS=$l: stuck on purpose after [0-9]+ heartbeats \(STUCK_AFTER_SEC=$STUCK\)\)" 6 ||
        sysns_fail "(d) $U never reported being stuck"
    sysns_wait_log "^$U: Watchdog timeout \(limit 2s\)!" 5 || sysns_fail "(d) no 'Watchdog timeout' for $U"
    sysns_wait_log "^$U: Main process exited, code=(killed|dumped), status=6/ABRT" 8 ||
        sysns_fail "(d) $U was not killed with SIGABRT"
    sysns_wait_log "^$U: Failed with result 'watchdog'" 2 || sysns_fail "(d) no result 'watchdog' for $U"
    sysns_wait_log "^$U: Scheduled restart job, restart counter is at 1\." 3 || sysns_fail "(d) no 'Scheduled restart job' for $U"
    pass "(d) $U: 'stuck on purpose' -> 'Watchdog timeout (limit 2s)!', SIGABRT, result 'watchdog', restart job"
done
for l in "${LANGS[@]}"; do
    U=ex-$l.service
    sysns_wait_cmd 8 sysns_running_again "$U" "${MAINPID[$l]}" || sysns_fail "(d) $U not running again after the restart: $(sysns_snap "$U")"
    [ "$(sysns_prop "$U" NRestarts)" = 1 ] || sysns_fail "(d) $U NRestarts=$(sysns_prop "$U" NRestarts), wanted 1"
    [ ! -e /proc/"${HOSTPID[$l]}" ] || [ "$(awk '{print $3}' /proc/"${HOSTPID[$l]}"/stat 2>/dev/null)" = Z ] ||
        sysns_fail "(d) the stuck process ${HOSTPID[$l]} of $U still exists"
    pass "(d) $U: NRestarts=1, running again with MainPID=$(sysns_prop "$U" MainPID) (was ${MAINPID[$l]}), StatusText='$(sysns_prop "$U" StatusText)'"
done

echo "== 60-examples-systemd: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
