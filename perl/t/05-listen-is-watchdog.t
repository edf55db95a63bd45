# SPDX-License-Identifier: LGPL-2.1-or-later
# sd_listen_fds and sd_listen_fds_with_names with fds 3 and 4 passed as systemd passes them (in a
# child perl), the sd_is_* checks on real fds, sd_booted, sd_watchdog_enabled: the C results.
use strict;
use warnings;
use Test::More;
use POSIX ();
use Fcntl qw(F_GETFD FD_CLOEXEC O_RDWR);
use File::Temp qw(tempdir);
use Socket qw(:all);
use lib 't/lib';
use SdTest qw(run_perl c_getenv);

my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard :sd)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;
my ($EINVAL, $EBADF) = map { -$_ } POSIX::EINVAL(), POSIX::EBADF();
my $dir = tempdir(CLEANUP => 1);

# ---- socket activation, in a child: fds 3 and 4 are ours to set
{
    my $code = <<'PERL';
use strict; use warnings;
use POSIX (); use Socket qw(:all); use Fcntl qw(F_GETFD FD_CLOEXEC);
use Systemd::Daemon qw(-hard :sd_listen :sd_is);
socket(my $a, AF_UNIX, SOCK_STREAM, 0) or die; socket(my $b, AF_INET, SOCK_DGRAM, 0) or die;
POSIX::dup2(fileno $a, 3) == 3 or die "dup2: $!"; POSIX::dup2(fileno $b, 4) == 4 or die "dup2: $!";
use FFI::Platypus 2.00;
my $fcntl = FFI::Platypus->new(api => 2, lib => [undef])->function(fcntl => [qw(int int int)] => 'int');
my $c = sub { ($fcntl->call($_[0], F_GETFD, 0) & FD_CLOEXEC) ? 1 : 0 };
$fcntl->call($_, Fcntl::F_SETFD(), 0) for 3, 4;    # as systemd passes them (Perl's dup2 sets it)
my @out = ('cloexec0=' . $c->(3) . $c->(4));
@ENV{qw(LISTEN_PID LISTEN_FDS LISTEN_FDNAMES)} = ($$, 2, 'web:stats');
push @out, 'n=' . sd_listen_fds(0), 'cloexec=' . $c->(3) . $c->(4);
push @out, 'start=' . $SD_LISTEN_FDS_START;
push @out, 'is=' . join ',', sd_is_socket(3, AF_UNIX, SOCK_STREAM, -1), sd_is_socket(4, AF_INET, SOCK_DGRAM, -1), sd_is_socket(4, AF_UNIX, 0, -1);
push @out, 'names=' . join ',', sd_listen_fds_with_names(0);
push @out, 'scalar=' . scalar sd_listen_fds_with_names(0);
delete $ENV{LISTEN_FDNAMES};
push @out, 'unnamed=' . join ',', sd_listen_fds_with_names(0);
$ENV{LISTEN_FDNAMES} = 'one';
push @out, 'mismatch=' . join ',', sd_listen_fds_with_names(0);
$ENV{LISTEN_FDNAMES} = 'web:stats';
push @out, 'unset=' . join(',', sd_listen_fds_with_names(1)) . ';' . join(',', map { exists $ENV{$_} ? 1 : 0 } qw(LISTEN_PID LISTEN_FDS LISTEN_FDNAMES));
push @out, 'after=' . sd_listen_fds(0);
@ENV{qw(LISTEN_PID LISTEN_FDS)} = ($$ + 1, 2);
push @out, 'otherpid=' . sd_listen_fds(0);
@ENV{qw(LISTEN_PID LISTEN_FDS)} = ($$, 'two');
push @out, 'garbage=' . sd_listen_fds(0);
@ENV{qw(LISTEN_PID LISTEN_FDS)} = ($$, 2);
push @out, 'unset0=' . sd_listen_fds(1) . ';' . join(',', map { exists $ENV{$_} ? 1 : 0 } qw(LISTEN_PID LISTEN_FDS));
print join("\n", @out), "\n";
PERL
    my ($st, $out, $err) = run_perl($code);
    is($st, 0, 'socket activation child ran') or diag($err);
    my %r = map { split /=/, $_, 2 } split /\n/, $out;
    is($r{n}, 2, 'LISTEN_PID=$$ LISTEN_FDS=2: sd_listen_fds returns 2');
    is($r{cloexec0}, '00', 'fds 3 and 4 passed without FD_CLOEXEC');
    is($r{cloexec}, '11', '... sd_listen_fds sets FD_CLOEXEC on them, as libsystemd does');
    is($r{start}, 3, '$SD_LISTEN_FDS_START is 3');
    is($r{is}, '1,1,0', 'sd_is_socket on the passed fds: unix stream, inet dgram, not unix');
    is($r{names}, '2,web,stats', 'sd_listen_fds_with_names: (2, web, stats)');
    is($r{scalar}, 2, '... in scalar context: 2');
    is($r{unnamed}, '2,unknown,unknown', '... without LISTEN_FDNAMES: unknown');
    is($r{mismatch}, $EINVAL, '... with fewer names than fds: -EINVAL, no names');
    is($r{unset}, '2,web,stats;0,0,0', '... unset_environment: the names, then LISTEN_* gone from %ENV');
    is($r{after}, 0, '... and sd_listen_fds says 0 afterwards (gone from the C environment)');
    is($r{otherpid}, 0, 'LISTEN_PID of another process: 0');
    is($r{garbage}, $EINVAL, 'LISTEN_FDS=two: -EINVAL');
    is($r{unset0}, '2;0,0', 'sd_listen_fds(1): 2, and the variables are gone');
}

# ---- sd_is_fifo, sd_is_special
{
    my $fifo = "$dir/fifo";
    POSIX::mkfifo($fifo, 0600) or die "mkfifo: $!";
    sysopen my $f, $fifo, O_RDWR or die "open fifo: $!";
    is(sd_is_fifo($f, undef), 1, 'sd_is_fifo(fifo, undef): 1');
    is(sd_is_fifo(fileno $f, $fifo), 1, 'sd_is_fifo(fifo, its path): 1');
    is(sd_is_fifo($f, "$dir/other"), 0, 'sd_is_fifo(fifo, another path): 0');
    open my $reg, '<', $0 or die;
    is(sd_is_fifo($reg, undef), 0, 'sd_is_fifo(a file): 0');
    is(sd_is_fifo(-1, undef), $EBADF, 'sd_is_fifo(-1): -EBADF');
    close $reg;
    is(sd_is_fifo($reg, undef), $EBADF, 'sd_is_fifo(a closed handle): -EBADF');
    open my $null, '<', '/dev/null' or die;
    is(sd_is_special($null, '/dev/null'), 1, 'sd_is_special(/dev/null, /dev/null): 1');
    is(sd_is_special($null, undef), 1, 'sd_is_special(/dev/null, undef): 1');
    is(sd_is_special($null, '/dev/zero'), 0, 'sd_is_special(/dev/null, /dev/zero): 0');
    is(sd_is_special($f, undef), 0, 'sd_is_special(a fifo): 0');
}

# ---- sd_is_socket, sd_is_socket_inet, sd_is_socket_unix, sd_is_socket_sockaddr
{
    socket(my $tcp, AF_INET, SOCK_STREAM, 0) or die;
    setsockopt($tcp, SOL_SOCKET, SO_REUSEADDR, 1);
    bind($tcp, pack_sockaddr_in(0, inet_aton('127.0.0.1'))) or die "bind: $!";
    listen($tcp, 5) or die;
    my ($port) = unpack_sockaddr_in(getsockname $tcp);
    is(sd_is_socket($tcp, AF_INET, SOCK_STREAM, 1), 1, 'sd_is_socket(tcp listener, AF_INET, SOCK_STREAM, 1)');
    is(sd_is_socket($tcp, AF_INET, SOCK_STREAM, 0), 0, '... listening 0: 0');
    is(sd_is_socket($tcp, 0, 0, -1), 1, '... AF_UNSPEC, any type, either: 1');
    is(sd_is_socket($tcp, AF_INET6, 0, -1), 0, '... AF_INET6: 0');
    is(sd_is_socket($tcp, AF_INET, SOCK_DGRAM, -1), 0, '... SOCK_DGRAM: 0');
    is(sd_is_socket_inet($tcp, AF_INET, SOCK_STREAM, 1, $port), 1, "sd_is_socket_inet(..., port $port): 1");
    is(sd_is_socket_inet($tcp, AF_INET, SOCK_STREAM, 1, $port == 65535 ? 1 : $port + 1), 0, '... another port: 0');
    is(sd_is_socket_inet($tcp, 0, 0, -1, 0), 1, '... AF_UNSPEC, port 0 (any): 1');
    is(sd_is_socket_inet($tcp, AF_INET6, 0, -1, 0), 0, '... AF_INET6: 0');
    my $addr = getsockname $tcp;
    is(sd_is_socket_sockaddr($tcp, SOCK_STREAM, $addr, 1), 1, 'sd_is_socket_sockaddr(tcp, its getsockname): 1');
    is(sd_is_socket_sockaddr($tcp, SOCK_STREAM, pack_sockaddr_in($port, inet_aton('127.0.0.2')), 1), 0, '... another address: 0');
    is(sd_is_socket_sockaddr($tcp, SOCK_DGRAM, $addr, -1), 0, '... SOCK_DGRAM: 0');
    cmp_ok(sd_is_socket_sockaddr($tcp, SOCK_STREAM, "\x02", 1), '<', 0, '... a 1-byte address: an error');
    is(sd_is_socket_sockaddr($tcp, SOCK_STREAM, undef, 1), $EINVAL, '... undef (NULL): -EINVAL');

    socket(my $u, AF_UNIX, SOCK_STREAM, 0) or die;
    bind($u, pack_sockaddr_un("$dir/sock")) or die;
    listen($u, 5) or die;
    is(sd_is_socket_unix($u, SOCK_STREAM, 1, "$dir/sock", 0), 1, 'sd_is_socket_unix(listener, SOCK_STREAM, 1, path, 0): 1');
    is(sd_is_socket_unix($u, SOCK_STREAM, 1, "$dir/other", 0), 0, '... another path: 0');
    is(sd_is_socket_unix($u, SOCK_STREAM, -1, undef, 0), 1, '... no path: 1');
    is(sd_is_socket_unix($u, SOCK_DGRAM, -1, undef, 0), 0, '... SOCK_DGRAM: 0');
    is(sd_is_socket_unix($tcp, 0, -1, undef, 0), 0, '... a TCP socket: 0');
    is(sd_is_socket_unix($u, AF_UNIX, SOCK_STREAM, 1, "$dir/sock", 0), 1, "0.07's six-argument form (family): 1");
    is(sd_is_socket_unix($u, AF_UNIX, SOCK_STREAM, 1, "$dir/other", 0), 0, '... another path: 0');
    is(sd_is_socket_sockaddr($u, SOCK_STREAM, getsockname($u), 1), -POSIX::EPFNOSUPPORT(),
       'sd_is_socket_sockaddr(unix listener): -EPFNOSUPPORT (IPv4 and IPv6 only, as in libsystemd)');

    socket(my $abs, AF_UNIX, SOCK_DGRAM, 0) or die;
    my $name = "\0sdlite-perl-is-$$";
    bind($abs, pack_sockaddr_un($name)) or die "bind abstract: $!";
    is(sd_is_socket_unix($abs, SOCK_DGRAM, -1, $name, length $name), 1, 'sd_is_socket_unix(abstract "\\0name", its length): 1');
    is(sd_is_socket_unix($abs, SOCK_DGRAM, -1, "\0other", 6), 0, '... another abstract name: 0');
    is(sd_is_socket(-1, 0, 0, -1), $EBADF, 'sd_is_socket(-1): -EBADF');
}

# ---- sd_is_mq: a POSIX message queue from libc's mq_open
SKIP: {
    require FFI::Platypus;
    my $libc = FFI::Platypus->new(api => 2, lib => [undef]);
    my ($open, $unlink) = eval { ($libc->function(mq_open => [qw(string int uint opaque)] => 'int'),
                                  $libc->function(mq_unlink => ['string'] => 'int')) };
    skip 'no mq_open in libc', 4 unless $open;
    my $name = "/sdlite-perl-test-$$";
    my $mq = $open->call($name, 2 | 64 | 128, 0600, undef);    # O_RDWR|O_CREAT|O_EXCL
    skip "mq_open: $!", 4 if $mq < 0;
    is(sd_is_mq($mq, undef), 1, 'sd_is_mq(a message queue, undef): 1');
    if (-e "/dev/mqueue$name") {
        is(sd_is_mq($mq, $name), 1, 'sd_is_mq(it, its name): 1');
        is(sd_is_mq($mq, "$name-other"), -POSIX::ENOENT(), '... a name that is no queue: -ENOENT');
    } else {
        is(sd_is_mq($mq, $name), -POSIX::ENOENT(), 'sd_is_mq(it, its name) without /dev/mqueue mounted: -ENOENT (it stats /dev/mqueue/NAME)');
        is(sd_is_mq($mq, 'relative'), $EINVAL, '... a relative name: -EINVAL');
    }
    open my $reg, '<', $0 or die;
    is(sd_is_mq($reg, undef), 0, 'sd_is_mq(a file): 0');
    POSIX::close($mq);
    $unlink->call($name);
}

# ---- sd_booted
is(sd_booted(), (-d '/run/systemd/system' ? 1 : 0), 'sd_booted: 1 exactly when /run/systemd/system is a directory');

# ---- sd_watchdog_enabled
{
    local @ENV{qw(WATCHDOG_USEC WATCHDOG_PID)};
    delete @ENV{qw(WATCHDOG_USEC WATCHDOG_PID)};
    is_deeply([ sd_watchdog_enabled(0) ], [ 0, undef ], 'no WATCHDOG_USEC: (0, undef)');
    $ENV{WATCHDOG_USEC} = 2_000_000;
    is_deeply([ sd_watchdog_enabled(0) ], [ 1, 2_000_000 ], 'WATCHDOG_USEC=2000000: (1, 2000000)');
    is(scalar sd_watchdog_enabled(0), 1, '... in scalar context: 1');
    my $usec = 'untouched';
    is(sd_watchdog_enabled(0, \$usec), 1, '... with \$usec (C\'s out parameter)');
    is($usec, 2_000_000, '... $usec set');
    $ENV{WATCHDOG_USEC} = '18446744073709551614';
    is_deeply([ sd_watchdog_enabled(0) ], [ 1, 18446744073709551614 ], 'a 64-bit WATCHDOG_USEC');
    $ENV{WATCHDOG_USEC} = 10;
    $ENV{WATCHDOG_PID} = $$;
    is_deeply([ sd_watchdog_enabled(0) ], [ 1, 10 ], 'WATCHDOG_PID=$$: 1');
    $ENV{WATCHDOG_PID} = $$ + 1;
    $usec = 'untouched';
    is_deeply([ sd_watchdog_enabled(0, \$usec) ], [ 0, undef ], 'WATCHDOG_PID of another process: (0, undef)');
    is($usec, 'untouched', '... \$usec left alone, as C leaves *usec');
    $ENV{WATCHDOG_PID} = $$;
    $ENV{WATCHDOG_USEC} = 'abc';
    is(scalar sd_watchdog_enabled(0), $EINVAL, 'WATCHDOG_USEC=abc: -EINVAL');
    $ENV{WATCHDOG_USEC} = 500_000;
    is_deeply([ sd_watchdog_enabled(1) ], [ 1, 500_000 ], 'sd_watchdog_enabled(1): (1, 500000)');
    ok(!exists $ENV{WATCHDOG_USEC} && !exists $ENV{WATCHDOG_PID}, '... then WATCHDOG_USEC and WATCHDOG_PID are gone from %ENV');
    ok(!defined c_getenv('WATCHDOG_USEC') && !defined c_getenv('WATCHDOG_PID'), '... and from the C environment');
}

done_testing;
