/* c-tests/journal/journal-deliberate.c -- the inputs on which sdlite deliberately differs from
 * libsystemd 252, with both behaviours asserted explicitly.
 *
 * Built once against Debian's <systemd/sd-journal.h> (-DSD_JOURNAL_SUPPRESS_LOCATION, -lsystemd)
 * and run like journal-diff (jprobe.h) with JP_EXPECT=252 or JP_EXPECT=sdlite: the suite sets it
 * from the library the run actually maps. Every case runs in a forked child (252 crashes on some),
 * prints what happened (return value, errno, fd delta, how the child ended, what the fake journald
 * received) and then one line "ok - ..." or "not ok - ..." for the expectation of JP_EXPECT.
 * Exit status: 0 when every expectation held, 1 otherwise. Output is not compared between the two
 * libraries (it differs by design); the expectations are the test.
 *
 *   252                                            sdlite
 *   NULL file/line/func in *_with_location         crash (SIGSEGV)          -EINVAL, nothing sent
 *     (after the checks 252 makes first)
 *   sendv: more than 1024 iovec pieces             -EINVAL, nothing sent    0, every field sent
 *     (511 plain fields, 205 multi-line, 509 fields + location, 513 with SYSLOG_IDENTIFIER, ...)
 *   sendv: n >= 52,429                             SIGABRT                  0, every field sent
 *   stream_fd: identifier >= 4,194,293 bytes       SIGABRT                  fd, full header sent
 *   stream_fd: journald closes the connection      killed by SIGPIPE        -EPIPE, alive, no fd leak
 *     before the header is written
 *   a forked child closed the library's socket     -EBADF / -ENOTSOCK /     0, entry sent from a socket
 *     or reused its number (pipe, stream socket,     fails / sends through    of its own, the child's fd
 *     its own datagram socket)                       the child's socket       untouched
 *   sd_journal_send with a custom printf type      SIGABRT                  -EINVAL, nothing sent
 *   sd_journal_send: 128 conversions in a format   SIGABRT                  0, sent
 *   sd_journal_print of >= 2048 bytes whose second SIGABRT                  0, cut at the first pass's
 *     vsnprintf pass differs (custom specifier)                             length
 *   sd_journal_stream_fd_with_namespace            not exported             LIBSYSTEMD_256; systemd
 *                                                                           256's namespace rules
 */
#define TESTLIB_PROG "journal-deliberate"
#include "jprobe.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

static int is252;
static int n_ok, n_bad;

__attribute__((format(printf, 2, 3))) static void verdict(int ok, const char *fmt, ...) {
        va_list ap;
        printf("%s - ", ok ? "ok" : "not ok");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        if (ok)
                n_ok++;
        else
                n_bad++;
}

struct obs {
        int have;      /* the child reported r/e/d */
        int r, e, d;   /* return value, errno after, fd delta */
        int st;        /* wait status */
        char *recs;    /* what the fake journald received */
};

typedef int (*casefn)(void);

/* Run fn in a forked child with errno = EXDEV before; print and return what happened. */
static struct obs run_case(const char *label, casefn fn) {
        struct obs o = { 0 };
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                die("pipe2");
        pid_t pid = fork_flushed();
        if (pid == 0) {
                close(p[0]);
                int fb = count_fds();
                errno = EXDEV;
                int r = fn();
                int e = errno;
                int out[3] = { r, e, count_fds() - fb };
                (void) !write(p[1], out, sizeof out);
                _exit(0);
        }
        close(p[1]);
        int in[3];
        ssize_t k;
        while ((k = read(p[0], in, sizeof in)) < 0 && errno == EINTR)
                ;
        close(p[0]);
        o.st = jp_wait(pid);
        if (k == (ssize_t) sizeof in) {
                o.have = 1;
                o.r = in[0];
                o.e = in[1];
                o.d = in[2];
        }
        o.recs = jp_collect_text();
        printf("%s:", label);
        if (o.have) {
                printf(" r=%s errno=%s", o.r >= 0 && o.r != 0 ? "FD" : rs(o.r), errname(o.e));
                if (o.d)
                        printf(" fds%+d", o.d);
                printf(";");
        }
        printf(" child %s\n%s", jp_status(o.st), *o.recs ? o.recs : "  -\n");
        fflush(stdout);
        return o;
}

static int killed_by(const struct obs *o, int sig) {
        return !o->have && WIFSIGNALED(o->st) && WTERMSIG(o->st) == sig;
}

static int exited_ok(const struct obs *o) {
        return o->have && WIFEXITED(o->st) && WEXITSTATUS(o->st) == 0;
}

/* the data="..." text of the only datagram (its memfd's contents if it carried one); NULL if
 * the fake did not receive exactly one datagram and nothing else */
static char *only_payload(const char *recs, const char *kind) {
        int n = 0;
        const char *line = recs, *hit = NULL;
        while (*line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t) (nl - line) : strlen(line);
                if (len > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ') {
                        n++;
                        if (strncmp(line + 2, kind, strlen(kind)) == 0)
                                hit = line;
                }
                line += len + (nl ? 1 : 0);
        }
        if (n != 1 || !hit)
                return NULL;
        const char *eol = strchr(hit, '\n');
        if (strcmp(kind, "dgram") == 0 && strstr(hit, " fds=1 data=\"\"") && eol && strstr(eol + 1, "    fd: ") == eol + 1) {
                hit = eol + 1; /* the memfd's line */
                eol = strchr(hit, '\n');
        }
        if (!eol)
                return NULL;
        const char *d = strstr(hit, "data=\"");
        if (!d || d > eol)
                return NULL;
        d += 6;
        size_t len = (size_t) (eol - 1 - d); /* up to the closing quote */
        char *out = malloc(len + 1);
        memcpy(out, d, len);
        out[len] = 0;
        return out;
}

/* jcommon's text for bytes, without the quotes */
static char *enc(const struct sbuf *b) {
        struct sbuf o = { 0 };
        sb_bytes(&o, b->p ? b->p : "", b->n);
        if (!o.p)
                sb_add(&o, "", 0);
        return o.p;
}

static void ident(struct sbuf *b) {
        sb_printf(b, "SYSLOG_IDENTIFIER=%s\n", program_invocation_short_name);
}

static struct iovec *many(int n, const char *s) {
        struct iovec *v = calloc((size_t) n, sizeof *v);
        if (!v)
                die("calloc");
        for (int i = 0; i < n; i++) {
                v[i].iov_base = (void *) s;
                v[i].iov_len = strlen(s);
        }
        return v;
}

/* ------------------------------------------------------------------ NULL location arguments */

static int pvl(int prio, const char *file, const char *line, const char *func, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = sd_journal_printv_with_location(prio, file, line, func, fmt, ap);
        va_end(ap);
        return r;
}

#define IOV1 ((struct iovec[]) { { (void *) "MESSAGE=m", 9 } })
static int nl1(void) { return sd_journal_print_with_location(LOG_INFO, NULL, "CODE_LINE=1", "f", "m"); }
static int nl2(void) { return sd_journal_print_with_location(LOG_INFO, "CODE_FILE=a", NULL, "f", "m"); }
static int nl3(void) { return sd_journal_print_with_location(LOG_INFO, "CODE_FILE=a", "CODE_LINE=1", NULL, "m"); }
static int nl4(void) { return pvl(LOG_INFO, NULL, "CODE_LINE=1", "f", "m"); }
static int nl5(void) { return pvl(LOG_INFO, "CODE_FILE=a", NULL, "f", "m"); }
static int nl6(void) { return pvl(LOG_INFO, "CODE_FILE=a", "CODE_LINE=1", NULL, "m"); }
static int nl7(void) { return sd_journal_send_with_location(NULL, "CODE_LINE=1", "f", "MESSAGE=m", NULL); }
static int nl8(void) { return sd_journal_send_with_location("CODE_FILE=a", NULL, "f", "MESSAGE=m", NULL); }
static int nl9(void) { return sd_journal_send_with_location("CODE_FILE=a", "CODE_LINE=1", NULL, "MESSAGE=m", NULL); }
static int nl10(void) { return sd_journal_sendv_with_location(NULL, "CODE_LINE=1", "f", IOV1, 1); }
static int nl11(void) { return sd_journal_sendv_with_location("CODE_FILE=a", NULL, "f", IOV1, 1); }
static int nl12(void) { return sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", NULL, IOV1, 1); }
static int nl13(void) { return sd_journal_perror_with_location(NULL, "CODE_LINE=1", "f", "m"); }
static int nl14(void) { return sd_journal_perror_with_location("CODE_FILE=a", NULL, "f", "m"); }
static int nl15(void) { return sd_journal_perror_with_location("CODE_FILE=a", "CODE_LINE=1", NULL, "m"); }
static int nl16(void) { return sd_journal_send_with_location(NULL, NULL, NULL, NULL); }

static void s_null_location(void) {
        section("NULL file/line/func in the *_with_location forms (after the checks 252 makes first)");
        static const struct { const char *label; casefn fn; } c[] = {
                { "sd_journal_print_with_location(LOG_INFO, NULL, \"CODE_LINE=1\", \"f\", \"m\")", nl1 },
                { "sd_journal_print_with_location(LOG_INFO, \"CODE_FILE=a\", NULL, \"f\", \"m\")", nl2 },
                { "sd_journal_print_with_location(LOG_INFO, \"CODE_FILE=a\", \"CODE_LINE=1\", NULL, \"m\")", nl3 },
                { "sd_journal_printv_with_location(LOG_INFO, NULL, \"CODE_LINE=1\", \"f\", \"m\")", nl4 },
                { "sd_journal_printv_with_location(LOG_INFO, \"CODE_FILE=a\", NULL, \"f\", \"m\")", nl5 },
                { "sd_journal_printv_with_location(LOG_INFO, \"CODE_FILE=a\", \"CODE_LINE=1\", NULL, \"m\")", nl6 },
                { "sd_journal_send_with_location(NULL, \"CODE_LINE=1\", \"f\", \"MESSAGE=m\", NULL)", nl7 },
                { "sd_journal_send_with_location(\"CODE_FILE=a\", NULL, \"f\", \"MESSAGE=m\", NULL)", nl8 },
                { "sd_journal_send_with_location(\"CODE_FILE=a\", \"CODE_LINE=1\", NULL, \"MESSAGE=m\", NULL)", nl9 },
                { "sd_journal_sendv_with_location(NULL, \"CODE_LINE=1\", \"f\", {\"MESSAGE=m\"}, 1)", nl10 },
                { "sd_journal_sendv_with_location(\"CODE_FILE=a\", NULL, \"f\", {\"MESSAGE=m\"}, 1)", nl11 },
                { "sd_journal_sendv_with_location(\"CODE_FILE=a\", \"CODE_LINE=1\", NULL, {\"MESSAGE=m\"}, 1)", nl12 },
                { "sd_journal_perror_with_location(NULL, \"CODE_LINE=1\", \"f\", \"m\")", nl13 },
                { "sd_journal_perror_with_location(\"CODE_FILE=a\", NULL, \"f\", \"m\")", nl14 },
                { "sd_journal_perror_with_location(\"CODE_FILE=a\", \"CODE_LINE=1\", NULL, \"m\")", nl15 },
                { "sd_journal_send_with_location(NULL, NULL, NULL, NULL)", nl16 },
        };
        for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
                struct obs o = run_case(c[i].label, c[i].fn);
                if (is252)
                        verdict(killed_by(&o, SIGSEGV), "252: the child is killed by SIGSEGV");
                else
                        verdict(exited_ok(&o) && o.r == -EINVAL && o.e == EXDEV && !*o.recs,
                                "sdlite: returns -EINVAL, errno unchanged (EXDEV), nothing sent");
                free(o.recs);
        }
}

/* ------------------------------------------------------------------ the iovec limit */

static int fld_n;
static const char *fld_s, *fld_first;
static int fld_case(void) {
        struct iovec *v = many(fld_n, fld_s);
        if (fld_first) {
                v[0].iov_base = (void *) fld_first;
                v[0].iov_len = strlen(fld_first);
        }
        return sd_journal_sendv(v, fld_n);
}
static int fld_loc_case(void) {
        return sd_journal_sendv_with_location("CODE_FILE=a", "CODE_LINE=1", "f", many(fld_n, fld_s), fld_n);
}

/* the native-protocol encoding of one field, as 252 writes it */
static void encode_field(struct sbuf *b, const char *f, size_t n) {
        const char *eq = memchr(f, '=', n);
        if (memchr(f, '\n', n)) {
                uint64_t l = (uint64_t) (n - (size_t) (eq - f) - 1);
                unsigned char le[8];
                for (int i = 0; i < 8; i++)
                        le[i] = (unsigned char) (l >> (8 * i));
                sb_add(b, f, (size_t) (eq - f));
                sb_add(b, "\n", 1);
                sb_add(b, (const char *) le, 8);
                sb_add(b, eq + 1, (size_t) l);
        } else
                sb_add(b, f, n);
        sb_add(b, "\n", 1);
}

static void fields_case(const char *label, int n, const char *s, const char *first, int with_location, int state_nodir) {
        fld_n = n;
        fld_s = s;
        fld_first = first;
        if (state_nodir)
                jp_state("nodir");
        struct obs o = run_case(label, with_location ? fld_loc_case : fld_case);
        if (state_nodir)
                jp_state("normal");
        struct sbuf want = { 0 };
        for (int i = 0; i < n; i++) {
                const char *f = (i == 0 && first) ? first : s;
                encode_field(&want, f, strlen(f));
        }
        if (with_location)
                sb_add(&want, "CODE_FILE=a\nCODE_LINE=1\nCODE_FUNC=f\n", 36);
        if (!first)
                ident(&want);
        char *w = enc(&want), *got = only_payload(o.recs, "dgram");
        int abort252 = n >= 52429;
        if (is252) {
                if (abort252)
                        verdict(killed_by(&o, SIGABRT), "252: the child is killed by SIGABRT (an assertion on the field count)");
                else
                        verdict(exited_ok(&o) && o.r == -EINVAL && o.e == EXDEV && !*o.recs,
                                "252: -EINVAL (more than 1024 iovec pieces), errno unchanged, nothing sent");
        } else if (state_nodir)
                verdict(exited_ok(&o) && o.r == 0 && o.e == EXDEV && !*o.recs && o.d == 0,
                        "sdlite: 0 (journald absent), errno unchanged, nothing sent, no fd left open");
        else
                verdict(exited_ok(&o) && o.r == 0 && o.e == EXDEV && got && strcmp(got, w) == 0,
                        "sdlite: 0, errno unchanged, one datagram (or memfd) holding exactly the %d fields%s%s",
                        n, with_location ? " + the 3 location fields" : "", first ? "" : " + SYSLOG_IDENTIFIER");
        if (!is252 && !state_nodir && got && strcmp(got, w) != 0) {
                size_t i = 0;
                while (got[i] && got[i] == w[i])
                        i++;
                printf("  expected payload differs at text offset %zu: expected \"%.60s\", got \"%.60s\"\n", i, w + i, got + i);
        }
        free(w);
        free(got);
        free(want.p);
        free(o.recs);
}

static void s_iovec_limit(void) {
        section("sd_journal_sendv beyond 252's 1024-iovec limit");
        char big[10003];
        memset(big, 'f', sizeof big - 1);
        memcpy(big, "F=", 2);
        big[sizeof big - 1] = 0;
        fields_case("sd_journal_sendv(511 x \"F=1\")", 511, "F=1", NULL, 0, 0);
        fields_case("sd_journal_sendv(512 x \"F=1\")", 512, "F=1", NULL, 0, 0);
        fields_case("sd_journal_sendv(1000 x \"F=1\")", 1000, "F=1", NULL, 0, 0);
        fields_case("sd_journal_sendv(205 x \"F=a\\nb\")", 205, "F=a\nb", NULL, 0, 0);
        fields_case("sd_journal_sendv(\"SYSLOG_IDENTIFIER=given\" + 512 x \"F=1\")", 513, "F=1", "SYSLOG_IDENTIFIER=given", 0, 0);
        fields_case("sd_journal_sendv_with_location(\"CODE_FILE=a\", \"CODE_LINE=1\", \"f\", 509 x \"F=1\")", 509, "F=1", NULL, 1, 0);
        fields_case("sd_journal_sendv(511 x \"F=\" + 10000 bytes) (the memfd path)", 511, big, NULL, 0, 0);
        fields_case("journald absent: sd_journal_sendv(511 x \"F=1\")", 511, "F=1", NULL, 0, 1);
        fields_case("sd_journal_sendv(52428 x \"F=1\")", 52428, "F=1", NULL, 0, 0);
        fields_case("sd_journal_sendv(52429 x \"F=1\")", 52429, "F=1", NULL, 0, 0);
        fields_case("sd_journal_sendv(300000 x \"F=1\")", 300000, "F=1", NULL, 0, 0);
}

/* ------------------------------------------------------------------ huge stream identifiers */

static size_t sid_n;
static int sid_case(void) {
        char *id = malloc(sid_n + 1);
        memset(id, 'I', sid_n);
        id[sid_n] = 0;
        int r = sd_journal_stream_fd(id, LOG_INFO, 0);
        if (r >= 0)
                close(r);
        return r;
}

static void s_stream_identifier(void) {
        section("sd_journal_stream_fd with a huge identifier");
        size_t ns[] = { 4194293, 8u << 20 };
        for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
                char label[96];
                sid_n = ns[i];
                snprintf(label, sizeof label, "sd_journal_stream_fd(%zu x 'I', LOG_INFO, 0)", ns[i]);
                struct obs o = run_case(label, sid_case);
                struct sbuf want = { 0 };
                for (size_t k = 0; k < ns[i]; k++)
                        sb_add(&want, "I", 1);
                sb_add(&want, "\n\n6\n0\n0\n0\n0\n", 12);
                char *w = enc(&want), *got = only_payload(o.recs, "stream");
                if (is252)
                        verdict(killed_by(&o, SIGABRT), "252: the child is killed by SIGABRT");
                else
                        verdict(exited_ok(&o) && o.r > 0 && o.d == 0 && got && strcmp(got, w) == 0 &&
                                        strstr(o.recs, " end=eof "),
                                "sdlite: returns an fd; journald reads the identifier and the 6 header lines, then EOF");
                free(w);
                free(got);
                free(want.p);
                free(o.recs);
        }
}

/* ------------------------------------------------------------------ SIGPIPE */

#define NR_WATCH 6
static const int watched[NR_WATCH] = { __NR_shutdown, __NR_setsockopt, __NR_write, __NR_writev, __NR_sendto, __NR_sendmsg };

/* The child: a seccomp filter makes every write-ish syscall on the fd number the library's stream
 * socket will get wait for the parent, which has the fake journald close the connection first. */
static void s_sigpipe(void) {
        section("sd_journal_stream_fd when journald closes the connection before the header is written");
#ifndef __x86_64__
        printf("not on this architecture\n");
        verdict(1, "skipped: the seccomp filter is written for x86-64");
        return;
#else
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
                die("socketpair");
        pid_t pid = fork_flushed();
        if (pid == 0) {
                close(sp[0]);
                int a = open("/dev/null", O_RDONLY | O_CLOEXEC), b = open("/dev/null", O_RDONLY | O_CLOEXEC);
                close(a);
                close(b); /* the listener will get a, the library's socket b */
                struct sock_filter f[4 + 2 * NR_WATCH + 4];
                int k = 0;
                f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
                f[k++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
                for (int i = 0; i < NR_WATCH; i++) /* jump to the fd check (after the remaining tests + allow) */
                        f[k++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned) watched[i],
                                                               (unsigned char) (NR_WATCH - 1 - i + 1), 0);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
                f[k++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned) b, 0, 1);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
                f[k++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
                struct sock_fprog prog = { (unsigned short) k, f };
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(3);
                int lis = (int) syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
                if (lis < 0)
                        _exit(4);
                union {
                        struct cmsghdr h;
                        char b[CMSG_SPACE(sizeof(int))];
                } cb;
                struct iovec iov = { (void *) "L", 1 };
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cb, .msg_controllen = sizeof cb };
                struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &lis, sizeof lis);
                if (sendmsg(sp[1], &mh, 0) < 0)
                        _exit(5);
                int fb = count_fds();
                errno = EXDEV;
                int r = sd_journal_stream_fd("sigpipe", LOG_INFO, 0);
                int e = errno;
                int out[4] = { r, e, count_fds() - fb, r == b };
                if (r >= 0)
                        close(r);
                (void) !send(sp[1], out, sizeof out, 0);
                _exit(0);
        }
        close(sp[1]);
        char x;
        int lis = -1;
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int))];
        } cb;
        struct iovec iov = { &x, 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &cb, .msg_controllen = sizeof cb };
        if (recvmsg(sp[0], &mh, MSG_CMSG_CLOEXEC) > 0 && CMSG_FIRSTHDR(&mh))
                memcpy(&lis, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof lis);
        int notifs = 0, closed = 0;
        while (lis >= 0) {
                struct pollfd p = { lis, POLLIN, 0 };
                if (poll(&p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        die("poll");
                }
                if (!(p.revents & POLLIN))
                        break; /* POLLHUP: the child is gone */
                struct seccomp_notif req;
                struct seccomp_notif_resp resp;
                memset(&req, 0, sizeof req);
                if (ioctl(lis, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                notifs++;
                char *a = jp_ask("CLOSEALL");
                closed += atoi(a + 2);
                free(a);
                memset(&resp, 0, sizeof resp);
                resp.id = req.id;
                resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                (void) ioctl(lis, SECCOMP_IOCTL_NOTIF_SEND, &resp);
        }
        int st = jp_wait(pid);
        int out[4];
        ssize_t k = recv(sp[0], out, sizeof out, MSG_DONTWAIT);
        close(sp[0]);
        if (lis >= 0)
                close(lis);
        char *recs = jp_collect_text();
        printf("sd_journal_stream_fd(\"sigpipe\", LOG_INFO, 0), journald closing the connection at the first "
               "syscall on the new socket after connect():");
        if (k == (ssize_t) sizeof out)
                printf(" r=%s errno=%s fds%+d;", out[0] >= 0 ? "FD" : rs(out[0]), errname(out[1]), out[2]);
        printf(" child %s; syscalls intercepted: %s; connections closed by journald: %d\n%s", jp_status(st),
               notifs > 0 ? "some" : "none", closed, *recs ? recs : "  -\n");
        if (notifs == 0 || closed == 0)
                printf("  (the probe could not intercept the library's socket: %d notifications)\n", notifs);
        if (is252)
                verdict(WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE && closed == 1,
                        "252: the child is killed by SIGPIPE (write() to the closed connection)");
        else
                verdict(WIFEXITED(st) && WEXITSTATUS(st) == 0 && k == (ssize_t) sizeof out && out[0] == -EPIPE &&
                                out[2] == 0 && closed == 1,
                        "sdlite: returns -EPIPE, the process lives, no fd left open");
        free(recs);
#endif
}

/* ------------------------------------------------------------------ stream_fd_with_namespace */

typedef int (*nsfn_t)(const char *, const char *, int, int);
static nsfn_t nsfn;
static const char *ns_name, *ns_id;
static int ns_prio, ns_lp;
static int ns_case(void) {
        int r = nsfn(ns_name, ns_id, ns_prio, ns_lp);
        if (r >= 0)
                close(r);
        return r;
}

static void hex(const char *s, char *out) {
        for (; *s; s++, out += 2)
                sprintf(out, "%02x", (unsigned char) *s);
        *out = 0;
}

/* want: "FD" + header, or an errno (negative) with nothing received */
static void ns_check(const char *label, const char *name, const char *id, int prio, int lp, const char *link, int want) {
        if (link) {
                char h[1024];
                hex(link, h);
                jp_cmd("NS %s", h);
        }
        ns_name = name;
        ns_id = id;
        ns_prio = prio;
        ns_lp = lp;
        struct obs o = run_case(label, ns_case);
        if (want > 0) {
                struct sbuf hb = { 0 };
                sb_printf(&hb, "%s\n\n%c\n%c\n0\n0\n0\n", id ? id : "", '0' + prio, lp ? '1' : '0');
                char *w = enc(&hb), *got = only_payload(o.recs, "stream");
                verdict(exited_ok(&o) && o.r > 0 && o.d == 0 && got && strcmp(got, w) == 0,
                        "sdlite: returns an fd; journald (at the namespace's socket) reads the 7-line header");
                free(w);
                free(got);
                free(hb.p);
        } else
                verdict(exited_ok(&o) && o.r == want && !*o.recs, "sdlite: returns %s, no connection", rs(want));
        free(o.recs);
}

static void s_namespace(void) {
        section("sd_journal_stream_fd_with_namespace (systemd 256)");
        void *f = dlsym(RTLD_DEFAULT, "sd_journal_stream_fd_with_namespace");
        void *fv = dlvsym(RTLD_DEFAULT, "sd_journal_stream_fd_with_namespace", "LIBSYSTEMD_256");
        printf("dlsym: %s, dlvsym LIBSYSTEMD_256: %s\n", f ? "present" : "absent", fv ? "present" : "absent");
        if (is252) {
                verdict(!f && !fv, "252: not exported");
                return;
        }
        verdict(f && fv && f == fv, "sdlite: exported as sd_journal_stream_fd_with_namespace@LIBSYSTEMD_256");
        if (!f)
                return;
        nsfn = (nsfn_t) f;
        char n79[80], n80[81], n81[82], n222[223], n223[224];
        memset(n79, 'a', 79), n79[79] = 0;
        memset(n80, 'b', 80), n80[80] = 0;
        memset(n81, 'c', 81), n81[81] = 0;
        memset(n222, 'd', 222), n222[222] = 0;
        memset(n223, 'e', 223), n223[223] = 0;

        jp_state("normal");
        ns_check("NULL namespace: (NULL, \"nsid\", 6, 0)", NULL, "nsid", 6, 0, NULL, 1);
        ns_check("NULL namespace: (NULL, NULL, 3, 7)", NULL, NULL, 3, 7, NULL, 1);
        ns_check("NULL namespace: (NULL, \"x\", 8, 0)", NULL, "x", 8, 0, NULL, -EINVAL);
        ns_check("NULL namespace: (NULL, \"x\", -1, 0)", NULL, "x", -1, 0, NULL, -EINVAL);
        jp_state("dgramonly");
        ns_check("NULL namespace, no /run/systemd/journal/stdout", NULL, "x", 6, 0, NULL, -ENOENT);
        /* valid names: only the namespace's socket exists */
        static const char *valid[] = { "foo", "a", "A-Z_0.9:@x", "-", "@", "..." };
        for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
                char label[128];
                jp_state("dgramonly");
                snprintf(label, sizeof label, "namespace \"%s\" (valid)", valid[i]);
                ns_check(label, valid[i], "nsid", 6, 0, valid[i], 1);
        }
        const char *longs[] = { n79, n80, n81, n222 };
        for (size_t i = 0; i < 4; i++) {
                char label[128];
                jp_state("dgramonly");
                snprintf(label, sizeof label, "namespace of %zu characters (valid; socket path %zu bytes)", strlen(longs[i]),
                         strlen("/run/systemd/journal.") + strlen(longs[i]) + strlen("/stdout"));
                ns_check(label, longs[i], "nsid", 6, 0, longs[i], 1);
        }
        jp_state("dgramonly");
        ns_check("namespace \"foo\", valid, priority 8", "foo", "x", 8, 0, "foo", -EINVAL);
        jp_state("dgramonly");
        ns_check("namespace \"foo\", valid, level_prefix 7", "foo", "lp", 4, 7, "foo", 1);
        jp_state("normal");
        ns_check("namespace \"nosuch\": valid, no socket (the default one exists)", "nosuch", "x", 6, 0, NULL, -ENOENT);
        /* invalid names: the directory exists where it can, so connecting would succeed */
        static const char *invalid[] = { "", ".", "..", "a/b", "a b", "a\tb", "a*b", "a?b", "a[b", "a\\b", "a\"b", "a'b",
                                         "h\xc3\xa9", "a\nb", "a+b", "a,b", "a~b", "a$b", "a%b", "a=b", "\x7f" };
        for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
                struct sbuf label = { 0 };
                const char *nm = invalid[i];
                int can_link = *nm && strcmp(nm, ".") && strcmp(nm, "..") && !strchr(nm, '/');
                jp_state("normal");
                sb_add(&label, "namespace ", 10);
                sb_quoted(&label, nm, strlen(nm));
                sb_add(&label, " (invalid)", 10);
                ns_check(label.p, nm, "x", 6, 0, can_link ? nm : NULL, -EINVAL);
                free(label.p);
        }
        jp_state("normal");
        ns_check("namespace of 223 characters (invalid)", n223, "x", 6, 0, n223, -EINVAL);
        jp_state("normal");
}


/* ------------------------------------------------------------------ after fork */

/* In a forked child: the library's datagram socket (made by the parent) is closed, or its number
 * now holds something else; then one sd_journal_print. */
enum { REUSE_CLOSED, REUSE_PIPE, REUSE_STREAM, REUSE_DGRAM };
static int reuse_mode, lib_fd = -1;
static int reuse_case(void) {
        int other = -1, keep = -1;
        close(lib_fd);
        if (reuse_mode == REUSE_PIPE) {
                int p[2];
                if (pipe(p) < 0)
                        return -1000;
                other = p[1];
                keep = p[0];
        } else if (reuse_mode == REUSE_STREAM) {
                struct sockaddr_un so = { .sun_family = AF_UNIX, .sun_path = FJD_STDOUT };
                other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (other < 0 || connect(other, (struct sockaddr *) &so, sizeof so) < 0)
                        return -1000;
        } else if (reuse_mode == REUSE_DGRAM) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "\0jdiff-user-socket" };
                other = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (other < 0 || bind(other, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + 18) < 0)
                        return -1000;
        }
        if (other >= 0 && other != lib_fd) {
                if (dup2(other, lib_fd) < 0)
                        return -1000;
                close(other);
        }
        errno = EXDEV;
        int r = sd_journal_print(LOG_INFO, "child after fork");
        int e = errno;
        /* the user's fd must still be there, untouched */
        struct stat st;
        int still = reuse_mode == REUSE_CLOSED || (fstat(lib_fd, &st) == 0 &&
                    (reuse_mode == REUSE_PIPE ? S_ISFIFO(st.st_mode) : S_ISSOCK(st.st_mode)));
        if (reuse_mode == REUSE_PIPE) {
                int n = -1;
                char b[8];
                close(lib_fd);
                int fl = fcntl(keep, F_GETFL);
                fcntl(keep, F_SETFL, fl | O_NONBLOCK);
                n = (int) read(keep, b, sizeof b);
                if (n > 0)
                        still = 0; /* the library wrote into the user's pipe */
        }
        if (reuse_mode == REUSE_STREAM)
                close(lib_fd); /* so that the fake sees this connection end */
        errno = e;
        return still ? r : -2000;
}

static void s_fork(void) {
        section("after fork: a child that closed the library's socket or reused its number");
        lib_fd = jp_lib_dgram_fd();
        printf("the parent's library socket: %s\n", lib_fd >= 0 ? "found" : "not found");
        if (lib_fd < 0) {
                verdict(0, "the library's datagram socket must exist before these cases");
                return;
        }
        static const struct { int mode; const char *label; } c[] = {
                { REUSE_CLOSED, "child closed the library's socket, then sd_journal_print" },
                { REUSE_PIPE, "child put a pipe at the socket's number, then sd_journal_print" },
                { REUSE_STREAM, "child put a stream socket connected to journald's stdout at the number, then sd_journal_print" },
                { REUSE_DGRAM, "child put its own datagram socket (bound to @jdiff-user-socket) at the number, then sd_journal_print" },
        };
        for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
                reuse_mode = c[i].mode;
                struct obs o = run_case(c[i].label, reuse_case);
                /* the child's own stream connection must have stayed empty; then it is set aside */
                int untouched = 1;
                if (c[i].mode == REUSE_STREAM) {
                        static const char empty[] = "  stream peercred=OTHER,0,0 len=0 end=eof data=\"\"\n";
                        char *at = strstr(o.recs, empty);
                        if (at)
                                memmove(at, at + strlen(empty), strlen(at + strlen(empty)) + 1);
                        else
                                untouched = 0;
                }
                char *got = only_payload(o.recs, "dgram");
                struct sbuf want = { 0 };
                sb_add(&want, "MESSAGE=child after fork\nPRIORITY=6\n", strlen("MESSAGE=child after fork\nPRIORITY=6\n"));
                ident(&want);
                char *w = enc(&want);
                int from_none = strstr(o.recs, " from=none ") != NULL;
                if (is252) {
                        static const int e252[] = { -EBADF, -ENOTSOCK, 0, 0 };
                        if (c[i].mode == REUSE_DGRAM)
                                verdict(exited_ok(&o) && o.r == 0 && got && strcmp(got, w) == 0 &&
                                                strstr(o.recs, " from=@\"jdiff-user-socket\" "),
                                        "252: sends through the child's own socket (the datagram comes from @jdiff-user-socket)");
                        else if (c[i].mode == REUSE_STREAM)
                                verdict(exited_ok(&o) && o.r < 0 && o.r != -2000 && !*o.recs && untouched,
                                        "252: fails (sendmsg on the child's stream socket), no datagram");
                        else
                                verdict(exited_ok(&o) && o.r == e252[c[i].mode] && !*o.recs,
                                        "252: returns %s, nothing sent", rs(e252[c[i].mode]));
                } else
                        verdict(exited_ok(&o) && o.r == 0 && o.e == EXDEV && got && strcmp(got, w) == 0 && from_none && untouched,
                                "sdlite: 0, errno unchanged, the entry arrives from a socket of its own; the child's fd is untouched");
                free(got);
                free(w);
                free(want.p);
                free(o.recs);
        }
}

/* ------------------------------------------------------------------ custom printf types */

#include <printf.h>
static int pa_custom;
static int w_arginfo(const struct printf_info *info, size_t n, int *argtypes, int *size) {
        (void) info;
        if (n > 0) {
                argtypes[0] = pa_custom;
                size[0] = sizeof(int);
        }
        return 1;
}
static void w_va(void *mem, va_list *ap) {
        int v = va_arg(*ap, int);
        memcpy(mem, &v, sizeof v);
}
static int w_out(FILE *f, const struct printf_info *info, const void *const *args) {
        (void) info;
        return fprintf(f, "<%d>", **(const int *const *) args);
}
static int custom_case(void) {
        pa_custom = register_printf_type(w_va);
        if (pa_custom < 0 || register_printf_specifier('W', w_out, w_arginfo) < 0)
                return -1000;
        errno = EXDEV;
        return sd_journal_send("A=%W", 7, "B=%d", 8, NULL);
}

#define D8 "%d%d%d%d%d%d%d%d"
#define A8(b) b + 0, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
static int args128_case(void) {
        return sd_journal_send("A=" D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8 D8,
                               A8(0), A8(8), A8(16), A8(24), A8(32), A8(40), A8(48), A8(56), A8(64), A8(72), A8(80),
                               A8(88), A8(96), A8(104), A8(112), A8(120), "B=%d", 7, NULL);
}

/* %V prints a string one character longer at every call: the two vsnprintf passes of a long
 * message disagree about its length */
static int v_calls;
static int v_arginfo(const struct printf_info *info, size_t n, int *argtypes, int *size) {
        (void) info;
        (void) size;
        (void) n;
        (void) argtypes;
        return 0;
}
static int v_out(FILE *f, const struct printf_info *info, const void *const *args) {
        (void) info;
        (void) args;
        v_calls++;
        for (int i = 0; i < v_calls; i++)
                fputc('v', f);
        return v_calls;
}
static char vprefix[3001];
static int growing_case(void) {
        if (register_printf_specifier('V', v_out, v_arginfo) < 0)
                return -1000;
        memset(vprefix, 'p', 3000);
        errno = EXDEV;
        return sd_journal_print(LOG_INFO, "%s%V", vprefix);
}

static void s_printf_types(void) {
        {
                section("sd_journal_send: a format with 128 conversions");
                struct obs o = run_case("sd_journal_send(\"A=%d...%d\" (128 x %d), 0..127, \"B=%d\", 7, NULL)", args128_case);
                struct sbuf want = { 0 };
                sb_add(&want, "A=", 2);
                for (int i = 0; i < 128; i++)
                        sb_printf(&want, "%d", i);
                sb_add(&want, "\nB=7\n", 5);
                ident(&want);
                char *w = enc(&want), *got = only_payload(o.recs, "dgram");
                if (is252)
                        verdict(killed_by(&o, SIGABRT), "252: the child is killed by SIGABRT (an assertion: fewer than 128 arguments)");
                else
                        verdict(exited_ok(&o) && o.r == 0 && o.e == EXDEV && got && strcmp(got, w) == 0,
                                "sdlite: 0, errno unchanged, both fields sent");
                free(w);
                free(got);
                free(want.p);
                free(o.recs);
        }
        {
                section("sd_journal_print: a long message whose second formatting pass comes out longer");
                struct obs o = run_case("sd_journal_print(LOG_INFO, \"%s%V\", 3000 x 'p') with %V growing at every call", growing_case);
                struct sbuf want = { 0 };
                sb_add(&want, "MESSAGE=", 8);
                for (int i = 0; i < 3000; i++)
                        sb_add(&want, "p", 1);
                sb_add(&want, "v", 1); /* the first pass measured 3001 bytes: the second is cut there */
                sb_add(&want, "\nPRIORITY=6\n", 12);
                ident(&want);
                char *w = enc(&want), *got = only_payload(o.recs, "dgram");
                if (is252)
                        verdict(killed_by(&o, SIGABRT), "252: the child is killed by SIGABRT (assert_se on the second vsnprintf)");
                else
                        verdict(exited_ok(&o) && o.r == 0 && got && strcmp(got, w) == 0,
                                "sdlite: 0, the message as long as the first pass measured");
                free(w);
                free(got);
                free(want.p);
                free(o.recs);
        }

        section("sd_journal_send with a printf type registered by the program (register_printf_type)");

        struct obs o = run_case("sd_journal_send(\"A=%W\", 7, \"B=%d\", 8, NULL) with %W a custom type", custom_case);
        if (is252)
                verdict(killed_by(&o, SIGABRT), "252: the child is killed by SIGABRT (an unknown argument type)");
        else
                verdict(exited_ok(&o) && o.r == -EINVAL && o.e == EXDEV && !*o.recs,
                        "sdlite: -EINVAL, errno unchanged, nothing sent");
        free(o.recs);
}

int main(void) {
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
        const char *e = getenv("JP_EXPECT");
        if (!e || (strcmp(e, "252") && strcmp(e, "sdlite"))) {
                fprintf(stderr, "journal-deliberate: set JP_EXPECT=252 or JP_EXPECT=sdlite\n");
                return 2;
        }
        is252 = !strcmp(e, "252");
        jp_start();
        printf("expectations: %s\n", e);
        /* the library's datagram socket is made once, here, so that a child's fd delta shows only
         * what a call leaves behind */
        jp_state("nodir");
        errno = EXDEV;
        int r = sd_journal_print(LOG_INFO, "prime");
        printf("priming sd_journal_print with journald absent = %s errno=%s\n", rs(r), errname(errno));
        jp_state("normal");
        jp_lib_sockets("after priming");
        s_null_location();
        s_iovec_limit();
        s_stream_identifier();
        s_sigpipe();
        s_fork();
        s_printf_types();
        s_namespace();
        jp_stop();
        printf("# %d ok, %d not ok\n", n_ok, n_bad);
        return n_bad ? 1 : 0;
}
