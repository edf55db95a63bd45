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
#   sysns_wait_log ERE TIMEOUT                  (manager console log)
#   sysns_count_log ERE                         (number of matching lines)
#   sysns_wait_cmd TIMEOUT CMD...               (until CMD succeeds)
#   sysns_host_pid NSPID     -> host pid of a pid seen inside the namespace
#   sysns_version            -> major version of the systemd that is PID 1 ("252")
#   sysns_notify_unit DIR NAME DESCRIPTION ENVIRONMENT EXECSTART LOG [EXTRA]
#                            -> DIR/units/NAME: a Type=notify service with WatchdogSec=2
#   sysns_boot_debug DIR     -> sysns_boot at --log-level=debug, or sysns_fail; PASS line
#   sysns_snap UNIT          -> the unit's state on one line (for messages)
#   sysns_wait_activating TIMEOUT FMT NAME...   (each unit seen activating before READY=1)
#   sysns_running_as UNIT MAINPID               (active/running, NRestarts=0, that MainPID)
#   sysns_running_again UNIT OLDPID             (active/running with a new MainPID)
#   sysns_hold_cmd DURATION CMD...              (CMD must succeed the whole time)
#   sysns_libsystemd_maps HOSTPID -> the libsystemd.so* files the process maps
#   sysns_log                -> path of the manager's console log
#   sysns_dump [UNIT...]     -> diagnostics on stderr (log tail, unit state)
#   sysns_teardown           -> stop units, kill PID 1, remove cgroup dirs
#                               (installed as EXIT trap by sysns_boot)
#   pass MSG / sysns_fail MSG
# Tunables (environment): SYSNS_BOOT_TIMEOUT (s, default 30), SYSNS_LOG_LEVEL
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
    printf 'FAIL: %s\n' "$*"
    sysns_dump "${SYSNS_STOP_UNITS[@]}"
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
# microseconds since the epoch (bash 5 EPOCHREALTIME; date as a fallback)
sysns__now_us() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME/[.,]/}
        printf '%s\n' "$((10#$t))"
    else
        date +%s%6N
    fi
}
# "1.5" -> 1500000
sysns__sec_to_us() {
    local s=$1 int frac
    int=${s%%.*}
    if [ "$int" = "$s" ]; then frac=; else frac=${s#*.}; fi
    frac=${frac}000000
    frac=${frac:0:6}
    printf '%s\n' "$(( 10#${int:-0} * 1000000 + 10#$frac ))"
}

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

    timeout_us=$(sysns__sec_to_us "${SYSNS_BOOT_TIMEOUT:-30}")
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
            echo "sysns_boot: systemd not running after ${SYSNS_BOOT_TIMEOUT:-30}s (pid1=${SYSNS_PID:-?} state=${st:-?})" >&2
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

# sysns_wait_cmd TIMEOUT CMD... : run CMD until it succeeds
sysns_wait_cmd() {
    local t=$1 deadline
    shift
    deadline=$(( $(sysns__now_us) + $(sysns__sec_to_us "$t") ))
    while :; do
        "$@" && return 0
        [ "$(sysns__now_us)" -ge "$deadline" ] && return 1
        sleep 0.05
    done
}

sysns__prop_is() { [ "$(sysns_prop "$1" "$2" 2>/dev/null)" = "$3" ]; }
sysns__prop_re() { sysns_prop "$1" "$2" 2>/dev/null | grep -Eq -- "$3"; }

# sysns_wait_prop UNIT PROP VALUE TIMEOUT
sysns_wait_prop() {
    sysns_wait_cmd "$4" sysns__prop_is "$1" "$2" "$3" && return 0
    echo "sysns_wait_prop: $1 $2 is '$(sysns_prop "$1" "$2" 2>&1)', wanted '$3' within $4s" >&2
    return 1
}
# sysns_wait_prop_re UNIT PROP ERE TIMEOUT
sysns_wait_prop_re() {
    sysns_wait_cmd "$4" sysns__prop_re "$1" "$2" "$3" && return 0
    echo "sysns_wait_prop_re: $1 $2 is '$(sysns_prop "$1" "$2" 2>&1)', wanted /$3/ within $4s" >&2
    return 1
}
# sysns_hold_prop UNIT PROP VALUE DURATION: PROP must equal VALUE at every
# poll for DURATION seconds (fails at the first deviation).
sysns_hold_prop() {
    local deadline v
    deadline=$(( $(sysns__now_us) + $(sysns__sec_to_us "$4") ))
    while :; do
        v=$(sysns_prop "$1" "$2" 2>&1)
        if [ "$v" != "$3" ]; then
            echo "sysns_hold_prop: $1 $2 became '$v' (expected to stay '$3')" >&2
            return 1
        fi
        [ "$(sysns__now_us)" -ge "$deadline" ] && return 0
        sleep 0.1
    done
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
sysns__log_count_ge() { [ "$(sysns_count_log "$1")" -ge "$2" ]; }
sysns_wait_log() {
    sysns_wait_cmd "$2" sysns__log_count_ge "$1" "${3:-1}" && return 0
    echo "sysns_wait_log: /$1/ not in the manager log (${3:-1}x) within $2s" >&2
    return 1
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
# a Type=notify service (NotifyAccess=main, WatchdogSec=2, Restart=always after 500 ms, no start
# limit) run in DIR/work with stdout appended to DIR/work/LOG; ENVIRONMENT is the Environment=
# value, EXTRA one more [Service] line (none when empty).
sysns_notify_unit() {
    {
        cat <<EOF
[Unit]
Description=$3
StartLimitIntervalSec=0

[Service]
Type=notify
NotifyAccess=main
ExecStart=$5
Environment=$4
WatchdogSec=2
Restart=always
RestartSec=500ms
TimeoutStartSec=15s
WorkingDirectory=$1/work
StandardOutput=append:$1/work/$6
StandardError=inherit
EOF
        [ -z "${7:-}" ] || printf '%s\n' "$7"
    } >"$1/units/$2"
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
    [ "${#SYSNS_SEEN[@]}" = "$#" ]
}
sysns_wait_activating() {
    local t=$1
    shift
    SYSNS_SEEN=()
    sysns_wait_cmd "$t" sysns__all_activating "$@"
}

# sysns_running_as UNIT MAINPID: one snapshot (left in SYSNS_P) shows UNIT active/running,
# NRestarts=0, with that MainPID.
sysns_running_as() {
    sysns_props "$1" "$SYSNS__UNIT_PROPS" &&
        [ "${SYSNS_P[ActiveState]}" = active ] && [ "${SYSNS_P[SubState]}" = running ] &&
        [ "${SYSNS_P[NRestarts]}" = 0 ] && [ "${SYSNS_P[MainPID]}" = "$2" ]
}

# sysns_running_again UNIT OLDPID: UNIT active/running with a MainPID other than OLDPID and 0.
sysns_running_again() {
    sysns_props "$1" "$SYSNS__UNIT_PROPS" &&
        [ "${SYSNS_P[ActiveState]}" = active ] &&
        [ "${SYSNS_P[SubState]}" = running ] &&
        [ "${SYSNS_P[MainPID]}" != "$2" ] &&
        [ "${SYSNS_P[MainPID]}" != 0 ]
}

# sysns_hold_cmd DURATION CMD... : CMD must succeed at every poll (every 0.2 s) for DURATION
# seconds; 1 at the first failure.
sysns_hold_cmd() {
    local deadline
    deadline=$(( $(sysns__now_us) + $(sysns__sec_to_us "$1") ))
    shift
    while :; do
        "$@" || return 1
        [ "$(sysns__now_us)" -ge "$deadline" ] && return 0
        sleep 0.2
    done
}

# sysns_libsystemd_maps HOSTPID -> the distinct libsystemd.so* files the process maps, one a line
sysns_libsystemd_maps() {
    awk '$6 ~ /\/libsystemd\.so/ {print $6}' /proc/"$1"/maps | sort -u
}

sysns_dump() {
    {
        echo "---- sysns diagnostics (pid1=${SYSNS_PID:-none} cgroup=${SYSNS_CGROUP:-none})"
        local u
        if [ -n "$SYSNS_PID" ] && kill -0 "$SYSNS_PID" 2>/dev/null; then
            for u in "$@"; do
                timeout 5 nsenter -t "$SYSNS_PID" -m -p -u -i -n -- systemctl --no-pager show \
                    -p Id,ActiveState,SubState,Result,NRestarts,MainPID,StatusText,ExecMainStatus "$u" 2>&1 | sed 's/^/   /'
            done
        fi
        if [ -n "$SYSNS_LOG" ] && [ -f "$SYSNS_LOG" ]; then
            echo "---- last 60 lines of the manager log $SYSNS_LOG"
            tr -d '\r' <"$SYSNS_LOG" | sysns__log_filter | tail -n 60 | sed 's/^/   /'
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
