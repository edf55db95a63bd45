/* Reproducer (not run by the suites): two threads make a process's first journal calls, and
 * sdlite ends up with two journal sockets, one of them leaked.  See journal-socket-race.sh.
 *
 * sdlite's transport::socket() publishes a new socket in SOCKET (compare-and-swap) and only then
 * stores its inode in SOCKET_INODE and sets CHECKED_IN_THIS_PROCESS.  A thread that loads SOCKET
 * in between finds a socket number that is "not checked in this process" and whose inode does
 * not match (SOCKET_INODE still 0, or the previous socket's after a fork), takes it for a stale
 * number, opens a socket of its own and compare-and-swaps it in: the first socket stays open,
 * unreferenced, for the life of the process.  The same window opens in a forked child whose
 * inherited socket number was closed or reused.  The script stops thread A in that window with
 * gdb and lets thread B call; without gdb the window is a few instructions wide.
 * libsystemd 252 has no such window (one compare-and-swap of fd + 1, nothing after it).
 */
#include "../stress/journal.h"

__attribute__((noinline)) void b_done(void) {
        __asm__ volatile("");
}
static void *ta(void *x) {
        struct iovec v = iov_str("MESSAGE=A");
        printf("A: sd_journal_sendv -> %d\n", sd_journal_sendv(&v, 1));
        return x;
}
static void *tb(void *x) {
        usleep(300000);
        struct iovec v = iov_str("MESSAGE=B");
        printf("B: sd_journal_sendv -> %d\n", sd_journal_sendv(&v, 1));
        b_done();
        return x;
}
int main(void) {
        stress_init("journal-socket-race");
        journal_ns_init();
        int rfd = journal_receiver();
        pthread_t a, b;
        pthread_create(&a, NULL, ta, NULL);
        pthread_create(&b, NULL, tb, NULL);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        char buf[256];
        struct jentry e;
        int n = 0;
        while (recv_entry(rfd, buf, sizeof buf, 100, &e) >= 0)
                n++;
        int socks = journal_sockets(0);
        printf("entries received: %d; journal sockets in the process: %d (%s)\n", n, socks,
               socks == 1 ? "as it must be" : "one leaked");
        return socks == 1 ? 0 : 1;
}
