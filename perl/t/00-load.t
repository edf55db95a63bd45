# SPDX-License-Identifier: LGPL-2.1-or-later
# The modules load; which library; the version satisfies code written for 0.07; the POD is valid.
use strict;
use warnings;
use Test::More;
use Pod::Checker;
no warnings qw(once);

require_ok('Systemd::Daemon::Symbols');
require_ok('Systemd::Daemon::Stub');
my $xs = eval { require Systemd::Daemon::XS; 1 };
if ($xs) {
    pass('Systemd::Daemon::XS loads');
    diag("libsystemd: $Systemd::Daemon::XS::LIBRARY ($Systemd::Daemon::XS::FOUND_BY)");
} else {
    diag("no library: $@");
    ok(!$ENV{SDLITE_LIB}, 'with SDLITE_LIB set, Systemd::Daemon::XS must load') or diag($@);
}
require_ok('Systemd::Daemon');

for my $m (qw(Systemd::Daemon Systemd::Daemon::XS Systemd::Daemon::Stub Systemd::Daemon::Symbols)) {
    no strict 'refs';
    my $v = ${"${m}::VERSION"};
    ok(defined $v && $v >= 0.07, "$m version $v >= 0.07 (use Systemd::Daemon 0.07 works)");
}
ok(eval 'use Systemd::Daemon 0.07 (); 1', 'use Systemd::Daemon 0.07') or diag($@);

for my $m (qw(Systemd/Daemon.pm Systemd/Daemon/XS.pm Systemd/Daemon/Stub.pm Systemd/Daemon/Symbols.pm)) {
    my $file = $INC{$m};
    $file = (grep { -e "$_/$m" } @INC)[0] . "/$m" unless $file;
    my $checker = Pod::Checker->new(-warnings => 2);
    open my $null, '>', '/dev/null' or die;
    $checker->parse_from_file($file, $null);
    is($checker->num_errors, 0, "$m: POD has no errors");
    is($checker->num_warnings, 0, "$m: POD has no warnings");
}
done_testing;
