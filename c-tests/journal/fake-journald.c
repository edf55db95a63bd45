/* c-tests/journal/fake-journald.c -- a fake systemd-journald for the journal differential tests.
 *
 *   fake-journald CTLFD
 *
 * Started by a probe (fork + exec) with one end of a SOCK_STREAM socketpair as CTLFD. It binds
 *   FJD_SOCKET  AF_UNIX SOCK_DGRAM, SO_PASSCRED       (the native protocol)
 *   FJD_STDOUT  AF_UNIX SOCK_STREAM, listening        (sd_journal_stream_fd)
 * in FJD_DIR (/run/systemd/.fake-journald) and exposes them at /run/systemd/journal/{socket,stdout}
 * as hard links (state "normal"), or puts other things at those paths (STATE below). It reads
 * everything that arrives, all the time (a writer never blocks on it unless PAUSEd), and keeps
 * it as canonical text (jcommon.h's byte encoding) until the probe COLLECTs it.
 *
 * It refuses to run unless it is in a mount namespace other than PID 1's and /run/systemd is
 * empty when it starts (a fresh tmpfs): it never touches a real journal.
 *
 * Commands (one line each on CTLFD; every reply is text ending in a NUL byte):
 *   STATE name      rebuild /run/systemd/journal* (see set_state()) -> "OK"
 *   NS hexname      also link both sockets into /run/systemd/journal.<name>/ -> "OK"
 *   PAUSE, RESUME   stop / start reading datagrams -> "OK"
 *   DIGEST 1|0      record payloads as length + FNV-1a only (for sweeps), or in full -> "OK"
 *   STREAMCLOSE n   the next (non-marker) stream connection: read n bytes, then close it -> "OK"
 *   CLOSEALL        accept pending stream connections, read what they sent, close them all
 *                   -> "OK n" (n closed)
 *   COLLECT id      the probe has sent the datagram FJD_MARK "id" to FJD_SOCKET and made one
 *                   stream connection to FJD_STDOUT carrying the same bytes, after the call(s)
 *                   it wants recorded. Wait until both markers have arrived and every stream
 *                   connection accepted before the marker has reached EOF (at most 20 s), then
 *                   reply with the records, one per line (empty when nothing came):
 *       "  dgram len=N cred=PID,UID,GID from=ADDR fds=K data="…""
 *       "    fd: link="…" type=reg mode=0777 nlink=0 size=N pos=N fl=0100002 seals=0xf data="…" fnv=…"
 *       "  stream peercred=PID,UID,GID len=N end=eof data="…""
 *     PID is PROBE (this process's parent, the probe) or OTHER. Consecutive identical datagram
 *     records are written once, as "dgram (N times) …". The markers are not recorded, nor
 *     FJD_FILL datagrams (queue fillers).
 *   QUIT            -> exit 0
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jcommon.h"

#define MAXCONN 256
#define MAXEXTRA 16

static int ctl = -1, dg = -1, ls = -1;
static pid_t probe_pid;
static int paused;
static int digest; /* DIGEST 1: payloads as length + FNV-1a only */

struct conn {
        int fd;
        struct ucred cred;
        struct sbuf data;
        int eof;     /* 1: EOF seen, 2: closed by us (STREAMCLOSE) */
        int err;     /* errno of a failed read */
        long close_after; /* -1, or close after this many bytes */
};
static struct conn conns[MAXCONN];
static int nconn;
static long pending_close = -1;

static struct sbuf recs;      /* datagram records, flushed into it one by one */
static struct sbuf last_rec;  /* the last datagram record, not yet written to recs */
static int last_count;
static long dg_mark = -1;     /* id of the last marker datagram seen */

static int extra_fds[MAXEXTRA];
static int nextra;

static void fatal(const char *what) {
        fprintf(stderr, "fake-journald: FATAL: %s: %s\n", what, strerror(errno));
        exit(2);
}

static long now_ms_(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static const char *pidtok(pid_t p) {
        return p == probe_pid ? "PROBE" : "OTHER";
}

/* ------------------------------------------------------------------ filesystem states */

static void rm_rf(const char *path) {
        struct stat st;
        if (lstat(path, &st) < 0)
                return;
        if (S_ISDIR(st.st_mode)) {
                chmod(path, 0755);
                DIR *d = opendir(path);
                struct dirent *e;
                while (d && (e = readdir(d))) {
                        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                                continue;
                        char sub[PATH_MAX];
                        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                        rm_rf(sub);
                }
                if (d)
                        closedir(d);
                if (rmdir(path) < 0)
                        fatal(path);
        } else if (unlink(path) < 0)
                fatal(path);
}

static void clear_journal_paths(void) {
        DIR *d = opendir("/run/systemd");
        struct dirent *e;
        if (!d)
                fatal("opendir /run/systemd");
        while ((e = readdir(d))) {
                if (strncmp(e->d_name, "journal", 7) != 0)
                        continue;
                char p[PATH_MAX];
                snprintf(p, sizeof p, "/run/systemd/%s", e->d_name);
                rm_rf(p);
        }
        closedir(d);
        for (int i = 0; i < nextra; i++)
                close(extra_fds[i]);
        nextra = 0;
}

static void xmkdir(const char *p, mode_t m) {
        if (mkdir(p, m) < 0)
                fatal(p);
        chmod(p, m);
}

static void xlink(const char *from, const char *to) {
        if (link(from, to) < 0)
                fatal(to);
}

/* a socket of `type` bound at path; listening if asked; kept open if keep, else closed (stale) */
static void sock_at(int type, const char *path, int listening, int keep) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                fatal("socket");
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                fatal(path);
        if (listening && listen(fd, 16) < 0)
                fatal("listen");
        if (keep && nextra < MAXEXTRA)
                extra_fds[nextra++] = fd;
        else
                close(fd);
}

static void xfile(const char *p) {
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
                fatal(p);
        close(fd);
}

#define JS "/run/systemd/journal/socket"
#define JO "/run/systemd/journal/stdout"

static int set_state(const char *s) {
        clear_journal_paths();
        if (!strcmp(s, "normal")) {            /* both sockets reachable */
                xmkdir("/run/systemd/journal", 0755);
                xlink(FJD_SOCKET, JS);
                xlink(FJD_STDOUT, JO);
        } else if (!strcmp(s, "nodir")) {      /* no /run/systemd/journal at all */
        } else if (!strcmp(s, "empty")) {      /* the directory, nothing in it */
                xmkdir("/run/systemd/journal", 0755);
        } else if (!strcmp(s, "dgramonly")) {  /* socket, no stdout */
                xmkdir("/run/systemd/journal", 0755);
                xlink(FJD_SOCKET, JS);
        } else if (!strcmp(s, "streamonly")) { /* stdout, no socket */
                xmkdir("/run/systemd/journal", 0755);
                xlink(FJD_STDOUT, JO);
        } else if (!strcmp(s, "stale")) {      /* socket files nobody is bound to any more */
                xmkdir("/run/systemd/journal", 0755);
                sock_at(SOCK_DGRAM, JS, 0, 0);
                sock_at(SOCK_STREAM, JO, 0, 0);
        } else if (!strcmp(s, "notdir")) {     /* /run/systemd/journal is a regular file */
                xfile("/run/systemd/journal");
        } else if (!strcmp(s, "loop")) {       /* both paths are symlinks to themselves */
                xmkdir("/run/systemd/journal", 0755);
                if (symlink("socket", JS) < 0 || symlink("stdout", JO) < 0)
                        fatal("symlink");
        } else if (!strcmp(s, "dirloop")) {    /* the directory is a symlink to itself */
                if (symlink("journal", "/run/systemd/journal") < 0)
                        fatal("symlink");
        } else if (!strcmp(s, "symlink")) {    /* both paths are symlinks to the real sockets */
                xmkdir("/run/systemd/journal", 0755);
                if (symlink(FJD_SOCKET, JS) < 0 || symlink(FJD_STDOUT, JO) < 0)
                        fatal("symlink");
        } else if (!strcmp(s, "wrongtype")) {  /* a listening stream socket at socket, a dgram one at stdout */
                xmkdir("/run/systemd/journal", 0755);
                sock_at(SOCK_STREAM, JS, 1, 1);
                sock_at(SOCK_DGRAM, JO, 0, 1);
        } else if (!strcmp(s, "seqpacket")) {  /* listening seqpacket sockets at both */
                xmkdir("/run/systemd/journal", 0755);
                sock_at(SOCK_SEQPACKET, JS, 1, 1);
                sock_at(SOCK_SEQPACKET, JO, 1, 1);
        } else if (!strcmp(s, "file")) {       /* regular files at both */
                xmkdir("/run/systemd/journal", 0755);
                xfile(JS);
                xfile(JO);
        } else if (!strcmp(s, "dir")) {        /* directories at both */
                xmkdir("/run/systemd/journal", 0755);
                xmkdir(JS, 0755);
                xmkdir(JO, 0755);
        } else if (!strcmp(s, "private")) {    /* normal, but the directory is 0700 (root only) */
                xmkdir("/run/systemd/journal", 0700);
                xlink(FJD_SOCKET, JS);
                xlink(FJD_STDOUT, JO);
        } else
                return -1;
        return 0;
}

static int hexdecode(const char *h, char *out, size_t outsz) {
        size_t n = strlen(h);
        if (n % 2 || n / 2 >= outsz)
                return -1;
        for (size_t i = 0; i < n / 2; i++) {
                unsigned v;
                if (sscanf(h + 2 * i, "%2x", &v) != 1)
                        return -1;
                out[i] = (char) v;
        }
        out[n / 2] = 0;
        return 0;
}

/* ------------------------------------------------------------------ recording */

static void describe_fd(struct sbuf *o, int fd) {
        char pp[64], link[PATH_MAX + 1];
        snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
        ssize_t k = readlink(pp, link, PATH_MAX);
        link[k > 0 ? k : 0] = 0;
        /* canonical: socket:[INODE] / pipe:[INODE] / "/dev/shm/#INODE (deleted)" lose their numbers */
        char canon[PATH_MAX + 1];
        size_t j = 0;
        for (size_t i = 0; link[i] && j < PATH_MAX; i++) {
                if ((link[i] == '[' || link[i] == '#') && link[i + 1] >= '0' && link[i + 1] <= '9') {
                        canon[j++] = link[i];
                        canon[j++] = 'N';
                        while (link[i + 1] >= '0' && link[i + 1] <= '9')
                                i++;
                } else
                        canon[j++] = link[i];
        }
        canon[j] = 0;
        /* a temporary file made by mkstemp-like code: its random suffix is not compared */
        if (strncmp(canon, "/dev/shm/", 9) == 0 && canon[9] != '#') {
                char *end = strstr(canon, " (deleted)");
                size_t bl = end ? (size_t) (end - canon) : strlen(canon);
                if (bl >= 9 + 6)
                        memcpy(canon + bl - 6, "XXXXXX", 6);
        }
        sb_add(o, "    fd: link=", 13);
        sb_quoted(o, canon, strlen(canon));

        struct stat st;
        if (fstat(fd, &st) < 0) {
                sb_printf(o, " fstat=-%s\n", strerrorname_np(errno));
                return;
        }
        const char *type = S_ISREG(st.st_mode) ? "reg" : S_ISSOCK(st.st_mode) ? "sock" : S_ISFIFO(st.st_mode) ? "fifo"
                         : S_ISDIR(st.st_mode) ? "dir" : S_ISCHR(st.st_mode) ? "chr" : "other";
        int fl = fcntl(fd, F_GETFL);
        int seals = fcntl(fd, F_GET_SEALS);
        off_t pos = lseek(fd, 0, SEEK_CUR);
        sb_printf(o, " type=%s mode=%04o nlink=%lu uid=%u gid=%u size=%lld fl=0%o", type,
                  (unsigned) (st.st_mode & 07777), (unsigned long) st.st_nlink, (unsigned) st.st_uid,
                  (unsigned) st.st_gid, (long long) st.st_size, (unsigned) fl);
        if (pos >= 0)
                sb_printf(o, " pos=%lld", (long long) pos);
        else
                sb_printf(o, " pos=-%s", strerrorname_np(errno));
        if (seals >= 0)
                sb_printf(o, " seals=0x%x", (unsigned) seals);
        else
                sb_printf(o, " seals=-%s", strerrorname_np(errno));
        if (S_ISREG(st.st_mode)) {
                size_t n = (size_t) st.st_size;
                unsigned char *buf = malloc(n ? n : 1);
                size_t got = 0;
                if (!buf)
                        fatal("malloc");
                while (got < n) {
                        ssize_t r = pread(fd, buf + got, n - got, (off_t) got);
                        if (r <= 0)
                                break;
                        got += (size_t) r;
                }
                sb_printf(o, " read=%zu fnv=%016llx", got, (unsigned long long) jfnv(buf, got));
                if (!digest) {
                        sb_add(o, " data=", 6);
                        sb_quoted(o, buf, got);
                }
                free(buf);
        }
        sb_add(o, "\n", 1);
}

static void flush_last(void) {
        if (!last_count)
                return;
        sb_add(&recs, "  dgram", 7);
        if (last_count > 1)
                sb_printf(&recs, " (%d times)", last_count);
        sb_add(&recs, last_rec.p, last_rec.n);
        last_count = 0;
        sb_clear(&last_rec);
}

static void add_dgram_record(struct sbuf *r) {
        if (last_count && r->n == last_rec.n && memcmp(r->p, last_rec.p, r->n) == 0) {
                last_count++;
                return;
        }
        flush_last();
        sb_add(&last_rec, r->p, r->n);
        last_count = 1;
}

static void read_dgram(void) {
        ssize_t len = recv(dg, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
        if (len < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                fatal("recv peek");
        }
        unsigned char *buf = malloc((size_t) len + 1);
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 253)];
        } ctlbuf;
        struct sockaddr_un from;
        struct iovec iov = { buf, (size_t) len + 1 };
        struct msghdr mh = {
                .msg_name = &from, .msg_namelen = sizeof from,
                .msg_iov = &iov, .msg_iovlen = 1,
                .msg_control = &ctlbuf, .msg_controllen = sizeof ctlbuf,
        };
        if (!buf)
                fatal("malloc");
        ssize_t n = recvmsg(dg, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                fatal("recvmsg");

        struct ucred cred = { .pid = -1, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        int fds[253], nfds = 0, have_cred = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS) {
                        memcpy(&cred, CMSG_DATA(c), sizeof cred);
                        have_cred = 1;
                } else if (c->cmsg_type == SCM_RIGHTS) {
                        int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                        for (int i = 0; i < k && nfds < 253; i++)
                                memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                }
        }

        if (n >= (ssize_t) strlen(FJD_MARK) && memcmp(buf, FJD_MARK, strlen(FJD_MARK)) == 0 && nfds == 0) {
                dg_mark = strtol((char *) buf + strlen(FJD_MARK), NULL, 10);
                free(buf);
                return;
        }
        if (n == (ssize_t) strlen(FJD_FILL) && memcmp(buf, FJD_FILL, strlen(FJD_FILL)) == 0 && nfds == 0) {
                free(buf);
                return;
        }

        struct sbuf r = { 0 };
        sb_printf(&r, " len=%zd", n);
        if (have_cred)
                sb_printf(&r, " cred=%s,%u,%u", pidtok(cred.pid), (unsigned) cred.uid, (unsigned) cred.gid);
        else
                sb_add(&r, " cred=none", 10);
        sb_add(&r, " from=", 6);
        if (mh.msg_namelen == 0)
                sb_add(&r, "none", 4);
        else if (mh.msg_namelen <= offsetof(struct sockaddr_un, sun_path))
                sb_add(&r, "unnamed", 7);
        else {
                size_t pl = mh.msg_namelen - offsetof(struct sockaddr_un, sun_path);
                if (from.sun_path[0] == 0) {
                        int hex5 = pl == 6;
                        for (size_t i = 1; hex5 && i < 6; i++)
                                hex5 = strchr("0123456789abcdef", from.sun_path[i]) != NULL;
                        if (hex5)
                                sb_add(&r, "autobind", 8);
                        else {
                                sb_add(&r, "@", 1);
                                sb_quoted(&r, from.sun_path + 1, pl - 1);
                        }
                } else
                        sb_quoted(&r, from.sun_path, strnlen(from.sun_path, pl));
        }
        if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
                sb_printf(&r, " msg_flags=0x%x", (unsigned) mh.msg_flags);
        if (digest)
                sb_printf(&r, " fds=%d fnv=%016llx\n", nfds, (unsigned long long) jfnv(buf, (size_t) n));
        else {
                sb_printf(&r, " fds=%d data=", nfds);
                sb_quoted(&r, buf, (size_t) n);
                sb_add(&r, "\n", 1);
        }
        for (int i = 0; i < nfds; i++) {
                describe_fd(&r, fds[i]);
                close(fds[i]);
        }
        add_dgram_record(&r);
        free(r.p);
        free(buf);
}

static void accept_conns(void) {
        for (;;) {
                int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        fatal("accept");
                }
                if (nconn >= MAXCONN) {
                        fprintf(stderr, "fake-journald: too many connections\n");
                        exit(2);
                }
                struct conn *c = &conns[nconn++];
                memset(c, 0, sizeof *c);
                c->fd = fd;
                c->close_after = -1;
                socklen_t sl = sizeof c->cred;
                if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &sl) < 0)
                        c->cred.pid = -1;
                /* STREAMCLOSE applies to the next connection that is not a marker; markers are
                 * only told apart by their bytes, so it is decided on the first read. */
                c->close_after = pending_close >= 0 ? -2 : -1;
        }
}

static int is_marker(struct conn *c) {
        return c->data.n >= strlen(FJD_MARK) && memcmp(c->data.p, FJD_MARK, strlen(FJD_MARK)) == 0;
}

static void read_conn(struct conn *c) {
        char b[65536];
        for (;;) {
                size_t want = sizeof b;
                if (c->close_after >= 0 && c->close_after - (long) c->data.n < (long) want)
                        want = (size_t) (c->close_after - (long) c->data.n);
                ssize_t k = want ? read(c->fd, b, want) : 0;
                if (k < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        c->err = errno;
                        c->eof = 1;
                        close(c->fd);
                        c->fd = -1;
                        return;
                }
                if (k == 0 && want) {
                        c->eof = 1;
                        close(c->fd);
                        c->fd = -1;
                        return;
                }
                sb_add(&c->data, b, (size_t) k);
                if (c->close_after == -2 && c->data.n > 0) {
                        if (c->data.p[0] == FJD_MARK[0])
                                c->close_after = -1; /* a marker: not this one */
                        else {
                                c->close_after = pending_close;
                                pending_close = -1;
                        }
                }
                if (c->close_after >= 0 && (long) c->data.n >= c->close_after) {
                        c->eof = 2;
                        close(c->fd);
                        c->fd = -1;
                        return;
                }
        }
}

static void format_conn(struct sbuf *o, struct conn *c) {
        sb_printf(o, "  stream peercred=%s,%u,%u len=%zu end=", c->cred.pid < 0 ? "none" : pidtok(c->cred.pid),
                  (unsigned) c->cred.uid, (unsigned) c->cred.gid, c->data.n);
        if (!c->eof)
                sb_add(o, "still-open", 10);
        else if (c->eof == 2)
                sb_printf(o, "closed-by-fake-after-%ld", c->close_after);
        else if (c->err)
                sb_printf(o, "-%s", strerrorname_np(c->err));
        else
                sb_add(o, "eof", 3);
        if (digest)
                sb_printf(o, " fnv=%016llx\n", (unsigned long long) jfnv(c->data.p ? c->data.p : "", c->data.n));
        else {
                sb_add(o, " data=", 6);
                sb_quoted(o, c->data.p ? c->data.p : "", c->data.n);
                sb_add(o, "\n", 1);
        }
}

/* ------------------------------------------------------------------ control */

static void reply(const char *s, size_t n) {
        while (n) {
                ssize_t k = write(ctl, s, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        fatal("write ctl");
                }
                s += k;
                n -= (size_t) k;
        }
        if (write(ctl, "", 1) != 1)
                fatal("write ctl");
}

static long collect_id = -1, collect_start;

/* Returns 1 when the collection finished (reply sent). */
static int try_collect(int force) {
        int mark = -1;
        for (int i = 0; i < nconn; i++)
                if (conns[i].eof == 1 && is_marker(&conns[i]) &&
                    strtol(conns[i].data.p + strlen(FJD_MARK), NULL, 10) == collect_id) {
                        mark = i;
                        break;
                }
        int all_eof = mark >= 0;
        for (int i = 0; all_eof && i < mark; i++)
                if (!conns[i].eof)
                        all_eof = 0;
        if (!(dg_mark == collect_id && all_eof) && !force)
                return 0;

        flush_last();
        struct sbuf o = { 0 };
        sb_add(&o, recs.p ? recs.p : "", recs.n);
        sb_clear(&recs);
        int upto = mark >= 0 ? mark : nconn;
        for (int i = 0; i < upto; i++) {
                if (is_marker(&conns[i]))
                        continue; /* a stale marker from an earlier, timed-out collection */
                format_conn(&o, &conns[i]);
        }
        if (force)
                sb_printf(&o, "  !! fake-journald: gave up after 20 s: datagram marker %s, stream marker %s\n",
                          dg_mark == collect_id ? "seen" : "missing", mark >= 0 ? "seen" : "missing");
        int drop = mark >= 0 ? mark + 1 : nconn;
        for (int i = 0; i < drop; i++) {
                if (conns[i].fd >= 0)
                        close(conns[i].fd);
                free(conns[i].data.p);
        }
        memmove(conns, conns + drop, sizeof conns[0] * (size_t) (nconn - drop));
        nconn -= drop;
        reply(o.p ? o.p : "", o.n);
        free(o.p);
        collect_id = -1;
        return 1;
}

static struct sbuf cmdbuf;

static void handle_cmd(char *line) {
        char arg[512] = "";
        if (sscanf(line, "STATE %511s", arg) == 1) {
                if (set_state(arg) < 0)
                        reply("ERR unknown state", 17);
                else
                        reply("OK", 2);
        } else if (sscanf(line, "NS %511s", arg) == 1) {
                char name[256], p[PATH_MAX];
                if (hexdecode(arg, name, sizeof name) < 0) {
                        reply("ERR bad hex", 11);
                        return;
                }
                snprintf(p, sizeof p, "/run/systemd/journal.%s", name);
                xmkdir(p, 0755);
                snprintf(p, sizeof p, "/run/systemd/journal.%s/socket", name);
                xlink(FJD_SOCKET, p);
                snprintf(p, sizeof p, "/run/systemd/journal.%s/stdout", name);
                xlink(FJD_STDOUT, p);
                reply("OK", 2);
        } else if (sscanf(line, "DIGEST %511s", arg) == 1) {
                digest = atoi(arg);
                reply("OK", 2);
        } else if (!strcmp(line, "PAUSE")) {
                paused = 1;
                reply("OK", 2);
        } else if (!strcmp(line, "RESUME")) {
                paused = 0;
                reply("OK", 2);
        } else if (sscanf(line, "STREAMCLOSE %511s", arg) == 1) {
                pending_close = strtol(arg, NULL, 10);
                reply("OK", 2);
        } else if (!strcmp(line, "CLOSEALL")) {
                /* accept what is pending, then close every open (non-marker) connection */
                accept_conns();
                int n = 0;
                for (int i = 0; i < nconn; i++) {
                        struct conn *c = &conns[i];
                        if (c->eof || is_marker(c))
                                continue;
                        read_conn(c);
                        if (c->eof)
                                continue;
                        close(c->fd);
                        c->fd = -1;
                        c->eof = 2;
                        c->close_after = (long) c->data.n;
                        n++;
                }
                char b[32];
                snprintf(b, sizeof b, "OK %d", n);
                reply(b, strlen(b));
        } else if (sscanf(line, "COLLECT %511s", arg) == 1) {
                collect_id = strtol(arg, NULL, 10);
                collect_start = now_ms_();
        } else if (!strcmp(line, "QUIT")) {
                clear_journal_paths();
                reply("OK", 2);
                exit(0);
        } else
                reply("ERR unknown command", 19);
}

static void read_ctl(void) {
        char b[4096];
        ssize_t k = read(ctl, b, sizeof b);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                return;
        if (k <= 0) {
                clear_journal_paths();
                exit(0); /* the probe is gone */
        }
        sb_add(&cmdbuf, b, (size_t) k);
        char *nl;
        while ((nl = memchr(cmdbuf.p, '\n', cmdbuf.n))) {
                *nl = 0;
                size_t used = (size_t) (nl - cmdbuf.p) + 1;
                char line[4096];
                snprintf(line, sizeof line, "%s", cmdbuf.p);
                memmove(cmdbuf.p, cmdbuf.p + used, cmdbuf.n - used);
                cmdbuf.n -= used;
                cmdbuf.p[cmdbuf.n] = 0;
                handle_cmd(line);
        }
}

static int bind_at(int type, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                fatal("socket");
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                fatal(path);
        if (chmod(path, 0666) < 0)
                fatal("chmod");
        return fd;
}

static void check_private(void) {
        char a[128] = "", b[128] = "";
        /* PID 1's namespace cannot always be read (no CAP_SYS_PTRACE over it); then the checks
         * below alone decide: a fresh, empty tmpfs is never a running journald's /run/systemd. */
        if (readlink("/proc/self/ns/mnt", a, sizeof a - 1) > 0 && readlink("/proc/1/ns/mnt", b, sizeof b - 1) > 0 &&
            !strcmp(a, b)) {
                fprintf(stderr, "fake-journald: refusing to run in PID 1's mount namespace "
                                "(run me under unshare -m with a tmpfs on /run/systemd)\n");
                exit(2);
        }
        struct statfs sf;
        if (statfs("/run/systemd", &sf) < 0 || sf.f_type != TMPFS_MAGIC) {
                fprintf(stderr, "fake-journald: /run/systemd is not a tmpfs, refusing\n");
                exit(2);
        }
        DIR *d = opendir("/run/systemd");
        struct dirent *e;
        if (!d)
                fatal("opendir /run/systemd");
        while ((e = readdir(d)))
                if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                        fprintf(stderr, "fake-journald: /run/systemd is not empty (%s): not a fresh tmpfs, refusing\n",
                                e->d_name);
                        exit(2);
                }
        closedir(d);
}

int main(int argc, char **argv) {
        if (argc != 2) {
                fprintf(stderr, "usage: fake-journald CTLFD\n");
                return 2;
        }
        ctl = atoi(argv[1]);
        probe_pid = getppid();
        signal(SIGPIPE, SIG_IGN);
        check_private();
        xmkdir(FJD_DIR, 0755);
        dg = bind_at(SOCK_DGRAM, FJD_SOCKET);
        int one = 1, big = 64 << 20;
        if (setsockopt(dg, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
                fatal("SO_PASSCRED");
        (void) setsockopt(dg, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
        ls = bind_at(SOCK_STREAM, FJD_STDOUT);
        if (listen(ls, 128) < 0)
                fatal("listen");
        set_state("normal");
        reply("READY", 5);

        for (;;) {
                struct pollfd p[3 + MAXCONN];
                int np = 0;
                p[np++] = (struct pollfd) { ctl, POLLIN, 0 };
                p[np++] = (struct pollfd) { ls, POLLIN, 0 };
                p[np++] = (struct pollfd) { paused ? -1 : dg, POLLIN, 0 };
                for (int i = 0; i < nconn; i++)
                        p[np++] = (struct pollfd) { conns[i].fd, POLLIN, 0 };
                int timeout = -1;
                if (collect_id >= 0) {
                        if (try_collect(0))
                                continue;
                        long left = collect_start + 20000 - now_ms_();
                        if (left <= 0) {
                                try_collect(1);
                                continue;
                        }
                        timeout = (int) left;
                }
                int k = poll(p, (nfds_t) np, timeout);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        fatal("poll");
                }
                if (p[2].revents)
                        read_dgram();
                if (p[1].revents)
                        accept_conns();
                for (int i = 3; i < np; i++)
                        if (p[i].revents && p[i].fd >= 0)
                                for (int j = 0; j < nconn; j++)
                                        if (conns[j].fd == p[i].fd) {
                                                read_conn(&conns[j]);
                                                break;
                                        }
                if (p[0].revents && collect_id < 0)
                        read_ctl();
        }
}
