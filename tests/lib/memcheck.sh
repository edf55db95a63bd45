# shellcheck shell=bash
# tests/lib/memcheck.sh -- reading what valgrind and the sanitizers report, for
# tests/suites/71-sanitizers.sh and 72-stress.sh. Sourced after check.sh.
#
#   vg_verdict LOGDIR LIBPATH [strict] read every log in LOGDIR and print one line per finding:
#                                       LIB-ERROR / LIB-FD   an error or an fd open at exit whose
#                                                            stack has a frame of an sd_* function
#                                                            (every way into the library, also when
#                                                            it is linked statically) or a frame in
#                                                            an object whose path contains LIBPATH
#                                       PROG-ERROR / PROG-FD the same without such a frame (the
#                                                            test program's own; counted, and
#                                                            printed only with "strict")
#                                     then "summary: N processes, lib errors N, lib fds N, program
#                                     errors N, program fds N". Exit 1 when a LIB-* finding (or,
#                                     with "strict", any finding at all) was made.
#   asan_verdict ERRFILE              exit 1 (printing the first report) when ERRFILE holds an
#                                     AddressSanitizer, LeakSanitizer or UBSan report
#
# The suites run memcheck with --error-exitcode=99 --leak-check=full
# --errors-for-leak-kinds=definite,indirect --track-fds=yes and --log-file=LOGDIR/vg.%p.log, so
# that every forked process is checked and logged on its own (fork is always followed;
# --trace-children=yes also follows exec).

vg_verdict() {
    local logdir=$1 libpath=$2 strict=${3:-}
    LIBPATH=$libpath STRICT=$strict perl -e '
        my ($libpath, $strict) = ($ENV{LIBPATH}, $ENV{STRICT});
        my %n = (procs => 0, liberr => 0, libfd => 0, progerr => 0, progfd => 0);
        my $shown = 0;
        for my $f (sort glob($ARGV[0] . "/vg.*.log")) {
            open(my $h, "<", $f) or next;
            $n{procs}++;
            my @rec; my @recs;
            while (my $l = <$h>) {
                $l =~ s/^==\d+==\s?//;
                chomp $l;
                if ($l =~ /^\s*$/) { push @recs, [@rec] if @rec; @rec = (); next }
                # memcheck prints the first "Open ..." record of --track-fds right under this
                # header, without a blank line: the header ends a record of its own
                if ($l =~ /^FILE DESCRIPTORS: /) { push @recs, [@rec] if @rec; @rec = (); next }
                push @rec, $l;
            }
            push @recs, [@rec] if @rec;
            for my $r (@recs) {
                my $head = $r->[0];
                my $kind;
                if ($head =~ /^Open (file descriptor|\S+ socket) \d+/) { $kind = "FD" }
                elsif ($head =~ /^(Invalid |Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function|Jump to the invalid)/
                       || $head =~ /are (definitely|indirectly) lost in loss record/) { $kind = "ERROR" }
                else { next }
                # fds inherited from the parent process are not this process'"'"'s doing
                next if $kind eq "FD" && grep { /<inherited from parent>/ } @$r;
                my $lib = grep { /^\s+(at|by) / && (/: sd_\w+ \(/ || index($_, $libpath) >= 0) } @$r;
                my $who = $lib ? "LIB" : "PROG";
                $n{lc($who) . lc($kind eq "FD" ? "fd" : "err")}++;
                if ($lib || ($strict && $shown++ < 10)) {
                    my $proc = $f =~ /vg\.(\d+)\.log/ ? $1 : "?";
                    print "$who-$kind (pid $proc): ", join("\n      ", @$r[0 .. ($#$r < 7 ? $#$r : 7)]), "\n";
                }
            }
        }
        printf "summary: %d processes, lib errors %d, lib fds %d, program errors %d, program fds %d\n",
            $n{procs}, $n{liberr}, $n{libfd}, $n{progerr}, $n{progfd};
        exit(($n{liberr} || $n{libfd} || ($strict && ($n{progerr} || $n{progfd}))) ? 1 : 0);
    ' "$logdir"
}

asan_verdict() {
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$1"; then
        grep -m1 -A25 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" | sed 's/^/     /'
        return 1
    fi
    return 0
}
