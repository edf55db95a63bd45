/* listen-pidfdid.c -- $LISTEN_PIDFDID, which systemd 258+ sets next to $LISTEN_PID and which
 * sdlite honours (libsystemd 252 ignores it, so this is not a differential test).  Built
 * against sdlite (pkg-config libsystemd from the build tree) by tests/suites/21-diff-listen.sh.
 *
 * $LISTEN_PIDFDID is the inode number of a pidfd of the process the fds are meant for (on
 * pidfs, Linux 6.9+, it identifies a process for its whole life, unlike a pid).  Checks:
 *   - our own id -> the fds are ours; another id -> 0; malformed -> -EINVAL / -ERANGE
 *   - the pid check comes first (other pid + malformed id -> 0)
 *   - unset_environment removes LISTEN_PIDFDID too, on every path
 *   - a forked child given the parent's id (and its own pid) gets 0
 * Without pidfs (older kernels) the id cannot be read and, as in systemd, only the pid counts:
 * then "another id" gives the fds as well, and that is what is checked.
 *
 * Prints one line per check, "ok ..." or "FAIL ..."; exit 0 only when all passed.
 * stderr: "maps: PATH" for every libsystemd mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "common/testlib.h"

#define PID_FS_MAGIC 0x50494446

static int failures;
static char SELF[32];

static void check(int ok, const char *what, int r, int want) {
        printf("%s %-64s r=%d want=%d\n", ok ? "ok  " : "FAIL", what, r, want);
        if (!ok)
                failures++;
}

static void env(const char *pid, const char *fds, const char *pidfdid, const char *names) {
        set_or_unset("LISTEN_PID", pid);
        set_or_unset("LISTEN_FDS", fds);
        set_or_unset("LISTEN_PIDFDID", pidfdid);
        set_or_unset("LISTEN_FDNAMES", names);
}

static int all_unset(void) {
        return !getenv("LISTEN_PID") && !getenv("LISTEN_FDS") && !getenv("LISTEN_PIDFDID") &&
               !getenv("LISTEN_FDNAMES");
}

/* our pidfd's inode number, or 0 when it does not identify the process (no pidfs) */
static uint64_t own_pidfd_id(void) {
        int fd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        struct statfs sfs;
        struct stat st;
        uint64_t id = 0;
        if (fd < 0)
                return 0;
        if (fstatfs(fd, &sfs) == 0 && sfs.f_type == PID_FS_MAGIC && fstat(fd, &st) == 0)
                id = st.st_ino;
        close(fd);
        return id;
}

int main(void) {
        char own[32], other[32], own_hex[40], own_ws[40], own_trail[40];
        int r;

        if (dup2(open("/dev/null", O_RDONLY), 3) < 0 || dup2(3, 4) < 0)
                return 2;
        snprintf(SELF, sizeof SELF, "%d", (int) getpid());
        fprintf(stderr, "listen-pidfdid: ");
        report_maps();

        uint64_t id = own_pidfd_id();
        int pidfs = id != 0;
        printf("pidfs: %s\n", pidfs ? "yes (pidfd inode ids identify processes)" : "no (LISTEN_PIDFDID cannot be checked)");
        if (!pidfs)
                id = 12345;
        snprintf(own, sizeof own, "%" PRIu64, id);
        snprintf(other, sizeof other, "%" PRIu64, id + 1);
        snprintf(own_hex, sizeof own_hex, "0x%" PRIx64, id);
        snprintf(own_ws, sizeof own_ws, " %" PRIu64, id);
        snprintf(own_trail, sizeof own_trail, "%" PRIu64 " ", id);

        env(SELF, "2", own, NULL);
        r = sd_listen_fds(0);
        check(r == 2, "own id: the fds are ours", r, 2);
        check(getenv("LISTEN_PIDFDID") && !strcmp(getenv("LISTEN_PIDFDID"), own), "  unset_environment=0 keeps LISTEN_PIDFDID", r, 2);

        env(SELF, "2", own_hex, NULL);
        r = sd_listen_fds(0);
        check(r == 2, "own id in hex (safe_atou64 takes 0x)", r, 2);
        env(SELF, "2", own_ws, NULL);
        r = sd_listen_fds(0);
        check(r == 2, "own id with leading space", r, 2);

        int want_other = pidfs ? 0 : 2;
        env(SELF, "2", other, NULL);
        r = sd_listen_fds(0);
        check(r == want_other, pidfs ? "another id: not ours" : "another id, no pidfs: the pid decides", r, want_other);
        env(SELF, "2", other, NULL);
        r = sd_listen_fds(1);
        check(r == want_other && all_unset(), "another id, unset=1: everything removed", r, want_other);

        static const struct { const char *v; int want; } bad[] = {
                { "", -EINVAL }, { "abc", -EINVAL }, { "12x", -EINVAL }, { "-1", -ERANGE },
                { "18446744073709551616", -ERANGE }, { NULL, 0 },
        };
        for (int i = 0; bad[i].v; i++) {
                char what[96];
                env(SELF, "2", bad[i].v, NULL);
                r = sd_listen_fds(1);
                snprintf(what, sizeof what, "malformed \"%s\", unset=1 (removed too)", bad[i].v);
                check(r == bad[i].want && all_unset(), what, r, bad[i].want);
        }
        env(SELF, "2", own_trail, NULL);
        r = sd_listen_fds(0);
        check(r == -EINVAL, "own id with a trailing space", r, -EINVAL);

        env("1", "2", "abc", NULL);
        r = sd_listen_fds(0);
        check(r == 0, "another pid + malformed id: the pid check comes first", r, 0);
        env(NULL, "2", "abc", NULL);
        r = sd_listen_fds(1);
        check(r == 0 && all_unset(), "no LISTEN_PID + malformed id, unset=1", r, 0);

        env(SELF, "2", own, NULL);
        r = sd_listen_fds(1);
        check(r == 2 && all_unset(), "own id, unset=1: LISTEN_PIDFDID removed with the rest", r, 2);

        char **names = (char **) &failures;
        env(SELF, "2", other, "a:b");
        r = sd_listen_fds_with_names(0, &names);
        if (pidfs)
                check(r == 0 && names == (char **) &failures, "with_names, another id: 0, *names untouched", r, 0);
        else {
                check(r == 2, "with_names, another id, no pidfs: 2", r, 2);
                if (r > 0) {
                        for (char **x = names; *x; x++)
                                free(*x);
                        free(names);
                }
        }
        names = NULL;
        env(SELF, "2", own, "a:b");
        r = sd_listen_fds_with_names(1, &names);
        check(r == 2 && names && !strcmp(names[0], "a") && !strcmp(names[1], "b") && !names[2] && all_unset(),
              "with_names, own id: [a,b], all removed", r, 2);
        if (r > 0 && names) {
                for (char **x = names; *x; x++)
                        free(*x);
                free(names);
        }

        /* the case it exists for: the variables reach a child (its own pid, the parent's id) */
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) {
                char mine[32];
                snprintf(mine, sizeof mine, "%d", (int) getpid());
                env(mine, "2", own, NULL);
                r = sd_listen_fds(0);
                check(r == want_other, pidfs ? "forked child with the parent's id: not ours" : "forked child, no pidfs: the pid decides", r, want_other);
                fflush(stdout);
                _exit(failures ? 1 : 0);
        }
        int st;
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                failures++;

        printf("%s\n", failures ? "listen-pidfdid: FAILED" : "listen-pidfdid: all passed");
        return failures ? 1 : 0;
}
