# SPDX-License-Identifier: LGPL-2.1-or-later
# Every export form of Systemd::Daemon 0.07 (nothing by default, single names, :tag and -tag,
# :all/-all, -sd, !name, regexps, -as/-prefix/-suffix on functions and on the read-only scalars,
# into a hash), for Systemd::Daemon, ::XS and ::Stub; the extras in their families' tags.
use strict;
use warnings;
no warnings qw(once);
use Test::More;
use Scalar::Util qw(refaddr);

# Load in soft mode: the export machinery is the same with the stubs, when there is no library.
my @warnings;
{
    local $SIG{__WARN__} = sub { push @warnings, @_ };
    require Systemd::Daemon;
    Systemd::Daemon->import({ into => 'Loader' }, '-soft');
}
diag("implementation: $Systemd::Daemon::IMPLEMENTATION" . (@warnings ? " (@warnings)" : ''));
my $real = $Systemd::Daemon::IMPLEMENTATION eq 'Systemd::Daemon::XS';

# The tags, written out here (not taken from the module), 0.07's members first.
my %V007 = (
    sd_booted => [qw(sd_booted)],
    sd_is     => [qw(sd_is_fifo sd_is_mq sd_is_socket sd_is_socket_inet sd_is_socket_unix sd_is_special)],
    sd_listen => [qw($SD_LISTEN_FDS_START sd_listen_fds)],
    sd_log    => [qw($SD_ALERT $SD_CRIT $SD_DEBUG $SD_EMERG $SD_ERR $SD_INFO $SD_NOTICE $SD_WARNING)],
    sd_notify => [qw(sd_notify sd_pid_notify)],
    sd_watchdog => [],
);
my %ADDED = (
    sd_booted => [],
    sd_is     => [qw(sd_is_socket_sockaddr)],
    sd_listen => [qw(sd_listen_fds_with_names)],
    sd_log    => [],
    sd_notify => [qw(sd_notifyf sd_pid_notifyf sd_pid_notify_with_fds sd_notify_barrier)],
    sd_watchdog => [qw(sd_watchdog_enabled)],
    sd_journal => [qw(sd_journal_print sd_journal_send sd_journal_sendv sd_journal_perror sd_journal_stream_fd)],
);
my %TAG = map { $_ => [ @{ $V007{$_} || [] }, @{ $ADDED{$_} } ] } keys %ADDED;
my @SD = sort map { @$_ } values %TAG;
my @OWN = qw(notify journal watchdog_interval watchdog_timer watchdog_kick);
$TAG{sd} = [@SD];
my %DAEMON_TAG = (%TAG, watchdog => [qw(watchdog_interval watchdog_timer watchdog_kick)],
                  all => [ @SD, @OWN ]);
my %IMPL_TAG = (%TAG, all => [@SD]);
my @UNIVERSE = (@SD, @OWN);

my %VALUE = (SD_LISTEN_FDS_START => 3, SD_EMERG => '<0>', SD_ALERT => '<1>', SD_CRIT => '<2>',
             SD_ERR => '<3>', SD_WARNING => '<4>', SD_NOTICE => '<5>', SD_INFO => '<6>', SD_DEBUG => '<7>');

my $n = 0;
# The names of UNIVERSE that MODULE installed into a fresh package by import(ARGS).
sub imported {
    my ($module, @args) = @_;
    my $pkg = 'Into' . ++$n;
    $module->import({ into => $pkg }, @args);
    no strict 'refs';
    my @got;
    for my $name (@UNIVERSE) {
        if ($name =~ /\A\$(\w+)\z/) {
            push @got, $name if refaddr(\${"${pkg}::$1"}) == refaddr(\${"${module}::$1"});
        } else {
            push @got, $name if defined &{"${pkg}::$name"};
        }
    }
    return [ sort @got ], $pkg;
}
sub same { my ($got, $want, $what) = @_; is_deeply($got, [ sort @$want ], $what) }

for my $module ('Systemd::Daemon', ($real ? 'Systemd::Daemon::XS' : ()), 'Systemd::Daemon::Stub') {
    (my $file = "$module.pm") =~ s{::}{/}g;
    require $file;
    my $tags = $module eq 'Systemd::Daemon' ? \%DAEMON_TAG : \%IMPL_TAG;
    same((imported($module))[0], [], "$module: nothing by default");
    for my $tag (sort keys %$tags) {
        same((imported($module, ":$tag"))[0], $tags->{$tag}, "$module :$tag");
        same((imported($module, "-$tag"))[0], $tags->{$tag}, "$module -$tag");
    }
    for my $tag (sort keys %V007) {
        my $got = (imported($module, ":$tag"))[0];
        my %have = map { $_ => 1 } @$got;
        ok(!grep({ !$have{$_} } @{ $V007{$tag} }), "$module :$tag holds 0.07's members");
    }
    for my $name (@{ $tags->{all} }) {
        same((imported($module, $name))[0], [$name], "$module '$name' alone");
    }
    my @all_but = grep { $_ ne 'sd_notify' } @{ $tags->{all} };
    same((imported($module, qw(-all !sd_notify)))[0], \@all_but, "$module -all !sd_notify");
    same((imported($module, qw(:sd_notify !/_pid_/)))[0], [qw(sd_notify sd_notifyf sd_notify_barrier)],
         "$module :sd_notify !/_pid_/");
    same((imported($module, '/^sd_is_socket/'))[0],
         [qw(sd_is_socket sd_is_socket_inet sd_is_socket_unix sd_is_socket_sockaddr)], "$module /^sd_is_socket/");
    same((imported($module, qw(sd_notify sd_pid_notify sd_is_fifo)))[0], [qw(sd_notify sd_pid_notify sd_is_fifo)],
         "$module: a few names");
    ok(!eval { imported($module, 'sd_no_such'); 1 }, "$module: an unknown name dies");
    like($@, qr/sd_no_such/, '... naming it');

    # 0.07's own test: -as, -prefix, -suffix on the read-only scalars
    my (undef, $pkg) = imported($module, '$SD_EMERG' => { -as => 'XX_EMERG' }, '$SD_ALERT' => { -prefix => 'CONST_' },
                                '$SD_CRIT' => { -suffix => '_CONST' }, sd_booted => { -as => 'booted' },
                                sd_notify => { -prefix => 'my_' }, sd_listen_fds => { -suffix => '_now' });
    {
        no strict 'refs';
        is(${"${pkg}::XX_EMERG"}, '<0>', "$module: -as on a scalar");
        is(${"${pkg}::CONST_SD_ALERT"}, '<1>', "$module: -prefix on a scalar");
        is(${"${pkg}::SD_CRIT_CONST"}, '<2>', "$module: -suffix on a scalar");
        ok(defined &{"${pkg}::booted"} && defined &{"${pkg}::my_sd_notify"} && defined &{"${pkg}::sd_listen_fds_now"},
           "$module: -as, -prefix, -suffix on functions");
        ok(!defined &{"${pkg}::sd_booted"}, "$module: -as installs only the new name");
        ok(!eval { ${"${pkg}::XX_EMERG"} = 'x'; 1 }, "$module: an imported constant is read-only");
        like($@, qr/read-only/, '... Modification of a read-only value');
    }
    (undef, $pkg) = imported($module, -sd_log => { -prefix => 'LOG_' });
    { no strict 'refs'; is(${"${pkg}::LOG_SD_DEBUG"}, '<7>', "$module: -prefix on a tag") }

    my %h;
    $module->import({ into => \%h }, qw(sd_booted $SD_INFO));
    is(ref $h{sd_booted}, 'CODE', "$module: into a hash, a function");
    is(${ $h{'$SD_INFO'} }, '<6>', "$module: into a hash, a scalar");

    no strict 'refs';
    for my $c (sort keys %VALUE) {
        is(${"${module}::$c"}, $VALUE{$c}, "$module \$$c is $VALUE{$c}");
        ok(!eval { ${"${module}::$c"} = 99; 1 } && $@ =~ /read-only/, "$module \$$c is read-only");
    }
}

# Systemd::Daemon's functions are the implementation's own
{
    no strict 'refs';
    my $impl = $Systemd::Daemon::IMPLEMENTATION;
    ok(!grep({ \&{"Systemd::Daemon::$_"} != \&{"${impl}::$_"} } grep { /\A\w/ } @SD),
       "Systemd::Daemon's sd_* are $impl\'s");
    ok(!grep({ refaddr(\${"Systemd::Daemon::$_"}) != refaddr(\${"${impl}::$_"}) } keys %VALUE),
       "Systemd::Daemon's constants are $impl\'s");
}

# a use line in a real scope, as users write it
ok(eval q{
    package UseLine;
    use Systemd::Daemon qw( -soft notify :sd_listen $SD_ERR ), '$SD_DEBUG' => { -as => 'DBG' };
    die unless defined &notify && defined &sd_listen_fds && $SD_LISTEN_FDS_START == 3 && "$SD_ERR$DBG" eq '<3><7>';
    1;
}, 'use Systemd::Daemon qw( -soft notify :sd_listen $SD_ERR ), $SD_DEBUG as DBG, under strict') or diag($@);

done_testing;
