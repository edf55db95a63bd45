# shellcheck shell=bash disable=SC2034
# tests/lib/sysns.sh -- boot a real systemd (the installed one, 252) as PID 1 of
# fresh namespaces and drive it from the outside.  Sourced by test suites.
#
# Recipe: /work/shared/systemd-in-a-namespace.md.  In short:
#   * a cgroup2 directory of our own (/sys/fs/cgroup/unified/NAME on a hybrid
#     host, /sys/fs/cgroup/NAME on a pure cgroup2 host) becomes the root of a
#     cgroup namespace on which a fresh cgroup2 is mounted;
#   * unshare --pid --fork --kill-child --mount-proc --propagation private
#     --uts --ipc --net; inside: private tmpfs on /run, /proc/sys and /sys
#     read-only, /dev/console = a pty owned by `script` (the manager's log),
#     /dev/kmsg = /dev/null; all mounts with `mount -n`;
#   * env -i container=... SYSTEMD_UNIT_PATH=DIR/units
#     SYSTEMD_GENERATOR_PATH=DIR/empty ... /lib/systemd/systemd, so only the
#     caller's units (plus empty stub targets) can ever be loaded;
#   * the launcher runs under setpriv --pdeathsig KILL, so even a SIGKILLed
#     suite leaves nothing running.
#
# API (all functions return non-zero on failure, none of them exits except
# sysns_require / sysns_fail):
#   sysns_can_run            -> 0 if possible, else 1 with the reason in SYSNS_WHY
#   sysns_require            -> sysns_can_run or skip (exit 77) / fail under CI=true
#   sysns_skip_or_fail MSG   -> exit 77 (or exit 1 when CI=true)
#   sysns_mktemp VAR         -> VAR=a new temp dir, removed at exit
#   sysns_boot DIR           -> DIR/units/ holds the caller's units; boots, waits
#                               until running/degraded, sets SYSNS_PID (host pid
#                               of the namespace's PID 1), SYSNS_LOG, SYSNS_DIR
#   sysns_ctl ARGS...        -> systemctl ARGS inside the namespaces
#   sysns_exec CMD...        -> any command inside the namespaces
#   sysns_show UNIT PROPS    -> systemctl show -p PROPS UNIT   (PROPS: A,B,C)
#   sysns_prop UNIT PROP     -> the value only
#   sysns_wait_prop UNIT PROP VALUE TIMEOUT     (exact match)
#   sysns_wait_prop_re UNIT PROP ERE TIMEOUT    (grep -E match)
#   sysns_hold_prop UNIT PROP VALUE DURATION    (must stay VALUE the whole time)
#   sysns_wait_log ERE TIMEOUT [MIN_COUNT]      (manager console log)
#   sysns_count_log ERE                         (number of matching lines)
#   sysns_wait_cmd TIMEOUT CMD...               (until CMD succeeds)
#     every wait/hold is tests/lib/wait.sh's wait_for/hold_for: on failure WAIT_MSG says what
#     was expected, what was seen and after how long ("UNIT PROP: expected 'active', saw
#     'activating' after 60.0s"); pass it to sysns_fail.  WAIT_LONG (60 s) is the deadline for
#     anything that must eventually happen.
#   sysns_host_pid NSPID     -> host pid of a pid seen inside the namespace
#   sysns_version            -> major version of the systemd that is PID 1 ("252")
#   sysns_notify_unit DIR NAME DESCRIPTION ENVIRONMENT EXECSTART LOG [EXTRA]
#                            -> DIR/units/NAME: a Type=notify service with WatchdogSec=
#                               $SYSNS_WATCHDOG_SEC, held at a start gate, its stops recorded
#   sysns_open_gate NAME     -> let NAME's main process go on to the program (see above)
#   sysns_stops NAME         -> "SERVICE_RESULT EXIT_CODE EXIT_STATUS" of each stop, one a line
#   sysns_boot_debug DIR     -> sysns_boot at --log-level=debug, or sysns_fail; PASS line
#   sysns_snap UNIT          -> the unit's state on one line (for messages)
#   sysns_wait_activating TIMEOUT FMT NAME...   (each unit seen activating before READY=1)
#   sysns_running_as UNIT MAINPID               (active/running, NRestarts=0, that MainPID)
#   sysns_running_again UNIT OLDPID             (active/running with a new MainPID)
#   sysns_hold_cmd DURATION CMD...              (CMD must succeed the whole time)
#   sysns_libsystemd_maps HOSTPID -> the libsystemd.so* files the process maps
#   sysns_log                -> path of the manager's console log
#   sysns_dump [UNIT...]     -> diagnostics on stderr: the units' state and the manager log's
#                               last 40 lines that name them
#   sysns_teardown           -> stop units, kill PID 1, remove cgroup dirs
#                               (installed as EXIT trap by sysns_boot)
#   pass MSG / sysns_fail MSG   (sysns_fail dumps the units of SYSNS_STOP_UNITS that MSG names,
#                                all of them when it names none)
# Tunables (environment): SYSNS_BOOT_TIMEOUT (s, default WAIT_LONG = 60), SYSNS_LOG_LEVEL
# (manager --log-level, default info), SYSNS_KEEP=1 keeps temp dirs,
# SYSNS_CMD_TIMEOUT (s, default 30) bounds every sysns_exec/sysns_ctl.
# Times are seconds, fractions allowed ("1.5").
# The library owns the EXIT/INT/TERM/HUP traps (teardown + temp dirs): a
# suite must not set its own EXIT trap; put units to stop in SYSNS_STOP_UNITS
# and create scratch dirs with sysns_mktemp.
#
# Minimal use:
#   . "$SDLITE_ROOT/tests/lib/sysns.sh"
#   sysns_require                        # skip (77) or, with CI=true, fail
#   sysns_mktemp T; mkdir -p "$T/units"; write "$T/units/foo.service"
#   SYSNS_STOP_UNITS=(foo.service)
#   sysns_boot "$T" || sysns_fail "boot"
#   sysns_ctl start --no-block foo.service
#   sysns_wait_prop foo.service ActiveState active 10 || sysns_fail "..."

SYSNS_SYSTEMD=${SYSNS_SYSTEMD:-/lib/systemd/systemd}
# shellcheck source=SCRIPTDIR/wait.sh
. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"
SYSNS_PID=
SYSNS_PIDNS=
SYSNS_LAUNCHER_PID=
SYSNS_CGROUP=
SYSNS_DIR=
SYSNS_LOG=
SYSNS_WHY=
SYSNS_STOP_UNITS=()
SYSNS__TMPDIRS=()
SYSNS__TORN_DOWN=0
SYSNS__TRAP_SET=0

# ---------------------------------------------------------------- messages
pass() { printf 'PASS: %s\n' "$*"; }
sysns_info() { printf '  .. %s\n' "$*"; }
sysns_fail() {
    local u focus=()
    printf 'FAIL: %s\n' "$*"
    # a caller that did not pass on what its last wait saw
    if [ -n "$WAIT_MSG" ] && [[ "$*" != *"$WAIT_MSG"* ]]; then
        printf '  .. last wait: %s\n' "$WAIT_MSG"
    fi
    # diagnostics for the unit(s) the message is about, else for all the suite's units
    for u in "${SYSNS_STOP_UNITS[@]}"; do
        [[ "$*" == *"$u"* ]] && focus+=("$u")
    done
    [ "${#focus[@]}" -gt 0 ] || focus=("${SYSNS_STOP_UNITS[@]}")
    sysns_dump "${focus[@]}"
    exit 1
}
sysns_skip_or_fail() {
    if [ "${CI:-}" = true ]; then
        printf 'FAIL: cannot run: %s (CI=true: not allowed to skip)\n' "$*"
        exit 1
    fi
    printf 'SKIP: %s\n' "$*"
    exit 77
}

# ---------------------------------------------------------------- time
# (tests/lib/wait.sh has them; these names are used by examples/demo.sh too)
sysns__now_us() { wait_now_us; }
sysns__sec_to_us() { wait_sec_to_us "$1"; }

# ---------------------------------------------------------------- checks
sysns__cgroup_base() {
    if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup
    elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        echo /sys/fs/cgroup/unified
    else
        return 1
    fi
}

sysns_can_run() {
    SYSNS_WHY=
    local c
    if [ "$(id -u)" != 0 ]; then
        SYSNS_WHY="needs root (uid $(id -u)) to create namespaces and boot systemd"
        return 1
    fi
    for c in unshare nsenter script setpriv systemctl mount timeout; do
        if ! command -v "$c" >/dev/null 2>&1; then
            SYSNS_WHY="'$c' not found in PATH"
            return 1
        fi
    done
    if [ ! -x "$SYSNS_SYSTEMD" ]; then
        SYSNS_WHY="$SYSNS_SYSTEMD (systemd) is not installed"
        return 1
    fi
    local base probe
    if ! base=$(sysns__cgroup_base); then
        SYSNS_WHY="no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
        return 1
    fi
    probe=$base/sdlite-sysns-$$-probe
    if ! mkdir "$probe" 2>/dev/null; then
        SYSNS_WHY="cannot create a cgroup directory under $base (read-only cgroupfs or no privilege)"
        return 1
    fi
    rmdir "$probe"
    if ! unshare --pid --fork --kill-child --mount-proc --propagation private \
            --uts --ipc --net --cgroup true >/dev/null 2>&1; then
        SYSNS_WHY="cannot create pid/mount/uts/ipc/net/cgroup namespaces (unprivileged container?)"
        return 1
    fi
    return 0
}

sysns_require() {
    sysns_can_run || sysns_skip_or_fail "$SYSNS_WHY"
}

# ---------------------------------------------------------------- temp dirs
sysns__install_trap() {
    [ "$SYSNS__TRAP_SET" = 1 ] && return 0
    SYSNS__TRAP_SET=1
    trap 'sysns__on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}

sysns__on_exit() {
    local rc=$?
    set +e
    sysns_teardown
    local d
    for d in "${SYSNS__TMPDIRS[@]}"; do
        if [ "${SYSNS_KEEP:-0}" = 1 ]; then
            : >"$d/.sysns-keep"
            echo "  .. kept $d (SYSNS_KEEP=1)" >&2
        else
            case $d in
                /?*/sdlite-sysns-*.*) rm -rf -- "$d" ;;
            esac
        fi
    done
    exit "$rc"
}

# sysns_mktemp VAR: VAR=a new temp dir (mode 755), removed at exit.  Sets a
# variable rather than printing, because $(...) would run in a subshell and
# lose the registration.  Base: SYSNS_TMPBASE, default /tmp.
sysns_mktemp() {
    local d
    sysns__sweep_stale_tmp "${SYSNS_TMPBASE:-/tmp}"
    d=$(mktemp -d "${SYSNS_TMPBASE:-/tmp}/sdlite-sysns-$$.XXXXXXXX") || return 1
    chmod 755 "$d"
    SYSNS__TMPDIRS+=("$d")
    sysns__install_trap
    printf -v "$1" '%s' "$d"
}

# ---------------------------------------------------------------- boot
sysns__write_stub_units() {
    local u=$1/units t
    mkdir -p "$u" "$1/empty"
    for t in default sysinit basic sockets timers paths slices local-fs \
             local-fs-pre remote-fs swap shutdown umount network \
             network-online multi-user; do
        [ -e "$u/$t.target" ] && continue
        printf '[Unit]\nDescription=sysns stub %s\n' "$t" >"$u/$t.target"
    done
    [ -e "$u/system.slice" ] ||
        printf '[Unit]\nDescription=sysns stub system slice\n' >"$u/system.slice"
}

# Stage run inside `script` (pty = console) and the new namespaces, as the
# namespace's PID 1; it ends by exec'ing systemd.
sysns__write_stage() {
    cat >"$1/stage.sh" <<'EOF'
#!/bin/bash
# args: CGROUP_DIR SYSNS_DIR NAME LOG_LEVEL SYSTEMD
set -eu
cg=$1 dir=$2 name=$3 level=$4 systemd=$5
[ "$$" = 1 ] || { echo "sysns stage: not PID 1 of a new pid namespace" >&2; exit 1; }
# 1. move into our own cgroup dir, then make it the root of a cgroup
#    namespace (unshare without --fork execs us again, still as PID 1)
if [ "${SYSNS_STAGE2:-}" != 1 ]; then
    echo 0 >"$cg/cgroup.procs"
    export SYSNS_STAGE2=1
    exec unshare --cgroup -- /bin/bash "$0" "$@"
fi
console=$(tty)
# 2. mounts: everything with -n so that nothing is written to the host's /run
mount -n -t tmpfs -o mode=0755,nosuid,nodev,size=64m sysns-run /run
mkdir -p /run/systemd/system.conf.d
cat >/run/systemd/system.conf.d/50-sysns.conf <<'CONF'
[Manager]
DefaultLimitCORE=0
DefaultTimeoutStopSec=5s
ShowStatus=no
CONF
mount -n --bind /proc/sys /proc/sys
mount -n -o remount,bind,ro /proc/sys
mount -n -o remount,bind,ro /sys
mount -n -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
mount -n --bind "$console" /dev/console
mount -n --bind /dev/null /dev/kmsg
echo "sysns: console=$console cgroup=$cg; exec $systemd" >&2
exec env -i \
    container="$name" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SYSTEMD_UNIT_PATH="$dir/units" \
    SYSTEMD_GENERATOR_PATH="$dir/empty" \
    SYSTEMD_ENVIRONMENT_GENERATOR_PATH="$dir/empty" \
    SYSTEMD_COLORS=0 \
    "$systemd" --unit=multi-user.target --log-target=console \
        --log-level="$level" --log-color=no --log-location=no
EOF
    chmod 755 "$1/stage.sh"
}

# Remove temp dirs of earlier runs that were SIGKILLed before their EXIT
# trap: only ours (sdlite-sysns-PID.XXXXXXXX), PID dead, not kept on purpose.
sysns__sweep_stale_tmp() {
    local d pid
    for d in "$1"/sdlite-sysns-*.*; do
        if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
        pid=${d##*/sdlite-sysns-}
        pid=${pid%%.*}
        case $pid in ''|*[!0-9]*) continue ;; esac
        kill -0 "$pid" 2>/dev/null && continue
        [ -e "$d/.sysns-keep" ] && continue
        [ "$(stat -c %u "$d")" = "$(id -u)" ] || continue
        rm -rf -- "$d"
    done
}

# Remove cgroup dirs left by earlier runs that were SIGKILLed (only ours:
# named sdlite-sysns-PID-*, PID dead, no processes inside).
sysns__sweep_stale_cgroups() {
    local base=$1 d pid
    for d in "$base"/sdlite-sysns-*; do
        [ -d "$d" ] || continue
        pid=${d##*/sdlite-sysns-}
        pid=${pid%%-*}
        case $pid in ''|*[!0-9]*) continue ;; esac
        kill -0 "$pid" 2>/dev/null && continue
        grep -qx 'populated 0' "$d/cgroup.events" 2>/dev/null || continue
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
}

# children (all threads) of a pid
sysns__children() {
    cat /proc/"$1"/task/*/children 2>/dev/null
}

# Find the descendant of $1 that is PID 1 of a new pid namespace.
sysns__find_init() {
    local queue=("$1") p nspid
    while [ "${#queue[@]}" -gt 0 ]; do
        p=${queue[0]}
        queue=("${queue[@]:1}")
        nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' /proc/"$p"/status 2>/dev/null)
        # "HOSTPID<TAB>1" -> PID 1 of a child pid namespace
        if [ -n "$nspid" ] && [ "${nspid##*[[:space:]]}" = 1 ] && [ "$nspid" != 1 ]; then
            printf '%s\n' "$p"
            return 0
        fi
        # shellcheck disable=SC2207
        queue+=($(sysns__children "$p"))
    done
    return 1
}

sysns_boot() {
    local dir=$1 base name timeout_us deadline st
    [ -d "$dir/units" ] || { echo "sysns_boot: $dir/units missing" >&2; return 1; }
    [ -z "$SYSNS_PID" ] || { echo "sysns_boot: already booted" >&2; return 1; }
    dir=$(cd "$dir" && pwd -P)
    SYSNS_DIR=$dir
    SYSNS_LOG=$dir/console.log
    SYSNS__TORN_DOWN=0
    sysns__install_trap
    base=$(sysns__cgroup_base) || { echo "sysns_boot: no cgroup2" >&2; return 1; }
    sysns__sweep_stale_cgroups "$base"
    name=sdlite-sysns-$$-${RANDOM}${RANDOM}
    SYSNS_CGROUP=$base/$name
    mkdir "$SYSNS_CGROUP" || return 1
    sysns__write_stub_units "$dir"
    sysns__write_stage "$dir"
    mkdir -p "$dir/work"
    : >"$SYSNS_LOG"

    # script(1) gives the namespace a pty as /dev/console and copies it to
    # the log.  SHELL=/bin/sh: script runs "$SHELL -c CMD", which execs CMD.
    # pdeathsig chain: this shell dies -> script KILLed -> unshare KILLed ->
    # (--kill-child) the namespace's PID 1 KILLed -> the namespace is gone.
    SHELL=/bin/sh setpriv --pdeathsig KILL -- \
        script -qfe -c "exec setpriv --pdeathsig KILL -- unshare --pid --fork --kill-child --mount-proc --propagation private --uts --ipc --net -- /bin/bash '$dir/stage.sh' '$SYSNS_CGROUP' '$dir' '$name' '${SYSNS_LOG_LEVEL:-info}' '$SYSNS_SYSTEMD'" \
        "$SYSNS_LOG" </dev/null >/dev/null 2>&1 &
    SYSNS_LAUNCHER_PID=$!

    timeout_us=$(sysns__sec_to_us "${SYSNS_BOOT_TIMEOUT:-$WAIT_LONG}")
    deadline=$(( $(sysns__now_us) + timeout_us ))
    while :; do
        if ! kill -0 "$SYSNS_LAUNCHER_PID" 2>/dev/null; then
            echo "sysns_boot: the launcher exited before systemd was up" >&2
            sysns_dump >&2
            return 1
        fi
        if [ -z "$SYSNS_PID" ]; then
            SYSNS_PID=$(sysns__find_init "$SYSNS_LAUNCHER_PID") || SYSNS_PID=
        fi
        if [ -n "$SYSNS_PID" ] && [ "$(cat /proc/"$SYSNS_PID"/comm 2>/dev/null)" = systemd ]; then
            st=$(sysns_ctl is-system-running 2>/dev/null)
            case $st in
                running|degraded)
                    SYSNS_PIDNS=$(readlink /proc/"$SYSNS_PID"/ns/pid)
                    break ;;
            esac
        fi
        if [ "$(sysns__now_us)" -ge "$deadline" ]; then
            echo "sysns_boot: systemd not running after ${SYSNS_BOOT_TIMEOUT:-$WAIT_LONG}s (pid1=${SYSNS_PID:-?} state=${st:-?})" >&2
            sysns_dump >&2
            return 1
        fi
        sleep 0.05
    done
    return 0
}

# ---------------------------------------------------------------- control
# every command is bounded by SYSNS_CMD_TIMEOUT seconds (default 30)
sysns_exec() {
    [ -n "$SYSNS_PID" ] || { echo "sysns: not booted" >&2; return 1; }
    timeout -k 2 "${SYSNS_CMD_TIMEOUT:-30}" nsenter -t "$SYSNS_PID" -m -p -u -i -n -- "$@"
}
sysns_ctl() {
    sysns_exec systemctl --no-pager "$@"
}
sysns_show() {
    sysns_ctl show -p "$2" "$1"
}
sysns_prop() {
    sysns_ctl show -p "$2" --value "$1"
}
# sysns_props UNIT PROPS: one consistent snapshot into the associative array
# SYSNS_P (SYSNS_P[ActiveState]=...); systemctl prints properties in its own
# order, not in the order asked for.
declare -gA SYSNS_P=()
sysns_props() {
    local out line
    SYSNS_P=()
    out=$(sysns_ctl show -p "$2" "$1") || return 1
    while IFS= read -r line; do
        SYSNS_P[${line%%=*}]=${line#*=}
    done <<<"$out"
}

# sysns_wait_cmd TIMEOUT CMD... : run CMD until it succeeds (wait_for; WAIT_MSG on failure)
sysns_wait_cmd() {
    local t=$1
    shift
    wait_for "$t" "$*" "success" "$@"
}

# (WAIT_SAW = the value seen, quoted)
sysns__prop_is() {
    local v
    v=$(sysns_prop "$1" "$2" 2>/dev/null) || { WAIT_SAW="(systemctl show failed)"; return 1; }
    WAIT_SAW="'$v'"
    [ "$v" = "$3" ]
}
sysns__prop_re() {
    local v
    v=$(sysns_prop "$1" "$2" 2>/dev/null) || { WAIT_SAW="(systemctl show failed)"; return 1; }
    WAIT_SAW="'$v'"
    grep -Eq -- "$3" <<<"$v"
}

# sysns_wait_prop UNIT PROP VALUE TIMEOUT
sysns_wait_prop() {
    wait_for "$4" "$1 $2" "'$3'" sysns__prop_is "$1" "$2" "$3"
}
# sysns_wait_prop_re UNIT PROP ERE TIMEOUT
sysns_wait_prop_re() {
    wait_for "$4" "$1 $2" "/$3/" sysns__prop_re "$1" "$2" "$3"
}
# sysns_hold_prop UNIT PROP VALUE DURATION: PROP must equal VALUE at every
# poll for DURATION seconds (fails at the first deviation).
sysns_hold_prop() {
    hold_for "$4" "$1 $2" "to stay '$3'" sysns__prop_is "$1" "$2" "$3"
}

sysns_log() { printf '%s\n' "$SYSNS_LOG"; }
# drop the D-Bus chatter every systemctl call causes at --log-level=debug
sysns__log_filter() {
    grep -Ev 'Registering bus object|Bus private-bus-connection|private connection|Got message type=|Sent message type=|sd-bus: starting bus'
}
sysns_count_log() {
    local n
    n=$(tr -d '\r' <"$SYSNS_LOG" | grep -Ec -- "$1")
    printf '%s\n' "${n:-0}"
}
sysns__log_has() { tr -d '\r' <"$SYSNS_LOG" | grep -Eq -- "$1"; }
# sysns_wait_log ERE TIMEOUT [MIN_COUNT]
sysns__log_count_ge() { WAIT_SAW="$(sysns_count_log "$1") such lines"; [ "${WAIT_SAW%% *}" -ge "$2" ]; }
sysns_wait_log() {
    wait_for "$2" "manager log /$1/" "at least ${3:-1} line(s)" sysns__log_count_ge "$1" "${3:-1}"
}

# host pid of a pid as seen inside the namespace
sysns_host_pid() {
    local want=$1 ns p nspid
    ns=$(readlink /proc/"$SYSNS_PID"/ns/pid) || return 1
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p"/ns/pid 2>/dev/null)" = "$ns" ] || continue
        nspid=$(sed -n 's/^NSpid:[[:space:]]*//p' "$p"/status 2>/dev/null)
        if [ "${nspid##*[[:space:]]}" = "$want" ]; then
            printf '%s\n' "${p#/proc/}"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------- notify services
# What the suites that run Type=notify services under the manager (50, 52, 60, 61) share.

# sysns_version -> the major version of the systemd that is PID 1 ("252")
sysns_version() {
    sysns_ctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p'
}

# sysns_notify_unit DIR NAME DESCRIPTION ENVIRONMENT EXECSTART LOG [EXTRA]: write DIR/units/NAME,
# a Type=notify service (NotifyAccess=main, WatchdogSec=$SYSNS_WATCHDOG_SEC (default 2),
# Restart=always after 500 ms, no start limit, TimeoutStartSec=$WAIT_LONG) run in DIR/work with
# stdout appended to DIR/work/LOG; ENVIRONMENT is the Environment= value, EXTRA one more
# [Service] line (none when empty).
#   * With SYSNS_GATED=1 the main process first waits at a start gate (DIR/sysns-gate.sh: until
#     DIR/work/NAME.go exists, then exec EXECSTART, so the MainPID stays the same) and the
#     program only starts after `sysns_open_gate NAME`.  The unit is then "activating" for as long
#     as the test needs to see it so, whatever the load: no race against a startup delay.
#     (The watchdog is armed only once start-up is complete, so waiting there costs nothing.)
#   * Every stop of the main process is recorded by ExecStopPost= as one line
#     "SERVICE_RESULT EXIT_CODE EXIT_STATUS" in DIR/work/NAME.stops (`sysns_stops NAME`), e.g.
#     "watchdog killed ABRT": a durable record of a watchdog kill, which the properties Result
#     and ExecMainStatus show only until the automatic restart resets them.
sysns_notify_unit() {
    local exec=$5
    if [ "${SYSNS_GATED:-0}" = 1 ]; then
        sysns__write_gate "$1"
        exec="/bin/sh $1/sysns-gate.sh $1/work/$2.go $5"
    fi
    {
        cat <<EOF
[Unit]
Description=$3
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
ExecStart=$exec
ExecStopPost=/bin/sh -c 'echo "\$\$SERVICE_RESULT \$\$EXIT_CODE \$\$EXIT_STATUS" >>"$1/work/$2.stops"'
Environment=$4
WatchdogSec=${SYSNS_WATCHDOG_SEC:-2}
Restart=always
RestartSec=500ms
TimeoutStartSec=${WAIT_LONG}s
WorkingDirectory=$1/work
StandardOutput=append:$1/work/$6
StandardError=inherit
EOF
        [ -z "${7:-}" ] || printf '%s\n' "$7"
    } >"$1/units/$2"
}
sysns__write_gate() {
    [ -e "$1/sysns-gate.sh" ] && return 0
    cat >"$1/sysns-gate.sh" <<'EOF'
# sysns-gate.sh GATE CMD...: wait until the file GATE exists, then become CMD (same pid)
while [ ! -e "$1" ]; do sleep 0.05; done
shift
exec "$@"
EOF
}
# sysns_open_gate NAME...: let each gated unit's main process start its program
sysns_open_gate() {
    local n
    for n in "$@"; do
        : >"$SYSNS_DIR/work/$n.go"
    done
}
# sysns_stops NAME -> one line per stop of NAME's main process: SERVICE_RESULT EXIT_CODE EXIT_STATUS
sysns_stops() {
    cat "$SYSNS_DIR/work/$1.stops" 2>/dev/null
}

# sysns_boot_debug DIR: sysns_boot DIR with the manager at --log-level=debug (its log shows every
# notification), sysns_fail when it does not come up, else a PASS line with its version.
sysns_boot_debug() {
    SYSNS_LOG_LEVEL=debug sysns_boot "$1" || sysns_fail "booting systemd in namespaces"
    pass "systemd $(sysns_version) is PID 1 of private namespaces (host pid $SYSNS_PID)"
}

SYSNS__UNIT_PROPS=ActiveState,SubState,NRestarts,MainPID,StatusText

# sysns_snap UNIT -> ActiveState, SubState, NRestarts, MainPID and StatusText on one line
sysns_snap() {
    sysns_ctl show -p "$SYSNS__UNIT_PROPS" "$1" | tr '\n' ' '
}

# sysns_wait_activating TIMEOUT FMT NAME... : wait until every unit `printf FMT NAME` has been seen
# activating/start with a MainPID and no StatusText (a notify service before READY=1), at any
# poll; SYSNS_SEEN[NAME]=1 for each one seen (for a failure message: ${!SYSNS_SEEN[*]}).
declare -gA SYSNS_SEEN=()
sysns__all_activating() {
    local fmt=$1 name unit
    shift
    for name in "$@"; do
        [ -n "${SYSNS_SEEN[$name]:-}" ] && continue
        # shellcheck disable=SC2059 # the format is the caller's
        printf -v unit "$fmt" "$name"
        sysns_props "$unit" "$SYSNS__UNIT_PROPS" || return 1
        if [ "${SYSNS_P[ActiveState]}" = activating ] && [ "${SYSNS_P[SubState]}" = start ] &&
           [ -z "${SYSNS_P[StatusText]}" ] && [ "${SYSNS_P[MainPID]}" != 0 ]; then
            SYSNS_SEEN[$name]=1
        fi
    done
    WAIT_SAW="seen so: ${!SYSNS_SEEN[*]}; last: $unit $(sysns__fmt_p)"
    [ "${#SYSNS_SEEN[@]}" = "$#" ]
}
sysns_wait_activating() {
    local t=$1
    shift
    SYSNS_SEEN=()
    wait_for "$t" "units activating before READY=1" "each of $* activating/start, MainPID, no StatusText" \
        sysns__all_activating "$@"
}

# SYSNS_P (the last sysns_props snapshot) on one line, for WAIT_SAW and messages
sysns__fmt_p() {
    printf "%s/%s NRestarts=%s MainPID=%s StatusText='%s'" "${SYSNS_P[ActiveState]:-?}" \
        "${SYSNS_P[SubState]:-?}" "${SYSNS_P[NRestarts]:-?}" "${SYSNS_P[MainPID]:-?}" "${SYSNS_P[StatusText]:-}"
}

# sysns_running_as UNIT MAINPID: one snapshot (left in SYSNS_P, and in WAIT_SAW on one line)
# shows UNIT active/running, NRestarts=0, with that MainPID.
sysns_running_as() {
    sysns_props "$1" "$SYSNS__UNIT_PROPS" || { WAIT_SAW="systemctl show $1 failed"; return 1; }
    WAIT_SAW="$1 $(sysns__fmt_p)"
    [ "${SYSNS_P[ActiveState]}" = active ] && [ "${SYSNS_P[SubState]}" = running ] &&
        [ "${SYSNS_P[NRestarts]}" = 0 ] && [ "${SYSNS_P[MainPID]}" = "$2" ]
}

# sysns_running_again UNIT OLDPID: UNIT active/running with a MainPID other than OLDPID and 0
# (snapshot in SYSNS_P and WAIT_SAW).
sysns_running_again() {
    sysns_props "$1" "$SYSNS__UNIT_PROPS" || { WAIT_SAW="systemctl show $1 failed"; return 1; }
    WAIT_SAW="$1 $(sysns__fmt_p)"
    [ "${SYSNS_P[ActiveState]}" = active ] &&
        [ "${SYSNS_P[SubState]}" = running ] &&
        [ "${SYSNS_P[MainPID]}" != "$2" ] &&
        [ "${SYSNS_P[MainPID]}" != 0 ]
}

# sysns_hold_cmd DURATION CMD... : CMD must succeed at every poll for DURATION seconds; 1 at the
# first failure (hold_for; WAIT_MSG says what CMD saw then).
sysns_hold_cmd() {
    local d=$1
    shift
    hold_for "$d" "$*" "success at every poll" "$@"
}

# sysns_libsystemd_maps HOSTPID -> the distinct libsystemd.so* files the process maps, one a line
sysns_libsystemd_maps() {
    awk '$6 ~ /\/libsystemd\.so/ {print $6}' /proc/"$1"/maps | sort -u
}

# sysns_dump [UNIT...]: the units' state, their recorded stops, and the last 40 lines of the
# manager log that name one of them (all units' lines when none is given), on stderr.
sysns_dump() {
    {
        echo "---- sysns diagnostics (pid1=${SYSNS_PID:-none} cgroup=${SYSNS_CGROUP:-none})"
        local u pats=() stops
        if [ -n "$SYSNS_PID" ] && kill -0 "$SYSNS_PID" 2>/dev/null; then
            for u in "$@"; do
                timeout 5 nsenter -t "$SYSNS_PID" -m -p -u -i -n -- systemctl --no-pager show \
                    -p Id,ActiveState,SubState,Result,NRestarts,MainPID,StatusText,ExecMainStatus "$u" 2>&1 |
                    tr '\n' ' ' | sed 's/^/   /;s/ $//'
                echo
            done
        fi
        for u in "$@"; do
            pats+=(-e "$u")
            stops=$(sysns_stops "${u}" | tr '\n' ';')
            [ -z "$stops" ] || echo "   $u stops (SERVICE_RESULT EXIT_CODE EXIT_STATUS): $stops"
        done
        if [ -n "$SYSNS_LOG" ] && [ -f "$SYSNS_LOG" ]; then
            if [ "${#pats[@]}" -gt 0 ]; then
                echo "---- last 40 lines naming $* in the manager log $SYSNS_LOG"
                tr -d '\r' <"$SYSNS_LOG" | sysns__log_filter | grep -F "${pats[@]}" | tail -n 40 | sed 's/^/   /'
            else
                echo "---- last 40 lines of the manager log $SYSNS_LOG"
                tr -d '\r' <"$SYSNS_LOG" | sysns__log_filter | tail -n 40 | sed 's/^/   /'
            fi
        fi
        echo "----"
    } >&2
}

# ---------------------------------------------------------------- teardown
sysns_teardown() {
    [ "$SYSNS__TORN_DOWN" = 1 ] && return 0
    SYSNS__TORN_DOWN=1
    local u deadline
    # only while SYSNS_PID is still the namespace's PID 1 (not a reused pid)
    if [ -n "$SYSNS_PID" ] && kill -0 "$SYSNS_PID" 2>/dev/null &&
       { [ -z "$SYSNS_PIDNS" ] || [ "$(readlink /proc/"$SYSNS_PID"/ns/pid 2>/dev/null)" = "$SYSNS_PIDNS" ]; }; then
        for u in "${SYSNS_STOP_UNITS[@]}"; do
            timeout 10 nsenter -t "$SYSNS_PID" -m -p -u -i -n -- \
                systemctl --no-pager stop "$u" >/dev/null 2>&1
        done
        # by the recorded pid, never by name; PID 1 of a pid namespace takes
        # every process of the namespace with it.
        kill -KILL "$SYSNS_PID" 2>/dev/null
    fi
    if [ -n "$SYSNS_LAUNCHER_PID" ]; then
        deadline=$(( $(sysns__now_us) + 5000000 ))
        while kill -0 "$SYSNS_LAUNCHER_PID" 2>/dev/null &&
              [ "$(sysns__now_us)" -lt "$deadline" ]; do
            sleep 0.05
        done
        kill -KILL "$SYSNS_LAUNCHER_PID" 2>/dev/null
        wait "$SYSNS_LAUNCHER_PID" 2>/dev/null
    fi
    if [ -n "$SYSNS_CGROUP" ] && [ -d "$SYSNS_CGROUP" ]; then
        deadline=$(( $(sysns__now_us) + 5000000 ))
        until grep -qx 'populated 0' "$SYSNS_CGROUP/cgroup.events" 2>/dev/null ||
              [ "$(sysns__now_us)" -ge "$deadline" ]; do
            sleep 0.05
        done
        find "$SYSNS_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null
        if [ -d "$SYSNS_CGROUP" ]; then
            echo "sysns_teardown: could not remove $SYSNS_CGROUP" >&2
        fi
    fi
    SYSNS_PID=
    SYSNS_PIDNS=
    SYSNS_LAUNCHER_PID=
    return 0
}
