/* c-tests/login/login-self.c -- a service asks sd-login about itself (tests/suites/65-login-systemd.sh).
 *
 * Built against sdlite's build (its -L and RUNPATH; <systemd/sd-login.h> from the system where
 * sdlite's include/ has none yet), run by a real systemd 252 as a oneshot unit, once as it is
 * (sdlite) and once with LD_LIBRARY_PATH naming the system's libsystemd (252). Prints one line a
 * call on stdout: "NAME RC [VALUE]", and the libsystemd it mapped on stderr. */
#define _GNU_SOURCE
#define TESTLIB_PROG "login-self"
#include "../common/testlib.h"

#include <systemd/sd-login.h>

static void str(const char *name, int r, char *v) {
        printf("%s %s", name, rs(r));
        if (r >= 0)
                printf(" %s", v ? v : "(null)");
        putchar('\n');
        free(v);
}

int main(void) {
        char *v;
        uid_t uid;
        int r;

        v = NULL; r = sd_pid_get_unit(0, &v); str("unit", r, v);
        v = NULL; r = sd_pid_get_slice(0, &v); str("slice", r, v);
        v = NULL; r = sd_pid_get_cgroup(0, &v); str("cgroup", r, v);
        v = NULL; r = sd_pid_get_user_unit(0, &v); str("user_unit", r, v);
        v = NULL; r = sd_pid_get_user_slice(0, &v); str("user_slice", r, v);
        v = NULL; r = sd_pid_get_session(0, &v); str("session", r, v);
        v = NULL; r = sd_pid_get_machine_name(0, &v); str("machine_name", r, v);
        r = sd_pid_get_owner_uid(0, &uid);
        if (r >= 0)
                printf("owner_uid %s %u\n", rs(r), (unsigned)uid);
        else
                printf("owner_uid %s\n", rs(r));
        v = NULL; r = sd_pid_get_unit(getpid(), &v); str("unit-by-pid", r, v);
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                die("socketpair");
        v = NULL; r = sd_peer_get_unit(sp[0], &v); str("peer-unit", r, v);
        v = NULL; r = sd_peer_get_slice(sp[1], &v); str("peer-slice", r, v);
        close(sp[0]);
        close(sp[1]);
        report_library();
        return 0;
}
