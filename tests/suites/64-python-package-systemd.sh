#!/bin/bash
# shellcheck disable=SC2317  # helpers below are called indirectly (sysns_wait_cmd)
# 64-python-package-systemd.sh -- the seed's daemon written with the sdlite Python package
# (python/examples/watchdog_daemon.py: asyncio, sdlite.daemon.notify(READY=1, ...) and the
# daemon.heartbeat() task) under a real systemd 252 in private namespaces (tests/lib/sysns.sh),
# installed from the wheel `make python-wheel` builds into a venv, as two Type=notify units
# (NotifyAccess=main, WatchdogSec=2, Restart=always) in one boot: one on the bundled library,
# one on the pure-Python backend (SDLITE_LIBRARY=python).
#   a. activating during the startup delay, active/running after READY=1; the manager logged
#      READY=1 + STATUS= from the main PID
#   b. /proc/PID/maps: the bundled unit maps the wheel's _libsdlite.so and no libsystemd at
#      all; the pure-Python unit maps neither
#   c. heartbeating keeps both up for > 3 watchdog periods: active/running, NRestarts=0, same
#      MainPID, the heartbeat count in StatusText goes up, no watchdog timeout
#   d. SIGUSR1, sent by the test once (c) is over (no clock decides when): the event loop blocks -> "Watchdog timeout (limit 2s)!", SIGABRT,
#      result 'watchdog', restart (NRestarts=1), running again with a new MainPID
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"
PY=/usr/bin/python3

echo "== 64-python-package-systemd: the seed's daemon on the sdlite Python package under a real systemd"
sysns_require
[ -x "$PY" ] || sysns_skip_or_fail "$PY not found (make deps installs python3)"
"$PY" -c 'import venv, setuptools, wheel' 2>/dev/null ||
    sysns_skip_or_fail "python3-venv, python3-setuptools and python3-wheel needed (make deps)"
[ -e "$SDLITE_BUILD/libsystemd.so.0.35.0" ] || { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0.35.0 missing: run make"; exit 1; }

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/units" "$T/work"
make -s -C "$ROOT" python-wheel >"$T/wheel.log" 2>&1 || { cat "$T/wheel.log"; echo "FAIL: make python-wheel"; exit 1; }
WHEEL=$(ls "$SDLITE_BUILD"/python/dist/sdlite-*.whl)
if ! { "$PY" -m venv --without-pip "$T/venv" &&
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip --python "$T/venv/bin/python" install -q --no-index \
            "$WHEEL"; } >"$T/pip.log" 2>&1; then
    cat "$T/pip.log"; echo "FAIL: installing the wheel into a venv"; exit 1
fi
BUNDLED=$(env -u SDLITE_LIBRARY "$T/venv/bin/python" -c 'import sdlite; assert sdlite.backend == "bundled"; print(sdlite.library)') ||
    { echo "FAIL: the venv's sdlite does not use its bundled library"; exit 1; }
pass "$(basename "$WHEEL") installed into a fresh venv: sdlite.backend=bundled ($BUNDLED)"

# --------------------------------------------------------------- units
DELAY_MS=1500
declare -A ENVS=([bundled]="" [python]="SDLITE_LIBRARY=python")
KINDS=(bundled python)
for k in "${KINDS[@]}"; do
    sysns_notify_unit "$T" "py-$k.service" "sdlite Python package: $k backend" \
        "PYTHONDONTWRITEBYTECODE=1 STARTUP_DELAY_MS=$DELAY_MS ${ENVS[$k]}" \
        "\"$T/venv/bin/python\" \"$ROOT/python/examples/watchdog_daemon.py\"" "$k.log"
done
SYSNS_STOP_UNITS=(py-bundled.service py-python.service)
N=sdlite-python

t0=$(sysns__now_us)
sysns_boot_debug "$T"

# --------------------------------------------------------------- (a)
sysns_ctl start --no-block "${SYSNS_STOP_UNITS[@]}" || sysns_fail "systemctl start --no-block"
sysns_wait_activating 3 'py-%s.service' "${KINDS[@]}" ||
    sysns_fail "(a) not both seen activating/start without StatusText before READY=1 (seen: ${!SYSNS_SEEN[*]})"
pass "(a) before READY=1 (startup delay ${DELAY_MS} ms): both units activating/start, no StatusText"
declare -A MAINPID=() HOSTPID=()
for k in "${KINDS[@]}"; do
    U=py-$k.service
    sysns_wait_prop "$U" ActiveState active 10 || sysns_fail "(a) $U never became active: $(tail -n 5 "$T/work/$k.log")"
    sysns_wait_prop "$U" SubState running 2 || sysns_fail "(a) $U active but not running"
    MAINPID[$k]=$(sysns_prop "$U" MainPID)
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$k]} \(READY=1, STATUS=$N: ready, heartbeat every 1\.000 s\)" 5 ||
        sysns_fail "(a) the manager did not log READY=1 + STATUS= from $U's main PID ${MAINPID[$k]}"
    pass "(a) $U: active/running, MainPID=${MAINPID[$k]}, READY=1+STATUS= logged from it, StatusText='$(sysns_prop "$U" StatusText)'"
done

# --------------------------------------------------------------- (b)
BUNDLED_REAL=$(readlink -f "$BUNDLED")
for k in "${KINDS[@]}"; do
    HOSTPID[$k]=$(sysns_host_pid "${MAINPID[$k]}") || sysns_fail "(b) cannot map py-$k's MainPID to a host pid"
    libsd=$(sysns_libsystemd_maps "${HOSTPID[$k]}")
    [ -z "$libsd" ] || sysns_fail "(b) py-$k maps a libsystemd: $libsd"
    ours=$(awk '$6 ~ /_libsdlite\.so$/ {print $6}' /proc/"${HOSTPID[$k]}"/maps | sort -u)
    case $k in
        bundled) [ "$ours" = "$BUNDLED_REAL" ] || sysns_fail "(b) py-bundled maps '${ours:-nothing}', not $BUNDLED_REAL"
                 pass "(b) py-bundled (host pid ${HOSTPID[$k]}) maps the wheel's $ours and no libsystemd" ;;
        python)  [ -z "$ours" ] || sysns_fail "(b) py-python maps $ours"
                 pass "(b) py-python (host pid ${HOSTPID[$k]}) maps no library of ours and no libsystemd: plain Python sockets" ;;
    esac
    grep -q "backend $k " "$T/work/$k.log" || sysns_fail "(b) py-$k did not report backend $k: $(head -n 3 "$T/work/$k.log")"
done

# --------------------------------------------------------------- (c)
beats() { sysns_prop "$1" StatusText | sed -n 's/.*alive, heartbeat \([0-9]*\)$/\1/p'; }
declare -A B0=()
for k in "${KINDS[@]}"; do B0[$k]=$(beats "py-$k.service"); done
HOLD=6.2
all_up() {
    local k
    for k in "${KINDS[@]}"; do
        if ! { sysns_running_as "py-$k.service" "${MAINPID[$k]}" &&
               [[ ${SYSNS_P[StatusText]} == "$N: "@(ready|alive)* ]]; }; then
            echo "py-$k changed: $(sysns_snap "py-$k.service")" >&2
            return 1
        fi
    done
}
shopt -s extglob
sysns_hold_cmd "$HOLD" all_up || sysns_fail "(c) not both stayed up with heartbeats for $HOLD s"
for k in "${KINDS[@]}"; do
    U=py-$k.service
    b1=$(beats "$U")
    [ $(( ${b1:-0} - ${B0[$k]:-0} )) -ge 5 ] ||
        sysns_fail "(c) $U: only $(( ${b1:-0} - ${B0[$k]:-0} )) heartbeats in $HOLD s (expected >= 5 at one per second)"
    [ "$(sysns_count_log "^$U: Watchdog timeout")" = 0 ] || sysns_fail "(c) unexpected watchdog timeout for $U"
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$k]} \(WATCHDOG=1, STATUS=$N: alive, heartbeat $b1\)" 2 ||
        sysns_fail "(c) the manager log lacks heartbeat $b1 of $U"
    pass "(c) $U: $HOLD s (> 3 watchdog periods of 2 s) active/running, NRestarts=0, same MainPID; heartbeats ${B0[$k]:-0} -> $b1, logged by the manager"
done
[ "$(sysns_count_log "reception only permitted")" = 0 ] || sysns_fail "(c) the manager rejected notifications (wrong sender PID)"

# --------------------------------------------------------------- (d)
for k in "${KINDS[@]}"; do
    kill -USR1 "${HOSTPID[$k]}" || sysns_fail "(d) cannot signal py-$k (host pid ${HOSTPID[$k]})"
done
for k in "${KINDS[@]}"; do
    U=py-$k.service
    sysns_wait_log "^$U: Got notification message from PID ${MAINPID[$k]} \(STATUS=$N: stuck on purpose after [0-9]+ heartbeats \(SIGUSR1\)\)" 30 ||
        sysns_fail "(d) $U never reported being stuck"
    sysns_wait_log "^$U: Watchdog timeout \(limit 2s\)!" 30 || sysns_fail "(d) no 'Watchdog timeout' for $U"
    sysns_wait_log "^$U: Main process exited, code=(killed|dumped), status=6/ABRT" 30 ||
        sysns_fail "(d) $U was not killed with SIGABRT"
    sysns_wait_log "^$U: Failed with result 'watchdog'" 30 || sysns_fail "(d) no result 'watchdog' for $U"
    sysns_wait_log "^$U: Scheduled restart job, restart counter is at 1\." 30 || sysns_fail "(d) no 'Scheduled restart job' for $U"
    pass "(d) $U: event loop stuck -> 'Watchdog timeout (limit 2s)!', SIGABRT, result 'watchdog', restart job"
done
for k in "${KINDS[@]}"; do
    U=py-$k.service
    sysns_wait_cmd 30 sysns_running_again "$U" "${MAINPID[$k]}" || sysns_fail "(d) $U not running again after the restart: $(sysns_snap "$U")"
    [ "$(sysns_prop "$U" NRestarts)" = 1 ] || sysns_fail "(d) $U NRestarts=$(sysns_prop "$U" NRestarts), wanted 1"
    pass "(d) $U: NRestarts=1, running again with MainPID=$(sysns_prop "$U" MainPID) (was ${MAINPID[$k]})"
done

echo "== 64-python-package-systemd: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
