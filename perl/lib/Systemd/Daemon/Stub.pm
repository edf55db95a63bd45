# SPDX-License-Identifier: LGPL-2.1-or-later
package Systemd::Daemon::Stub;

# What Systemd::Daemon falls back to in soft mode when the library cannot be loaded: the same
# functions and constants as Systemd::Daemon::XS, every function answering -ENOSYS.

use strict;
use warnings;

our $VERSION = '0.08';

use parent 'Exporter::Tiny';
use POSIX ();
use Systemd::Daemon::Symbols;

Systemd::Daemon::Symbols::setup(__PACKAGE__);

my $ENOSYS = POSIX::ENOSYS();

{
    no strict 'refs';    ## no critic (ProhibitNoStrict)
    for my $name (Systemd::Daemon::Symbols::functions()) {
        *{$name} = sub { return -$ENOSYS };
    }
    # the two that return lists in list context answer in the same shape
    no warnings 'redefine';
    *sd_watchdog_enabled = sub { return wantarray ? (-$ENOSYS, undef) : -$ENOSYS };
    *sd_listen_fds_with_names = sub { return wantarray ? (-$ENOSYS) : -$ENOSYS };
}

1;

__END__

=encoding UTF-8

=head1 NAME

Systemd::Daemon::Stub - stubs for Systemd::Daemon where there is no libsystemd

=head1 SYNOPSIS

    use Systemd::Daemon qw( -soft notify );   # stubs only if the library cannot be loaded

=head1 DESCRIPTION

The same functions, tags and constants as L<Systemd::Daemon::XS>. Every function does nothing
and returns C<-ENOSYS> (C<-POSIX::ENOSYS>); in list context, C<sd_watchdog_enabled> returns
C<(-ENOSYS, undef)> and C<sd_listen_fds_with_names> C<(-ENOSYS)>. The constants have their
real values.

Not meant to be used directly: L<Systemd::Daemon> in soft mode loads it, with a warning that
carries the reason, when L<Systemd::Daemon::XS> cannot be loaded.

=head1 LICENSE

LGPL-2.1-or-later, as the rest of sdlite.

=cut
