#!/usr/bin/env bash
# 71-sanitizers.sh -- the C test programs under AddressSanitizer + UndefinedBehaviorSanitizer and
# under valgrind memcheck, on sdlite.
#
#   a. every C test program (table below) is built twice: plain (-O1 -g) and with
#      -fsanitize=address,undefined -fno-omit-frame-pointer -g.  Differential programs are built
#      against Debian's header and -lsystemd, the others against sdlite's (pkg-config), or its
#      static archive (abi/static-notify).
#   b. ASan: the instrumented binary runs on sdlite (LD_LIBRARY_PATH=$SDLITE_BUILD) with
#      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 and UBSAN_OPTIONS=halt_on_error=1:
#      print_stacktrace=1; it must exit 0 with no sanitizer report, and a differential program's
#      stdout must equal the plain binary's on libsystemd 252 (the reference run).
#      Allocations the diff programs never free on purpose (their P()/A() path helpers) are
#      suppressed by name, nothing else.
#   c. valgrind: the plain binary runs on sdlite under memcheck (--error-exitcode=99
#      --leak-check=full --errors-for-leak-kinds=definite,indirect --track-fds=yes, every forked
#      process with its own log).  An error, a definite/indirect leak, or an fd still open at exit
#      whose stack runs through an sd_* function or sdlite's .so fails the suite; the test
#      programs' own findings (fds they keep open to the end, their own never-freed buffers) are
#      counted and reported, and fail only for the programs of this suite's author (strict:
#      bad-inputs, stress/*).  Valgrind changes timing and cannot lower RLIMIT_NOFILE below its own
#      reserved fds, so its stdout is compared with the reference for information only.
#
# The Rust library itself is not ASan-instrumented: that needs nightly's -Zsanitizer=address (and
# an instrumented core), which stable Rust does not have.  So ASan checks the test programs and
# whatever the library does through libc's intercepted functions (strlen, memcpy, ...), but not
# the library's own loads and stores: a read past the caller's array inside the library is
# invisible to it.  Memcheck instruments every instruction of every object, the library's too,
# and checks syscall arguments (sendmsg's control data, ...): it is the check of the library's
# behaviour at the boundary (verified with a stand-in library that over-reads the fds array:
# memcheck reports "Invalid read ... in sd_pid_notify_with_fds", ASan says nothing).
# The journal's programs (stress/j*.c, journal-signal.c) run in a private mount namespace with
# their own fake journald, as in 72-stress and 73; journal-signal (timing-driven) only under ASan.
# They keep the one journal socket the library holds by design until they close it themselves
# at exit, so memcheck's fd tracking sees every other fd.
# Not here: c-tests/alloc-count.c and journal-alloc-count.c (replace malloc, as ASan does) and
# c-tests/signal-notify.c (a timing test), all in 73-async-signal-safety;
# c-tests/watchdog-service.c (needs systemd).
#
# Needs root (the notify-diff programs drop to uid 65534 and unshare namespaces).
# SDLITE_SAN_SKIP_VALGRIND=1 skips part c (e.g. for a quick local run); SDLITE_SAN_ONLY=ERE runs
# only the programs whose name matches.
# login-state-diff runs with "quick" (no state file above 1 MiB: the 64 MiB ones are 25's) and
# checks, besides leaks, that no monitor descriptor is left after sd_login_monitor_unref.
# login-uses-every-decl: valgrind 3.19 has no pidfd_open(2), so under memcheck the program leaves
# its sd_pidfd_get_* comparisons out (it prints a note); the ASan run makes them.
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/memcheck.sh
. "$HERE/../lib/memcheck.sh"

echo "== 71-sanitizers: the C tests under ASan+UBSan and valgrind, on sdlite"
[ "$(id -u)" = 0 ] || skip_or_fail "needs root (the notify-diff programs drop privileges and unshare namespaces)"
need gcc valgrind perl pkg-config readelf cmp diff timeout
[ -e "$SYSTEM_HEADER" ] || skip_or_fail "no $SYSTEM_HEADER (apt-get install -y libsystemd-dev)"
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no system libsystemd at $SYSTEM_LIBSYSTEMD"
SYSDIR=$(dirname "$SYSTEM_LIBSYSTEMD")
if [ ! -e "$SDLITE_BUILD/libsystemd.so.0" ] || [ ! -e "$SDLITE_BUILD/libsystemd.a" ]; then
    echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 or libsystemd.a missing (run make first)"
    exit 1
fi
scratch T
chmod 755 "$T"
BUILD_REAL=$(readlink -f "$SDLITE_BUILD")
SO_REAL=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
C=$SDLITE_ROOT/c-tests
PLAIN="-O1 -g -w"
ASAN="-O1 -g -w -fsanitize=address,undefined -fno-omit-frame-pointer"
echo 'int main(void) { return 0; }' >"$T/probe.c"
# shellcheck disable=SC2086 # flag lists
if ! gcc $ASAN -o "$T/probe" "$T/probe.c" 2>"$T/probe.err" || ! "$T/probe"; then
    skip_or_fail "gcc cannot build or run -fsanitize=address,undefined programs: $(head -n3 "$T/probe.err")"
fi

# the functions both the system header declares and sdlite exports (c-tests/abi/system-linked.c)
comm -12 <(header_functions "$SYSTEM_HEADER") <(sym_exports | cut -d' ' -f1 | sort -u) |
    sed 's/.*/REF(&)/' >"$T/refs.h"
pc() { PKG_CONFIG_LIBDIR="$PKG_CONFIG_PATH" pkg-config "$@" libsystemd; }
SD_CFLAGS=$(pc --cflags) SD_LIBS=$(pc --libs)

# Known never-freed allocations of c-tests/diff/notify-common.h (P() and A() hand out path
# strings for the whole run, documented there).  By function name, nothing else.
printf 'leak:^P$\nleak:^A$\n' >"$T/lsan.supp"
cat >"$T/vg.supp" <<'EOF'
{
   notify-common.h-P-never-freed
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:P
}
{
   notify-common.h-A-never-freed
   Memcheck:Leak
   match-leak-kinds: definite,indirect
   ...
   fun:A
}
EOF

# name | source | how it links | args | diff: compare with 252 | vg: valgrind args ("-": skip) | strict
# how it links: sys = Debian's header and -lsystemd (runs on sdlite through LD_LIBRARY_PATH),
#   sd = sdlite's header and library (pkg-config), static = sdlite's header and libsystemd.a
PROGRAMS=$(
    cat <<'EOF'
notify-diff           diff/notify-diff.c                   sys    -                  diff  -                  -
notify-diff-barrier   diff/notify-diff-barrier.c           sys    -                  diff  -                  -
notify-diff-watchdog  diff/notify-diff-watchdog.c          sys    -                  diff  -                  -
listen-diff           diff/listen-diff.c                   sys    @RUNDIR            diff  @RUNDIR            -
bad-inputs            bad-inputs.c                         sys    -                  diff  -                  strict
bad-inputs-sdlite     bad-inputs.c                         sys    --sdlite-only      -     --sdlite-only      strict
notify-254            notify-254.c                         sd     -                  -     -                  -
listen-pidfdid        listen-pidfdid.c                     sd     -                  -     -                  -
system-linked         abi/system-linked.c                  sys    -                  -     -                  -
static-notify         abi/static-notify.c                  static -                  -     -                  -
uses-every-decl       header/uses-every-declaration.c      sd     -                  -     -                  -
stress-threads        stress/threads.c                     sys    8,2000             -     4,300              strict
stress-fork           stress/fork.c                        sys    16,50,10           -     4,20,5             strict
stress-churn          stress/churn.c                       sys    3000,500,norss     -     1400,140,norss     strict
stress-blocking       stress/blocking.c                    sys    -                  -     SKIP               strict
stress-vanish         stress/vanish.c                      sys    -                  -     SKIP               strict
stress-jthreads       stress/jthreads.c                    sys    8,2000,20          -     4,300,5            strict
stress-jfork          stress/jfork.c                       sys    16,50,10           -     4,20,5             strict
stress-jchurn         stress/jchurn.c                      sys    3000,300,norss,1000 -    1400,140,norss,700 strict
journal-signal        journal-signal.c                     sys    2000               -     SKIP               strict
login-state-diff      login/state-diff.c                   sys    quick              diff  quick              strict
login-uses-every-decl login/uses-every-declaration.c       sd     -                  -     -                  strict
login-pid-basics      login/login-pid-diff.c               sys    basics             diff  basics             strict
login-pid-pids        login/login-pid-diff.c               sys    pids,self=0,init=1 diff  pids,self=0,init=1 strict
login-pidfd-errors    login/login-pid-diff.c               sys    pidfd-errors       -     SKIP               strict
EOF
)

# shellcheck disable=SC2086 # $flags, $SD_CFLAGS and $SD_LIBS are flag lists
build() { # NAME SRC LINK VARIANT-FLAGS OUT
    local name=$1 src=$C/$2 link=$3 flags=$4 out=$5
    case $link in
        sys) env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc $flags -I"$T" -o "$out" "$src" \
                 -L"$SYSDIR" -lsystemd -lpthread ;;
        sd) env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc $flags $SD_CFLAGS -o "$out" "$src" $SD_LIBS \
                -Wl,-rpath,"$SDLITE_BUILD" -lpthread ;;
        static) env -u LIBRARY_PATH gcc $flags -I"$SDLITE_ROOT/include" -o "$out" "$src" \
                    -L"$SDLITE_BUILD" -Wl,-Bstatic -lsystemd -Wl,-Bdynamic ;;
    esac
}

# the library a run reported ("libsystemd: PATH" or "maps: PATH" on stdout/stderr), if any
lib_reported() { sed -n 's/^\(libsystemd\|maps\): //p' "$@" 2>/dev/null | head -n1; }

# run NAME KIND OUT ERR ARGS... (KIND: ref = system library; sd = sdlite; prefix command in $PREFIX_CMD)
run() {
    local name=$1 kind=$2 out=$3 err=$4
    shift 4
    rm -rf "$T/run" && mkdir "$T/run" && chmod 755 "$T/run"
    local args=()
    for a in "$@"; do args+=("${a//@RUNDIR/$T/run}"); done
    local envs=(env -u LD_PRELOAD -u NOTIFY_SOCKET -u LISTEN_PID -u LISTEN_FDS -u LISTEN_FDNAMES
        -u WATCHDOG_USEC -u WATCHDOG_PID TMPDIR="$T")
    if [ "$kind" = sd ]; then envs+=(LD_LIBRARY_PATH="$SDLITE_BUILD"); else envs=("${envs[@]:0:1}" -u LD_LIBRARY_PATH "${envs[@]:1}"); fi
    (cd "$T" && "${envs[@]}" timeout 900 "${PREFIX_CMD[@]}" "${args[@]}" >"$out" 2>"$err" </dev/null)
}

args_of() { [ "$1" = - ] && return 0; tr ',' '\n' <<<"$1"; }

start=$SECONDS
while read -r name src link args diffp vgargs strict; do
    [ -n "$name" ] || continue
    [[ -z ${SDLITE_SAN_ONLY:-} || $name =~ $SDLITE_SAN_ONLY ]] || continue
    if ! build "$name" "$src" "$link" "$PLAIN" "$T/$name" >"$T/$name.cc" 2>&1 ||
        ! build "$name" "$src" "$link" "$ASAN" "$T/$name.asan" >>"$T/$name.cc" 2>&1; then
        head -n 20 "$T/$name.cc"
        fail "$name: cannot build c-tests/$src ($link)"
        continue
    fi
    mapfile -t A < <(args_of "$args")

    # ------------------------------------------------------------ reference (differential only)
    if [ "$diffp" = diff ]; then
        PREFIX_CMD=("$T/$name")
        run "$name" ref "$T/$name.ref" "$T/$name.ref.err" "${A[@]}"
        rc=$?
        if [ $rc -ne 0 ]; then
            head -n 10 "$T/$name.ref.err"
            fail "$name: the reference run on libsystemd 252 exits $rc"
            continue
        fi
    fi

    # ------------------------------------------------------------ b. ASan + UBSan on sdlite
    PREFIX_CMD=(env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
        "LSAN_OPTIONS=suppressions=$T/lsan.supp:print_suppressions=0" "$T/$name.asan")
    run "$name" sd "$T/$name.asan.out" "$T/$name.asan.err" "${A[@]}"
    rc=$?
    if [ $rc = 77 ] && grep -q 'SKIP:' "$T/$name.asan.err"; then
        # a journal program that cannot make its private mount namespace
        why=$(grep -m1 'SKIP:' "$T/$name.asan.err" | sed 's/.*SKIP: //')
        if [ "${CI:-}" = true ]; then fail "$name: cannot run: $why (CI=true: not allowed to skip)"; else info "SKIP $name: $why"; fi
        continue
    fi
    used=$(lib_reported "$T/$name.asan.err" "$T/$name.asan.out")
    if [ "$link" != static ] && [ -n "$used" ] && [ "$(readlink -f "$used")" != "$SO_REAL" ]; then
        fail "$name (ASan): mapped '$used', not $SO_REAL"
    elif ! asan_verdict "$T/$name.asan.err"; then
        fail "$name (ASan+UBSan): sanitizer report (above), exit $rc"
    elif [ $rc -ne 0 ]; then
        grep -v '^\(libsystemd\|maps\): ' "$T/$name.asan.err" | head -n 15 | sed 's/^/     /'
        grep -E '^(FAIL|not ok)' "$T/$name.asan.out" | head -n 10 | sed 's/^/     /'
        fail "$name (ASan+UBSan): exits $rc"
    elif [ "$diffp" = diff ] && ! cmp -s "$T/$name.ref" "$T/$name.asan.out"; then
        diff -u --label "$name@libsystemd-252" --label "$name@sdlite-asan" "$T/$name.ref" "$T/$name.asan.out" |
            head -n 40 | sed 's/^/     /'
        fail "$name (ASan+UBSan): clean, but stdout differs from libsystemd 252's"
    else
        pass "$name (ASan+UBSan on sdlite): clean$([ "$diffp" = diff ] && echo ", stdout identical to libsystemd 252's ($(wc -l <"$T/$name.ref") lines)")"
    fi

    # ------------------------------------------------------------ c. valgrind on sdlite
    [ "${SDLITE_SAN_SKIP_VALGRIND:-0}" = 1 ] && continue
    if [ "$vgargs" = SKIP ]; then
        case $name in
            login-pidfd-errors) info "$name: not under valgrind (it has no pidfd_open(2), syscall 434); the ASan run above covers it" ;;
            *) info "$name: not under valgrind (timing-driven: blocked senders, signals); the ASan run above, 72-stress and 73 cover it" ;;
        esac
        continue
    fi
    mapfile -t V < <(args_of "$vgargs")
    rm -rf "$T/vg.$name"
    # shellcheck disable=SC2054 # the commas are inside one option
    PREFIX_CMD=(env valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
        --track-fds=yes --trace-children=yes --suppressions="$T/vg.supp" --log-file="$T/vg.$name/vg.%p.log" "$T/$name")
    mkdir -p "$T/vg.$name"
    t0=$SECONDS
    run "$name" sd "$T/$name.vg.out" "$T/$name.vg.err" "${V[@]}"
    rc=$?
    verdict=$(vg_verdict "$T/vg.$name" "$BUILD_REAL/libsystemd" "$([ "$strict" = strict ] && echo strict)")
    vrc=$?
    summary=$(tail -n1 <<<"$verdict" | sed 's/^summary: //')
    if [ $vrc -ne 0 ]; then
        sed '$d' <<<"$verdict" | head -n 60 | sed 's/^/     /'
        fail "$name (valgrind): $summary"
    elif [ $rc -eq 1 ] && grep -q '^not ok' "$T/$name.vg.out" && ! grep '^not ok' "$T/$name.vg.out" | grep -qvE 'SETUP-FAILED|r=--2147483648'; then
        # a TAP program whose only failures are cases valgrind cannot set up (RLIMIT_NOFILE;
        # notify-254 prints them as SETUP-FAILED or r=INT_MIN)
        pass "$name (valgrind on sdlite, $((SECONDS - t0))s): no library error, leak or fd; $summary"
        info "$name: $(grep -c '^not ok' "$T/$name.vg.out") cases cannot be set up under valgrind (they lower RLIMIT_NOFILE); the ASan run covers them"
    elif [ $rc -ne 0 ] && [ $rc -ne 99 ]; then
        grep -v '^\(libsystemd\|maps\): ' "$T/$name.vg.err" | head -n 10 | sed 's/^/     /'
        grep '^not ok' "$T/$name.vg.out" | head -n 10 | sed 's/^/     /'
        fail "$name (valgrind): exits $rc ($summary)"
    elif [ "$strict" = strict ] && [ $rc -ne 0 ]; then
        fail "$name (valgrind): exits $rc"
    else
        pass "$name (valgrind on sdlite, $((SECONDS - t0))s): no library error, leak or fd; $summary"
        if [ "$diffp" = diff ]; then
            if cmp -s "$T/$name.ref" "$T/$name.vg.out"; then
                info "$name: under valgrind, stdout identical to libsystemd 252's as well"
            else
                n=$(diff "$T/$name.ref" "$T/$name.vg.out" | grep -c '^>')
                ns=$(grep -c 'SETUP-FAILED' "$T/$name.vg.out")
                info "$name: under valgrind $n lines differ from 252's ($ns cases could not be set up under valgrind; not compared)"
            fi
        fi
    fi
done <<<"$PROGRAMS"
info "took $((SECONDS - start))s"
finish
