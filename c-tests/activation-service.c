/* activation-service.c -- a socket-activated Type=notify service using only the public
 * <systemd/sd-daemon.h> API (sd_listen_fds_with_names, sd_is_socket_unix, sd_is_socket_inet,
 * sd_is_socket_sockaddr, sd_is_socket, sd_notifyf).  tests/suites/52-systemd-socket-activation.sh
 * runs it under a real systemd, linked against sdlite.
 *
 * Environment (set in the unit):
 *   ALPHA_PATH  path of the AF_UNIX stream socket named "alpha"
 *   BETA_PORT   port of the TCP socket on 127.0.0.1 named "beta"
 *   GAMMA_PATH  path of the AF_UNIX datagram socket named "gamma"
 *
 * 1. sd_listen_fds_with_names(1, &names): finds each fd by its name and checks it with
 *    sd_is_socket_unix (alpha: stream, listening, its path; gamma: datagram, its path),
 *    sd_is_socket_inet + sd_is_socket_sockaddr (beta: AF_INET stream, listening, the port and
 *    127.0.0.1) and sd_is_socket for the family/type; checks that LISTEN_* are gone.
 * 2. sd_notifyf(0, "READY=1\nSTATUS=found alpha=fdN(unix-stream) beta=fdN(tcp4:PORT)
 *    gamma=fdN(unix-dgram) names=a:b:c").  Anything missing or wrong: STATUS=error ..., exit 1.
 * 3. Serves until SIGTERM: a connection on alpha or beta gets "alpha ok\n" / "beta ok\n"; a
 *    datagram on gamma gets "gamma ok\n" back to its sender.  Every answer is also logged on
 *    stdout, and the count goes into STATUS= ("... served=N").
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static volatile sig_atomic_t got_term;
static void on_term(int sig) {
        (void) sig;
        got_term = 1;
}

static int fail(const char *fmt, const char *a, int r) {
        char msg[512];
        snprintf(msg, sizeof msg, fmt, a, r);
        fprintf(stdout, "activation-service: error: %s\n", msg);
        fflush(stdout);
        sd_notifyf(0, "STATUS=error: %s", msg);
        return 1;
}

int main(void) {
        const char *alpha_path = getenv("ALPHA_PATH"), *gamma_path = getenv("GAMMA_PATH"), *bp = getenv("BETA_PORT");
        char **names = NULL;
        int alpha = -1, beta = -1, gamma = -1, r, n;

        setvbuf(stdout, NULL, _IOLBF, 0);
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);
        if (!alpha_path || !gamma_path || !bp)
                return fail("%sALPHA_PATH, BETA_PORT and GAMMA_PATH must be set (%d)", "", 0);
        int beta_port = atoi(bp);

        n = sd_listen_fds_with_names(1, &names);
        if (n <= 0)
                return fail("sd_listen_fds_with_names: %s%d", n < 0 ? "error " : "no fds ", n);
        if (getenv("LISTEN_PID") || getenv("LISTEN_FDS") || getenv("LISTEN_FDNAMES"))
                return fail("%sLISTEN_* still set after unset_environment=1 (%d)", "", n);
        char joined[256] = "";
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s", i ? ":" : "", names[i]);
                if (strcmp(names[i], "alpha") == 0)
                        alpha = fd;
                else if (strcmp(names[i], "beta") == 0)
                        beta = fd;
                else if (strcmp(names[i], "gamma") == 0)
                        gamma = fd;
                free(names[i]);
        }
        free(names);
        printf("activation-service: %d fds, names %s\n", n, joined);
        if (alpha < 0 || beta < 0 || gamma < 0)
                return fail("missing a name in '%s' (n=%d)", joined, n);

        /* alpha: AF_UNIX, SOCK_STREAM, listening, bound to ALPHA_PATH */
        if ((r = sd_is_socket_unix(alpha, SOCK_STREAM, 1, alpha_path, 0)) != 1)
                return fail("sd_is_socket_unix(alpha, STREAM, 1, %s) = %d", alpha_path, r);
        if ((r = sd_is_socket(alpha, AF_UNIX, SOCK_STREAM, 1)) != 1)
                return fail("sd_is_socket(alpha%s, AF_UNIX, STREAM, 1) = %d", "", r);
        if ((r = sd_is_socket_inet(alpha, 0, 0, -1, 0)) != 0)
                return fail("sd_is_socket_inet(alpha%s) = %d, want 0", "", r);
        /* beta: AF_INET, SOCK_STREAM, listening, 127.0.0.1:BETA_PORT */
        if ((r = sd_is_socket_inet(beta, AF_INET, SOCK_STREAM, 1, (uint16_t) beta_port)) != 1)
                return fail("sd_is_socket_inet(beta, AF_INET, STREAM, 1, %s) = %d", bp, r);
        struct sockaddr_in want = { .sin_family = AF_INET, .sin_port = htons((uint16_t) beta_port) };
        want.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if ((r = sd_is_socket_sockaddr(beta, SOCK_STREAM, (struct sockaddr *) &want, sizeof want, 1)) != 1)
                return fail("sd_is_socket_sockaddr(beta, 127.0.0.1:%s) = %d", bp, r);
        if ((r = sd_is_socket_unix(beta, 0, -1, NULL, 0)) != 0)
                return fail("sd_is_socket_unix(beta%s) = %d, want 0", "", r);
        /* gamma: AF_UNIX, SOCK_DGRAM, bound to GAMMA_PATH */
        if ((r = sd_is_socket_unix(gamma, SOCK_DGRAM, -1, gamma_path, 0)) != 1)
                return fail("sd_is_socket_unix(gamma, DGRAM, -1, %s) = %d", gamma_path, r);
        if ((r = sd_is_socket(gamma, AF_UNIX, SOCK_DGRAM, 0)) != 1)
                return fail("sd_is_socket(gamma%s, AF_UNIX, DGRAM, 0) = %d", "", r);

        char found[512];
        snprintf(found, sizeof found, "found alpha=fd%d(unix-stream) beta=fd%d(tcp4:%d) gamma=fd%d(unix-dgram) names=%s",
                 alpha, beta, beta_port, gamma, joined);
        r = sd_notifyf(0, "READY=1\nSTATUS=%s", found);
        printf("activation-service: READY=1 sent (r=%d): %s\n", r, found);
        if (r <= 0)
                return 3;

        struct pollfd p[3] = { { alpha, POLLIN, 0 }, { beta, POLLIN, 0 }, { gamma, POLLIN, 0 } };
        int served = 0;
        while (!got_term) {
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return fail("poll%s: %d", "", errno);
                }
                for (int i = 0; i < 2; i++)
                        if (p[i].revents & POLLIN) {
                                int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
                                if (c < 0)
                                        continue;
                                const char *ans = i == 0 ? "alpha ok\n" : "beta ok\n";
                                ssize_t w = write(c, ans, strlen(ans));
                                close(c);
                                served++;
                                printf("activation-service: answered on %s (%zd bytes)\n", i == 0 ? "alpha" : "beta", w);
                        }
                if (p[2].revents & POLLIN) {
                        struct sockaddr_un from;
                        socklen_t fl = sizeof from;
                        char buf[256];
                        ssize_t got = recvfrom(gamma, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
                        if (got >= 0 && fl > sizeof(sa_family_t)) {
                                ssize_t w = sendto(gamma, "gamma ok\n", 9, 0, (struct sockaddr *) &from, fl);
                                served++;
                                printf("activation-service: answered on gamma (%zd bytes)\n", w);
                        }
                }
                sd_notifyf(0, "STATUS=%s served=%d", found, served);
        }
        printf("activation-service: SIGTERM, served %d\n", served);
        return 0;
}
