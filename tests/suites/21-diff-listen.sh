#!/usr/bin/env bash
# 21-diff-listen: socket activation and the fd checks, sdlite against libsystemd 252.
#
# c-tests/diff/listen-diff.c is built against Debian's <systemd/sd-daemon.h> and -lsystemd and
# run twice, on the system library and with LD_LIBRARY_PATH=$SDLITE_BUILD; stdout must be
# byte-identical (results, errno left behind, FD_CLOEXEC side effects, environment afterwards,
# *names).  Each run's /proc/self/maps line (stderr) must name the library it was meant to
# load.  A third run, sdlite under valgrind, must show no invalid access, bad free or leak.
# c-tests/listen-pidfdid.c (built on sdlite through pkg-config) checks $LISTEN_PIDFDID, which
# 252 does not know, so it is not part of the comparison.
#
# SDLITE_DIFF_IGNORE_ERRNO=1 compares without the errno annotations ("[ENOENT]").
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 21-diff-listen: sd_listen_fds*, sd_is_* against libsystemd 252"
need gcc cmp diff
if [ ! -f /usr/include/systemd/sd-daemon.h ] || [ ! -e "$SYSTEM_LIBSYSTEMD" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        info "installing libsystemd-dev (the reference header and library)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q libsystemd-dev >/dev/null 2>&1
    fi
    [ -f /usr/include/systemd/sd-daemon.h ] && [ -e "$SYSTEM_LIBSYSTEMD" ] ||
        skip_or_fail "libsystemd-dev is not installed (apt-get install -y libsystemd-dev)"
fi
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0 missing: run make first"; finish; }

sys_real=$(readlink -f "$SYSTEM_LIBSYSTEMD")
sd_real=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
scratch T
bin=$T/listen-diff
if ! gcc -std=gnu11 -O2 -Wall -Wextra -o "$bin" "$SDLITE_ROOT/c-tests/diff/listen-diff.c" -lsystemd 2>"$T/cc.err"; then
    cat "$T/cc.err"
    fail "building c-tests/diff/listen-diff.c against the system header and -lsystemd"
    finish
fi
[ -s "$T/cc.err" ] && { info "compiler warnings:"; sed 's/^/     /' "$T/cc.err"; }
pass "built listen-diff against /usr/include/systemd/sd-daemon.h with -lsystemd"

# run LABEL [env assignments...]: fresh scratch dir (same path each time), stdout/stderr to files
run() {
    local label=$1
    shift
    rm -rf "$T/run"
    mkdir "$T/run"
    env -u LD_LIBRARY_PATH -u LD_PRELOAD "$@" "$bin" "$T/run" >"$T/out.$label" 2>"$T/err.$label" </dev/null
}
maps_of() { sed -n 's/^maps: //p' "$T/err.$1" | sort -u; }

# ------------------------------------------------------------ the two compared runs
# compared_run N LABEL LIBNAME EXPECTED [env assignments...]: run N must exit 0 (else stop) and
# must have mapped EXPECTED
compared_run() {
    local n=$1 label=$2 name=$3 want=$4 rc
    shift 4
    run "$label" "$@"
    rc=$?
    [ $rc = 0 ] || { cat "$T/err.$label"; fail "run on $name exited $rc"; finish; }
    if [ "$(maps_of "$label")" = "$want" ]; then
        pass "run $n mapped $name ($want)"
    else
        fail "run $n mapped '$(maps_of "$label")', expected $want"
    fi
}
compared_run 1 sys "the system library" "$sys_real"
compared_run 2 sd sdlite "$sd_real" LD_LIBRARY_PATH="$SDLITE_BUILD"

# the output must be a full run, not an early exit that happens to match
lines=$(wc -l <"$T/out.sys")
head -n1 "$T/out.sys" | sed 's/^# listen-diff: /  .. /'
if tail -n1 "$T/out.sys" | grep -qx '# end' && [ "$lines" -gt 5000 ]; then
    pass "the reference run is complete ($lines lines, $(grep -c '^## ' "$T/out.sys") sections)"
else
    fail "the reference run is incomplete ($lines lines)"
fi
# a few rows of spec §6 (37-51) as 252 gives them, to show the program tests what it claims
# (errno annotations like "[EBADF]" left out)
sed -E 's/\[[A-Z0-9]+\]//g' "$T/out.sys" >"$T/plain.sys"
row() { # CASE-HEADER CALL-LINE-PREFIX DESCRIPTION: the call line under that case header
    if ROW_H=$1 ROW_C=$2 awk 'BEGIN { h = ENVIRON["ROW_H"]; c = ENVIRON["ROW_C"] }
            $0 == h { inside = 1; next } /^case / { inside = 0 }
            inside && index($0, c) == 1 { found = 1 } END { exit !found }' "$T/plain.sys"; then
        pass "252 row: $3"
    else
        fail "252 row missing: $3 (under '$1': '$2')"
    fi
}
row 'case PID="1" FDS="2" NAMES=<unset>' '   sd_listen_fds(1) -> 0 fds=--x- PID:unset FDS:unset NAMES:unset' \
    "LISTEN_PID of another process, unset=1 -> 0, every LISTEN_* removed (§6.37)"
row 'case PID=self FDS="0" NAMES=<unset>' '   sd_listen_fds(0) -> -EINVAL fds=--x- PID:kept FDS:kept' \
    'LISTEN_FDS=0 -> -EINVAL (§6.38)'
row 'case PID=self FDS="3" NAMES=<unset> [fd3 cloexec]' '   sd_listen_fds(0) -> -EBADF fds=ccx-' \
    "LISTEN_FDS=3 with fd 5 closed -> -EBADF, fds 3,4 keep FD_CLOEXEC (§6.40)"
row 'case PID=self FDS="4" NAMES=<unset>' '   sd_listen_fds(0) -> -EBADF fds=ccx-' \
    "LISTEN_FDS=4 with fd 5 closed -> -EBADF, fd 6 left alone (§6.40)"
row 'case PID=self FDS="2" NAMES="a"' '   with_names(1,&l) -> -EINVAL names=untouched fds=ccx- PID:unset FDS:unset NAMES:unset' \
    "names count mismatch -> -EINVAL, *names untouched, fds CLOEXEC, env removed (§6.43)"
row 'case PID=self FDS="1" NAMES="a\\:b"' '   with_names(0,&l) -> 1 names=["a:b"](1)' \
    'LISTEN_FDNAMES a\:b -> ["a:b"] (§6.41)'
row 'case PID=<unset> FDS=<unset> NAMES="a\\"' '   with_names(0,&l) -> -EINVAL names=untouched' \
    "trailing backslash -> -EINVAL even without LISTEN_PID (§6.42)"
if grep -qF '/dev/null | path mknod c 1:3 (same rdev as /dev/null) | sd_is_fifo -> 0 sd_is_special -> 1' "$T/plain.sys"; then
    pass "252 row: sd_is_special: another node with /dev/null's rdev matches (§5)"
elif ! grep -q '^# listen-diff: private namespaces yes' "$T/out.sys"; then
    info "not root: no mknod'ed device node"
else
    fail "252 row missing: sd_is_special on a mknod'ed node with /dev/null's rdev"
fi
if grep -qF '/dev/mqueue not mounted | path "/sdlite-q" (its own) | mq -> -ENOENT' "$T/plain.sys"; then
    pass "252 row: sd_is_mq with a path and no /dev/mqueue -> -ENOENT (§6.51)"
elif ! grep -q '^# listen-diff: private namespaces yes' "$T/out.sys"; then
    info "not root: /dev/mqueue cannot be unmounted/mounted privately"
else
    fail "252 row missing: sd_is_mq without /dev/mqueue"
fi

# ------------------------------------------------------------ the comparison
strip() { if [ "${SDLITE_DIFF_IGNORE_ERRNO:-0}" = 1 ]; then sed -E 's/\[[A-Z0-9]+\]//g' "$1"; else cat "$1"; fi; }
if cmp -s <(strip "$T/out.sys") <(strip "$T/out.sd"); then
    pass "stdout byte-identical on libsystemd 252 and sdlite ($lines lines, $(grep -c '^   \|^  \| -> ' "$T/out.sys") result lines)"
else
    ndiff=$(diff <(strip "$T/out.sys") <(strip "$T/out.sd") | grep -c '^[<>]')
    fail "stdout differs between libsystemd 252 (-) and sdlite (+): $ndiff lines; first differences:"
    # show each differing line with the case header it belongs to
    diff -U0 <(strip "$T/out.sys") <(strip "$T/out.sd") | head -n 60 | sed 's/^/     /'
    awk 'NR==FNR { a[FNR]=$0; next } a[FNR] != $0 { print FNR; exit }' "$T/out.sys" "$T/out.sd" | while read -r n; do
        hdr=$(head -n "$n" "$T/out.sys" | grep -E '^(case |## )' | tail -n1)
        info "first differing line $n belongs to: $hdr"
    done
fi

# ------------------------------------------------------------ sdlite under valgrind
if command -v valgrind >/dev/null; then
    run vg LD_LIBRARY_PATH="$SDLITE_BUILD" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect,possible --track-fds=no
    rc=$?
    # valgrind itself is mapped from its own preload, our library from SDLITE_BUILD
    if [ $rc = 0 ] && grep -qF "maps: $sd_real" "$T/err.vg" && ! grep -q '==[0-9]*==' "$T/err.vg"; then
        pass "valgrind: sdlite run clean (no invalid read/write, no bad free, no leak; names freed with free())"
    else
        sed 's/^/     /' "$T/err.vg" | head -n 60
        fail "valgrind run on sdlite: exit $rc"
    fi
    if cmp -s "$T/out.sd" "$T/out.vg"; then
        info "the valgrind run printed the same output as the plain sdlite run"
    else
        info "note: the valgrind run's output differs from the plain sdlite run (not compared):"
        diff -U0 "$T/out.sd" "$T/out.vg" | head -n 10 | sed 's/^/     /'
    fi
else
    skip_or_fail "valgrind not installed (make deps installs it)"
fi

# ------------------------------------------------------------ LISTEN_PIDFDID (sdlite only)
if command -v pkg-config >/dev/null && pkg-config --exists libsystemd; then
    rpath=()
    for f in $(pkg-config --libs-only-L libsystemd); do rpath+=("-Wl,-rpath,${f#-L}"); done
    # shellcheck disable=SC2046
    if gcc -std=gnu11 -O2 -Wall -Wextra -o "$T/listen-pidfdid" "$SDLITE_ROOT/c-tests/listen-pidfdid.c" \
            $(pkg-config --cflags --libs libsystemd) "${rpath[@]}" 2>"$T/cc2.err"; then
        "$T/listen-pidfdid" >"$T/pidfdid.out" 2>"$T/pidfdid.err" </dev/null
        rc=$?
        sed 's/^/     /' "$T/pidfdid.out"
        if ! grep -qF "maps: $sd_real" "$T/pidfdid.err"; then
            fail "listen-pidfdid did not map sdlite: $(cat "$T/pidfdid.err")"
        elif [ $rc = 0 ]; then
            pass "LISTEN_PIDFDID honoured by sdlite (own id, other id, malformed, unset, forked child)"
        else
            fail "LISTEN_PIDFDID checks on sdlite (exit $rc)"
        fi
        # for the record: 252 ignores the variable (and leaves it set with unset_environment=1)
        if gcc -std=gnu11 -O2 -w -o "$T/listen-pidfdid-252" "$SDLITE_ROOT/c-tests/listen-pidfdid.c" -lsystemd 2>/dev/null; then
            n252=$(env -u LD_LIBRARY_PATH "$T/listen-pidfdid-252" 2>/dev/null </dev/null | grep -c '^FAIL')
            info "libsystemd 252 does not know LISTEN_PIDFDID: it fails $n252 of these checks (expected; sdlite follows 258+)"
        fi
    else
        cat "$T/cc2.err"
        fail "building c-tests/listen-pidfdid.c against sdlite via pkg-config"
    fi
else
    fail "pkg-config finds no libsystemd (PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-}); is sdlite built?"
fi

finish
