/* Differential test: sd_listen_fds, sd_listen_fds_with_names and the sd_is_* family
 * (sd_is_fifo, sd_is_special, sd_is_socket, sd_is_socket_inet, sd_is_socket_sockaddr,
 * sd_is_socket_unix, sd_is_mq).
 *
 * Built against Debian's <systemd/sd-daemon.h> and -lsystemd (252), nothing of sdlite's; run
 * by tests/suites/21-diff-listen.sh once on the system library and once with
 * LD_LIBRARY_PATH=$SDLITE_BUILD: stdout must be byte-identical.  Nothing run-specific (pids,
 * fd numbers, ephemeral ports, temp paths) reaches stdout; stderr gets the libsystemd line of
 * /proc/self/maps ("maps: PATH"), which the suite checks instead.
 *
 * usage: listen-diff SCRATCH_DIR   (an empty directory; both runs should get the same path)
 *
 * As root it first moves into private mount, IPC and network namespaces (lo brought up), so
 * that fixed ports, abstract socket names and message queues cannot clash with anything, and
 * it can mount an mqueue file system and mknod device nodes.  Unprivileged, it still runs;
 * the cases that need root print "unavailable" (the same way in both runs).
 *
 * Output: one line per call, "CASE | CALL -> RESULT [side effects]".  Results are a number or
 * -ENAME, followed by "[ENAME]" (or "[0]") when the call left errno changed: libsystemd never
 * sets errno on purpose, but callers see what it leaves there, so that is compared too.
 * For the LISTEN_* calls the side effects are: the names array (or whether *names kept its
 * sentinel), the FD_CLOEXEC state of fds 3..6 ("c" set, "-" clear, "x" closed) and each
 * LISTEN_* variable afterwards ("kept" = as set, "unset", or its new value).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <mqueue.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "../common/testlib.h"

static char D[200]; /* scratch dir (short: socket paths are made in it) */
static int PRIVATE_NS;   /* 1: we are in our own mount+ipc+net namespaces */
static char SELF[32];    /* our pid in decimal */

/* ------------------------------------------------------------------ printing */

static const char *en(int r) {
        static char bufs[4][64];
        static int bi;
        char *b = bufs[bi = (bi + 1) % 4];
        if (r >= 0)
                snprintf(b, sizeof bufs[0], "%d", r);
        else {
                const char *n = strerrorname_np(-r);
                if (n)
                        snprintf(b, sizeof bufs[0], "-%s", n);
                else
                        snprintf(b, sizeof bufs[0], "-errno%d", -r);
        }
        return b;
}

/* The result, plus errno when the call changed it (ERRNO_MARK before the call):
 * "1", "0[ENOENT]", "-EBADF[EBADF]".  libsystemd never sets errno on purpose, but callers can
 * see what it leaves there. */
#define ERRNO_MARK 4242
#define ER(call) (errno = ERRNO_MARK, er_fmt(call))
static const char *er_fmt(int r) {
        int e = errno;
        static char bufs[4][96];
        static int bi;
        char *b = bufs[bi = (bi + 1) % 4];
        if (e == ERRNO_MARK)
                snprintf(b, sizeof bufs[0], "%s", en(r));
        else
                snprintf(b, sizeof bufs[0], "%s[%s]", en(r), e == 0 ? "0" : strerrorname_np(e) ? strerrorname_np(e) : "?");
        return b;
}

/* a byte string, C-escaped, quoted */
static void pesc_n(const char *s, size_t n) {
        putchar('"');
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c == '\\' || c == '"')
                        printf("\\%c", c);
                else if (c == '\n')
                        printf("\\n");
                else if (c == '\t')
                        printf("\\t");
                else if (c < 0x20 || c >= 0x7f)
                        printf("\\x%02x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void pesc(const char *s) {
        pesc_n(s, strlen(s));
}

/* long strings are shown by length and a checksum */
static void pesc_short(const char *s) {
        size_t n = strlen(s);
        if (n <= 80) {
                pesc(s);
                return;
        }
        unsigned long h = 5381;
        for (size_t i = 0; i < n; i++)
                h = h * 33 + (unsigned char) s[i];
        printf("<%zu bytes, hash %08lx, starts ", n, h & 0xffffffffUL);
        pesc_n(s, 16);
        printf(">");
}

static void section(const char *s) {
        printf("## %s\n", s);
}

static char *keep(char *s);
#define P(name) path_in(name)
/* D/name, valid until exit */
static const char *path_in(const char *name) {
        char *s;
        if (asprintf(&s, "%s/%s", D, name) < 0)
                return NULL;
        return keep(s);
}

static void die(const char *what) {
        fprintf(stderr, "listen-diff: %s: %m\n", what);
        exit(2);
}

/* ------------------------------------------------------------------ environment */

static void show_env(const char *shortname, const char *name, const char *was_set) {
        const char *v = getenv(name);
        printf(" %s:", shortname);
        if (!v)
                printf("unset");
        else if (was_set && strcmp(v, was_set) == 0)
                printf("kept");
        else {
                printf("changed=");
                pesc_short(v);
        }
}

/* ------------------------------------------------------------------ sd_listen_fds */

/* fds 3 and 4: /dev/null; 5: closed; 6: /dev/null.  None close-on-exec. */
static void fd_layout(void) {
        int n = open("/dev/null", O_RDONLY);
        if (n < 0)
                die("open /dev/null");
        for (int fd = 3; fd <= 6; fd++)
                if (fd != n && fd != 5 && dup2(n, fd) < 0)
                        die("dup2");
        if (n != 3 && n != 4 && n != 6)
                close(n);
        close(5);
        for (int fd = 3; fd <= 6; fd++)
                if (fd != 5)
                        fcntl(fd, F_SETFD, 0);
}

static void show_fds(void) {
        printf(" fds=");
        for (int fd = 3; fd <= 6; fd++) {
                int f = fcntl(fd, F_GETFD);
                putchar(f < 0 ? 'x' : (f & FD_CLOEXEC) ? 'c' : '-');
        }
}

/* pre-conditions of a case */
enum {
        PRE_FD3_CLOEXEC = 1, /* fd 3 already close-on-exec */
        PRE_FD3_CLOSED = 2,  /* fd 3 closed */
        PRE_FD4_CLOSED = 4,  /* fd 4 closed */
};

struct lcase {
        const char *label; /* NULL: describe by the values */
        const char *pid;   /* NULL: unset; "SELF": our pid */
        const char *fds;
        const char *names;
        int pre;
};

enum call { LF, WN, WN_NULL };

static void one_call(const struct lcase *c, const char *pid, enum call call, int unset) {
        static char *sentinel[] = { (char *) "SENTINEL", NULL };
        char **l = sentinel;
        int r = 0;

        set_or_unset("LISTEN_PID", pid);
        set_or_unset("LISTEN_FDS", c->fds);
        set_or_unset("LISTEN_FDNAMES", c->names);
        fd_layout();
        if (c->pre & PRE_FD3_CLOEXEC)
                fcntl(3, F_SETFD, FD_CLOEXEC);
        if (c->pre & PRE_FD3_CLOSED)
                close(3);
        if (c->pre & PRE_FD4_CLOSED)
                close(4);

        switch (call) {
        case LF:
                printf("   sd_listen_fds(%d) -> %s", unset, ER(r = sd_listen_fds(unset)));
                break;
        case WN:
                printf("   with_names(%d,&l) -> %s", unset, ER(r = sd_listen_fds_with_names(unset, &l)));
                if (l == sentinel)
                        printf(" names=untouched");
                else if (!l)
                        printf(" names=NULL");
                else {
                        size_t n = 0;
                        printf(" names=[");
                        for (char **x = l; *x; x++, n++) {
                                if (x != l)
                                        putchar(',');
                                pesc_short(*x);
                                free(*x);
                        }
                        printf("](%zu)", n);
                        free(l);
                }
                break;
        case WN_NULL:
                printf("   with_names(%d,NULL) -> %s", unset, ER(r = sd_listen_fds_with_names(unset, NULL)));
                break;
        }
        show_fds();
        show_env("PID", "LISTEN_PID", pid);
        show_env("FDS", "LISTEN_FDS", c->fds);
        show_env("NAMES", "LISTEN_FDNAMES", c->names);
        printf("\n");
        fd_layout();
}

static void lcase_run(const struct lcase *c) {
        const char *pid = c->pid && strcmp(c->pid, "SELF") == 0 ? SELF : c->pid;

        printf("case ");
        if (c->label)
                printf("%s", c->label);
        else {
                printf("PID=");
                if (!c->pid)
                        printf("<unset>");
                else if (pid == SELF)
                        printf("self");
                else
                        pesc_short(c->pid);
        }
        printf(" FDS=");
        if (c->fds)
                pesc_short(c->fds);
        else
                printf("<unset>");
        printf(" NAMES=");
        if (c->names)
                pesc_short(c->names);
        else
                printf("<unset>");
        if (c->pre & PRE_FD3_CLOEXEC)
                printf(" [fd3 cloexec]");
        if (c->pre & PRE_FD3_CLOSED)
                printf(" [fd3 closed]");
        if (c->pre & PRE_FD4_CLOSED)
                printf(" [fd4 closed]");
        printf("\n");

        one_call(c, pid, LF, 0);
        one_call(c, pid, LF, 1);
        one_call(c, pid, LF, INT_MIN);
        one_call(c, pid, WN, 0);
        one_call(c, pid, WN, 1);
        one_call(c, pid, WN, -3);
        one_call(c, pid, WN_NULL, 0);
        one_call(c, pid, WN_NULL, 1);
}

/* strings made for the cases stay reachable (and are freed at exit): valgrind must see no leak */
static char *KEEP[1024];
static int NKEEP;
static char *keep(char *s) {
        if (!s || NKEEP >= (int) (sizeof KEEP / sizeof *KEEP))
                die("keep");
        return KEEP[NKEEP++] = s;
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xfmt(const char *fmt, ...) {
        va_list ap;
        char *s;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                die("vasprintf");
        va_end(ap);
        return keep(s);
}

static char *bin(unsigned long v) {
        char b[80];
        int i = 79;
        b[i] = 0;
        do {
                b[--i] = '0' + (v & 1);
                v >>= 1;
        } while (v);
        return keep(strdup(b + i));
}

static void section_listen_pid(void) {
        pid_t me = getpid();
        unsigned long ume = (unsigned long) me;
        section("LISTEN_PID forms (LISTEN_FDS=2, fds 3 and 4 open)");
        struct lcase cs[] = {
                { NULL, NULL, "2", NULL, 0 },
                { NULL, "", "2", NULL, 0 },
                { NULL, " ", "2", NULL, 0 },
                { NULL, "abc", "2", NULL, 0 },
                { NULL, "0", "2", NULL, 0 },
                { NULL, "-0", "2", NULL, 0 },
                { NULL, "+0", "2", NULL, 0 },
                { NULL, "00", "2", NULL, 0 },
                { NULL, "-1", "2", NULL, 0 },
                { NULL, "1", "2", NULL, 0 },
                { NULL, "SELF", "2", NULL, 0 },
                { "self+1", xfmt("%lu", ume + 1), "2", NULL, 0 },
                { "+self", xfmt("+%s", SELF), "2", NULL, 0 },
                { "-self", xfmt("-%s", SELF), "2", NULL, 0 },
                { "' 'self", xfmt(" %s", SELF), "2", NULL, 0 },
                { "'  \\t\\n\\r'self", xfmt("  \t\n\r%s", SELF), "2", NULL, 0 },
                { "'\\v'self (strtoul skips it, systemd's WHITESPACE does not)", xfmt("\v%s", SELF), "2", NULL, 0 },
                { "'\\f'self", xfmt("\f%s", SELF), "2", NULL, 0 },
                { "self' '", xfmt("%s ", SELF), "2", NULL, 0 },
                { "self'\\n'", xfmt("%s\n", SELF), "2", NULL, 0 },
                { "self'x'", xfmt("%sx", SELF), "2", NULL, 0 },
                { "'x'self", xfmt("x%s", SELF), "2", NULL, 0 },
                { "' +'self", xfmt(" +%s", SELF), "2", NULL, 0 },
                { "'+ 'self", xfmt("+ %s", SELF), "2", NULL, 0 },
                { "'++'self", xfmt("++%s", SELF), "2", NULL, 0 },
                { "'+-'self", xfmt("+-%s", SELF), "2", NULL, 0 },
                { "0x+hex(self)", xfmt("0x%lx", ume), "2", NULL, 0 },
                { "0X+HEX(self)", xfmt("0X%lX", ume), "2", NULL, 0 },
                { "0x+HEX(self)", xfmt("0x%lX", ume), "2", NULL, 0 },
                { "+0x+hex(self)", xfmt("+0x%lx", ume), "2", NULL, 0 },
                { "-0x+hex(self)", xfmt("-0x%lx", ume), "2", NULL, 0 },
                { "' '0x+hex(self)", xfmt(" 0x%lx", ume), "2", NULL, 0 },
                { "0x' '+hex(self)", xfmt("0x %lx", ume), "2", NULL, 0 },
                { "0+oct(self)", xfmt("0%lo", ume), "2", NULL, 0 },
                { "000+oct(self)", xfmt("000%lo", ume), "2", NULL, 0 },
                { "0o+oct(self)", xfmt("0o%lo", ume), "2", NULL, 0 },
                { "0O+oct(self)", xfmt("0O%lo", ume), "2", NULL, 0 },
                { "0o0+oct(self)", xfmt("0o0%lo", ume), "2", NULL, 0 },
                { "0b+bin(self)", xfmt("0b%s", bin(ume)), "2", NULL, 0 },
                { "0B+bin(self)", xfmt("0B%s", bin(ume)), "2", NULL, 0 },
                { "0b' '+bin(self)", xfmt("0b %s", bin(ume)), "2", NULL, 0 },
                { "0b'\\t'+bin(self)", xfmt("0b\t%s", bin(ume)), "2", NULL, 0 },
                { "0b'+'+bin(self)", xfmt("0b+%s", bin(ume)), "2", NULL, 0 },
                { "0b'-'+bin(self)", xfmt("0b-%s", bin(ume)), "2", NULL, 0 },
                { "0b' -'+bin(self)", xfmt("0b -%s", bin(ume)), "2", NULL, 0 },
                { "+0b+bin(self)", xfmt("+0b%s", bin(ume)), "2", NULL, 0 },
                { "' '0b+bin(self)", xfmt(" 0b%s", bin(ume)), "2", NULL, 0 },
                { "0b0x+hex(self)", xfmt("0b0x%lx", ume), "2", NULL, 0 },
                { "0o0x+hex(self)", xfmt("0o0x%lx", ume), "2", NULL, 0 },
                { "20 zeros+oct(self)", xfmt("00000000000000000000%lo", ume), "2", NULL, 0 },
                { NULL, "0123", "2", NULL, 0 },
                { NULL, "089", "2", NULL, 0 },
                { NULL, "0009", "2", NULL, 0 },
                { NULL, "0x", "2", NULL, 0 },
                { NULL, "0b", "2", NULL, 0 },
                { NULL, "0o", "2", NULL, 0 },
                { NULL, "0X", "2", NULL, 0 },
                { NULL, "0x0", "2", NULL, 0 },
                { NULL, "0b0", "2", NULL, 0 },
                { NULL, "0b1", "2", NULL, 0 },
                { NULL, "0b2", "2", NULL, 0 },
                { NULL, "0o8", "2", NULL, 0 },
                { NULL, "08", "2", NULL, 0 },
                { NULL, "0xg", "2", NULL, 0 },
                { NULL, "2147483647", "2", NULL, 0 },
                { NULL, "2147483648", "2", NULL, 0 },
                { NULL, "4294967295", "2", NULL, 0 },
                { NULL, "4294967296", "2", NULL, 0 },
                { "2^32+self", xfmt("%lu", 4294967296UL + ume), "2", NULL, 0 },
                { "2^64-2^32+self", xfmt("%lu", 18446744069414584320UL + ume), "2", NULL, 0 },
                { "2^64-2^31", "18446744071562067968", "2", NULL, 0 },
                { NULL, "18446744073709551615", "2", NULL, 0 },
                { NULL, "18446744073709551616", "2", NULL, 0 },
                { NULL, "-18446744073709551615", "2", NULL, 0 },
                { NULL, "-18446744073709551616", "2", NULL, 0 },
                { NULL, "99999999999999999999999999", "2", NULL, 0 },
                { NULL, "-9223372036854775808", "2", NULL, 0 },
                { "-(2^64-self)", xfmt("-%lu", 0UL - ume), "2", NULL, 0 },
                { NULL, "1e3", "2", NULL, 0 },
                { NULL, "1.0", "2", NULL, 0 },
                { NULL, "\xef\xbc\x91", "2", NULL, 0 },
                /* which error wins */
                { NULL, "abc", "abc", NULL, 0 },
                { NULL, "0", "abc", "a\\", 0 },
                { NULL, "abc", "2", "a:b:c", 0 },
                { NULL, "1", "abc", NULL, 0 },
                { NULL, "1", "0", "a:b:c", 0 },
                { NULL, NULL, "abc", NULL, 0 },
                { NULL, NULL, NULL, NULL, 0 },
        };
        (void) me;
        for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
                lcase_run(&cs[i]);
}

static void section_listen_fds(void) {
        section("LISTEN_FDS forms (LISTEN_PID=self; fds 3,4,6 open, 5 closed)");
        static const char *v[] = {
                NULL, "", " ", "abc", "0", "-0", "+0", "1", "2", "+2", "++2", "+-2", " 2", "\t2", "\n2", "\r2",
                "\v2", "\f2", " \t\n\r2", "2 ", "2\n", "2x", "x2", "02", "002", "08", "010", "0x2", "0X2", "0x02",
                "0xa", "0b10", "0B10", "0o2", "0O2", "0b 10", "0b\t10", "0b-10", "0b+10", "0b -10", "+0b10",
                "-0b10", " 0b10", "0x", "0b", "0o", "0b2", "0o8", "0xg", "0x 2", "0b0x2", "-1", "-2", "-3",
                "-2147483648", "-2147483649", "3", "4", "5", "2147483644", "2147483645", "2147483646",
                "2147483647", "2147483648", "4294967295", "4294967296", "4294967298", "9223372036854775807",
                "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                "18446744073709551615", "18446744073709551616", "99999999999999999999", "1.0", "2e0",
                "\xef\xbc\x92", "2\xc2\xa0",
        };
        for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
                struct lcase c = { NULL, "SELF", v[i], NULL, 0 };
                lcase_run(&c);
        }
        section("FD_CLOEXEC side effects");
        struct lcase cs[] = {
                { NULL, "SELF", "1", NULL, 0 },
                { NULL, "SELF", "1", NULL, PRE_FD3_CLOEXEC },
                { NULL, "SELF", "2", NULL, PRE_FD3_CLOEXEC },
                { NULL, "SELF", "1", NULL, PRE_FD3_CLOSED },
                { NULL, "SELF", "2", NULL, PRE_FD3_CLOSED },
                { NULL, "SELF", "2", NULL, PRE_FD4_CLOSED },
                { NULL, "SELF", "3", NULL, PRE_FD3_CLOEXEC },
                { NULL, "SELF", "4", "a:b:c:d", 0 },
                { NULL, "SELF", "3", "a:b:c", PRE_FD4_CLOSED },
                { NULL, "SELF", "2", "a:b", PRE_FD4_CLOSED },
                { NULL, "1", "2", NULL, 0 },
                { NULL, "1", "3", NULL, 0 },
                { NULL, NULL, "2", "a:b", 0 },
        };
        for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
                lcase_run(&cs[i]);
}

static void section_listen_names(void) {
        char *n300 = keep(malloc(301)), *n5000 = keep(malloc(5001)), *esc = keep(malloc(4002));
        memset(n300, 'n', 300);
        n300[300] = 0;
        memset(n5000, 'm', 5000);
        n5000[5000] = 0;
        for (int i = 0; i < 4000; i += 2)
                memcpy(esc + i, "\\:", 2); /* 2000 escaped ':' -> one name of 2000 colons */
        esc[4000] = 0;
        section("LISTEN_FDNAMES (LISTEN_PID=self)");
        struct lcase cs[] = {
                { NULL, "SELF", "2", NULL, 0 },
                { NULL, "SELF", "1", NULL, 0 },
                { NULL, "SELF", "2", "a:b", 0 },
                { NULL, "SELF", "2", "a", 0 },
                { NULL, "SELF", "2", "a:b:c", 0 },
                { NULL, "SELF", "1", "a:b", 0 },
                { NULL, "SELF", "1", "a", 0 },
                { NULL, "SELF", "1", "", 0 },
                { NULL, "SELF", "2", "", 0 },
                { NULL, "SELF", "2", ":", 0 },
                { NULL, "SELF", "1", ":", 0 },
                { NULL, "SELF", "2", "a:", 0 },
                { NULL, "SELF", "2", ":a", 0 },
                { NULL, "SELF", "3", "::", PRE_FD4_CLOSED },
                { NULL, "SELF", "1", "a\\:b", 0 },
                { NULL, "SELF", "2", "a\\:b:c", 0 },
                { NULL, "SELF", "2", "a\\\\:b", 0 },
                { NULL, "SELF", "1", "a\\\\b", 0 },
                { NULL, "SELF", "1", "\\\\", 0 },
                { NULL, "SELF", "1", "\\:", 0 },
                { NULL, "SELF", "2", "\\::", 0 },
                { NULL, "SELF", "1", "\\a\\b", 0 },
                { NULL, "SELF", "1", "a\\nb", 0 },
                { NULL, "SELF", "1", "a\\x41b", 0 },
                { NULL, "SELF", "1", "a\\ b", 0 },
                { NULL, "SELF", "1", "a\\'b", 0 },
                { NULL, "SELF", "1", "\\\"q\\\"", 0 },
                { NULL, "SELF", "1", "a\\", 0 },
                { NULL, "SELF", "1", "\\", 0 },
                { NULL, "SELF", "1", "a\\\\\\", 0 },
                { NULL, "SELF", "2", "a:\\", 0 },
                { NULL, "SELF", "2", "\\:\\", 0 },
                { NULL, "SELF", "1", "a\\\\", 0 },
                { NULL, "SELF", "2", "'x y':\"z\"", 0 },
                { NULL, "SELF", "1", "'a:b'", 0 },
                { NULL, "SELF", "1", "\"a:b\"", 0 },
                { NULL, "SELF", "2", " a : b ", 0 },
                { NULL, "SELF", "2", "a\tb:c\nd", 0 },
                { NULL, "SELF", "2", "\xc3\xa9:\xc3\xbc", 0 },
                { NULL, "SELF", "2", "\x01:\x7f\xff", 0 },
                { NULL, "SELF", "2", "a=b:c=d", 0 },
                { NULL, "SELF", "2", "stored:connection", 0 },
                { NULL, "SELF", "2", "unknown:unknown", 0 },
                { NULL, "SELF", "1", "$X", 0 },
                { NULL, "SELF", "1", "%s%n", 0 },
                { NULL, "SELF", "1", n300, 0 },
                { NULL, "SELF", "2", xfmt("%s:%s", n5000, n300), 0 },
                { NULL, "SELF", "1", esc, 0 },
                { NULL, "SELF", "0", "a", 0 },
                { NULL, "SELF", "-1", "a", 0 },
                { NULL, "SELF", "abc", "a", 0 },
                { NULL, "SELF", NULL, "a", 0 },
                { NULL, "SELF", NULL, "a\\", 0 },
                { NULL, "SELF", "3", "a:b:c", 0 },
                { NULL, "SELF", "3", "a:b", 0 },
                { NULL, "1", "2", "a:b", 0 },
                { NULL, "1", "2", "a\\", 0 },
                { NULL, NULL, NULL, "a\\", 0 },
                { NULL, NULL, "2", "a:b", 0 },
                { NULL, "abc", "2", "a:b", 0 },
                { NULL, "abc", "2", "a\\", 0 },
                { NULL, "0", "2", "a:b", 0 },
        };
        for (size_t i = 0; i < sizeof cs / sizeof *cs; i++)
                lcase_run(&cs[i]);
}

/* n fds from 3 on, names "f0:f1:..." (every 7th escaped), all returned and freed */
static void many(int n, int escaped) {
        int dn = open("/dev/null", O_RDONLY);
        for (int fd = 3; fd < 3 + n; fd++)
                if (fd != dn)
                        dup2(dn, fd);
        for (int fd = 3; fd < 3 + n; fd++)
                fcntl(fd, F_SETFD, 0);
        size_t cap = (size_t) n * 16 + 1, len = 0;
        char *names = malloc(cap);
        names[0] = 0;
        for (int i = 0; i < n; i++)
                len += (size_t) snprintf(names + len, cap - len, "%sf%s%d", i ? ":" : "",
                                         escaped && i % 7 == 0 ? "\\:" : "", i);
        char nb[32];
        snprintf(nb, sizeof nb, "%d", n);
        setenv("LISTEN_PID", SELF, 1);
        setenv("LISTEN_FDS", nb, 1);
        setenv("LISTEN_FDNAMES", names, 1);
        char **l = NULL;
        errno = ERRNO_MARK;
        int r = sd_listen_fds_with_names(1, &l);
        const char *rs = er_fmt(r);
        int cloexec = 0, good = 0, count = 0;
        for (int fd = 3; fd < 3 + n; fd++)
                if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
                        cloexec++;
        if (r > 0 && l) {
                for (char **x = l; *x; x++, count++) {
                        char want[32];
                        snprintf(want, sizeof want, "f%s%d", escaped && count % 7 == 0 ? ":" : "", count);
                        good += strcmp(*x, want) == 0;
                        free(*x);
                }
                free(l);
        }
        printf("case %d fds, %d names%s: with_names(1,&l) -> %s names=%d (%d as expected) cloexec=%d", n, n,
               escaped ? " (some with \\:)" : "", rs, count, good, cloexec);
        show_env("PID", "LISTEN_PID", SELF);
        show_env("FDS", "LISTEN_FDS", nb);
        show_env("NAMES", "LISTEN_FDNAMES", names);
        printf("\n");
        /* one name too many */
        setenv("LISTEN_PID", SELF, 1);
        setenv("LISTEN_FDS", nb, 1);
        char *more;
        if (asprintf(&more, "%s:extra", names) < 0)
                die("asprintf");
        setenv("LISTEN_FDNAMES", more, 1);
        for (int fd = 3; fd < 3 + n; fd++)
                fcntl(fd, F_SETFD, 0);
        l = (char **) &names;
        errno = ERRNO_MARK;
        r = sd_listen_fds_with_names(0, &l);
        rs = er_fmt(r);
        cloexec = 0;
        for (int fd = 3; fd < 3 + n; fd++)
                if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
                        cloexec++;
        printf("case %d fds, %d names: with_names(0,&l) -> %s names=%s cloexec=%d\n", n, n + 1, rs,
               l == (char **) &names ? "untouched" : "CHANGED", cloexec);
        free(more);
        free(names);
        for (int fd = 3; fd < 3 + n; fd++)
                close(fd);
        if (dn >= 3 + n)
                close(dn);
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_FDNAMES");
        fd_layout();
}

static void section_listen_many(void) {
        section("many fds and names");
        many(1, 0);
        many(64, 0);
        many(200, 1);
        many(500, 1);
}

/* ------------------------------------------------------------------ fd catalogue */

struct fdent {
        const char *label;
        int fd;      /* -1 when unavailable */
        int is_unix; /* AF_UNIX socket: sd_is_socket_unix path forms */
        int is_inet; /* AF_INET/AF_INET6 socket */
};

static struct fdent FDS[96];
static int NFDS;

static int add_fd(const char *label, int fd) {
        FDS[NFDS].label = label;
        FDS[NFDS].fd = fd;
        if (fd >= 0) {
                struct sockaddr_storage ss;
                socklen_t l = sizeof ss;
                memset(&ss, 0, sizeof ss);
                if (getsockname(fd, (struct sockaddr *) &ss, &l) == 0) {
                        FDS[NFDS].is_unix = ss.ss_family == AF_UNIX;
                        FDS[NFDS].is_inet = ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
                }
        } else
                printf("fd %s: unavailable\n", label);
        NFDS++;
        return fd;
}

/* FDS[i] could not be made (every fd below 0 but "fd -1", which is -1 on purpose): skipped */
static int unavailable(int i) {
        return FDS[i].fd < 0 && strcmp(FDS[i].label, "fd -1") != 0;
}

/* a (type, listening) argument pair of the sd_is_socket_sockaddr/_unix sections, as printed */
struct typelisten { const char *n; int t, l; };

/* "LABEL (type,listening: N N ...)" */
static void print_typelisten(const char *label, const struct typelisten *tl, size_t n) {
        printf("%s (type,listening: ", label);
        for (size_t t = 0; t < n; t++)
                printf("%s%s", t ? " " : "", tl[t].n);
        printf(")\n");
}

/* fd, listening (backlog 8) when do_listen; -1, fd closed, when listen() fails */
static int maybe_listen(int fd, int do_listen) {
        if (do_listen && listen(fd, 8) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static int unix_sock(int type, const char *path, size_t pathlen_or_0, int do_listen) {
        int fd = socket(AF_UNIX, type, 0);
        if (fd < 0)
                return -1;
        if (path) {
                /* zero padding after sun_path: a 108-byte path has no NUL of its own */
                union { struct sockaddr_un su; char pad[sizeof(struct sockaddr_un) + 16]; } a;
                memset(&a, 0, sizeof a);
                a.su.sun_family = AF_UNIX;
                size_t n = pathlen_or_0 ? pathlen_or_0 : strlen(path) + 1;
                memcpy(a.su.sun_path, path, n);
                if (bind(fd, (struct sockaddr *) &a.su, offsetof(struct sockaddr_un, sun_path) + n) < 0) {
                        close(fd);
                        return -1;
                }
        }
        return maybe_listen(fd, do_listen);
}

static int inet_sock_once(int family, int type, int proto, const char *addr, int port, int do_listen) {
        int fd = socket(family, type, proto);
        if (fd < 0)
                return -1;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (addr) {
                int r;
                if (family == AF_INET) {
                        struct sockaddr_in si = { .sin_family = AF_INET, .sin_port = htons(port) };
                        inet_pton(AF_INET, addr, &si.sin_addr);
                        r = bind(fd, (struct sockaddr *) &si, sizeof si);
                } else {
                        struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
                        inet_pton(AF_INET6, addr, &s6.sin6_addr);
                        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
                        r = bind(fd, (struct sockaddr *) &s6, sizeof s6);
                }
                if (r < 0) {
                        fprintf(stderr, "listen-diff: bind %s port %d: %m\n", addr, port);
                        close(fd);
                        return -1;
                }
        }
        return maybe_listen(fd, do_listen);
}

/* An ephemeral port whose two bytes are equal reads the same byte-swapped, which would make the
 * "htons(own)" and "byte-swapped" rows match in one run and not in the other (about one run in
 * 256): such a port is given back and another one taken. */
static int inet_sock(int family, int type, int proto, const char *addr, int port, int do_listen) {
        for (int attempt = 0;; attempt++) {
                int fd = inet_sock_once(family, type, proto, addr, port, do_listen);
                struct sockaddr_storage ss;
                socklen_t l = sizeof ss;
                if (fd < 0 || !addr || port != 0 || attempt >= 32 ||
                    getsockname(fd, (struct sockaddr *) &ss, &l) < 0)
                        return fd;
                uint16_t p = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                           : ((struct sockaddr_in6 *) &ss)->sin6_port);
                if ((p >> 8) != (p & 0xff))
                        return fd;
                close(fd);
        }
}

static int connect_to(int family, int type, const struct sockaddr *sa, socklen_t l) {
        for (int attempt = 0;; attempt++) {
                int fd = socket(family, type, 0);
                if (fd < 0)
                        return -1;
                /* An Internet client takes its ephemeral port here, where a palindromic one can
                 * still be given back (see inet_sock). */
                if (family != AF_UNIX) {
                        struct sockaddr_storage any = { .ss_family = (sa_family_t) family };
                        struct sockaddr_storage ss;
                        socklen_t sl = sizeof ss;
                        socklen_t al = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
                        if (bind(fd, (struct sockaddr *) &any, al) == 0 &&
                            getsockname(fd, (struct sockaddr *) &ss, &sl) == 0 && attempt < 32) {
                                uint16_t p = ntohs(family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                                     : ((struct sockaddr_in6 *) &ss)->sin6_port);
                                if ((p >> 8) == (p & 0xff)) {
                                        close(fd);
                                        continue;
                                }
                        }
                }
                if (connect(fd, sa, l) < 0) {
                        close(fd);
                        return -1;
                }
                return fd;
        }
}

#define PORT_TCP4 47211
#define PORT_TCP4B 47212
#define PORT_UDP4 47213
#define PORT_TCP6 47214
#define PORT_UDP6 47215
#define PORT_TCP6ANY 47216

static char ABS1[] = "\0sdlite-listen-diff-abs1";
static char ABS_SEQ[] = "\0sdlite-listen-diff-seq";

static void build_catalogue(void) {
        int fd;
        /* ---- not sockets */
        add_fd("closed fd 999", 999);
        close(999);
        FDS[NFDS++] = (struct fdent) { "fd -1", -1, 0, 0 }; /* a real argument, not "unavailable" */
        int p[2];
        if (pipe(p) < 0)
                die("pipe");
        add_fd("pipe read end", p[0]);
        add_fd("pipe write end", p[1]);
        add_fd("regular file", open(P("reg"), O_RDONLY));
        add_fd("regular file O_PATH", open(P("reg"), O_PATH));
        add_fd("directory", open(D, O_RDONLY | O_DIRECTORY));
        add_fd("/dev/null", open("/dev/null", O_RDWR));
        add_fd("/dev/zero", open("/dev/zero", O_RDONLY));
        add_fd("fifo O_RDWR", open(P("fifo"), O_RDWR));
        add_fd("fifo O_PATH", open(P("fifo"), O_PATH));
        add_fd("symlink O_PATH|O_NOFOLLOW", open(P("link-to-fifo"), O_PATH | O_NOFOLLOW));
        add_fd("memfd", memfd_create("sdlite", 0));
        add_fd("eventfd", eventfd(0, 0));
        /* ---- AF_UNIX */
        int ul = add_fd("unix stream listening path", unix_sock(SOCK_STREAM, P("stream.sock"), 0, 1));
        add_fd("unix stream bound path", unix_sock(SOCK_STREAM, P("bound.sock"), 0, 0));
        add_fd("unix stream unbound", unix_sock(SOCK_STREAM, NULL, 0, 0));
        add_fd("unix dgram path", unix_sock(SOCK_DGRAM, P("dgram.sock"), 0, 0));
        add_fd("unix dgram abstract", unix_sock(SOCK_DGRAM, ABS1, sizeof ABS1 - 1, 0));
        add_fd("unix dgram unnamed", unix_sock(SOCK_DGRAM, NULL, 0, 0));
        add_fd("unix seqpacket listening path", unix_sock(SOCK_SEQPACKET, P("seq.sock"), 0, 1));
        add_fd("unix seqpacket listening abstract", unix_sock(SOCK_SEQPACKET, ABS_SEQ, sizeof ABS_SEQ - 1, 1));
        {
                /* autobind: bind() with just the family gives a random abstract name */
                int a = socket(AF_UNIX, SOCK_DGRAM, 0);
                struct sockaddr_un su = { .sun_family = AF_UNIX };
                if (a >= 0 && bind(a, (struct sockaddr *) &su, sizeof(sa_family_t)) < 0) {
                        close(a);
                        a = -1;
                }
                add_fd("unix dgram autobind abstract", a);
        }
        add_fd("unix dgram abstract empty name", PRIVATE_NS ? unix_sock(SOCK_DGRAM, "", 1, 0) : -1);
        {
                /* relative paths of exactly 107 (plus NUL) and 108 (no NUL) bytes */
                char r107[120], r108[120];
                memset(r107, 'r', 107);
                r107[107] = 0;
                memset(r108, 's', 108);
                r108[108] = 0;
                add_fd("unix dgram path 107 chars", unix_sock(SOCK_DGRAM, r107, 0, 0));
                add_fd("unix dgram path 108 chars (no NUL)", unix_sock(SOCK_DGRAM, r108, 108, 0));
                char a108[108];
                memset(a108, 'a', 108);
                a108[0] = 0;
                add_fd("unix dgram abstract 108 bytes", unix_sock(SOCK_DGRAM, a108, 108, 0));
        }
        {
                struct sockaddr_un su = { .sun_family = AF_UNIX };
                strcpy(su.sun_path, P("stream.sock"));
                int c = connect_to(AF_UNIX, SOCK_STREAM, (struct sockaddr *) &su, sizeof su);
                add_fd("unix stream connected client", c);
                add_fd("unix stream accepted", c >= 0 ? accept(ul, NULL, NULL) : -1);
        }
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0)
                add_fd("socketpair stream", sp[0]);
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sp) == 0)
                add_fd("socketpair dgram", sp[0]);
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sp) == 0)
                add_fd("socketpair seqpacket cloexec nonblock", sp[0]);
        add_fd("unix socket file O_PATH", open(P("stream.sock"), O_PATH));
        /* ---- AF_INET / AF_INET6 */
        int tl = add_fd("tcp4 listening 127.0.0.1:" "47211", inet_sock(AF_INET, SOCK_STREAM, 0, "127.0.0.1", PORT_TCP4, 1));
        add_fd("tcp4 bound 127.0.0.1:47212 not listening", inet_sock(AF_INET, SOCK_STREAM, 0, "127.0.0.1", PORT_TCP4B, 0));
        add_fd("tcp4 unbound", inet_sock(AF_INET, SOCK_STREAM, 0, NULL, 0, 0));
        add_fd("tcp4 listening 127.0.0.1 ephemeral", inet_sock(AF_INET, SOCK_STREAM, 0, "127.0.0.1", 0, 1));
        {
                struct sockaddr_in si = { .sin_family = AF_INET, .sin_port = htons(PORT_TCP4) };
                si.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                int c = tl >= 0 ? connect_to(AF_INET, SOCK_STREAM, (struct sockaddr *) &si, sizeof si) : -1;
                add_fd("tcp4 connected client (ephemeral port)", c);
                add_fd("tcp4 accepted", c >= 0 ? accept(tl, NULL, NULL) : -1);
        }
        add_fd("udp4 127.0.0.1:47213", inet_sock(AF_INET, SOCK_DGRAM, 0, "127.0.0.1", PORT_UDP4, 0));
        add_fd("udp4 unbound", inet_sock(AF_INET, SOCK_DGRAM, 0, NULL, 0, 0));
        add_fd("tcp6 listening [::1]:47214", inet_sock(AF_INET6, SOCK_STREAM, 0, "::1", PORT_TCP6, 1));
        add_fd("udp6 [::1]:47215", inet_sock(AF_INET6, SOCK_DGRAM, 0, "::1", PORT_UDP6, 0));
        add_fd("tcp6 listening [::]:47216 v6only", inet_sock(AF_INET6, SOCK_STREAM, 0, "::", PORT_TCP6ANY, 1));
        add_fd("tcp6 unbound", inet_sock(AF_INET6, SOCK_STREAM, 0, NULL, 0, 0));
        add_fd("raw4 icmp", PRIVATE_NS ? socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) : -1);
        /* ---- other families */
        add_fd("netlink route", socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
        add_fd("packet dgram", PRIVATE_NS ? socket(AF_PACKET, SOCK_DGRAM, 0) : -1);
        fd = socket(AF_INET6, SOCK_DGRAM, 0);
        add_fd("udp6 unbound", fd);
}

/* ------------------------------------------------------------------ sd_is_fifo / sd_is_special */

static const char *long_path(int n) {
        static char b[6000];
        memset(b, 'a', (size_t) n);
        b[0] = '/';
        b[n] = 0;
        return b;
}

static void section_fifo_special(void) {
        section("sd_is_fifo / sd_is_special");
        char comp300[600];
        snprintf(comp300, sizeof comp300, "%s/", D);
        size_t k = strlen(comp300);
        memset(comp300 + k, 'c', 300);
        comp300[k + 300] = 0;
        struct { const char *label, *path; } paths[] = {
                { "NULL", NULL },
                { "\"\"", "" },
                { "fifo", P("fifo") },
                { "symlink to fifo", P("link-to-fifo") },
                { "fifo via ..", P("dir/../fifo") },
                { "reg", P("reg") },
                { "reg2", P("reg2") },
                { "hardlink to reg", P("reg-hardlink") },
                { "symlink to reg", P("link-to-reg") },
                { "dangling symlink", P("dangling") },
                { "symlink loop", P("loop1") },
                { "nonexistent", P("nonexistent") },
                { "reg/x (ENOTDIR)", P("reg/x") },
                { "fifo/ (ENOTDIR)", P("fifo/") },
                { "dir", P("dir") },
                { "socket file", P("stream.sock") },
                { "/dev/null", "/dev/null" },
                { "/dev/zero", "/dev/zero" },
                { "mknod c 1:3 (same rdev as /dev/null)", P("devs/null2") },
                { "mknod c 1:5 (same rdev as /dev/zero)", P("devs/zero2") },
                { "mknod b 1:3 (block, same numbers)", P("devs/blk13") },
                { "relative \"reg\" (cwd is the scratch dir)", "reg" },
                { "4999-char path", long_path(4999) },
                { "4095-char path", long_path(4095) },
                { "300-char component", comp300 },
                { "/proc/self/fd/0", "/proc/self/fd/0" },
        };
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                if (FDS[i].is_unix || FDS[i].is_inet) {
                        /* sockets: NULL path only */
                        printf("%s | sd_is_fifo(NULL) -> %s", FDS[i].label, ER(sd_is_fifo(FDS[i].fd, NULL)));
                        printf(" sd_is_special(NULL) -> %s\n", ER(sd_is_special(FDS[i].fd, NULL)));
                        continue;
                }
                for (size_t j = 0; j < sizeof paths / sizeof *paths; j++) {
                        printf("%s | path %s | sd_is_fifo -> %s", FDS[i].label, paths[j].label,
                               ER(sd_is_fifo(FDS[i].fd, paths[j].path)));
                        printf(" sd_is_special -> %s\n", ER(sd_is_special(FDS[i].fd, paths[j].path)));
                }
        }
        /* the O_PATH fd of the mknod'ed char device against /dev/null and /dev/zero */
        int n2 = open(P("devs/null2"), O_PATH);
        if (n2 >= 0) {
                printf("mknod null2 O_PATH | path /dev/null | sd_is_special -> %s\n", ER(sd_is_special(n2, "/dev/null")));
                printf("mknod null2 O_PATH | path /dev/zero | sd_is_special -> %s\n", ER(sd_is_special(n2, "/dev/zero")));
                printf("mknod null2 O_PATH | NULL | sd_is_special -> %s\n", ER(sd_is_special(n2, NULL)));
                close(n2);
        } else
                printf("mknod null2: unavailable\n");
        int b2 = open(P("devs/blk13"), O_PATH);
        if (b2 >= 0) {
                printf("mknod blk13 O_PATH | NULL | sd_is_special -> %s", ER(sd_is_special(b2, NULL)));
                printf(" sd_is_fifo -> %s\n", ER(sd_is_fifo(b2, NULL)));
                close(b2);
        } else
                printf("mknod blk13: unavailable\n");
        /* EACCES: an unprivileged child, paths in a 0700 directory */
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
                int fifo = open(P("fifo"), O_RDWR), reg = open(P("reg"), O_RDONLY);
                if (getuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                                      setresuid(65534, 65534, 65534) < 0))
                        _exit(3);
                printf("uid 65534 | fifo vs private/fifo (EACCES) | sd_is_fifo -> %s\n",
                       ER(sd_is_fifo(fifo, P("private/fifo"))));
                printf("uid 65534 | reg vs private/reg (EACCES) | sd_is_special -> %s\n",
                       ER(sd_is_special(reg, P("private/reg"))));
                fflush(stdout);
                _exit(0);
        }
        int st;
        waitpid(pid, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("uid 65534 child: failed (status %d)\n", st);
}

/* ------------------------------------------------------------------ sd_is_socket(_inet) */

static const struct { const char *n; int v; } FAMILIES[] = {
        { "0", 0 }, { "AF_UNIX", AF_UNIX }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 },
        { "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET }, { "9999", 9999 }, { "-1", -1 },
        { "INT_MIN", INT_MIN },
};
static const struct { const char *n; int v; } TYPES[] = {
        { "0", 0 }, { "STREAM", SOCK_STREAM }, { "DGRAM", SOCK_DGRAM }, { "SEQPACKET", SOCK_SEQPACKET },
        { "RAW", SOCK_RAW }, { "STREAM|CLOEXEC", SOCK_STREAM | SOCK_CLOEXEC },
        { "SEQPACKET|NONBLOCK", SOCK_SEQPACKET | SOCK_NONBLOCK }, { "-1", -1 },
};
static const int LISTENING[] = { -1, INT_MIN, 0, 1, 5 };

static void section_socket(void) {
        section("sd_is_socket(fd, family, type, listening)");
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                printf("%s |", FDS[i].label);
                for (size_t f = 0; f < sizeof FAMILIES / sizeof *FAMILIES; f++) {
                        printf("\n  family %s:", FAMILIES[f].n);
                        for (size_t t = 0; t < sizeof TYPES / sizeof *TYPES; t++)
                                for (size_t l = 0; l < sizeof LISTENING / sizeof *LISTENING; l++)
                                        printf(" %s", ER(sd_is_socket(FDS[i].fd, FAMILIES[f].v, TYPES[t].v, LISTENING[l])));
                }
                printf("\n");
        }
}

static uint16_t own_port(int fd) {
        struct sockaddr_storage ss;
        socklen_t l = sizeof ss;
        if (getsockname(fd, (struct sockaddr *) &ss, &l) < 0)
                return 0;
        if (ss.ss_family == AF_INET)
                return ntohs(((struct sockaddr_in *) &ss)->sin_port);
        if (ss.ss_family == AF_INET6)
                return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
        return 0;
}

static void section_socket_inet(void) {
        section("sd_is_socket_inet(fd, family, type, listening, port)");
        static const struct { const char *n; int v; } fam[] = {
                { "0", 0 }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 }, { "AF_UNIX", AF_UNIX },
                { "AF_NETLINK", AF_NETLINK }, { "-1", -1 },
        };
        static const struct { const char *n; int v; } typ[] = {
                { "0", 0 }, { "STREAM", SOCK_STREAM }, { "DGRAM", SOCK_DGRAM }, { "RAW", SOCK_RAW }, { "-1", -1 },
        };
        static const int lst[] = { -1, 0, 1 };
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                uint16_t own = FDS[i].fd >= 0 ? own_port(FDS[i].fd) : 0;
                uint16_t ports[] = { 0, own, htons(own), (uint16_t) (own + 1), 65535, 1 };
                const char *pn[] = { "0", "own", "htons(own)", "own+1", "65535", "1" };
                printf("%s |", FDS[i].label);
                for (size_t f = 0; f < sizeof fam / sizeof *fam; f++)
                        for (size_t p = 0; p < sizeof ports / sizeof *ports; p++) {
                                printf("\n  family %s port %s:", fam[f].n, pn[p]);
                                for (size_t t = 0; t < sizeof typ / sizeof *typ; t++)
                                        for (size_t l = 0; l < sizeof lst / sizeof *lst; l++)
                                                printf(" %s", ER(sd_is_socket_inet(FDS[i].fd, fam[f].v, typ[t].v, lst[l], ports[p])));
                        }
                printf("\n");
        }
}

/* ------------------------------------------------------------------ sd_is_socket_sockaddr */

struct addrcase {
        char label[96];
        unsigned char bytes[64];
        unsigned len;       /* addr_len passed */
        int null;           /* pass NULL */
};

static int addr_cases(int fd, struct addrcase *out) {
        int n = 0;
        struct sockaddr_storage own;
        socklen_t ol = sizeof own;
        memset(&own, 0, sizeof own);
        if (fd < 0 || getsockname(fd, (struct sockaddr *) &own, &ol) < 0)
                memset(&own, 0, sizeof own);
        struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(PORT_TCP4) };
        v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(PORT_TCP6), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        if (own.ss_family == AF_INET)
                v4 = *(struct sockaddr_in *) &own;
        if (own.ss_family == AF_INET6)
                v6 = *(struct sockaddr_in6 *) &own;
#define ADD(lbl, obj, length)                                                      \
        do {                                                                       \
                snprintf(out[n].label, sizeof out[n].label, "%s", lbl);            \
                memset(out[n].bytes, 0, sizeof out[n].bytes);                      \
                memcpy(out[n].bytes, &(obj), sizeof(obj));                         \
                out[n].len = (length);                                             \
                out[n].null = 0;                                                   \
                n++;                                                               \
        } while (0)
/* "<fam> own len N" for each N, then "<fam> own len UINT_MAX (64 bytes there)" */
#define ADD_LENS(fam, obj, ...)                                                            \
        do {                                                                               \
                static const unsigned lens_[] = { __VA_ARGS__, UINT_MAX };                \
                for (size_t k_ = 0; k_ < sizeof lens_ / sizeof *lens_; k_++) {             \
                        char l_[96];                                                       \
                        if (lens_[k_] == UINT_MAX)                                         \
                                snprintf(l_, sizeof l_, "%s own len UINT_MAX (64 bytes there)", \
                                         fam);                                             \
                        else                                                               \
                                snprintf(l_, sizeof l_, "%s own len %u", fam, lens_[k_]);  \
                        ADD(l_, obj, lens_[k_]);                                           \
                }                                                                          \
        } while (0)
        struct sockaddr_in a = v4;
        ADD("v4 own/exact", a, sizeof a);
        out[n] = out[n - 1];
        out[n].null = 1;
        snprintf(out[n].label, sizeof out[n].label, "NULL addr, len 16");
        n++;
        ADD_LENS("v4", a, 0, 1, 2, 8, 15, 17, 28, 64);
        a = v4; a.sin_port = 0;
        ADD("v4 port 0", a, sizeof a);
        a = v4; a.sin_port = htons(ntohs(v4.sin_port) + 1);
        ADD("v4 port+1", a, sizeof a);
        a = v4; a.sin_port = ntohs(v4.sin_port);
        ADD("v4 port byte-swapped", a, sizeof a);
        a = v4; a.sin_addr.s_addr = 0;
        ADD("v4 addr 0.0.0.0", a, sizeof a);
        a = v4; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
        ADD("v4 addr 127.0.0.2", a, sizeof a);
        a = v4; a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ADD("v4 addr 127.0.0.1", a, sizeof a);
        a = v4; memset(a.sin_zero, 0xee, sizeof a.sin_zero);
        ADD("v4 own, sin_zero junk", a, sizeof a);
        a = v4; a.sin_port = 0; a.sin_addr.s_addr = 0;
        ADD("v4 0.0.0.0:0", a, sizeof a);
        struct sockaddr_in6 b = v6;
        ADD("v6 own/exact", b, sizeof b);
        ADD_LENS("v6", b, 2, 16, 24, 27, 29, 64);
        b = v6; b.sin6_port = 0;
        ADD("v6 port 0", b, sizeof b);
        b = v6; b.sin6_port = htons(ntohs(v6.sin6_port) + 1);
        ADD("v6 port+1", b, sizeof b);
        b = v6; b.sin6_flowinfo = htonl(1);
        ADD("v6 flowinfo 1", b, sizeof b);
        b = v6; b.sin6_scope_id = 1;
        ADD("v6 scope_id 1", b, sizeof b);
        b = v6; b.sin6_port = 0; b.sin6_flowinfo = 0; b.sin6_scope_id = 0;
        ADD("v6 own addr, port/flow/scope 0", b, sizeof b);
        b = v6; b.sin6_addr = in6addr_any;
        ADD("v6 addr ::", b, sizeof b);
        b = v6; b.sin6_addr = in6addr_loopback;
        ADD("v6 addr ::1", b, sizeof b);
        b = v6; inet_pton(AF_INET6, "::ffff:127.0.0.1", &b.sin6_addr);
        ADD("v6 addr ::ffff:127.0.0.1", b, sizeof b);
        struct sockaddr_un u = { .sun_family = AF_UNIX };
        strcpy(u.sun_path, "/x");
        ADD("AF_UNIX addr", u, sizeof u);
        ADD("AF_UNIX addr len 1", u, 1);
        struct sockaddr z = { .sa_family = AF_UNSPEC };
        ADD("AF_UNSPEC addr", z, sizeof z);
        struct sockaddr_in w = v4;
        w.sin_family = AF_INET6;
        ADD("sockaddr_in marked AF_INET6, len 16", w, sizeof w);
        struct sockaddr_in6 x = v6;
        x.sin6_family = AF_INET;
        ADD("sockaddr_in6 marked AF_INET, len 28", x, sizeof x);
#undef ADD_LENS
#undef ADD
        return n;
}

static void section_sockaddr(void) {
        section("sd_is_socket_sockaddr(fd, type, addr, addr_len, listening); addr in a malloc'd buffer of exactly addr_len bytes");
        static const struct typelisten tl[] = {
                { "0,-1", 0, -1 }, { "STREAM,1", SOCK_STREAM, 1 }, { "STREAM,0", SOCK_STREAM, 0 },
                { "DGRAM,-1", SOCK_DGRAM, -1 }, { "DGRAM,0", SOCK_DGRAM, 0 }, { "0,1", 0, 1 },
                { "-1,-1", -1, -1 }, { "RAW,-1", SOCK_RAW, -1 },
        };
        struct addrcase ac[64];
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                int n = addr_cases(FDS[i].fd, ac);
                print_typelisten(FDS[i].label, tl, sizeof tl / sizeof *tl);
                for (int c = 0; c < n; c++) {
                        printf("  %-40s:", ac[c].label);
                        for (size_t t = 0; t < sizeof tl / sizeof *tl; t++) {
                                unsigned char *buf = NULL;
                                if (!ac[c].null) {
                                        /* exactly addr_len bytes (at most the 64 we have) */
                                        size_t sz = ac[c].len == 0 ? 1 : ac[c].len > 64 ? 64 : ac[c].len;
                                        buf = malloc(sz);
                                        memcpy(buf, ac[c].bytes, sz);
                                }
                                printf(" %s", ER(sd_is_socket_sockaddr(FDS[i].fd, tl[t].t, (struct sockaddr *) buf, ac[c].len, tl[t].l)));
                                free(buf);
                        }
                        printf("\n");
                }
        }
}

/* ------------------------------------------------------------------ sd_is_socket_unix */

struct ucase {
        char label[64];
        char *path; /* malloc'd, exactly `alloc` bytes; NULL: pass NULL */
        size_t length;
};

static int ucase_add(struct ucase *u, int n, const char *label, const char *bytes, size_t nbytes, size_t length) {
        snprintf(u[n].label, sizeof u[n].label, "%s", label);
        if (bytes) {
                u[n].path = malloc(nbytes ? nbytes : 1);
                memcpy(u[n].path, bytes, nbytes);
        } else
                u[n].path = NULL;
        u[n].length = length;
        return n + 1;
}

/* path forms derived from the socket's own address (or a fixed set when it has none) */
static int unix_cases(int fd, struct ucase *u) {
        int n = 0;
        struct sockaddr_un su;
        socklen_t l = sizeof su;
        memset(&su, 0, sizeof su);
        if (fd < 0 || getsockname(fd, (struct sockaddr *) &su, &l) < 0 || su.sun_family != AF_UNIX)
                l = 0;
        size_t plen = l > offsetof(struct sockaddr_un, sun_path) ? l - offsetof(struct sockaddr_un, sun_path) : 0;
        if (plen > sizeof su.sun_path)
                plen = sizeof su.sun_path;
        char own[sizeof su.sun_path + 2];
        memset(own, 0, sizeof own);
        memcpy(own, su.sun_path, plen);
        n = ucase_add(u, n, "NULL, 0", NULL, 0, 0);
        n = ucase_add(u, n, "NULL, 5", NULL, 0, 5);
        n = ucase_add(u, n, "\"\", 0", "", 1, 0);
        n = ucase_add(u, n, "\"\\0\", 1", "", 1, 1);
        n = ucase_add(u, n, "\"/nonexistent\", 0", "/nonexistent", 13, 0);
        n = ucase_add(u, n, "\"\\0x\", 2", "\0x", 2, 2);
        /* length + 1 wraps to 0 in "l >= offsetof(sun_path) + length + 1": nothing compared */
        n = ucase_add(u, n, "\"/nonexistent\", SIZE_MAX", "/nonexistent", 13, SIZE_MAX);
        if (plen > 0 && own[0] != 0) {
                size_t s = strlen(own); /* a 108-char path has no NUL in sun_path; own[] has one */
                char buf[300];
                n = ucase_add(u, n, "own path, 0", own, s + 1, 0);
                n = ucase_add(u, n, "own path, strlen", own, s + 1, s);
                n = ucase_add(u, n, "own path, strlen+1", own, s + 2, s + 1);
                n = ucase_add(u, n, "own path, strlen-1", own, s + 1, s - 1);
                n = ucase_add(u, n, "own path, 5", own, s + 1, 5);
                n = ucase_add(u, n, "own path, 1", own, s + 1, 1);
                memcpy(buf, own, s);
                buf[s - 1] = 0;
                n = ucase_add(u, n, "own path minus last char, 0", buf, s, 0);
                memcpy(buf, own, s);
                buf[s] = 'x';
                buf[s + 1] = 0;
                n = ucase_add(u, n, "own path + 'x', 0", buf, s + 2, 0);
                memcpy(buf, own, s + 1);
                buf[0] = buf[0] == 'Z' ? 'Y' : 'Z';
                n = ucase_add(u, n, "own path first byte changed, 0", buf, s + 1, 0);
                memset(buf, 0, sizeof buf);
                memcpy(buf, own, s);
                n = ucase_add(u, n, "own path, 200 (zero padded)", buf, 201, 200);
                n = ucase_add(u, n, "own path, SIZE_MAX", own, s + 1, SIZE_MAX);
                buf[0] = 0;
                memcpy(buf + 1, own, s);
                n = ucase_add(u, n, "own path as abstract (\\0 prefix), strlen+1", buf, s + 1, s + 1);
        } else if (plen > 0) {
                char buf[300];
                n = ucase_add(u, n, "own abstract, exact length", own, plen, plen);
                n = ucase_add(u, n, "own abstract, length-1", own, plen, plen - 1);
                memset(buf, 0, sizeof buf);
                memcpy(buf, own, plen);
                n = ucase_add(u, n, "own abstract, length+1 (NUL after)", buf, plen + 1, plen + 1);
                n = ucase_add(u, n, "own abstract, 0", own, plen, 0);
                n = ucase_add(u, n, "own abstract, 1", own, plen, 1);
                n = ucase_add(u, n, "own abstract, SIZE_MAX", own, plen, SIZE_MAX);
                if (plen > 1) {
                        memcpy(buf, own + 1, plen - 1);
                        buf[plen - 1] = 0;
                        n = ucase_add(u, n, "own abstract name without \\0, 0", buf, plen, 0);
                        memcpy(buf, own, plen);
                        buf[plen - 1] ^= 1;
                        n = ucase_add(u, n, "own abstract, last byte changed", buf, plen, plen);
                }
        }
        return n;
}

static void section_socket_unix(void) {
        section("sd_is_socket_unix(fd, type, listening, path, length); path in a malloc'd buffer of the bytes it needs");
        static const struct typelisten tl[] = {
                { "0,-1", 0, -1 }, { "STREAM,-1", SOCK_STREAM, -1 }, { "DGRAM,-1", SOCK_DGRAM, -1 },
                { "SEQPACKET,-1", SOCK_SEQPACKET, -1 }, { "0,1", 0, 1 }, { "0,0", 0, 0 }, { "-1,-1", -1, -1 },
        };
        struct ucase u[64];
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                int n = unix_cases(FDS[i].fd, u);
                print_typelisten(FDS[i].label, tl, sizeof tl / sizeof *tl);
                for (int c = 0; c < n; c++) {
                        printf("  %-48s:", u[c].label);
                        for (size_t t = 0; t < sizeof tl / sizeof *tl; t++)
                                printf(" %s", ER(sd_is_socket_unix(FDS[i].fd, tl[t].t, tl[t].l, u[c].path, u[c].length)));
                        printf("\n");
                        free(u[c].path);
                }
        }
}

/* ------------------------------------------------------------------ sd_is_mq */

static int is_mountpoint(const char *path) {
        struct stat a, b;
        char parent[PATH_MAX];
        if (stat(path, &a) < 0)
                return 0;
        snprintf(parent, sizeof parent, "%s/..", path);
        if (stat(parent, &b) < 0)
                return 0;
        return a.st_dev != b.st_dev;
}

static void mq_paths(const char *stage, int mq, int mq2, int mqfs) {
        char lp[6000];
        struct { const char *label, *path; } ps[] = {
                { "NULL", NULL },
                { "\"\"", "" },
                { "\"sdlite-q\" (relative)", "sdlite-q" },
                { "\"./x\"", "./x" },
                { "\"/\"", "/" },
                { "\"/sdlite-q\" (its own)", "/sdlite-q" },
                { "\"//sdlite-q\"", "//sdlite-q" },
                { "\"/sdlite-q/\"", "/sdlite-q/" },
                { "\"/sdlite-q2\" (another queue)", "/sdlite-q2" },
                { "\"/nonexistent\"", "/nonexistent" },
                { "\"/a/../sdlite-q\"", "/a/../sdlite-q" },
                { "\"/.\"", "/." },
                { "long (11+4084 = 4095 bytes joined)", NULL },
                { "long (11+4085 = 4096 bytes joined)", NULL },
                { "long (5000 bytes)", NULL },
        };
        size_t np = sizeof ps / sizeof *ps;
        for (size_t j = 0; j < np; j++) {
                char *owned = NULL;
                const char *path = ps[j].path;
                if (strncmp(ps[j].label, "long", 4) == 0) {
                        size_t want = j == np - 3 ? 4084 : j == np - 2 ? 4085 : 5000;
                        for (size_t k = 0; k < want; k += 2)
                                memcpy(lp + k, "/a", 2);
                        lp[want] = 0;
                        owned = strdup(lp);
                        path = owned;
                }
                printf("%s | path %s | mq -> %s", stage, ps[j].label, ER(sd_is_mq(mq, path)));
                printf(" other mq -> %s", ER(sd_is_mq(mq2, path)));
                if (mqfs >= 0)
                        printf(" mq opened via /dev/mqueue -> %s", ER(sd_is_mq(mqfs, path)));
                printf("\n");
                free(owned);
        }
}

static void section_mq(void) {
        section("sd_is_mq(fd, path)");
        static const char *relpaths[] = { NULL, "rel", "/sdlite-q", "" };
        for (int i = 0; i < NFDS; i++) {
                if (unavailable(i))
                        continue;
                printf("%s |", FDS[i].label);
                for (size_t j = 0; j < sizeof relpaths / sizeof *relpaths; j++)
                        printf(" %s", ER(sd_is_mq(FDS[i].fd, relpaths[j])));
                printf("\n");
        }
        mq_unlink("/sdlite-q");
        mq_unlink("/sdlite-q2");
        mqd_t mq = mq_open("/sdlite-q", O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
        mqd_t mq2 = mq_open("/sdlite-q2", O_CREAT | O_EXCL | O_RDONLY | O_NONBLOCK, 0600, NULL);
        if (mq < 0 || mq2 < 0) {
                printf("mq_open: unavailable (%s)\n", strerrorname_np(errno));
                return;
        }
        printf("mq | sd_is_fifo -> %s", ER(sd_is_fifo(mq, NULL)));
        printf(" sd_is_special -> %s", ER(sd_is_special(mq, NULL)));
        printf(" sd_is_socket -> %s\n", ER(sd_is_socket(mq, 0, 0, -1)));
        const char *initial = is_mountpoint("/dev/mqueue") ? "host /dev/mqueue (mounted)" : "host /dev/mqueue (not mounted)";
        if (!PRIVATE_NS) {
                mq_paths(initial, mq, mq2, -1);
        } else {
                /* 1. nothing mounted on /dev/mqueue */
                while (is_mountpoint("/dev/mqueue"))
                        if (umount2("/dev/mqueue", MNT_DETACH) < 0)
                                die("umount /dev/mqueue");
                mq_paths("/dev/mqueue not mounted", mq, mq2, -1);
                /* 2. an mqueue file system of our IPC namespace on /dev/mqueue */
                if (access("/dev/mqueue", F_OK) < 0) {
                        /* no such directory: a private tmpfs on /dev with what we still need */
                        if (mount("sdlite-dev", "/dev", "tmpfs", 0, "mode=0755") < 0)
                                die("mount tmpfs /dev");
                        mkdir("/dev/mqueue", 0755);
                        mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3));
                        mknod("/dev/zero", S_IFCHR | 0666, makedev(1, 5));
                }
                if (mount("mqueue", "/dev/mqueue", "mqueue", 0, NULL) < 0)
                        die("mount mqueue");
                int mqfs = open("/dev/mqueue/sdlite-q", O_RDONLY);
                printf("opened /dev/mqueue/sdlite-q: %s\n", mqfs >= 0 ? "yes" : "no");
                mq_paths("/dev/mqueue mounted", mq, mq2, mqfs);
                if (mqfs >= 0)
                        close(mqfs);
        }
        mq_close(mq2);
        printf("closed mq | path NULL -> %s", ER(sd_is_mq(mq2, NULL)));
        printf(" path \"/sdlite-q2\" -> %s\n", ER(sd_is_mq(mq2, "/sdlite-q2")));
        mq_close(mq);
        mq_unlink("/sdlite-q");
        mq_unlink("/sdlite-q2");
}

/* ------------------------------------------------------------------ setup */

static void bring_up_lo(void) {
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        strcpy(ifr.ifr_name, "lo");
        if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                die("SIOCGIFFLAGS lo");
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                die("SIOCSIFFLAGS lo");
        close(s);
}

static void make_files(void) {
        int fd = open(P("reg"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0)
                die("create reg");
        close(fd);
        fd = open(P("reg2"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        close(fd);
        link(P("reg"), P("reg-hardlink"));
        mkfifo(P("fifo"), 0644);
        symlink(P("fifo"), P("link-to-fifo"));
        symlink(P("reg"), P("link-to-reg"));
        symlink(P("nothing-here"), P("dangling"));
        symlink(P("loop2"), P("loop1"));
        symlink(P("loop1"), P("loop2"));
        mkdir(P("dir"), 0755);
        mkdir(P("private"), 0700);
        mkfifo(P("private/fifo"), 0644);
        fd = open(P("private/reg"), O_CREAT | O_WRONLY, 0644);
        close(fd);
        mkdir(P("devs"), 0755);
        if (PRIVATE_NS)
                mount("sdlite-devs", P("devs"), "tmpfs", 0, "mode=0755");
        mknod(P("devs/null2"), S_IFCHR | 0666, makedev(1, 3));
        mknod(P("devs/zero2"), S_IFCHR | 0666, makedev(1, 5));
        mknod(P("devs/blk13"), S_IFBLK | 0600, makedev(1, 3));
}

int main(int argc, char **argv) {
        if (argc != 2 || argv[1][0] != '/' || strlen(argv[1]) >= 80) {
                fprintf(stderr, "usage: %s ABSOLUTE_SCRATCH_DIR (shorter than 80 bytes)\n", argv[0]);
                return 2;
        }
        snprintf(D, sizeof D, "%s", argv[1]);
        if (chdir(D) < 0)
                die("chdir");
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        snprintf(SELF, sizeof SELF, "%d", (int) getpid());
        unsetenv("LISTEN_PIDFDID"); /* systemd 258+ only: not part of the comparison */

        /* which libsystemd is mapped (stderr only: the path differs between the runs) */
        report_maps();

        if (geteuid() == 0 && unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET) == 0 &&
            mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) == 0) {
                PRIVATE_NS = 1;
                bring_up_lo();
        }
        printf("# listen-diff: private namespaces %s\n", PRIVATE_NS ? "yes" : "no (not root)");

        fd_layout();
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur > 4096)
                rl.rlim_cur = 4096;
        for (int fd = 7; fd < (int) rl.rlim_cur; fd++)
                close(fd);
        section_listen_pid();
        section_listen_fds();
        section_listen_names();
        section_listen_many();

        make_files();
        build_catalogue();
        section_fifo_special();
        section_socket();
        section_socket_inet();
        section_sockaddr();
        section_socket_unix();
        section_mq();
        for (int i = 0; i < NKEEP; i++)
                free(KEEP[i]);
        printf("# end\n");
        fflush(stdout);
        return 0;
}
