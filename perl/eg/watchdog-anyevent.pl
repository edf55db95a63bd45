#!/usr/bin/perl
# SPDX-License-Identifier: LGPL-2.1-or-later
# The seed's daemon with the helpers: READY=1, then WATCHDOG=1 from an AnyEvent timer every
# WATCHDOG_USEC/2 for as long as the event loop runs. Type=notify, WatchdogSec=, Restart=always.
use strict;
use warnings;
use AnyEvent;
use Systemd::Daemon qw( -soft notify watchdog_timer );

my $requests = 0;
notify( READY => 1, STATUS => 'serving' );
my $heartbeat = watchdog_timer( sub { ( STATUS => "serving, $requests requests" ) } );
my $work = AnyEvent->timer( after => 1, interval => 1, cb => sub { $requests++ } );
AnyEvent->condvar->recv;
