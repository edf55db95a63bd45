/* Stress (b): forked children notify; the receiver must see each child's own pid.
 *
 * The parent uses the library first (sd_notify and sd_pid_notify(getpid()): a library that
 * cached its pid would now carry a stale one into the children), then forks CHILDREN children
 * at once.  Each sends PER messages "CHILD=i\nPID=p\nSEQ=n", alternating sd_pid_notify(getpid(),
 * ...) and sd_notify(...), then forks a grandchild that sends GRAND messages with
 * sd_pid_notify(getpid(), ...) and sd_notify (two forks away from the first use).  The parent
 * receives everything and checks, for every datagram, that SCM_CREDENTIALS carries the pid of
 * the process that sent it: the child's pid as fork() returned it to us, and for grandchildren
 * the pid they report (which must be neither ours nor their parent's).
 *
 * usage: fork [CHILDREN [PER [GRAND]]]   (default 32 200 20)
 */
#include "stress.h"

#define MAXC 256

static int NC = 32, PER = 200, GRAND = 20;

static void child(int i) {
        char buf[96];
        int bad = 0;
        for (int n = 0; n < PER; n++) {
                snprintf(buf, sizeof buf, "CHILD=%d\nPID=%d\nSEQ=%d", i, (int) getpid(), n);
                int r = n % 2 ? sd_notify(0, buf) : sd_pid_notify(getpid(), 0, buf);
                bad += r != 1;
        }
        pid_t g = fork();
        if (g == 0) {
                for (int n = 0; n < GRAND; n++) {
                        snprintf(buf, sizeof buf, "GRAND=%d\nPID=%d\nPPID=%d\nSEQ=%d", i, (int) getpid(), (int) getppid(), n);
                        int r = n % 2 ? sd_notify(0, buf) : sd_pid_notify(getpid(), 0, buf);
                        bad += r != 1;
                }
                _exit(bad ? 1 : 0);
        }
        int st = 0;
        if (g < 0 || waitpid(g, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                bad++;
        _exit(bad ? 1 : 0);
}

int main(int argc, char **argv) {
        stress_init("fork");
        if (argc > 1)
                NC = atoi(argv[1]);
        if (argc > 2)
                PER = atoi(argv[2]);
        if (argc > 3)
                GRAND = atoi(argv[3]);
        if (NC < 1 || NC > MAXC || PER < 1 || GRAND < 0)
                return 2;
        int rfd = bind_receiver(path_of("notify.sock"), 0);
        setenv("NOTIFY_SOCKET", path_of("notify.sock"), 1);

        char buf[256];
        struct dgram d;
        /* use the library in the parent first */
        int r1 = sd_notify(0, "PARENT=1"), r2 = sd_pid_notify(getpid(), 0, "PARENT=2");
        int parent_ok = r1 == 1 && r2 == 1;
        for (int k = 0; k < 2; k++)
                if (recv_dgram(rfd, buf, sizeof buf, 2000, &d, 0) < 0 || !d.has_cred || d.cred.pid != getpid())
                        parent_ok = 0;
        check(parent_ok, "parent: sd_notify and sd_pid_notify(getpid()) before forking: 1 and 1, own pid in credentials");

        pid_t pids[MAXC];
        long t0 = now_ms();
        for (int i = 0; i < NC; i++) {
                pids[i] = fork_flushed();
                if (pids[i] == 0) {
                        close(rfd);
                        alarm(60);
                        child(i);
                }
        }
        int got[MAXC] = { 0 }, nextseq[MAXC] = { 0 }, gotg[MAXC] = { 0 };
        long total = 0, want = (long) NC * (PER + GRAND), wrong_pid = 0, malformed = 0, disorder = 0;
        char first_bad[160] = "";
        while (total < want) {
                ssize_t n = recv_dgram(rfd, buf, sizeof buf, 10000, &d, 0);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        errno = (int) -n;
                        die("recvmsg");
                }
                total++;
                int i, pid, ppid, seq;
                if (sscanf(buf, "CHILD=%d\nPID=%d\nSEQ=%d", &i, &pid, &seq) == 3 && i >= 0 && i < NC) {
                        got[i]++;
                        if (seq != nextseq[i]++)
                                disorder++;
                        if (!d.has_cred || d.cred.pid != pids[i] || pid != pids[i]) {
                                if (wrong_pid++ == 0)
                                        snprintf(first_bad, sizeof first_bad, "child %d: cred pid %d, its pid %d",
                                                 i, d.has_cred ? (int) d.cred.pid : -1, (int) pids[i]);
                        }
                } else if (sscanf(buf, "GRAND=%d\nPID=%d\nPPID=%d\nSEQ=%d", &i, &pid, &ppid, &seq) == 4 && i >= 0 &&
                           i < NC) {
                        gotg[i]++;
                        if (!d.has_cred || d.cred.pid != pid || pid == pids[i] || pid == getpid() || ppid != pids[i]) {
                                if (wrong_pid++ == 0)
                                        snprintf(first_bad, sizeof first_bad,
                                                 "grandchild of %d: cred pid %d, its pid %d, parent %d", i,
                                                 d.has_cred ? (int) d.cred.pid : -1, pid, ppid);
                        }
                } else if (malformed++ == 0)
                        snprintf(first_bad, sizeof first_bad, "malformed: %.100s", buf);
        }
        int failed_children = 0;
        for (int i = 0; i < NC; i++) {
                int st;
                if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        failed_children++;
        }
        fprintf(stderr, "fork: %d children x (%d + %d grandchild) messages in %ld ms\n", NC, PER, GRAND, now_ms() - t0);
        int incomplete = 0;
        for (int i = 0; i < NC; i++)
                incomplete += got[i] != PER || gotg[i] != GRAND;
        check(failed_children == 0, "%d children and their grandchildren: every call returned 1 (%d failed)", NC,
              failed_children);
        check(total == want && incomplete == 0, "received %ld of %ld datagrams, every child's and grandchild's complete",
              total, want);
        check(disorder == 0, "each child's messages in order (%ld out of order)", disorder);
        check(wrong_pid == 0 && malformed == 0,
              "every datagram carries the sender's own pid in SCM_CREDENTIALS (%ld wrong, %ld malformed%s%s)",
              wrong_pid, malformed, first_bad[0] ? "; first: " : "", first_bad);
        close(rfd);
        return FAILED;
}
