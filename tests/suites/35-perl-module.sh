#!/usr/bin/env bash
# shellcheck disable=SC2015  # A && pass || fail: pass always succeeds
# 35-perl-module.sh -- perl/: the pure-Perl Systemd::Daemon (Systemd::Daemon 0.07's API on sdlite
# through FFI::Platypus), as a CPAN user and as sdlite's `make install-perl` install it:
#   a. the distribution: MANIFEST lists every file of perl/ and nothing else; no XS, no C, and
#      building it produces no compiled object
#   b. perl Makefile.PL SDLITE_LIBDIR=$SDLITE_BUILD && make && make test, on sdlite's build
#      (SDLITE_LIB): every t/*.t passes (export forms and flags, -hard/-soft and the stubs with
#      the library missing, notify's rules and each function against real receiving sockets,
#      socket activation, sd_is_*, the journal against a receiver in a private mount namespace
#      over /run/systemd, -T, the watchdog helpers, the seed program); the journal test runs
#      (root), and with CI=true it may not skip
#   c. make test with SDLITE_LIB unset: the module finds the library it was configured with
#   d. make test on systemd's own libsystemd 252 (SDLITE_LIB): the same tests pass, so what they
#      expect is libsystemd's behaviour, not sdlite's
#   an old libsystemd (a stand-in with only the ten functions 0.07 bound): those are called,
#      every later function returns -ENOSYS
#   e. make install DESTDIR=D: the installed module loads the recorded library
#   f. make install-perl PREFIX=P (top level): library and module installed together; the module
#      maps P/lib/libsystemd.so.0 and nothing else; with DESTDIR it records P, not DESTDIR;
#      with the library removed, -hard dies naming it and -soft falls back to the stubs;
#      uninstall-perl removes every module file
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 35-perl-module: Systemd::Daemon in pure Perl on sdlite"
need perl make
perl -e 'use FFI::Platypus 2.00; use Exporter::Tiny 1.002; 1' 2>/dev/null ||
    skip_or_fail "perl with FFI::Platypus >= 2 and Exporter::Tiny needed (make deps: libffi-platypus-perl libexporter-tiny-perl)"
LIB=$SDLITE_BUILD/libsystemd.so.0
[ -e "$LIB" ] || { echo "FAIL: $LIB missing: run make"; exit 1; }
SRC=$SDLITE_ROOT/perl
scratch T
t_start=$SECONDS

# copy_dist DIR: the files perl/MANIFEST lists, into DIR
copy_dist() {
    local f
    while IFS= read -r f; do
        install -D -m 0644 "$SRC/$f" "$1/$f" || return 1
    done <"$SRC/MANIFEST"
}
# prove_result LOG WHAT: pass when LOG ends in "Result: PASS", else fail with the failures
prove_result() {
    if grep -q '^Result: PASS' "$1"; then
        pass "$2: $(grep -E '^Files=' "$1" | sed 's/,  *[0-9.]* wallclock.*//')"
    else
        fail "$2"
        grep -E 'not ok|Failed|Dubious|^#|Result' "$1" | head -40 | sed 's/^/      /'
    fi
}

# ------------------------------------------------------------------ a. the distribution
want=$(sort "$SRC/MANIFEST")
have=$(cd "$SRC" && find . -type f ! -name .gitignore | sed 's|^\./||' |
       grep -Ev '^(Makefile|Makefile\.old|MYMETA\..*|pm_to_blib)$|^blib/' | sort)
if [ "$want" = "$have" ]; then
    pass "MANIFEST lists the $(echo "$want" | wc -l) files of perl/, and only them"
else
    fail "MANIFEST and perl/ differ ('<' MANIFEST, '>' perl/):"
    diff <(echo "$want") <(echo "$have") | grep '^[<>]' | sed 's/^/      /'
fi
if grep -Eq '\.(xs|c|h|inl)$' "$SRC/MANIFEST" || grep -rEq '^\s*(use|require)\s+(XSLoader|DynaLoader|Inline)\b' "$SRC/lib"; then
    fail "the distribution holds XS, C or a loader of compiled code"
else
    pass "no XS, no C, no XSLoader/DynaLoader/Inline in lib/"
fi

D=$T/dist
copy_dist "$D" || { fail "copying the files of MANIFEST"; finish; }
(cd "$D" && perl Makefile.PL SDLITE_LIBDIR="$SDLITE_BUILD" >"$T/configure.log" 2>&1 && make >"$T/make.log" 2>&1) ||
    { fail "perl Makefile.PL && make"; cat "$T/configure.log" "$T/make.log" | sed 's/^/      /'; finish; }
objects=$(find "$D/blib" \( -name '*.so' -o -name '*.o' -o -name '*.bs' \) | wc -l)
[ "$objects" = 0 ] && pass "perl Makefile.PL && make: blib/ holds no compiled object" ||
    fail "blib/ holds $objects compiled objects"
recorded=$(sed -n "s/^our \$LIBDIR = '\(.*\)';$/\1/p" "$D/blib/lib/Systemd/Daemon/XS.pm")
[ "$recorded" = "$SDLITE_BUILD" ] && pass "SDLITE_LIBDIR=$SDLITE_BUILD is recorded in blib's Systemd/Daemon/XS.pm" ||
    fail "blib's XS.pm records '$recorded', not $SDLITE_BUILD"

# ------------------------------------------------------------------ b. make test on sdlite
t0=$SECONDS
(cd "$D" && SDLITE_LIB=$LIB make test >"$T/test.log" 2>&1)
prove_result "$T/test.log" "make test on sdlite ($LIB), $((SECONDS - t0)) s"
if grep -q '^t/06-journal\.t .*skipped' "$T/test.log"; then
    why=$(sed -n 's/^t\/06-journal\.t .*skipped: //p' "$T/test.log")
    if [ "${CI:-}" = true ]; then fail "t/06-journal.t skipped ($why): CI=true does not allow it"
    else info "t/06-journal.t skipped: $why"; fi
elif grep -q '^t/06-journal\.t .* ok$' "$T/test.log"; then
    pass "t/06-journal.t ran: the journal functions against a receiver in a private mount namespace"
fi
grep -q '^t/07-taint\.t .* ok$' "$T/test.log" && pass "t/07-taint.t (#!perl -T) passed under taint mode" ||
    fail "t/07-taint.t did not pass"

# ------------------------------------------------------------------ c. no SDLITE_LIB
(cd "$D" && env -u SDLITE_LIB make test TEST_FILES='t/00-load.t t/02-modes.t t/04-notify-functions.t' >"$T/test-noenv.log" 2>&1)
prove_result "$T/test-noenv.log" "make test without SDLITE_LIB (the library recorded at configure time)"
grep -q "^# libsystemd: $SDLITE_BUILD/libsystemd.so.0 (installed with sdlite in $SDLITE_BUILD)" "$T/test-noenv.log" &&
    pass "... it loaded $SDLITE_BUILD/libsystemd.so.0, found as installed with sdlite" ||
    fail "without SDLITE_LIB, t/00-load.t did not report the recorded library: $(grep '^# libsystemd' "$T/test-noenv.log")"

# ------------------------------------------------------------------ d. systemd's own libsystemd
if [ -e "$SYSTEM_LIBSYSTEMD" ]; then
    t0=$SECONDS
    (cd "$D" && SDLITE_LIB=$SYSTEM_LIBSYSTEMD make test >"$T/test-system.log" 2>&1)
    prove_result "$T/test-system.log" "make test on systemd's libsystemd ($SYSTEM_LIBSYSTEMD), $((SECONDS - t0)) s"
else
    info "no $SYSTEM_LIBSYSTEMD: the tests were not run on systemd's own library"
fi

# ------------------------------------------------------------------ an old libsystemd
# A library with only the ten functions 0.07 bound (as a libsystemd before 209 would be for the
# rest): they are called, every later one answers -ENOSYS.
if command -v gcc >/dev/null 2>&1; then
    {
        echo '#include <sys/types.h>'
        for f in 'sd_booted(void) { return 11; }' 'sd_is_fifo(int a, const char *b) { return 12; }' \
                 'sd_is_mq(int a, const char *b) { return 13; }' 'sd_is_socket(int a, int b, int c, int d) { return 14; }' \
                 'sd_is_socket_inet(int a, int b, int c, int d, unsigned short e) { return 15; }' \
                 'sd_is_socket_unix(int a, int b, int c, const char *d, size_t e) { return 16; }' \
                 'sd_is_special(int a, const char *b) { return 17; }' 'sd_listen_fds(int a) { return 18; }' \
                 'sd_notify(int a, const char *b) { return 19; }' 'sd_pid_notify(pid_t p, int a, const char *b) { return 20; }'; do
            echo "int $f"
        done
    } >"$T/old.c"
    gcc -shared -fPIC -o "$T/libsystemd.so.0" "$T/old.c" || fail "building the old-library stand-in"
    # shellcheck disable=SC2016 # Perl code
    got=$(cd "$D" && SDLITE_LIB=$T perl -Iblib/lib -e '
        use Systemd::Daemon qw(-hard :all);
        print join(",", sd_booted(), sd_is_fifo(0, undef), sd_is_mq(0, undef), sd_is_socket(0, 0, 0, 0),
                   sd_is_socket_inet(0, 0, 0, 0, 0), sd_is_socket_unix(0, 0, 0, undef, 0), sd_is_special(0, undef),
                   sd_listen_fds(0), sd_notify(0, "A=1"), sd_pid_notify(0, 0, "A=1")), ";",
              join(",", sd_watchdog_enabled(0) + 0, sd_notify_barrier(0, 1), sd_pid_notify_with_fds(0, 0, "A=1", []),
                   sd_listen_fds_with_names(0) + 0, sd_is_socket_sockaddr(0, 0, "xx", 0), sd_journal_print(6, "x"),
                   sd_journal_send("A=1"), sd_journal_sendv("A=1"), sd_journal_perror("x"), sd_journal_stream_fd("x", 6, 0),
                   notify(READY => 1), notify(READY => 1, fds => [])), "\n"' 2>&1)
    [ "$got" = "11,12,13,14,15,16,17,18,19,20;-38,-38,-38,-38,-38,-38,-38,-38,-38,-38,19,-38" ] &&
        pass "a libsystemd with only 0.07's ten functions: they are called, every later one returns -ENOSYS" ||
        fail "an old libsystemd: '$got'"
else
    info "no gcc: the old-libsystemd case was not tried"
fi

# ------------------------------------------------------------------ e. make install DESTDIR
(cd "$D" && make install DESTDIR="$T/cpan" INSTALLDIRS=site >"$T/install.log" 2>&1) || { fail "make install"; cat "$T/install.log"; }
pm=$(find "$T/cpan" -path '*/Systemd/Daemon.pm' | head -1)
if [ -n "$pm" ]; then
    inc=${pm%/Systemd/Daemon.pm}
    # shellcheck disable=SC2016 # Perl code
    got=$(env -u SDLITE_LIB perl -I"$inc" -e 'use Systemd::Daemon qw(notify); print "$Systemd::Daemon::XS::LIBRARY ", $INC{"Systemd/Daemon.pm"}')
    [ "$got" = "$SDLITE_BUILD/libsystemd.so.0 $pm" ] && pass "make install DESTDIR=D: the installed module ($inc) loads $SDLITE_BUILD/libsystemd.so.0" ||
        fail "the installed module: '$got'"
else
    fail "make install DESTDIR=$T/cpan installed no Systemd/Daemon.pm"
fi

# ------------------------------------------------------------------ f. make install-perl
mk() { env -u DESTDIR -u PREFIX -u LIBDIR -u PERLLIBDIR -u PERLMANDIR -u SDLITE_LIB \
           make --no-print-directory -C "$SDLITE_ROOT" -o all PERL_BUILD="$T/perl-build" "$@" >"$T/mk.log" 2>&1; }
P=$T/prefix
if mk install-perl PREFIX="$P"; then
    # shellcheck disable=SC2016 # Perl code
    got=$(env -u SDLITE_LIB PERL5LIB="$P/lib/perl5" perl -e '
        use Systemd::Daemon qw(-hard :all);
        open my $m, "<", "/proc/self/maps" or die;
        my %f; while (<$m>) { $f{$1} = 1 if m{\s(/\S*libsystemd\S*)$} }
        print join(" ", $INC{"Systemd/Daemon.pm"}, $Systemd::Daemon::XS::LIBRARY, sort keys %f), "\n";
        print notify(READY => 1), " ", scalar sd_watchdog_enabled(0), "\n"')
    want="$P/lib/perl5/Systemd/Daemon.pm $P/lib/libsystemd.so.0 $(readlink -f "$P/lib/libsystemd.so.0")"
    [ "$(head -1 <<<"$got")" = "$want" ] &&
        pass "make install-perl PREFIX=P: P/lib/perl5's module maps P/lib/libsystemd.so.0 and no other libsystemd" ||
        fail "make install-perl PREFIX=P: got '$(head -1 <<<"$got")', wanted '$want'"
    [ "$(sed -n 2p <<<"$got")" = "0 0" ] && pass "... and works (not under a manager: notify 0, sd_watchdog_enabled 0)" ||
        fail "... notify/sd_watchdog_enabled: '$(sed -n 2p <<<"$got")'"
    cmp -s "$P/lib/libsystemd.so.0.35.0" "$SDLITE_BUILD/libsystemd.so.0.35.0" && pass "... the library installed with it is the build's" ||
        fail "P/lib/libsystemd.so.0.35.0 is not the build's"
    man=$(find "$P/share/man/man3" -name 'Systemd::Daemon*' | wc -l)
    [ "$man" = 4 ] && pass "... with its 4 manual pages in P/share/man/man3" || fail "... $man manual pages in P/share/man/man3"

    # the library gone: -hard names it, -soft falls back
    mv "$P/lib/libsystemd.so.0.35.0" "$P/lib/gone"
    err=$(env -u SDLITE_LIB PERL5LIB="$P/lib/perl5" perl -e 'use Systemd::Daemon qw(notify);' 2>&1)
    [[ $err == "Systemd::Daemon::XS: cannot load $P/lib/libsystemd.so.0 (installed with sdlite in $P/lib): "*"set SDLITE_LIB"* ]] &&
        pass "library removed: -hard dies naming $P/lib/libsystemd.so.0 and how to choose another" ||
        fail "library removed, -hard: '$err'"
    got=$(env -u SDLITE_LIB PERL5LIB="$P/lib/perl5" perl -e 'use Systemd::Daemon qw(-soft notify); print notify(READY => 1)' 2>"$T/soft.err")
    [ "$got" = -38 ] && grep -q "cannot load $P/lib/libsystemd.so.0" "$T/soft.err" &&
        pass "library removed: -soft warns and falls back to the stubs (notify returns -ENOSYS)" ||
        fail "library removed, -soft: '$got' / $(cat "$T/soft.err")"
    mv "$P/lib/gone" "$P/lib/libsystemd.so.0.35.0"

    if mk uninstall-perl PREFIX="$P"; then
        left=$(find "$P" -name 'Systemd*' | wc -l)
        [ "$left" = 0 ] && pass "make uninstall-perl removes every module file and manual page" || fail "make uninstall-perl left $left files"
    else
        fail "make uninstall-perl"; sed 's/^/      /' "$T/mk.log"
    fi
else
    fail "make install-perl PREFIX=$P"; sed 's/^/      /' "$T/mk.log"
fi
if mk install-perl PREFIX=/opt/sdlite DESTDIR="$T/stage"; then
    rec=$(sed -n "s/^our \$LIBDIR = '\(.*\)';$/\1/p" "$T/stage/opt/sdlite/lib/perl5/Systemd/Daemon/XS.pm" 2>/dev/null)
    [ "$rec" = /opt/sdlite/lib ] && [ -e "$T/stage/opt/sdlite/lib/libsystemd.so.0" ] &&
        pass "make install-perl PREFIX=/opt/sdlite DESTDIR=D: under D, the module records /opt/sdlite/lib (not D)" ||
        fail "DESTDIR install: the module records '$rec'"
    [ ! -e /opt/sdlite/lib/perl5/Systemd/Daemon.pm ] || info "note: /opt/sdlite/lib/perl5 exists on this machine (not ours)"
else
    fail "make install-perl PREFIX=/opt/sdlite DESTDIR=$T/stage"; sed 's/^/      /' "$T/mk.log"
fi

echo "== 35-perl-module: $((SECONDS - t_start)) s"
finish
