#!/usr/bin/env bash
# 24-diff-login-pid: sd-login's process side (sd_pid_get_*, sd_peer_get_*), sdlite against
# libsystemd 252; and sd_pidfd_get_* (systemd 254) against 252's sd_pid_get_* for the same pids.
#
# c-tests/login/login-pid-diff.c is built once against Debian's <systemd/sd-login.h> and
# -lsystemd and run on the system library (twice for the first section: the runs must agree)
# and with LD_LIBRARY_PATH=$SDLITE_BUILD; stdout must be byte-identical. What is compared:
#
#  1. basics: pid 0 / getpid() / -1 / INT_MIN / INT_MAX / a pid that cannot exist, NULL
#     out-pointers, sd_peer_get_* over stream and datagram socketpairs (the peer is the process
#     itself), a pipe, unconnected AF_UNIX and AF_INET sockets, closed and negative fds.
#  2. crafted /proc/PID/cgroup: in a private mount namespace per batch, a regular file is bound
#     over /proc/PID/cgroup of one sleeping process per case (and over /proc/1/cgroup for the
#     root shift systemd makes with PID 1's cgroup), so that both libraries read the same bytes:
#     ~70 paths (escaped unit names, nested slices, user managers, sessions, machines, the root,
#     garbage) written as each layout writes them, plus raw contents (line endings, NULs,
#     " (deleted)", v1 controller lists with backslashes, empty files), under the layouts 252
#     tells apart by statfs(): cgroup2 on /sys/fs/cgroup, hybrid (tmpfs + cgroup2 at unified/ +
#     v1 name=systemd at systemd/), legacy (tmpfs + v1 name=systemd), the v232 hybrid (cgroup2 at
#     systemd/), sysfs there, an empty tmpfs, a tmpfs with a plain systemd/ directory; and five
#     PID 1 cgroups (the host's, /lxc/c1/init.scope, /lxc/c1/system.slice, /system, no line).
#     /run/systemd/machines is a tmpfs there with unit:NAME links for sd_pid_get_machine_name.
#     Under the first three layouts and two of the roots, every case is also a peer: a process
#     listening on an abstract socket, its /proc/PID/cgroup the case's file, asked about through
#     sd_peer_get_* on a connection to it (252 maps nothing to -ENODATA there). One batch (hybrid,
#     PID 1 in /lxc/c1) also runs sdlite's pids and peers under valgrind memcheck: no error, no
#     leak (definite or indirect), the same output as 252's.
#  3. real cgroups: directories made in the host's cgroup2 and v1 name=systemd hierarchies
#     (escaped names, nested slices, a user manager, a session, a machine scope), sleepers moved
#     into them, and the probe itself moved into one (pid 0); read under the host's layout and,
#     in private mount namespaces, as pure cgroup2 and as legacy; removed afterwards.
#  4. pidfds (sdlite only): "pidfds" mode prints the same lines through sd_pidfd_get_*; for
#     every pid of sections 2 and 3 they must equal 252's sd_pid_get_* lines; and the error
#     rows (negative, closed, non-pidfd fds, a zombie, a reaped child) as expected.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 24-diff-login-pid: sd_pid_get_* / sd_peer_get_* against libsystemd 252, sd_pidfd_get_*"
need gcc readelf cmp diff unshare mount
[ -f /usr/include/systemd/sd-login.h ] || skip_or_fail "no /usr/include/systemd/sd-login.h (apt-get install -y libsystemd-dev)"
need_reference_and_build
scratch T
chmod 755 "$T"
bin=$T/login-pid-diff

build_against_reference login-pid-diff login/login-pid-diff.c sd_pid_get_user_slice@LIBSYSTEMD_220 || finish

# probe LIB ARGS...: run the probe on the system library (sys) or sdlite (sd); stdout only.
probe() {
    local lib=$1
    shift
    if [ "$lib" = sd ]; then
        env -u LD_PRELOAD LD_LIBRARY_PATH="$SDLITE_BUILD" "$bin" "$@" 2>>"$T/probe.err"
    else
        env -u LD_PRELOAD -u LD_LIBRARY_PATH "$bin" "$@" 2>>"$T/probe.err"
    fi
}

# compare WHAT FILE-SYS FILE-SD
compare() {
    local what=$1 a=$2 b=$3
    if cmp -s "$a" "$b"; then
        pass "$what: identical on 252 and sdlite ($(wc -l <"$a") lines)"
    else
        fail "$what: 252 (-) and sdlite (+) differ in $(diff "$a" "$b" | grep -c '^[<>]') lines; first:"
        diff -U0 "$a" "$b" | grep '^-[^-]' | head -n 20 | sed 's/^/     /'
        diff -U0 "$a" "$b" | grep '^+[^+]' | head -n 20 | sed 's/^/     /'
    fi
}

# ------------------------------------------------------------ 1. basics
probe sys basics >"$T/basics.sys"
probe sys basics >"$T/basics.sys2"
probe sd basics >"$T/basics.sd"
cmp -s "$T/basics.sys" "$T/basics.sys2" || fail "two runs of 'basics' on 252 differ: the test is broken"
grep -q '^socketpair cgroup -> 0 ' "$T/basics.sys" || fail "252's basics output lacks the socketpair rows"
compare "basics (pids 0/self/-1/absent, NULL pointers, peers of socketpairs, pipes, unconnected and closed fds)" \
    "$T/basics.sys" "$T/basics.sd"
row() { # LINE DESCRIPTION: LINE must be in 252's output of FILE
    if grep -qxF -- "$2" "$1"; then pass "252 row: $3"; else fail "252 row missing: $3 ('$2')"; fi
}
row "$T/basics.sys" 'negative unit -> -EINVAL untouched' "pid -1 is -EINVAL"
row "$T/basics.sys" 'no-such-pid cgroup -> -ESRCH untouched' "a pid that does not exist is -ESRCH"
row "$T/basics.sys" 'pipe unit -> -ENOTSOCK untouched' "a pipe has no peer: -ENOTSOCK"
row "$T/basics.sys" 'unconnected unit -> -ENODATA untouched' "an unconnected socket has no peer pid: -ENODATA"
row "$T/basics.sys" 'negative-fd unit -> -EBADF untouched' "a negative fd is -EBADF"
row "$T/basics.sys" 'NULL pid cgroup -> -EINVAL' "a NULL out-pointer is -EINVAL"

# ------------------------------------------------------------ 2. crafted /proc/PID/cgroup
if ! unshare -m --propagation private true 2>"$T/unshare.err"; then
    cat "$T/unshare.err"
    skip_or_fail "sections 2-4 need root and mount namespaces (section 1 passed: $CHECK_PASSED checks)"
fi
if ! unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup && mkdir /sys/fs/cgroup/s &&
        mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/s' 2>"$T/v1.err"; then
    cat "$T/v1.err"
    skip_or_fail "cannot mount the v1 name=systemd hierarchy (needed for the hybrid and legacy layouts)"
fi

VALGRIND=$(command -v valgrind)
[ -n "$VALGRIND" ] || info "no valgrind: the memcheck run of one batch is left out (make deps installs it)"
mkdir "$T/cases"
# Paths, written into each layout's line format. NAME PATH (PATH may be empty: printf %s).
PATHS=(
    root /
    empty ''
    init /init.scope
    service /system.slice/foo.service
    escaped-dash '/system.slice/foo\x2dbar.service'
    escaped-underscore /system.slice/_cpu.service
    escaped-slice '/_a.slice/_cgroup.procs.service'
    instance '/system.slice/system-getty.slice/getty@tty1.service'
    template /system.slice/getty@.service
    at-first /system.slice/@tty1.service
    nested '/a.slice/a-b.slice/a-b-c.slice/x.service'
    nested-sub '/a.slice/a-b.slice/a-b-c.slice/x.service/sub/more'
    slices-only '/a.slice/a-b.slice/a-b-c.slice'
    slice-alone /a-b-c.slice
    instance-slice '/a.slice/x@y.slice/z.service'
    user-manager '/user.slice/user-1000.slice/user@1000.service/app.slice/x.service'
    user-manager-sub '/user.slice/user-1000.slice/user@1000.service/app.slice/app-a.slice/y.service/z'
    user-manager-init '/user.slice/user-1000.slice/user@1000.service/init.scope'
    user-manager-bare '/user.slice/user-1000.slice/user@1000.service'
    user-manager-bad-uid '/user.slice/user-1000.slice/user@01.service/x.service'
    user-manager-65535 '/user.slice/user-65535.slice/user@65535.service/x.service'
    user-manager-max '/user.slice/user-4294967294.slice/user@4294967294.service/x.service'
    user-manager-overflow '/user.slice/user-4294967296.slice/user@4294967296.service/x.service'
    user-manager-noslice '/user@1000.service/x.service'
    session '/user.slice/user-1000.slice/session-4.scope'
    session-sub '/user.slice/user-1000.slice/session-c12.scope/x.service'
    session-empty-id '/user.slice/user-1000.slice/session-.scope'
    session-bad-id '/user.slice/user-1000.slice/session-a_b.scope'
    session-escaped '/user.slice/user-1000.slice/_session-4.scope'
    user-slice-zero '/user.slice/user-0.slice/x.service'
    user-slice-leading0 '/user.slice/user-01.slice/x.service'
    user-slice-plain '/user-1000.slice'
    user-slice-escaped '/user.slice/_user-1000.slice/x.service'
    machine '/machine.slice/machine-foo.scope'
    machine-escaped '/machine.slice/machine-qemu\x2d1\x2dvm.scope/payload'
    machine-unregistered /machine.slice/machine-bar.scope
    machine-odd-target /system.slice/odd.service
    double-slash '//system.slice//foo.service//'
    no-leading-slash system.slice/foo.service
    dot-component /./system.slice/foo.service
    spaces '/system.slice/a b.service'
    unknown-type /system.slice/foo.unknown
    no-type /system.slice/foo
    short /ab
    short-slice /x.slice
    dot-service /.service
    long-name "/system.slice/$(printf 'a%.0s' $(seq 1 247)).service"
    too-long-name "/system.slice/$(printf 'a%.0s' $(seq 1 248)).service"
    huge-component "/$(printf 'b%.0s' $(seq 1 300)).slice/x.service"
    unit-then-slice /x.service/y.slice
    scope-in-service /system.slice/foo.service/init.scope
    colon '/system.slice/a:b.service'
    backslash '/system.slice/a\b.service'
    utf8 $'/system.slice/caf\xc3\xa9.service'
    deleted '/system.slice/foo.service (deleted)'
    deleted-twice '/system.slice/foo.service (deleted) (deleted)'
    lxc-inside /lxc/c1/system.slice/a.service
    lxc-root /lxc/c1
    lxc-other /lxc/c10/x.service
    lxc-messy '//lxc/./c1//user.slice/user-5.slice/session-9.scope'
    lxc-session /lxc/c1/user.slice/user-1000.slice/session-3.scope
    system-legacy /system/foo.service
)
# Raw file contents, the same under every layout. NAME PRINTF-FORMAT
RAW=(
    raw-empty ''
    raw-newline '\n'
    raw-garbage 'garbage\n'
    raw-zero-colon '0:\n'
    raw-zero-two '0::\n'
    raw-no-newline '0::/system.slice/a.service'
    raw-crlf '1:name=systemd:/system.slice/v1.service\r\n0::/system.slice/crlf.service\r\n'
    raw-cr-only '1:name=systemd:/v1.service\r0::/system.slice/cr.service\r'
    raw-nul-lines '0::/system.slice/n1.service\0\n0::/b.service\n'
    raw-nul-inside '0::/system.slice/ab\0cd.service\n'
    raw-two-unified '0::/first.service\n0::/second.service\n'
    raw-blank-first '\n\n\n0::/system.slice/late.service\n'
    raw-v1-list '5:cpu,name=systemd,memory:/system.slice/list.service\n0::/'
    raw-v1-escaped '5:name\\=systemd:/system.slice/esc.service\n0::/'
    raw-v1-trailing-backslash '5:cpu\\:/x\n1:name=systemd:/system.slice/after.service\n0::/'
    raw-v1-colon-path '1:name=systemd:/system.slice/a:b.service\n0::/system.slice/c:d.service\n'
    raw-v1-empty-word '1:,name=systemd,:/system.slice/words.service\n0::/\n'
    raw-v1-other-name '1:name=systemdx:/system.slice/no.service\n0::/'
    raw-zero-v1 '0:name=systemd:/system.slice/zero.service\n'
    raw-deleted-v1 '1:name=systemd:/system.slice/d.service (deleted)\n0::/system.slice/d2.service (deleted)\n'
)
for ((i = 0; i < ${#RAW[@]}; i += 2)); do
    # shellcheck disable=SC2059 # the format is the point
    printf "${RAW[i + 1]}" >"$T/cases/${RAW[i]}"
done
# A line of 1 MiB + 1 before the one that matters: 252 stops there (-ENOBUFS).
{ printf '7:x:'; head -c 1048577 /dev/zero | tr '\0' a; printf '\n0::/system.slice/late.service\n'; } >"$T/cases/raw-long-line"
# Exactly 1 MiB - 1 bytes: still a line.
{ printf '0::/'; head -c $((1048576 - 5)) /dev/zero | tr '\0' a; printf '\n'; } >"$T/cases/raw-max-line"

# write_paths LAYOUT: the path cases in that layout's format, into $T/cases-LAYOUT/
write_paths() {
    local layout=$1 dir=$T/cases-$1 i
    mkdir -p "$dir"
    for ((i = 0; i < ${#PATHS[@]}; i += 2)); do
        local p=${PATHS[i + 1]}
        case $layout in
            unified) printf '0::%s\n' "$p" ;;
            legacy|tmpfs-dir) printf '12:cpu,cpuacct:/elsewhere\n1:name=systemd:%s\n0::/v2-only\n' "$p" ;;
            *) printf '12:cpu:/x\n1:name=systemd:/v1-side\n0::%s\n' "$p" ;;
        esac >"$dir/${PATHS[i]}"
    done
}

# The script run inside each private mount namespace: set up LAYOUT, the machines directory,
# PID 1's file (or none), one sleeper per case file with the file bound over its
# /proc/PID/cgroup; then the probe on both libraries, with the labels of those sleepers and
# of any LABEL=PID given. Prints nothing on stdout but the probe's.
cat >"$T/inner.sh" <<'EOF'
set -eu
layout=$1 pid1=$2 casedirs=$3 bin=$4 build=$5 out=$6
shift 6
. "$SDLITE_ROOT/tests/lib/login.sh" # the layouts and the machine links, shared with 33
login_cgroup_layout "$layout"
# A tmpfs of our own for the machine links (tests/lib/login.sh), two more of them here.
login_machines
ln -s 'odd target/with "quotes"' '/run/systemd/machines/unit:odd.service'
mkdir '/run/systemd/machines/unit:a.service'
[ "$pid1" = - ] || mount -n --bind "$pid1" /proc/1/cgroup
labels=()
sleepers=()
# whatever happens, no sleeper or listener outlives this script
trap '[ ${#sleepers[@]} -eq 0 ] || kill "${sleepers[@]}" 2>/dev/null' EXIT
IFS=: read -r -a dirs <<<"$casedirs"
for d in "${dirs[@]}"; do
    [ -n "$d" ] || continue
    for f in "$d"/*; do
        sleep 1000 </dev/null >/dev/null 2>&1 &
        sleepers+=($!)
        mount -n --bind "$f" /proc/$!/cgroup
        labels+=("$(basename "$f")=$!")
    done
done
labels+=("$@" init=1)
env -u LD_PRELOAD -u LD_LIBRARY_PATH "$bin" pids "${labels[@]}" >"$out.sys" 2>>"$out.err"
env -u LD_PRELOAD LD_LIBRARY_PATH="$build" "$bin" pids "${labels[@]}" >"$out.sd" 2>>"$out.err"
env -u LD_PRELOAD LD_LIBRARY_PATH="$build" "$bin" pidfds "${labels[@]}" >"$out.pidfd" 2>>"$out.err"
# memcheck NAME ARGS...: once (VG=1), the sdlite run of the probe with ARGS again under valgrind
# memcheck (no error, nothing leaked): its log in $out.NAME, stdout in $out.NAME.out, exit status
# in $out.NAME.rc.
memcheck() {
    local name=$1 rc=0
    shift
    [ "${VG:-0}" = 1 ] || return 0
    env -u LD_PRELOAD LD_LIBRARY_PATH="$build" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --log-file="$out.$name" "$bin" "$@" \
        >"$out.$name.out" 2>>"$out.err" || rc=$?
    echo "$rc" >"$out.$name.rc"
}
memcheck vg pids "${labels[@]}"
# Peers: one listening process per case (SO_PEERCRED gives a connecting socket its pid), its
# /proc/PID/cgroup the case's file; all started first, then waited for (each writes its ready
# file after listen()), then asked through sd_peer_get_*.
if [ "${PEERS:-0}" = 1 ]; then
    peer_args=()
    files=()
    i=0
    for d in "${dirs[@]}"; do
        [ -n "$d" ] || continue
        for f in "$d"/*; do
            i=$((i + 1))
            "$bin" listen "sdlite-peer-$$-$i" "$out.ready.$i" </dev/null >/dev/null 2>>"$out.err" &
            sleepers+=($!)
            files+=("$f")
            peer_args+=("$(basename "$f")=sdlite-peer-$$-$i")
        done
    done
    for ((j = 1; j <= i; j++)); do
        n=0
        while [ ! -e "$out.ready.$j" ]; do
            n=$((n + 1))
            [ $n -le 600 ] || { echo "listener $j not ready after 60 s" >&2; exit 1; }
            sleep 0.1
        done
        mount -n --bind "${files[j - 1]}" "/proc/$(cat "$out.ready.$j")/cgroup"
    done
    env -u LD_PRELOAD -u LD_LIBRARY_PATH "$bin" peers "${peer_args[@]}" >"$out.peer.sys" 2>>"$out.err"
    env -u LD_PRELOAD LD_LIBRARY_PATH="$build" "$bin" peers "${peer_args[@]}" >"$out.peer.sd" 2>>"$out.err"
    memcheck vgp peers "${peer_args[@]}"
fi
for p in "${sleepers[@]}"; do kill "$p"; done
sleepers=()
wait
EOF

# Host PID 1's own file, and four crafted ones.
cp /proc/1/cgroup "$T/pid1-host"
printf '1:name=systemd:/lxc/c1/init.scope\n0::/lxc/c1/init.scope\n' >"$T/pid1-lxc"
printf '1:name=systemd:/lxc/c1/system.slice\n0::/lxc/c1/system.slice\n' >"$T/pid1-legacy-system-slice"
printf '1:name=systemd:/system\n0::/system\n' >"$T/pid1-system"
printf '3:cpu:/\n' >"$T/pid1-noline"

: >"$T/all.sys"
: >"$T/all.sd"
: >"$T/all.pidfd"
batches=0
peer_batches=0
: >"$T/peers.sys"
: >"$T/peers.sd"
# batch LAYOUT PID1-NAME CASEDIRS [LABEL=PID...] (PEERS=1: the peer section too)
batch() {
    local layout=$1 pid1=$2 dirs=$3 o=$T/out
    shift 3
    local p1=-
    [ "$pid1" = host ] || p1=$T/pid1-$pid1
    rm -f "$o".*
    if ! unshare -m --propagation private bash "$T/inner.sh" "$layout" "$p1" "$dirs" "$bin" "$SDLITE_BUILD" "$o" "$@" </dev/null; then
        tail -n 5 "$o.err" 2>/dev/null
        fail "batch $layout / PID 1 $pid1: the namespace script failed"
        return
    fi
    local f
    for f in sys sd pidfd; do
        printf '## %s, PID 1 %s\n' "$layout" "$pid1" >>"$T/all.$f"
        cat "$o.$f" >>"$T/all.$f"
    done
    if [ "${VG:-0}" = 1 ]; then
        if [ "$(cat "$o.vg.rc")" = 0 ] && cmp -s "$o.sys" "$o.vg.out" &&
            [ "$(cat "$o.vgp.rc")" = 0 ] && cmp -s "$o.peer.sys" "$o.vgp.out"; then
            pass "$layout, PID 1 $pid1: under valgrind memcheck, sd_pid_get_* and sd_peer_get_* on sdlite: no error, no leak, output = 252's"
        else
            sed 's/^/     /' "$o.vg" "$o.vgp" | head -n 40
            fail "$layout, PID 1 $pid1 under valgrind: exit $(cat "$o.vg.rc") / $(cat "$o.vgp.rc"), or output differs from 252's"
        fi
    fi
    if [ "${PEERS:-0}" = 1 ]; then
        for f in sys sd; do
            printf '## %s, PID 1 %s\n' "$layout" "$pid1" >>"$T/peers.$f"
            cat "$o.peer.$f" >>"$T/peers.$f"
        done
        peer_batches=$((peer_batches + 1))
    fi
    batches=$((batches + 1))
}

for layout in unified hybrid legacy; do
    write_paths "$layout"
    for pid1 in host lxc legacy-system-slice system noline; do
        peers=0 vg=0
        case $pid1 in host|lxc) peers=1 ;; esac
        [ "$pid1" = lxc ] && [ "$layout" = hybrid ] && [ -n "$VALGRIND" ] && vg=1
        VG=$vg PEERS=$peers batch "$layout" "$pid1" "$T/cases-$layout:$T/cases"
    done
done
# The layouts that only decide between lines (or fail): a few paths are enough.
mkdir "$T/few"
for n in service user-manager session root raw-crlf raw-v1-list; do
    [ -e "$T/cases-hybrid/$n" ] && cp "$T/cases-hybrid/$n" "$T/few/$n"
    [ -e "$T/cases/$n" ] && cp "$T/cases/$n" "$T/few/$n"
done
for layout in v232 sysfs tmpfs-empty tmpfs-dir; do
    batch "$layout" host "$T/few"
done

lines=$(wc -l <"$T/all.sys")
if [ "$batches" -eq 19 ] && [ "$lines" -gt 10000 ]; then
    pass "crafted /proc/PID/cgroup: 19 batches (8 layouts, 5 PID 1 cgroups), $lines lines from 252"
else
    fail "crafted /proc/PID/cgroup: only $batches of 19 batches ran ($lines lines)"
fi
compare "crafted /proc/PID/cgroup under every layout and root" "$T/all.sys" "$T/all.sd"
A=$T/all.sys
row "$A" 'escaped-dash unit -> 0 "foo\x5cx2dbar.service"' "an escaped '-' stays escaped in the unit name"
row "$A" 'escaped-underscore unit -> 0 "cpu.service"' "a '_' cgroup escape is removed"
row "$A" 'nested slice -> 0 "a-b-c.slice"' "the innermost of nested slices"
row "$A" 'user-manager user_unit -> 0 "x.service"' "the unit inside user@1000.service"
row "$A" 'user-manager owner_uid -> 0 1000' "owner UID from user-1000.slice"
row "$A" 'session session -> 0 "4"' "session ID from session-4.scope"
row "$A" 'machine machine_name -> 0 "foo"' "machine name from /run/systemd/machines/unit:machine-foo.scope"
row "$A" 'machine-unregistered machine_name -> -ENOENT untouched' "no machine registered for the scope: -ENOENT"
row "$A" 'root unit -> -ENODATA untouched' "the root cgroup has no unit"
row "$A" 'root cgroup -> 0 "/"' "the root cgroup is \"/\""
row "$A" 'raw-empty cgroup -> -ENODATA untouched' "an empty cgroup file is -ENODATA"
row "$A" 'raw-long-line cgroup -> -ENOBUFS untouched' "a line of 1 MiB or more is -ENOBUFS"
row "$A" 'lxc-inside unit -> 0 "a.service"' "paths below PID 1's /lxc/c1 are shifted"
plines=$(wc -l <"$T/peers.sys")
if [ "$peer_batches" -eq 6 ] && [ "$plines" -gt 4000 ]; then
    pass "peers in crafted cgroups: 6 batches (cgroup2, hybrid, legacy; host and /lxc/c1 roots), $plines lines from 252"
else
    fail "peers in crafted cgroups: $peer_batches of 6 batches ran ($plines lines)"
fi
compare "sd_peer_get_* with peers in crafted cgroups" "$T/peers.sys" "$T/peers.sd"
row "$T/peers.sys" 'peer:root unit -> -ENXIO untouched' "sd_peer_get_unit gives -ENXIO where sd_pid_get_unit gives -ENODATA"
row "$T/peers.sys" 'peer:user-manager user_unit -> 0 "x.service"' "the user unit of a peer"

# ------------------------------------------------------------ 3. real cgroups
V2=/sys/fs/cgroup/unified
V1=/sys/fs/cgroup/systemd
[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] && V2=/sys/fs/cgroup
real_ok=1
[ -w "$V2/cgroup.procs" ] || real_ok=0
[ "$(stat -f -c %T "$V1" 2>/dev/null)" = cgroupfs ] || V1=
top=sdlt$$.slice
REAL=(
    "$top/sdlt$$-a.slice/foo\\x2dbar.service"
    "$top/_cpu.service"
    "$top/user-1000.slice/user@1000.service/app.slice/x.service"
    "$top/user-1000.slice/session-7.scope"
    "$top/machine-foo.scope"
    "$top/sdlt$$-a.slice/probe.service"
)
real_pids=()
cleanup_real() {
    local p d h
    for p in "${real_pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    for h in "$V2" ${V1:+"$V1"}; do
        [ -d "$h/$top" ] || continue
        # deepest first
        find "$h/$top" -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
    done
}
trap 'cleanup_real; check__cleanup' EXIT
if [ $real_ok = 1 ]; then
    real_labels=()
    for ((i = 0; i < ${#REAL[@]} - 1; i++)); do
        rel=${REAL[i]}
        for h in "$V2" ${V1:+"$V1"}; do mkdir -p "$h/$rel"; done
        # shellcheck disable=SC2217 # no terminal or pipe of ours held by the sleeper
        sleep 1000 </dev/null >/dev/null 2>&1 &
        p=$!
        real_pids+=("$p")
        for h in "$V2" ${V1:+"$V1"}; do echo "$p" >"$h/$rel/cgroup.procs"; done
        real_labels+=("real$i=$p")
    done
    probe_rel=${REAL[-1]}
    for h in "$V2" ${V1:+"$V1"}; do mkdir -p "$h/$probe_rel"; done
    # The probe itself in a real cgroup, asked about pid 0.
    inself() { # LIB [WRAPPER...]: the probe, moved into $probe_rel first, asked about pid 0
        local lib=$1
        shift
        local ld=(env -u LD_PRELOAD -u LD_LIBRARY_PATH)
        [ "$lib" = sd ] && ld=(env -u LD_PRELOAD LD_LIBRARY_PATH="$SDLITE_BUILD")
        sh -c 'for h in "$0" "$1"; do [ -z "$h" ] || echo $$ >"$h/cgroup.procs" || exit 1; done; shift; exec "$@"' \
            "$V2/$probe_rel" "${V1:+$V1/$probe_rel}" "$@" "${ld[@]}" "$bin" pids self=0 "${real_labels[@]}" 2>>"$T/probe.err"
    }
    for lib in sys sd; do
        inself $lib >"$T/real-host.$lib"
        inself $lib unshare -m --propagation private sh -c 'mount -n -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
            >"$T/real-unified.$lib"
        if [ -n "$V1" ]; then
            inself $lib unshare -m --propagation private sh -c 'mount -n -t tmpfs x /sys/fs/cgroup && mkdir /sys/fs/cgroup/systemd &&
                mount -n -t cgroup -o none,name=systemd c /sys/fs/cgroup/systemd && exec "$@"' sh >"$T/real-legacy.$lib"
        else
            : >"$T/real-legacy.$lib"
        fi
    done
    cat "$T"/real-{host,unified,legacy}.sys >"$T/real.sys"
    [ -s "$T/real-host.sys" ] || { fail "the probe in a real cgroup printed nothing:"; tail -n 5 "$T/probe.err"; }
    cat "$T"/real-{host,unified,legacy}.sd >"$T/real.sd"
    compare "real cgroup directories (host layout, cgroup2, legacy)" "$T/real.sys" "$T/real.sd"
    row "$T/real.sys" "real0 unit -> 0 \"foo\\x5cx2dbar.service\"" "a real cgroup 'foo\\x2dbar.service' is that unit"
    row "$T/real.sys" "real0 slice -> 0 \"sdlt$$-a.slice\"" "a real nested slice"
    row "$T/real.sys" 'real1 unit -> 0 "cpu.service"' "a real '_cpu.service' directory is cpu.service"
    row "$T/real.sys" 'real2 user_unit -> 0 "x.service"' "a real user manager's unit"
    row "$T/real.sys" 'real3 session -> 0 "7"' "a real session scope"
    row "$T/real.sys" 'self unit -> 0 "probe.service"' "pid 0 in a real cgroup"
    if [ -n "$V1" ] && grep -q 'self cgroup -> 0 "/' "$T/real-legacy.sys"; then
        pass "the legacy layout read the v1 name=systemd memberships"
    elif [ -n "$V1" ]; then
        fail "the legacy run did not see the v1 memberships"
    fi
    # The pidfd forms, for the real sleepers (on the host's layout).
    probe sd pidfds "${real_labels[@]}" >"$T/real-pidfd.sd"
    probe sys pids "${real_labels[@]}" >"$T/real-pids.sys"
    compare "sd_pidfd_get_* on sdlite = sd_pid_get_* on 252, real cgroups" "$T/real-pids.sys" "$T/real-pidfd.sd"
    cleanup_real
    real_pids=()
    left=$(find "$V2/$top" ${V1:+"$V1/$top"} -maxdepth 0 2>/dev/null | wc -l)
    if [ "$left" = 0 ]; then pass "the real cgroup directories were removed"; else fail "$left test cgroup trees left behind"; fi
else
    info "SKIP real cgroups: $V2/cgroup.procs is not writable"
fi

# ------------------------------------------------------------ 4. pidfds
compare "sd_pidfd_get_* on sdlite = sd_pid_get_* on 252, every crafted case" "$T/all.sys" "$T/all.pidfd"
probe sd pidfd-errors >"$T/pidfd-errors"
expect_row() {
    if grep -qxF -- "$1" "$T/pidfd-errors"; then pass "pidfd: $2"; else
        fail "pidfd: $2: no line '$1'"
        sed 's/^/     /' "$T/pidfd-errors"
    fi
}
expect_row 'negative-fd cgroup -> -EBADF untouched' "a negative fd is -EBADF"
expect_row 'negative-fd owner_uid -> -EBADF untouched' "a negative fd is -EBADF for owner_uid too (254: -EINVAL)"
expect_row 'closed-fd unit -> -EBADF untouched' "a closed fd is -EBADF"
expect_row 'not-a-pidfd unit -> -ENOTTY untouched' "an fd that is not a pidfd is -ENOTTY"
expect_row 'not-a-pidfd cgroup(NULL) -> -EINVAL' "a NULL out-pointer is -EINVAL"
if grep -q '^zombie-child cgroup -> 0 "/' "$T/pidfd-errors"; then
    pass "pidfd: an exited, not yet reaped child still answers"
else
    fail "pidfd: the zombie child did not answer: $(grep '^zombie-child cgroup' "$T/pidfd-errors")"
fi
expect_row 'reaped-child unit -> -ESRCH untouched' "a reaped child is -ESRCH"
expect_row 'reaped-child owner_uid -> -ESRCH untouched' "a reaped child is -ESRCH for owner_uid"
grep -q '^fds: leaked' "$T/pidfd-errors" "$T"/all.* "$T/basics.sd" && fail "the probe leaked fds"

finish
