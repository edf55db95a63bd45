/* non-daemon-stub.c -- the two libsystemd symbols dbus-daemon imports that are NOT part of
 * sd-daemon (so not sdlite's): sd_uid_get_seats (sd-login) and sd_journal_stream_fd
 * (sd-journal).  dbus-daemon is linked with BIND_NOW, so without them it cannot even start on
 * a libsystemd.so.0 that has only sd-daemon.  tests/suites/31-dbus-activation.sh LD_PRELOADs
 * this (built with a version script giving both LIBSYSTEMD_209) only when sdlite lacks them,
 * so that the sd-daemon part -- sd_listen_fds, sd_is_socket, sd_notify -- still comes from
 * sdlite, which the suite proves with LD_DEBUG=bindings.
 *
 * sd_uid_get_seats answers as libsystemd does for a user without a logind session: 0 seats
 * (dbus asks it for every connecting client when /run/systemd/seats/ exists, to evaluate
 * at_console policies; an error there would refuse the client).  sd_journal_stream_fd fails
 * with -ENOSYS (dbus then lets activated services inherit its stdout/stderr).  Each call is
 * reported on stderr, so the suite can tell whether dbus used them at all.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>

int sd_uid_get_seats(uid_t uid, int require_active, char ***seats);
int sd_journal_stream_fd(const char *identifier, int priority, int level_prefix);

int sd_uid_get_seats(uid_t uid, int require_active, char ***seats) {
        (void) require_active;
        if (seats)
                *seats = NULL;
        fprintf(stderr, "non-daemon-stub: sd_uid_get_seats(%u) called -> 0 seats\n", (unsigned) uid);
        return 0;
}

int sd_journal_stream_fd(const char *identifier, int priority, int level_prefix) {
        (void) priority;
        (void) level_prefix;
        fprintf(stderr, "non-daemon-stub: sd_journal_stream_fd(%s) called -> -ENOSYS\n", identifier ? identifier : "NULL");
        return -ENOSYS;
}
