# SPDX-License-Identifier: LGPL-2.1-or-later
package SdTest;

# Test helpers: a receiving notify socket (what systemd binds at $NOTIFY_SOCKET) read with a real
# recvmsg() (bytes, passed fds, credentials), child perls, and where the library is.

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempdir);
use IO::Select;
use POSIX ();
use Socket qw(AF_UNIX SOCK_DGRAM SOCK_STREAM SOL_SOCKET pack_sockaddr_un);
use FFI::Platypus 2.00;
use FFI::Platypus::Buffer qw(scalar_to_buffer buffer_to_scalar);
use FFI::Platypus::Memory qw(malloc free memcpy);

our @EXPORT_OK = qw(receiver run_perl perl_inc c_getenv fd_identity maps_of have_root);

my $SO_PASSCRED     = 16;
my $SCM_RIGHTS      = 1;
my $SCM_CREDENTIALS = 2;
my $MSG_DONTWAIT    = 0x40;
my $MSG_CMSG_CLOEXEC = 0x40000000;

my $libc = FFI::Platypus->new(api => 2, lib => [undef]);
my $recvmsg = $libc->function(recvmsg => [qw(int opaque int)] => 'ssize_t');
my $getenv  = $libc->function(getenv => ['string'] => 'string');

# What C's getenv() sees (not Perl's %ENV).
sub c_getenv { return $getenv->call($_[0]) }

sub have_root { return $> == 0 }

# The directory this distribution's modules are loaded from (blib/lib under make test).
sub perl_inc {
    require Systemd::Daemon::Symbols;
    (my $dir = $INC{'Systemd/Daemon/Symbols.pm'}) =~ s{/Systemd/Daemon/Symbols\.pm\z}{};
    (my $t = __FILE__) =~ s{/SdTest\.pm\z}{};
    return ($dir, $t);
}

# run_perl(CODE, ENV => {...}, ARGS => [...], SWITCHES => [...]) -> (exit status, stdout, stderr)
# in a child perl with this distribution's @INC. ENV values undef delete the variable.
sub run_perl {
    my ($code, %opt) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my ($out, $err) = ("$dir/out", "$dir/err");
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        for my $k (keys %{ $opt{ENV} || {} }) {
            my $v = $opt{ENV}{$k};
            if (defined $v) { $ENV{$k} = $v } else { delete $ENV{$k} }
        }
        open STDOUT, '>', $out or POSIX::_exit(120);
        open STDERR, '>', $err or POSIX::_exit(121);
        my @inc = map { "-I$_" } perl_inc();
        # the test's own command line: untainted, for the tests that run under -T
        my @cmd = map { /\A(.*)\z/s } $^X, @{ $opt{SWITCHES} || [] }, @inc, '-e', $code, @{ $opt{ARGS} || [] };
        { exec @cmd }
        POSIX::_exit(122);
    }
    waitpid $pid, 0;
    my $status = $?;
    local $/;
    open my $o, '<', $out or die; my $stdout = <$o>;
    open my $e, '<', $err or die; my $stderr = <$e>;
    return ($status, $stdout, $stderr);
}

# (dev, ino) of a handle or fd number, to tell that a received fd is the one sent.
sub fd_identity {
    my ($fd) = @_;
    my @st = ref $fd || ref \$fd eq 'GLOB' ? stat $fd : stat "/proc/self/fd/$fd";
    return @st ? "$st[0]:$st[1]" : undef;
}

# The files a process maps whose name matches RE.
sub maps_of {
    my ($pid, $re) = @_;
    open my $m, '<', "/proc/$pid/maps" or return ();
    my %seen;
    while (<$m>) {
        my $file = (split ' ', $_, 6)[5] // next;
        chomp $file;
        $seen{$file} = 1 if $file =~ $re;
    }
    return sort keys %seen;
}

# ------------------------------------------------------------------------- the receiver

# receiver(abstract => 0|1, type => SOCK_DGRAM|SOCK_STREAM, path => P) -> object with
#   ->address   what to put in NOTIFY_SOCKET ("/dir/notify" or "@name")
#   ->recv(T)   the next datagram within T seconds: { data, fds => [...], pid, uid, gid }, or undef
#   ->drain     every datagram already queued
sub receiver {
    my (%opt) = @_;
    my $self = bless { %opt }, __PACKAGE__ . '::Receiver';
    socket(my $s, AF_UNIX, $opt{type} // SOCK_DGRAM, 0) or die "socket: $!";
    my ($address, $sockaddr);
    if ($opt{path}) {
        $address = $opt{path};
        $sockaddr = pack_sockaddr_un($address);
    } elsif ($opt{abstract}) {
        my $name = "sdlite-perl-test-$$-" . int(rand(1e9));
        $address = "\@$name";
        $sockaddr = pack_sockaddr_un("\0$name");
    } else {
        $self->{dir} = tempdir(CLEANUP => 1);
        $address = "$self->{dir}/notify";
        $sockaddr = pack_sockaddr_un($address);
    }
    bind($s, $sockaddr) or die "bind $address: $!";
    setsockopt($s, SOL_SOCKET, $SO_PASSCRED, 1) or die "SO_PASSCRED: $!";
    listen($s, 16) or die "listen: $!" if ($opt{type} // SOCK_DGRAM) == SOCK_STREAM;
    @$self{qw(sock address)} = ($s, $address);
    return $self;
}

package SdTest::Receiver;

use strict;
use warnings;

sub address { return $_[0]{address} }
sub handle  { return $_[0]{sock} }

sub recv {
    my ($self, $timeout, $size) = @_;
    $size //= 1 << 16;
    return undef unless IO::Select->new($self->{sock})->can_read($timeout // 5);
    my $data = FFI::Platypus::Memory::malloc($size);
    my $ctl_size = 4096;
    my $ctl  = FFI::Platypus::Memory::malloc($ctl_size);
    my $iov  = pack 'L!L!', $data, $size;
    my ($iov_ptr) = FFI::Platypus::Buffer::scalar_to_buffer($iov);
    my $hdr = pack 'L! L x4 L! L! L! L! i x4', 0, 0, $iov_ptr, 1, $ctl, $ctl_size, 0;
    my $hdr_ptr = FFI::Platypus::Memory::malloc(length $hdr);
    my ($tmpl) = FFI::Platypus::Buffer::scalar_to_buffer($hdr);
    FFI::Platypus::Memory::memcpy($hdr_ptr, $tmpl, length $hdr);
    my $n = $recvmsg->call(fileno $self->{sock}, $hdr_ptr, $MSG_DONTWAIT | $MSG_CMSG_CLOEXEC);
    my $errno = $! + 0;
    my %got;
    if ($n >= 0) {
        my $back = FFI::Platypus::Buffer::buffer_to_scalar($hdr_ptr, length $hdr);
        my (undef, undef, undef, undef, undef, $ctl_len, $flags) = unpack 'L! L x4 L! L! L! L! i x4', $back;
        $got{data}  = $n ? FFI::Platypus::Buffer::buffer_to_scalar($data, $n) : '';
        $got{flags} = $flags;
        $got{fds}   = [];
        my $control = $ctl_len ? FFI::Platypus::Buffer::buffer_to_scalar($ctl, $ctl_len) : '';
        my $off = 0;
        while ($off + 16 <= length $control) {
            my ($len, $level, $type) = unpack 'L! i i', substr($control, $off, 16);
            last if $len < 16;
            my $payload = substr($control, $off + 16, $len - 16);
            if ($level == 1 && $type == $SCM_RIGHTS) {
                push @{ $got{fds} }, unpack 'i*', $payload;
            } elsif ($level == 1 && $type == $SCM_CREDENTIALS) {
                @got{qw(pid uid gid)} = unpack 'i I I', $payload;
            }
            $off += ($len + 7) & ~7;
        }
    }
    FFI::Platypus::Memory::free($_) for $data, $ctl, $hdr_ptr;
    die "recvmsg: " . ($! = $errno) if $n < 0;
    return \%got;
}

sub drain {
    my ($self) = @_;
    my @all;
    while (my $m = $self->recv(0)) {
        push @all, $m;
    }
    return @all;
}

1;
