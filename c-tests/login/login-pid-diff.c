/* c-tests/login/login-pid-diff.c -- sd-login's process side, the same binary on libsystemd 252
 * and on sdlite (tests/suites/24-diff-login-pid.sh runs it; its stdout must be byte-identical).
 *
 * Built against Debian's <systemd/sd-login.h> and -lsystemd. Modes:
 *
 *   login-pid-diff pids LABEL=PID...    every sd_pid_get_* for each PID (0 = the caller), one
 *                                       line a function: "LABEL fn -> RC "VALUE"" (the value only on
 *                                       success; on failure, whether the out-pointer was left alone)
 *   login-pid-diff pidfds LABEL=PID...  the same lines from the sd_pidfd_get_* forms (systemd 254;
 *                                       looked up with dlsym, "absent" without them) through a pidfd
 *                                       of each PID: on sdlite they must equal 252's "pids" lines
 *   login-pid-diff basics               pid -1, NULL out-pointers, pid 0 against getpid(), pids
 *                                       that do not exist; sd_peer_get_* over a socketpair (whose
 *                                       peer is this process: the answers must be the pid's), a
 *                                       pipe, an unconnected socket, a closed and a negative fd
 *   login-pid-diff pidfd-errors         sdlite only: the sd_pidfd_get_* errors (negative, closed
 *                                       and non-pidfd fds, a zombie, a reaped child)
 *   login-pid-diff listen NAME READY    a peer: listens on the abstract AF_UNIX socket @NAME, then
 *                                       creates the file READY (holding its pid) and waits to be
 *                                       killed; whoever connects gets this process's pid from
 *                                       SO_PEERCRED (the credentials of listen())
 *   login-pid-diff peers LABEL=NAME...  connects to each @NAME and prints every sd_peer_get_* line
 *                                       for that connection ("peer:LABEL fn -> ...")
 *
 * Every string returned is freed (the sanitizer suite runs this under valgrind); the fd count at
 * the end must equal the one at the start ("fds: leaked N" otherwise, and exit 1). */
#define _GNU_SOURCE
#define TESTLIB_PROG "login-pid-diff"
#include "../common/testlib.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-login.h>

typedef int (*str_fn)(pid_t, char **);
typedef int (*uid_fn)(pid_t, uid_t *);
typedef int (*peer_str_fn)(int, char **);
typedef int (*peer_uid_fn)(int, uid_t *);

#define SENTINEL ((char *)0x1)
#define UID_SENTINEL ((uid_t)4242424242u)

static const struct {
        const char *name;
        str_fn pid;
        peer_str_fn peer;
        const char *pidfd_name;
} STR_FNS[] = {
        { "session", sd_pid_get_session, sd_peer_get_session, "sd_pidfd_get_session" },
        { "unit", sd_pid_get_unit, sd_peer_get_unit, "sd_pidfd_get_unit" },
        { "user_unit", sd_pid_get_user_unit, sd_peer_get_user_unit, "sd_pidfd_get_user_unit" },
        { "machine_name", sd_pid_get_machine_name, sd_peer_get_machine_name, "sd_pidfd_get_machine_name" },
        { "slice", sd_pid_get_slice, sd_peer_get_slice, "sd_pidfd_get_slice" },
        { "user_slice", sd_pid_get_user_slice, sd_peer_get_user_slice, "sd_pidfd_get_user_slice" },
        { "cgroup", sd_pid_get_cgroup, sd_peer_get_cgroup, "sd_pidfd_get_cgroup" },
};
#define N_STR (sizeof STR_FNS / sizeof STR_FNS[0])

static void print_value(const char *s) {
        putchar('"');
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
                        putchar(*p);
                else
                        printf("\\x%02x", *p);
        }
        putchar('"');
}

/* One line for a string-returning call that has already been made. */
static void report_str(const char *label, const char *fn, int r, char *out) {
        printf("%s %s -> %s", label, fn, rs(r));
        if (r >= 0) {
                putchar(' ');
                if (out && out != SENTINEL)
                        print_value(out);
                else
                        printf("(no string)");
        } else
                printf(out == SENTINEL ? " untouched" : " CHANGED");
        putchar('\n');
        if (out && out != SENTINEL)
                free(out);
}

static void report_uid(const char *label, const char *fn, int r, uid_t uid) {
        printf("%s %s -> %s", label, fn, rs(r));
        if (r >= 0)
                printf(" %u\n", (unsigned)uid);
        else
                printf(uid == UID_SENTINEL ? " untouched\n" : " CHANGED\n");
}

static void pid_lines(const char *label, pid_t pid) {
        for (size_t i = 0; i < N_STR; i++) {
                char *out = SENTINEL;
                int r = STR_FNS[i].pid(pid, &out);
                report_str(label, STR_FNS[i].name, r, out);
        }
        uid_t uid = UID_SENTINEL;
        int r = sd_pid_get_owner_uid(pid, &uid);
        report_uid(label, "owner_uid", r, uid);
}

static int pidfd_open_(pid_t pid) {
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void pidfd_lines(const char *label, pid_t pid) {
        int fd = pidfd_open_(pid);
        if (fd < 0) {
                printf("%s pidfd_open -> -%s\n", label, strerrorname_np(errno));
                return;
        }
        for (size_t i = 0; i < N_STR; i++) {
                peer_str_fn f = (peer_str_fn)dlsym(RTLD_DEFAULT, STR_FNS[i].pidfd_name);
                if (!f) {
                        printf("%s %s -> absent\n", label, STR_FNS[i].name);
                        continue;
                }
                char *out = SENTINEL;
                int r = f(fd, &out);
                report_str(label, STR_FNS[i].name, r, out);
        }
        peer_uid_fn fu = (peer_uid_fn)dlsym(RTLD_DEFAULT, "sd_pidfd_get_owner_uid");
        if (!fu)
                printf("%s owner_uid -> absent\n", label);
        else {
                uid_t uid = UID_SENTINEL;
                int r = fu(fd, &uid);
                report_uid(label, "owner_uid", r, uid);
        }
        close(fd);
}

static void peer_lines(const char *label, int fd) {
        for (size_t i = 0; i < N_STR; i++) {
                char *out = SENTINEL;
                int r = STR_FNS[i].peer(fd, &out);
                report_str(label, STR_FNS[i].name, r, out);
        }
        uid_t uid = UID_SENTINEL;
        int r = sd_peer_get_owner_uid(fd, &uid);
        report_uid(label, "owner_uid", r, uid);
}

/* Every function with a NULL out-pointer, on `pid`, on `fd` as a peer and (where present) as a
 * pidfd. */
static void null_lines(pid_t pid, int fd) {
        for (size_t i = 0; i < N_STR; i++) {
                printf("NULL pid %s -> %s\n", STR_FNS[i].name, rs(STR_FNS[i].pid(pid, NULL)));
                printf("NULL peer %s -> %s\n", STR_FNS[i].name, rs(STR_FNS[i].peer(fd, NULL)));
        }
        printf("NULL pid owner_uid -> %s\n", rs(sd_pid_get_owner_uid(pid, NULL)));
        printf("NULL peer owner_uid -> %s\n", rs(sd_peer_get_owner_uid(fd, NULL)));
}

static int parse_arg(const char *arg, char *label, size_t n, pid_t *pid) {
        const char *eq = strchr(arg, '=');
        if (!eq || (size_t)(eq - arg) >= n)
                return -1;
        memcpy(label, arg, eq - arg);
        label[eq - arg] = 0;
        char *end;
        long v = strtol(eq + 1, &end, 10);
        if (*end)
                return -1;
        *pid = (pid_t)v;
        return 0;
}

static void basics(void) {
        /* pid 0 is the caller: the same lines as for getpid(). */
        pid_lines("zero", 0);
        pid_lines("self", getpid());
        pid_lines("negative", -1);
        pid_lines("int-min", INT32_MIN);
        pid_lines("int-max", INT32_MAX);
        /* pid_max is at most 2^22: 2^22 + 1 can never exist. */
        pid_lines("no-such-pid", (1 << 22) + 1);

        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
                die("socketpair");
        peer_lines("socketpair", sp[0]);
        int dg[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg) < 0)
                die("socketpair dgram");
        peer_lines("socketpair-dgram", dg[1]);
        null_lines(0, sp[0]);
        null_lines(-1, -1);

        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                die("pipe2");
        peer_lines("pipe", pp[0]);
        int un = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (un < 0)
                die("socket");
        peer_lines("unconnected", un);
        int in = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (in >= 0) {
                peer_lines("inet-unconnected", in);
                close(in);
        }
        int closed = dup(un);
        close(closed);
        peer_lines("closed-fd", closed);
        peer_lines("negative-fd", -1);
        peer_lines("int-min-fd", INT32_MIN);
        close(un);
        close(pp[0]);
        close(pp[1]);
        close(sp[0]);
        close(sp[1]);
        close(dg[0]);
        close(dg[1]);
}

static void pidfd_call(const char *label, int fd) {
        peer_str_fn f = (peer_str_fn)dlsym(RTLD_DEFAULT, "sd_pidfd_get_cgroup");
        peer_str_fn fu = (peer_str_fn)dlsym(RTLD_DEFAULT, "sd_pidfd_get_unit");
        peer_uid_fn fo = (peer_uid_fn)dlsym(RTLD_DEFAULT, "sd_pidfd_get_owner_uid");
        if (!f || !fu || !fo) {
                printf("%s -> absent\n", label);
                return;
        }
        char *out = SENTINEL;
        int r = f(fd, &out);
        report_str(label, "cgroup", r, out);
        out = SENTINEL;
        r = fu(fd, &out);
        report_str(label, "unit", r, out);
        uid_t uid = UID_SENTINEL;
        r = fo(fd, &uid);
        report_uid(label, "owner_uid", r, uid);
        printf("%s cgroup(NULL) -> %s\n", label, rs(f(fd, NULL)));
        printf("%s owner_uid(NULL) -> %s\n", label, rs(fo(fd, NULL)));
}

static void pidfd_errors(void) {
        pidfd_call("negative-fd", -1);
        pidfd_call("int-min-fd", INT32_MIN);
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die("open /dev/null");
        pidfd_call("not-a-pidfd", fd);
        close(fd);
        pidfd_call("closed-fd", fd);

        /* A child that has exited: while it is a zombie its pidfd still names it; once reaped,
         * the pidfd names no process (fdinfo "Pid: -1"). */
        int go[2];
        if (pipe2(go, O_CLOEXEC) < 0)
                die("pipe2");
        pid_t child = fork_flushed();
        if (child == 0) {
                char c;
                close(go[1]);
                (void)!read(go[0], &c, 1);
                _exit(0);
        }
        close(go[0]);
        int pfd = pidfd_open_(child);
        if (pfd < 0)
                die("pidfd_open");
        pidfd_call("live-child", pfd);
        close(go[1]); /* the child exits */
        siginfo_t si;
        if (waitid(P_PIDFD, (id_t)pfd, &si, WEXITED | WNOWAIT) < 0)
                die("waitid WNOWAIT");
        pidfd_call("zombie-child", pfd);
        if (waitid(P_PIDFD, (id_t)pfd, &si, WEXITED) < 0)
                die("waitid");
        pidfd_call("reaped-child", pfd);
        close(pfd);
}

static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name) {
        memset(sa, 0, sizeof *sa);
        sa->sun_family = AF_UNIX;
        size_t n = strlen(name);
        if (n > sizeof sa->sun_path - 1)
                n = sizeof sa->sun_path - 1;
        memcpy(sa->sun_path + 1, name, n);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

_Noreturn static void listen_peer(const char *name, const char *ready) {
        struct sockaddr_un sa;
        socklen_t len = abstract_addr(&sa, name);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket");
        if (bind(fd, (struct sockaddr *)&sa, len) < 0)
                die("bind");
        if (listen(fd, 4) < 0)
                die("listen");
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", ready);
        FILE *f = fopen(tmp, "we");
        if (!f)
                die("fopen ready");
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
        if (rename(tmp, ready) < 0)
                die("rename ready");
        for (;;)
                pause();
}

static void peers(int argc, char **argv) {
        for (int i = 2; i < argc; i++) {
                const char *eq = strchr(argv[i], '=');
                if (!eq) {
                        fprintf(stderr, "login-pid-diff: bad argument '%s'\n", argv[i]);
                        exit(2);
                }
                char label[80];
                snprintf(label, sizeof label, "peer:%.*s", (int)(eq - argv[i]), argv[i]);
                struct sockaddr_un sa;
                socklen_t len = abstract_addr(&sa, eq + 1);
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        die("socket");
                if (connect(fd, (struct sockaddr *)&sa, len) < 0)
                        die("connect");
                peer_lines(label, fd);
                close(fd);
        }
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        int fds_before = count_fds();
        if (argc < 2) {
                fprintf(stderr, "usage: login-pid-diff pids|pidfds|basics|pidfd-errors|listen|peers [ARGS...]\n");
                return 2;
        }
        const char *mode = argv[1];
        if (!strcmp(mode, "pids") || !strcmp(mode, "pidfds")) {
                for (int i = 2; i < argc; i++) {
                        char label[64];
                        pid_t pid;
                        if (parse_arg(argv[i], label, sizeof label, &pid) < 0) {
                                fprintf(stderr, "login-pid-diff: bad argument '%s'\n", argv[i]);
                                return 2;
                        }
                        if (mode[3] == 's')
                                pid_lines(label, pid);
                        else
                                pidfd_lines(label, pid);
                }
        } else if (!strcmp(mode, "basics"))
                basics();
        else if (!strcmp(mode, "pidfd-errors"))
                pidfd_errors();
        else if (!strcmp(mode, "listen") && argc == 4)
                listen_peer(argv[2], argv[3]);
        else if (!strcmp(mode, "peers"))
                peers(argc, argv);
        else {
                fprintf(stderr, "login-pid-diff: unknown mode '%s'\n", mode);
                return 2;
        }
        report_library();
        int fds_after = count_fds();
        if (fds_after != fds_before) {
                printf("fds: leaked %d\n", fds_after - fds_before);
                return 1;
        }
        return 0;
}
