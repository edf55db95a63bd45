# SPDX-License-Identifier: LGPL-2.1-or-later
package Systemd::Daemon;

# Systemd::Daemon 0.07's interface (hard and soft modes over an implementation, notify) on
# sdlite's libsystemd through FFI::Platypus, plus the watchdog helpers and journal().

use strict;
use warnings;
use warnings::register;

our $VERSION = '0.08';

use parent 'Exporter::Tiny';
use Carp qw(croak carp);
use POSIX ();
use Time::HiRes ();
use Systemd::Daemon::Symbols;

my @WATCHDOG = qw(watchdog_interval watchdog_timer watchdog_kick);

our @EXPORT    = ();
our @EXPORT_OK = (Systemd::Daemon::Symbols::names(), 'notify', 'journal', @WATCHDOG);
our %EXPORT_TAGS = (
    (map { $_ => [ @{ $Systemd::Daemon::Symbols::TAGS{$_} } ] } keys %Systemd::Daemon::Symbols::TAGS),
    sd       => [ Systemd::Daemon::Symbols::names() ],
    watchdog => [@WATCHDOG],
);

# The implementation in use: Systemd::Daemon::XS or Systemd::Daemon::Stub; undef until the
# first import (or the first call of one of this module's own functions) loads one.
our $IMPLEMENTATION;

sub _load_implementation {
    my ($hard) = @_;
    return $IMPLEMENTATION if defined $IMPLEMENTATION;
    if (eval { require Systemd::Daemon::XS; 1 }) {
        $IMPLEMENTATION = 'Systemd::Daemon::XS';
    } else {
        # the reason alone: not perl's trail of "Compilation failed in require at ..." lines,
        # nor where it was raised
        my $error = $@;
        $error =~ s/\n(?:BEGIN failed--compilation aborted|Compilation failed in require) .*\z//s;
        $error =~ s/ at \S+ line \d+\.?\n?\z//;
        chomp $error;
        croak $error if $hard;
        carp $error;
        require Systemd::Daemon::Stub;
        $IMPLEMENTATION = 'Systemd::Daemon::Stub';
    }
    # the functions and constants become this package's, for re-export and for notify()
    $IMPLEMENTATION->import(':all');
    return $IMPLEMENTATION;
}

# Exporter::Tiny passes -hard and -soft (tags that do not exist) here as options.
sub _exporter_validate_opts {    ## no critic (ProhibitUnusedPrivateSubroutines)
    my ($class, $opts) = @_;
    croak "$class: options hard and soft are mutually exclusive" if $opts->{hard} && $opts->{soft};
    croak "$class: Already loaded in soft mode"
        if $opts->{hard} && defined $IMPLEMENTATION && $IMPLEMENTATION ne 'Systemd::Daemon::XS';
    _load_implementation(!$opts->{soft});
    return;
}

# ------------------------------------------------------------------------- notify

my %BOOLEAN = map { $_ => 1 } qw(READY RELOADING STOPPING WATCHDOG FDSTORE);

sub notify {
    _load_implementation(1) unless defined $IMPLEMENTATION;
    warnings::warnif('misc', 'Odd number of elements in notify()') if @_ % 2;
    my (@keys, %value, $pid, $unset, $fds);
    my @args = @_;
    while (@args) {
        my ($key, $value) = splice @args, 0, 2;
        $key = '' unless defined $key;
        if    ($key eq 'pid')   { $pid = $value }
        elsif ($key eq 'unset') { $unset = $value ? 1 : 0 }
        elsif ($key eq 'fds')   { $fds = $value }
        else {
            push @keys, $key unless exists $value{$key};
            $value{$key} = $value;    # the last one given wins, in the place of the first
        }
    }
    croak 'notify: fds must be an array reference' if defined $fds && ref $fds ne 'ARRAY';

    my ($state, $bad) = ('', undef);
    for my $key (@keys) {
        my $value = $value{$key};
        if ($BOOLEAN{$key}) {
            next unless $value;
            $value = 1;
        }
        $value = '' unless defined $value;
        if ($key eq '' || $key =~ /[=\n\0]/ || $value =~ /[\n\0]/) {
            $bad = $key eq '' ? 'an empty variable name'
                 : $key =~ /[=\n\0]/ ? "the name '$key' (holds =, a newline or a NUL)"
                 : "$key (a newline or NUL in its value would start another variable)";
            last;
        }
        $state .= "$key=$value\n";
    }
    if ($bad) {
        warnings::warnif("notify: not sent: $bad");
        $state = undef;    # the library answers -EINVAL (and still unsets when asked)
    } elsif ($state eq '' && !($fds && @$fds)) {
        # nothing to say (e.g. READY => 0): no datagram
        delete $ENV{NOTIFY_SOCKET} if $unset;
        return 0;
    }
    return sd_pid_notify_with_fds($pid // 0, $unset, $state, $fds) if $fds;
    return sd_pid_notify($pid, $unset, $state) if defined $pid;
    return sd_notify($unset, $state);
}

# ------------------------------------------------------------------------- the watchdog

sub watchdog_interval {
    _load_implementation(1) unless defined $IMPLEMENTATION;
    my ($r, $usec) = sd_watchdog_enabled(0);
    return $r > 0 ? $usec / 2e6 : 0;
}

sub watchdog_timer {
    my @extra = @_;
    my $interval = watchdog_interval() or return undef;    ## no critic (ProhibitExplicitReturnUndef)
    eval { require AnyEvent; 1 }
        or croak 'watchdog_timer: needs AnyEvent (Debian: libanyevent-perl; CPAN: AnyEvent)';
    my $fields = @extra == 1 && ref $extra[0] eq 'CODE' ? $extra[0] : sub { @extra };
    return AnyEvent->timer(after => $interval, interval => $interval,
                           cb => sub { notify(WATCHDOG => 1, $fields->()) });
}

my ($kick_pid, $kick_every, $kick_last) = (0, 0, undef);

sub watchdog_kick {
    if ($kick_pid != $$) {    # read once per process: a forked child has no watchdog of its own
        ($kick_pid, $kick_every, $kick_last) = ($$, watchdog_interval() / 2, undef);
    }
    return 0 unless $kick_every;
    my $now = Time::HiRes::clock_gettime(Time::HiRes::CLOCK_MONOTONIC());
    return 0 if defined $kick_last && $now - $kick_last < $kick_every;
    $kick_last = $now;
    return notify(WATCHDOG => 1, @_);
}

# ------------------------------------------------------------------------- the journal

sub journal {
    _load_implementation(1) unless defined $IMPLEMENTATION;
    warnings::warnif('misc', 'Odd number of elements in journal()') if @_ % 2;
    my @fields;
    my @args = @_;
    while (@args) {
        my ($key, $value) = splice @args, 0, 2;
        push @fields, ($key // '') . '=' . ($value // '');
    }
    return -POSIX::ENOSYS() unless $IMPLEMENTATION eq 'Systemd::Daemon::XS';
    return Systemd::Daemon::XS::_journal_sendv(1, @fields);
}

1;

__END__

=encoding UTF-8

=head1 NAME

Systemd::Daemon - write systemd-aware daemons in Perl, on sdlite, with nothing to compile

=head1 SYNOPSIS

The daemon this distribution exists for, as written for Systemd::Daemon 0.07:

    use strict;
    use warnings;
    use feature 'say';
    use Time::HiRes qw( usleep );
    use Systemd::Daemon qw( -hard notify );

    my $sleep = ($ENV{WATCHDOG_USEC} // 2_000_000) / 2;
    notify( READY => 1 );
    while (1) { usleep $sleep; say "watchdog"; notify( WATCHDOG => 1 ); }

Perlish functions:

    use Systemd::Daemon qw( -soft notify );   # on a host without systemd: stubs, one warning

    notify( RELOADING => 1 );
    notify( STATUS => "Loading, $percent% done" );
    notify( READY => 1, STATUS => "Ready" );
    notify( STOPPING => 1 );
    notify( FDSTORE => 1, FDNAME => 'db', fds => [ $socket ] );

The watchdog, in an AnyEvent program or in a plain loop:

    use Systemd::Daemon qw( notify :watchdog );
    notify( READY => 1 );
    my $w = watchdog_timer();                  # WATCHDOG=1 every WATCHDOG_USEC/2
    AnyEvent->condvar->recv;

    while (1) { do_some_work(); watchdog_kick(); }

The C functions:

    use Systemd::Daemon qw( -hard -sd );

    sd_notify( 0, "READY=1\nSTATUS=Ready\n" );
    sd_pid_notify( $pid, 0, "READY=1\nSTATUS=Ready\n" );
    if ( sd_booted() > 0 ) { ... }
    my ( $r, $usec ) = sd_watchdog_enabled( 0 );
    sd_journal_print( 6, 'listening on port %d', $port );

=head1 DESCRIPTION

Systemd::Daemon 0.07's API, so that code written for it runs unchanged, on sdlite's
C<libsystemd.so.0> (a libsystemd that needs only libc) through L<FFI::Platypus>: no XS, no C
compiler and no C<libsystemd-dev> to install it. It goes beyond 0.07 with
C<sd_watchdog_enabled>, C<sd_notify_barrier>, fd passing, C<sd_listen_fds_with_names>,
C<sd_is_socket_sockaddr>, C<sd_notifyf>, the sending side of the journal and
watchdog helpers.

As in 0.07, the distribution has two implementations: L<Systemd::Daemon::XS>, the binding
(here through FFI::Platypus; the name is kept), and L<Systemd::Daemon::Stub>, functions that do
nothing and return C<-ENOSYS>. This module loads the binding when it is first imported and
works in one of two modes, chosen with an import pseudo-tag:

=over 4

=item C<-hard> (the default)

If the binding cannot be loaded (no library, or not a libsystemd), the C<use> dies with the
reason: you get the real functions or an exception.

=item C<-soft>

If it cannot be loaded, the module warns with the reason and falls back to the stubs: your
daemon still runs on a host without systemd or without the library, and every call returns
C<-ENOSYS>.

=back

The first import decides, for the whole process. Both at once die with
C<Systemd::Daemon: options hard and soft are mutually exclusive>; C<-hard> after a C<-soft>
import that fell back to the stubs dies with C<Systemd::Daemon: Already loaded in soft mode>.
C<$Systemd::Daemon::IMPLEMENTATION> says which one is in use.

=head1 EXPORT

Nothing by default. Name what you want, single names or tags (C<:tag> or C<-tag>):

    use Systemd::Daemon qw( sd_listen_fds $SD_LISTEN_FDS_START );
    use Systemd::Daemon qw( :sd_listen );      # the same
    use Systemd::Daemon qw( -sd_listen );      # the same

The module is an L<Exporter::Tiny> exporter, so its options work: renaming (C<-as>),
C<-prefix>, C<-suffix>, C<!name> to exclude, regular expressions, importing into another
package or into a hash:

    use Systemd::Daemon '$SD_ERR' => { -as => 'ERR' }, '$SD_DEBUG' => { -as => 'DBG' };
    use Systemd::Daemon qw( -all !notify );
    use Systemd::Daemon -sd_log => { -prefix => 'LOG_' };

=head2 Tags

=over 4

=item sd_booted

sd_booted.

=item sd_is

sd_is_fifo, sd_is_mq, sd_is_socket, sd_is_socket_inet, sd_is_socket_unix, sd_is_special;
added: sd_is_socket_sockaddr.

=item sd_listen

$SD_LISTEN_FDS_START, sd_listen_fds; added: sd_listen_fds_with_names.

=item sd_log

$SD_ALERT, $SD_CRIT, $SD_DEBUG, $SD_EMERG, $SD_ERR, $SD_INFO, $SD_NOTICE, $SD_WARNING.

=item sd_notify

sd_notify, sd_pid_notify; added: sd_notifyf, sd_pid_notifyf, sd_pid_notify_with_fds,
sd_notify_barrier.

=item sd_watchdog

Added: sd_watchdog_enabled (0.07 had this tag, empty).

=item sd_journal

New: sd_journal_print, sd_journal_send, sd_journal_sendv, sd_journal_perror,
sd_journal_stream_fd.

=item sd

All the above.

=item watchdog

New: watchdog_interval, watchdog_timer, watchdog_kick.

=item all

Everything: the above, notify and journal.

=back

=head1 FUNCTIONS

The C functions are the implementation's, re-exported: see L<Systemd::Daemon::XS/FUNCTIONS>.
This module adds:

=head2 notify

    $int = notify( VAR => VALUE, ... );

Builds the C<state> string of L<sd_notify(3)> from Perl named arguments and sends it:
C<notify(RELOADING =E<gt> 1, STATUS =E<gt> '50% done')> sends C<"RELOADING=1\nSTATUS=50% done\n">.
The rules, as in 0.07:

=over 4

=item *

Every variable is one line, C<VAR=VALUE> and a newline; C<undef> is the empty value.

=item *

C<READY>, C<RELOADING>, C<STOPPING>, C<WATCHDOG> and C<FDSTORE> are booleans: a true value
sends C<VAR=1>, a false one (C<undef>, 0, the empty string) leaves the variable out. No other
variable is changed: C<ERRNO =E<gt> 0> sends C<ERRNO=0>.

=item *

Names are sent as given, not upper-cased: C<ready =E<gt> 1> sends C<ready=1>, which systemd
ignores.

=item *

C<pid> and C<unset> are not variables: C<pid =E<gt> $pid> (when defined) sends on behalf of that
process (C<sd_pid_notify>); a true C<unset> removes C<$NOTIFY_SOCKET> from the environment
afterwards. New here, C<fds =E<gt> [ ... ]> is the third: the file descriptors (numbers or
handles) go along with the message (C<sd_pid_notify_with_fds>), e.g. to the fd store with
C<FDSTORE =E<gt> 1>.

=back

It returns what the C function returns: negative (C<-errno>) on error, 0 when C<$NOTIFY_SOCKET>
is not set (not run by systemd), positive when sent. L<sd_notify(3)> recommends ignoring it.

Where 0.07's behaviour was an accident, this module chose:

=over 4

=item *

B<Order.> Variables are sent in the order given (0.07 sent them in hash order, different from
run to run). A name given twice is sent once, with the last value, where it first appeared.

=item *

B<Nothing to send.> C<notify(READY =E<gt> 0)> (every variable left out) sends no datagram and
returns 0 (0.07 sent an empty message). C<unset> is still honoured.

=item *

B<Newlines.> A value with a newline or a NUL, or a name that is empty or holds C<=>, a newline
or a NUL, would inject other variables (C<STATUS =E<gt> "x\nREADY=1">) or be cut short: nothing
is sent, C<notify> returns C<-EINVAL> (C<-ENOSYS> with the stubs) and warns (category
C<Systemd::Daemon>; C<no warnings 'Systemd::Daemon'> silences it). 0.07 sent such a message as
it was.

=back

=head2 watchdog_interval

    my $seconds = watchdog_interval();

How often to send C<WATCHDOG=1>: half of C<$WATCHDOG_USEC>, in seconds (a fraction), when
systemd expects heartbeats from this process (L<sd_watchdog_enabled(3)>, which also checks
C<$WATCHDOG_PID>); 0 when it does not.

=head2 watchdog_timer

    my $guard = watchdog_timer();
    my $guard = watchdog_timer( STATUS => 'alive' );
    my $guard = watchdog_timer( sub { ( STATUS => "alive, $requests requests" ) } );

For L<AnyEvent> programs, the seed's case in one call: an AnyEvent timer that sends
C<WATCHDOG=1> (with the given fields, or those the sub returns at each beat) every
C<watchdog_interval()> seconds, for as long as you keep the returned guard. Returns C<undef>
when there is no watchdog. When the event loop gets stuck, the timer stops, the heartbeats stop,
and systemd restarts the service: which is the point. Dies when AnyEvent is not installed.

Do not drive heartbeats from a signal (C<alarm>, C<SIGALRM>): Perl runs signal handlers
between statements of a loop that is stuck, so such heartbeats would hide exactly what the
watchdog is there to catch.

=head2 watchdog_kick

    while (1) { handle_next_request(); watchdog_kick(); }
    watchdog_kick( STATUS => "handled $n" );

For a plain loop: sends C<WATCHDOG=1> (with the given fields) when at least a quarter of the
watchdog timeout has passed since the last one it sent, so you can call it on every pass. The
heartbeats keep coming as long as each pass takes less than three quarters of
C<WatchdogSec=>. Returns C<notify>'s result when it sent, 0 when it did not (not due yet, or no
watchdog). It reads the interval once per process.

=head2 journal

    journal( MESSAGE => "request done", PRIORITY => 6, REQUEST_ID => $id );

A structured journal entry from named fields, in the order given (C<sd_journal_sendv>: values
may hold any bytes, newlines included), with C<CODE_FILE>, C<CODE_LINE> and C<CODE_FUNC> of the
call. Returns 0 or a negative errno (C<-ENOSYS> with the stubs). The C-style functions
(C<sd_journal_print>, C<sd_journal_send>, ...) are in L<Systemd::Daemon::XS/The journal>.

=head1 CONSTANTS

C<$SD_LISTEN_FDS_START> and C<$SD_EMERG> ... C<$SD_DEBUG>, read-only scalars (not constant
subs: use the sigil; they interpolate into strings). Assigning to one dies. See
L<Systemd::Daemon::XS/CONSTANTS>.

=head1 LIBRARY

The binding loads the first of:

=over 4

=item 1.

C<$ENV{SDLITE_LIB}>, when set: the path of a C<libsystemd.so.0>, a directory holding one, or a
bare name (C<libsystemd.so.0>) for the dynamic loader to search.

=item 2.

The C<libsystemd.so.0> the module was installed with: C<make install-perl> in sdlite's tree
(or C<perl Makefile.PL SDLITE_LIBDIR=DIR>) records the directory.

=item 3.

C<libsystemd.so.0> by soname, wherever the dynamic loader finds it (C<LD_LIBRARY_PATH>, then the
system's). systemd's own libsystemd works too.

=back

An explicit choice (1 or 2) that cannot be loaded is an error, not a reason to try the next:
the message names the file and the loader's reason. C<$Systemd::Daemon::XS::LIBRARY> is what
was loaded. C<SDLITE_LIB> is honoured in taint mode (C<-T>) as well: it gives no more power
than C<LD_LIBRARY_PATH> or C<LD_PRELOAD>, which the dynamic loader honours for the same process.

=head1 DIFFERENCES FROM SYSTEMD::DAEMON 0.07

Beyond the choices listed under L</notify>:

=over 4

=item *

No XS and no Inline::C: installing needs FFI::Platypus and Exporter::Tiny (Debian:
C<libffi-platypus-perl>, C<libexporter-tiny-perl>), no compiler and no C<libsystemd-dev>, and it
installs where libsystemd is missing (then use C<-soft>).

=item *

The constants are read-only by Perl itself, not by L<Readonly>: assigning dies with
C<Modification of a read-only value attempted>.

=item *

The tags hold the new functions of their family (C<:sd_notify> now also imports C<sd_notifyf>,
...); C<-all> and C<-sd> import them all.

=item *

With C<unset_environment> true, C<%ENV> follows the C environment (0.07 left C<%ENV> holding
variables the library had removed).

=item *

C<sd_is_socket_unix> takes C's five arguments (fd, type, listening, path, length). 0.07
documented six, with a family after the fd, which C's function does not have (its binding passed
them shifted, so the call could not work); six arguments are still taken, the family dropped.

=item *

File descriptors may be given as Perl handles as well as numbers, everywhere.

=item *

The functions have no prototypes (the 0.07 stubs had some, the XS functions none), so code
parses the same in both modes.

=back

=head1 SEE ALSO

L<Systemd::Daemon::XS>, L<sd-daemon(3)>, L<sd_notify(3)>, L<sd-journal(3)>,
L<systemd.service(5)> (C<Type=notify>, C<WatchdogSec=>), sdlite's README.

=head1 LICENSE

LGPL-2.1-or-later, as the rest of sdlite. Written from Systemd::Daemon 0.07's documentation;
none of its (GPL) code is used.

=cut
