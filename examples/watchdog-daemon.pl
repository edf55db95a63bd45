#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
# watchdog-daemon.pl -- a Type=notify service with a watchdog heartbeat from an AnyEvent timer,
# on sdlite through FFI::Platypus (Debian: libffi-platypus-perl libanyevent-perl; no XS module
# to build, no compiler).
#
#     [Service]
#     Type=notify
#     NotifyAccess=main
#     WatchdogSec=10
#     Restart=always
#     ExecStart=/usr/bin/perl /path/to/watchdog-daemon.pl
#
# It reads the interval with sd_watchdog_enabled(), sends READY=1 and a STATUS= line, then
# WATCHDOG=1 from an AnyEvent timer every WATCHDOG_USEC/2. With --stuck-after N (or
# STUCK_AFTER_SEC=N) an AnyEvent callback blocks N seconds after READY=1 and never returns, so
# the event loop is stuck and the heartbeat timer never fires again: systemd's watchdog kills
# and restarts the service. --startup-delay MS (or STARTUP_DELAY_MS) waits before READY=1.
#
# The library: $SDLITE_LIB (the full path of a libsystemd.so.0) if set, else
# $SDLITE_PREFIX/lib/libsystemd.so.0, else the prefix next to this file's directory
# (<checkout>/prefix/lib/libsystemd.so.0, where `make install` puts it). Never the system's
# libsystemd, unless you ask: SDLITE_LIB=/usr/lib/x86_64-linux-gnu/libsystemd.so.0 compares.
#
# Exit status: 0 on SIGTERM/SIGINT, 1 bad arguments, 2 library not found or not loadable,
# 3 an sd_* call failed.
use strict;
use warnings;
BEGIN {    # a clear word when a module is missing, rather than perl's @INC dump
    for (['FFI::Platypus 2.00' => 'libffi-platypus-perl'], ['AnyEvent' => 'libanyevent-perl']) {
        my ($mod, $deb) = @$_;
        next if eval "use $mod (); 1";
        print STDERR "perl[$$]: needs the Perl module $mod (Debian: apt-get install $deb; CPAN: cpanm ${\ (split ' ', $mod)[0]})\n";
        exit 2;
    }
}
use AnyEvent;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use FFI::Platypus 2.00;
use Getopt::Long qw(GetOptions);
use Time::HiRes qw(sleep);

my $NAME = 'perl';
$| = 1;

sub say_ { print STDERR "$NAME\[$$]: @_\n" }

# The path of sdlite's libsystemd.so.0, or exit 2 naming both ways to give it.
sub find_sdlite {
    my ($lib, $where) = ($ENV{SDLITE_LIB}, undef);
    if (defined $lib && length $lib) {
        $where = "SDLITE_LIB=$lib";
    } else {
        my $prefix = $ENV{SDLITE_PREFIX};
        if (defined $prefix && length $prefix) {
            $where = "SDLITE_PREFIX=$prefix";
        } else {
            my $here = dirname(abs_path(__FILE__));
            $prefix = File::Spec->catdir(dirname($here), 'prefix');
            $where = "no SDLITE_LIB or SDLITE_PREFIX: the checkout's default prefix";
        }
        $lib = File::Spec->catfile($prefix, 'lib', 'libsystemd.so.0');
    }
    return $lib if -f $lib;
    say_ "sdlite's library not found: $lib does not exist ($where).\n"
       . "  Either install sdlite (`make install`, or `make install PREFIX=DIR` and set SDLITE_PREFIX=DIR),\n"
       . "  or set SDLITE_LIB to the full path of sdlite's libsystemd.so.0 (e.g. SDLITE_LIB=<checkout>/build/libsystemd.so.0).\n"
       . "  To compare with systemd's own: SDLITE_LIB=/usr/lib/x86_64-linux-gnu/libsystemd.so.0";
    exit 2;
}

my ($stuck_after, $delay_ms) = ($ENV{STUCK_AFTER_SEC}, $ENV{STARTUP_DELAY_MS} // 0);
GetOptions('stuck-after=f' => \$stuck_after, 'startup-delay=i' => \$delay_ms)
    or die "usage: $0 [--stuck-after SEC] [--startup-delay MS]\n";
for ([STUCK_AFTER_SEC => $stuck_after], [STARTUP_DELAY_MS => $delay_ms]) {
    my ($n, $v) = @$_;
    next if !defined $v || $v eq '';
    if ($v !~ /^\d+(?:\.\d+)?$/) { say_ "bad $n '$v'"; exit 1 }
}
$stuck_after = undef if defined $stuck_after && $stuck_after eq '';

my $path = find_sdlite();
my $ffi = eval { FFI::Platypus->new(api => 2, lib => $path) };
if (!$ffi) { say_ "cannot load $path: $@"; exit 2 }
# int sd_notify(int unset_environment, const char *state);
# int sd_watchdog_enabled(int unset_environment, uint64_t *usec);
eval {
    $ffi->attach(sd_notify           => ['int', 'string']  => 'int');
    $ffi->attach(sd_watchdog_enabled => ['int', 'uint64*'] => 'int');
    1;
} or do { say_ "cannot load $path: $@"; exit 2 };
say_ "using $path";

sub notify {
    my ($state) = @_;
    my $r = sd_notify(0, $state);
    if ($r < 0) { say_ "sd_notify('$state') failed: " . ($! = -$r); exit 3 }
    return $r;
}

my $usec = 0;
my $r = sd_watchdog_enabled(0, \$usec);
if ($r < 0) { say_ "sd_watchdog_enabled failed: " . ($! = -$r); exit 3 }
my $interval = $r > 0 ? $usec / 2 / 1e6 : undef;
if ($interval) {
    say_ sprintf "watchdog every %.3f s: heartbeat every %.3f s", $usec / 1e6, $interval;
} else {
    say_ "watchdog not enabled (no WATCHDOG_USEC for this pid): no heartbeats";
}

if ($delay_ms) {
    say_ "starting up for $delay_ms ms";
    sleep($delay_ms / 1000);
}

my $hb = $interval ? sprintf("heartbeat every %.3f s", $interval) : 'no watchdog';
if (notify("READY=1\nSTATUS=perl: ready, $hb") == 0) {
    say_ "NOTIFY_SOCKET is not set: not run by systemd (try sdlite-listen -- ...)";
} else {
    say_ "sent READY=1";
}

my $done = AnyEvent->condvar;
my @watchers = map { my $s = $_; AnyEvent->signal(signal => $s, cb => sub { $done->send }) } qw(TERM INT);

my $beats = 0;
my $heartbeat = $interval && AnyEvent->timer(after => $interval, interval => $interval, cb => sub {
    $beats++;
    notify("WATCHDOG=1\nSTATUS=perl: alive, heartbeat $beats");
});

# The seed's failure: a callback that blocks, so the event loop (and the timer above) stop.
my $stuck = defined $stuck_after && AnyEvent->timer(after => $stuck_after, cb => sub {
    notify("STATUS=perl: stuck on purpose after $beats heartbeats (STUCK_AFTER_SEC=$stuck_after)");
    say_ "stuck after $beats heartbeats: no more WATCHDOG=1";
    # AnyEvent's own SIGTERM watcher cannot run now; let SIGTERM (systemctl stop) end us at once
    $SIG{TERM} = $SIG{INT} = 'DEFAULT';
    sleep 3600 while 1;
});

$done->recv;
say_ "stopping";
exit 0;
