#!/bin/bash
# shellcheck disable=SC2015 # pass never fails
# 66-notify-tool-systemd.sh -- sdlite-notify under a real systemd 252 (tests/lib/sysns.sh): a
# shell-script service with Type=notify, NotifyAccess=main, running as an unprivileged user,
# becomes ready through `exec sdlite-notify --ready --exec \; -- sleep infinity`:
#   a. it reaches active (running); StatusText is what it sent; MainPID is the pid the script
#      started as, and that pid is now `sleep` (the message came from the main pid, which then
#      became the command);
#   b. as root the same works without --exec: sdlite-notify, a child of the script, claims the
#      script's pid in SCM_CREDENTIALS (252's rule) and the unit becomes active (running);
#   c. --fd/--fdname from the main pid (--exec again) into the unit's fd store
#      (FileDescriptorStoreMax=): the manager holds it (NFileDescriptorStore=1);
#   d. the contrast: the same script with 252's systemd-notify (no --exec, so it must run as a
#      child of the script, and unprivileged it cannot claim the script's pid) is refused by the
#      manager ("reception only permitted for main PID") and the unit is still activating after
#      that refusal.
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"

echo "== 66-notify-tool-systemd: sdlite-notify --exec in a NotifyAccess=main service"
sysns_require
TOOL=$SDLITE_BUILD/sdlite-notify
[ -x "$TOOL" ] || { echo "FAIL: $TOOL missing: run make tools"; exit 1; }
REF=/usr/bin/systemd-notify

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/units" "$T/work"
chmod 755 "$T" "$T/units"
chmod 777 "$T/work"

# unit NAME SCRIPT-BODY [USER [EXTRA]]: a Type=notify, NotifyAccess=main service of USER (default
# nobody) running SCRIPT, EXTRA lines added to [Service].
# TimeoutStartSec is far beyond the test so that "still activating" cannot be a timeout's doing.
unit() {
    printf '#!/bin/sh\necho $$ > "%s/work/%s.pid"\n%s\n' "$T" "$1" "$2" > "$T/$1.sh"
    chmod 755 "$T/$1.sh"
    cat > "$T/units/$1" <<EOF
[Unit]
Description=sdlite-notify test: $1
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
User=${3:-nobody}
ExecStart=/bin/sh $T/$1.sh
TimeoutStartSec=600s
WorkingDirectory=$T/work
StandardOutput=append:$T/work/$1.log
StandardError=inherit
${4:-}
EOF
}
unit nt-exec.service "exec \"$TOOL\" --ready --status='up via --exec' --exec ';' -- sleep infinity"
unit nt-child.service "\"$TOOL\" --ready --status='up from a child'
exec sleep infinity" root
echo stored > "$T/work/data"
chmod 644 "$T/work/data"
unit nt-fdstore.service "exec \"$TOOL\" --ready --fd=3 --fdname=cache --exec ';' -- sleep infinity 3<\"$T/work/data\"" nobody \
    FileDescriptorStoreMax=4
unit nt-252.service "\"$REF\" --ready --status='up via 252'
exec sleep infinity"
SYSNS_STOP_UNITS=(nt-exec.service nt-child.service nt-fdstore.service nt-252.service)

sysns_boot "$T" || sysns_fail "boot"
pass "booted systemd $(sysns_version) in namespaces"

# a. sdlite-notify --exec
sysns_ctl start --no-block nt-exec.service
if sysns_wait_prop nt-exec.service SubState running "$WAIT_LONG"; then
    pass "nt-exec.service: active (running) after sdlite-notify --ready --exec (NotifyAccess=main, User=nobody)"
else
    sysns_fail "nt-exec.service: $WAIT_MSG"
fi
status=$(sysns_prop nt-exec.service StatusText)
[ "$status" = "up via --exec" ] && pass "nt-exec.service: StatusText=$status" || sysns_fail "nt-exec.service: StatusText='$status'"
main=$(sysns_prop nt-exec.service MainPID)
started=$(cat "$T/work/nt-exec.service.pid" 2>/dev/null)
host=$(sysns_host_pid "$main")
comm=$(cat /proc/"$host"/comm 2>/dev/null)
if [ -n "$main" ] && [ "$main" = "$started" ] && [ "$comm" = sleep ]; then
    pass "nt-exec.service: MainPID $main is the pid the script started as, now running sleep"
else
    sysns_fail "nt-exec.service: MainPID '$main', script pid '$started', its command '$comm'"
fi

# b. as root, from a child of the main process
sysns_ctl start --no-block nt-child.service
if sysns_wait_prop nt-child.service SubState running "$WAIT_LONG"; then
    pass "nt-child.service: active (running): as root, sdlite-notify sent READY=1 as its parent, the main process"
else
    sysns_fail "nt-child.service: $WAIT_MSG"
fi
status=$(sysns_prop nt-child.service StatusText)
[ "$status" = "up from a child" ] && pass "nt-child.service: StatusText=$status" || sysns_fail "nt-child.service: StatusText='$status'"

# c. the fd store
sysns_ctl start --no-block nt-fdstore.service
if sysns_wait_prop nt-fdstore.service SubState running "$WAIT_LONG" &&
   sysns_wait_prop nt-fdstore.service NFileDescriptorStore 1 "$WAIT_LONG"; then
    pass "nt-fdstore.service: running, and the manager holds the fd sent with --fd=3 --fdname=cache (NFileDescriptorStore=1)"
else
    sysns_fail "nt-fdstore.service: $WAIT_MSG"
fi

# d. 252's systemd-notify from the same script: refused, the unit stays activating.
sysns_ctl start --no-block nt-252.service
if sysns_wait_log "nt-252.service: Got notification message from PID [0-9]+, but reception only permitted for main PID" "$WAIT_LONG"; then
    pass "nt-252.service: the manager refused 252's systemd-notify's message (not from the main PID)"
else
    sysns_fail "nt-252.service: no refusal in the manager log: $WAIT_MSG"
fi
# The refusal is logged when the message is handled: the state seen now is the one it left.
state=$(sysns_prop nt-252.service ActiveState)
[ "$state" = activating ] && pass "nt-252.service: still activating after the refused READY=1" ||
    sysns_fail "nt-252.service: ActiveState=$state after the refused message"

echo "== 66-notify-tool-systemd: all passed"
exit 0
