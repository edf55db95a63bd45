#!/usr/bin/env bash
# 31-dbus-activation: Debian's dbus-daemon (links libsystemd.so.0; unmodified) socket-activated
# the way systemd starts it: a listening AF_UNIX socket on fd 3, LISTEN_FDS=1, LISTEN_PID = the
# daemon's own pid (bash exports $$ and execs it), --address=systemd:, NOTIFY_SOCKET set.  libdbus
# takes the socket with sd_listen_fds() and checks it with sd_is_socket(); the bus reports
# READY=1 with sd_notify().  A client (dbus-send) then talks to the bus through that socket.
# Run on the system libsystemd (control) and on sdlite via LD_LIBRARY_PATH; each run must map
# the library it was meant to, and LD_DEBUG=bindings shows where each sd_* symbol came from.
#
# dbus-daemon also imports two symbols outside sd-daemon (sd_uid_get_seats from sd-login, which
# it calls for every connecting client to evaluate at_console policies, and sd_journal_stream_fd
# from sd-journal), and it is linked with BIND_NOW: sdlite must export every symbol it imports
# (checked first), and every one of them must bind to sdlite (LD_DEBUG=bindings).
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 31-dbus-activation: dbus-daemon socket-activated with --address=systemd:"
need dbus-daemon dbus-send gcc python3 ldd objdump
DBUS=$(command -v dbus-daemon)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0 missing: run make first"; finish; }
sys_real=$(readlink -f "$SYSTEM_LIBSYSTEMD")
sd_real=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")

linked=$(env -u LD_LIBRARY_PATH ldd "$DBUS" | awk '$1 ~ /^libsystemd\.so/ { print $1 " => " $3 }')
if [ -n "$linked" ]; then
    pass "ldd $DBUS: links $linked"
else
    skip_or_fail "$DBUS does not link libsystemd (built without systemd support?)"
fi
# libdbus (socket activation: sd_listen_fds, sd_is_socket) and the daemon (sd_notify, ...)
LIBDBUS=$(env -u LD_LIBRARY_PATH ldd "$DBUS" | awk '$1 ~ /^libdbus-1\.so/ { print $3 }')
imports=$(for f in "$DBUS" $LIBDBUS; do objdump -T "$f" | awk '/\*UND\*/ && / sd_/ { print $NF }'; done | sort -u)
sd_exports=$(objdump -T "$sd_real" | awk '!/\*UND\*/ && / sd_/ { print $NF }' | sort)
missing=$(comm -23 <(printf '%s\n' "$imports") <(printf '%s\n' "$sd_exports") | tr '\n' ' ' | sed 's/ $//')
info "dbus-daemon and ${LIBDBUS:-libdbus} import from libsystemd: $(echo $imports)"
if [ -z "$missing" ]; then
    pass "sdlite exports every sd_* symbol dbus-daemon and libdbus import"
else
    fail "dbus-daemon imports symbols sdlite does not export: $missing (with BIND_NOW it cannot start on sdlite)"
    finish
fi
flags=$(readelf -d "$DBUS" 2>/dev/null | grep -Eo 'BIND_NOW|NOW' | sort -u | tr '\n' ' ')
info "dbus-daemon dynamic flags: ${flags:-none}"

scratch T
cat >"$T/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>systemd:</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

cat >"$T/activate.py" <<'EOF'
# usage: activate.py DIR DBUS_DAEMON CONF [LIBDIR [PRELOAD [KIND]]] -- prints "key: value" lines
# KIND "dgram": fd 3 is an AF_UNIX datagram socket, which libdbus must refuse (sd_is_socket)
import ctypes, fcntl, os, signal, socket, subprocess, sys, time
d, dbus, conf = sys.argv[1:4]
libdir = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
preload = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
kind = sys.argv[6] if len(sys.argv) > 6 else "stream"
os.makedirs(d, exist_ok=True)
bus, notify = d + "/bus.sock", d + "/notify.sock"
if kind == "dgram":
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ls.bind(bus)
else:
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ls.bind(bus); ls.listen(16)
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(notify)
ns.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
def fd3():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the driver
    t = fcntl.fcntl(ls.fileno(), fcntl.F_DUPFD, 100)
    os.dup2(t, 3)
env = {k: v for k, v in os.environ.items() if not k.startswith(("LISTEN_", "NOTIFY_", "LD_", "DBUS_"))}
env.update(NOTIFY_SOCKET=notify, LD_DEBUG="bindings", LD_DEBUG_OUTPUT=d + "/ld-debug")
if libdir: env["LD_LIBRARY_PATH"] = libdir
if preload: env["LD_PRELOAD"] = preload
cmd = ["bash", "-c", 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$@"', "launcher", dbus,
       "--config-file=" + conf, "--address=systemd:", "--nofork", "--nopidfile", "--print-address=1"]
err = open(d + "/dbus.stderr", "w")
p = subprocess.Popen(cmd, env=env, preexec_fn=fd3, pass_fds=(3,), stdout=subprocess.PIPE, stderr=err, text=True)
print("pid:", p.pid)
os.set_blocking(p.stdout.fileno(), False)
addr, deadline = "", time.time() + 15
while time.time() < deadline and p.poll() is None and not addr.endswith("\n"):
    try:
        addr += p.stdout.read() or ""
    except (BlockingIOError, TypeError):
        pass
    time.sleep(0.02)
if p.poll() is not None:
    print("started: no, exit status", p.returncode)
    sys.exit(0)
print("started:", "yes" if addr else "no address printed within 15 s")
print("printed address:", addr.strip())
with open("/proc/%d/maps" % p.pid) as f:
    for m in sorted({l.split(None, 5)[5].strip() for l in f if "/libsystemd.so" in l}):
        print("maps:", m)
cenv = {k: v for k, v in os.environ.items() if not k.startswith(("LD_", "DBUS_"))}
def send(*args):
    # --bus= (unlike --address=) registers with Hello first, as a bus client must
    r = subprocess.run(["dbus-send", "--bus=unix:path=" + bus, "--print-reply", "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus"] + list(args), env=cenv, capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout + r.stderr
rc, out = send("org.freedesktop.DBus.ListNames")
print("ListNames:", rc, "has org.freedesktop.DBus" if '"org.freedesktop.DBus"' in out else "UNEXPECTED " + out.replace("\n", " | ")[:300])
rc, out = send("org.freedesktop.DBus.GetId")
print("GetId:", rc, "32 hex digits" if any(len(w.strip('"')) == 32 for w in out.split()) else "UNEXPECTED " + out.replace("\n", " | ")[:300])
rc, out = send("org.freedesktop.DBus.Peer.Ping")
print("Ping:", rc)
# what came in on NOTIFY_SOCKET
ns.settimeout(3)
got = []
try:
    while True:
        m, anc, fl, _ = ns.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = [int.from_bytes(x[2][:4], "little") for x in anc if x[1] == socket.SCM_CREDENTIALS]
        got.append("%r from %s" % (m, "dbus-daemon" if pid == [p.pid] else pid))
        ns.settimeout(0.3)
except (socket.timeout, BlockingIOError):
    pass
print("notify:", "; ".join(got) if got else "nothing")
p.send_signal(signal.SIGTERM)
try:
    print("exit after SIGTERM:", p.wait(timeout=10))
except subprocess.TimeoutExpired:
    p.kill(); p.wait()
    print("exit after SIGTERM: did not stop, killed")
EOF

# run LABEL [LIBDIR [PRELOAD]]: results in $T/LABEL/
run() {
    local label=$1
    shift
    env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout -k 5 60 "$PY" "$T/activate.py" "$T/$label" "$DBUS" "$T/bus.conf" "$@" \
        >"$T/$label.out" 2>"$T/$label.err"
}
val() { sed -n "s/^$2: //p" "$T/$1.out" | head -n1; }
bindings() { # LABEL -> "sym=library" for the sd_* bindings of dbus-daemon and libdbus
    cat "$T/$1"/ld-debug.* 2>/dev/null |
        sed -n "s/.*binding file [^ ]*\(dbus-daemon\|libdbus-1\.so\.3\) \[0\] to \([^ ]*\) \[0\]: normal symbol \`\(sd_[a-z_]*\)'.*/\3=\2/p" | sort -u
}
check_run() { # LABEL LIBRARY-REALPATH DESCRIPTION
    local label=$1 want=$2 what=$3
    if [ "$(val "$label" started)" != yes ]; then
        fail "$what: dbus-daemon did not start: $(val "$label" started)"
        sed 's/^/     /' "$T/$label/dbus.stderr" "$T/$label.err" | head -n 20
        return 1
    fi
    pass "$what: dbus-daemon started from fd 3 (pid $(val "$label" pid)), printed $(val "$label" 'printed address')"
    if grep -qxF "maps: $want" "$T/$label.out"; then
        pass "$what: /proc/PID/maps of dbus-daemon shows $want"
    else
        fail "$what: dbus-daemon mapped $(grep '^maps:' "$T/$label.out" | tr '\n' ' '), not $want"
    fi
    [ "$(val "$label" ListNames)" = "0 has org.freedesktop.DBus" ] &&
        pass "$what: dbus-send ListNames through the activation socket -> reply with org.freedesktop.DBus" ||
        fail "$what: ListNames: $(val "$label" ListNames)"
    [ "$(val "$label" GetId)" = "0 32 hex digits" ] && [ "$(val "$label" Ping)" = 0 ] &&
        pass "$what: GetId and Peer.Ping answered" || fail "$what: GetId '$(val "$label" GetId)' Ping '$(val "$label" Ping)'"
    case $(val "$label" notify) in
        "b'READY=1' from dbus-daemon"*) pass "$what: READY=1 received from dbus-daemon's pid on NOTIFY_SOCKET" ;;
        *) fail "$what: NOTIFY_SOCKET got: $(val "$label" notify)" ;;
    esac
    info "$what: LD_DEBUG bindings of the sd_* symbols: $(bindings "$label" | sed "s|=$(dirname "$want")/|@|; s|=.*/|@|" | tr '\n' ' ')"
    [ "$(val "$label" 'exit after SIGTERM')" = 0 ] && pass "$what: dbus-daemon exited 0 on SIGTERM" ||
        fail "$what: exit after SIGTERM: $(val "$label" 'exit after SIGTERM')"
}

# ------------------------------------------------------------------ control: system library
run sys
check_run sys "$sys_real" "252"

# ------------------------------------------------------------------ sdlite, alone
run sd "$SDLITE_BUILD"
check_run sd "$sd_real" "sdlite"
# the refusal path: a datagram socket on fd 3 (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) = 0)
run sys-dgram "" "" dgram
run sd-dgram "$SDLITE_BUILD" "" dgram
e_sys=$(sed -E 's/\[[0-9]+\]/[PID]/' "$T/sys-dgram/dbus.stderr" | tr '\n' ' ')
e_sd=$(sed -E 's/\[[0-9]+\]/[PID]/' "$T/sd-dgram/dbus.stderr" | tr '\n' ' ')
if [ "$(val sys-dgram started)" = "$(val sd-dgram started)" ] && [ "$e_sys" = "$e_sd" ] &&
   [ "$(val sys-dgram started | cut -d, -f1)" = no ]; then
    pass "a datagram socket on fd 3 is refused the same way on both: $(val sd-dgram started): $e_sd"
else
    fail "datagram socket on fd 3: 252 '$(val sys-dgram started)' '$e_sys' vs sdlite '$(val sd-dgram started)' '$e_sd'"
fi

# every sd_* symbol dbus-daemon and libdbus use must have been bound to sdlite
want_daemon=$(printf '%s\n' $imports | sort)
got_sdlite=$(bindings sd | awk -F= -v a="$sd_real" -v b="$SDLITE_BUILD/libsystemd.so.0" '$2 == a || $2 == b { print $1 }' | sort)
if [ -n "$want_daemon" ] && [ "$want_daemon" = "$got_sdlite" ]; then
    pass "LD_DEBUG=bindings: dbus-daemon's sd_* symbols all bound to sdlite: $(echo $got_sdlite)"
else
    fail "sd_* symbols bound to sdlite: '$(echo $got_sdlite)', expected '$(echo $want_daemon)'"
fi

finish
