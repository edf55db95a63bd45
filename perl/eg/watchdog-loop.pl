#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
# A plain loop: watchdog_kick() on every pass sends WATCHDOG=1 when due (a quarter of
# WatchdogSec= apart at most), so a pass that hangs stops the heartbeats.
use strict;
use warnings;
use Time::HiRes qw( sleep );
use Systemd::Daemon qw( -soft notify watchdog_kick );

notify( READY => 1 );
for ( my $n = 1 ;; $n++ ) {
    sleep 0.1;    # the work of one pass
    watchdog_kick( STATUS => "pass $n" );
}
