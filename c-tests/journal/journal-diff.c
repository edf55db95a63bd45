/* c-tests/journal/journal-diff.c -- differential probe of the journal's send side.
 *
 * Built ONCE against Debian's <systemd/sd-journal.h> with -DSD_JOURNAL_SUPPRESS_LOCATION and
 * -lsystemd; run on libsystemd 252 and on sdlite (LD_LIBRARY_PATH), as root, in a private mount
 * namespace with a fresh tmpfs on /run/systemd and /dev/shm, FAKE_JOURNALD set (jprobe.h).
 * Both runs must print the same bytes. Every case prints
 *     <the call's source text> = <return value> errno=<errno after> [fds+N]
 * followed by what the fake journald received because of it (jcommon.h's encoding), or "  -".
 * errno is set to jp_errno (EXDEV unless a case says otherwise) before each call.
 *
 * Only inputs on which libsystemd 252 neither crashes nor hits its accidental limits are here;
 * those are in journal-deliberate.c.
 *
 * Sub-modes (the probe re-executes itself; their output goes to the same stdout):
 *   --ident            one print and one sendv of 512 fields, under whatever argv[0] it was given
 *   --threads          8 threads logging at once from a fresh process: one library socket
 *   --stdio-closed     fd 0 closed in a fresh process: which fd numbers the library gets
 *   --fresh            the library's socket as a fresh process makes it (run as root and as 65534)
 *   --emfile           no fd left (RLIMIT_NOFILE 32): socket, memfd and stream_fd failing
 */
#define TESTLIB_PROG "journal-diff"
#include "jprobe.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <wchar.h>
#include <grp.h>
#include <sys/resource.h>

/* ------------------------------------------------------------------ helpers */

#define ARENA 256
static void *arena[ARENA];
static int narena;

static void *keep(void *p) {
        if (!p)
                die("malloc");
        if (narena < ARENA)
                arena[narena++] = p;
        return p;
}

static void arena_free(void) {
        while (narena)
                free(arena[--narena]);
}

/* n copies of c, NUL-terminated; errno unchanged */
static char *xs(size_t n, int c) {
        int e = errno;
        char *p = keep(malloc(n + 1));
        memset(p, c, n);
        p[n] = 0;
        errno = e;
        return p;
}

/* a then b (both strings); errno unchanged */
static char *cat(const char *a, const char *b) {
        int e = errno;
        size_t la = strlen(a), lb = strlen(b);
        char *p = keep(malloc(la + lb + 1));
        memcpy(p, a, la);
        memcpy(p + la, b, lb + 1);
        errno = e;
        return p;
}

/* n iovecs all pointing at s */
static struct iovec *many(int n, const char *s) {
        int e = errno;
        struct iovec *v = keep(calloc((size_t) n, sizeof *v));
        for (int i = 0; i < n; i++) {
                v[i].iov_base = (void *) s;
                v[i].iov_len = strlen(s);
        }
        errno = e;
        return v;
}

/* 127 "%d" conversions and their arguments: 252 takes up to 127 per format (journal-deliberate
 * has 128) */
#define D8 "%d%d%d%d%d%d%d%d"
#define ARGS127_FMT D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 "%d%d%d%d%d%d%d"
#define A8(b) b + 0, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
#define ARGS127 A8(0), A8(8), A8(16), A8(24), A8(32), A8(40), A8(48), A8(56), A8(64), A8(72), A8(80), A8(88), \
                A8(96), A8(104), A8(112), 120, 121, 122, 123, 124, 125, 126

#define IOV(s) ((struct iovec) { (void *) (s), sizeof(s) - 1 })
#define IOVN(p, n) ((struct iovec) { (void *) (p), (n) })

static int pv(int prio, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = sd_journal_printv(prio, fmt, ap);
        va_end(ap);
        return r;
}

static int pvl(int prio, const char *file, const char *line, const char *func, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = sd_journal_printv_with_location(prio, file, line, func, fmt, ap);
        va_end(ap);
        return r;
}

/* perror with errno set to e right before the call (J() sets jp_errno, which we override) */
static int perr(int e, const char *msg) {
        errno = e;
        return sd_journal_perror(msg);
}

static int perr_loc(int e, const char *f, const char *l, const char *fn, const char *msg) {
        errno = e;
        return sd_journal_perror_with_location(f, l, fn, msg);
}

/* ------------------------------------------------------------------ sections */

static void s_first(void) {
        section("first calls: when the library opens its datagram socket");
        jp_lib_sockets("at start");
        J(sd_journal_print(8, "x"));
        J(sd_journal_print(LOG_INFO, NULL));
        J(sd_journal_print(LOG_INFO, "   "));
        J(sd_journal_sendv(NULL, 0));
        J(sd_journal_send("MESSAGE", NULL));
        J(sd_journal_stream_fd("x", 9, 0));
        jp_lib_sockets("after calls that fail validation");
        J(sd_journal_print(LOG_INFO, "hello %d", 5));
        jp_lib_sockets("after the first valid call");
        J(sd_journal_print(LOG_INFO, "hello again"));
        jp_lib_sockets("after the second call");
}

static void s_states(void) {
        static const char *states[] = { "nodir", "empty", "dgramonly", "streamonly", "stale", "notdir", "loop",
                                        "dirloop", "symlink", "wrongtype", "seqpacket", "file", "dir", "private" };
        section("journald's sockets: absent, stale, wrong type, ...");
        for (size_t i = 0; i < sizeof states / sizeof *states; i++) {
                printf("-- state %s\n", states[i]);
                jp_state(states[i]);
                J(sd_journal_print(LOG_INFO, "state test"));
                jp_errno = -5;
                J(sd_journal_print(LOG_INFO, "state test, errno -5 before"));
                jp_errno = 0;
                J(sd_journal_sendv((struct iovec[]) { IOV("A=1"), IOV("B=2\n3") }, 2));
                jp_errno = EXDEV;
                J(perr(ENOENT, "state"));
                J(sd_journal_send("MESSAGE=state", "X=%d", 1, NULL));
                JS(sd_journal_stream_fd("state", LOG_INFO, 0), "line\n");
        }
        jp_state("normal");
}

static void s_print(void) {
        section("sd_journal_print: priorities and formats");
        int prios[] = { -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, INT_MIN, INT_MAX, LOG_DAEMON | LOG_INFO, 15, 16 };
        for (size_t i = 0; i < sizeof prios / sizeof *prios; i++) {
                char l[64];
                snprintf(l, sizeof l, "sd_journal_print(%d, \"prio %%d\", %d)", prios[i], prios[i]);
                JL(l, sd_journal_print(prios[i], "prio %d", prios[i]));
        }
        J(sd_journal_print(LOG_INFO, NULL));
        J(sd_journal_print(LOG_INFO, ""));
        J(sd_journal_print(LOG_INFO, "  \t\n"));
        J(sd_journal_print(LOG_INFO, " \r\n\t "));
        J(sd_journal_print(LOG_INFO, "\v"));
        J(sd_journal_print(LOG_INFO, "\f"));
        J(sd_journal_print(LOG_INFO, "x\v\f \t"));
        J(sd_journal_print(LOG_INFO, "  lead trail \r\n"));
        J(sd_journal_print(LOG_ERR, "a\nb"));
        J(sd_journal_print(LOG_ERR, "a\n"));
        J(sd_journal_print(LOG_ERR, "\na"));
        J(sd_journal_print(LOG_ERR, "a\n\n\nb\n\n"));
        J(sd_journal_print(LOG_ERR, "a\r\nb\r\n"));
        J(sd_journal_print(LOG_ERR, "trail\t\t"));
        J(sd_journal_print(LOG_INFO, "\x01\x02 ctl \x7f \xff\xfe"));
        J(sd_journal_print(LOG_INFO, "h\xc3\xa9llo %s", "w\xc3\xb6rld"));
        J(sd_journal_print(LOG_INFO, "%s", (char *) NULL));
        J(sd_journal_print(LOG_INFO, "100%%"));
        J(sd_journal_print(LOG_INFO, "100%"));
        J(sd_journal_print(LOG_INFO, "a %5"));
        J(sd_journal_print(LOG_INFO, "%1$*2$d|%2$d", 7, 4));
        J(sd_journal_print(LOG_INFO, "a%cb", 0));
        J(sd_journal_print(LOG_INFO, "%c", 0));
        J(sd_journal_print(LOG_INFO, "%c a", 0));
        J(sd_journal_print(LOG_INFO, "x=%5.2f|%-4d|%+lld|%#x|%zu|%hhd|%Lf", 3.14159, 7, -9LL, 255, (size_t) 12, 300, (long double) 0.5));
        J(sd_journal_print(LOG_INFO, "%2$s-%1$s", "one", "two"));
        jp_errno = ENOENT;
        J(sd_journal_print(LOG_INFO, "m: %m"));
        jp_errno = 0;
        J(sd_journal_print(LOG_INFO, "m: %m"));
        jp_errno = -5;
        J(sd_journal_print(LOG_INFO, "m: %m"));
        jp_errno = EXDEV;
        J(sd_journal_print(LOG_INFO, "%s %m", xs(3000, 'm')));

        section("sd_journal_print: lengths around LINE_MAX and LONG_LINE_MAX");
        size_t lens[] = { 2038, 2039, 2040, 2041, 2046, 2047, 2048, 2049, 4095, 4096, 65536,
                          1048566, 1048567, 1048568, 1048569, 2000000 };
        for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
                char l[96];
                snprintf(l, sizeof l, "sd_journal_print(LOG_INFO, \"%%s\", xs(%zu, 'x'))", lens[i]);
                JL(l, sd_journal_print(LOG_INFO, "%s", xs(lens[i], 'x')));
                arena_free();
        }
        J(sd_journal_print(LOG_INFO, "%s%s", xs(2037, 'x'), xs(20, ' ')));
        J(sd_journal_print(LOG_INFO, "%s%s", xs(10, 'x'), xs(1048557, ' ')));
        J(sd_journal_print(LOG_INFO, "%s%s", xs(10, 'x'), xs(1048558, ' ')));
        J(sd_journal_print(LOG_INFO, "%s", xs(3000, ' ')));
        J(sd_journal_print(LOG_INFO, "%s", xs(1048567, '\n')));
        J(sd_journal_print(LOG_INFO, "%s\n%s", xs(3000, 'a'), xs(3000, 'b')));
        J(sd_journal_print(LOG_INFO, "%s", cat(xs(1048566, 'y'), "\n")));
        arena_free();

        section("sd_journal_print: vsnprintf failing");
        J(sd_journal_print(LOG_INFO, "abc%99999999999d", 1));
        J(sd_journal_print(LOG_INFO, "%99999999999d", 1));
        J(sd_journal_print(LOG_INFO, "x%lcy", (wint_t) 0xD800));
        J(sd_journal_print(LOG_INFO, "%lc", (wint_t) 0xD800));
        J(sd_journal_print(LOG_INFO, "ls:%ls", (const wchar_t[]) { L'a', 0xD800, 0 }));
        J(sd_journal_print(LOG_INFO, "%s%lc", xs(3000, 'p'), (wint_t) 0xD800));
        J(sd_journal_print(LOG_INFO, "%s%lc", xs(2047, 'p'), (wint_t) 0xD800));
        J(sd_journal_print(LOG_INFO, "  %lc", (wint_t) 0xD800));
        J(sd_journal_print(LOG_INFO, "tail   %lc", (wint_t) 0xD800));
        arena_free();

        section("sd_journal_printv");
        J(pv(LOG_NOTICE, "v %d %s", 1, "two"));
        J(pv(8, "x"));
        J(pv(-1, "x"));
        J(pv(LOG_INFO, NULL));
        J(pv(LOG_INFO, "  \n"));
        J(pv(LOG_INFO, "%s", xs(5000, 'v')));
        J(pv(LOG_INFO, "%s", xs(1048568, 'v')));
        J(pv(LOG_INFO, "a\nb %d", 3));
        J(pv(LOG_INFO, "x%lcy", (wint_t) 0xD800));
        arena_free();
}

static void s_location(void) {
        section("the *_with_location forms");
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "junk", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "junk", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "C", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "=f.c", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=", "CODE_LINE=", "", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=a\nb", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE\nFILE=a", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=a  ", "CODE_LINE=7\t", "fn ", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "f\ng", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "a=b", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", xs(3000, 'f'), "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "MESSAGE=from file", "PRIORITY=1", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "SYSLOG_IDENTIFIER=loc", "CODE_LINE=7", "fn", "m"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "a\nb"));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "%s", xs(3000, 'L')));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "%s", xs(1048567, 'L')));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "%s", xs(1048568, 'L')));
        J(sd_journal_print_with_location(LOG_DEBUG, "CODE_FILE=f.c", "CODE_LINE=7", "fn", "ab%lc", (wint_t) 0xD800));
        arena_free();
        /* NULL location arguments where 252 returns before touching them */
        J(sd_journal_print_with_location(8, NULL, NULL, NULL, "m"));
        J(sd_journal_print_with_location(-1, NULL, NULL, NULL, "m"));
        J(sd_journal_print_with_location(LOG_INFO, NULL, NULL, NULL, NULL));
        J(sd_journal_print_with_location(LOG_INFO, NULL, NULL, NULL, " \t\n"));
        J(sd_journal_print_with_location(LOG_INFO, NULL, NULL, NULL, ""));
        J(sd_journal_print_with_location(LOG_INFO, NULL, NULL, NULL, "%s", xs(1048568, 'N')));
        J(sd_journal_print_with_location(LOG_INFO, NULL, NULL, NULL, "%lc", (wint_t) 0xD800));
        arena_free();
        J(pvl(LOG_INFO, "CODE_FILE=v.c", "CODE_LINE=9", "vfn", "v %d", 9));
        J(pvl(LOG_INFO, "junk", "CODE_LINE=9", "vfn", "v"));
        J(pvl(8, NULL, NULL, NULL, "v"));
        J(pvl(LOG_INFO, NULL, NULL, NULL, NULL));
        J(pvl(LOG_INFO, NULL, NULL, NULL, "  "));
        J(pvl(LOG_INFO, "CODE_FILE=v.c", "CODE_LINE=9", "vfn", "%s", xs(4000, 'w')));
        arena_free();

        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", NULL));
        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", "MESSAGE=m", NULL));
        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", "MESSAGE=m  ", "A=%d", 1, NULL));
        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", "bad", NULL));
        J(sd_journal_send_with_location("junk", "CODE_LINE=1", "f", "MESSAGE=m", NULL));
        J(sd_journal_send_with_location("CODE_FILE=a  ", "CODE_LINE=1\n", "f\n", "MESSAGE=m", NULL));
        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", "SYSLOG_IDENTIFIER=x", NULL));
        J(sd_journal_send_with_location("SYSLOG_IDENTIFIER=file", "CODE_LINE=1", "f", "MESSAGE=m", NULL));
        J(sd_journal_send_with_location(NULL, NULL, NULL, "A=%lc", (wint_t) 0xD800, NULL));
        J(sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", "f", "A=1", "B=%lc", (wint_t) 0xD800, NULL));

        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("MESSAGE=m") }, 1));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("MESSAGE=m\n"), IOV("B=2") }, 2));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("bad") }, 1));
        J(sd_journal_sendv_with_location("junk", "CODE_LINE=1", "f", (struct iovec[]) { IOV("MESSAGE=m") }, 1));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("SYSLOG_IDENTIFIER=s") }, 1));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("MESSAGE=m") }, 0));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", (struct iovec[]) { IOV("MESSAGE=m") }, -1));
        J(sd_journal_sendv_with_location(NULL, NULL, NULL, NULL, 1));
        J(sd_journal_sendv_with_location(NULL, NULL, NULL, (struct iovec[]) { IOV("MESSAGE=m") }, 0));
        J(sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", many(506, "F=1"), 506));
        arena_free();

        J(perr_loc(EIO, "CODE_FILE=a", "CODE_LINE=1", "f", "m"));
        J(perr_loc(0, "CODE_FILE=a", "CODE_LINE=1", "f", NULL));
        J(perr_loc(ENOENT, "junk", "CODE_LINE=1", "f", "m"));
        J(perr_loc(-1, "CODE_FILE=a", "CODE_LINE=1", "f", "neg"));
        J(perr_loc(ENOENT, "SYSLOG_IDENTIFIER=p", "CODE_LINE=1", "f", "m\n"));
}

static void s_send(void) {
        section("sd_journal_send");
        J(sd_journal_send("MESSAGE=x  ", "FOO=%d", 5, "  BAR=y", NULL));
        J(sd_journal_send(NULL));
        J(sd_journal_send("MESSAGE", NULL));
        J(sd_journal_send("MESSAGE=", NULL));
        J(sd_journal_send("   ", NULL));
        J(sd_journal_send("M", NULL));
        J(sd_journal_send("", NULL));
        J(sd_journal_send("=x", NULL));
        J(sd_journal_send("A\nB=1", NULL));
        J(sd_journal_send("A=1", "=x", NULL));
        J(sd_journal_send("A=%*d|%-*d|", 5, 42, 4, 7, "B=%s", "after", NULL));
        J(sd_journal_send("A=%.*s", 3, "abcdef", "B=%*.*f", 8, 2, 3.14159, "C=%s", "c", NULL));
        J(sd_journal_send("A=%Lf", (long double) 1.5, "B=%f", 2.25, "C=%s", "c", NULL));
        J(sd_journal_send("A=%lld %llu %hhd %hd %ld %zd %jd", -1LL, 2ULL, 300, 70000, -4L, (ssize_t) -5, (intmax_t) 6, "B=%s", "b", NULL));
        J(sd_journal_send("A=%2$s-%1$s", "one", "two", "B=%s", "b", NULL));
        J(sd_journal_send("A=%c%c", 'x', 'y', "B=%s", "b", NULL));
        J(sd_journal_send("A=100%%", "B=%%%d", 3, NULL));
        jp_errno = ENOENT;
        J(sd_journal_send("A=%m", "B=%d", 9, NULL));
        jp_errno = EXDEV;
        J(sd_journal_send("A=%s", "x\ny", NULL));
        J(sd_journal_send("A=x\n", NULL));
        J(sd_journal_send("A=  \t\n", NULL));
        J(sd_journal_send("A=\n\nB", NULL));
        J(sd_journal_send("A=%s", (char *) NULL, NULL));
        J(sd_journal_send("A=%c", 0, NULL));
        J(sd_journal_send("A=\v", NULL));
        J(sd_journal_send("SYSLOG_IDENTIFIER=custom", "MESSAGE=m", NULL));
        J(sd_journal_send("PRIORITY=%i", LOG_ERR, "MESSAGE=%s", "m", NULL));
        J(sd_journal_send("F1=1", "F2=2", "F3=3", "F4=4", "F5=5", "F6=6", "F7=7", "F8=8", "F9=9", "F10=10",
                          "F11=11", "F12=12", "F13=13", "F14=14", "F15=15", "F16=16", "F17=17", "F18=18", "F19=19", "F20=20", NULL));
        J(sd_journal_send("MESSAGE=%s", xs(5000, 's'), NULL));
        J(sd_journal_send("MESSAGE=%s", xs(1048600, 's'), NULL));
        J(sd_journal_send("MESSAGE=%s", xs(8u << 20, 'S'), NULL));
        arena_free();
        section("sd_journal_send: how each format's arguments are skipped");
        {
                int n1 = -1;
                short n2 = -1;
                J(sd_journal_send("A=%", "B=%d", 1, NULL));
                J(sd_journal_send("A=%5", "B=%d", 1, NULL));
                J(sd_journal_send("A=%1$*2$d|", 7, 4, "B=%d", 1, NULL));
                J(sd_journal_send("A=%2$d %1$.*3$f", 3.5, 9, 2, "B=%s", "b", NULL));
                J(sd_journal_send("A=%'d %Id", 1234567, 89, "B=%d", 1, NULL));
                J(sd_journal_send("A=%ls|%lc|%S|%C", L"w\u00e9", (wint_t) L'x', L"S", (wint_t) L'C', "B=%d", 1, NULL));
                J(sd_journal_send("A=%a %e %g %G %E", 1.0, 2.0, 3.0, 4.0, 5.0, "B=%d", 1, NULL));
                J(sd_journal_send("A=%p", (void *) NULL, "B=%d", 1, NULL));
                J(sd_journal_send("A=%n", &n1, "B=%d", 1, NULL));
                J(sd_journal_send("A=x%hn", &n2, "B=%d|%d", n1, n2, NULL));
                J(sd_journal_send("A=%qd %Lf %hhu %llx %td %zx %jd", 1LL, (long double) 2.5, 257, 255ULL, (ptrdiff_t) -3,
                                  (size_t) 17, (intmax_t) -1, "B=%d", 1, NULL));
                J(sd_journal_send("A=%c%s%c", 'a', "mid", 'z', "B=%m", "C=%d", 3, NULL));
                J(sd_journal_send("A=%-5s|%05d|%+.3e|%#o", "ab", 42, 12345.678, 8, "B=%d", 1, NULL));
                long long nn = 0;
                J(sd_journal_send("A=%Ls", "s", "B=%d", 1, NULL));
                J(sd_journal_send("A=%hhs|%hf|%jf|%zf", "s", 1.5, 2.5, 3.5, "B=%d", 1, NULL));
                J(sd_journal_send("A=%Lg|%llf|%lf", (long double) 1.25, (long double) 2.25, 3.25, "B=%d", 1, NULL));
                J(sd_journal_send("A=%lS|%lC", L"ws", (wint_t) L'c', "B=%d", 1, NULL));
                J(sd_journal_send("A=%hls", L"B=wide-as-narrow", "C=%d", 1, NULL));
                J(sd_journal_send("A=x%lln|%Ln|%hhn", &nn, &nn, (char *) &nn, "B=%lld", nn, NULL));
                J(sd_journal_send("A=" ARGS127_FMT, ARGS127, "B=%d", 1, NULL));
        }
        J(sd_journal_send("A=%lc", (wint_t) 0xD800, NULL));
        J(sd_journal_send("A=1", "B=%lc", (wint_t) 0xD800, NULL));
        J(sd_journal_send("A=%99999999999d", 1, NULL));
        jp_errno = -5;
        J(sd_journal_send("A=%lc", (wint_t) 0xD800, NULL));
        J(sd_journal_send("A=1", NULL));
        jp_errno = EXDEV;
}

static void s_sendv(void) {
        section("sd_journal_sendv: validation");
        J(sd_journal_sendv((struct iovec[]) { IOV("A") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN("", 0) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("AB") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("=B") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A\nB=1") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN(NULL, 5) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN(NULL, 0) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1"), IOV("B") }, 2));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1"), IOVN("B=2", 1) }, 2));
        J(sd_journal_sendv((struct iovec[]) { IOVN("A=12345", 2) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN("A=12345", 3) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 0));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, -1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, INT_MIN));
        J(sd_journal_sendv(NULL, 1));
        J(sd_journal_sendv(NULL, 0));

        section("sd_journal_sendv: encoding");
        J(sd_journal_sendv((struct iovec[]) { IOV("A=") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1\n2") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=\n") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("MESSAGE=m\n") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1\0002") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A\0B=1") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("\0=1") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN("A=1", 4) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("foo=bar"), IOV(" A=1"), IOV("A==") }, 3));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=x\r"), IOV("B=y "), IOV("C=\t") }, 3));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1\n2"), IOV("B=3"), IOV("C=\n\n") }, 3));
        J(sd_journal_sendv((struct iovec[]) { IOVN(cat("V=", cat(xs(300, 'v'), "\n")), 303) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN(cat("V=\n", xs(70000, 'w')), 70003) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("\xff\xfe=\x80\x01") }, 1));
        arena_free();

        section("sd_journal_sendv: the implicit SYSLOG_IDENTIFIER");
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER=me"), IOV("MESSAGE=m") }, 2));
        J(sd_journal_sendv((struct iovec[]) { IOV("MESSAGE=m"), IOV("SYSLOG_IDENTIFIER=me") }, 2));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIERX=me") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIE=me") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("XSYSLOG_IDENTIFIER=me") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("syslog_identifier=me") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER=") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER=a\nb") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER==") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN("SYSLOG_IDENTIFIER=me", 18) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN("SYSLOG_IDENTIFIER=me", 17) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER\0=me") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("SYSLOG_IDENTIFIER=1"), IOV("SYSLOG_IDENTIFIER=2") }, 2));

        section("sd_journal_sendv: field counts below 252's iovec limit");
        J(sd_journal_sendv(many(1, "F=1"), 1));
        J(sd_journal_sendv(many(100, "F=1"), 100));
        J(sd_journal_sendv(many(510, "F=1"), 510));
        J(sd_journal_sendv(many(204, "F=a\nb"), 204));
        {
                struct iovec *v = many(512, "F=1");
                v[0] = IOV("SYSLOG_IDENTIFIER=given");
                J(sd_journal_sendv(v, 511));
                J(sd_journal_sendv(v, 512));
                struct iovec *w = many(210, "F=a\nb");
                for (int i = 200; i < 210; i++)
                        w[i] = IOV("G=2");
                J(sd_journal_sendv(w, 210));
                struct iovec *x = many(205, "F=a\nb");
                x[0] = IOV("SYSLOG_IDENTIFIER=given");
                J(sd_journal_sendv(x, 205));
        }
        arena_free();

        section("sd_journal_sendv: errno afterwards");
        jp_errno = EXDEV;
        J(sd_journal_sendv((struct iovec[]) { IOV("A") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_errno = 0;
        J(sd_journal_sendv((struct iovec[]) { IOV("A") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_errno = -5;
        J(sd_journal_sendv((struct iovec[]) { IOV("A") }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_errno = INT_MAX;
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_state("stale");
        jp_errno = EXDEV;
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_errno = -5;
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_errno = 0;
        J(sd_journal_sendv((struct iovec[]) { IOV("A=1") }, 1));
        jp_state("normal");
        jp_errno = EXDEV;
}

static void s_perror(void) {
        section("sd_journal_perror");
        int errs[] = { 0, ENOENT, EACCES, EAGAIN, EHWPOISON, 134, 99999, -1, -5, INT_MAX, INT_MIN };
        for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
                char l[64];
                snprintf(l, sizeof l, "perr(%d, \"ctx\")", errs[i]);
                JL(l, perr(errs[i], "ctx"));
        }
        J(perr(ENOENT, NULL));
        J(perr(ENOENT, ""));
        J(perr(ENOENT, " "));
        J(perr(ENOENT, "ctx\n"));
        J(perr(ENOENT, "a\nb"));
        J(perr(ENOENT, "%s%d%m"));
        J(perr(ENOENT, "trail  "));
        J(perr(0, NULL));
        J(perr(-1, NULL));
        J(perr(ENOENT, xs(300, 'p')));
        J(perr(ENOENT, xs(3000, 'p')));
        J(perr(ENOENT, xs(100000, 'p')));
        J(perr(ENOENT, "MESSAGE=inner"));
        arena_free();
        jp_state("stale");
        J(perr(ENOENT, "stale"));
        J(perr(-1, "stale"));
        J(perr(0, "stale"));
        jp_state("nodir");
        J(perr(-1, "nodir"));
        jp_state("normal");
}

static void s_stream(void) {
        section("sd_journal_stream_fd");
        JS(sd_journal_stream_fd("myid", LOG_INFO, 0), "hello\n");
        JS(sd_journal_stream_fd(NULL, LOG_INFO, 1), "<3>err\n");
        JS(sd_journal_stream_fd("", LOG_INFO, 7), NULL);
        JS(sd_journal_stream_fd("a\nb", LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd("with space", LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd("h\xc3\xa9llo\t\x01", LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd(xs(1000, 'i'), LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd(xs(100000, 'i'), LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd(xs(4194292, 'I'), LOG_INFO, 0), "after a 4 MiB identifier\n");
        arena_free();
        int prios[] = { -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, INT_MIN, INT_MAX, LOG_DAEMON | LOG_INFO };
        for (size_t i = 0; i < sizeof prios / sizeof *prios; i++) {
                char l[64];
                snprintf(l, sizeof l, "sd_journal_stream_fd(\"p\", %d, 0)", prios[i]);
                int fb = count_fds();
                errno = jp_errno;
                int r = sd_journal_stream_fd("p", prios[i], 0);
                int e = errno;
                jp_sfd(l, r, e, NULL);
                if (count_fds() != fb)
                        printf("  fds%+d after close\n", count_fds() - fb);
        }
        int lps[] = { 0, 1, 2, 7, -1, INT_MIN, INT_MAX, 256 };
        for (size_t i = 0; i < sizeof lps / sizeof *lps; i++) {
                char l[64];
                snprintf(l, sizeof l, "sd_journal_stream_fd(\"lp\", LOG_INFO, %d)", lps[i]);
                errno = jp_errno;
                int r = sd_journal_stream_fd("lp", LOG_INFO, lps[i]);
                int e = errno;
                jp_sfd(l, r, e, NULL);
        }
        {
                printf("two stream fds at once:\n");
                errno = jp_errno;
                int a = sd_journal_stream_fd("first", LOG_INFO, 0);
                int b = sd_journal_stream_fd("second", LOG_WARNING, 1);
                printf("  first=%s second=%s same=%d\n", a >= 0 ? "FD" : rs(a), b >= 0 ? "FD" : rs(b), a == b);
                if (a >= 0) {
                        (void) !write(a, "1\n", 2);
                        close(a);
                }
                if (b >= 0) {
                        (void) !write(b, "2\n", 2);
                        close(b);
                }
                jp_collect();
        }
        jp_errno = 0;
        JS(sd_journal_stream_fd("errno0", LOG_INFO, 0), NULL);
        jp_errno = -5;
        JS(sd_journal_stream_fd("errno-5", LOG_INFO, 0), NULL);
        JS(sd_journal_stream_fd("errno-5", 9, 0), NULL);
        jp_state("streamonly");
        JS(sd_journal_stream_fd("errno-5", LOG_INFO, 0), NULL);
        jp_state("dgramonly");
        JS(sd_journal_stream_fd("errno-5", LOG_INFO, 0), NULL);
        jp_errno = EXDEV;
        jp_state("normal");
        jp_lib_sockets("after the stream_fd section");
}

/* ------------------------------------------------------------------ memfd fallback */

struct thr {
        const char *name;
        size_t size;
        int r, e;
};

static void *thr_main(void *a) {
        struct thr *t = a;
        if (t->name)
                prctl(PR_SET_NAME, (unsigned long) t->name, 0, 0, 0);
        char *b = malloc(t->size);
        if (!b)
                die("malloc");
        memset(b, 't', t->size);
        memcpy(b, "T=", 2);
        errno = jp_errno;
        t->r = sd_journal_sendv((struct iovec[]) { IOVN(b, t->size) }, 1);
        t->e = errno;
        free(b);
        return NULL;
}

static void in_thread(const char *label, const char *name, size_t size) {
        struct thr t = { name, size, 0, 0 };
        pthread_t th;
        int fb = count_fds();
        if (pthread_create(&th, NULL, thr_main, &t) != 0)
                die("pthread_create");
        pthread_join(th, NULL);
        jp_line(label, t.r, t.e, fb);
}

#ifdef __x86_64__
/* In a child: memfd_create fails with `e` (and, if tmpfile_err, open(O_TMPFILE) fails with it). */
static void seccomp_child(const char *label, int memfd_err, int tmpfile_err) {
        pid_t p = fork_flushed();
        if (p == 0) {
                struct sock_filter f[] = {
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_memfd_create, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((unsigned) memfd_err & SECCOMP_RET_DATA)),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 1, 0),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
                        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, __O_TMPFILE & ~O_DIRECTORY),
                        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __O_TMPFILE & ~O_DIRECTORY, 0, 1),
                        BPF_STMT(BPF_RET | BPF_K, tmpfile_err ? SECCOMP_RET_ERRNO | ((unsigned) tmpfile_err & SECCOMP_RET_DATA)
                                                              : SECCOMP_RET_ALLOW),
                        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                };
                struct sock_fprog prog = { sizeof f / sizeof *f, f };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
                        printf("%s: SETUP-FAILED seccomp: %s\n", label, strerror(errno));
                        _exit(0);
                }
                size_t n = 8u << 20;
                char *b = malloc(n);
                memset(b, 's', n);
                memcpy(b, "SEC=", 4);
                int fb = count_fds();
                errno = jp_errno;
                int r = sd_journal_sendv((struct iovec[]) { IOVN(b, n) }, 1);
                int e = errno;
                int d = count_fds() - fb;
                printf("%s = %s errno=%s", label, rs(r), errname(e));
                if (d)
                        printf(" fds%+d", d);
                printf("\n");
                fflush(stdout);
                _exit(0);
        }
        int st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();
}
#endif

static void s_memfd(void) {
        section("the memfd fallback");
        size_t n = 40u << 20;
        char *big = keep(malloc(n));
        memset(big, 'z', n);
        memcpy(big, "BIG=", 4);
        J(sd_journal_sendv((struct iovec[]) { IOVN(big, n) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOV("MESSAGE=before"), IOVN(big, n), IOV("AFTER=x\ny") }, 3));
        jp_errno = -5;
        J(sd_journal_sendv((struct iovec[]) { IOVN(big, n) }, 1));
        jp_errno = EXDEV;
        arena_free();
        J(sd_journal_sendv((struct iovec[]) { IOVN(cat("NL=\n", xs(5u << 20, 'n')), (5u << 20) + 4) }, 1));
        J(sd_journal_print(LOG_INFO, "%s", xs(1048567, 'q')));
        J(sd_journal_sendv(many(510, cat("F=", xs(10000, 'f'))), 510));
        J(sd_journal_sendv(many(204, cat("F=a\n", xs(30000, 'g'))), 204));
        arena_free();

        printf("-- memfd names come from the calling thread's name\n");
        in_thread("thread named worker-1: 8 MiB sendv", "worker-1", 8u << 20);
        in_thread("thread named \"\": 8 MiB sendv", "", 8u << 20);
        in_thread("thread named 123456789012345: 8 MiB sendv", "123456789012345", 8u << 20);
        in_thread("thread named \"a b/c\\\"d'\": 8 MiB sendv", "a b/c\"d'", 8u << 20);
        in_thread("thread named \"t\\tab\\x01\\x7f\": 8 MiB sendv", "t\tab\x01\x7f", 8u << 20);
        in_thread("thread named \"h\\xc3\\xa9\\xff\": 8 MiB sendv", "h\xc3\xa9\xff", 8u << 20);
        in_thread("thread named \"%s%n\": 8 MiB sendv", "%s%n", 8u << 20);
        in_thread("unnamed thread (inherits the process name): 8 MiB sendv", NULL, 8u << 20);

        printf("-- memfd fallback with journald absent or broken\n");
        char *m8 = malloc((8u << 20) + 3);
        if (!m8)
                die("malloc");
        memset(m8, 'm', (8u << 20) + 3);
        memcpy(m8, "M8=", 3);
        jp_state("nodir");
        J(sd_journal_sendv((struct iovec[]) { IOVN(m8, (8u << 20) + 3) }, 1));
        jp_state("stale");
        J(sd_journal_sendv((struct iovec[]) { IOVN(m8, (8u << 20) + 3) }, 1));
        J(sd_journal_sendv((struct iovec[]) { IOVN(cat("M40=", xs(40u << 20, 'm')), (40u << 20) + 4) }, 1));
        jp_state("wrongtype");
        J(sd_journal_sendv((struct iovec[]) { IOVN(m8, (8u << 20) + 3) }, 1));
        jp_state("file");
        J(sd_journal_sendv((struct iovec[]) { IOVN(m8, (8u << 20) + 3) }, 1));
        jp_state("normal");
        arena_free();

        printf("-- a small send buffer on the library's socket\n");
        int lfd = jp_lib_dgram_fd();
        if (lfd < 0)
                printf("library datagram socket: not found (%d sockets)\n", jp_lib_socket_fds((int[16]) { 0 }, 16));
        else {
                int old = 0, small = 4096;
                socklen_t l = sizeof old;
                getsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &old, &l);
                setsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
                jp_lib_sockets("with SO_SNDBUF 4096");
                J(sd_journal_print(LOG_INFO, "small"));
                J(sd_journal_print(LOG_INFO, "%s", xs(10000, 'B')));
                J(sd_journal_sendv((struct iovec[]) { IOV("A=1"), IOVN(cat("b=", xs(20000, 'b')), 20002) }, 2));
                old /= 2;
                setsockopt(lfd, SOL_SOCKET, SO_SNDBUFFORCE, &old, sizeof old);
                jp_lib_sockets("with SO_SNDBUF restored");
                arena_free();

                printf("-- journald's queue full, the library's socket non-blocking\n");
                int fill = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = FJD_SOCKET };
                jp_own_fd(fill);
                jp_cmd("PAUSE");
                int nfill = 0;
                while (sendto(fill, FJD_FILL, strlen(FJD_FILL), 0, (struct sockaddr *) &sa, sizeof sa) >= 0)
                        nfill++;
                printf("queue filled: %s (after %s fillers)\n", errname(errno), nfill > 0 ? "some" : "no");
                int fl = fcntl(lfd, F_GETFL);
                fcntl(lfd, F_SETFL, fl | O_NONBLOCK);
                int fb = count_fds();
                errno = jp_errno;
                int r = sd_journal_print(LOG_INFO, "into a full queue");
                int e = errno;
                printf("sd_journal_print(LOG_INFO, \"into a full queue\") = %s errno=%s fds%+d\n", rs(r), errname(e), count_fds() - fb);
                errno = jp_errno;
                r = sd_journal_sendv((struct iovec[]) { IOVN(m8, (8u << 20) + 3) }, 1);
                e = errno;
                printf("sd_journal_sendv(8 MiB) = %s errno=%s fds%+d\n", rs(r), errname(e), count_fds() - fb);
                fcntl(lfd, F_SETFL, fl);
                jp_cmd("RESUME");
                close(fill);
                jp_disown_fd(fill);
                jp_collect();
                jp_lib_sockets("after the full queue");
        }
        free(m8);

#ifdef __x86_64__
        printf("-- memfd_create failing (seccomp, in a child)\n");
        seccomp_child("memfd_create -> ENOSYS: 8 MiB sendv", ENOSYS, 0);
        seccomp_child("memfd_create -> ENOSYS, open(O_TMPFILE) -> EOPNOTSUPP: 8 MiB sendv", ENOSYS, EOPNOTSUPP);
        seccomp_child("memfd_create -> ENOSYS, open(O_TMPFILE) -> EACCES: 8 MiB sendv", ENOSYS, EACCES);
        seccomp_child("memfd_create -> EPERM: 8 MiB sendv", EPERM, 0);
        seccomp_child("memfd_create -> EINVAL: 8 MiB sendv", EINVAL, 0);
        seccomp_child("memfd_create -> EMFILE: 8 MiB sendv", EMFILE, 0);
#else
        printf("-- memfd_create failing: not on this architecture\n");
#endif
}


/* ------------------------------------------------------------------ sweeps (payload digests) */

/* field i of case n: "F<i>=" and a value whose length and content vary with i and n; every
 * tenth value has a newline (binary form). */
static size_t sweep_field(char *out, int n, int i) {
        size_t vl = (size_t) ((i * 7919u + n * 104729u) % 700u);
        int k = sprintf(out, "F%d=", i);
        for (size_t j = 0; j < vl; j++)
                out[k + j] = (char) ('a' + (j + (size_t) i) % 26);
        if (i % 10 == 0 && vl > 0)
                out[k + vl / 2] = '\n';
        return (size_t) k + vl;
}

static void s_sweeps(void) {
        section("sweeps: field counts 1..510 with varied sizes (payloads as length + FNV-1a)");
        jp_cmd("DIGEST 1");
        char *buf = keep(malloc(510u * 720u));
        struct iovec *v = keep(calloc(510, sizeof *v));
        for (int n = 1; n <= 510; n++) {
                char *p = buf;
                int pieces = 3; /* the implicit identifier */
                for (int i = 0; i < n; i++) {
                        size_t l = sweep_field(p, n, i);
                        v[i].iov_base = p;
                        v[i].iov_len = l;
                        pieces += memchr(p, '\n', l) ? 5 : 2;
                        p += l;
                }
                if (pieces > 1024)
                        continue; /* 252's accidental limit: journal-deliberate's business */
                char l[64];
                snprintf(l, sizeof l, "sweep sendv n=%d", n);
                JL(l, sd_journal_sendv(v, n));
        }
        arena_free();

        section("sweeps: sd_journal_print message lengths (payloads as length + FNV-1a)");
        char *m = keep(malloc(1048700));
        for (size_t i = 0; i < 1048700; i++)
                m[i] = (char) ('A' + i % 23);
        static const size_t ranges[][3] = { { 0, 70, 1 }, { 2000, 2100, 1 }, { 4000, 4200, 7 }, { 8150, 8250, 11 },
                                            { 65500, 65600, 13 }, { 1048500, 1048570, 1 } };
        for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++)
                for (size_t len = ranges[r][0]; len <= ranges[r][1]; len += ranges[r][2]) {
                        char l[64];
                        snprintf(l, sizeof l, "sweep print len=%zu", len);
                        JL(l, sd_journal_print(LOG_NOTICE, "%.*s", (int) len, m));
                }

        section("sweeps: sd_journal_stream_fd identifier lengths (streams as length + FNV-1a)");
        static const size_t ids[][3] = { { 0, 300, 13 }, { 4080, 4110, 3 }, { 65520, 65550, 5 }, { 1048570, 1048580, 5 } };
        for (size_t r = 0; r < sizeof ids / sizeof *ids; r++)
                for (size_t len = ids[r][0]; len <= ids[r][1]; len += ids[r][2]) {
                        char l[64];
                        char c = m[len];
                        m[len] = 0;
                        snprintf(l, sizeof l, "sweep stream_fd identifier len=%zu", len);
                        errno = jp_errno;
                        int fd = sd_journal_stream_fd(m, LOG_NOTICE, 1);
                        int e = errno;
                        m[len] = c;
                        jp_sfd(l, fd, e, "x\n");
                }
        arena_free();

        section("many pieces through the memfd (payloads as length + FNV-1a)");
        {
                char *f = keep(malloc(60004));
                memset(f, 'm', 60003);
                memcpy(f, "M=", 2);
                f[60003] = 0;
                J(sd_journal_sendv(many(100, f), 100));
                f[30000] = '\n';
                J(sd_journal_sendv(many(150, f), 150));
                J(sd_journal_sendv(many(204, f), 204));
        }
        arena_free();
        jp_cmd("DIGEST 0");
}

/* ------------------------------------------------------------------ identifiers */

static void s_ident(const char *self) {
        section("the implicit SYSLOG_IDENTIFIER: program_invocation_short_name");
        char *saved = program_invocation_short_name;
        static const char *names[] = { "plain", "", "sp ace", "a=b", "q\"uote", "s'q", "b\\s", "tab\tx", "nl\nx",
                                       "\x01", "\x1f", "\x7f", "\x80", "\xff", "h\xc3\xa9llo", "%s%n", "SYSLOG_IDENTIFIER=x" };
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
                struct sbuf l = { 0 };
                program_invocation_short_name = (char *) names[i];
                sb_add(&l, "short name ", 11);
                sb_quoted(&l, names[i], strlen(names[i]));
                sb_add(&l, ": sd_journal_print(LOG_INFO, \"m\")", 33);
                JL(l.p, sd_journal_print(LOG_INFO, "m"));
                free(l.p);
        }
        program_invocation_short_name = xs(5000, 'n');
        JL("short name of 5000 bytes: sd_journal_print(LOG_INFO, \"m\")", sd_journal_print(LOG_INFO, "m"));
        program_invocation_short_name = NULL;
        JL("short name NULL: sd_journal_print(LOG_INFO, \"m\")", sd_journal_print(LOG_INFO, "m"));
        JL("short name NULL: sd_journal_sendv(512 fields)", sd_journal_sendv(many(512, "F=1"), 512));
        program_invocation_short_name = (char *) "tab\tx";
        JL("short name \"tab\\tx\": sd_journal_sendv(512 fields)", sd_journal_sendv(many(512, "F=1"), 512));
        JL("short name \"tab\\tx\": sd_journal_sendv(204 multi-line fields)", sd_journal_sendv(many(204, "F=a\nb"), 204));
        program_invocation_short_name = (char *) "first";
        JL("short name \"first\", then \"second\": sd_journal_print(LOG_INFO, \"1\")", sd_journal_print(LOG_INFO, "1"));
        program_invocation_short_name = (char *) "second";
        JL("                                  sd_journal_print(LOG_INFO, \"2\")", sd_journal_print(LOG_INFO, "2"));
        program_invocation_short_name = saved;
        arena_free();

        section("the implicit SYSLOG_IDENTIFIER: programs started under other names");
        char dir[PATH_MAX];
        make_scratch_dir(dir, sizeof dir, "jdiff-ident.XXXXXX");
        setenv("JDIFF_SCRATCH", dir, 1);
        static const char *links[] = { "tab\tname", "q\"uote", "bs\\x", "plain-name", "sp ace" };
        for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
                const char *path = dir_path(dir, links[i]);
                if (symlink(self, path) < 0)
                        die("symlink");
                pid_t p = fork_flushed();
                if (p == 0) {
                        execl(path, path, "--ident", (char *) NULL);
                        _exit(127);
                }
                int st = jp_wait(p);
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        printf("  child: %s\n", jp_status(st));
                jp_collect();
                unlink(path);
        }
        unsetenv("JDIFF_SCRATCH");
        static const char *argv0s[] = { "dir/", "", "/a/b/", "x/y/z", "-dash" };
        for (size_t i = 0; i < sizeof argv0s / sizeof *argv0s; i++) {
                pid_t p = fork_flushed();
                if (p == 0) {
                        execl(self, argv0s[i], "--ident", (char *) NULL);
                        _exit(127);
                }
                int st = jp_wait(p);
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        printf("  child: %s\n", jp_status(st));
                jp_collect();
        }
        rmdir(dir);
}

static int mode_ident(const char *argv0) {
        struct sbuf o = { 0 };
        const char *scr = getenv("JDIFF_SCRATCH");
        sb_add(&o, "started as ", 11);
        if (scr && *scr && strncmp(argv0, scr, strlen(scr)) == 0) {
                sb_add(&o, "SCRATCH", 7);
                sb_quoted(&o, argv0 + strlen(scr), strlen(argv0 + strlen(scr)));
        } else
                sb_quoted(&o, argv0, strlen(argv0));
        sb_add(&o, ", short name ", 13);
        if (program_invocation_short_name)
                sb_quoted(&o, program_invocation_short_name, strlen(program_invocation_short_name));
        else
                sb_add(&o, "NULL", 4);
        errno = EXDEV;
        int r = sd_journal_print(LOG_INFO, "m");
        int e = errno;
        sb_printf(&o, ": sd_journal_print(LOG_INFO, \"m\") = %s errno=%s", rs(r), errname(e));
        struct iovec *v = calloc(510, sizeof *v);
        for (int i = 0; i < 510; i++)
                v[i] = IOV("F=1");
        errno = EXDEV;
        r = sd_journal_sendv(v, 510);
        e = errno;
        sb_printf(&o, "; sd_journal_sendv(510 fields) = %s errno=%s", rs(r), errname(e));
        printf("%s\n", o.p);
        return 0;
}

/* ------------------------------------------------------------------ threads, fork, stdio */

#define NTHR 8
#define NCALLS 50
static pthread_barrier_t bar;
static int thr_fail;

static void *logger(void *a) {
        (void) a;
        pthread_barrier_wait(&bar);
        for (int i = 0; i < NCALLS; i++)
                if (sd_journal_print(LOG_INFO, "from a thread") != 0)
                        __atomic_add_fetch(&thr_fail, 1, __ATOMIC_SEQ_CST);
        return NULL;
}

static int mode_threads(void) {
        pthread_t t[NTHR];
        for (int fd = 0; fd < 3; fd++)
                jp_own_fd(fd);
        pthread_barrier_init(&bar, NULL, NTHR);
        for (int i = 0; i < NTHR; i++)
                pthread_create(&t[i], NULL, logger, NULL);
        for (int i = 0; i < NTHR; i++)
                pthread_join(t[i], NULL);
        printf("%d threads x %d calls, started together in a fresh process: %d failed\n", NTHR, NCALLS, thr_fail);
        jp_lib_sockets("after the threads");
        return 0;
}

static int mode_fresh(void) {
        for (int fd = 0; fd < 3; fd++)
                jp_own_fd(fd);
        printf("fresh process, uid %u:\n", (unsigned) getuid());
        jp_lib_sockets("before any call");
        errno = EXDEV;
        int r = sd_journal_print(LOG_INFO, "fresh");
        printf("sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
        jp_lib_sockets("after it");
        size_t n = 5u << 20;
        char *b = malloc(n);
        memset(b, 'r', n);
        memcpy(b, "R=", 2);
        errno = EXDEV;
        r = sd_journal_sendv((struct iovec[]) { IOVN(b, n) }, 1);
        printf("sd_journal_sendv(5 MiB) = %s errno=%s\n", rs(r), errname(errno));
        n = 300000;
        errno = EXDEV;
        r = sd_journal_sendv((struct iovec[]) { IOVN(b, n) }, 1);
        printf("sd_journal_sendv(300000 bytes) = %s errno=%s\n", rs(r), errname(errno));
        jp_lib_sockets("at the end");
        free(b);
        return 0;
}

/* fds exhausted (RLIMIT_NOFILE 32) in a fresh process */
static int mode_emfile(void) {
        struct rlimit rl = { 32, 32 };
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
                printf("SETUP-FAILED: setrlimit\n");
                return 0;
        }
        int last = -1;
        for (;;) {
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        break;
                last = fd;
        }
        int r;
        errno = EXDEV;
        r = sd_journal_print(LOG_INFO, "no fd left");
        printf("no fd left, no library socket yet: sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
        errno = EXDEV;
        r = sd_journal_stream_fd("nofd", LOG_INFO, 0);
        printf("no fd left: sd_journal_stream_fd = %s errno=%s\n", r >= 0 ? "FD" : rs(r), errname(errno));
        close(last);
        errno = EXDEV;
        r = sd_journal_print(LOG_INFO, "one fd free");
        printf("one fd free: sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
        size_t n = 8u << 20;
        char *b = malloc(n);
        memset(b, 'e', n);
        memcpy(b, "E=", 2);
        errno = EXDEV;
        r = sd_journal_sendv((struct iovec[]) { IOVN(b, n) }, 1);
        printf("socket made, no fd left: sd_journal_sendv(8 MiB) = %s errno=%s\n", rs(r), errname(errno));
        errno = EXDEV;
        r = sd_journal_stream_fd("nofd", LOG_INFO, 0);
        printf("socket made, no fd left: sd_journal_stream_fd = %s errno=%s\n", r >= 0 ? "FD" : rs(r), errname(errno));
        free(b);
        return 0;
}

static int mode_stdio_closed(void) {
        jp_own_fd(1);
        jp_own_fd(2);
        close(0);
        errno = EXDEV;
        int r = sd_journal_stream_fd("stdin-closed", LOG_INFO, 0);
        int e = errno;
        printf("fresh process, fd 0 closed: sd_journal_stream_fd = %s%s errno=%s\n", r >= 0 ? "FD" : rs(r),
               r == 0 ? " (fd 0)" : r > 0 ? " (fd > 0)" : "", errname(e));
        if (r >= 0)
                close(r);
        errno = EXDEV;
        r = sd_journal_print(LOG_INFO, "stdin closed");
        printf("then sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
        jp_lib_sockets("with fd 0 closed before the first call");
        return 0;
}

static void s_process(const char *self) {
        section("threads, fork, closed stdio");
        pid_t p = fork_flushed();
        if (p == 0) {
                execl(self, self, "--threads", (char *) NULL);
                _exit(127);
        }
        int st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                execl(self, self, "--stdio-closed", (char *) NULL);
                _exit(127);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                execl(self, self, "--emfile", (char *) NULL);
                _exit(127);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                execl(self, self, "--fresh", (char *) NULL);
                _exit(127);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        printf("SETUP-FAILED: cannot become uid 65534\n");
                        _exit(0);
                }
                execl(self, self, "--fresh", (char *) NULL);
                _exit(127);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                errno = EXDEV;
                int r = sd_journal_print(LOG_INFO, "from a forked child");
                printf("forked child: sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
                jp_lib_sockets("in the forked child");
                fflush(stdout);
                _exit(0);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        p = fork_flushed();
        if (p == 0) {
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        printf("SETUP-FAILED: cannot become uid 65534\n");
                        _exit(0);
                }
                errno = EXDEV;
                int r = sd_journal_print(LOG_INFO, "from uid 65534");
                printf("uid 65534: sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
                errno = EXDEV;
                r = sd_journal_stream_fd("nobody", LOG_INFO, 0);
                printf("uid 65534: sd_journal_stream_fd = %s errno=%s\n", r >= 0 ? "FD" : rs(r), errname(errno));
                if (r >= 0) {
                        struct sbuf o = { 0 };
                        jp_describe_sock(&o, r);
                        printf("  %s\n", o.p);
                        close(r);
                }
                fflush(stdout);
                _exit(0);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();

        jp_state("private");
        p = fork_flushed();
        if (p == 0) {
                if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) {
                        printf("SETUP-FAILED: cannot become uid 65534\n");
                        _exit(0);
                }
                errno = EXDEV;
                int r = sd_journal_print(LOG_INFO, "from uid 65534, journal dir 0700");
                printf("uid 65534, /run/systemd/journal 0700: sd_journal_print = %s errno=%s\n", rs(r), errname(errno));
                errno = EXDEV;
                r = sd_journal_perror("p");
                printf("uid 65534, /run/systemd/journal 0700: sd_journal_perror = %s errno=%s\n", rs(r), errname(errno));
                errno = EXDEV;
                r = sd_journal_stream_fd("nobody", LOG_INFO, 0);
                printf("uid 65534, /run/systemd/journal 0700: sd_journal_stream_fd = %s errno=%s\n", r >= 0 ? "FD" : rs(r), errname(errno));
                if (r >= 0)
                        close(r);
                fflush(stdout);
                _exit(0);
        }
        st = jp_wait(p);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                printf("  child: %s\n", jp_status(st));
        jp_collect();
        jp_state("normal");
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        if (argc == 2 && !strcmp(argv[1], "--ident"))
                return mode_ident(argv[0]);
        if (argc == 2 && !strcmp(argv[1], "--threads"))
                return mode_threads();
        if (argc == 2 && !strcmp(argv[1], "--stdio-closed"))
                return mode_stdio_closed();
        if (argc == 2 && !strcmp(argv[1], "--fresh"))
                return mode_fresh();
        if (argc == 2 && !strcmp(argv[1], "--emfile"))
                return mode_emfile();
        char self[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
        if (k <= 0)
                die("readlink /proc/self/exe");
        self[k] = 0;

        jp_start();
        s_first();
        s_states();
        s_print();
        s_location();
        s_send();
        s_sendv();
        s_perror();
        s_stream();
        s_memfd();
        s_sweeps();
        s_ident(self);
        s_process(self);
        jp_lib_sockets("at the end");
        jp_stop();
        printf("== end\n");
        return 0;
}
