#!/usr/bin/env bash
# 30-python-systemd: Debian's python3-systemd (systemd.daemon, a C extension linked with
# -lsystemd, nothing of ours) on sdlite through LD_LIBRARY_PATH, compared with the same run on
# the system libsystemd 252.
#
# Loading alone proves the symbol versions: the extension imports 12 sd_* symbols from
# LIBSYSTEMD_209 to LIBSYSTEMD_233 and Python loads it with RTLD_NOW.  Then one script, run
# once per library by the same driver, exercises every function of the module the way a
# socket-activated daemon would: fds 3..6 passed with LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES
# (a listening AF_UNIX socket, a listening TCP socket, a FIFO, a POSIX message queue),
# listen_fds/listen_fds_with_names, the is_* checks on them, booted(), and notify() to a
# datagram socket the driver binds (READY=1, STATUS=, pid=, fds=, unset_environment).  The
# script's output plus every datagram the driver received (bytes, passed fds, sender pid) must
# be identical for both libraries, and /proc/self/maps must show which library each run used.
# Last, python-systemd's own tests (systemd/test/test_daemon.py, upstream's) run on sdlite
# with pytest when python3-pytest is installed.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 30-python-systemd: Debian's python3-systemd on sdlite vs libsystemd 252"
PY=/usr/bin/python3
[ -x "$PY" ] || skip_or_fail "$PY not found (Debian's python3; make deps installs it)"
if ! env -u LD_LIBRARY_PATH "$PY" -c 'import systemd.daemon' 2>/dev/null; then
    skip_or_fail "python3-systemd is not installed for $PY (apt-get install -y python3-systemd)"
fi
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0 missing: run make first"; finish; }
sys_real=$(readlink -f "$SYSTEM_LIBSYSTEMD")
sd_real=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
ext=$(env -u LD_LIBRARY_PATH "$PY" -c 'import systemd._daemon as m; print(m.__file__)')
info "extension: $ext ($(env -u LD_LIBRARY_PATH "$PY" -c 'import systemd.daemon as d; print("python-systemd", d.__version__)'))"
if command -v objdump >/dev/null; then
    info "it imports: $(objdump -T "$ext" | awk '/ sd_/ { gsub(/[()]/, "", $(NF-1)); printf "%s@%s ", $NF, $(NF-1) }')"
fi
scratch T

# ------------------------------------------------------------------ the daemon-side script
cat >"$T/probe.py" <<'EOF'
# Runs as a socket-activated daemon would: fds 3..6 inherited, LISTEN_* set by the launcher.
import ctypes, errno, os, socket, sys
from systemd import daemon

# the C environment (libsystemd's unsetenv() does not show in Python's os.environ copy)
libc = ctypes.CDLL(None)
libc.getenv.restype = ctypes.c_char_p
def cenv(name):
    v = libc.getenv(name.encode())
    return None if v is None else v.decode()

me = os.getpid()
def maps():
    with open("/proc/self/maps") as f:
        return sorted({l.split(None, 5)[5].strip() for l in f if "/libsystemd.so" in l})
for m in maps():
    print("maps:", m, file=sys.stderr)

def show(label, fn, *a, **kw):
    try:
        r = fn(*a, **kw)
    except OSError as e:
        r = "OSError(%s)" % errno.errorcode.get(e.errno, e.errno)
    except (ValueError, TypeError, OverflowError) as e:
        r = "%s(%s)" % (type(e).__name__, e)
    print("%-58s -> %r" % (label, r))
    return r

def env(*names):
    return " ".join("%s=%s" % (n, "self" if cenv(n) == str(me) else cenv(n) or "<unset>") for n in names)

L = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES")
sockpath, port, fifopath, mqname = sys.argv[1:5]
port = int(port)
print("LISTEN_PID is ours:", cenv("LISTEN_PID") == str(me), "|", env(*L[1:]))
show("booted()", daemon.booted)
show("LISTEN_FDS_START", lambda: daemon.LISTEN_FDS_START)
show("_listen_fds(False)", daemon._listen_fds, False)
show("listen_fds_with_names(False)", daemon.listen_fds_with_names, False)
print("   env after:", env(*L))
show("listen_fds() (unset_environment=True)", daemon.listen_fds)
print("   env after:", env(*L))
show("listen_fds() again", daemon.listen_fds)
show("listen_fds_with_names() again", daemon.listen_fds_with_names)
print("   FD_CLOEXEC on 3..6:", [bool(os.get_inheritable(fd)) is False for fd in range(3, 7)])

# the fd checks on what we were given
S, T, F, Q = 3, 4, 5, 6
show("is_socket(3)", daemon.is_socket, S)
show("is_socket(3, AF_UNIX, SOCK_STREAM, 1)", daemon.is_socket, S, socket.AF_UNIX, socket.SOCK_STREAM, 1)
show("is_socket(3, AF_INET)", daemon.is_socket, S, socket.AF_INET)
show("is_socket(3, listening=0)", daemon.is_socket, S, listening=0)
show("is_socket(5) (fifo)", daemon.is_socket, F)
show("is_socket(-1)", daemon.is_socket, -1)
show("is_socket(3, family=-1)", daemon.is_socket, S, -1)
show("is_socket_unix(3)", daemon.is_socket_unix, S)
show("is_socket_unix(3, SOCK_STREAM, 1, path)", daemon.is_socket_unix, S, socket.SOCK_STREAM, 1, sockpath)
show("is_socket_unix(3, path as bytes)", daemon.is_socket_unix, S, path=sockpath.encode())
show("is_socket_unix(3, path + 'x')", daemon.is_socket_unix, S, path=sockpath + "x")
show("is_socket_unix(3, SOCK_DGRAM)", daemon.is_socket_unix, S, socket.SOCK_DGRAM)
show("is_socket_unix(4) (tcp)", daemon.is_socket_unix, T)
show("is_socket_inet(4)", daemon.is_socket_inet, T)
show("is_socket_inet(4, AF_INET, SOCK_STREAM, 1, port)", daemon.is_socket_inet, T, socket.AF_INET, socket.SOCK_STREAM, 1, port)
show("is_socket_inet(4, port=port+1)", daemon.is_socket_inet, T, port=port + 1)
show("is_socket_inet(4, AF_INET6)", daemon.is_socket_inet, T, socket.AF_INET6)
show("is_socket_inet(4, AF_UNIX)", daemon.is_socket_inet, T, socket.AF_UNIX)
show("is_socket_inet(3) (unix)", daemon.is_socket_inet, S)
show("is_socket_inet(4, port=70000)", daemon.is_socket_inet, T, port=70000)
show("is_socket_sockaddr(4, '127.0.0.1:port')", daemon.is_socket_sockaddr, T, "127.0.0.1:%d" % port)
show("is_socket_sockaddr(4, '127.0.0.1')", daemon.is_socket_sockaddr, T, "127.0.0.1")
show("is_socket_sockaddr(4, '127.0.0.1:1')", daemon.is_socket_sockaddr, T, "127.0.0.1:1")
show("is_socket_sockaddr(4, '0.0.0.0:port')", daemon.is_socket_sockaddr, T, "0.0.0.0:%d" % port)
show("is_socket_sockaddr(4, '[::1]:port')", daemon.is_socket_sockaddr, T, "[::1]:%d" % port)
show("is_socket_sockaddr(4, addr, SOCK_STREAM, listening=1)", daemon.is_socket_sockaddr, T, "127.0.0.1:%d" % port, socket.SOCK_STREAM, 0, 1)
show("is_socket_sockaddr(4, addr, SOCK_DGRAM)", daemon.is_socket_sockaddr, T, "127.0.0.1:%d" % port, socket.SOCK_DGRAM)
show("is_socket_sockaddr(4, addr, flowinfo=5)", daemon.is_socket_sockaddr, T, "127.0.0.1:%d" % port, 0, 5)
show("is_socket_sockaddr(4, 'not an address')", daemon.is_socket_sockaddr, T, "not an address")
show("is_socket_sockaddr(3, '127.0.0.1:port') (unix)", daemon.is_socket_sockaddr, S, "127.0.0.1:%d" % port)
show("is_fifo(5)", daemon.is_fifo, F)
show("is_fifo(5, its path)", daemon.is_fifo, F, fifopath)
show("is_fifo(5, '/nonexistent')", daemon.is_fifo, F, "/nonexistent")
show("is_fifo(3)", daemon.is_fifo, S)
show("is_fifo(999) (closed)", daemon.is_fifo, 999)
show("is_mq(6)", daemon.is_mq, Q)
show("is_mq(6, name) (no /dev/mqueue here unless mounted)", daemon.is_mq, Q, mqname)
show("is_mq(6, 'relative')", daemon.is_mq, Q, "relative")
show("is_mq(5) (fifo)", daemon.is_mq, F)
show("is_mq(999) (closed)", daemon.is_mq, 999)
show("has watchdog_enabled", lambda: hasattr(daemon, "watchdog_enabled"))

# answer the connection the driver queued on fd 3 (the activation socket)
ls = socket.socket(fileno=os.dup(S))
c, _ = ls.accept()
c.sendall(b"hello from fd 3\n")
c.close()

# notify: the driver's datagram socket is NOTIFY_SOCKET
show("notify('READY=1')", daemon.notify, "READY=1")
show("notify('STATUS=probe running\\nX_PROBE=1')", daemon.notify, "STATUS=probe running\nX_PROBE=1")
show("notify('X_PID=self', pid=own pid)", daemon.notify, "X_PID=self", pid=me)
show("notify('X_PID=1', pid=1) (root: sent as pid 1)", daemon.notify, "X_PID=1", pid=1)
show("notify('FDSTORE=1\\nFDNAME=fifo', fds=[5])", daemon.notify, "FDSTORE=1\nFDNAME=fifo", fds=[F])
show("notify('X_TWO_FDS=1', fds=[3, 4])", daemon.notify, "X_TWO_FDS=1", fds=[S, T])
show("notify('')", daemon.notify, "")
show("notify('X_BADFD=1', fds=[999])", daemon.notify, "X_BADFD=1", fds=[999])
show("notify('X_LAST=1', unset_environment=True)", daemon.notify, "X_LAST=1", True)
print("   NOTIFY_SOCKET after:", "set" if cenv("NOTIFY_SOCKET") else "unset")
show("notify('X_AFTER_UNSET=1')", daemon.notify, "X_AFTER_UNSET=1")
print("done")
EOF

# ------------------------------------------------------------------ the launcher + receiver
cat >"$T/driver.py" <<'EOF'
# usage: driver.py DIR PORT [LIBDIR]   -- prints the probe's stdout and what NOTIFY_SOCKET got
import array, fcntl, os, signal, socket, subprocess, sys, ctypes, ctypes.util
d, port = sys.argv[1], int(sys.argv[2])
libdir = sys.argv[3] if len(sys.argv) > 3 else None
sockpath, fifopath, notpath, mqname = d + "/activate.sock", d + "/fifo", d + "/notify.sock", "/sdlite-py-probe"
for p in (sockpath, fifopath, notpath):
    if os.path.exists(p):
        os.unlink(p)
us = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); us.bind(sockpath); us.listen(4)
ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); ts.bind(("127.0.0.1", port)); ts.listen(4)
os.mkfifo(fifopath); ff = os.open(fifopath, os.O_RDWR)
rt = ctypes.CDLL(ctypes.util.find_library("rt") or "librt.so.1", use_errno=True)
rt.mq_open.restype = ctypes.c_int
rt.mq_unlink(mqname.encode())
mq = rt.mq_open(mqname.encode(), os.O_CREAT | os.O_RDWR, 0o600, None)
if mq < 0:
    sys.exit("mq_open: errno %d" % ctypes.get_errno())
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ns.bind(notpath)
ns.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
# a client waits in the backlog of the activation socket; the daemon answers it
client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); client.connect(sockpath)

# the daemon's fds 3..6, then exec through bash so that LISTEN_PID is the daemon's own pid
targets = [us.fileno(), ts.fileno(), ff, mq]
def child_setup():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the driver
    tmp = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in targets]  # out of the way of 3..6 first
    for i, fd in enumerate(tmp):
        os.dup2(fd, 3 + i)  # dup2 leaves the new fd inheritable
env = {k: v for k, v in os.environ.items() if not k.startswith(("LISTEN_", "NOTIFY_", "LD_"))}
env.update(LISTEN_FDS="4", LISTEN_FDNAMES="activate:tcp:fifo:queue", NOTIFY_SOCKET=notpath)
if libdir:
    env["LD_LIBRARY_PATH"] = libdir
cmd = ["bash", "-c", 'export LISTEN_PID=$$; exec "$@"', "launcher", "/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)), "probe.py"),
       sockpath, str(port), fifopath, mqname]
pp = subprocess.Popen(cmd, env=env, preexec_fn=child_setup, pass_fds=(3, 4, 5, 6), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
p_pid = pp.pid  # bash execs python: this is the daemon's pid
out, err = pp.communicate(timeout=60)
sys.stdout.write(out)
sys.stderr.write(err)
print("probe exit status:", pp.returncode)
client.settimeout(5)
print("client on the activation socket got:", client.recv(100))
ns.setblocking(False)
n = 0
while True:
    try:
        msg, anc, flags, _ = ns.recvmsg(65536, socket.CMSG_SPACE(64 * 4) + socket.CMSG_SPACE(12))
    except BlockingIOError:
        break
    fds, who = [], "?"
    for level, typ, data in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            a = array.array("i"); a.frombytes(data[: len(data) - len(data) % 4]); fds += list(a)
        if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid = int.from_bytes(data[0:4], "little", signed=True)
            who = "daemon" if pid == p_pid else str(pid)
    kinds = []
    for fd in fds:
        st = os.fstat(fd)
        kinds.append("fifo" if st.st_mode & 0o170000 == 0o010000 else "socket" if st.st_mode & 0o170000 == 0o140000 else "other")
        os.close(fd)
    n += 1
    print("datagram %d: %r fds=%s from=%s flags=%d" % (n, msg, kinds, who, flags))
print("datagrams received:", n)
rt.mq_unlink(mqname.encode())
EOF
PORT=47231
run() { # LABEL [LIBDIR]
    local label=$1
    shift
    mkdir -p "$T/$label"
    env -u LD_LIBRARY_PATH "$PY" "$T/driver.py" "$T/$label" "$PORT" "$@" >"$T/out.$label" 2>"$T/err.$label"
}
run sys || { cat "$T/err.sys"; fail "driver run on the system library failed"; finish; }
run sd "$SDLITE_BUILD" || { cat "$T/err.sd"; fail "driver run on sdlite failed"; finish; }
maps_of() { sed -n 's/^maps: //p' "$T/err.$1" | sort -u; }
[ "$(maps_of sys)" = "$sys_real" ] && pass "run 1: the daemon mapped the system library ($sys_real)" ||
    fail "run 1 mapped '$(maps_of sys)', expected $sys_real"
[ "$(maps_of sd)" = "$sd_real" ] && pass "run 2: the daemon mapped sdlite ($sd_real): the module loaded with RTLD_NOW" ||
    { fail "run 2 mapped '$(maps_of sd)', expected $sd_real"; cat "$T/err.sd"; }
if grep -v '^maps: ' "$T/err.sd" | grep -q .; then
    info "daemon stderr on sdlite:"; grep -v '^maps: ' "$T/err.sd" | sed 's/^/     /'
fi

# sanity: the reference run did what it should
o=$T/out.sys
grep -qx 'probe exit status: 0' "$o" || fail "the probe failed on the system library"
grep -qF "listen_fds_with_names(False)                               -> {3: 'activate', 4: 'tcp', 5: 'fifo', 6: 'queue'}" "$o" &&
    pass "252: listen_fds_with_names() -> {3: activate, 4: tcp, 5: fifo, 6: queue}" || fail "252: listen_fds_with_names"
grep -qF "client on the activation socket got: b'hello from fd 3\n'" "$o" &&
    pass "252: the daemon answered a client on its activation socket" || fail "252: no answer on the activation socket"
grep -qF "datagram 1: b'READY=1' fds=[] from=daemon" "$o" &&
    pass "252: READY=1 arrived at the driver's NOTIFY_SOCKET from the daemon's pid" || fail "252: READY=1 not received"
grep -qF "fds=['fifo']" "$o" && pass "252: notify(fds=[5]) passed the FIFO" || fail "252: no fd passed with notify(fds=)"
info "reference run: $(grep -c ' -> ' "$o") calls, $(sed -n 's/^datagrams received: //p' "$o") datagrams"

if cmp -s "$T/out.sys" "$T/out.sd"; then
    pass "daemon output and received datagrams identical on libsystemd 252 and sdlite"
else
    fail "python-systemd behaves differently on sdlite (- 252, + sdlite):"
    diff -U1 "$T/out.sys" "$T/out.sd" | head -n 60 | sed 's/^/     /'
fi
sed 's/^/     /' "$T/out.sd" | grep -E 'listen_fds|is_socket_sockaddr\(4, .127.0.0.1:port.\)|is_mq\(6\)|datagram [0-9]+:|client on' | head -n 14

# ------------------------------------------------------------------ upstream's own tests
if env -u LD_LIBRARY_PATH "$PY" -c 'import pytest' 2>/dev/null; then
    tdir=$(dirname "$ext")/test
    cat >"$T/test_sdlite_mapped.py" <<EOF
def test_sdlite_is_the_libsystemd_in_use():
    import systemd.daemon
    with open("/proc/self/maps") as f:
        libs = {l.split(None, 5)[5].strip() for l in f if "/libsystemd.so" in l}
    assert libs == {"$sd_real"}
EOF
    mkdir -p "$T/pytest"
    if (cd "$T/pytest" && LD_LIBRARY_PATH=$SDLITE_BUILD "$PY" -m pytest -q -p no:cacheprovider \
            "$tdir/test_daemon.py" "$T/test_sdlite_mapped.py") >"$T/pytest.out" 2>&1; then
        pass "python-systemd's own test_daemon.py passes on sdlite ($(grep -Eo '[0-9]+ passed' "$T/pytest.out" | tail -n1), in-process check that sdlite was mapped included)"
    else
        sed 's/^/     /' "$T/pytest.out" | tail -n 40
        fail "python-systemd's own test_daemon.py on sdlite"
    fi
else
    info "python3-pytest not installed: upstream's test_daemon.py not run (apt-get install -y python3-pytest)"
fi

finish
