# shellcheck shell=bash
# tests/lib/journalns.sh -- the real systemd-journald (252) beside the real systemd of
# tests/lib/sysns.sh, inside the same private namespaces.  Sourced by suites (after nothing else:
# it sources sysns.sh itself).
#
# journald runs as systemd-journald.service, activated through systemd-journald.socket, exactly
# as on a booted system, so that it owns /run/systemd/journal/{socket,stdout} of the namespace's
# private /run and the manager connects StandardOutput=journal to it.  The units are written by
# journalns_units (the Debian units' activation settings, without the sandboxing directives that
# need BPF or seccomp and say nothing about logging); a journald.conf drop-in in the namespace's
# /run makes the storage volatile (/run/log/journal of the namespace: the host's /var/log/journal
# is never touched), turns every forwarding off (no syslog, kmsg, console or wall: nothing leaves
# the namespace) and the rate limit off, and lets one journal file take most of the namespace's
# 64 MiB /run (by default a file there may hold only 1/8 of 10 % of it, about 800 KiB, and
# journald silently drops an entry that does not fit in one file: fields of several MiB would).
# journalctl always reads with --directory, so the host's journal is never read either.
#
# API (non-zero on failure, nothing exits):
#   journalns_units DIR          -> DIR/units/systemd-journald.{socket,service}; call before sysns_boot
#   journalns_start [TIMEOUT]    -> after sysns_boot: drop-in, start socket + service, wait until
#                                   journald is active and both sockets exist
#   journalns_journalctl ARGS... -> journalctl --directory=/run/log/journal --no-pager ARGS
#                                   inside the namespaces
#   journalns_sync               -> journalctl --sync (journald writes out everything queued)
#   journalns_export OUT MATCH... -> `-o export --all MATCH...` into OUT (binary-safe)
#   journalns_count MATCH...     -> the number of entries matching (journalrec.py export-count)
#   journalns_wait_count TIMEOUT N MATCH...  -> until at least N entries match (syncs each poll)
# JOURNALNS_PY: the Python that runs tests/lib/journalrec.py (default /usr/bin/python3).

JOURNALNS_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=SCRIPTDIR/sysns.sh
. "$JOURNALNS_HERE/sysns.sh"
JOURNALNS_PY=${JOURNALNS_PY:-/usr/bin/python3}
JOURNALNS_DIR=/run/log/journal
JOURNALNS__SCRATCH=

journalns_units() {
    local u=$1/units
    mkdir -p "$u"
    cat >"$u/systemd-journald.socket" <<'EOF'
[Unit]
Description=Journal Socket (sdlite test namespace)
DefaultDependencies=no
Before=sockets.target

[Socket]
ListenDatagram=/run/systemd/journal/socket
ListenStream=/run/systemd/journal/stdout
PassCredentials=yes
PassSecurity=yes
ReceiveBuffer=8M
Service=systemd-journald.service
SocketMode=0666
Timestamping=us
EOF
    cat >"$u/systemd-journald.service" <<'EOF'
[Unit]
Description=Journal Service (sdlite test namespace)
DefaultDependencies=no
Requires=systemd-journald.socket
After=systemd-journald.socket

[Service]
Type=notify
ExecStart=/lib/systemd/systemd-journald
Sockets=systemd-journald.socket
FileDescriptorStoreMax=4224
RuntimeDirectory=systemd/journal
RuntimeDirectoryPreserve=yes
StandardOutput=null
Restart=no
LimitNOFILE=524288
EOF
}

journalns_start() {
    local t=${1:-15}
    # the drop-in goes into the namespace's private /run, before journald first starts
    sysns_exec /bin/sh -c 'mkdir -p /run/systemd/journald.conf.d && cat >/run/systemd/journald.conf.d/50-sdlite-test.conf' <<'EOF' || return 1
[Journal]
Storage=volatile
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitIntervalSec=0
RateLimitBurst=0
Compress=yes
RuntimeMaxUse=48M
RuntimeMaxFileSize=40M
RuntimeKeepFree=4M
EOF
    sysns_ctl start systemd-journald.socket systemd-journald.service || return 1
    sysns_wait_prop systemd-journald.service ActiveState active "$t" || return 1
    sysns_wait_cmd "$t" sysns_exec test -S /run/systemd/journal/socket -a -S /run/systemd/journal/stdout || {
        echo "journalns_start: journald's sockets did not appear" >&2
        return 1
    }
    # the namespace's journal files, not the host's
    sysns_wait_cmd "$t" sysns_exec /bin/sh -c "ls $JOURNALNS_DIR/*/system.journal >/dev/null 2>&1" || {
        echo "journalns_start: no $JOURNALNS_DIR/*/system.journal in the namespace" >&2
        return 1
    }
}

journalns_journalctl() {
    sysns_exec journalctl --directory="$JOURNALNS_DIR" --no-pager "$@"
}
journalns_sync() {
    sysns_exec journalctl --sync
}
journalns_export() {
    local out=$1
    shift
    journalns_journalctl -o export --all "$@" >"$out"
}
journalns__scratch() {
    [ -n "$JOURNALNS__SCRATCH" ] || sysns_mktemp JOURNALNS__SCRATCH || return 1
}
journalns_count() {
    journalns__scratch || return 1
    journalns_export "$JOURNALNS__SCRATCH/count.export" "$@" 2>/dev/null || { echo 0; return 0; }
    "$JOURNALNS_PY" "$JOURNALNS_HERE/journalrec.py" export-count "$JOURNALNS__SCRATCH/count.export"
}
journalns__count_ge() {
    local n=$1
    shift
    journalns_sync >/dev/null 2>&1
    [ "$(journalns_count "$@")" -ge "$n" ]
}
journalns_wait_count() {
    local t=$1 n=$2
    shift 2
    sysns_wait_cmd "$t" journalns__count_ge "$n" "$@" && return 0
    echo "journalns_wait_count: $(journalns_count "$@") entries match '$*', wanted >= $n within ${t}s" >&2
    return 1
}
