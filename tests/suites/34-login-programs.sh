#!/usr/bin/env bash
# shellcheck disable=SC2317  # has_owner is called through wait_for
# 34-login-programs: real programs nobody here wrote, unmodified, on libsystemd 252 and on
# sdlite (LD_LIBRARY_PATH), over the same synthetic logind state, with the same results.
#
# Where: a private mount namespace (unshare -m) with a tmpfs on /run/systemd, so the host's
# logind state is hidden; two worlds in turn: logind's state as a running logind writes it (a
# user with an active session on seat0, a lingering one, seats, a machine) and no logind at all
# (an empty /run/systemd, as in a container, where dbus-daemon asks sd_uid_get_seats on every
# connection and must get "0 seats", not an error).
#
# The programs:
#   dbus-run-session -- dbus-send --session --print-reply ... ListNames
#                           dbus-daemon imports sd_uid_get_seats (and sd_notify,
#                           sd_journal_stream_fd) with BIND_NOW; it calls sd_uid_get_seats for
#                           the connecting client. Compared: the reply (its time= masked), the
#                           exit status, and which files under /run/systemd/ the whole session
#                           opened (strace -f), which shows the sd-login call reading the state
#   pkaction --version, pkaction (the list of actions, from polkitd on a private system bus
#                           this suite starts, both on the system library)
#                           polkit's libpolkit-gobject-1 imports sd-login symbols with BIND_NOW
#                           (sd_uid_get_display, sd_session_get_uid, and the process half's
#                           sd_pid_get_session/sd_pid_get_owner_uid): it cannot start unless the
#                           library exports all of them
#   lslogins                util-linux; imports sd_journal_open and sd_journal_* (the journal's
#                           reading API), with BIND_NOW
# A program that imports a symbol sdlite does not export cannot load on it (BIND_NOW): the suite
# then checks that this is exactly how it fails (a symbol lookup error naming one of the missing
# symbols) and says so ("GAP"); it is compared as soon as sdlite exports what it imports.
# Knob: LOGIN_PROGRAMS_B=252 runs the second side on 252 too (proves the comparisons the GAPs
# stand in for today: pkaction's, lslogins').
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
# shellcheck source=SCRIPTDIR/../lib/wait.sh
. "$(dirname "$0")/../lib/wait.sh"

# ====================================================================== inside the namespace
if [ "${LPROG_INNER:-}" = 1 ]; then
    world=$1 out=$2
    mount -n -t tmpfs -o mode=0755,size=16m sdlite-lprog /run/systemd || { echo "FAIL: tmpfs on /run/systemd"; exit 1; }
    if [ "$world" = logind ]; then
        mkdir /run/systemd/users /run/systemd/sessions /run/systemd/seats /run/systemd/machines
        me=$(id -u)
        printf '%s\n' "NAME=root" "STATE=active" "DISPLAY=1" "SESSIONS=1 3" "SEATS=seat0" "ACTIVE_SESSIONS=1" \
            "ONLINE_SESSIONS=1 3" "ACTIVE_SEATS=seat0" "ONLINE_SEATS=seat0" >/run/systemd/users/"$me"
        printf '%s\n' "NAME=nobody" "STATE=lingering" >/run/systemd/users/65534
        printf '%s\n' "UID=$me" "USER=root" "ACTIVE=1" "STATE=active" "REMOTE=0" "TYPE=tty" "CLASS=user" \
            "SEAT=seat0" "TTY=tty1" "VTNR=1" "SERVICE=login" >/run/systemd/sessions/1
        printf '%s\n' "UID=$me" "ACTIVE=0" "STATE=online" "REMOTE=1" "REMOTE_HOST=192.0.2.1" "TYPE=tty" \
            "CLASS=user" "SERVICE=sshd" >/run/systemd/sessions/3
        printf '%s\n' "IS_SEAT0=1" "CAN_TTY=1" "CAN_GRAPHICAL=1" "ACTIVE=1" "ACTIVE_UID=$me" "SESSIONS=1" \
            "UIDS=$me" >/run/systemd/seats/seat0
        printf '%s\n' "CLASS=container" "NETIF=2 3" >/run/systemd/machines/c1
    fi
    # pkaction asks polkitd over the system bus: a private one (its socket in the scratch
    # directory, found through DBUS_SYSTEM_BUS_ADDRESS) with polkitd on it, both on the system
    # library, the same for both sides; only pkaction changes library.
    cat >"$out/$world.sysbus.conf" <<EOF2
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$out/$world.sysbus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/><allow user="*"/>
  </policy>
</busconfig>
EOF2
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$out/$world.sysbus.sock
    env -u LD_LIBRARY_PATH dbus-daemon --config-file="$out/$world.sysbus.conf" --nofork --nopidfile \
        >"$out/$world.sysbus.out" 2>&1 &
    bus_pid=$!
    has_owner() {
        WAIT_SAW=$(env -u LD_LIBRARY_PATH dbus-send --system --print-reply --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$1" 2>&1 | grep -o 'boolean [a-z]*')
        [ "$WAIT_SAW" = "boolean true" ]
    }
    wait_for "$WAIT_LONG" "the private system bus" "answering" has_owner org.freedesktop.DBus ||
        echo "$WAIT_MSG" >>"$out/$world.sysbus.out"
    env -u LD_LIBRARY_PATH /usr/lib/polkit-1/polkitd --no-debug >"$out/$world.polkitd.out" 2>&1 &
    pk_pid=$!
    wait_for "$WAIT_LONG" "polkitd on the private system bus" "org.freedesktop.PolicyKit1 owned" \
        has_owner org.freedesktop.PolicyKit1 || echo "$WAIT_MSG" >>"$out/$world.polkitd.out"
    for side in sys sd; do
        lib=()
        [ "$side" = sd ] && [ "${LOGIN_PROGRAMS_B:-}" != 252 ] && lib=(LD_LIBRARY_PATH="$SDLITE_BUILD")
        o=$out/$world.$side
        mkdir -p "$o"
        # dbus-run-session starts its own dbus-daemon; -f follows it.
        env -u LD_PRELOAD -u DBUS_SESSION_BUS_ADDRESS "${lib[@]}" timeout 60 strace -f -qq -e trace=openat,open \
            -o "$o/strace" dbus-run-session -- dbus-send --session --print-reply --dest=org.freedesktop.DBus \
            /org/freedesktop/DBus org.freedesktop.DBus.ListNames >"$o/dbus.out" 2>"$o/dbus.err"
        echo $? >"$o/dbus.rc"
        for p in pkaction-version pkaction lslogins; do
            case $p in
                pkaction-version) cmd=(pkaction --version) ;;
                pkaction) cmd=(pkaction) ;;
                lslogins) cmd=(lslogins --noheadings --output "USER,UID,GID,HOMEDIR,SHELL,NOLOGIN") ;;
            esac
            env -u LD_PRELOAD "${lib[@]}" timeout 60 "${cmd[@]}" >"$o/$p.out" 2>"$o/$p.err" </dev/null
            echo $? >"$o/$p.rc"
        done
    done
    kill "$pk_pid" "$bus_pid" 2>/dev/null
    wait "$pk_pid" "$bus_pid" 2>/dev/null
    exit 0
fi

# ====================================================================== outside
echo "== 34-login-programs: dbus-run-session, pkaction, lslogins on sdlite vs 252 over synthetic logind state"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (a private mount namespace)"
need unshare strace dbus-run-session dbus-send dbus-daemon pkaction lslogins objdump ldd
[ -x /usr/lib/polkit-1/polkitd ] || skip_or_fail "no /usr/lib/polkit-1/polkitd (apt-get install -y polkitd)"
unshare -m --propagation private true 2>/dev/null || skip_or_fail "cannot create a mount namespace"
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0 missing: run make"; finish; }
scratch T
chmod 755 "$T" # polkitd drops to its own user and must reach the private system bus below it
SO_REAL=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
sd_exports=$(objdump -T "$SO_REAL" | awk '!/\*UND\*/ && / sd_/ { print $NF }' | sort -u)

# missing PROGRAM: the sd_* symbols PROGRAM and the libraries it links import and sdlite lacks
missing() {
    local f imp
    imp=$(for f in "$1" $(env -u LD_LIBRARY_PATH ldd "$1" | awk '$3 ~ /^\// { print $3 }'); do
        objdump -T "$f" 2>/dev/null | awk '/\*UND\*/ && / sd_/ { print $NF }'; done | sort -u)
    comm -23 <(printf '%s\n' "$imp") <(printf '%s\n' "$sd_exports") | tr '\n' ' ' | sed 's/ $//'
}
for p in dbus-daemon pkaction lslogins; do
    m=$(missing "$(command -v $p)")
    [ "${LOGIN_PROGRAMS_B:-}" = 252 ] && m=
    printf -v "miss_${p//-/_}" '%s' "$m"
    if [ -n "$m" ]; then info "$p: sdlite lacks: $m"; else info "$p: sdlite exports every sd_* symbol it imports"; fi
done

for world in logind none; do
    LPROG_INNER=1 SDLITE_BUILD=$SDLITE_BUILD LOGIN_PROGRAMS_B=${LOGIN_PROGRAMS_B:-} timeout -k 5 200 unshare -m --propagation private -- \
        bash "$0" "$world" "$T" || fail "$world: the namespace run failed"
done

# the /run/systemd/ files a run opened, in order, without pids and flags
opened() { sed -n 's/^[0-9]* *open\(at\)\?(\(AT_FDCWD, \)\?"\(\/run\/systemd\/[^"]*\)".*= \(-\?[0-9]*\).*/\3 -> \4/p' "$1" |
           sed 's/-> [0-9][0-9]*$/-> fd/'; }
mask() { sed -E 's/time=[0-9.]+/time=T/' "$1"; }

for world in logind none; do
    S=$T/$world.sys D=$T/$world.sd
    what="$world world"
    [ "$world" = none ] && what="no-logind world"
    # ------------------------------------------------ dbus
    if [ -n "$miss_dbus_daemon" ]; then
        fail "$what: dbus-daemon imports symbols sdlite lacks: $miss_dbus_daemon"
    elif [ "$(cat "$S/dbus.rc")" = 0 ] && grep -q '"org.freedesktop.DBus"' "$S/dbus.out"; then
        if [ "$(cat "$D/dbus.rc")" = 0 ] && cmp -s <(mask "$S/dbus.out") <(mask "$D/dbus.out"); then
            pass "$what: dbus-run-session -- dbus-send ListNames: the same reply on both ($(grep -c string "$D/dbus.out") names), exit 0"
        else
            fail "$what: dbus-run-session differs: 252 rc $(cat "$S/dbus.rc"), sdlite rc $(cat "$D/dbus.rc"): $(head -c 400 "$D/dbus.err")"
            diff <(mask "$S/dbus.out") <(mask "$D/dbus.out") | head -n 10 | sed 's/^/     /'
        fi
        os=$(opened "$S/strace") od=$(opened "$D/strace")
        if [ "$os" = "$od" ]; then
            pass "$what: the session opened the same files under /run/systemd/ on both: $(echo "$os" | tr '\n' ';' | sed 's/;$//')"
        else
            fail "$what: files opened under /run/systemd/: 252 '$(echo "$os" | tr '\n' ';')' vs sdlite '$(echo "$od" | tr '\n' ';')'"
        fi
        if [ "$world" = logind ]; then
            if grep -q "^/run/systemd/users/$(id -u) -> fd" <<<"$od"; then
                pass "$what: dbus-daemon read its client's user file (sd_uid_get_seats) on sdlite"
            else
                fail "$what: dbus-daemon did not read /run/systemd/users/$(id -u) on sdlite"
            fi
        fi
    else
        fail "$what: dbus-run-session failed on 252 itself (rc $(cat "$S/dbus.rc")): $(head -c 300 "$S/dbus.err")"
    fi
    # ------------------------------------------------ pkaction, lslogins
    for p in pkaction-version pkaction lslogins; do
        prog=${p%-version}
        miss=miss_$prog
        if [ "$(cat "$S/$p.rc")" != 0 ]; then
            fail "$what: $p fails on 252 itself (rc $(cat "$S/$p.rc")): $(head -c 300 "$S/$p.err")"
            continue
        fi
        if [ -n "${!miss}" ]; then
            if grep -Eq "symbol lookup error: .*undefined symbol: ($(echo "${!miss}" | tr ' ' '|')), version" "$D/$p.err"; then
                echo "GAP: $what: $p cannot load on sdlite: $(grep -o 'undefined symbol: [^,]*, version [A-Z_0-9]*' "$D/$p.err" | head -n1) (sdlite lacks: ${!miss})"
                pass "$what: $p: the gap is exactly the missing symbols (BIND_NOW load failure)"
            else
                fail "$what: $p: expected a load failure on one of '${!miss}', got rc $(cat "$D/$p.rc"): $(head -c 300 "$D/$p.err")"
            fi
            continue
        fi
        if [ "$(cat "$D/$p.rc")" = 0 ] && cmp -s "$S/$p.out" "$D/$p.out" && cmp -s "$S/$p.err" "$D/$p.err"; then
            pass "$what: $p: the same output on both ($(wc -l <"$D/$p.out") lines), exit 0"
        else
            fail "$what: $p differs (sdlite rc $(cat "$D/$p.rc")):"
            diff "$S/$p.out" "$D/$p.out" | head -n 10 | sed 's/^/     /'
            head -c 300 "$D/$p.err" | sed 's/^/     /'
        fi
    done
done
finish
