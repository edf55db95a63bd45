/* bad-inputs.c -- bad inputs that the other differential programs do not try (see
 * tests/BAD-INPUTS.md for the whole table): non-UTF-8 bytes in NOTIFY_SOCKET (abstract),
 * WATCHDOG_*, LISTEN_* and paths; 100,000-byte environment values; fds INT_MAX/INT_MIN for every
 * fd argument; sd_is_socket_unix with lengths SIZE_MAX, SIZE_MAX-1 and SIZE_MAX-2 (which wrap
 * systemd's length + 1 arithmetic); binary state payloads of every byte value.
 *
 * Built against Debian's <systemd/sd-daemon.h> and -lsystemd and run by
 * tests/suites/71-sanitizers.sh on libsystemd 252 and on sdlite (plain, ASan+UBSan, valgrind):
 * stdout must be byte-identical ("case -> result", nothing run-specific).
 *
 * --sdlite-only: instead, the inputs where sdlite deliberately differs from 252 (README,
 * "Behaviour"): more fds than the kernel takes, from a malloc'd array of ONE fd.  252 copies the
 * whole array onto its stack (and crashes for huge counts); sdlite must give the kernel's answer
 * without reading past the array, which valgrind would report (ASan cannot: the library is not
 * instrumented; see 71-sanitizers.sh).
 */
#define _GNU_SOURCE
#include <systemd/sd-daemon.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TESTLIB_PROG "bad-inputs"
#include "common/testlib.h"

static char D[64];
static char SELF[32];

static const char *P(const char *rest) {
        return dir_path(D, rest);
}

/* what arrived on fd: " got [len] fnv=... fds=N" or " got nothing" */
static void show_received(int fd) {
        static unsigned char buf[1 << 20];
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 8)];
        } ctl;
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof ctl };
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 20) != 1) {
                printf(" got nothing");
                return;
        }
        ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                printf(" recvmsg: %s", strerrorname_np(errno));
                return;
        }
        int nf = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                        for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, nf++)
                                close(((int *) CMSG_DATA(c))[i]);
        printf(" got [%zd] fnv=%016" PRIx64 " fds=%d", n, fnv(buf, (size_t) n), nf);
}

static void env_show(const char *name, const char *set) {
        const char *v = getenv(name);
        printf(" %s:%s", name, !v ? "unset" : set && !strcmp(v, set) ? "kept" : "changed");
}

static char *repeat(char c, size_t n, const char *tail) {
        size_t t = strlen(tail);
        char *s = malloc(n + t + 1);
        if (!s)
                die("malloc");
        memset(s, c, n);
        memcpy(s + n, tail, t + 1);
        return s;
}

/* ------------------------------------------------------------------ notify */

static void notify_cases(void) {
        printf("## notify\n");
        /* an abstract name with non-UTF-8 bytes */
        char abs[64], absenv[64];
        int l = snprintf(abs, sizeof abs, "%csdlite-bad-%d-\xff\xfe\x80", 0, (int) getpid());
        int afd = bind_unix(SOCK_DGRAM, abs, (size_t) l);
        snprintf(absenv, sizeof absenv, "@%s", abs + 1);
        setenv("NOTIFY_SOCKET", absenv, 1);
        printf("notify NS=@<name with \\xff\\xfe\\x80> -> %s", rs(sd_notify(0, "READY=1")));
        show_received(afd);
        printf("\n");
        close(afd);

        /* a path with control characters and non-UTF-8 bytes */
        const char *odd = P("a\tb\x01\xc3(\xff.sock");
        int ofd = bind_dgram_path(odd);
        setenv("NOTIFY_SOCKET", odd, 1);
        printf("notify NS=$D/a\\tb\\x01\\xc3(\\xff.sock -> %s", rs(sd_notify(1, "READY=1")));
        show_received(ofd);
        env_show("NOTIFY_SOCKET", odd);
        printf("\n");
        close(ofd);
        unlink(odd);

        int rfd = bind_dgram_path(P("n.sock"));
        setenv("NOTIFY_SOCKET", P("n.sock"), 1);
        /* every byte value 1..255, 4096 times over (1 MiB) */
        size_t n = 255 * 4096;
        char *bin = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
                bin[i] = (char) (1 + i % 255);
        bin[n] = 0;
        printf("notify state=every byte 1..255 x4096 (1044480 bytes) -> %s", rs(sd_notify(0, bin)));
        show_received(rfd);
        printf("\n");
        free(bin);
        /* NOTIFY_SOCKET of 100,000 bytes */
        char *longns = repeat('x', 100000, "");
        longns[0] = '/';
        setenv("NOTIFY_SOCKET", longns, 1);
        printf("notify NS=\"/xxx...\" 100000 bytes u=1 -> %s", rs(sd_notify(1, "X=1")));
        env_show("NOTIFY_SOCKET", longns);
        printf("\n");
        longns[0] = '@';
        setenv("NOTIFY_SOCKET", longns, 1);
        printf("notify NS=\"@xxx...\" 100000 bytes -> %s\n", rs(sd_notify(0, "X=1")));
        free(longns);
        setenv("NOTIFY_SOCKET", "\xff/x", 1);
        printf("notify NS=\"\\xff/x\" -> %s\n", rs(sd_notify(0, "X=1")));
        setenv("NOTIFY_SOCKET", "vsock\xff:2:3", 1);
        printf("notify NS=\"vsock\\xff:2:3\" -> %s\n", rs(sd_notify(0, "X=1")));

        /* fd values no table has */
        setenv("NOTIFY_SOCKET", P("n.sock"), 1);
        int fds[][3] = { { INT_MIN, 0, 0 }, { -2, 0, 0 }, { INT_MAX - 1, 0, 0 }, { 0, 1, -1 } };
        const char *labels[] = { "INT_MIN", "-2", "INT_MAX-1", "0,1,-1" };
        unsigned counts[] = { 1, 1, 1, 3 };
        for (int i = 0; i < 4; i++) {
                printf("with_fds fds={%s} -> %s", labels[i],
                       rs(sd_pid_notify_with_fds(0, 0, "FDSTORE=1", fds[i], counts[i])));
                show_received(rfd);
                printf("\n");
        }
        /* pid values no table has */
        printf("pid_notify pid=INT_MIN+1 -> %s", rs(sd_pid_notify(INT_MIN + 1, 0, "X=1")));
        show_received(rfd);
        printf("\n");
        printf("barrier t=UINT64_MAX-1, nobody reads, NS=unset -> ");
        unsetenv("NOTIFY_SOCKET");
        printf("%s\n", rs(sd_notify_barrier(0, UINT64_MAX - 1)));
        close(rfd);
        unsetenv("NOTIFY_SOCKET");
}

/* ------------------------------------------------------------------ watchdog */

static void wd(const char *label, const char *usec, const char *pid) {
        uint64_t u = 777;
        set_or_unset("WATCHDOG_USEC", usec);
        set_or_unset("WATCHDOG_PID", pid);
        int r = sd_watchdog_enabled(0, &u);
        printf("watchdog %s -> %s usec=", label, rs(r));
        if (u == 777)
                printf("untouched\n");
        else
                printf("%" PRIu64 "\n", u);
}

static void watchdog_cases(void) {
        printf("## watchdog\n");
        char *zeros = repeat('0', 100000, "5");
        char *digits = repeat('9', 100000, "");
        char *spaces = repeat(' ', 100000, "5");
        char selfx[40], selfnl[80];
        snprintf(selfx, sizeof selfx, "%s\xff", SELF);
        snprintf(selfnl, sizeof selfnl, "%s\n%s", SELF, SELF);
        wd("WU=100000 zeros+\"5\"", zeros, NULL);
        wd("WU=100000 nines", digits, NULL);
        wd("WU=100000 spaces+\"5\"", spaces, NULL);
        wd("WU=\"\\xff\"", "\xff", NULL);
        wd("WU=\"5\\xff\"", "5\xff", NULL);
        wd("WU=\"\\xc2\\xa05\" (NBSP)", "\xc2\xa0" "5", NULL);
        wd("WU=\"5\\n6\"", "5\n6", NULL);
        wd("WU=\"5\\t\"", "5\t", NULL);
        wd("WU=1000 WP=\"\\xff\"", "1000", "\xff");
        wd("WU=1000 WP=self+\"\\xff\"", "1000", selfx);
        wd("WU=1000 WP=self+\"\\n\"+self", "1000", selfnl);
        wd("WU=1000 WP=100000 nines", "1000", digits);
        wd("WU=1000 WP=100000 zeros+\"5\"", "1000", zeros);
        free(zeros);
        free(digits);
        free(spaces);
        unsetenv("WATCHDOG_USEC");
        unsetenv("WATCHDOG_PID");
}

/* ------------------------------------------------------------------ listen */

static void ls(const char *label, const char *pid, const char *fds, const char *names) {
        char **l = (char **) 1;
        set_or_unset("LISTEN_PID", pid);
        set_or_unset("LISTEN_FDS", fds);
        set_or_unset("LISTEN_FDNAMES", names);
        int r = sd_listen_fds_with_names(0, &l);
        printf("listen %s -> %s", label, rs(r));
        if (r > 0 && l != (char **) 1 && l) {
                size_t total = 0;
                uint64_t h = 0;
                int k = 0;
                for (char **x = l; *x; x++, k++) {
                        total += strlen(*x);
                        h ^= fnv((unsigned char *) *x, strlen(*x)) + (uint64_t) k;
                        free(*x);
                }
                free(l);
                printf(" names=%d total=%zu fnv=%016" PRIx64, k, total, h);
        } else
                printf(" names=%s", l == (char **) 1 ? "untouched" : "CHANGED");
        printf("\n");
}

static void listen_cases(void) {
        printf("## listen (fds 3 and 4 open)\n");
        char selfx[40], self_nl[40];
        snprintf(selfx, sizeof selfx, "%s\xff", SELF);
        snprintf(self_nl, sizeof self_nl, "%s\n", SELF);
        char octal[40];
        snprintf(octal, sizeof octal, "%o", (unsigned) getpid());
        char *zeros = repeat('0', 100000, octal); /* a leading 0 means octal, as in strtoul */
        char *names = malloc(100001);
        for (int i = 0; i < 100000; i++)
                names[i] = (char) (0x80 + i % 0x7f) == ':' ? 'x' : (char) (0x80 + i % 0x7f);
        names[100000] = 0;
        ls("PID=self+\"\\xff\" FDS=1", selfx, "1", NULL);
        ls("PID=self+\"\\n\" FDS=1", self_nl, "1", NULL);
        ls("PID=100000 zeros+octal(self) FDS=1", zeros, "1", NULL);
        ls("PID=self FDS=\"1\\xff\"", SELF, "1\xff", NULL);
        ls("PID=self FDS=\"\\xff\"", SELF, "\xff", NULL);
        ls("PID=self FDS=1 NAMES=100000 bytes 0x80..0xfe", SELF, "1", names);
        ls("PID=self FDS=1 NAMES=\"a\\\\\\xffb\" (escaped non-UTF-8)", SELF, "1", "a\\\xff" "b");
        ls("PID=self FDS=1 NAMES=\"\\xff\\\\\"", SELF, "1", "\xff\\");
        ls("PID=self FDS=2 NAMES=\"\\xff:\\xfe\"", SELF, "2", "\xff:\xfe");
        free(zeros);
        free(names);
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
}

/* ------------------------------------------------------------------ sd_is_* */

static void is_cases(void) {
        printf("## sd_is_* with fds no table has\n");
        int bad[] = { INT_MAX, INT_MIN, -2 };
        const char *bl[] = { "INT_MAX", "INT_MIN", "-2" };
        struct sockaddr_in sin = { .sin_family = AF_INET };
        for (int i = 0; i < 3; i++) {
                int fd = bad[i];
                printf("fd %s: fifo %s special %s socket %s inet %s unix %s sockaddr %s mq %s mq(path) %s\n", bl[i],
                       rs(sd_is_fifo(fd, NULL)), rs(sd_is_special(fd, NULL)), rs(sd_is_socket(fd, 0, 0, -1)),
                       rs(sd_is_socket_inet(fd, 0, 0, -1, 0)), rs(sd_is_socket_unix(fd, 0, -1, NULL, 0)),
                       rs(sd_is_socket_sockaddr(fd, 0, (struct sockaddr *) &sin, sizeof sin, -1)),
                       rs(sd_is_mq(fd, NULL)), rs(sd_is_mq(fd, "/q")));
        }

        printf("## non-UTF-8 paths\n");
        const char *fifo = P("f\xff\xfe.fifo");
        if (mkfifo(fifo, 0600) < 0)
                die("mkfifo");
        int ff = open(fifo, O_RDWR | O_CLOEXEC);
        printf("sd_is_fifo(fifo, its non-UTF-8 path) -> %s\n", rs(sd_is_fifo(ff, fifo)));
        printf("sd_is_fifo(fifo, \"$D/f\\xff\") -> %s\n", rs(sd_is_fifo(ff, P("f\xff"))));
        const char *reg = P("r\x80.file");
        int rf = open(reg, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
        printf("sd_is_special(file, its non-UTF-8 path) -> %s\n", rs(sd_is_special(rf, reg)));
        printf("sd_is_mq(file, \"/\\xff\") -> %s\n", rs(sd_is_mq(rf, "/\xff")));
        const char *us = P("u\xff.sock");
        int uf = bind_dgram_path(us);
        printf("sd_is_socket_unix(sock, its non-UTF-8 path, 0) -> %s\n", rs(sd_is_socket_unix(uf, SOCK_DGRAM, -1, us, 0)));

        printf("## sd_is_socket_unix with absurd lengths\n");
        printf("path socket, path \"/x\", length SIZE_MAX -> %s\n", rs(sd_is_socket_unix(uf, 0, -1, "/x", SIZE_MAX)));
        printf("path socket, own path, length SIZE_MAX -> %s\n", rs(sd_is_socket_unix(uf, 0, -1, us, SIZE_MAX)));
        printf("path socket, own path, length SIZE_MAX-1 -> %s\n", rs(sd_is_socket_unix(uf, 0, -1, us, SIZE_MAX - 1)));
        printf("path socket, own path, length SIZE_MAX-2 -> %s\n", rs(sd_is_socket_unix(uf, 0, -1, us, SIZE_MAX - 2)));
        printf("path socket, \"/x\", length SIZE_MAX-2 -> %s\n", rs(sd_is_socket_unix(uf, 0, -1, "/x", SIZE_MAX - 2)));
        char abs[40];
        int al = snprintf(abs, sizeof abs, "%csdlite-bad-abs-%d", 0, (int) getpid());
        int af = bind_unix(SOCK_DGRAM, abs, (size_t) al);
        printf("abstract socket, \"\\0x\", length SIZE_MAX -> %s\n", rs(sd_is_socket_unix(af, 0, -1, "\0x", SIZE_MAX)));
        printf("abstract socket, own name, length SIZE_MAX -> %s\n", rs(sd_is_socket_unix(af, 0, -1, abs, SIZE_MAX)));
        printf("abstract socket, own name, length SIZE_MAX-1 -> %s\n", rs(sd_is_socket_unix(af, 0, -1, abs, SIZE_MAX - 1)));
        printf("abstract socket, own name, length SIZE_MAX-2 -> %s\n", rs(sd_is_socket_unix(af, 0, -1, abs, SIZE_MAX - 2)));
        printf("path socket, own path, length 108 (bytes past it zero) -> ");
        char padded[300] = { 0 };
        memcpy(padded, us, strlen(us));
        printf("%s\n", rs(sd_is_socket_unix(uf, 0, -1, padded, 108)));
        close(ff);
        close(rf);
        close(uf);
        close(af);
        unlink(fifo);
        unlink(reg);
        unlink(us);
}

/* ------------------------------------------------------------------ sdlite only */

static void sdlite_only(void) {
        printf("## sdlite only: more fds than the kernel takes, from an array of ONE fd (README, Behaviour)\n");
        int rfd = bind_dgram_path(P("n.sock"));
        setenv("NOTIFY_SOCKET", P("n.sock"), 1);
        int *one = malloc(sizeof(int));
        *one = 0;
        unsigned counts[] = { 254, 255, 1000, 65536, 1u << 28, UINT_MAX };
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
                printf("with_fds n=%u (array of 1) -> %s", counts[i],
                       rs(sd_pid_notify_with_fds(0, 0, "FDSTORE=1", one, counts[i])));
                show_received(rfd);
                printf("\n");
        }
        printf("with_fds pid=1 n=UINT_MAX (array of 1) -> %s", rs(sd_pid_notify_with_fds(1, 0, "FDSTORE=1", one, UINT_MAX)));
        show_received(rfd);
        printf("\n");
        free(one);
        close(rfd);
        unsetenv("NOTIFY_SOCKET");
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        report_library();
        make_scratch_dir(D, sizeof D, "sdlite-bad.XXXXXX");
        snprintf(SELF, sizeof SELF, "%d", (int) getpid());
        unsetenv("NOTIFY_SOCKET");
        /* fds 3 and 4 open for the LISTEN_FDS cases (closed again at the end: valgrind's fd
         * tracking in 71-sanitizers counts what is left) */
        int made[5] = { 0 };
        for (int fd = 3; fd <= 4; fd++)
                if (fcntl(fd, F_GETFD) < 0) {
                        int n = open("/dev/null", O_RDONLY);
                        if (n != fd && dup2(n, fd) < 0)
                                die("dup2");
                        if (n != fd)
                                close(n);
                        made[fd] = 1;
                }
        if (argc > 1 && !strcmp(argv[1], "--sdlite-only"))
                sdlite_only();
        else {
                printf("# bad-inputs: inputs no other table tries\n");
                notify_cases();
                watchdog_cases();
                listen_cases();
                is_cases();
        }
        unlink(P("n.sock"));
        rmdir(D);
        for (int fd = 3; fd <= 4; fd++)
                if (made[fd])
                        close(fd);
        printf("# end\n");
        return 0;
}
