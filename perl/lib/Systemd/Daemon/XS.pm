# SPDX-License-Identifier: LGPL-2.1-or-later
package Systemd::Daemon::XS;

# The binding: libsystemd's functions called through FFI::Platypus (no XS, no compiler; the name
# is Systemd::Daemon 0.07's). Loading this module loads the library, or dies saying why.

use strict;
use warnings;

our $VERSION = '0.08';

use parent 'Exporter::Tiny';
use Carp qw(croak);
use POSIX ();
use FFI::Platypus 2.00;
use FFI::Platypus::Buffer qw(scalar_to_buffer);
use FFI::Platypus::DL qw(dlopen dlclose dlerror RTLD_PLATYPUS_DEFAULT);
use FFI::Platypus::Memory qw(free);
use Systemd::Daemon::Symbols;

Systemd::Daemon::Symbols::setup(__PACKAGE__);

# The directory `make install-perl` (or `perl Makefile.PL SDLITE_LIBDIR=DIR`) installed next to:
# the build copies this file with the placeholder replaced. Left as it is, there is none.
our $LIBDIR = '@SDLITE_LIBDIR@';
$LIBDIR = undef if $LIBDIR eq '@' . 'SDLITE_LIBDIR' . '@' || $LIBDIR eq '';

our $SONAME = 'libsystemd.so.0';

# What was loaded (a path, or the soname when the dynamic loader searched) and why.
our ($LIBRARY, $FOUND_BY);

# As the C macro: true leaves out CODE_FILE, CODE_LINE and CODE_FUNC.
our $SD_JOURNAL_SUPPRESS_LOCATION = 0;

my $ENOSYS = POSIX::ENOSYS();

# The functions Systemd::Daemon 0.07 bound: a library without one of them is not a libsystemd.
my @REQUIRED = qw(sd_booted sd_is_fifo sd_is_mq sd_is_socket sd_is_socket_inet sd_is_socket_unix
                  sd_is_special sd_listen_fds sd_notify sd_pid_notify);

# ------------------------------------------------------------------------- finding the library

# (what to dlopen, how it was chosen). Dies when an explicit choice is unusable.
sub _choose {
    my $env = $ENV{SDLITE_LIB};
    if (defined $env && length $env) {
        # a directory holding the library, a path, or a bare soname for the loader to search
        return ("$env/$SONAME", "SDLITE_LIB=$env") if -d $env;
        return ($env, "SDLITE_LIB=$env");
    }
    if (defined $LIBDIR) {
        return ("$LIBDIR/$SONAME", "installed with sdlite in $LIBDIR");
    }
    return ($SONAME, 'by soname (the dynamic loader\'s search path)');
}

sub _load {
    my ($lib, $how) = _choose();
    my $handle = dlopen($lib, RTLD_PLATYPUS_DEFAULT);
    if (!$handle) {
        my $why = dlerror() // 'unknown error';
        my $hint = $how =~ /\Ainstalled/
            ? ' (set SDLITE_LIB to the path of a libsystemd.so.0, or to libsystemd.so.0 for the loader\'s search)'
            : '';
        die "Systemd::Daemon::XS: cannot load $lib ($how): $why$hint\n";
    }
    dlclose($handle);
    my $ffi = FFI::Platypus->new(api => 2, lib => [$lib]);
    for my $name (@REQUIRED) {
        next if defined $ffi->find_symbol($name);
        die "Systemd::Daemon::XS: $lib ($how) is not a libsystemd: it has no $name\n";
    }
    ($LIBRARY, $FOUND_BY) = ($lib, $how);
    return $ffi;
}

my $ffi  = _load();
my $libc = FFI::Platypus->new(api => 2, lib => [undef]);
my $getenv = $libc->function(getenv => ['string'] => 'opaque');

# Binds C function NAME as the private sub _NAME; one the library lacks (an old libsystemd)
# answers -ENOSYS.
sub _bind {
    my ($name, $args, $ret, $var) = @_;
    no strict 'refs';    ## no critic (ProhibitNoStrict)
    if (defined $ffi->find_symbol($name)) {
        $ffi->attach([ $name => "_$name" ] => $args => $ret);
    } else {
        *{"_$name"} = sub { return -$ENOSYS };
    }
    return;
}

_bind(sd_booted              => []                                     => 'int');
_bind(sd_is_fifo             => [qw(int string)]                       => 'int');
_bind(sd_is_special          => [qw(int string)]                       => 'int');
_bind(sd_is_mq               => [qw(int string)]                       => 'int');
_bind(sd_is_socket           => [qw(int int int int)]                  => 'int');
_bind(sd_is_socket_inet      => [qw(int int int int uint16)]           => 'int');
_bind(sd_is_socket_unix      => [qw(int int int opaque size_t)]        => 'int');
_bind(sd_is_socket_sockaddr  => [qw(int int opaque uint int)]          => 'int');
_bind(sd_listen_fds          => [qw(int)]                              => 'int');
_bind(sd_listen_fds_with_names => [qw(int opaque*)]                    => 'int');
_bind(sd_notify              => [qw(int string)]                       => 'int');
_bind(sd_pid_notify          => [qw(int int string)]                   => 'int');
_bind(sd_pid_notify_with_fds => ['int', 'int', 'string', 'int[]', 'uint'] => 'int');
_bind(sd_notify_barrier      => [qw(int uint64)]                       => 'int');
_bind(sd_watchdog_enabled    => [qw(int uint64*)]                      => 'int');
_bind(sd_journal_sendv       => [qw(opaque int)]                       => 'int');
_bind(sd_journal_sendv_with_location => [qw(string string string opaque int)] => 'int');
_bind(sd_journal_perror      => [qw(string)]                           => 'int');
_bind(sd_journal_perror_with_location => [qw(string string string string)] => 'int');
_bind(sd_journal_stream_fd   => [qw(string int int)]                   => 'int');

# The printf-style ones are variadic: one function object per shape, made on first use.
my %variadic;
sub _variadic {
    my ($name, $fixed, $nvar) = @_;
    return undef unless defined $ffi->find_symbol($name);
    return $variadic{"$name/$nvar"} ||= $ffi->function($name => $fixed => [ ('string') x $nvar ] => 'int');
}

# ------------------------------------------------------------------------- helpers

sub _flag { return $_[0] ? 1 : 0 }

# An fd given as a number or as a Perl handle; an unusable one becomes -1 (EBADF).
sub _fd {
    my ($fd) = @_;
    return -1 unless defined $fd;
    if (ref $fd || ref \$fd eq 'GLOB') {
        my $n = eval { fileno $fd };
        return defined $n ? $n : -1;
    }
    return $fd;
}

# After a call that was asked to unset the environment: %ENV forgets what C's environ no longer
# has (the library unsets with unsetenv(), which Perl's %ENV does not see).
sub _sync_env {
    for my $name (@_) {
        delete $ENV{$name} if exists $ENV{$name} && !defined $getenv->call($name);
    }
    return;
}

my @NOTIFY_ENV = qw(NOTIFY_SOCKET);
my @LISTEN_ENV = qw(LISTEN_PID LISTEN_FDS LISTEN_FDNAMES LISTEN_PIDFDID);
my @WATCHDOG_ENV = qw(WATCHDOG_USEC WATCHDOG_PID);

# A copy of STRING with a terminating NUL and a pointer to it (undef: NULL).
sub _cbuf {
    my ($string) = @_;
    return (undef, undef) unless defined $string;
    my $copy = "$string\0";
    my ($ptr) = scalar_to_buffer($copy);
    return ($ptr, \$copy);
}

# ------------------------------------------------------------------------- sd-daemon

sub sd_booted { return _sd_booted() }

sub sd_is_fifo    { my ($fd, $path) = @_; return _sd_is_fifo(_fd($fd), $path) }
sub sd_is_special { my ($fd, $path) = @_; return _sd_is_special(_fd($fd), $path) }
sub sd_is_mq      { my ($fd, $path) = @_; return _sd_is_mq(_fd($fd), $path) }

sub sd_is_socket {
    my ($fd, $family, $type, $listening) = @_;
    return _sd_is_socket(_fd($fd), $family // 0, $type // 0, $listening // 0);
}

sub sd_is_socket_inet {
    my ($fd, $family, $type, $listening, $port) = @_;
    return _sd_is_socket_inet(_fd($fd), $family // 0, $type // 0, $listening // 0, $port // 0);
}

# C's form has five arguments; 0.07 documented six, with a family after the fd (its binding
# passed them shifted): that form is taken too, and the family (AF_UNIX by definition) dropped.
sub sd_is_socket_unix {
    splice @_, 1, 1 if @_ == 6;
    my ($fd, $type, $listening, $path, $length) = @_;
    my ($ptr, $keep) = _cbuf($path);
    return _sd_is_socket_unix(_fd($fd), $type // 0, $listening // 0, $ptr, $length // 0);
}

sub sd_is_socket_sockaddr {
    my ($fd, $type, $addr, $listening) = @_;
    my ($ptr, $len) = defined $addr ? scalar_to_buffer($addr) : (undef, 0);
    return _sd_is_socket_sockaddr(_fd($fd), $type // 0, $ptr, $len, $listening // 0);
}

sub sd_listen_fds {
    my ($unset) = @_;
    my $r = _sd_listen_fds(_flag($unset));
    _sync_env(@LISTEN_ENV) if $unset;
    return $r;
}

sub sd_listen_fds_with_names {
    my ($unset) = @_;
    my $array;
    my $r = _sd_listen_fds_with_names(_flag($unset), \$array);
    _sync_env(@LISTEN_ENV) if $unset;
    my @names;
    if (defined $array) {
        if ($r > 0) {
            for my $ptr (@{ $ffi->cast(opaque => "opaque[$r]", $array) }) {
                last unless defined $ptr;
                push @names, $ffi->cast(opaque => 'string', $ptr);
                free($ptr);
            }
        }
        free($array);
    }
    return wantarray ? ($r, @names) : $r;
}

sub sd_notify {
    my ($unset, $state) = @_;
    my $r = _sd_notify(_flag($unset), $state);
    _sync_env(@NOTIFY_ENV) if $unset;
    return $r;
}

sub sd_pid_notify {
    my ($pid, $unset, $state) = @_;
    my $r = _sd_pid_notify($pid // 0, _flag($unset), $state);
    _sync_env(@NOTIFY_ENV) if $unset;
    return $r;
}

sub sd_pid_notify_with_fds {
    my ($pid, $unset, $state, $fds) = @_;
    croak 'sd_pid_notify_with_fds: the fds must be an array reference'
        if defined $fds && ref $fds ne 'ARRAY';
    my @fds = map { _fd($_) } @{ $fds || [] };
    my $r = _sd_pid_notify_with_fds($pid // 0, _flag($unset), $state, \@fds, scalar @fds);
    _sync_env(@NOTIFY_ENV) if $unset;
    return $r;
}

sub sd_notifyf {
    my ($unset, $format, @args) = @_;
    return sd_notify($unset, defined $format ? sprintf($format, @args) : undef);
}

sub sd_pid_notifyf {
    my ($pid, $unset, $format, @args) = @_;
    return sd_pid_notify($pid, $unset, defined $format ? sprintf($format, @args) : undef);
}

sub sd_notify_barrier {
    my ($unset, $timeout) = @_;
    my $r = _sd_notify_barrier(_flag($unset), $timeout // 0);
    _sync_env(@NOTIFY_ENV) if $unset;
    return $r;
}

sub sd_watchdog_enabled {
    my ($unset, $out) = @_;
    my $usec = 0;
    my $r = _sd_watchdog_enabled(_flag($unset), \$usec);
    _sync_env(@WATCHDOG_ENV) if $unset;
    $usec = undef unless $r > 0;
    $$out = $usec if $r > 0 && ref $out eq 'SCALAR';
    return wantarray ? ($r, $usec) : $r;
}

# ------------------------------------------------------------------------- sd-journal

# The location the C header's macros would add: CODE_FILE=, CODE_LINE= and the enclosing sub
# (the package outside any sub) of the call LEVEL frames up from the caller of _location.
sub _location {
    my ($level) = @_;
    my ($package, $file, $line) = caller($level);
    my $func;
    for (my $up = $level + 1; my @frame = caller($up); $up++) {
        next if $frame[3] eq '(eval)';
        $func = $frame[3];
        last;
    }
    return ("CODE_FILE=$file", "CODE_LINE=$line", $func // $package);
}

# The internal entry points take LEVEL, the number of subs between the user's call and them (1:
# the public function, or Systemd::Daemon's helper), so that the location is the user's.

sub _journal_print {
    my ($level, $priority, $format, @args) = @_;
    my $message = defined $format ? sprintf($format, @args) : undef;
    my @fmt = defined $message ? ('%s', $message) : (undef, undef);
    if ($SD_JOURNAL_SUPPRESS_LOCATION) {
        my $f = _variadic('sd_journal_print', [qw(int string)], 1) or return -$ENOSYS;
        return $f->call($priority // 0, @fmt);
    }
    my $f = _variadic('sd_journal_print_with_location', [qw(int string string string string)], 1)
        or return -$ENOSYS;
    return $f->call($priority // 0, _location($level + 1), @fmt);
}

# C's sd_journal_send(FIELD, ..., NULL) with every field given as ("%s", FIELD): the library
# formats, strips trailing whitespace and sends exactly as for C.
sub _journal_send {
    my ($level, @fields) = @_;
    my @var = @fields ? ((map { ('%s', $_) } @fields), undef) : (undef);
    my $first = shift @var;    # the first format is a fixed argument
    if ($SD_JOURNAL_SUPPRESS_LOCATION) {
        my $f = _variadic('sd_journal_send', ['string'], scalar @var) or return -$ENOSYS;
        return $f->call($first, @var);
    }
    my $f = _variadic('sd_journal_send_with_location', [qw(string string string string)], scalar @var)
        or return -$ENOSYS;
    return $f->call(_location($level + 1), $first, @var);
}

# An iovec per field, each pointing into the Perl string itself (binary-safe: any byte, any
# newline).
sub _journal_sendv {
    my ($level, @fields) = @_;
    @fields = @{ $fields[0] } if @fields == 1 && ref $fields[0] eq 'ARRAY';
    my @keep = map { defined $_ ? "$_" : '' } @fields;
    my $iov = join '', map { pack 'L!L!', scalar_to_buffer($_) } @keep;
    my ($iov_ptr) = @keep ? scalar_to_buffer($iov) : (undef);
    return _sd_journal_sendv($iov_ptr, scalar @keep) if $SD_JOURNAL_SUPPRESS_LOCATION;
    return _sd_journal_sendv_with_location(_location($level + 1), $iov_ptr, scalar @keep);
}

sub _journal_perror {
    my ($level, $message) = @_;
    my $errno = $! + 0;
    my @loc = $SD_JOURNAL_SUPPRESS_LOCATION ? () : _location($level + 1);
    local $! = $errno;    # what the library reads, set last thing before the call
    return @loc ? _sd_journal_perror_with_location(@loc, $message) : _sd_journal_perror($message);
}

sub sd_journal_print  { return _journal_print(1, @_) }
sub sd_journal_send   { return _journal_send(1, @_) }
sub sd_journal_sendv  { return _journal_sendv(1, @_) }
sub sd_journal_perror { return _journal_perror(1, @_) }

sub sd_journal_stream_fd {
    my ($identifier, $priority, $level_prefix) = @_;
    return _sd_journal_stream_fd($identifier, $priority // 0, _flag($level_prefix));
}

1;

__END__

=encoding UTF-8

=head1 NAME

Systemd::Daemon::XS - libsystemd's sd-daemon and journal-sending functions for Perl, through FFI::Platypus

=head1 SYNOPSIS

    use Systemd::Daemon::XS qw( :all );

    sd_notify( 0, "READY=1\nSTATUS=Ready\n" );
    sd_pid_notify( $pid, 0, "RELOADING=1" );
    if ( sd_booted() > 0 ) { ... }

    my ( $r, $usec ) = sd_watchdog_enabled( 0 );
    sd_pid_notify_with_fds( 0, 0, "FDSTORE=1\nFDNAME=db", [ $socket ] );
    my ( $n, @names ) = sd_listen_fds_with_names( 1 );
    sd_journal_print( 6, "listening on port %d", $port );

=head1 DESCRIPTION

The binding itself: each C function of C<< <systemd/sd-daemon.h> >> and the sending side of
C<< <systemd/sd-journal.h> >>, called through L<FFI::Platypus> in the C<libsystemd.so.0> found as
described in L<Systemd::Daemon/LIBRARY> (sdlite's, normally). Nothing is compiled: the name
C<::XS> is kept from Systemd::Daemon 0.07, whose binding was XS, so that code using it directly
runs unchanged.

Loading the module loads the library; it dies when there is none, saying which file it tried
and why. Use L<Systemd::Daemon> with C<-soft> to fall back to stubs instead.

Every function returns what the C function returns: a negative errno on error (C<-22> is
C<-EINVAL>), 0 or a positive value otherwise. A function the loaded library lacks (an old
libsystemd) returns C<-ENOSYS>. Arguments are converted as C would: flags (C<unset_environment>,
C<listening>, C<level_prefix>) by Perl truth, file descriptors given as numbers or as Perl
handles (a closed handle is C<-1>, so the answer is C<-EBADF>).

When C<unset_environment> is true, the library removes the variables from the process
environment (C's C<environ>); this module then removes them from C<%ENV> too, so Perl code sees
what C sees.

=head1 FUNCTIONS

=head2 Systemd::Daemon 0.07's

    int sd_notify( int unset_environment, const char *state );
    int sd_pid_notify( pid_t pid, int unset_environment, const char *state );
    int sd_booted( void );
    int sd_listen_fds( int unset_environment );
    int sd_is_fifo( int fd, const char *path );
    int sd_is_special( int fd, const char *path );
    int sd_is_mq( int fd, const char *path );
    int sd_is_socket( int fd, int family, int type, int listening );
    int sd_is_socket_inet( int fd, int family, int type, int listening, uint16_t port );
    int sd_is_socket_unix( int fd, int type, int listening, const char *path, size_t length );

Called the same way from Perl: C<sd_notify(0, "READY=1")>. C<undef> for a path is C's C<NULL>
(no path check). For C<sd_is_socket_unix>, C<$path> may hold NUL bytes (an abstract socket
name, C<"\0name">) and C<$length> is passed as given, as in C (0: C<$path> ends at its first NUL).
0.07 documented C<sd_is_socket_unix> with six arguments, a C<family> after the fd, which the C
function does not have (its binding passed the arguments shifted): called with six, the
family is dropped and the call is C's.
See L<sd_notify(3)>, L<sd_booted(3)>, L<sd_listen_fds(3)>, L<sd_is_fifo(3)>.

=head2 Added

=over 4

=item sd_watchdog_enabled

    my $r = sd_watchdog_enabled( $unset_environment );
    my ( $r, $usec ) = sd_watchdog_enabled( $unset_environment );
    my $r = sd_watchdog_enabled( $unset_environment, \$usec );

1 when the service manager expects C<WATCHDOG=1> from this process (C<$WATCHDOG_USEC> set and
C<$WATCHDOG_PID> unset or ours), with the timeout in microseconds; 0 when not (C<$usec> undef);
a negative errno when the variables are invalid. Send C<WATCHDOG=1> every C<$usec / 2>. See
L<sd_watchdog_enabled(3)>.

=item sd_notify_barrier

    my $r = sd_notify_barrier( $unset_environment, $timeout_usec );

Sends C<BARRIER=1> and waits until the service manager has handled every notification sent
before it (at most C<$timeout_usec> microseconds: C<-ETIMEDOUT>). See L<sd_notify_barrier(3)>.

=item sd_pid_notify_with_fds

    my $r = sd_pid_notify_with_fds( $pid, $unset_environment, $state, \@fds );

C<sd_pid_notify> sending file descriptors along (numbers or handles), e.g. to the fd store:
C<sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=db", [$socket])>.

=item sd_notifyf, sd_pid_notifyf

    my $r = sd_notifyf( $unset_environment, $format, @args );
    my $r = sd_pid_notifyf( $pid, $unset_environment, $format, @args );

C<sd_notify> of Perl's C<sprintf($format, @args)>.

=item sd_listen_fds_with_names

    my ( $n, @names ) = sd_listen_fds_with_names( $unset_environment );
    my $n = sd_listen_fds_with_names( $unset_environment );

The number of passed fds (the first is C<$SD_LISTEN_FDS_START>) and their names
(C<FileDescriptorName=>, or C<unknown> when none were given). See
L<sd_listen_fds_with_names(3)>.

=item sd_is_socket_sockaddr

    my $r = sd_is_socket_sockaddr( $fd, $type, $packed_sockaddr, $listening );

C<$packed_sockaddr> as C<Socket::pack_sockaddr_in>, C<pack_sockaddr_in6>, C<pack_sockaddr_un> or
C<getsockname> give it; its length is the C<addr_len>.

=back

=head2 The journal

Structured log entries over journald's native protocol, the bytes libsystemd sends. As in C
with the header's macros, each entry also carries C<CODE_FILE>, C<CODE_LINE> (the Perl file and
line of the call) and C<CODE_FUNC> (the enclosing sub, e.g. C<main::handle>, or the package
outside any sub), unless C<$Systemd::Daemon::XS::SD_JOURNAL_SUPPRESS_LOCATION> is true. Each
returns 0 or a negative errno; with no journald listening, entries are dropped and 0 returned,
as libsystemd does. Strings are passed as Perl holds them: text with wide characters goes out
as UTF-8.

=over 4

=item sd_journal_print

    my $r = sd_journal_print( $priority, $format, @args );

C<MESSAGE=> is Perl's C<sprintf($format, @args)>; C<$priority> is a syslog level, 0 to 7
(C<LOG_INFO> of L<Sys::Syslog> is 6). As in C, the second argument is a format: pass C<'%s'> and
the text when it may contain C<%>.

=item sd_journal_send

    my $r = sd_journal_send( 'MESSAGE=request done', "PRIORITY=6", "REQUEST_ID=$id" );

Each argument one C<FIELD=value>, formatted by Perl rather than printf; handled by C's
C<sd_journal_send>, which strips trailing whitespace from each field and stops a field at a NUL.

=item sd_journal_sendv

    my $r = sd_journal_sendv( 'MESSAGE=two\nlines', "DATA=$binary" );
    my $r = sd_journal_sendv( \@fields );

C's C<sd_journal_sendv>: each field exactly as given, any bytes (values with newlines or NULs
are sent in journald's binary form). Entries too large for a datagram go through a sealed
memfd.

=item sd_journal_perror

    open my $fh, '<', $file or sd_journal_perror( "open $file" );

C<MESSAGE=$message: strerror($!)> at C<LOG_ERR>, with C<ERRNO=>: C's C<sd_journal_perror> with
C<errno> set to Perl's C<$!>.

=item sd_journal_stream_fd

    my $fd = sd_journal_stream_fd( $identifier, $priority, $level_prefix );
    open my $log, '>&=', $fd or die "fdopen: $!" if $fd >= 0;

A file descriptor connected to journald's stream socket: each line written is an entry (with
C<$level_prefix> true, a line starting C<< <3> >> is logged at that level). A negative errno on
failure.

=back

=head1 CONSTANTS

C<$SD_LISTEN_FDS_START> (3) and C<$SD_EMERG> (C<< "<0>" >>), C<$SD_ALERT>, C<$SD_CRIT>,
C<$SD_ERR>, C<$SD_WARNING>, C<$SD_NOTICE>, C<$SD_INFO>, C<$SD_DEBUG> (C<< "<7>" >>): read-only
scalars (assigning one dies), so they interpolate: C<print STDERR "${SD_ERR}disk full\n">.

=head1 VARIABLES

C<$Systemd::Daemon::XS::LIBRARY> is what was loaded (a path, or C<libsystemd.so.0> when the
dynamic loader searched), C<$Systemd::Daemon::XS::FOUND_BY> says why.

=head1 EXPORT

Nothing by default; the tags of L<Systemd::Daemon/EXPORT> except its own functions.

=head1 SEE ALSO

L<Systemd::Daemon>, L<sd-daemon(3)>, L<sd-journal(3)>, L<FFI::Platypus>.

=head1 LICENSE

LGPL-2.1-or-later, as the rest of sdlite.

=cut
