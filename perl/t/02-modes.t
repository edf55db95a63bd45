# SPDX-License-Identifier: LGPL-2.1-or-later
# -hard and -soft with the library missing (SDLITE_LIB naming a file that is not there) or not a
# libsystemd: the two error messages, the soft warning carrying the load error, the stubs
# answering -ENOSYS; and where the library is found (SDLITE_LIB as file, directory, soname).
use strict;
use warnings;
no warnings qw(once);
use Test::More;
use POSIX ();
use lib 't/lib';
use SdTest qw(run_perl);

my $ENOSYS = POSIX::ENOSYS();
my $missing = '/nonexistent/sdlite-test/libsystemd.so.0';
my %MISSING = (SDLITE_LIB => $missing);

sub perl_ok {
    my ($code, $env, $what) = @_;
    my ($st, $out, $err) = run_perl($code, ENV => $env);
    return ($st, $out, $err);
}

# ---- hard (the default, and explicit), library missing: the use dies with the load error
for my $args ('', 'qw(-hard)', 'qw(-hard notify)', 'qw(:all)') {
    my ($st, $out, $err) = perl_ok("use Systemd::Daemon $args; print qq{loaded\\n};", \%MISSING);
    isnt($st, 0, "use Systemd::Daemon $args, library missing: dies");
    is($out, '', '... before running anything');
    like($err, qr{\ASystemd::Daemon::XS: cannot load \Q$missing\E \(SDLITE_LIB=\Q$missing\E\): \Q$missing\E: cannot open shared object file: No such file or directory at -e line 1\.\n},
         '... with the load error, reported at the use line');
    like($err, qr/BEGIN failed--compilation aborted at -e line 1\./, '... at compile time');
}

# ---- soft, library missing: one warning with the load error, then stubs
{
    my $code = <<'PERL';
use strict; use warnings;
use Systemd::Daemon qw( -soft :all );
my @r = (
    sd_booted(), sd_notify(0, "READY=1"), sd_pid_notify($$, 0, "READY=1"), sd_listen_fds(0),
    sd_is_fifo(0, undef), sd_is_special(0, undef), sd_is_mq(0, undef), sd_is_socket(0, 0, 0, 0),
    sd_is_socket_inet(0, 0, 0, 0, 0), sd_is_socket_unix(0, 0, 0, 0, undef, 0),
    sd_is_socket_sockaddr(0, 0, "", 0), sd_listen_fds_with_names(0) + 0, sd_notifyf(0, "A=%d", 1),
    sd_pid_notifyf(0, 0, "A=%d", 1), sd_pid_notify_with_fds(0, 0, "A=1", [1]), sd_notify_barrier(0, 1),
    scalar(sd_watchdog_enabled(0)), sd_journal_print(6, "x"), sd_journal_send("MESSAGE=x"),
    sd_journal_sendv("MESSAGE=x"), sd_journal_perror("x"), sd_journal_stream_fd("x", 6, 0),
    notify(READY => 1), notify(STATUS => "x", pid => $$), journal(MESSAGE => "x"),
);
my @w = sd_watchdog_enabled(0);
my @n = sd_listen_fds_with_names(0);
print join(",", @r), "\n";
print scalar(@w), ":", $w[0], ":", defined $w[1] ? "def" : "undef", "\n";
print scalar(@n), ":", $n[0], "\n";
print "$Systemd::Daemon::IMPLEMENTATION $SD_LISTEN_FDS_START $SD_EMERG $SD_DEBUG\n";
print watchdog_interval(), ":", defined(watchdog_timer()) ? "timer" : "undef", ":", watchdog_kick(), "\n";
print notify(READY => 0), "\n";
PERL
    my ($st, $out, $err) = perl_ok($code, \%MISSING);
    is($st, 0, 'use Systemd::Daemon qw(-soft :all), library missing: runs') or diag($err);
    my @lines = split /\n/, $out;
    is($lines[0], join(',', (-$ENOSYS) x 25), '... every function and notify/journal return -ENOSYS');
    is($lines[1], "2:-$ENOSYS:undef", '... sd_watchdog_enabled in list context: (-ENOSYS, undef)');
    is($lines[2], "1:-$ENOSYS", '... sd_listen_fds_with_names in list context: (-ENOSYS)');
    is($lines[3], 'Systemd::Daemon::Stub 3 <0> <7>', '... the stubs, constants with their values');
    is($lines[4], '0:undef:0', '... no watchdog: interval 0, no timer, kick sends nothing');
    is($lines[5], '0', '... notify with nothing to send: 0');
    my @w = grep { length } split /\n/, $err;
    is(scalar @w, 1, '... exactly one warning') or diag($err);
    like($w[0], qr{\ASystemd::Daemon::XS: cannot load \Q$missing\E \(SDLITE_LIB=\Q$missing\E\): \Q$missing\E: cannot open shared object file: No such file or directory at -e line 2\.\z},
         '... carrying the load error, at the use line');
}

# ---- the two messages
{
    my ($st, $out, $err) = perl_ok('use Systemd::Daemon qw( -hard -soft );', {});
    isnt($st, 0, '-hard -soft dies');
    like($err, qr/\ASystemd::Daemon: options hard and soft are mutually exclusive at -e line 1\.\n/, '... options hard and soft are mutually exclusive');
    ($st, $out, $err) = perl_ok("use Systemd::Daemon qw( -soft );\nuse Systemd::Daemon qw( -hard notify );", \%MISSING);
    isnt($st, 0, '-soft fell back to the stubs, then -hard: dies');
    like($err, qr/^Systemd::Daemon: Already loaded in soft mode at -e line 2\.$/m, '... Already loaded in soft mode');
    ($st, $out, $err) = perl_ok("use Systemd::Daemon qw( -soft );\nuse Systemd::Daemon qw( -soft notify ); print notify(READY => 1);", \%MISSING);
    is($st, 0, '-soft twice: fine');
    is($out, -$ENOSYS, '... stubs');
    ($st, $out, $err) = perl_ok("use Systemd::Daemon qw( -soft notify );\nuse Systemd::Daemon qw( -hard sd_booted ); print qq{\$Systemd::Daemon::IMPLEMENTATION};", {});
    is($st, 0, '-soft that loaded the library, then -hard: fine') or diag($err);
    is($err, '', '... no warning');
}

# ---- not a libsystemd
{
    my $libc = (grep { -e } map { "$_/libc.so.6" } qw(/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib))[0];
    SKIP: {
        skip 'no libc.so.6 found to stand for a library that is not libsystemd', 4 unless $libc;
        my ($st, $out, $err) = perl_ok('use Systemd::Daemon;', { SDLITE_LIB => $libc });
        isnt($st, 0, "SDLITE_LIB=$libc (hard): dies");
        like($err, qr/\ASystemd::Daemon::XS: \Q$libc\E \(SDLITE_LIB=\Q$libc\E\) is not a libsystemd: it has no sd_booted at -e line 1\./, '... not a libsystemd');
        ($st, $out, $err) = perl_ok('use Systemd::Daemon qw(-soft); print $Systemd::Daemon::IMPLEMENTATION', { SDLITE_LIB => $libc });
        is($out, 'Systemd::Daemon::Stub', '... soft: the stubs');
        like($err, qr/is not a libsystemd: it has no sd_booted at -e line 1\.\n\z/, '... with the reason');
    }
}

# ---- FFI::Platypus itself missing (a module on @INC that fails as a missing one does)
{
    require File::Temp;
    my $fake = File::Temp::tempdir(CLEANUP => 1);
    mkdir "$fake/FFI" or die;
    open my $fh, '>', "$fake/FFI/Platypus.pm" or die;
    print $fh qq{die "Can't locate FFI/Platypus.pm in \\\@INC (simulated)\\n";\n};
    close $fh;
    my ($st, $out, $err) = run_perl("use lib '$fake'; use Systemd::Daemon qw(-soft notify); print notify(READY => 1)");
    is($out, -$ENOSYS, 'FFI::Platypus missing, -soft: the stubs') or diag($err);
    is($err, "Can't locate FFI/Platypus.pm in \@INC (simulated) at -e line 1.\n", '... warning with the reason alone, at the use line');
    ($st, $out, $err) = run_perl("use lib '$fake'; use Systemd::Daemon qw(notify);");
    isnt($st, 0, 'FFI::Platypus missing, -hard: dies');
    like($err, qr/\ACan't locate FFI\/Platypus\.pm in \@INC \(simulated\) at -e line 1\.\n/, '... with the reason');
}

# ---- Systemd::Daemon::XS used directly dies without a library; ::Stub always loads
{
    my ($st, $out, $err) = perl_ok('use Systemd::Daemon::XS qw(:all);', \%MISSING);
    isnt($st, 0, 'use Systemd::Daemon::XS, library missing: dies');
    like($err, qr/cannot load \Q$missing\E/, '... saying why');
    ($st, $out, $err) = perl_ok('use Systemd::Daemon::Stub qw(:all); print sd_notify(0, "READY=1"), " $SD_ERR"', \%MISSING);
    is($out, -$ENOSYS . ' <3>', 'use Systemd::Daemon::Stub qw(:all): -ENOSYS, constants');
}

# ---- where the library comes from
SKIP: {
    require Cwd;
    skip "no library: $@", 4 unless eval { require Systemd::Daemon::XS; 1 };
    my $installed = $Systemd::Daemon::XS::LIBDIR;
    my $lib = $ENV{SDLITE_LIB} // (defined $installed ? "$installed/libsystemd.so.0" : undef);
    skip 'neither SDLITE_LIB nor an installed directory: the library to find is not known', 4
        unless defined $lib && $lib =~ m{/} && -e $lib;
    my $file = -d $lib ? "$lib/libsystemd.so.0" : $lib;
    (my $dir = $file) =~ s{/[^/]+\z}{};
    my $real = Cwd::realpath($file);
    my $probe = 'use Systemd::Daemon; use lib "t/lib"; use SdTest qw(maps_of); print "$Systemd::Daemon::XS::LIBRARY|$Systemd::Daemon::XS::FOUND_BY|", join(",", maps_of($$, qr/libsystemd/));';
    my ($st, $out, $err) = perl_ok($probe, { SDLITE_LIB => $file });
    is($out, "$file|SDLITE_LIB=$file|$real", 'SDLITE_LIB=FILE: that file, and only it, is mapped') or diag($err);
    ($st, $out, $err) = perl_ok($probe, { SDLITE_LIB => $dir });
    is($out, "$dir/libsystemd.so.0|SDLITE_LIB=$dir|$real", 'SDLITE_LIB=DIR: DIR/libsystemd.so.0') or diag($err);
    ($st, $out, $err) = perl_ok($probe, { SDLITE_LIB => 'libsystemd.so.0', LD_LIBRARY_PATH => $dir });
    is($out, "libsystemd.so.0|SDLITE_LIB=libsystemd.so.0|$real", 'SDLITE_LIB=libsystemd.so.0: by soname (LD_LIBRARY_PATH)') or diag($err);
    ($st, $out, $err) = perl_ok($probe, { SDLITE_LIB => undef, LD_LIBRARY_PATH => $dir });
    if (defined $installed) {
        my $want = Cwd::realpath("$installed/libsystemd.so.0") // '';
        is($out, "$installed/libsystemd.so.0|installed with sdlite in $installed|$want",
           "no SDLITE_LIB: the library it was installed with ($installed)") or diag($err);
    } else {
        is($out, "libsystemd.so.0|by soname (the dynamic loader's search path)|$real",
           'no SDLITE_LIB, not installed with sdlite: by soname') or diag($err);
    }
}

done_testing;
