#!perl -T
# SPDX-License-Identifier: LGPL-2.1-or-later
# Taint mode (-T): the module loads (SDLITE_LIB included), and every function takes tainted data
# (from %ENV and @ARGV) without dying, as 0.07's real-systemd test used it; soft mode's fallback
# works under -T too.
use strict;
use warnings;
no warnings qw(once);
use Test::More;
use Scalar::Util qw(tainted);
use POSIX ();
use lib 't/lib';

ok(${^TAINT}, 'running with -T');
# what a -T program must do before running anything
$ENV{PATH} = '/usr/bin:/bin';
delete @ENV{qw(IFS CDPATH ENV BASH_ENV)};

use SdTest qw(receiver run_perl);
my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard :all)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;
ok(1, "loads under -T: $Systemd::Daemon::XS::LIBRARY ($Systemd::Daemon::XS::FOUND_BY)");
ok(tainted($ENV{SDLITE_LIB}), 'SDLITE_LIB is tainted, and was honoured') if defined $ENV{SDLITE_LIB};

open my $self, '<', $0 or die "open $0: $!";
my $first = <$self>;                                    # what is read from a file is tainted
my $tainted = 'from the environment' . substr($first, 0, 0);
ok(tainted($tainted), 'the test value is tainted');

my $rx = receiver();
$ENV{NOTIFY_SOCKET} = $rx->address;

is(notify(STATUS => $tainted, READY => $tainted), 1, 'notify(STATUS => tainted, READY => tainted)');
is($rx->recv(2)->{data}, "STATUS=from the environment\nREADY=1\n", '... sent');
is(sd_notify(0, "STATUS=$tainted"), 1, 'sd_notify(0, tainted)');
is($rx->recv(2)->{data}, 'STATUS=from the environment', '... sent');
is(sd_notifyf(0, 'STATUS=%s', $tainted), 1, 'sd_notifyf with a tainted argument');
$rx->recv(2);
is(sd_pid_notify_with_fds(0, 0, "STATUS=$tainted", [ \*STDERR ]), 1, 'sd_pid_notify_with_fds, tainted state');
POSIX::close($_) for @{ $rx->recv(2)->{fds} };
is(notify(STATUS => $tainted, pid => $$, unset => 0), 1, 'notify with pid');
$rx->recv(2);
my $taintpath = $ENV{NOTIFY_SOCKET} . substr($tainted, 0, 0);
ok(tainted($taintpath), 'a tainted NOTIFY_SOCKET');
$ENV{NOTIFY_SOCKET} = $taintpath;
is(sd_notify(0, 'STATUS=tainted socket'), 1, '... used');
$rx->recv(2);
$ENV{WATCHDOG_USEC} = '2000000' . substr($tainted, 0, 0);
is_deeply([ sd_watchdog_enabled(0) ], [ 1, 2_000_000 ], 'sd_watchdog_enabled with a tainted WATCHDOG_USEC');
is(watchdog_interval(), 1, 'watchdog_interval');
is(watchdog_kick(STATUS => $tainted), 1, 'watchdog_kick with a tainted field');
is($rx->recv(2)->{data}, "WATCHDOG=1\nSTATUS=from the environment\n", '... sent');
@ENV{qw(LISTEN_PID LISTEN_FDS)} = ($$ + 1 . substr($tainted, 0, 0), 1);
is(sd_listen_fds(1), 0, 'sd_listen_fds(1) with a tainted LISTEN_PID of another process: 0');
ok(!exists $ENV{LISTEN_PID}, '... LISTEN_PID gone');
is(sd_is_socket($rx->handle, 0, 0, -1), 1, 'sd_is_socket');
is(sd_is_fifo($rx->handle, $tainted), 0, 'sd_is_fifo with a tainted path');
for my $f ([ sd_journal_print => sub { sd_journal_print(6, '%s', $tainted) } ],
           [ sd_journal_send  => sub { sd_journal_send("MESSAGE=$tainted") } ],
           [ sd_journal_sendv => sub { sd_journal_sendv("MESSAGE=$tainted") } ],
           [ sd_journal_perror => sub { sd_journal_perror($tainted) } ],
           [ journal => sub { journal(MESSAGE => $tainted) } ]) {
    my $r = eval { $f->[1]->() };
    ok(defined $r && $r <= 0, "$f->[0] with tainted data: returns ($r), no taint error") or diag($@);
}
my $fd = sd_journal_stream_fd($tainted, 6, 0);
ok($fd >= 0 || $fd < 0, "sd_journal_stream_fd with a tainted identifier: $fd");
POSIX::close($fd) if $fd >= 0;

# soft mode's fallback, and hard mode's error, under -T
my ($st, $out, $err) = run_perl('use Systemd::Daemon qw(-soft notify); print notify(READY => 1)',
                                SWITCHES => ['-T'], ENV => { SDLITE_LIB => '/nonexistent/libsystemd.so.0', PATH => '/usr/bin:/bin' });
is($out, -POSIX::ENOSYS(), 'perl -T, -soft, library missing: the stubs') or diag($err);
like($err, qr/cannot load \/nonexistent\/libsystemd\.so\.0/, '... with the warning');
($st, $out, $err) = run_perl('use Systemd::Daemon qw(-hard notify); print "loaded"',
                             SWITCHES => ['-T'], ENV => { SDLITE_LIB => '/nonexistent/libsystemd.so.0' });
isnt($st, 0, 'perl -T, -hard, library missing: dies');
unlike($err, qr/Insecure/, '... with the load error, not a taint error');

done_testing;
