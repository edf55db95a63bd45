# SPDX-License-Identifier: LGPL-2.1-or-later
# The program this distribution exists for, as written for Systemd::Daemon 0.07 (plus the use
# lines it needs), run against a receiving socket playing the manager: READY=1, then WATCHDOG=1
# every WATCHDOG_USEC/2, "watchdog" on stdout. (tests/suites/63-perl-module-systemd.sh runs it
# under a real systemd.)
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use SdTest qw(receiver perl_inc);

my $ok = eval { require Systemd::Daemon::XS; 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;

my $program = <<'SEED';
use strict;
use warnings;
use feature 'say';
use Time::HiRes qw(usleep);
use Systemd::Daemon qw( -hard notify );
my $sleep = ($ENV{WATCHDOG_USEC} // 2_000_000) / 2;
notify( READY => 1 );
while (1) { usleep $sleep; say "watchdog"; notify( WATCHDOG => 1 ); }
SEED

my $dir = tempdir(CLEANUP => 1);
open my $fh, '>', "$dir/seed.pl" or die; print $fh $program; close $fh;
my $rx = receiver();
my $t0 = time;
my $pid = fork // die;
if (!$pid) {
    @ENV{qw(NOTIFY_SOCKET WATCHDOG_USEC)} = ($rx->address, 200_000);
    delete $ENV{WATCHDOG_PID};
    $ENV{PERLIO} = ':unix';    # unbuffered, so that the lines are there when we stop it
    open STDOUT, '>', "$dir/out" or POSIX::_exit(99);
    { exec $^X, (map { "-I$_" } perl_inc()), "$dir/seed.pl" }
    POSIX::_exit(98);
}
my $ready = $rx->recv(10);
is($ready && $ready->{data}, "READY=1\n", 'READY=1 first');
is($ready && $ready->{pid}, $pid, '... from the program');
my @beats;
while (@beats < 5 and my $m = $rx->recv(2)) { push @beats, [ time, $m->{data} ] }
is(scalar @beats, 5, 'then WATCHDOG=1 again and again');
is_deeply([ map { $_->[1] } @beats ], [ ("WATCHDOG=1\n") x 5 ], '... each exactly WATCHDOG=1');
my $period = ($beats[-1][0] - $beats[0][0]) / 4;
ok($period > 0.08 && $period < 0.5, sprintf('... every %.3f s (WATCHDOG_USEC=200000: 0.1 s)', $period));
kill 'TERM', $pid;
waitpid $pid, 0;
open my $out, '<', "$dir/out" or die;
my @lines = <$out>;
ok(@lines >= 1 && !grep({ $_ ne "watchdog\n" } @lines), 'stdout: "watchdog" lines (' . scalar(@lines) . ')');
done_testing;
