# SPDX-License-Identifier: LGPL-2.1-or-later
package Systemd::Daemon::Symbols;

# What Systemd::Daemon::XS and Systemd::Daemon::Stub both export: the tags, the functions in
# them and the read-only constants. One list, so the two implementations cannot drift apart.

use strict;
use warnings;

our $VERSION = '0.08';

# Tag => its members. Systemd::Daemon 0.07's tags, with each new function in its family's tag
# (0.07's sd_watchdog tag was empty); sd_journal is new.
our %TAGS = (
    sd_booted   => [qw( sd_booted )],
    sd_is       => [qw( sd_is_fifo sd_is_mq sd_is_socket sd_is_socket_inet sd_is_socket_unix
                        sd_is_special sd_is_socket_sockaddr )],
    sd_listen   => [qw( $SD_LISTEN_FDS_START sd_listen_fds sd_listen_fds_with_names )],
    sd_log      => [qw( $SD_ALERT $SD_CRIT $SD_DEBUG $SD_EMERG $SD_ERR $SD_INFO $SD_NOTICE
                        $SD_WARNING )],
    sd_notify   => [qw( sd_notify sd_pid_notify sd_notifyf sd_pid_notifyf sd_pid_notify_with_fds
                        sd_notify_barrier )],
    sd_watchdog => [qw( sd_watchdog_enabled )],
    sd_journal  => [qw( sd_journal_print sd_journal_send sd_journal_sendv sd_journal_perror
                        sd_journal_stream_fd )],
);

# The names Systemd::Daemon 0.07 had; the rest are this distribution's additions.
our @V007 = qw(
    sd_booted sd_is_fifo sd_is_mq sd_is_socket sd_is_socket_inet sd_is_socket_unix sd_is_special
    $SD_LISTEN_FDS_START sd_listen_fds $SD_ALERT $SD_CRIT $SD_DEBUG $SD_EMERG $SD_ERR $SD_INFO
    $SD_NOTICE $SD_WARNING sd_notify sd_pid_notify
);

# <systemd/sd-daemon.h>: SD_LISTEN_FDS_START is a number, the log levels are the "<N>" prefixes
# a service writes on stderr.
our %CONSTANTS = (
    SD_LISTEN_FDS_START => 3,
    SD_EMERG   => '<0>',
    SD_ALERT   => '<1>',
    SD_CRIT    => '<2>',
    SD_ERR     => '<3>',
    SD_WARNING => '<4>',
    SD_NOTICE  => '<5>',
    SD_INFO    => '<6>',
    SD_DEBUG   => '<7>',
);

# Every member of every tag, in a stable order.
sub names {
    my %seen;
    return grep { !$seen{$_}++ } map { @{ $TAGS{$_} } } sort keys %TAGS;
}

# The functions alone (no constants).
sub functions { return grep { /\A\w/ } names() }

# Gives PACKAGE the read-only constants, @EXPORT (empty), @EXPORT_OK and %EXPORT_TAGS, with
# the tag sd holding every name ("all above", as in 0.07).
sub setup {
    my ($package) = @_;
    no strict 'refs';    ## no critic (ProhibitNoStrict)
    for my $name (sort keys %CONSTANTS) {
        my $value = $CONSTANTS{$name};
        Internals::SvREADONLY($value, 1);
        *{"${package}::$name"} = \$value;
    }
    @{"${package}::EXPORT"}    = ();
    @{"${package}::EXPORT_OK"} = names();
    %{"${package}::EXPORT_TAGS"} = ((map { $_ => [ @{ $TAGS{$_} } ] } keys %TAGS), sd => [names()]);
    return;
}

1;

__END__

=head1 NAME

Systemd::Daemon::Symbols - the export lists and constants shared by Systemd::Daemon's implementations

=head1 DESCRIPTION

Internal to the distribution. L<Systemd::Daemon::XS> and L<Systemd::Daemon::Stub> call
C<setup(__PACKAGE__)> so that both export the same tags, functions and read-only constants.
See L<Systemd::Daemon/EXPORT> for the tags.

=head1 LICENSE

LGPL-2.1-or-later, as the rest of sdlite.

=cut
