# SPDX-License-Identifier: LGPL-2.1-or-later
# The journal's send side against a receiver bound where journald listens, in a private mount
# namespace (unshare -m, a tmpfs over /run/systemd): the entries of sd_journal_print, _send,
# _sendv, _perror and journal() (fields, location, binary values, whitespace), a sealed memfd for
# an entry too large for a datagram, the stream fd's header and lines, the C results; and the
# same calls through systemd's own libsystemd giving the same bytes. Needs root: skipped
# otherwise (with CI=true, failed).
use strict;
use warnings;
no warnings qw(once);
use Test::More;
use POSIX ();
use Socket qw(SOCK_STREAM);
use lib 't/lib';
use SdTest qw(receiver run_perl perl_inc);

# ---- into a mount namespace of our own
if (!$ENV{SDLITE_JOURNAL_TEST_NS}) {
    my $why = $> != 0 ? "needs root (uid $>) for a private mount namespace over /run/systemd"
            : system('unshare -m true >/dev/null 2>&1') != 0 ? 'unshare -m does not work here (no mount namespaces)'
            : undef;
    if ($why) {
        if (($ENV{CI} // '') eq 'true') { plan tests => 1; fail("cannot run: $why (CI=true: not allowed to skip)"); exit 1 }
        plan skip_all => $why;
    }
    $ENV{SDLITE_JOURNAL_TEST_NS} = 1;
    my @inc = map { "-I$_" } grep { !ref && $_ ne '.' } @INC;
    { exec 'unshare', '-m', '--propagation', 'private', '--', $^X, @inc, $0 }
    die "exec unshare: $!";
}
my $run = '/run/systemd';
if (-d $run) {
    system('mount', '-n', '-t', 'tmpfs', '-o', 'mode=0755', 'sdlite-journal-test', $run) == 0 or die "mount $run";
} else {
    system('mount', '-n', '-t', 'tmpfs', '-o', 'mode=0755', 'sdlite-journal-test', '/run') == 0 or die 'mount /run';
    mkdir $run or die "mkdir $run: $!";
}
mkdir "$run/journal" or die "mkdir: $!";

my $ok = eval { require Systemd::Daemon; Systemd::Daemon->import(qw(-hard :sd_journal :sd_log journal)); 1 };
plan skip_all => "no libsystemd to test against: $@" unless $ok;
diag("journal on $Systemd::Daemon::XS::LIBRARY, receiver in a private $run");
my ($EINVAL, $ENOENT, $ENOBUFS) = map { -$_ } POSIX::EINVAL(), POSIX::ENOENT(), POSIX::ENOBUFS();

# ---- before journald is there: entries dropped (0), no stream (-ENOENT)
{
    my ($st, $out, $err) = run_perl(
        'use Systemd::Daemon qw(:sd_journal); print join ",", sd_journal_print(6, "x"), sd_journal_sendv("MESSAGE=x"), sd_journal_stream_fd("x", 6, 0)');
    is($out, "0,0,$ENOENT", 'no journald: entries dropped (0), sd_journal_stream_fd -ENOENT') or diag($err);
}

my $rx = receiver(path => "$run/journal/socket");
my $stdout = receiver(path => "$run/journal/stdout", type => SOCK_STREAM);
my $SIZE = 1 << 20;

# The fields of a native-protocol entry: [NAME, VALUE] pairs, binary form decoded.
sub fields_of {
    my ($buf) = @_;
    my @f;
    while (length $buf) {
        my $nl = index $buf, "\n";
        die "entry without a final newline" if $nl < 0;
        my $line = substr $buf, 0, $nl;
        my $eq = index $line, '=';
        if ($eq >= 0) {
            push @f, [ substr($line, 0, $eq), substr($line, $eq + 1) ];
            substr($buf, 0, $nl + 1) = '';
        } else {
            my $len = unpack 'Q<', substr($buf, $nl + 1, 8);
            push @f, [ $line, substr($buf, $nl + 9, $len) ];
            die "binary field $line not closed by a newline" unless substr($buf, $nl + 9 + $len, 1) eq "\n";
            substr($buf, 0, $nl + 10 + $len) = '';
        }
    }
    return \@f;
}
sub names { return [ map { $_->[0] } @{ $_[0] } ] }
sub field { my ($f, $name) = @_; my @v = map { $_->[1] } grep { $_->[0] eq $name } @$f; return wantarray ? @v : $v[0] }
sub entry { my $m = $rx->recv(5, $SIZE); return $m ? fields_of($m->{data}) : undef }
# the user's fields alone (no location, no SYSLOG_IDENTIFIER)
sub own { return [ grep { $_->[0] !~ /\A(?:CODE_FILE|CODE_LINE|CODE_FUNC|SYSLOG_IDENTIFIER)\z/ } @{ $_[0] } ] }

my ($r, $line, $e);

# ---- sd_journal_print
$r = sd_journal_print(6, 'hello %s, %d%%', 'world', 50); $line = __LINE__;
$e = entry();
is($r, 0, 'sd_journal_print returns 0');
is(field($e, 'MESSAGE'), 'hello world, 50%', '... MESSAGE formatted by sprintf');
is(field($e, 'PRIORITY'), 6, '... PRIORITY=6');
is(field($e, 'CODE_FILE'), $0, '... CODE_FILE is this file');
is(field($e, 'CODE_LINE'), $line, '... CODE_LINE the line of the call');
is(field($e, 'CODE_FUNC'), 'main', '... CODE_FUNC the package, outside any sub');
sub handler { return sd_journal_print(4, '%s', 'in a sub') }
handler();
$e = entry();
is(field($e, 'CODE_FUNC'), 'main::handler', 'in a sub: CODE_FUNC=main::handler');
sub in_eval { eval { sd_journal_print(4, 'e') } }
in_eval();
is(field(entry(), 'CODE_FUNC'), 'main::in_eval', 'inside eval {} in a sub: still the sub');
sd_journal_print(3, "trailing spaces and newlines \n\n");
is(field(entry(), 'MESSAGE'), 'trailing spaces and newlines', 'trailing whitespace stripped, as libsystemd does');
sd_journal_print(6, "multi\nline");
is(field(entry(), 'MESSAGE'), "multi\nline", 'a message with a newline arrives whole (binary form)');

# ---- sd_journal_send: each field through C's formatting
$r = sd_journal_send('MESSAGE=sent   ', 'PRIORITY=5', 'PERCENT=100%s', 'REQUEST_ID=42'); $line = __LINE__;
$e = entry();
is($r, 0, 'sd_journal_send returns 0');
is_deeply(own($e), [ [ MESSAGE => 'sent' ], [ PRIORITY => 5 ], [ PERCENT => '100%s' ], [ REQUEST_ID => 42 ] ],
          '... the fields in order, trailing whitespace stripped, % not interpreted');
is(field($e, 'CODE_LINE'), $line, '... with the location');
is(names($e)->[0], 'CODE_FILE', '... first (C\'s sd_journal_send puts the location first)');

# ---- sd_journal_sendv: exactly as given, any bytes
$r = sd_journal_sendv("MESSAGE=two\nlines", "BIN=a\0b", 'SPACE=x  ', "UTF8=\x{263a}"); $line = __LINE__;
$e = entry();
is($r, 0, 'sd_journal_sendv returns 0');
is_deeply(own($e), [ [ MESSAGE => "two\nlines" ], [ BIN => "a\0b" ], [ SPACE => 'x  ' ], [ UTF8 => "\xe2\x98\xba" ] ],
          '... newline, NUL and whitespace kept, wide characters as UTF-8');
is(field($e, 'CODE_LINE'), $line, '... with the location');
is((grep { $_ ne 'SYSLOG_IDENTIFIER' } @{ names($e) })[-1], 'CODE_FUNC', '... after the fields (C\'s sd_journal_sendv appends it)');
sd_journal_sendv([ 'MESSAGE=from an array ref', 'PRIORITY=7' ]);
is_deeply(own(entry()), [ [ MESSAGE => 'from an array ref' ], [ PRIORITY => 7 ] ], 'sd_journal_sendv(\@fields)');

# ---- sd_journal_perror
$! = POSIX::ENOENT();
$r = sd_journal_perror('open /nonexistent');
$e = entry();
is($r, 0, 'sd_journal_perror returns 0');
is(field($e, 'MESSAGE'), 'open /nonexistent: No such file or directory', '... MESSAGE: the text and strerror($!)');
is(field($e, 'ERRNO'), POSIX::ENOENT(), '... ERRNO=2');
is(field($e, 'PRIORITY'), 3, '... PRIORITY=3');
is($! + 0, POSIX::ENOENT(), '... $! left alone');
$! = POSIX::EACCES();
sd_journal_perror(undef);
is(field(entry(), 'MESSAGE'), 'Permission denied', 'sd_journal_perror(undef): strerror alone');

# ---- journal()
sub request_done { return journal(MESSAGE => 'request done', PRIORITY => 6, REQUEST_ID => 7, EMPTY => undef, MULTI => "a\nb") }
$r = request_done(); $line = __LINE__ - 1;
$e = entry();
is($r, 0, 'journal() returns 0');
is_deeply(own($e), [ [ MESSAGE => 'request done' ], [ PRIORITY => 6 ], [ REQUEST_ID => 7 ], [ EMPTY => '' ], [ MULTI => "a\nb" ] ],
          '... named fields in order, binary-safe');
is(field($e, 'CODE_FUNC'), 'main::request_done', '... the location is the caller\'s (CODE_FUNC)');
is(field($e, 'CODE_LINE'), $line, '... and line, not the module\'s');

# ---- SD_JOURNAL_SUPPRESS_LOCATION
{
    local $Systemd::Daemon::XS::SD_JOURNAL_SUPPRESS_LOCATION = 1;
    sd_journal_print(6, 'no location');
    sd_journal_send('MESSAGE=no location');
    sd_journal_sendv('MESSAGE=no location');
    $! = 1; sd_journal_perror('no location');
    my @n = map { names(entry()) } 1 .. 4;
    ok(!grep({ /\ACODE_/ } map { @$_ } @n), '$SD_JOURNAL_SUPPRESS_LOCATION: no CODE_* field in any of the four');
}

# ---- errors
is(sd_journal_print(8, 'x'), $EINVAL, 'priority 8: -EINVAL');
is(sd_journal_print(-1, 'x'), $EINVAL, 'priority -1: -EINVAL');
is(sd_journal_print(6, undef), $EINVAL, 'format undef: -EINVAL');
is(sd_journal_sendv(), $EINVAL, 'sd_journal_sendv(): -EINVAL');
is(sd_journal_print(6, '%s', 'x' x (1 << 20)), $ENOBUFS, 'a 1 MiB message: -ENOBUFS (libsystemd\'s limit)');
ok(!$rx->recv(0.2), '... none of these sent anything');

# ---- an entry too large for a datagram: a sealed memfd
{
    my $big = 'x' x (9 << 20);
    $r = sd_journal_sendv("MESSAGE=big", "DATA=$big");
    my $m = $rx->recv(5, $SIZE);
    is($r, 0, 'a 9 MiB entry: sent (0)');
    is($m && length $m->{data}, 0, '... as an empty datagram');
    is($m && scalar @{ $m->{fds} }, 1, '... carrying one fd');
    if ($m && @{ $m->{fds} }) {
        my $fd = $m->{fds}[0];
        require FFI::Platypus;
        my $fcntl = FFI::Platypus->new(api => 2, lib => [undef])->function(fcntl => [qw(int int int)] => 'int');
        is($fcntl->call($fd, 1034, 0), 1 | 2 | 4 | 8, '... sealed: F_SEAL_SEAL, SHRINK, GROW, WRITE');
        open my $fh, '<&=', $fd or die "fdopen: $!";
        sysseek $fh, 0, 0;
        my $content = do { local $/; <$fh> };
        my $f = own(fields_of($content));
        is_deeply([ map { [ $_->[0], length $_->[1] ] } @$f ], [ [ MESSAGE => 3 ], [ DATA => 9 << 20 ] ], '... holding the entry');
        close $fh;
    }
}

# ---- sd_journal_stream_fd
{
    my $fd = sd_journal_stream_fd('perl-test', 4, 1);
    cmp_ok($fd, '>=', 0, "sd_journal_stream_fd('perl-test', 4, 1): an fd ($fd)");
    open my $log, '>&=', $fd or die "fdopen: $!";
    $log->autoflush(1);
    print $log "<3>oops\nplain line\n";
    close $log;
    accept(my $conn, $stdout->handle) or die "accept: $!";
    my $got = do { local $/; <$conn> };
    is($got, "perl-test\n\n4\n1\n0\n0\n0\n<3>oops\nplain line\n",
       '... journald reads the header (identifier, unit, priority, level prefix, 0, 0, 0) then the lines');
    is(sd_journal_stream_fd(undef, 8, 0), $EINVAL, 'priority 8: -EINVAL');
}

# ---- the same calls through systemd's own libsystemd: the same bytes
SKIP: {
    my $system = $ENV{SYSTEM_LIBSYSTEMD} // '/usr/lib/x86_64-linux-gnu/libsystemd.so.0';
    skip "no systemd libsystemd at $system to compare with", 3 unless -e $system;
    skip 'already on the system libsystemd', 3 if Cwd::realpath($Systemd::Daemon::XS::LIBRARY) eq Cwd::realpath($system);
    my $code = <<'PERL';
use strict; use warnings;
use Systemd::Daemon qw(:sd_journal journal);
my @r;
push @r, sd_journal_print(6, 'hello %s', 'world');
push @r, sd_journal_print(3, "spaces \n\n");
push @r, sd_journal_print(6, "multi\nline");
sub f { push @r, sd_journal_send('MESSAGE=sent   ', 'PRIORITY=5', 'X=%d%%', '  LEAD=x') } f();
push @r, sd_journal_sendv("MESSAGE=two\nlines", "BIN=a\0b", 'SPACE=x  ', "UTF8=\x{263a}", '=noname', 'lower=x');
$! = 13; push @r, sd_journal_perror('denied');
push @r, journal(MESSAGE => 'helper', PRIORITY => 2);
{ local $Systemd::Daemon::XS::SD_JOURNAL_SUPPRESS_LOCATION = 1;
  push @r, sd_journal_print(6, 'x'), sd_journal_send('MESSAGE=y'), sd_journal_sendv('MESSAGE=z'); $! = 2; push @r, sd_journal_perror(''); }
push @r, sd_journal_print(8, 'x'), sd_journal_sendv();
my $fd = sd_journal_stream_fd('diff', 5, 0); push @r, $fd >= 0 ? 'fd' : $fd;
open my $fh, '>&=', $fd or die; print $fh "line\n"; close $fh;
print join(',', @r);
PERL
    require Cwd;
    my %got;
    for my $lib ($Systemd::Daemon::XS::LIBRARY, $system) {
        my ($st, $out, $err) = run_perl($code, ENV => { SDLITE_LIB => $lib });
        my @entries;
        while (my $m = $rx->recv(0.5, $SIZE)) { push @entries, $m->{data} }
        accept(my $conn, $stdout->handle) or die "accept: $!";
        my $stream = do { local $/; <$conn> };
        $got{$lib} = { out => $out, err => $err, entries => \@entries, stream => $stream };
    }
    my ($a, $b) = @got{ $Systemd::Daemon::XS::LIBRARY, $system };
    is($a->{out}, $b->{out}, "the same return values ($a->{out})") or diag("$a->{err}\n$b->{err}");
    is_deeply($a->{entries}, $b->{entries}, 'the same ' . scalar(@{ $b->{entries} }) . ' datagrams, byte for byte, as libsystemd 252 sends');
    is($a->{stream}, $b->{stream}, 'the same stream header and line');
}

done_testing;
