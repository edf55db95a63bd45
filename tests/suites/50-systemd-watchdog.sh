#!/bin/bash
# shellcheck disable=SC2317  # helpers below are called indirectly (sysns_wait_cmd)
# 50-systemd-watchdog.sh -- a Type=notify service linked against libsystemd
# (sdlite's when SDLITE_BUILD/PKG_CONFIG_PATH say so) supervised by a real
# systemd 252 running as PID 1 of private namespaces (tests/lib/sysns.sh):
#   a. "activating" until READY=1, then active/running, StatusText as sent
#   b. sd_notify_barrier() against the real manager returns 1
#   c. WATCHDOG=1 heartbeats keep it up (NRestarts=0) for > 3 watchdog periods
#   d. a service that stops heartbeating: "Watchdog timeout", SIGABRT, restart
#   e. the same for a service SIGSTOPped from outside
#   f. the running service really mapped $SDLITE_BUILD's libsystemd.so.0
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"

echo "== 50-systemd-watchdog: sd-daemon under a real systemd (watchdog, barrier)"
sysns_require
for c in cc pkg-config ldd; do
    command -v "$c" >/dev/null 2>&1 || sysns_skip_or_fail "'$c' not found (needed to build the test service)"
done

# --------------------------------------------------------------- build
if [ -n "${SDLITE_BUILD:-}" ] && [ -z "${PKG_CONFIG_PATH:-}" ]; then
    export PKG_CONFIG_PATH=$SDLITE_BUILD/pkgconfig
fi
if ! pkg-config --exists libsystemd; then
    if [ -n "${SDLITE_BUILD:-}" ]; then
        echo "FAIL: pkg-config finds no libsystemd (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-}); is sdlite built?"
        exit 1
    fi
    sysns_skip_or_fail "pkg-config finds no libsystemd (apt-get install libsystemd-dev, or set SDLITE_BUILD)"
fi

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/bin" "$T/units" "$T/work"
cflags=$(pkg-config --cflags libsystemd)
libs=$(pkg-config --libs libsystemd)
# run-time search path = the -L directories pkg-config gave (the build tree
# for sdlite), so the loader cannot fall back to the system library silently
rpath=()
for f in $(pkg-config --libs-only-L libsystemd); do
    rpath+=("-Wl,-rpath,${f#-L}")
done
# shellcheck disable=SC2086
if ! cc -std=gnu11 -O2 -Wall -Wextra -o "$T/bin/watchdog-service" \
        "$ROOT/c-tests/watchdog-service.c" $cflags $libs "${rpath[@]}" 2>"$T/cc.err"; then
    cat "$T/cc.err"
    echo "FAIL: building c-tests/watchdog-service.c with: $cflags $libs ${rpath[*]}"
    exit 1
fi
[ -s "$T/cc.err" ] && { sysns_info "compiler warnings:"; sed 's/^/     /' "$T/cc.err"; }
linked=$(ldd "$T/bin/watchdog-service" | awk '$1 ~ /^libsystemd\.so/ {print $3}')
flags="$cflags $libs ${rpath[*]}"
pass "built watchdog-service: cc ... $(tr -s ' ' <<<"$flags" | sed 's/^ //;s/ $//'); ldd: libsystemd -> ${linked:-?}"

expected_dir=
if [ -n "${SDLITE_BUILD:-}" ]; then
    expected_dir=$(cd "$SDLITE_BUILD" 2>/dev/null && pwd -P) ||
        { echo "FAIL: SDLITE_BUILD=$SDLITE_BUILD is not a directory"; exit 1; }
    if [ -z "$linked" ] || [ "$(cd "$(dirname "$linked")" && pwd -P)" != "$expected_dir" ]; then
        echo "FAIL: ldd resolves libsystemd to '${linked:-nothing}', not into SDLITE_BUILD=$expected_dir"
        exit 1
    fi
    pass "ldd: the service resolves libsystemd.so.0 inside SDLITE_BUILD"
fi

# --------------------------------------------------------------- units
unit() { # NAME DESCRIPTION EXTRA-ENV
    sysns_notify_unit "$T" "$1" "$2" "$3" "$T/bin/watchdog-service" "$1.log"
}
unit wd-ok.service "sdlite watchdog test: heartbeats" "STARTUP_DELAY_MS=1500"
unit wd-stuck.service "sdlite watchdog test: stops heartbeating" "STARTUP_DELAY_MS=300 STUCK_AFTER_SEC=2"
SYSNS_STOP_UNITS=(wd-ok.service wd-stuck.service)

# --------------------------------------------------------------- boot
t0=$(sysns__now_us)
SYSNS_LOG_LEVEL=debug sysns_boot "$T" || sysns_fail "booting systemd in namespaces"
ver=$(sysns_version)
pass "systemd $ver is PID 1 of private namespaces (host pid $SYSNS_PID), up in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
[ "$ver" = 252 ] || sysns_info "note: expected systemd 252, got '$ver'"

PROPS=ActiveState,SubState,NRestarts,MainPID,StatusText
U=wd-ok.service

# --------------------------------------------------------------- (a)
sysns_ctl start --no-block "$U" || sysns_fail "systemctl start --no-block $U"
is_activating() {
    sysns_props "$U" "$PROPS" &&
        [ "${SYSNS_P[ActiveState]}" = activating ] &&
        [ "${SYSNS_P[SubState]}" = start ] &&
        [ -z "${SYSNS_P[StatusText]}" ]
}
sysns_wait_cmd 1.2 is_activating ||
    sysns_fail "(a) $U not activating/start without StatusText before READY=1: $(sysns_snap "$U")"
pass "(a) before READY=1: ActiveState=activating SubState=start, no StatusText yet"
sysns_wait_prop "$U" ActiveState active 10 || sysns_fail "(a) $U never became active"
sysns_wait_prop "$U" SubState running 2 || sysns_fail "(a) $U active but not running"
mainpid=$(sysns_prop "$U" MainPID)
[ "${mainpid:-0}" -gt 0 ] || sysns_fail "(a) no MainPID"
pass "(a) after READY=1: ActiveState=active SubState=running MainPID=$mainpid"
sysns_wait_log "^$U: Got notification message from PID $mainpid \(READY=1, STATUS=ready pid=$mainpid " 5 ||
    sysns_fail "(a) the manager log does not show READY=1+STATUS= from the main PID"
pass "(a) the manager logged READY=1 with STATUS=ready pid=$mainpid from the main PID"
sysns_wait_prop_re "$U" StatusText "^running barrier=-?[0-9]+ beats=[0-9]+ pid=$mainpid wd_usec=2000000\$" 5 ||
    sysns_fail "(a) StatusText not 'running barrier=N beats=N pid=$mainpid wd_usec=2000000'"
pass "(a) StatusText = '$(sysns_prop "$U" StatusText)'"

# --------------------------------------------------------------- (b)
status=$(sysns_prop "$U" StatusText)
[[ $status == "running barrier=1 "* ]] ||
    sysns_fail "(b) sd_notify_barrier did not return 1: StatusText='$status'"
grep -q "sd_notify_barrier returned 1\$" "$T/work/$U.log" ||
    sysns_fail "(b) service log lacks 'sd_notify_barrier returned 1'"
pass "(b) sd_notify_barrier(0, 5s) against systemd returned 1 (StatusText and service stderr)"

# --------------------------------------------------------------- (f)
hostpid=$(sysns_host_pid "$mainpid") || sysns_fail "(f) cannot map MainPID $mainpid to a host pid"
mapped=$(sysns_libsystemd_maps "$hostpid")
[ "$(printf '%s\n' "$mapped" | grep -c .)" = 1 ] ||
    sysns_fail "(f) expected exactly one libsystemd mapped, got: ${mapped:-none}"
if [ -n "$expected_dir" ]; then
    [ "$(cd "$(dirname "$mapped")" && pwd -P)" = "$expected_dir" ] ||
        sysns_fail "(f) the running service mapped $mapped, not sdlite's from $expected_dir"
    pass "(f) the running service (host pid $hostpid) mapped sdlite's $mapped"
else
    sysns_info "SDLITE_BUILD unset: testing the library pkg-config gave: $mapped"
    pass "(f) the running service (host pid $hostpid) mapped $mapped (SDLITE_BUILD unset, nothing to compare)"
fi

# --------------------------------------------------------------- (c)
beats0=$(sysns_prop "$U" StatusText | sed -n 's/.* beats=\([0-9]*\) .*/\1/p')
is_up() {
    if ! { sysns_running_as "$U" "$mainpid" && [[ ${SYSNS_P[StatusText]} == "running barrier=1 "* ]]; }; then
        echo "state changed: $(sysns_snap "$U")" >&2
        return 1
    fi
}
sysns_hold_cmd 6.5 is_up || sysns_fail "(c) $U did not stay up with heartbeats"
beats1=$(sysns_prop "$U" StatusText | sed -n 's/.* beats=\([0-9]*\) .*/\1/p')
[ $(( beats1 - beats0 )) -ge 5 ] || sysns_fail "(c) only $(( beats1 - beats0 )) heartbeats in 6.5 s (expected >= 5)"
[ "$(sysns_count_log "^$U: Watchdog timeout")" = 0 ] || sysns_fail "(c) unexpected watchdog timeout for $U"
sysns_wait_log "^$U: Got notification message from PID $mainpid \(WATCHDOG=1, STATUS=running barrier=1 beats=$beats1 " 2 ||
    sysns_fail "(c) the manager log lacks heartbeat $beats1 from the main PID"
[ "$(sysns_count_log "reception only permitted")" = 0 ] || sysns_fail "(c) the manager rejected notifications (wrong sender PID)"
pass "(c) 6.5 s (> 3 watchdog periods): active/running, NRestarts=0, same MainPID, $(( beats1 - beats0 )) WATCHDOG=1 heartbeats logged by the manager"

# --------------------------------------------------------------- (d)
S=wd-stuck.service
sysns_ctl start --no-block "$S" || sysns_fail "systemctl start --no-block $S"
sysns_wait_prop "$S" SubState running 5 || sysns_fail "(d) $S never became running"
spid=$(sysns_prop "$S" MainPID)
pass "(d) $S running, MainPID=$spid, heartbeating for STUCK_AFTER_SEC=2 s"
sysns_wait_prop_re "$S" StatusText "^stuck barrier=1 beats=[1-9][0-9]* pid=$spid\$" 5 ||
    sysns_fail "(d) $S never reported being stuck"
pass "(d) $S stopped heartbeating: StatusText='$(sysns_prop "$S" StatusText)'"
sysns_wait_log "^$S: Watchdog timeout \(limit 2s\)!" 5 || sysns_fail "(d) no 'Watchdog timeout' for $S"
pass "(d) manager log: '$S: Watchdog timeout (limit 2s)!'"
sysns_wait_log "^$S: Main process exited, code=(killed|dumped), status=6/ABRT" 8 ||
    sysns_fail "(d) $S was not killed with SIGABRT"
sysns_wait_log "^$S: Failed with result 'watchdog'" 2 || sysns_fail "(d) no result 'watchdog' for $S"
pass "(d) manager log: main process killed by SIGABRT, Failed with result 'watchdog'"
sysns_wait_prop_re "$S" NRestarts '^[1-9][0-9]*$' 5 || sysns_fail "(d) NRestarts did not grow for $S"
sysns_wait_log "^$S: Scheduled restart job, restart counter is at 1\." 2 || sysns_fail "(d) no 'Scheduled restart job' for $S"
sysns_wait_cmd 5 sysns_running_again "$S" "$spid" || sysns_fail "(d) $S not running again after restart: $(sysns_snap "$S")"
pass "(d) restarted: NRestarts=$(sysns_prop "$S" NRestarts), running again with MainPID=$(sysns_prop "$S" MainPID)"
SYSNS_CMD_TIMEOUT=10 sysns_ctl stop "$S" || sysns_fail "(d) stopping $S"

# --------------------------------------------------------------- (e)
before=$(sysns_count_log "^$U: Watchdog timeout")
kill -STOP "$hostpid" || sysns_fail "(e) kill -STOP $hostpid"
st=$(awk '{print $3}' /proc/"$hostpid"/stat)
[ "$st" = T ] || sysns_fail "(e) $U main process not stopped (state $st)"
pass "(e) SIGSTOPped $U's main process from outside (host pid $hostpid, ns pid $mainpid, state T)"
sysns_wait_log "^$U: Watchdog timeout \(limit 2s\)!" 5 $(( before + 1 )) || sysns_fail "(e) no 'Watchdog timeout' for the stopped $U"
pass "(e) manager log: '$U: Watchdog timeout (limit 2s)!'"
sysns_wait_log "^$U: Main process exited, code=(killed|dumped), status=6/ABRT" 8 ||
    sysns_fail "(e) the stopped $U was not killed with SIGABRT"
sysns_wait_prop "$U" NRestarts 1 5 || sysns_fail "(e) NRestarts of $U is not 1"
sysns_wait_cmd 8 sysns_running_again "$U" "$mainpid" || sysns_fail "(e) $U not running again after restart: $(sysns_snap "$U")"
[ ! -e /proc/"$hostpid" ] || [ "$(awk '{print $3}' /proc/"$hostpid"/stat 2>/dev/null)" = Z ] ||
    sysns_fail "(e) the stopped process $hostpid still exists"
pass "(e) killed (SIGABRT) and restarted: NRestarts=1, new MainPID=$(sysns_prop "$U" MainPID), old process gone"

echo "== 50-systemd-watchdog: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
