# shellcheck shell=bash
# tests/lib/login.sh -- the namespace setup that 24-diff-login-pid and 33-login-programs-ps share
# for their crafted /proc/PID/cgroup files. Sourced by their inner scripts, which run under
# `unshare -m --propagation private` (every mount here is private to that namespace and goes
# with it) and with `set -eu`, through "$SDLITE_ROOT/tests/lib/login.sh" (check.sh exports
# SDLITE_ROOT). Gives:
#   login_cgroup_layout LAYOUT  /sys/fs/cgroup as one of the layouts systemd 252 tells apart by
#                               statfs(): host (left as it is), unified (cgroup2), hybrid (tmpfs,
#                               cgroup2 at unified/, v1 name=systemd at systemd/), legacy (tmpfs,
#                               v1 name=systemd at systemd/, unified/ an empty directory), v232
#                               (tmpfs, cgroup2 at systemd/), sysfs (sysfs there), tmpfs-empty,
#                               tmpfs-dir (tmpfs, systemd/ a plain directory)
#   login_machines              a tmpfs of our own on /run/systemd/machines (or, where there is
#                               none, on /run: never a write into the host's /run) with the links
#                               sd_pid_get_machine_name reads: unit:machine-foo.scope -> foo and
#                               unit:machine-qemu\x2d1\x2dvm.scope -> qemu-1-vm

login_cgroup_layout() { # LAYOUT
    case $1 in
        host) ;;
        unified) mount -n -t cgroup2 none /sys/fs/cgroup ;;
        hybrid)
            mount -n -t tmpfs sdlite-cg /sys/fs/cgroup
            mkdir /sys/fs/cgroup/unified /sys/fs/cgroup/systemd
            mount -n -t cgroup2 none /sys/fs/cgroup/unified
            mount -n -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd ;;
        legacy)
            mount -n -t tmpfs sdlite-cg /sys/fs/cgroup
            mkdir /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
            mount -n -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd ;;
        v232)
            mount -n -t tmpfs sdlite-cg /sys/fs/cgroup
            mkdir /sys/fs/cgroup/systemd
            mount -n -t cgroup2 none /sys/fs/cgroup/systemd ;;
        sysfs) mount -n --bind /sys/kernel /sys/fs/cgroup ;;
        tmpfs-empty) mount -n -t tmpfs sdlite-cg /sys/fs/cgroup ;;
        tmpfs-dir)
            mount -n -t tmpfs sdlite-cg /sys/fs/cgroup
            mkdir /sys/fs/cgroup/systemd ;;
        *) echo "login_cgroup_layout: no layout '$1'" >&2; return 1 ;;
    esac
}

login_machines() {
    if [ -d /run/systemd/machines ]; then
        mount -n -t tmpfs sdlite-machines /run/systemd/machines
    else
        mount -n -t tmpfs sdlite-run /run
        mkdir -p /run/systemd/machines
    fi
    ln -s foo '/run/systemd/machines/unit:machine-foo.scope'
    ln -s qemu-1-vm '/run/systemd/machines/unit:machine-qemu\x2d1\x2dvm.scope'
}
