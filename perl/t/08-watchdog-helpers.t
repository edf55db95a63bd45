# SPDX-License-Identifier: LGPL-2.1-or-later
# watchdog_interval, watchdog_kick (rate-limited heartbeats for a plain loop) and watchdog_timer
# (an AnyEvent timer) against a real receiving socket.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use SdTest qw(receiver run_perl);

my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard notify :watchdog)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;

my $rx = receiver();
$ENV{NOTIFY_SOCKET} = $rx->address;
delete $ENV{WATCHDOG_PID};

# ---- watchdog_interval
delete $ENV{WATCHDOG_USEC};
is(watchdog_interval(), 0, 'no WATCHDOG_USEC: interval 0');
$ENV{WATCHDOG_USEC} = 3_000_000;
is(watchdog_interval(), 1.5, 'WATCHDOG_USEC=3000000: every 1.5 s');
$ENV{WATCHDOG_PID} = $$ + 1;
is(watchdog_interval(), 0, 'WATCHDOG_PID of another process: 0');
$ENV{WATCHDOG_PID} = $$;
is(watchdog_interval(), 1.5, 'WATCHDOG_PID=$$: 1.5');

# ---- watchdog_kick: at most one WATCHDOG=1 per quarter of the timeout
$ENV{WATCHDOG_USEC} = 800_000;    # a quarter: 0.2 s
is(watchdog_kick(STATUS => 'first'), 1, 'watchdog_kick: the first call sends (1)');
is($rx->recv(2)->{data}, "WATCHDOG=1\nSTATUS=first\n", '... WATCHDOG=1 and the fields given');
my $t0 = time;
is(watchdog_kick(), 0, '... called again at once: not due (0)');
ok(!$rx->recv(0.05), '... nothing sent');
sleep 0.3;
is(watchdog_kick(), 1, '... after a quarter of the timeout: sends again');
is($rx->recv(2)->{data}, "WATCHDOG=1\n", '... WATCHDOG=1');
# a busy loop calling it all the time: a heartbeat every 0.2 s, never more
my $n = 0;
my $until = time + 1.1;
while (time < $until) { $n++ if watchdog_kick() > 0; }
my @beats = $rx->drain;
is(scalar @beats, $n, "a busy loop for 1.1 s: $n heartbeats sent");
ok($n >= 3 && $n <= 6, '... about one per 0.2 s (3 to 6), not one per pass');
{
    my $child = fork // die;
    if (!$child) { POSIX::_exit(watchdog_kick() == 0 ? 0 : 1) }
    waitpid $child, 0;
    is($?, 0, 'in a forked child (WATCHDOG_PID is the parent): not enabled, nothing sent');
    ok(!$rx->recv(0.1), '... nothing received');
}
{
    my ($st, $out, $err) = run_perl('use Systemd::Daemon qw(:watchdog); print watchdog_kick(), watchdog_kick()',
                                    ENV => { WATCHDOG_USEC => undef, NOTIFY_SOCKET => $rx->address });
    is($out, '00', 'no watchdog: watchdog_kick sends nothing (0)') or diag($err);
}

# ---- watchdog_timer (AnyEvent)
SKIP: {
    skip 'AnyEvent is not installed', 7 unless eval { require AnyEvent; 1 };
    delete $ENV{WATCHDOG_USEC};
    ok(!defined watchdog_timer(), 'no watchdog: watchdog_timer returns undef');
    $ENV{WATCHDOG_USEC} = 200_000;
    my $beat = 0;
    my $w = watchdog_timer(sub { (STATUS => 'beat ' . ++$beat) });
    ok($w, 'WATCHDOG_USEC=200000: a timer');
    my $cv = AnyEvent->condvar;
    my $stop = AnyEvent->timer(after => 0.75, cb => sub { $cv->send });
    $cv->recv;
    my @got = map { $_->{data} } $rx->drain;
    ok(@got >= 4 && @got <= 8, 'about 0.75 s of the loop: a heartbeat every 0.1 s (' . scalar(@got) . ')');
    is($got[0], "WATCHDOG=1\nSTATUS=beat 1\n", '... WATCHDOG=1 with the fields of the sub');
    is($got[-1], "WATCHDOG=1\nSTATUS=beat " . scalar(@got) . "\n", '... called at each beat');
    undef $w;
    my $cv2 = AnyEvent->condvar;
    my $stop2 = AnyEvent->timer(after => 0.3, cb => sub { $cv2->send });
    $cv2->recv;
    ok(!$rx->recv(0), 'the guard dropped: no more heartbeats');
    my $w2 = watchdog_timer(STATUS => 'fixed');
    my $cv3 = AnyEvent->condvar;
    my $stop3 = AnyEvent->timer(after => 0.15, cb => sub { $cv3->send });
    $cv3->recv;
    is($rx->recv(1)->{data}, "WATCHDOG=1\nSTATUS=fixed\n", 'watchdog_timer(STATUS => ...): fixed fields');
}

done_testing;
