/* Journal stress (b): forked children and grandchildren log after the parent used the library,
 * and children that closed or reused the library's socket number log.
 *
 * Part 1: the parent logs first (its process-wide socket exists), then forks CHILDREN children
 * at once; each logs PER entries (sd_journal_send, sd_journal_print, sd_journal_sendv in turn,
 * each naming its pid and sequence number), then forks a grandchild that logs GRAND more.  The
 * parent receives everything and checks every entry byte for byte and that its SCM_CREDENTIALS
 * pid is the pid of the process that sent it (the child's pid as fork() returned it, for
 * grandchildren the pid they name, which must be neither ours nor their parent's).
 *
 * Part 2: a child changes what the library's socket number (inherited from the parent) refers
 * to, then logs with sd_journal_print, sd_journal_send and sd_journal_sendv:
 *   A  it closed every fd;
 *   B  a pipe was dup2'ed onto that number;
 *   C  one end of an AF_UNIX SOCK_SEQPACKET pair (a connection of the child's own) was;
 *   D  an AF_UNIX datagram socket of its own, bound to an abstract name, was;
 *   E  an AF_INET datagram socket was;
 *   F  it closed every fd, then 8 threads log at once (20 entries each) and the child counts its
 *      journal sockets.
 * sdlite (README: "After fork", a deliberate difference) must notice, open a socket of its own
 * and deliver: every call 0, every entry at the journal from the child's pid, sent from an
 * unnamed socket, nothing written into the pipe or the seqpacket peer, and in F exactly one
 * journal socket.  libsystemd 252 keeps using the number; what it does is recorded here as
 * what is expected of 252 (measured on 252.39): A -EBADF, B -ENOTSOCK, E -EAFNOSUPPORT (nothing
 * reaches the journal); C 0 but every entry goes into the child's seqpacket connection and none
 * to the journal; D 0 and the entries reach the journal, sent through the child's socket (the
 * journal sees its name as the sender); F -EBADF from every call, no socket.
 * stdout is the same on both libraries ("as expected for this library"); what each did goes
 * to stderr as "note:" lines.
 *
 * usage: jfork [CHILDREN [PER [GRAND]]]   (default 32 200 20)
 */
#include "journal.h"

#include <sys/syscall.h>

#define MAXC 256

static int NC = 32, PER = 200, GRAND = 20;
static int RFD;

/* ------------------------------------------------------------------ receiving with the sender's name */

struct got {
        ssize_t len;
        pid_t pid;
        int has_cred, nfds;
        char from[108]; /* the sender's address: "" unnamed, "@name" abstract, or a path */
};

static ssize_t recv_from(char *buf, size_t size, int timeout_ms, struct got *g) {
        union {
                struct cmsghdr h;
                char b[CMSG_SPACE(sizeof(int) * 8) + CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct sockaddr_un sa;
        struct iovec iov = { buf, size - 1 };
        struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = &ctl, .msg_controllen = sizeof ctl };
        struct pollfd pf = { RFD, POLLIN, 0 };
        memset(g, 0, sizeof *g);
        int r = poll(&pf, 1, timeout_ms);
        if (r <= 0)
                return r < 0 ? -errno : -EAGAIN;
        ssize_t n = recvmsg(RFD, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        g->len = n;
        size_t nl = mh.msg_namelen > offsetof(struct sockaddr_un, sun_path) ? mh.msg_namelen - offsetof(struct sockaddr_un, sun_path) : 0;
        if (nl > 0 && sa.sun_path[0] == 0) {
                g->from[0] = '@';
                memcpy(g->from + 1, sa.sun_path + 1, nl - 1 < sizeof g->from - 2 ? nl - 1 : sizeof g->from - 2);
        } else if (nl > 0)
                snprintf(g->from, sizeof g->from, "%.*s", (int) nl, sa.sun_path);
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int k = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                        for (int i = 0; i < k; i++)
                                close(((int *) CMSG_DATA(c))[i]);
                        g->nfds += k;
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
                        struct ucred u;
                        memcpy(&u, CMSG_DATA(c), sizeof u);
                        g->pid = u.pid;
                        g->has_cred = 1;
                }
        }
        return n;
}

/* ------------------------------------------------------------------ what each call sends */

/* kind 0: sd_journal_send, 1: sd_journal_print, 2: sd_journal_sendv (with a multi-line field) */
static int log_one(int kind, const char *who, int pid, int seq) {
        char m[96], multi[64], s[32];
        switch (kind % 3) {
        case 0:
                return sd_journal_send("MESSAGE=%s %d %d", who, pid, seq, "X_PID=%d", pid, "X_SEQ=%d", seq, NULL);
        case 1:
                return sd_journal_print(4, "%s %d %d", who, pid, seq);
        default:
                snprintf(m, sizeof m, "MESSAGE=%s %d %d", who, pid, seq);
                snprintf(multi, sizeof multi, "X_MULTI=%d\n%d", pid, seq);
                snprintf(s, sizeof s, "X_SEQ=%d", seq);
                struct iovec iov[3] = { iov_str(m), iov_str(multi), iov_str(s) };
                return sd_journal_sendv(iov, 3);
        }
}

static int expected(int kind, const char *who, int pid, int seq, char *out, size_t size) {
        char multi[48];
        int ml, o;
        uint64_t le;
        switch (kind % 3) {
        case 0:
                return snprintf(out, size, "MESSAGE=%s %d %d\nX_PID=%d\nX_SEQ=%d\n%s", who, pid, seq, pid, seq, ident_line());
        case 1:
                return snprintf(out, size, "MESSAGE=%s %d %d\nPRIORITY=4\n%s", who, pid, seq, ident_line());
        default:
                ml = snprintf(multi, sizeof multi, "%d\n%d", pid, seq);
                o = snprintf(out, size, "MESSAGE=%s %d %d\nX_MULTI\n", who, pid, seq);
                le = (uint64_t) ml;
                memcpy(out + o, &le, 8);
                o += 8;
                return o + snprintf(out + o, size - (size_t) o, "%s\nX_SEQ=%d\n%s", multi, seq, ident_line());
        }
}

/* Parses "MESSAGE=<who> <pid> <seq>" at the start of an entry and checks the whole entry is
 * what log_one(seq, who, pid, seq) sends.  Returns 1 when it is. */
static int entry_ok(const char *buf, ssize_t n, char *who, size_t whosize, int *pid, int *seq) {
        char want[512];
        char w[32];
        if (sscanf(buf, "MESSAGE=%31s %d %d", w, pid, seq) != 3)
                return 0;
        snprintf(who, whosize, "%s", w);
        return expected(*seq, w, *pid, *seq, want, sizeof want) == n && !memcmp(want, buf, (size_t) n);
}

/* ------------------------------------------------------------------ part 1 */

/* A child closes the inherited receiver and the library's socket (kept by design) before it
 * exits: nothing left open for valgrind's fd tracking. */
static void close_for_exit(void) {
        close(RFD);
        journal_sockets(1);
}

static void child(void) {
        int bad = 0, me = (int) getpid();
        for (int n = 0; n < PER; n++)
                bad += log_one(n, "child", me, n) != 0;
        pid_t g = fork();
        if (g == 0) {
                int gme = (int) getpid();
                for (int n = 0; n < GRAND; n++)
                        bad += log_one(n, "grand", gme, n) != 0;
                close_for_exit();
                _exit(bad ? 1 : 0);
        }
        int st = 0;
        if (g < 0 || waitpid(g, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                bad++;
        close_for_exit();
        _exit(bad ? 1 : 0);
}

static void part1(void) {
        char buf[1024];
        struct got g;
        int me = (int) getpid();
        /* the parent uses the library first */
        int r0 = log_one(0, "parent", me, 0), r1 = log_one(1, "parent", me, 1);
        int parent_ok = r0 == 0 && r1 == 0;
        for (int i = 0; i < 2; i++) {
                char who[32];
                int pid, seq;
                ssize_t n = recv_from(buf, sizeof buf, 2000, &g);
                parent_ok &= n > 0 && entry_ok(buf, n, who, sizeof who, &pid, &seq) && pid == me && g.pid == me;
        }
        check(parent_ok, "the parent logs first: 0, 0, both entries arrived");

        pid_t kids[MAXC];
        long t0 = now_ms();
        for (int i = 0; i < NC; i++) {
                kids[i] = fork_flushed();
                if (kids[i] == 0)
                        child();
        }
        int got[MAXC] = { 0 }, gotg[MAXC] = { 0 }, gpid[MAXC] = { 0 };
        long total = 0, want = (long) NC * (PER + GRAND), wrong_pid = 0, malformed = 0, disorder = 0;
        int next[MAXC] = { 0 }, nextg[MAXC] = { 0 };
        char first_bad[160] = "";
        while (total < want) {
                ssize_t n = recv_from(buf, sizeof buf, 10000, &g);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        errno = (int) -n;
                        die("recvmsg");
                }
                total++;
                char who[32];
                int pid, seq, i;
                if (!entry_ok(buf, n, who, sizeof who, &pid, &seq)) {
                        if (malformed++ == 0)
                                for (ssize_t k = 0; k < n && k < 150; k++)
                                        first_bad[k] = buf[k] == '\n' ? '|' : (buf[k] < ' ' ? '.' : buf[k]);
                        continue;
                }
                if (!strcmp(who, "child")) {
                        for (i = 0; i < NC && kids[i] != pid; i++)
                                ;
                        if (i == NC || !g.has_cred || g.pid != pid) {
                                wrong_pid++;
                                continue;
                        }
                        got[i]++;
                        disorder += seq != next[i];
                        next[i] = seq + 1;
                } else if (!strcmp(who, "grand")) {
                        /* which child's grandchild: the first unknown pid claims the next slot */
                        for (i = 0; i < NC && gpid[i] && gpid[i] != pid; i++)
                                ;
                        if (i == NC || pid == me || !g.has_cred || g.pid != pid) {
                                wrong_pid++;
                                continue;
                        }
                        for (int k = 0; k < NC; k++)
                                if (kids[k] == pid)
                                        wrong_pid++;
                        gpid[i] = pid;
                        gotg[i]++;
                        disorder += seq != nextg[i];
                        nextg[i] = seq + 1;
                } else
                        malformed++;
        }
        int failed = 0, incomplete = 0;
        for (int i = 0; i < NC; i++) {
                int st;
                if (waitpid(kids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        failed++;
                incomplete += got[i] != PER || gotg[i] != GRAND;
        }
        fprintf(stderr, "jfork: %d children x (%d + %d grandchild) entries in %ld ms\n", NC, PER, GRAND, now_ms() - t0);
        check(failed == 0, "%d children and their grandchildren: every call returned 0 (%d processes had a failure)", NC, failed);
        check(total == want && incomplete == 0, "received %ld of %ld entries, every child's and grandchild's complete", total, want);
        check(disorder == 0, "each process's entries in order (%ld out of order)", disorder);
        check(malformed == 0, "every entry byte-identical to what its call must send (%ld not; first: \"%s\")", malformed, first_bad);
        check(wrong_pid == 0, "every entry carries its sender's own pid in SCM_CREDENTIALS (%ld wrong)", wrong_pid);
}

/* ------------------------------------------------------------------ part 2 */

enum { V_CLOSED = 'A', V_PIPE, V_SEQPACKET, V_DGRAM, V_INET, V_THREADS };

#define CALLS 3
#define TENTRIES 20
#define TTHREADS 8

/* Written by the child into memory shared with the parent (it may have no fd left). */
struct report {
        int r[CALLS];
        int side_bytes;      /* bytes found in the pipe / seqpacket peer afterwards */
        int side_ok;         /* they are exactly the entries the calls sent */
        int threads_bad;     /* F: calls that did not return 0 */
        int threads_first;   /* F: the first such result */
        int sockets;         /* F: journal sockets in the child afterwards */
        int done;
};

static struct report *REP;
static pthread_barrier_t TGO;

static void *tlogger(void *arg) {
        int t = (int) (intptr_t) arg;
        pthread_barrier_wait(&TGO);
        for (int n = 0; n < TENTRIES; n++) {
                int r = log_one(t * 1000 + n, "thread", (int) getpid(), t * 1000 + n);
                /* eight threads count here at once: a plain ++ lost counts (159 of 160 once) */
                if (r != 0 && __atomic_fetch_add(&REP->threads_bad, 1, __ATOMIC_RELAXED) == 0)
                        REP->threads_first = r;
        }
        return NULL;
}

static void close_all_fds(void) {
        if (syscall(SYS_close_range, 0U, ~0U, 0U) < 0)
                for (int fd = 0; fd < 65536; fd++)
                        close(fd);
}

/* The child of variant v: change what the socket number refers to, log, report. */
static void variant_child(int v, int jfd) {
        int side = -1, me = (int) getpid();
        int pp[2], sp[2];
        switch (v) {
        case V_CLOSED:
        case V_THREADS:
                close_all_fds();
                break;
        case V_PIPE:
                if (pipe(pp) < 0 || dup2(pp[1], jfd) < 0)
                        _exit(3);
                side = pp[0];
                break;
        case V_SEQPACKET:
                if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) < 0 || dup2(sp[0], jfd) < 0)
                        _exit(3);
                side = sp[1];
                break;
        case V_DGRAM: {
                char name[64];
                snprintf(name, sizeof name, "sdlite-jfork-decoy-%d", me);
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                memcpy(sa.sun_path + 1, name, strlen(name));
                int s = socket(AF_UNIX, SOCK_DGRAM, 0);
                if (s < 0 || bind(s, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))) < 0 ||
                    dup2(s, jfd) < 0)
                        _exit(3);
                break;
        }
        case V_INET: {
                int s = socket(AF_INET, SOCK_DGRAM, 0);
                if (s < 0 || dup2(s, jfd) < 0)
                        _exit(3);
                break;
        }
        }
        if (v == V_THREADS) {
                pthread_t t[TTHREADS];
                pthread_barrier_init(&TGO, NULL, TTHREADS);
                for (int i = 0; i < TTHREADS; i++)
                        if (pthread_create(&t[i], NULL, tlogger, (void *) (intptr_t) i))
                                _exit(3);
                for (int i = 0; i < TTHREADS; i++)
                        pthread_join(t[i], NULL);
                REP->sockets = journal_sockets(0);
                REP->done = 1;
                close_all_fds(); /* nothing left for valgrind's fd tracking (the socket is kept by design) */
                _exit(0);
        }
        for (int k = 0; k < CALLS; k++)
                REP->r[k] = log_one(k, "variant", me, k);
        if (side >= 0) {
                /* what arrived on the other end of the pipe / connection */
                char buf[4096], want[4096];
                size_t wl = 0;
                ssize_t n, total = 0;
                int ok = 1;
                for (int k = 0; k < CALLS; k++)
                        wl += (size_t) expected(k, "variant", me, k, want + wl, sizeof want - wl);
                fcntl(side, F_SETFL, O_NONBLOCK);
                while ((n = read(side, buf + total, sizeof buf - (size_t) total)) > 0)
                        total += n;
                REP->side_bytes = (int) total;
                ok = (size_t) total == wl && !memcmp(buf, want, wl);
                REP->side_ok = ok;
        }
        REP->done = 1;
        close_all_fds(); /* the child's own fds and a socket the library keeps by design: nothing
                          * left for valgrind's fd tracking */
        _exit(0);
}

/* What the journal received from the variant's child. */
struct seen {
        int entries, exact, from_child, named_from; /* named_from: sent from a socket with a name */
        char from[108];
};

static void variant(int v, const char *label) {
        int jfd = journal_socket_fd();
        memset(REP, 0, sizeof *REP);
        pid_t p = fork_flushed();
        if (p == 0)
                variant_child(v, jfd);
        int st;
        struct seen s = { 0 };
        char buf[4096];
        struct got g;
        /* the receiver is drained while the child runs (F sends 160 entries) */
        for (;;) {
                int done = waitpid(p, &st, WNOHANG) == p;
                ssize_t n;
                while ((n = recv_from(buf, sizeof buf, done ? 50 : 5, &g)) >= 0) {
                        char who[32];
                        int pid, seq;
                        s.entries++;
                        s.exact += entry_ok(buf, n, who, sizeof who, &pid, &seq) && pid == p;
                        s.from_child += g.has_cred && g.pid == p;
                        if (g.from[0]) {
                                s.named_from++;
                                snprintf(s.from, sizeof s.from, "%s", g.from);
                        }
                }
                if (done)
                        break;
        }
        int exited = WIFEXITED(st) && WEXITSTATUS(st) == 0 && REP->done;
        printf("## variant %c: %s\n", v, label);
        check(exited, "the child ran to its end");
        if (!exited) {
                fprintf(stderr, "note: %c: child status 0x%x\n", v, st);
                return;
        }
        int sd = is_sdlite();
        const char *lib = sd ? "sdlite" : "libsystemd 252";
        if (v == V_THREADS) {
                int want = TTHREADS * TENTRIES;
                fprintf(stderr, "note: %c on %s: %d of %d calls failed (first %s); %d entries reached the journal; "
                                "%d journal sockets in the child\n",
                        v, lib, REP->threads_bad, want, rs(REP->threads_first), s.entries, REP->sockets);
                if (sd)
                        check(REP->threads_bad == 0 && s.entries == want && s.exact == want && s.from_child == want && REP->sockets == 1,
                              "as expected for this library");
                else
                        check(REP->threads_bad == want && REP->threads_first == -EBADF && s.entries == 0 && REP->sockets == 0,
                              "as expected for this library");
                return;
        }
        fprintf(stderr, "note: %c on %s: %s, %s, %s; %d entries reached the journal (%d exact, %d from the child's pid%s%s)",
                v, lib, rs(REP->r[0]), rs(REP->r[1]), rs(REP->r[2]), s.entries, s.exact, s.from_child,
                s.named_from ? ", sent from " : "", s.named_from ? s.from : "");
        if (v == V_PIPE || v == V_SEQPACKET)
                fprintf(stderr, "; %d bytes went into the child's %s%s", REP->side_bytes, v == V_PIPE ? "pipe" : "seqpacket connection",
                        REP->side_bytes ? (REP->side_ok ? " (exactly the entries)" : " (not the entries)") : "");
        fprintf(stderr, "\n");
        int all0 = REP->r[0] == 0 && REP->r[1] == 0 && REP->r[2] == 0;
        int delivered = s.entries == CALLS && s.exact == CALLS && s.from_child == CALLS;
        if (sd) {
                check(all0 && delivered && s.named_from == 0 && REP->side_bytes == 0, "as expected for this library");
                return;
        }
        int want_r;
        switch (v) {
        case V_CLOSED:
                want_r = -EBADF;
                break;
        case V_PIPE:
                want_r = -ENOTSOCK;
                break;
        case V_INET:
                want_r = -EAFNOSUPPORT;
                break;
        default:
                want_r = 0;
        }
        int rs_ok = REP->r[0] == want_r && REP->r[1] == want_r && REP->r[2] == want_r;
        if (v == V_SEQPACKET)
                check(rs_ok && s.entries == 0 && REP->side_bytes > 0 && REP->side_ok, "as expected for this library");
        else if (v == V_DGRAM)
                check(rs_ok && delivered && s.named_from == CALLS && !strncmp(s.from, "@sdlite-jfork-decoy-", 20),
                      "as expected for this library");
        else
                check(rs_ok && s.entries == 0 && REP->side_bytes == 0, "as expected for this library");
}

static void part2(void) {
        REP = mmap(NULL, sizeof *REP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (REP == MAP_FAILED)
                die("mmap");
        if (journal_socket_fd() < 0) {
                check(0, "the parent has exactly one journal socket before part 2 (%d)", journal_sockets(0));
                return;
        }
        variant(V_CLOSED, "the child closed every fd, then logged");
        variant(V_PIPE, "a pipe dup2'ed onto the library's socket number");
        variant(V_SEQPACKET, "a seqpacket connection of the child's dup2'ed onto it");
        variant(V_DGRAM, "a datagram socket of the child's (bound to a name) dup2'ed onto it");
        variant(V_INET, "an AF_INET datagram socket dup2'ed onto it");
        variant(V_THREADS, "the child closed every fd, then 8 threads log at once");
        munmap(REP, sizeof *REP);
}

int main(int argc, char **argv) {
        stress_init("jfork");
        if (argc > 1)
                NC = atoi(argv[1]);
        if (argc > 2)
                PER = atoi(argv[2]);
        if (argc > 3)
                GRAND = atoi(argv[3]);
        if (NC < 1 || NC > MAXC || PER < 1 || GRAND < 0)
                return 2;
        journal_ns_init();
        RFD = journal_receiver();
        int fds0 = count_fds();
        part1();
        part2();
        check(journal_sockets(0) == 1, "the parent still has exactly one journal socket");
        check(count_fds() == fds0 + 1, "no other fd left open in the parent (%d before, %d after)", fds0, count_fds());
        journal_sockets(1); /* for valgrind's fd tracking: kept by design */
        close(RFD);
        return FAILED;
}
