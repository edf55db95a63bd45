#!/usr/bin/env bash
# 33-login-programs-ps: procps' ps(1), a real program that asks libsystemd about processes
# (sd_pid_get_unit, _user_unit, _session, _slice, _owner_uid, _machine_name through libproc2),
# run unchanged on libsystemd 252 and with LD_LIBRARY_PATH=$SDLITE_BUILD: identical output for
#   ps -o pid,unit,uunit,session,slice,ouid,lsession,machine -p PIDS
# over sleeping processes whose /proc/PID/cgroup is a crafted file bound over it (private mount
# namespace; the same 40 paths as 24-diff-login-pid, escaped names, nested slices, user managers,
# sessions, machines with /run/systemd/machines links, the root, garbage), under the cgroup2,
# hybrid and legacy layouts, plus sleepers in real cgroup directories of the host.
#
# libproc2 also imports sd_session_get_seat (for the "seat" column, not asked for here). Until
# sdlite exports it (the users/sessions half of sd-login), a one-function stand-in is preloaded
# that only exists so that ps loads; it is never called for these columns, and the suite says so.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 33-login-programs-ps: ps -o unit,uunit,slice,ouid,lsession,machine on 252 and sdlite"
need ps gcc readelf unshare mount cmp diff
need_reference_and_build
PS=$(command -v ps)
ldd "$PS" | grep -q 'libsystemd\.so\.0' || skip_or_fail "$PS does not link libsystemd (procps without systemd support)"
unshare -m --propagation private true 2>/dev/null || skip_or_fail "needs root and mount namespaces"
scratch T
chmod 755 "$T"

preload=()
if ! readelf -W --dyn-syms "$SDLITE_BUILD/libsystemd.so.0" | grep -q ' sd_session_get_seat@'; then
    cat >"$T/seat.c" <<'EOF'
#include <errno.h>
int sd_session_get_seat(const char *session, char **seat) { (void)session; (void)seat; return -ENODATA; }
EOF
    printf 'LIBSYSTEMD_209 { global: sd_session_get_seat; local: *; };\n' >"$T/seat.map"
    gcc -shared -fPIC -o "$T/libseat.so" -Wl,--version-script="$T/seat.map" "$T/seat.c" ||
        { fail "building the sd_session_get_seat stand-in"; finish; }
    preload=(LD_PRELOAD="$T/libseat.so")
    info "sdlite does not export sd_session_get_seat yet: a stand-in is preloaded so that libproc2 loads"
fi

PATHS=(
    / /init.scope /system.slice/foo.service '/system.slice/foo\x2dbar.service' /system.slice/_cpu.service
    /system.slice/system-getty.slice/getty@tty1.service /system.slice/getty@.service
    /a.slice/a-b.slice/a-b-c.slice/x.service/sub /a.slice/a-b.slice/a-b-c.slice /a.slice/x@y.slice/z.service
    /user.slice/user-1000.slice/user@1000.service/app.slice/x.service
    /user.slice/user-1000.slice/user@1000.service/app.slice/app-a.slice/y.service/z
    /user.slice/user-1000.slice/user@1000.service /user.slice/user-1000.slice/user@01.service/x.service
    /user.slice/user-65535.slice/user@65535.service/x.service /user@1000.service/x.service
    /user.slice/user-1000.slice/session-4.scope /user.slice/user-1000.slice/session-c12.scope/x.service
    /user.slice/user-1000.slice/session-.scope /user.slice/user-0.slice/x.service /user.slice/user-01.slice/x.service
    /machine.slice/machine-foo.scope '/machine.slice/machine-qemu\x2d1\x2dvm.scope/payload'
    /machine.slice/machine-bar.scope //system.slice//foo.service// system.slice/foo.service
    '/system.slice/a b.service' /system.slice/foo.unknown /ab /.service /x.service/y.slice
    '/system.slice/a:b.service' '/system.slice/a\b.service' '/system.slice/foo.service (deleted)'
    /system/foo.service garbage ''
)
mkdir "$T/paths"
for ((i = 0; i < ${#PATHS[@]}; i++)); do printf '%s' "${PATHS[i]}" >"$T/paths/$i"; done

cat >"$T/inner.sh" <<'EOF'
set -eu
layout=$1 paths=$2 out=$3
shift 3
. "$SDLITE_ROOT/tests/lib/login.sh" # the layouts and the machine links, shared with 24
login_cgroup_layout "$layout"
login_machines
pids=()
trap '[ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null' EXIT
for f in "$paths"/*; do
    p=$(cat "$f")
    sleep 1000 </dev/null >/dev/null 2>&1 &
    pids+=($!)
    case $layout in
        unified) printf '0::%s\n' "$p" ;;
        legacy) printf '3:cpu:/x\n1:name=systemd:%s\n0::/v2\n' "$p" ;;
        *) printf '3:cpu:/x\n1:name=systemd:/v1\n0::%s\n' "$p" ;;
    esac >"$out.$layout.$(basename "$f")"
    mount -n --bind "$out.$layout.$(basename "$f")" /proc/$!/cgroup
done
list=$(IFS=,; echo "${pids[*]}")
cols=pid,unit,uunit,session,slice,ouid,lsession,machine
env -u LD_LIBRARY_PATH -u LD_PRELOAD ps -o "$cols" -p "$list" >"$out.sys"
env "$@" ps -o "$cols" -p "$list" >"$out.sd"
kill "${pids[@]}"
pids=()
wait
EOF

: >"$T/all.sys"
: >"$T/all.sd"
for layout in unified hybrid legacy; do
    if ! unshare -m --propagation private bash "$T/inner.sh" "$layout" "$T/paths" "$T/out" \
        LD_LIBRARY_PATH="$SDLITE_BUILD" "${preload[@]}" 2>"$T/err"; then
        tail -n 5 "$T/err"
        fail "$layout: the namespace script failed"
        continue
    fi
    rows=$(($(wc -l <"$T/out.sys") - 1))
    if [ "$rows" -ne ${#PATHS[@]} ]; then
        fail "$layout: ps on 252 listed $rows of ${#PATHS[@]} processes"
    elif cmp -s "$T/out.sys" "$T/out.sd"; then
        pass "$layout: ps output identical on 252 and sdlite ($rows processes)"
    else
        fail "$layout: ps output differs (252 -, sdlite +):"
        diff -U0 "$T/out.sys" "$T/out.sd" | grep '^[-+][^-+]' | head -n 30 | sed 's/^/     /'
    fi
    cat "$T/out.sys" >>"$T/all.sys"
    cat "$T/out.sd" >>"$T/all.sd"
done
# A few rows as 252 shows them (columns: pid unit uunit sess slice owner session machine).
row() {
    if grep -Eq -- "$1" "$T/all.sys"; then pass "252 row: $2"; else fail "252 row missing: $2 (/$1/)"; fi
}
row ' foo\\x2dbar\.service +- +[0-9]+ system\.slice ' "an escaped unit name, as ps shows it"
row ' user@1000\.service +x\.service +[0-9]+ user-1000\.slice +1000 ' "unit, user unit, slice and owner of an app in a user manager"
row ' session-4\.scope +- +[0-9]+ user-1000\.slice +1000 +4 ' "a login session's scope, owner and session"
row ' machine-foo\.scope .* foo$' "a machine's scope and name"

# Real cgroups of the host: sleepers moved into fresh directories, then removed.
V2=/sys/fs/cgroup/unified
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && V2=/sys/fs/cgroup
if [ -w "$V2/cgroup.procs" ]; then
    top=sdltps$$.slice
    rels=("$top/sdltps$$-a.slice/foo\\x2dbar.service" "$top/user-1000.slice/user@1000.service/app.slice/x.service"
        "$top/user-1000.slice/session-7.scope")
    pids=()
    cleanup_real() {
        [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
        wait 2>/dev/null
        [ -d "$V2/$top" ] && find "$V2/$top" -depth -type d -exec rmdir {} + 2>/dev/null
        return 0
    }
    trap 'cleanup_real; check__cleanup' EXIT
    for rel in "${rels[@]}"; do
        mkdir -p "$V2/$rel"
        # shellcheck disable=SC2217 # no terminal or pipe of ours held by the sleeper
        sleep 1000 </dev/null >/dev/null 2>&1 &
        pids+=($!)
        echo $! >"$V2/$rel/cgroup.procs"
    done
    list=$(IFS=,; echo "${pids[*]}")
    cols=pid,unit,uunit,session,slice,ouid,lsession,machine
    env -u LD_LIBRARY_PATH -u LD_PRELOAD ps -o "$cols" -p "$list" >"$T/real.sys"
    env LD_LIBRARY_PATH="$SDLITE_BUILD" "${preload[@]}" ps -o "$cols" -p "$list" >"$T/real.sd"
    cleanup_real
    pids=()
    if cmp -s "$T/real.sys" "$T/real.sd" && grep -q 'foo\\x2dbar.service' "$T/real.sys"; then
        pass "real cgroups: ps output identical ($(($(wc -l <"$T/real.sys") - 1)) processes)"
    else
        fail "real cgroups: ps output differs or is incomplete:"
        diff "$T/real.sys" "$T/real.sd" | sed 's/^/     /'
    fi
    [ -d "$V2/$top" ] && fail "$V2/$top was left behind"
else
    info "SKIP real cgroups: $V2/cgroup.procs is not writable"
fi
finish
