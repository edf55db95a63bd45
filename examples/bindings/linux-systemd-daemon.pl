#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
# linux-systemd-daemon.pl -- an unmodified user of Perl's Linux::Systemd::Daemon (Debian:
# liblinux-systemd-perl, an XS module linked against libsystemd.so.0). Nothing here knows about
# sdlite: the unit points the loader at it,
#
#     Environment=LD_LIBRARY_PATH=/path/to/sdlite/lib
#
# and the XS module's sd_notify() is sdlite's. READY=1 + STATUS= after STARTUP_DELAY_MS
# (default 1500), then WATCHDOG=1 and a STATUS= every WATCHDOG_USEC/2 (the module has no
# sd_watchdog_enabled, so the interval comes from the environment).
use strict;
use warnings;
use Linux::Systemd::Daemon qw(sd_notify sd_watchdog sd_status);
use Time::HiRes qw(sleep);

$| = 1;
my $usec = $ENV{WATCHDOG_USEC} or die "WATCHDOG_USEC is not set: run me with WatchdogSec=\n";
sleep(($ENV{STARTUP_DELAY_MS} // 1500) / 1000);
# the module returns nothing useful: it croaks when sd_notify() fails
sd_notify(ready => 1, status => 'Linux::Systemd::Daemon: ready');
print "ready, heartbeat every ", $usec / 2e6, " s\n";
for (my $n = 1;; $n++) {
    sleep($usec / 2e6);
    sd_watchdog();
    sd_status("Linux::Systemd::Daemon: heartbeat $n");
}
