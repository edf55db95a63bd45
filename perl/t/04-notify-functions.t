# SPDX-License-Identifier: LGPL-2.1-or-later
# The notify family against a real receiving socket (path and abstract): the bytes, the
# credentials, the fds received, the barrier (answered by a forked receiver), the environment,
# and the C results for errors.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Time::HiRes qw(time);
use lib 't/lib';
use SdTest qw(receiver c_getenv fd_identity);

my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard :sd_notify)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;
my ($EINVAL, $EBADF, $ENOENT, $ETIMEDOUT) = map { -$_ } POSIX::EINVAL(), POSIX::EBADF(), POSIX::ENOENT(), POSIX::ETIMEDOUT();

for my $kind ('path', 'abstract') {
    my $rx = receiver(abstract => $kind eq 'abstract');
    local $ENV{NOTIFY_SOCKET} = $rx->address;
    my $m;

    is(sd_notify(0, "READY=1\nSTATUS=up"), 1, "$kind: sd_notify returns 1");
    $m = $rx->recv(2);
    is($m->{data}, "READY=1\nSTATUS=up", "$kind: ... the bytes as given (no newline added)");
    is_deeply([ @$m{qw(pid uid gid)} ], [ $$, $<, (split ' ', $()[0] ], "$kind: ... credentials: our pid, uid, gid");
    is_deeply($m->{fds}, [], "$kind: ... no fds");

    is(sd_pid_notify($$, 0, 'STATUS=pid'), 1, "$kind: sd_pid_notify(\$\$)");
    $m = $rx->recv(2);
    is($m->{data}, 'STATUS=pid', "$kind: ... the bytes");
    is($m->{pid}, $$, "$kind: ... our pid");

    is(sd_notifyf(0, 'STATUS=%s %03d%%', 'loaded', 7), 1, "$kind: sd_notifyf");
    is($rx->recv(2)->{data}, 'STATUS=loaded 007%', "$kind: ... formatted by Perl's sprintf");
    is(sd_pid_notifyf($$, 0, 'STATUS=%s', 'f'), 1, "$kind: sd_pid_notifyf");
    is($rx->recv(2)->{data}, 'STATUS=f', "$kind: ... formatted");

    open my $fh, '<', $0 or die;
    socketpair(my $s1, my $s2, Socket::AF_UNIX(), Socket::SOCK_STREAM(), 0) or die;
    is(sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=pair", [ $fh, fileno $s1, \*STDIN ]), 1,
       "$kind: sd_pid_notify_with_fds, three fds (handle, number, glob ref)");
    $m = $rx->recv(2);
    is($m->{data}, "FDSTORE=1\nFDNAME=pair", "$kind: ... the bytes");
    is(scalar @{ $m->{fds} }, 3, "$kind: ... three fds received");
    is_deeply([ map { fd_identity($_) } @{ $m->{fds} } ], [ map { fd_identity($_) } $fh, $s1, \*STDIN ],
              "$kind: ... the very files sent, in order");
    POSIX::close($_) for @{ $m->{fds} };
    is(sd_pid_notify_with_fds(0, 0, 'STATUS=nofds', []), 1, "$kind: sd_pid_notify_with_fds, no fds");
    $m = $rx->recv(2);
    is_deeply([ $m->{data}, $m->{fds} ], [ 'STATUS=nofds', [] ], "$kind: ... sent without fds");
    is(sd_pid_notify_with_fds(0, 0, 'STATUS=bad', [ -1 ]), $EBADF, "$kind: fd -1: -EBADF");
    close $fh;
    is(sd_pid_notify_with_fds(0, 0, 'STATUS=closed', [ $fh ]), $EBADF, "$kind: a closed handle: -EBADF");
    ok(!$rx->recv(0.1), "$kind: ... nothing sent");

    is(sd_notify(0, "STATUS=\x{263a}"), 1, "$kind: a wide character");
    is($rx->recv(2)->{data}, "STATUS=\xe2\x98\xba", "$kind: ... goes out as UTF-8");
    my $big = 'STATUS=' . ('x' x 300_000);
    is(sd_notify(0, $big), 1, "$kind: a 300 kB message (beyond the default socket buffer)");
    is(length($rx->recv(5, 1 << 20)->{data} // ''), length $big, "$kind: ... arrives whole");

    # the barrier: a child waits in it while we, the manager, read BARRIER=1 and close its fd
    for my $answer ('close', 'keep') {
        my $t0 = time;
        my $child = fork // die;
        if (!$child) {
            my $r = sd_notify_barrier(0, $answer eq 'close' ? 10_000_000 : 300_000);
            POSIX::_exit($r < 0 ? 100 - $r : $r);
        }
        $m = $rx->recv(5);
        is($m && $m->{data}, 'BARRIER=1', "$kind: sd_notify_barrier sends BARRIER=1 ($answer)");
        is($m && scalar @{ $m->{fds} }, 1, "$kind: ... with one fd");
        is($m && $m->{pid}, $child, "$kind: ... from the child");
        POSIX::close($_) for $answer eq 'close' ? @{ $m->{fds} } : ();
        waitpid $child, 0;
        if ($answer eq 'close') {
            is($? >> 8, 1, "$kind: ... the manager closed it: the barrier returns 1");
        } else {
            is($? >> 8, 100 - $ETIMEDOUT, "$kind: ... kept open: -ETIMEDOUT after the timeout");
            cmp_ok(time - $t0, '>=', 0.25, "$kind: ... after about 0.3 s");
            POSIX::close($_) for @{ $m->{fds} };
        }
    }

    # unset_environment: C's environ and %ENV
    is(sd_notify(1, 'STATUS=last'), 1, "$kind: sd_notify(1, ...) sends");
    is($rx->recv(2)->{data}, 'STATUS=last', "$kind: ... the bytes");
    ok(!defined c_getenv('NOTIFY_SOCKET'), "$kind: ... NOTIFY_SOCKET gone from the C environment");
    ok(!exists $ENV{NOTIFY_SOCKET}, "$kind: ... and from %ENV");
    is(sd_notify(0, 'STATUS=gone'), 0, "$kind: then sd_notify returns 0 (not run by a manager)");
    for my $f ([ sd_pid_notify => sub { sd_pid_notify(0, 1, 'A=1') } ],
               [ sd_pid_notify_with_fds => sub { sd_pid_notify_with_fds(0, 1, 'A=1', []) } ],
               [ sd_notifyf => sub { sd_notifyf(1, 'A=%d', 1) } ],
               [ sd_notify_barrier => sub { sd_notify_barrier(1, 1000) } ]) {
        $ENV{NOTIFY_SOCKET} = '/nonexistent/sdlite-perl-test/notify';
        my $r = $f->[1]->();
        ok(!exists $ENV{NOTIFY_SOCKET} && !defined c_getenv('NOTIFY_SOCKET'), "$kind: $f->[0] with unset_environment: unsets ($r)");
    }
}

# errors: the C results
{
    local $ENV{NOTIFY_SOCKET};
    delete $ENV{NOTIFY_SOCKET};
    is(sd_notify(0, 'READY=1'), 0, 'no NOTIFY_SOCKET: 0');
    is(sd_notify_barrier(0, 1000), 0, 'no NOTIFY_SOCKET: the barrier returns 0 at once');
    $ENV{NOTIFY_SOCKET} = '/nonexistent/sdlite-perl-test/notify';
    is(sd_notify(0, 'READY=1'), $ENOENT, 'NOTIFY_SOCKET names no socket: -ENOENT');
    $ENV{NOTIFY_SOCKET} = 'relative/notify';
    is(sd_notify(0, 'READY=1'), $EINVAL, 'a relative NOTIFY_SOCKET: -EINVAL');
    is(sd_notify(0, undef), $EINVAL, 'state undef (NULL): -EINVAL');
    is(sd_notifyf(0, undef), $EINVAL, 'sd_notifyf with format undef: -EINVAL');
    ok(!eval { sd_pid_notify_with_fds(0, 0, 'A=1', 3); 1 }, 'sd_pid_notify_with_fds with fds not an array ref: dies');
}

done_testing;
