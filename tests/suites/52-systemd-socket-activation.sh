#!/bin/bash
# shellcheck disable=SC2317  # helpers below are called indirectly (sysns_wait_cmd)
# 52-systemd-socket-activation -- socket activation by a real systemd 252 (PID 1 of private
# namespaces, tests/lib/sysns.sh) of c-tests/activation-service.c linked against sdlite:
#   three .socket units trigger one Type=notify service, each naming its fds with
#   FileDescriptorName=: alpha (ListenStream= an AF_UNIX path under the private /run),
#   beta (ListenStream=127.0.0.1:PORT in the namespace's own network), gamma (ListenDatagram=
#   another AF_UNIX path).
#   a. the sockets listen and the service stays inactive until a client connects to alpha
#   b. that connection starts it; it finds its fds by name (sd_listen_fds_with_names), checks
#      each (sd_is_socket_unix / sd_is_socket_inet / sd_is_socket_sockaddr / sd_is_socket),
#      sends READY=1 with STATUS= naming them: the unit is active/running with that StatusText
#   c. clients get "alpha ok", "beta ok" (TCP) and "gamma ok" (datagram)
#   d. the running service mapped sdlite's libsystemd.so.0
#   e. stopped, it is activated again by a connection to beta (a second MainPID)
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"

echo "== 52-systemd-socket-activation: named sockets from a real systemd to a service on sdlite"
sysns_require
for c in cc pkg-config ldd; do
    command -v "$c" >/dev/null 2>&1 || sysns_skip_or_fail "'$c' not found (needed to build the test service)"
done
PY=/usr/bin/python3
[ -x "$PY" ] || sysns_skip_or_fail "$PY not found (the test clients run with it inside the namespaces)"

# --------------------------------------------------------------- build
if [ -n "${SDLITE_BUILD:-}" ] && [ -z "${PKG_CONFIG_PATH:-}" ]; then
    export PKG_CONFIG_PATH=$SDLITE_BUILD/pkgconfig
fi
pkg-config --exists libsystemd || {
    echo "FAIL: pkg-config finds no libsystemd (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-}); is sdlite built?"
    exit 1
}
sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/bin" "$T/units" "$T/work"
rpath=()
for f in $(pkg-config --libs-only-L libsystemd); do rpath+=("-Wl,-rpath,${f#-L}"); done
# shellcheck disable=SC2046
if ! cc -std=gnu11 -O2 -Wall -Wextra -o "$T/bin/activation-service" "$ROOT/c-tests/activation-service.c" \
        $(pkg-config --cflags --libs libsystemd) "${rpath[@]}" 2>"$T/cc.err"; then
    cat "$T/cc.err"
    echo "FAIL: building c-tests/activation-service.c against pkg-config libsystemd"
    exit 1
fi
linked=$(ldd "$T/bin/activation-service" | awk '$1 ~ /^libsystemd\.so/ {print $3}')
expected=
if [ -n "${SDLITE_BUILD:-}" ]; then
    expected=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
    [ "$(readlink -f "$linked")" = "$expected" ] ||
        { echo "FAIL: ldd resolves libsystemd to '${linked:-nothing}', not $expected"; exit 1; }
fi
pass "built activation-service with pkg-config libsystemd; ldd: libsystemd -> $linked"

# --------------------------------------------------------------- units
RUNDIR=/run/sdlite-act
ALPHA=$RUNDIR/alpha.sock
GAMMA=$RUNDIR/gamma.sock
PORT=47251
SVC=sdlite-act.service
socket_unit() { # NAME LISTEN-LINE
    cat >"$T/units/$1.socket" <<EOF
[Unit]
Description=sdlite socket activation test: $1

[Socket]
$2
FileDescriptorName=$1
Service=$SVC
Accept=no
SocketMode=0666
DirectoryMode=0755
EOF
}
socket_unit alpha "ListenStream=$ALPHA"
socket_unit beta "ListenStream=127.0.0.1:$PORT"
socket_unit gamma "ListenDatagram=$GAMMA"
cat >"$T/units/$SVC" <<EOF
[Unit]
Description=sdlite socket activation test service
Requires=alpha.socket beta.socket gamma.socket
After=alpha.socket beta.socket gamma.socket

[Service]
Type=notify
NotifyAccess=main
ExecStart=$T/bin/activation-service
Environment=ALPHA_PATH=$ALPHA GAMMA_PATH=$GAMMA BETA_PORT=$PORT
TimeoutStartSec=15s
WorkingDirectory=$T/work
StandardOutput=append:$T/work/service.log
StandardError=inherit
EOF
SYSNS_STOP_UNITS=("$SVC" alpha.socket beta.socket gamma.socket)

# --------------------------------------------------------------- clients (run inside)
cat >"$T/bin/client.py" <<'EOF'
# client.py stream-unix PATH | stream-tcp PORT | dgram PATH  -> prints what the service answered
import socket, sys
kind, where = sys.argv[1], sys.argv[2]
if kind == "dgram":
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("")  # autobind: an address the service can answer to
    s.settimeout(60)
    s.sendto(b"ping", where)
    print(s.recv(100).decode(), end="")
else:
    if kind == "stream-unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); addr = where
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); addr = ("127.0.0.1", int(where))
    s.settimeout(60)   # the connection starts the service first: generous for a loaded machine
    s.connect(addr)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(100)
        if not chunk:
            break
        data += chunk
    print(data.decode(), end="")
EOF
client() { SYSNS_CMD_TIMEOUT=$((WAIT_LONG + 30)) sysns_exec "$PY" "$T/bin/client.py" "$@" 2>&1; }

# --------------------------------------------------------------- boot
t0=$(sysns__now_us)
SYSNS_LOG_LEVEL=debug sysns_boot "$T" || sysns_fail "booting systemd in namespaces"
pass "systemd $(sysns_version) is PID 1 of private namespaces (host pid $SYSNS_PID), up in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
if ! sysns_exec "$PY" -c 'import socket; socket.socket().bind(("127.0.0.1", 0))' 2>/dev/null; then
    sysns_info "127.0.0.1 not usable inside: bringing lo up"
    sysns_exec ip link set lo up || sysns_fail "ip link set lo up inside the namespace"
fi

# --------------------------------------------------------------- (a)
sysns_ctl start alpha.socket beta.socket gamma.socket || sysns_fail "(a) starting the socket units"
for s in alpha beta gamma; do
    sysns_wait_prop "$s.socket" SubState listening "$WAIT_LONG" || sysns_fail "(a) $WAIT_MSG"
done
listen=$(for s in alpha beta gamma; do printf '%s=%s ' "$s" "$(sysns_prop "$s.socket" Listen)"; done)
pass "(a) alpha/beta/gamma.socket listening: $listen"
# (a short duration on purpose: nothing may start it while no client came)
sysns_hold_prop "$SVC" ActiveState inactive 0.5 || sysns_fail "(a) without a client: $WAIT_MSG"
pass "(a) $SVC inactive before any client"

# --------------------------------------------------------------- (b) + (c)
ans=$(client stream-unix "$ALPHA")
[ "$ans" = "alpha ok" ] || sysns_fail "(b) client on alpha: expected 'alpha ok', saw '$ans'"
pass "(c) a client connecting to $ALPHA activated the service and got 'alpha ok'"
sysns_wait_prop "$SVC" ActiveState active "$WAIT_LONG" || sysns_fail "(b) $WAIT_MSG"
sysns_wait_prop "$SVC" SubState running "$WAIT_LONG" || sysns_fail "(b) $WAIT_MSG"
mainpid=$(sysns_prop "$SVC" MainPID)
status=$(sysns_prop "$SVC" StatusText)
re="^found alpha=fd[3-5]\\(unix-stream\\) beta=fd[3-5]\\(tcp4:$PORT\\) gamma=fd[3-5]\\(unix-dgram\\) names=(alpha|beta|gamma):(alpha|beta|gamma):(alpha|beta|gamma)( served=[0-9]+)?\$"
[[ $status =~ $re ]] || sysns_fail "(b) $SVC StatusText: expected /$re/, saw '$status'"
pass "(b) $SVC active/running (READY=1 from MainPID=$mainpid, NotifyAccess=main), StatusText='$status'"
ans=$(client stream-tcp "$PORT")
[ "$ans" = "beta ok" ] || sysns_fail "(c) client on 127.0.0.1:$PORT: expected 'beta ok', saw '$ans'"
pass "(c) TCP client on 127.0.0.1:$PORT (beta) got 'beta ok'"
ans=$(client dgram "$GAMMA")
[ "$ans" = "gamma ok" ] || sysns_fail "(c) datagram client on $GAMMA: expected 'gamma ok', saw '$ans'"
pass "(c) datagram to $GAMMA (gamma) answered 'gamma ok'"
sysns_wait_prop_re "$SVC" StatusText ' served=3$' "$WAIT_LONG" || sysns_fail "(c) $WAIT_MSG"
pid=$(sysns_prop "$SVC" MainPID)
[ "$pid" = "$mainpid" ] || sysns_fail "(c) $SVC MainPID while serving: expected $mainpid, saw $pid"
pass "(c) same MainPID served all three; StatusText ends in served=3"

# --------------------------------------------------------------- (d)
hostpid=$(sysns_host_pid "$mainpid") || sysns_fail "(d) cannot map MainPID $mainpid to a host pid"
mapped=$(sysns_libsystemd_maps "$hostpid")
[ "$(printf '%s\n' "$mapped" | grep -c .)" = 1 ] || sysns_fail "(d) expected one libsystemd mapped, got: ${mapped:-none}"
if [ -n "$expected" ]; then
    [ "$mapped" = "$expected" ] || sysns_fail "(d) the service mapped $mapped, not sdlite's $expected"
fi
pass "(d) the running service (host pid $hostpid) mapped $mapped"
wait_for "$WAIT_LONG" "(d) the service's stdout" "'activation-service: 3 fds, names ...'" \
    grep -q "^activation-service: 3 fds, names " "$T/work/service.log" || sysns_fail "$WAIT_MSG"
sysns_info "service log: $(grep -m1 'fds, names' "$T/work/service.log")"

# --------------------------------------------------------------- (e)
SYSNS_CMD_TIMEOUT=$WAIT_LONG sysns_ctl stop "$SVC" 2>"$T/stop.err" || { cat "$T/stop.err"; sysns_fail "(e) stopping $SVC"; }
sysns_wait_prop "$SVC" ActiveState inactive "$WAIT_LONG" || sysns_fail "(e) $WAIT_MSG"
for s in alpha beta gamma; do
    sysns_wait_prop "$s.socket" SubState listening "$WAIT_LONG" || sysns_fail "(e) after the stop: $WAIT_MSG"
done
ans=$(client stream-tcp "$PORT")
[ "$ans" = "beta ok" ] || sysns_fail "(e) client on beta after the stop: expected 'beta ok', saw '$ans'"
sysns_wait_prop "$SVC" SubState running "$WAIT_LONG" || sysns_fail "(e) $WAIT_MSG"
pid2=$(sysns_prop "$SVC" MainPID)
{ [ "$pid2" != "$mainpid" ] && [ "$pid2" != 0 ]; } || sysns_fail "(e) $SVC MainPID: expected a new one (not $mainpid), saw $pid2"
sysns_wait_prop_re "$SVC" StatusText "^found alpha=.* served=1\$" "$WAIT_LONG" || sysns_fail "(e) second instance: $WAIT_MSG"
pass "(e) stopped, then re-activated by a TCP client on beta: 'beta ok', new MainPID=$pid2"
wait_for "$WAIT_LONG" "(e) 'READY=1 sent (r=1)' lines in the service's stdout" "2" \
    out_is 2 grep -c 'READY=1 sent (r=1)' "$T/work/service.log" || sysns_fail "$WAIT_MSG"

echo "== 52-systemd-socket-activation: all passed in $(( ($(sysns__now_us) - t0) / 1000 )) ms"
exit 0
