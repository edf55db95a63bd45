/* Built by tests/suites/10-abi.sh against build/libsystemd.a (static), with sdlite's header.
 * Binds an abstract datagram socket of its own, points $NOTIFY_SOCKET at it and checks the
 * exact bytes sd_notify(), sd_notifyf() and sd_pid_notify_with_fds() send (and the fd passed).
 * Exit 0 on success; prints one line per check. */
#define _GNU_SOURCE
#include <systemd/sd-daemon.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int s = -1;

static int expect(const char *what, int r, const char *want, int *fd_out) {
    if (r != 1) {
        fprintf(stderr, "static-notify: %s returned %d, expected 1\n", what, r);
        return 0;
    }
    char buf[512];
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(4 * sizeof(int))]; } c;
    struct iovec iov = { buf, sizeof buf - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &c, .msg_controllen = sizeof c };
    ssize_t n = recvmsg(s, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        fprintf(stderr, "static-notify: %s: recvmsg: %s\n", what, strerror(errno));
        return 0;
    }
    buf[n] = 0;
    if (strcmp(buf, want) != 0) {
        fprintf(stderr, "static-notify: %s sent \"%s\", expected \"%s\"\n", what, buf, want);
        return 0;
    }
    if (mh.msg_flags & MSG_CTRUNC) {
        fprintf(stderr, "static-notify: %s: control data truncated\n", what);
        return 0;
    }
    int nfds = 0;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
            nfds += (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            if (fd_out)
                memcpy(fd_out, CMSG_DATA(h), sizeof(int));
        }
    if (nfds != (fd_out ? 1 : 0)) {
        fprintf(stderr, "static-notify: %s: %d fds received, expected %d\n", what, nfds, fd_out ? 1 : 0);
        return 0;
    }
    printf("ok: %s -> \"%s\"\n", what, want);
    return 1;
}

int main(void) {
    s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return perror("socket"), 1;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int len = snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "sdlite-static-%d", (int)getpid());
    if (bind(s, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) < 0)
        return perror("bind"), 1;
    char env[128];
    snprintf(env, sizeof env, "@%s", sa.sun_path + 1);
    setenv("NOTIFY_SOCKET", env, 1);

    if (!expect("sd_notify", sd_notify(0, "READY=1"), "READY=1", NULL))
        return 1;
    if (!expect("sd_notifyf", sd_notifyf(0, "STATUS=%s %d", "static", 42), "STATUS=static 42", NULL))
        return 1;

    int fd = -1, pass = STDIN_FILENO, got = -1;
    struct stat a, b;
    if (fstat(pass, &a) < 0)
        return perror("fstat"), 1;
    if (!expect("sd_pid_notify_with_fds", sd_pid_notify_with_fds(0, 0, "FDSTORE=1", &pass, 1), "FDSTORE=1", &got))
        return 1;
    fd = got;
    if (fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        fprintf(stderr, "static-notify: the fd received is not stdin\n");
        return 1;
    }
    printf("ok: the fd received is the one passed\n");

    if (sd_notify(1, "STOPPING=1") != 1 || getenv("NOTIFY_SOCKET")) {
        fprintf(stderr, "static-notify: sd_notify(1, ...) did not unset $NOTIFY_SOCKET\n");
        return 1;
    }
    if (sd_notify(0, "READY=1") != 0) {
        fprintf(stderr, "static-notify: sd_notify without $NOTIFY_SOCKET did not return 0\n");
        return 1;
    }
    printf("ok: unset_environment, then 0 without $NOTIFY_SOCKET\n");
    return 0;
}
