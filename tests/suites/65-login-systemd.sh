#!/bin/bash
# 65-login-systemd.sh -- sd-login's process side under a real systemd 252 (tests/lib/sysns.sh):
# c-tests/login/login-self.c, linked against sdlite's build, runs as services (kept up afterwards
# by a sleep) and asks about itself (pid 0, its own pid, and the peer of a socketpair):
# sd_pid_get_unit, _slice, _cgroup must be the unit's own name, `systemctl show -p Slice` and
# `-p ControlGroup`; user_unit, user_slice and session -ENODATA, machine_name -ENOENT (no
# machine registered for the unit); owner_uid -ENODATA, except in a unit placed in
# user-1000.slice (1000). Each unit runs twice, once on sdlite and once with
# LD_LIBRARY_PATH naming the system's libsystemd 252, and both print the same lines.
# Units: a plain one in system.slice, one with an escaped name (login\x2desc.service) in a
# nested slice of its own (sdlite-a-b.slice), one in user-1000.slice. Then every process of the
# namespace (systemd itself in init.scope included) is asked about from inside, on both libraries.
# Exit: 0 passed, 77 skipped (and why), 1 failed.  CI=true never skips.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=${SDLITE_ROOT:-$(cd "$HERE/../.." && pwd -P)}
SDLITE_BUILD=${SDLITE_BUILD:-$ROOT/build}
# shellcheck source=SCRIPTDIR/../lib/sysns.sh
. "$ROOT/tests/lib/sysns.sh"

echo "== 65-login-systemd: a service asks sd_pid_get_* about itself under a real systemd"
sysns_require
command -v gcc >/dev/null 2>&1 || sysns_skip_or_fail "'gcc' not found"
[ -f /usr/include/systemd/sd-login.h ] || sysns_skip_or_fail "no /usr/include/systemd/sd-login.h (libsystemd-dev)"
LIB=$SDLITE_BUILD/libsystemd.so.0
[ -e "$LIB" ] || { echo "FAIL: $LIB missing: run make"; exit 1; }
LIB_REAL=$(readlink -f "$LIB")
SYS_LIB=${SYSTEM_LIBSYSTEMD:-/usr/lib/x86_64-linux-gnu/libsystemd.so.0}
SYS_REAL=$(readlink -f "$SYS_LIB")

sysns_mktemp T || { echo "FAIL: mktemp"; exit 1; }
mkdir -p "$T/bin" "$T/units" "$T/work"
if ! gcc -std=gnu11 -O2 -Wall -Wextra -I"$ROOT/include" -o "$T/bin/login-self" "$ROOT/c-tests/login/login-self.c" \
        -L"$SDLITE_BUILD" -lsystemd -Wl,-rpath,"$SDLITE_BUILD" 2>"$T/cc.err"; then
    cat "$T/cc.err"; echo "FAIL: building c-tests/login/login-self.c against sdlite's build"; exit 1
fi
pass "built c-tests/login/login-self.c against $SDLITE_BUILD (RUNPATH)"
if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -std=gnu11 -O2 -Wall -Wextra -o "$T/bin/login-pid-diff" \
        "$ROOT/c-tests/login/login-pid-diff.c" -lsystemd 2>"$T/cc.err"; then
    cat "$T/cc.err"; echo "FAIL: building c-tests/login/login-pid-diff.c against the system library"; exit 1
fi

# unit NAME SLICE LIB: login-self, then a sleep that keeps the unit (and its ControlGroup) up;
# output in work/NAME.out / .err
unit() {
    local env=
    [ "$3" = sys ] && env="Environment=LD_LIBRARY_PATH=$(dirname "$SYS_LIB")"
    cat >"$T/units/$1" <<EOF
[Unit]
Description=sdlite login-self ($3)

[Service]
ExecStart=/bin/sh -c '"$T/bin/login-self" && exec sleep 1000'
Slice=$2
$env
WorkingDirectory=$T/work
StandardOutput=truncate:$T/work/$1.out
StandardError=truncate:$T/work/$1.err
EOF
}
# The same three placements on both libraries (names: NAME-sd / NAME-sys).
declare -A SLICE=([login-plain]=system.slice ['login\x2desc']=sdlite-a-b.slice [login-owner]=user-1000.slice)
UNITS=()
for base in login-plain 'login\x2desc' login-owner; do
    for lib in sd sys; do
        unit "$base-$lib.service" "${SLICE[$base]}" "$lib"
        UNITS+=("$base-$lib.service")
    done
done
SYSNS_STOP_UNITS=("${UNITS[@]}")

sysns_boot "$T" || sysns_fail "booting systemd in namespaces"
pass "systemd $(sysns_version) is PID 1 of private namespaces"
sysns_ctl start --no-block "${UNITS[@]}" || sysns_fail "systemctl start"
for u in "${UNITS[@]}"; do
    sysns_wait_prop "$u" ActiveState active "$WAIT_LONG" || sysns_fail "$WAIT_MSG"
    wait_for "$WAIT_LONG" "$u: login-self's report" "a libsystemd line" \
        out_matches '^libsystemd: ' sed -n '/^libsystemd: /p' "$T/work/$u.err" || sysns_fail "$WAIT_MSG"
done
pass "all ${#UNITS[@]} units ran login-self and are still up"

# line FILE NAME -> "RC [VALUE]" of that call
line() { sed -n "s/^$2 //p" "$1"; }
for base in login-plain 'login\x2desc' login-owner; do
    u=$base-sd.service
    out=$T/work/$u.out
    sysns_props "$u" ControlGroup,Slice
    cg=${SYSNS_P[ControlGroup]} slice=${SYSNS_P[Slice]}
    got_lib=$(sed -n 's/^libsystemd: //p' "$T/work/$u.err")
    [ "$got_lib" = "$LIB_REAL" ] || sysns_fail "$u mapped '$got_lib', not sdlite's $LIB_REAL"
    want_uid=-ENODATA
    [ "$base" = login-owner ] && want_uid="0 1000"
    for check in "unit|0 $u" "unit-by-pid|0 $u" "peer-unit|0 $u" "slice|0 $slice" "peer-slice|0 $slice" \
        "cgroup|0 $cg" "user_unit|-ENODATA" "user_slice|-ENODATA" "session|-ENODATA" \
        "machine_name|-ENOENT" "owner_uid|$want_uid"; do
        name=${check%%|*} want=${check#*|}
        have=$(line "$out" "$name")
        [ "$have" = "$want" ] ||
            sysns_fail "$u: $name gave '$have', expected '$want' (systemctl: ControlGroup=$cg Slice=$slice)"
    done
    pass "$u on sdlite: unit $u, slice $slice, cgroup $cg (as systemctl shows them), owner ${want_uid#0 }"
    # 252 in the twin unit: the same lines, with the twin's own name.
    s=$base-sys.service
    got_lib=$(sed -n 's/^libsystemd: //p' "$T/work/$s.err")
    [ "$got_lib" = "$SYS_REAL" ] || sysns_fail "$s mapped '$got_lib', not $SYS_REAL"
    if diff <(sed "s/-sd\.service/-X.service/g" "$out") <(sed "s/-sys\.service/-X.service/g" "$T/work/$s.out") >"$T/diff"; then
        pass "$s on libsystemd 252 printed the same $(wc -l <"$out") lines (its own unit name aside)"
    else
        sed 's/^/     /' "$T/diff"
        sysns_fail "$base: sdlite and 252 differ"
    fi
done

# Every process of the namespace (systemd as PID 1 in init.scope, the units, their sleeps), asked
# about from inside it by login-pid-diff (built against 252), on 252 and on sdlite; and through
# pidfds on sdlite. The list is taken once; the pid of the shell that lists is gone for both runs.
nspids=$(sysns_exec sh -c 'cd /proc && ls -d [0-9]*') || sysns_fail "listing the namespace's processes"
args=()
for p in $nspids; do args+=("p$p=$p"); done
sysns_exec env -u LD_LIBRARY_PATH -u LD_PRELOAD "$T/bin/login-pid-diff" pids "${args[@]}" >"$T/ns.sys" 2>"$T/ns.sys.err"
sysns_exec env -u LD_PRELOAD LD_LIBRARY_PATH="$SDLITE_BUILD" "$T/bin/login-pid-diff" pids "${args[@]}" >"$T/ns.sd" 2>"$T/ns.sd.err"
sysns_exec env -u LD_PRELOAD LD_LIBRARY_PATH="$SDLITE_BUILD" "$T/bin/login-pid-diff" pidfds "${args[@]}" >"$T/ns.pidfd" 2>>"$T/ns.sd.err"
grep -q '^p1 unit -> 0 "init.scope"$' "$T/ns.sys" || sysns_fail "252 does not say PID 1 is in init.scope: $(grep '^p1 unit' "$T/ns.sys")"
grep -q "^libsystemd: $LIB_REAL" "$T/ns.sd.err" || sysns_fail "the sdlite run inside mapped $(grep libsystemd: "$T/ns.sd.err")"
# a pid that is gone (the lister) has no pidfd: its rows are left out of the pidfd comparison
gone=$(sed -n 's/^\(p[0-9]*\) pidfd_open -> .*/\1/p' "$T/ns.pidfd" | tr '\n' '|')
gone_re="^(${gone%|}) "
[ -n "$gone" ] || gone_re='^$'
grep -Ev "$gone_re" "$T/ns.sys" >"$T/ns.sys.live"
grep -Ev "$gone_re" "$T/ns.pidfd" >"$T/ns.pidfd.live"
if cmp -s "$T/ns.sys" "$T/ns.sd" && cmp -s "$T/ns.sys.live" "$T/ns.pidfd.live"; then
    pass "all $(wc -w <<<"$nspids") processes of the namespace (PID 1 in init.scope, the units): sd_pid_get_* identical on 252 and sdlite, sd_pidfd_get_* the same ($(wc -l <"$T/ns.sys") lines)"
else
    diff "$T/ns.sys" "$T/ns.sd" | head -n 20 | sed 's/^/     /'
    diff "$T/ns.sys.live" "$T/ns.pidfd.live" | head -n 20 | sed 's/^/     /'
    sysns_fail "the namespace's processes: sdlite (or its pidfd forms) and 252 differ"
fi
sysns_teardown
echo "65-login-systemd: passed"
exit 0
