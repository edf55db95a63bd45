#!/usr/bin/env bash
# 20-diff-notify.sh -- differential tests of the notify family against libsystemd 252:
# sd_notify, sd_notifyf, sd_pid_notify, sd_pid_notifyf, sd_pid_notify_with_fds, sd_notify_barrier,
# sd_watchdog_enabled, sd_booted.
#
#   a. each program in c-tests/diff/ (notify-diff, notify-diff-barrier, notify-diff-watchdog) is
#      compiled ONCE against Debian's <systemd/sd-daemon.h> and -lsystemd (libsystemd-dev; NOT
#      sdlite's pkg-config) and must import versioned sd_* symbols from libsystemd.so.0
#   b. it runs on the system library NOTIFY_DIFF_REF_RUNS times (default 2): the runs must agree
#      (otherwise the test, not sdlite, is broken) and must have mapped $SYSTEM_LIBSYSTEMD
#   c. the same binary runs with LD_LIBRARY_PATH=$SDLITE_BUILD: it must have mapped a library
#      under $SDLITE_BUILD, exit 0, and print byte-identical stdout (the diff is shown otherwise)
#   d. c-tests/notify-254.c (sd_pid_notifyf_with_fds, sd_pid_notify_barrier, vsock forms: not in
#      252, so not differential) is built against sdlite's header and library via pkg-config and
#      run; it asserts the expected behaviour itself.
# The programs print on stderr the libsystemd they mapped ("libsystemd: PATH"); stderr is not
# compared. Needs root: credential cases drop to uid 65534, sd_booted cases unshare a mount
# namespace (tmpfs on /run there; the host's /run is not touched).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 20-diff-notify: the notify family on libsystemd 252 vs sdlite, same binaries"
NOTIFY_DIFF_REF_RUNS=${NOTIFY_DIFF_REF_RUNS:-2}
DIFFDIR=$SDLITE_ROOT/c-tests/diff
PROGS="notify-diff notify-diff-barrier notify-diff-barrier-unset notify-diff-watchdog"
CFLAGS_T="-O1 -g -Wall -Wextra -Wno-format -Wno-format-security -Wno-format-zero-length -Wno-unused-function"

[ "$(id -u)" = 0 ] || skip_or_fail "needs root (credential cases drop to uid 65534; sd_booted cases unshare a mount namespace)"
need gcc readelf pkg-config timeout cmp diff
[ -e "$SYSTEM_HEADER" ] || skip_or_fail "no $SYSTEM_HEADER (apt-get install -y libsystemd-dev)"
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no system libsystemd at $SYSTEM_LIBSYSTEMD (apt-get install libsystemd0)"
SYSDIR=$(dirname "$SYSTEM_LIBSYSTEMD")
[ -e "$SYSDIR/libsystemd.so" ] || skip_or_fail "no $SYSDIR/libsystemd.so to link against (apt-get install -y libsystemd-dev)"
if [ ! -e "$SDLITE_BUILD/libsystemd.so.0" ]; then
    echo "FAIL: sdlite's library $SDLITE_BUILD/libsystemd.so.0 does not exist (run make first)"
    exit 1
fi
scratch T
chmod 755 "$T" # the programs make their scratch dirs in here (TMPDIR); uid-65534 children must reach them
SYS_REAL=$(readlink -f "$SYSTEM_LIBSYSTEMD")
BUILD_REAL=$(readlink -f "$SDLITE_BUILD")

# the "libsystemd: PATH" line a program printed on stderr
under_build() { case "$(readlink -f "${1:-/nonexistent}")" in "$BUILD_REAL"/*) return 0 ;; esac; return 1; }

# run PROG OUT ERR [LD_LIBRARY_PATH]: no LD_PRELOAD, TMPDIR=$T (a crashed run leaves nothing behind)
run() {
    local prog=$1 out=$2 err=$3 llp=${4:-}
    if [ -n "$llp" ]; then
        (cd "$T" && env -u LD_PRELOAD TMPDIR="$T" LD_LIBRARY_PATH="$llp" timeout 300 "$T/$prog" >"$out" 2>"$err")
    else
        (cd "$T" && env -u LD_PRELOAD -u LD_LIBRARY_PATH TMPDIR="$T" timeout 300 "$T/$prog" >"$out" 2>"$err")
    fi
}

# ------------------------------------------------------------------ a. build against the system
for p in $PROGS; do
    if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH \
        gcc $CFLAGS_T -o "$T/$p" "$DIFFDIR/$p.c" -L"$SYSDIR" -lsystemd >"$T/$p.build.log" 2>&1; then
        cat "$T/$p.build.log"
        echo "FAIL: cannot build $p against the system libsystemd"
        exit 1
    fi
    if readelf -dW "$T/$p" | grep -q 'NEEDED.*\[libsystemd\.so\.0\]' &&
        readelf -W --dyn-syms "$T/$p" | grep -q 'sd_[a-z_]*@LIBSYSTEMD_2[0-9][0-9]'; then
        pass "$p built against the system header, imports versioned sd_* symbols from libsystemd.so.0"
    else
        fail "$p does not import versioned sd_* symbols from libsystemd.so.0"
    fi
done

for p in $PROGS; do
    # -------------------------------------------------------------- b. reference runs
    reference_runs "$p" "$NOTIFY_DIFF_REF_RUNS" || continue
    pass "$p on the system library: $(wc -l <"$T/$p.ref1.out") lines, identical in $NOTIFY_DIFF_REF_RUNS runs"

    # -------------------------------------------------------------- c. the same binary on sdlite
    run "$p" "$T/$p.sdlite.out" "$T/$p.sdlite.err" "$SDLITE_BUILD"
    rc=$?
    used=$(lib_used "$T/$p.sdlite.err")
    if ! under_build "$used"; then
        fail "$p with LD_LIBRARY_PATH=$SDLITE_BUILD mapped '${used:-nothing}', not a library under $SDLITE_BUILD"
        continue
    fi
    if [ $rc -ne 0 ]; then
        grep -v '^libsystemd: ' "$T/$p.sdlite.err" | head -n 20
        fail "$p exits $rc on sdlite (0 on the system library); the diff shows where it stopped"
    fi
    same_as_reference "$p" "$T/$p.sdlite.out" "sdlite ($used)"
done

# ------------------------------------------------------------------ d. notify-254 on sdlite's header
# only sdlite's .pc: no fallback to libsystemd-dev's in pkg-config's default directories
pc() { PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH" pkg-config "$@" libsystemd 2>/dev/null; }
pc_cflags=$(pc --cflags)
pc_libs=$(pc --libs)
pc_libdir=$(pc --variable=libdir)
if [ -z "$pc_libs" ]; then
    fail "pkg-config finds no libsystemd.pc in PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
elif ! under_build "$pc_libdir/x" && ! grep -q -- "-L$SDLITE_BUILD\( \|/\|$\)" <<<"$pc_libs"; then
    fail "pkg-config libsystemd does not point at $SDLITE_BUILD (libdir=$pc_libdir, libs=$pc_libs)"
elif ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH \
    gcc $CFLAGS_T $pc_cflags -o "$T/notify-254" "$SDLITE_ROOT/c-tests/notify-254.c" $pc_libs \
    >"$T/notify-254.build.log" 2>&1; then
    head -n 40 "$T/notify-254.build.log"
    fail "cannot build c-tests/notify-254.c against sdlite's header and library ($pc_cflags $pc_libs)"
else
    run notify-254 "$T/notify-254.out" "$T/notify-254.err" "$SDLITE_BUILD"
    rc=$?
    used=$(lib_used "$T/notify-254.err")
    summary=$(sed -n 's/^# \([0-9]* passed, [0-9]* failed\)$/\1/p' "$T/notify-254.out")
    if ! under_build "$used"; then
        fail "notify-254 mapped '${used:-nothing}', not a library under $SDLITE_BUILD"
    elif [ $rc -ne 0 ]; then
        grep -v '^ok ' "$T/notify-254.out"
        grep -v '^libsystemd: ' "$T/notify-254.err" | head -n 20
        fail "notify-254 exits $rc (${summary:-no summary})"
    else
        pass "notify-254 (sd_pid_notifyf_with_fds, sd_pid_notify_barrier, vsock forms): $summary"
    fi
fi

finish
