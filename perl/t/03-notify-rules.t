# SPDX-License-Identifier: LGPL-2.1-or-later
# notify(KEY => value, ...) against a real receiving socket: the bytes of each message (0.07's
# rules: booleans, no upper-casing, one line per variable, pid/unset reserved) and this
# distribution's choices where 0.07 was accidental (order, nothing to send, newlines).
use strict;
use warnings;
use Test::More;
use POSIX ();
use lib 't/lib';
use SdTest qw(receiver c_getenv);

my @warnings;
$SIG{__WARN__} = sub { push @warnings, @_ };
my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard notify)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;

my $rx = receiver();
$ENV{NOTIFY_SOCKET} = $rx->address;
my $EINVAL = -POSIX::EINVAL();

# notify(ARGS) sends exactly WANT (undef: nothing at all) and returns RET
sub sends {
    my ($args, $want, $what, $ret) = @_;
    @warnings = ();
    my $r = notify(@$args);
    my $got = $rx->recv(defined $want ? 2 : 0.2);
    my @rest = $rx->drain;
    if (defined $want) {
        is($got && $got->{data}, $want, $what) or return;
        is($r, $ret // 1, "... returns " . ($ret // 1));
    } else {
        ok(!$got, "$what: nothing sent") or diag(explain($got));
        is($r, $ret // 0, "... returns " . ($ret // 0));
    }
    is(scalar @rest, 0, '... one datagram at most');
}

# 0.07's rules
sends([ READY => 1 ], "READY=1\n", 'READY => 1');
for my $b (qw(READY RELOADING STOPPING WATCHDOG FDSTORE)) {
    sends([ $b => 'yes' ], "$b=1\n", "$b => 'yes' (any true value) sends $b=1");
    sends([ $b => 10 ], "$b=1\n", "$b => 10 sends $b=1");
    sends([ $b => 0, STATUS => 's' ], "STATUS=s\n", "$b => 0 is left out");
    sends([ $b => '', STATUS => 's' ], "STATUS=s\n", "$b => '' is left out");
    sends([ $b => undef, STATUS => 's' ], "STATUS=s\n", "$b => undef is left out");
}
sends([ ERRNO => 0 ], "ERRNO=0\n", 'ERRNO => 0 is not a boolean');
sends([ STATUS => 0 ], "STATUS=0\n", 'STATUS => 0 is sent');
sends([ STATUS => '47%' ], "STATUS=47%\n", 'STATUS with %');
sends([ ready => 1 ], "ready=1\n", 'names are not upper-cased (ready => 1 sends ready=1)');
sends([ ready => 0 ], "ready=0\n", '... and ready is not a boolean');
sends([ STATUS => undef ], "STATUS=\n", 'undef is the empty value');
sends([ STATUS => 'Ready', MAINPID => 42, X_CUSTOM => 'a b=c' ], "STATUS=Ready\nMAINPID=42\nX_CUSTOM=a b=c\n",
      'every variable one line, each ending with a newline');
sends([ STATUS => "caf\x{e9} \x{2713}" ], "STATUS=caf\xc3\xa9 \xe2\x9c\x93\n", 'wide characters go out as UTF-8');

# pid and unset are not variables
sends([ READY => 1, pid => $$ ], "READY=1\n", 'pid => $$ is not sent as a variable');
{
    my $r = notify(STATUS => 'pid', pid => $$);
    my $m = $rx->recv(2);
    is($m->{pid}, $$, 'pid => $$: the credentials name this process');
    my $child = fork // die;
    if (!$child) { sleep 30; POSIX::_exit(0) }
    SKIP: {
        skip 'sending on behalf of another pid needs root (CAP_SYS_ADMIN)', 2 unless $> == 0;
        notify(STATUS => 'other', pid => $child);
        my $m2 = $rx->recv(2);
        is($m2 && $m2->{data}, "STATUS=other\n", 'pid => CHILD: sent');
        is($m2 && $m2->{pid}, $child, '... with the credentials of that pid (sd_pid_notify)');
    }
    kill 'KILL', $child; waitpid $child, 0;
}
sends([ STATUS => 'u', unset => 0 ], "STATUS=u\n", 'unset => 0 is not sent as a variable');
is($ENV{NOTIFY_SOCKET}, $rx->address, '... and leaves NOTIFY_SOCKET');
sends([ STATUS => 'u', unset => 1 ], "STATUS=u\n", 'unset => 1: sent');
ok(!exists $ENV{NOTIFY_SOCKET}, '... then NOTIFY_SOCKET is gone from %ENV');
ok(!defined c_getenv('NOTIFY_SOCKET'), '... and from the C environment');
sends([ STATUS => 'x' ], undef, 'without NOTIFY_SOCKET', 0);
$ENV{NOTIFY_SOCKET} = $rx->address;
is(c_getenv('NOTIFY_SOCKET'), $rx->address, 'setting $ENV{NOTIFY_SOCKET} reaches the C environment');

# the choices where 0.07 was accidental
sends([ STATUS => 'a', READY => 1, ERRNO => 5 ], "STATUS=a\nREADY=1\nERRNO=5\n", 'variables in the order given');
sends([ READY => 1, STATUS => 'a' ], "READY=1\nSTATUS=a\n", '... whatever the order');
sends([ STATUS => 'a', READY => 1, STATUS => 'b' ], "STATUS=b\nREADY=1\n", 'a name given twice: the last value, in the first place');
sends([ READY => 1, READY => 0, STATUS => 's' ], "STATUS=s\n", '... booleans too (READY => 1, READY => 0: left out)');
sends([ READY => 0 ], undef, 'READY => 0 alone: no (empty) datagram', 0);
sends([], undef, 'notify() with no arguments: nothing sent', 0);
sends([ READY => 0, unset => 1 ], undef, 'nothing to send with unset => 1', 0);
ok(!exists $ENV{NOTIFY_SOCKET} && !defined c_getenv('NOTIFY_SOCKET'), '... still unsets NOTIFY_SOCKET');
$ENV{NOTIFY_SOCKET} = $rx->address;

for my $case ([ STATUS => "line\nREADY=1" ], [ STATUS => "nul\0READY=1" ], [ "A=B" => 'c' ], [ "A\nB" => 'c' ],
              [ '' => 'c' ], [ READY => 1, STATUS => "two\nlines" ]) {
    (my $show = join ' => ', @$case) =~ s/\n/\\n/g; $show =~ s/\0/\\0/g;
    sends($case, undef, "notify($show): would inject or cut", $EINVAL);
    like("@warnings", qr/notify: not sent: /, '... with a warning');
}
@warnings = ();
is(eval q{ no warnings 'Systemd::Daemon'; notify(STATUS => "a\nb") }, $EINVAL, "no warnings 'Systemd::Daemon': -EINVAL");
is("@warnings", '', '... silently');
sends([ STATUS => "x\ny", unset => 1 ], undef, 'injection with unset => 1', $EINVAL);
ok(!defined c_getenv('NOTIFY_SOCKET') && !exists $ENV{NOTIFY_SOCKET}, '... NOTIFY_SOCKET still unset (as libsystemd does on -EINVAL)');
$ENV{NOTIFY_SOCKET} = $rx->address;

# an odd number of arguments: the last name has no value (0.07 behaved the same, with a warning)
@warnings = ();
sends([ STATUS => 'a', 'READY' ], "STATUS=a\n", 'odd number of arguments: the lone READY has no value, left out');
like("@warnings", qr/Odd number of elements in notify/, '... with a warning');

# fds => [...]: sd_pid_notify_with_fds
{
    open my $fh, '<', $0 or die;
    pipe my $r, my $w or die;
    my $ret = notify(FDSTORE => 1, FDNAME => 'two', fds => [ $fh, fileno $w ]);
    my $m = $rx->recv(2);
    is($m->{data}, "FDSTORE=1\nFDNAME=two\n", 'fds => [...]: the message');
    is($ret, 1, '... returns 1');
    is(scalar @{ $m->{fds} }, 2, '... two fds received');
    is(SdTest::fd_identity($m->{fds}[0]), SdTest::fd_identity($fh), '... the first is the file (a handle given)');
    is(SdTest::fd_identity($m->{fds}[1]), SdTest::fd_identity($w), '... the second the pipe (a number given)');
    POSIX::close($_) for @{ $m->{fds} };
    $ret = notify(fds => [ $fh ]);
    $m = $rx->recv(2);
    is($m && $m->{data}, '', 'fds alone: an empty message with the fd (the fds are something to send)');
    is($m && scalar @{ $m->{fds} }, 1, '... one fd');
    POSIX::close($_) for @{ $m->{fds} || [] };
    ok(!eval { notify(fds => 3); 1 }, 'fds => not an array reference: dies');
}

done_testing;
