#!/bin/bash
# 43-supervisors.sh -- sdlite-listen as the bridge between a notify-protocol service and the
# supervisors of hosts without systemd, run for real from Debian's packages (s6, runit, dpkg's
# start-stop-daemon); no root needed. The service is the seed's examples/watchdog-daemon.pl
# (heartbeat every WATCHDOG_USEC/2, and a stuck switch) under
# `sdlite-listen --watchdog 2s --ready-fd ...`:
#   0. the listener's Rust unit tests (escaping, durations, /proc parsing, addresses)
#   a. s6: s6-svscan on a scratch scan dir, a service with notification-fd 3 whose run script
#      execs sdlite-listen --ready-fd 3: s6-svwait -U sees it ready (after the startup delay,
#      not at spawn), it stays up with one pid while it heartbeats; made stuck, the watchdog
#      kills it (SIGABRT), sdlite-listen exits 122, s6 restarts it: twice in a row, each time
#      seen by s6's finish script, and the third instance is up and ready again
#   b. runit: runsv on a scratch service dir, readiness through a check script reading
#      --pidfile (sv check), the same: up, stays up, stuck -> killed -> restarted, twice
#   c. --notify-outer to a small NOTIFY_SOCKET receiver (python3): READY=1 and STATUS= arrive
#      (WATCHDOG=1 does not), STOPPING=1 when the bridge is stopped; --pidfile written at
#      READY=1 and removed at exit; --json lines parse as JSON
#   d. start-stop-daemon --notify-await (dpkg >= 1.19.3; skipped with the reason otherwise):
#      returns 0 only once READY=1 came; a service that never gets ready makes it fail after
#      --notify-timeout; --stop through the pid file stops the bridge and its service
#   e. systemd's rules, with a scripted python3 service: --start-timeout (123), stretched by
#      EXTEND_TIMEOUT_USEC=; WATCHDOG=trigger fires at once; WATCHDOG_USEC= at run time;
#      --watchdog-signal and SIGKILL after --stop-timeout; MAINPID= moves the watched pid
#      (its status is passed on, also once it is orphaned); SIGUSR1 reaches the main pid;
#      --quiet and --logfmt
# OpenRC and dinit are not run: Debian 12's openrc (0.45) conflicts with sysv-rc (installing
# it replaces the host's rc system) and has no notify support in supervise-daemon yet; dinit is
# not packaged in Debian 12.
# Timing: every check waits for its condition (WAIT_LONG deadlines). The only duration checks
# ("stays up for 5 s") run with a 2 s watchdog and a heartbeat every 1 s: a heartbeat would have
# to be more than 1 s late before the watchdog fires, which the flake hunt's load does not cause.
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
# shellcheck disable=SC2016,SC2317  # run scripts expand their own variables; helpers run through wait_for
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$HERE/../lib/check.sh"
# shellcheck source=SCRIPTDIR/../lib/wait.sh
. "$HERE/../lib/wait.sh"
ROOT=$SDLITE_ROOT
PL=/usr/bin/perl
PY=/usr/bin/python3

echo "== 43-supervisors: sdlite-listen under s6, runit, an outer NOTIFY_SOCKET and start-stop-daemon"
need make cargo s6-svscan s6-svwait s6-svstat s6-svc s6-svscanctl runsv sv setsid start-stop-daemon
[ -x "$PL" ] || skip_or_fail "$PL not found"
[ -x "$PY" ] || skip_or_fail "$PY not found (make deps installs python3)"
"$PL" -e 'use FFI::Platypus 2.00; use AnyEvent; 1' 2>/dev/null ||
    skip_or_fail "Perl's FFI::Platypus >= 2 and AnyEvent are needed (make deps: libffi-platypus-perl libanyevent-perl)"
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 missing: run make"; exit 1; }
ulimit -c 0   # the watchdog's SIGABRTs must not leave core files

scratch T
EX=$ROOT/examples/watchdog-daemon.pl
LIB=$SDLITE_BUILD/libsystemd.so.0

# everything this suite starts, by pid, for the EXIT trap (a failing run must leave nothing)
PIDS=()
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup43() {
    local p
    [ -n "${SCAN:-}" ] && s6-svscanctl -t "$SCAN" 2>/dev/null
    [ -n "${RSV:-}" ] && sv exit "$RSV" >/dev/null 2>&1
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        wait_for 5 "pid $p" gone proc_gone "$p" || kill -KILL "$p" 2>/dev/null
    done
    check__cleanup
}
trap cleanup43 EXIT

has() { grep -sEq -- "$2" "$1"; }
count() { cat -- "$1" 2>/dev/null | grep -Ec -- "$2"; }
show() { sed 's/^/     /' "$1" | tail -n "${2:-25}" | cut -c1-220; }

# ---------------------------------------------------------------- build, unit tests
if ! make -s -C "$ROOT" listener >"$T/make.out" 2>&1; then
    cat "$T/make.out"; echo "FAIL: make listener"; exit 1
fi
L=$ROOT/build/sdlite-listen
[ -x "$L" ] || { echo "FAIL: make listener did not make $L"; exit 1; }
if cargo test --offline --locked -q --release -p sdlite-tools --bin sdlite-listen \
        --manifest-path "$ROOT/Cargo.toml" --target-dir "$ROOT/target/tools" >"$T/unit.out" 2>&1; then
    pass "(0) sdlite-listen's unit tests: $(grep -Eo '[0-9]+ passed' "$T/unit.out" | head -n1)"
else
    fail "(0) sdlite-listen's unit tests"; show "$T/unit.out"
fi

# The service: the run script (s6 or runit) execs sdlite-listen; the stuck switch is a file
# read at each start (the example's --stuck-after), so a restart can make the next one stuck.
write_run() { # FILE NAME LISTEN-OPTIONS...
    local f=$1 n=$2
    shift 2
    cat >"$f" <<EOF
#!/bin/sh
exec 2>&1
stuck=
[ -s "$T/$n.stuck" ] && stuck="--stuck-after \$(cat "$T/$n.stuck")"
exec env SDLITE_LIB="$LIB" STARTUP_DELAY_MS=1500 "$L" --name $n --watchdog 2s --stop-timeout 2 $* -- "$PL" "$EX" \$stuck
EOF
    chmod 755 "$f"
}
# finish scripts (both supervisors run one after each exit, with the exit code as \$1)
write_finish() { # FILE LOG
    printf '#!/bin/sh\necho "$1 $2" >>%s\n' "$2" >"$1"
    chmod 755 "$1"
}

# ---------------------------------------------------------------- (a) s6
SCAN=$T/s6scan
SVC=$SCAN/wd
mkdir -p "$SVC"
write_run "$SVC/run" s6 --ready-fd 3
write_finish "$SVC/finish" "$T/s6.finish"
echo 3 >"$SVC/notification-fd"
setsid s6-svscan "$SCAN" >"$T/s6.log" 2>&1 </dev/null &
PIDS+=($!)
s6_field() { s6-svstat -o "$1" "$SVC" 2>/dev/null; }
s6_pid() { WAIT_SAW=$(s6-svstat -o up,ready,pid "$SVC" 2>&1); [ "$WAIT_SAW" = "true true $1" ]; }

# s6-svwait needs the supervisor's status file, made when s6-supervise starts
if wait_for "$WAIT_LONG" "(a) s6-supervise for $SVC" "a status" s6-svstat "$SVC" >/dev/null 2>&1 &&
   s6-svwait -U -t $((WAIT_LONG * 1000)) "$SVC" 2>"$T/svwait.err"; then
    p1=$(s6_field pid)
    PIDS+=("$p1")
    gap=$(s6-svstat -o updownfor,readyfor "$SVC" | awk '{ print $1 - $2 }')
    if has "$T/s6.log" "s6: READY after [0-9.]+ s\$" && [ "${gap:-0}" -ge 1 ]; then
        pass "(a) s6-svwait -U: up and ready (pid $p1) through notification-fd 3, ready ${gap} s after it was up (the 1.5 s startup delay)"
    else
        fail "(a) s6: ready, but READY line or the startup delay missing (up-ready gap '${gap:-?}' s)"; show "$T/s6.log"
    fi
else
    fail "(a) s6-svwait -U: not ready within ${WAIT_LONG} s: $(cat "$T/svwait.err")"; show "$T/s6.log"
    p1=
fi
if [ -n "$p1" ] && hold_for 5 "(a) s6 service" "up, ready, pid $p1" s6_pid "$p1"; then
    beats=$(count "$T/s6.log" "s6: pid [0-9]+: WATCHDOG=1\$")
    if [ "$beats" -ge 3 ] && ! has "$T/s6.log" "LATE"; then
        pass "(a) s6: stays up and ready with pid $p1 for 5 s while it heartbeats ($beats WATCHDOG=1, no LATE)"
    else
        fail "(a) s6: $beats heartbeats in 5 s, or a LATE"; show "$T/s6.log"
    fi
else
    fail "(a) s6: ${WAIT_MSG:-not up}"; show "$T/s6.log"
fi

# stuck from now on: a restart (SIGTERM, passed on, exit 0) starts a stuck instance
echo 1 >"$T/s6.stuck"
s6-svc -r "$SVC"
two_kills() { WAIT_SAW="$(count "$1" '^122 ') watchdog exits"; [ "$(count "$1" '^122 ')" -ge 2 ]; }
if wait_for "$WAIT_LONG" "(a) s6 finish log" "2 exits with 122" two_kills "$T/s6.finish"; then
    lates=$(count "$T/s6.log" "s6: watchdog \(LATE\): sending SIGABRT to pid [0-9]+ and its process group")
    aborted=$(count "$T/s6.log" "s6: pid [0-9]+ was killed by SIGABRT")
    if [ "$lates" -ge 2 ] && [ "$aborted" -ge 2 ] && has "$T/s6.finish" "^0 " &&
       has "$T/s6.log" "s6: pid [0-9]+: STATUS=perl: stuck on purpose"; then
        pass "(a) s6: stuck twice in a row: each time LATE, SIGABRT, exit 122 seen by s6's finish ($(tr '\n' ',' <"$T/s6.finish"))"
    else
        fail "(a) s6: $lates watchdog kills, $aborted SIGABRT deaths in the log"; show "$T/s6.log"
    fi
    rm -f "$T/s6.stuck"
    if s6-svwait -U -t $((WAIT_LONG * 1000)) "$SVC"; then
        p3=$(s6_field pid)
        PIDS+=("$p3")
        if [ "$p3" != "$p1" ]; then
            pass "(a) s6 restarted it after the watchdog kills: up and ready again (pid $p3)"
        else
            fail "(a) s6: the same pid $p1 after two kills?"
        fi
    else
        fail "(a) s6: not ready again after the watchdog kills"; show "$T/s6.log"
    fi
else
    fail "(a) s6: $WAIT_MSG"; show "$T/s6.log"; show "$T/s6.finish"
fi
s6-svc -wD -T $((WAIT_LONG * 1000)) -d "$SVC" 2>/dev/null
s6-svscanctl -t "$SCAN"
SCAN=

# ---------------------------------------------------------------- (b) runit
RSV=$T/runit/wd
mkdir -p "$RSV"
write_run "$RSV/run" runit --pidfile ./ready.pid
write_finish "$RSV/finish" "$T/runit.finish"
# ready = the pid file written at READY=1 names the process runsv runs (sdlite-listen itself)
cat >"$RSV/check" <<'EOF'
#!/bin/sh
[ -s ./ready.pid ] && [ "$(cat ./ready.pid)" = "$(cat ./supervise/pid)" ]
EOF
chmod 755 "$RSV/check"
setsid runsv "$RSV" >"$T/runit.log" 2>&1 </dev/null &
PIDS+=($!)
rs_pid() { WAIT_SAW=$(sv status "$RSV" 2>&1 | sed -n 's/^run: [^:]*: (pid \([0-9]*\)).*/\1/p'); [ "$WAIT_SAW" = "$1" ]; }
rs_up() { rs_pid x; [ -n "$WAIT_SAW" ]; }

if wait_for "$WAIT_LONG" "(b) runsv" "a running service" rs_up &&
   sv -w "$WAIT_LONG" check "$RSV" >"$T/svcheck.out" 2>&1; then
    rs_pid x; r1=$WAIT_SAW
    PIDS+=("$r1")
    if has "$T/runit.log" "runit: READY after [0-9.]+ s\$" && [ "$(cat "$RSV/ready.pid")" = "$r1" ]; then
        pass "(b) runit: sv check ok once READY=1 came (pid file $(cat "$RSV/ready.pid") = runsv's pid $r1): $(head -n1 "$T/svcheck.out")"
    else
        fail "(b) runit: sv check passed without READY"; show "$T/runit.log"
    fi
else
    fail "(b) runit: ${WAIT_MSG:-sv check failed: $(cat "$T/svcheck.out")}"; show "$T/runit.log"
    r1=
fi
if [ -n "$r1" ] && hold_for 5 "(b) runit service" "running as pid $r1" rs_pid "$r1"; then
    beats=$(count "$T/runit.log" "runit: pid [0-9]+: WATCHDOG=1\$")
    if [ "$beats" -ge 3 ] && ! has "$T/runit.log" "LATE"; then
        pass "(b) runit: stays up with pid $r1 for 5 s while it heartbeats ($beats WATCHDOG=1, no LATE)"
    else
        fail "(b) runit: $beats heartbeats in 5 s, or a LATE"; show "$T/runit.log"
    fi
else
    fail "(b) runit: ${WAIT_MSG:-not up}"; show "$T/runit.log"
fi
echo 1 >"$T/runit.stuck"
sv term "$RSV" >/dev/null
if wait_for "$WAIT_LONG" "(b) runit finish log" "2 exits with 122" two_kills "$T/runit.finish"; then
    lates=$(count "$T/runit.log" "runit: watchdog \(LATE\): sending SIGABRT to pid [0-9]+ and its process group")
    if [ "$lates" -ge 2 ] && has "$T/runit.finish" "^0 "; then
        pass "(b) runit: stuck twice in a row: each time LATE, SIGABRT, exit 122 seen by runit's finish ($(tr '\n' ',' <"$T/runit.finish"))"
    else
        fail "(b) runit: $lates watchdog kills in the log"; show "$T/runit.log"
    fi
    rm -f "$T/runit.stuck"
    sv -w "$WAIT_LONG" check "$RSV" >/dev/null 2>&1; ok=$?
    rs_pid x; r3=$WAIT_SAW
    [ -n "$r3" ] && PIDS+=("$r3")
    if [ "$ok" = 0 ] && [ -n "$r3" ] && [ "$r3" != "$r1" ]; then
        pass "(b) runit restarted it after the watchdog kills: running and ready again (pid $r3)"
    else
        fail "(b) runit: not ready again after the watchdog kills ($(sv status "$RSV"))"; show "$T/runit.log"
    fi
else
    fail "(b) runit: $WAIT_MSG"; show "$T/runit.log"; show "$T/runit.finish"
fi
sv -w "$WAIT_LONG" down "$RSV" >/dev/null 2>&1
sv exit "$RSV" >/dev/null 2>&1
RSV=

# ---------------------------------------------------------------- (c) an outer NOTIFY_SOCKET
OSOCK=$T/outer.sock
"$PY" -u -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    f.write("listening\n")
    while True:
        f.write(s.recv(65536).decode("utf-8", "replace").replace("\n", "|") + "\n")
' "$OSOCK" "$T/outer.got" &
PIDS+=($!)
wait_for "$WAIT_LONG" "(c) receiver" "listening" has "$T/outer.got" '^listening$' || fail "$WAIT_MSG"
NOTIFY_SOCKET=$OSOCK SDLITE_LIB=$LIB STARTUP_DELAY_MS=300 \
    "$L" --notify-outer --pidfile "$T/outer.pid" --json --watchdog 2s -- "$PL" "$EX" >"$T/outer.json" 2>"$T/outer.err" &
lp=$!
PIDS+=("$lp")
if wait_for "$WAIT_LONG" "(c) outer socket" "READY=1 with STATUS=" has "$T/outer.got" '^READY=1[|]STATUS=perl: ready'; then
    pass "(c) --notify-outer: READY=1 and STATUS= arrived at the outer NOTIFY_SOCKET in one message"
else
    fail "(c) $WAIT_MSG"; show "$T/outer.got"; show "$T/outer.json"
fi
if [ "$(cat "$T/outer.pid" 2>/dev/null)" = "$lp" ]; then
    pass "(c) --pidfile: written at READY=1 with sdlite-listen's own pid $lp"
else
    fail "(c) --pidfile: '$(cat "$T/outer.pid" 2>&1)', want $lp"
fi
two_beats() { WAIT_SAW=$(count "$T/outer.json" '"field":"WATCHDOG=1"'); [ "$WAIT_SAW" -ge 2 ]; }
wait_for "$WAIT_LONG" "(c) heartbeats" "2 WATCHDOG=1" two_beats || fail "$WAIT_MSG"
kill -TERM "$lp"
wait "$lp"; rc=$?
got_stopping() { WAIT_SAW=$(tail -n1 "$T/outer.got"); [ "$WAIT_SAW" = "STOPPING=1" ]; }
if [ "$rc" = 0 ] && wait_for "$WAIT_LONG" "(c) outer socket" "STOPPING=1 last" got_stopping &&
   ! has "$T/outer.got" "WATCHDOG" && [ ! -e "$T/outer.pid" ]; then
    pass "(c) SIGTERM: passed on, exit 0, STOPPING=1 sent out last; no WATCHDOG=1 forwarded; pid file removed"
else
    fail "(c) stop: rc=$rc, outer got: $(tr '\n' ' ' <"$T/outer.got"), pid file $(ls "$T/outer.pid" 2>&1)"
fi
if "$PY" -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line); n += 1
    assert isinstance(o["t"], float) and o["event"] and o["msg"], line
ev = [json.loads(l)["event"] for l in open(sys.argv[1])]
assert ev[0] == "listening" and "ready" in ev and ev[-1] == "exit", ev
print(n)' "$T/outer.json" >"$T/json.n" 2>&1; then
    pass "(c) --json: all $(cat "$T/json.n") lines parse as JSON objects with t, event and msg (listening ... ready ... exit)"
else
    fail "(c) --json output: $(tail -n1 "$T/json.n")"; show "$T/outer.json" 5
fi

# ---------------------------------------------------------------- (d) start-stop-daemon --notify-await
if ! start-stop-daemon --help 2>&1 | grep -q -- --notify-await; then
    info "(d) this start-stop-daemon has no --notify-await (dpkg < 1.19.3): left out"
else
    t0=$EPOCHREALTIME
    start-stop-daemon --start --background --notify-await --notify-timeout "$WAIT_LONG" \
        --make-pidfile --pidfile "$T/ssd.pid" --output "$T/ssd.log" --exec "$L" -- \
        --notify-outer --name ssd --watchdog 2s -- \
        env SDLITE_LIB="$LIB" STARTUP_DELAY_MS=1000 "$PL" "$EX" >"$T/ssd.out" 2>&1
    rc=$?
    el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    sp=$(cat "$T/ssd.pid" 2>/dev/null)
    [ -n "$sp" ] && PIDS+=("$sp")
    # the listener prints READY before it sends it on: the line is there when s-s-d returns
    if [ "$rc" = 0 ] && has "$T/ssd.log" "ssd: READY after (1\.[0-9]+|[2-9][0-9.]*) s\$" &&
       awk -v e="$el" 'BEGIN { exit !(e >= 1.0) }'; then
        pass "(d) start-stop-daemon --notify-await returned 0 after ${el} s, once READY=1 came (after the 1 s startup delay)"
    else
        fail "(d) start-stop-daemon --notify-await: rc=$rc after ${el} s"; show "$T/ssd.out"; show "$T/ssd.log"
    fi
    if [ -n "$sp" ] && start-stop-daemon --stop --pidfile "$T/ssd.pid" --remove-pidfile --retry TERM/"$WAIT_LONG"/KILL/5 >/dev/null 2>&1 &&
       wait_for "$WAIT_LONG" "(d) listener pid $sp" gone proc_gone "$sp" &&
       has "$T/ssd.log" "ssd: got SIGTERM: passing it on" && has "$T/ssd.log" "ssd: pid [0-9]+ exited with status 0\$"; then
        pass "(d) start-stop-daemon --stop: SIGTERM passed on, the service exited 0, the listener is gone"
    else
        fail "(d) start-stop-daemon --stop: ${WAIT_MSG:-}"; show "$T/ssd.log"
    fi
    # never ready: start-stop-daemon gives up after --notify-timeout (the listener goes on:
    # it is stopped here through the pid file, as an init script would)
    t0=$EPOCHREALTIME
    start-stop-daemon --start --background --notify-await --notify-timeout 2 \
        --make-pidfile --pidfile "$T/ssd2.pid" --output "$T/ssd2.log" --exec "$L" -- \
        --notify-outer --name ssd2 -- sleep 300 >"$T/ssd2.out" 2>&1
    rc=$?
    el=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    sp=$(cat "$T/ssd2.pid" 2>/dev/null)
    [ -n "$sp" ] && PIDS+=("$sp")
    if [ "$rc" != 0 ] && ! has "$T/ssd2.log" "READY after" && awk -v e="$el" 'BEGIN { exit !(e >= 2.0) }'; then
        pass "(d) a service that never sends READY=1: start-stop-daemon --notify-await failed (rc=$rc) after ${el} s (--notify-timeout 2)"
    else
        fail "(d) never ready: start-stop-daemon rc=$rc after ${el} s"; show "$T/ssd2.out"
    fi
    [ -n "$sp" ] && start-stop-daemon --stop --pidfile "$T/ssd2.pid" --remove-pidfile --retry TERM/10/KILL/5 >/dev/null 2>&1
fi

# ---------------------------------------------------------------- (e) systemd's watchdog rules
# A scripted service (python3): its steps send notify messages, sleep, ignore or report
# signals, wait to be orphaned, exit.
cat >"$T/svc.py" <<'PYEOF'
import os, signal, socket, sys, time
def send(m):
    a = os.environ["NOTIFY_SOCKET"]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(m.replace("\\n", "\n").replace("$PID", str(os.getpid())).encode(), "\0" + a[1:] if a[0] == "@" else a)
    s.close()
for step in sys.argv[1:]:
    k, _, v = step.partition(":")
    if k == "send": send(v)
    elif k == "sleep": time.sleep(float(v))
    elif k == "ignore": signal.signal(getattr(signal, "SIG" + v), signal.SIG_IGN)
    elif k == "report": signal.signal(getattr(signal, "SIG" + v), lambda n, f: print("svc: got", signal.Signals(n).name, flush=True))
    elif k == "touch": open(v, "w").close()
    elif k == "orphan":   # until our parent is gone: we are re-parented (to the subreaper)
        p0 = os.getppid()
        while os.getppid() == p0: time.sleep(0.02)
        print("svc: parent now", os.getppid(), flush=True)
    elif k == "exit": sys.exit(int(v))
    elif k == "pause":
        while True: time.sleep(3600)
PYEOF
S=("$PY" "$T/svc.py")
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

t0=$EPOCHREALTIME
timeout -s KILL "$WAIT_LONG" "$L" --start-timeout 1 --stop-timeout 1 -- sleep 300 >"$T/e1.out" 2>&1; rc=$?; el=$(since "$t0")
if [ "$rc" = 123 ] && has "$T/e1.out" "start timeout \(1\.000 s\): no READY=1; sending SIGTERM" && ! lt "$el" 1 && lt "$el" 15; then
    pass "(e) --start-timeout 1, never ready: SIGTERM after ${el} s, exit 123"
else
    fail "(e) --start-timeout: rc=$rc after ${el} s (want 123)"; show "$T/e1.out"
fi
# (the service must be running within the 3 s to send EXTEND_TIMEOUT_USEC: python3 starts in
# well under a second even under the flake hunt's load)
timeout -s KILL "$WAIT_LONG" "$L" --logfmt --start-timeout 3 -- "${S[@]}" send:EXTEND_TIMEOUT_USEC=6000000 sleep:4 send:READY=1 exit:0 >"$T/e2.out" 2>&1; rc=$?
ready=$(sed -n 's/.* event=ready after=\([0-9.]*\) .*/\1/p' "$T/e2.out")
if [ "$rc" = 0 ] && [ -n "$ready" ] && ! lt "$ready" 4 && ! has "$T/e2.out" "start-timeout" &&
   has "$T/e2.out" '^t=[0-9.]+ event=extend-timeout usec=6\.000 extended=start msg="EXTEND_TIMEOUT_USEC: 6\.000 s from now at least \(start\)"$'; then
    pass "(e) EXTEND_TIMEOUT_USEC=6000000 stretches --start-timeout 3: READY at ${ready} s, exit 0 (logfmt lines)"
else
    fail "(e) EXTEND_TIMEOUT_USEC: rc=$rc, ready at '${ready:-never}'"; show "$T/e2.out"
fi
t0=$EPOCHREALTIME
timeout -s KILL "$WAIT_LONG" "$L" --quiet --watchdog 30s -- "${S[@]}" send:READY=1 sleep:0.2 send:WATCHDOG=trigger pause >"$T/e3.out" 2>&1; rc=$?; el=$(since "$t0")
if [ "$rc" = 122 ] && has "$T/e3.out" "watchdog \(WATCHDOG=trigger\): sending SIGABRT to pid [0-9]+" &&
   has "$T/e3.out" "was killed by SIGABRT" && lt "$el" 15 && has "$T/e3.out" "READY after" && ! has "$T/e3.out" ": READY=1\$"; then
    pass "(e) WATCHDOG=trigger fires a 30 s watchdog at once: SIGABRT, exit 122 after ${el} s (--quiet: events only)"
else
    fail "(e) WATCHDOG=trigger: rc=$rc after ${el} s"; show "$T/e3.out"
fi
t0=$EPOCHREALTIME
timeout -s KILL "$WAIT_LONG" "$L" --watchdog 30s --watchdog-signal TERM --stop-timeout 1 -- "${S[@]}" ignore:TERM send:'READY=1\nWATCHDOG_USEC=500000' pause >"$T/e4.out" 2>&1; rc=$?; el=$(since "$t0")
gap=$(sed -n 's/.*LATE: no WATCHDOG=1 for \([0-9.]*\) s .*/\1/p' "$T/e4.out")
if [ "$rc" = 122 ] && [ -n "$gap" ] && ! lt "$gap" 0.5 && has "$T/e4.out" "watchdog limit is now 0\.500 s" && has "$T/e4.out" "LATE: no WATCHDOG=1 for [0-9]+\.[0-9]{3} s \(limit 0\.500 s\)" &&
   has "$T/e4.out" "watchdog \(LATE\): sending SIGTERM to pid" && has "$T/e4.out" "still there after 1\.000 s: sending SIGKILL" &&
   has "$T/e4.out" "was killed by SIGKILL" && lt "$el" 15; then
    pass "(e) WATCHDOG_USEC=500000 at run time: LATE after ${gap} s, --watchdog-signal TERM ignored, SIGKILL after --stop-timeout 1, exit 122 (${el} s)"
else
    fail "(e) WATCHDOG_USEC= / --watchdog-signal / SIGKILL: rc=$rc after ${el} s"; show "$T/e4.out"
fi
# MAINPID=: COMMAND (sh) starts the real service and exits; the service, orphaned, comes to
# sdlite-listen (a child subreaper), which waits for it and passes its status on
rm -f "$T/e5.sent"
timeout -s KILL "$WAIT_LONG" "$L" --notify-access all -- sh -c '"$@" & while [ ! -e "'"$T/e5.sent"'" ]; do sleep 0.05; done; exit 0' sh \
    "${S[@]}" send:'MAINPID=$PID\nREADY=1' touch:"$T/e5.sent" orphan send:STATUS=orphaned exit:5 >"$T/e5.out" 2>&1; rc=$?
c=$(sed -n 's/.*started pid \([0-9]*\): .*/\1/p' "$T/e5.out")
m=$(sed -n 's/.*main pid is now \([0-9]*\) (MAINPID=)$/\1/p' "$T/e5.out")
lp=$(sed -n 's/^svc: parent now \([0-9]*\)$/\1/p' "$T/e5.out")
if [ "$rc" = 5 ] && [ -n "$m" ] && [ "$m" != "$c" ] && has "$T/e5.out" "pid $c \(COMMAND\) exited with status 0; the main pid is $m" &&
   has "$T/e5.out" "pid $m: STATUS=orphaned\$" && has "$T/e5.out" "pid $m exited with status 5\$" && [ -n "$lp" ]; then
    pass "(e) MAINPID=$m: COMMAND (pid $c) exits 0, the main pid goes on (re-parented to pid $lp), its exit status 5 is passed on"
else
    fail "(e) MAINPID: rc=$rc (want 5), COMMAND ${c:-?}, main ${m:-?}"; show "$T/e5.out"
fi
"$L" -- "${S[@]}" report:USR1 send:READY=1 pause >"$T/e6.out" 2>&1 &
lp=$!
PIDS+=("$lp")
wait_for "$WAIT_LONG" "(e) service" "READY" has "$T/e6.out" "READY after" || fail "$WAIT_MSG"
kill -USR1 "$lp"
wait_for "$WAIT_LONG" "(e) service" "got SIGUSR1" has "$T/e6.out" "^svc: got SIGUSR1\$"; ok=$?
kill -TERM "$lp"
wait "$lp"; rc=$?
if [ "$ok" = 0 ] && has "$T/e6.out" "got SIGUSR1: passing it on to pid [0-9]+\$" && [ "$rc" = 143 ]; then
    pass "(e) SIGUSR1 passed on to the main pid (it reported it); SIGTERM then ended it (143)"
else
    fail "(e) SIGUSR1: ${WAIT_MSG:-} rc=$rc"; show "$T/e6.out"
fi
# usage errors of the new options: 2 before anything starts; no NOTIFY_SOCKET for
# --notify-outer: 125 (sdlite-listen cannot do its job)
bad=
for args in "--ready-fd 9" "--ready-fd 1" "--watchdog 0" "--watchdog 2x" "--watchdog-signal NOPE" "--start-timeout -1" "--pidfile="; do
    # shellcheck disable=SC2086  # word splitting wanted
    "$L" $args -- true >"$T/e7.out" 2>&1 9>&-; rc=$?
    [ "$rc" = 2 ] && has "$T/e7.out" "^sdlite-listen: " && ! has "$T/e7.out" "started pid" || bad+=" [$args: rc=$rc]"
done
env -u NOTIFY_SOCKET "$L" --notify-outer -- true >"$T/e7.out" 2>&1; rc=$?
[ "$rc" = 125 ] && has "$T/e7.out" "NOTIFY_SOCKET is not set" || bad+=" [--notify-outer without NOTIFY_SOCKET: rc=$rc]"
if [ -z "$bad" ]; then
    pass "(e) bad values for --ready-fd (closed, stdout), --watchdog, --watchdog-signal, --start-timeout, --pidfile: exit 2 with a message, nothing started; --notify-outer without NOTIFY_SOCKET: 125"
else
    fail "(e) usage errors:$bad"
fi

finish
