#!/usr/bin/env bash
# 22-diff-journal.sh -- differential tests of the journal's send side against libsystemd 252:
# sd_journal_print, printv, send, sendv, perror, their *_with_location forms and the header's
# location macros, sd_journal_stream_fd, and sd_journal_stream_fd_with_namespace (256; sdlite only).
#
# Every run happens as root in a private mount namespace (unshare -m --propagation private) with a
# fresh tmpfs on /run/systemd and on /dev/shm, where c-tests/journal/fake-journald.c (started by
# the probe) plays journald: it binds /run/systemd/journal/{socket,stdout}, or puts the states the
# tests need there (absent, stale, wrong type, a file, a loop, ...), and records every datagram,
# passed fd (memfd contents, name, seals, mode) and stream connection as canonical text. The host's
# journal is never touched.
#
#   a. c-tests/journal/journal-diff.c (SD_JOURNAL_SUPPRESS_LOCATION) and journal-diff-macros.c
#      (built twice: with the location macros and with SD_JOURNAL_SUPPRESS_LOCATION) are compiled
#      ONCE against Debian's <systemd/sd-journal.h> and -lsystemd and must import versioned sd_*
#      symbols from libsystemd.so.0
#   b. each runs JDIFF_REF_RUNS times (default 2) on the system library: every run must exit 0,
#      map $SYSTEM_LIBSYSTEMD and print the same bytes (otherwise the test is broken, not sdlite),
#      and the output must hold records (a silent fake would make two empty outputs agree)
#   c. the same binary runs with LD_LIBRARY_PATH=$JDIFF_CANDIDATE (default $SDLITE_BUILD): it must
#      map the library there, exit 0 and print byte-identical output (the first differing lines are
#      shown otherwise)
#   d. c-tests/journal/journal-deliberate.c holds the inputs where sdlite deliberately differs
#      (252 crashes, hits its 1024-iovec limit, dies of SIGPIPE, lacks the 256 function); it
#      asserts 252's behaviour on the system library and sdlite's on the candidate, choosing by the
#      library the run maps
#   e. the two macro builds must print different records (the comparison sees CODE_* fields)
#
# JDIFF_CANDIDATE=/usr/lib/x86_64-linux-gnu runs the whole suite against libsystemd 252 on both
# sides: a self-test of the harness (d then expects 252's behaviour on both sides).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 22-diff-journal: the journal's send side on libsystemd 252 vs sdlite, same binaries"
JDIFF_REF_RUNS=${JDIFF_REF_RUNS:-2}
CANDIDATE=${JDIFF_CANDIDATE:-$SDLITE_BUILD}
SRC=$SDLITE_ROOT/c-tests/journal
CFLAGS_T=(-O1 -g -Wall -Wextra -Wno-format -Wno-format-security -Wno-format-zero-length -Wno-unused-function)

[ "$(id -u)" = 0 ] || skip_or_fail "needs root (a private mount namespace with tmpfs on /run/systemd and /dev/shm)"
need gcc readelf timeout cmp diff unshare mount
[ -e /usr/include/systemd/sd-journal.h ] || skip_or_fail "no /usr/include/systemd/sd-journal.h (apt-get install -y libsystemd-dev)"
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no system libsystemd at $SYSTEM_LIBSYSTEMD (apt-get install libsystemd0)"
SYSDIR=$(dirname "$SYSTEM_LIBSYSTEMD")
[ -e "$SYSDIR/libsystemd.so" ] || skip_or_fail "no $SYSDIR/libsystemd.so to link against (apt-get install -y libsystemd-dev)"
if [ ! -e "$CANDIDATE/libsystemd.so.0" ]; then
    echo "FAIL: the library under test $CANDIDATE/libsystemd.so.0 does not exist (run make first)"
    exit 1
fi
unshare -m --propagation private true 2>/dev/null ||
    skip_or_fail "cannot unshare a mount namespace here (unshare -m --propagation private)"
SYS_REAL=$(readlink -f "$SYSTEM_LIBSYSTEMD")
CAND_REAL=$(readlink -f "$CANDIDATE")
if [ "$(readlink -f "$CANDIDATE/libsystemd.so.0")" = "$SYS_REAL" ]; then
    info "JDIFF_CANDIDATE=$CANDIDATE is libsystemd 252 itself: a self-test of the harness"
fi
# The journal must be there to be compared: say so plainly instead of a loader error per probe.
missing=$(for s in sd_journal_print sd_journal_printv sd_journal_send sd_journal_sendv sd_journal_perror \
    sd_journal_print_with_location sd_journal_printv_with_location sd_journal_send_with_location \
    sd_journal_sendv_with_location sd_journal_perror_with_location sd_journal_stream_fd; do
    readelf -W --dyn-syms "$CANDIDATE/libsystemd.so.0" | grep -q " $s@@LIBSYSTEMD_209$" || printf '%s ' "$s"
done)
if [ -n "$missing" ]; then
    echo "FAIL: $CANDIDATE/libsystemd.so.0 does not export: $missing"
    exit 1
fi

scratch T
chmod 755 "$T" # children running as uid 65534 must reach the binaries
under_candidate() { case "$(readlink -f "${1:-/nonexistent}")" in "$CAND_REAL"/*) return 0 ;; esac; return 1; }

# run PROG OUT ERR [LD_LIBRARY_PATH [JP_EXPECT]]: in a private mount namespace; LD_LIBRARY_PATH is
# applied to the probe alone (not to unshare, sh, mount).
run() {
    local prog=$1 out=$2 err=$3 llp=${4:-} expect=${5:-}
    # shellcheck disable=SC2016 # the script is for the inner sh
    (cd "$T" && env -u LD_PRELOAD -u LD_LIBRARY_PATH TMPDIR="$T" FAKE_JOURNALD="$T/fake-journald" JP_EXPECT="$expect" \
        timeout 900 unshare -m --propagation private sh -c '
            set -e
            if [ -d /run/systemd ]; then mount -t tmpfs -o mode=0755 tmpfs /run/systemd
            else mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/systemd; fi
            mount -t tmpfs -o mode=1777 tmpfs /dev/shm
            llp=$1; shift
            if [ -n "$llp" ]; then exec env LD_LIBRARY_PATH="$llp" "$@"; else exec "$@"; fi' \
        sh "$llp" "$T/$prog" >"$out" 2>"$err")
}

# ------------------------------------------------------------------ a. build
if ! gcc -O1 -g -Wall -Wextra -o "$T/fake-journald" "$SRC/fake-journald.c" >"$T/fake.build.log" 2>&1; then
    cat "$T/fake.build.log"
    echo "FAIL: cannot build c-tests/journal/fake-journald.c"
    exit 1
fi
build() { # NAME SOURCE EXTRA-FLAGS...
    local name=$1 src=$2
    shift 2
    if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH \
        gcc "${CFLAGS_T[@]}" "$@" -o "$T/$name" "$SRC/$src" -L"$SYSDIR" -lsystemd -lpthread -ldl >"$T/$name.build.log" 2>&1; then
        cat "$T/$name.build.log"
        echo "FAIL: cannot build $name against the system libsystemd"
        exit 1
    fi
    if readelf -dW "$T/$name" | grep -q 'NEEDED.*\[libsystemd\.so\.0\]' &&
        readelf -W --dyn-syms "$T/$name" | grep -q 'sd_journal_[a-z_]*@LIBSYSTEMD_209'; then
        pass "$name built against the system header, imports versioned sd_journal_* symbols from libsystemd.so.0"
    else
        fail "$name does not import versioned sd_journal_* symbols from libsystemd.so.0"
    fi
}
build journal-diff journal-diff.c -DSD_JOURNAL_SUPPRESS_LOCATION
build journal-diff-macros journal-diff-macros.c
build journal-diff-macros-suppress journal-diff-macros.c -DSD_JOURNAL_SUPPRESS_LOCATION
build journal-deliberate journal-deliberate.c -DSD_JOURNAL_SUPPRESS_LOCATION

total_lines=0 same_lines=0
for p in journal-diff journal-diff-macros journal-diff-macros-suppress; do
    # -------------------------------------------------------------- b. reference runs
    t0=$SECONDS
    reference_runs "$p" "$JDIFF_REF_RUNS" || continue
    info "$p on the system library, $JDIFF_REF_RUNS runs: $((SECONDS - t0))s"
    recs=$(grep -c '^  \(dgram\|stream\|    fd:\)' "$T/$p.ref1.out")
    if [ "$recs" -lt 10 ] || ! grep -q '^== end$' "$T/$p.ref1.out" || grep -q '!! fake-journald' "$T/$p.ref1.out"; then
        grep '!! fake-journald' "$T/$p.ref1.out" | head -n 5
        fail "$p: the reference output is implausible ($recs records, or no '== end', or the fake gave up)"
        continue
    fi
    pass "$p on the system library: $(wc -l <"$T/$p.ref1.out") lines, $recs records, identical in $JDIFF_REF_RUNS runs"

    # -------------------------------------------------------------- c. the same binary on the candidate
    t0=$SECONDS
    run "$p" "$T/$p.cand.out" "$T/$p.cand.err" "$CANDIDATE"
    rc=$?
    used=$(lib_used "$T/$p.cand.err")
    info "$p on $CANDIDATE: $((SECONDS - t0))s"
    if ! under_candidate "$used"; then
        fail "$p with LD_LIBRARY_PATH=$CANDIDATE mapped '${used:-nothing}', not a library under $CANDIDATE"
        continue
    fi
    if [ $rc -ne 0 ]; then
        grep -v '^libsystemd: ' "$T/$p.cand.err" | head -n 20
        fail "$p exits $rc on $CANDIDATE (0 on the system library); the diff shows where it stopped"
    fi
    n=$(wc -l <"$T/$p.ref1.out")
    total_lines=$((total_lines + n))
    same_as_reference "$p" "$T/$p.cand.out" "$used" && same_lines=$((same_lines + n))
done

# ------------------------------------------------------------------ e. the comparison sees CODE_* fields
if [ -s "$T/journal-diff-macros.ref1.out" ] && [ -s "$T/journal-diff-macros-suppress.ref1.out" ]; then
    with=$(grep -c 'CODE_FILE=' "$T/journal-diff-macros.ref1.out")
    without=$(grep -c 'CODE_FILE=' "$T/journal-diff-macros-suppress.ref1.out")
    if ! cmp -s "$T/journal-diff-macros.ref1.out" "$T/journal-diff-macros-suppress.ref1.out" && [ "$with" -ge 8 ] && [ "$without" = 0 ]; then
        pass "the location macros' build sends CODE_FILE/LINE/FUNC in $with records, the suppressed build in none"
    else
        fail "the two macro builds do not differ as they must (CODE_FILE= in $with and $without records)"
    fi
fi

# ------------------------------------------------------------------ d. deliberate differences
expect_for() { [ "$(readlink -f "${1:-/nonexistent}")" = "$SYS_REAL" ] && echo 252 || echo sdlite; }
for side in ref cand; do
    if [ $side = ref ]; then llp="" want=252; else llp=$CANDIDATE want=""; fi
    if [ -z "$want" ]; then
        # which library will the candidate run map? the same loader decision as the run itself
        want=$(expect_for "$CANDIDATE/libsystemd.so.0")
    fi
    t0=$SECONDS
    run journal-deliberate "$T/delib.$side.out" "$T/delib.$side.err" "$llp" "$want"
    rc=$?
    used=$(lib_used "$T/delib.$side.err")
    summary=$(sed -n 's/^# \([0-9]* ok, [0-9]* not ok\)$/\1/p' "$T/delib.$side.out")
    info "journal-deliberate on ${llp:-the system library} (expectations: $want): $((SECONDS - t0))s"
    if [ "$(expect_for "$used")" != "$want" ]; then
        fail "journal-deliberate mapped '${used:-nothing}' but was told to expect $want"
    elif [ $rc -ne 0 ] || [ -z "$summary" ]; then
        grep -B4 '^not ok' "$T/delib.$side.out" | cut -c1-300 | head -n 120
        grep -v '^libsystemd: \|^Assertion ' "$T/delib.$side.err" | head -n 10
        fail "journal-deliberate with ${want}'s expectations on ${used:-?}: exit $rc (${summary:-no summary})"
    else
        pass "journal-deliberate, ${want}'s behaviour on $used: $summary"
    fi
done

info "compared byte for byte: $total_lines lines of libsystemd 252's output, $same_lines of them in outputs identical on $CANDIDATE"
finish
