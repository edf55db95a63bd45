/* c-tests/common/testlib.h -- small helpers shared by the C test programs under c-tests/.
 *
 * Header-only (static inline), no library: each program includes it with a path relative to
 * its own file ("common/testlib.h" from c-tests/, "../common/testlib.h" from c-tests/diff/ and
 * c-tests/stress/), so the suites compile the programs exactly as before, without -I.
 * Nothing here prints on stdout: what the differential suites compare stays each program's own.
 *
 * Before including it, a program that uses die() defines TESTLIB_PROG, the name die() prints:
 * a string literal ("bad-inputs") or any expression of type const char * (stress.h: a variable
 * set at run time).
 *
 *   die(what)            "PROG: FATAL: what: strerror(errno)" on stderr, exit(2)
 *   rs(r)                a return value as text: "1", "0", "-EINVAL" ("-N" for an unknown errno);
 *                        8 rotating static buffers, not thread-safe
 *   fnv(p, n)            64-bit FNV-1a of n bytes (to summarise large payloads)
 *   now_ms()             CLOCK_MONOTONIC in milliseconds
 *   count_fds()          how many fds this process has open (/proc/self/fd)
 *   fork_flushed()       fork() after flushing stdout and stderr (dies when fork fails)
 *   set_or_unset(n, v)   setenv(n, v) or, for v == NULL, unsetenv(n)
 *   dir_path(dir, name)  "dir/name" in one of 8 rotating static buffers of 200 bytes
 *   scratch_base()       where scratch files go: $TMPDIR when it is absolute and at most 40
 *                        bytes (socket paths made below it must fit sun_path), else /tmp
 *   make_scratch_dir(buf, n, name)
 *                        mkdtemp "scratch_base()/name" (name ends in XXXXXX) into buf; dies
 *                        on failure
 *   bind_unix(type, sun_path, len)
 *                        an AF_UNIX socket (SOCK_CLOEXEC) bound to the first len bytes of sun_path
 *                        (abstract when sun_path[0] == 0); dies on failure ("socket", "bind")
 *   bind_dgram_path(path)
 *                        bind_unix(SOCK_DGRAM) to the filesystem path `path` (unlinked first,
 *                        the NUL counted)
 *   report_library()     "libsystemd: PATH" on stderr: the first libsystemd.so* this process
 *                        has mapped, as a real path; -1 when /proc/self/maps cannot be opened
 *   report_maps()        "maps: PATH" on stderr for the libsystemd.so* lines of /proc/self/maps
 *                        (a line equal to the one printed before is not printed again)
 */
#ifndef SDLITE_TESTLIB_H
#define SDLITE_TESTLIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifdef TESTLIB_PROG
static inline void die(const char *what) {
        fprintf(stderr, "%s: FATAL: %s: %s\n", TESTLIB_PROG, what, strerror(errno));
        fflush(stdout);
        exit(2);
}
#endif

static inline const char *rs(int r) {
        static char bufs[8][48];
        static int i;
        char *b = bufs[i++ & 7];
        if (r >= 0)
                snprintf(b, 48, "%d", r);
        else {
                const char *n = strerrorname_np(-r);
                if (n)
                        snprintf(b, 48, "-%s", n);
                else
                        snprintf(b, 48, "-%d", -r);
        }
        return b;
}

static inline uint64_t fnv(const unsigned char *p, size_t n) {
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static inline long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;
        struct dirent *e;
        if (!d)
                return -1;
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1; /* the directory's own fd */
}

#ifdef TESTLIB_PROG
static inline pid_t fork_flushed(void) {
        fflush(stdout);
        fflush(stderr);
        pid_t p = fork();
        if (p < 0)
                die("fork");
        return p;
}

static inline int bind_unix(int type, const char *sun_path, size_t len) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
        if (fd < 0)
                die("socket");
        memcpy(sa.sun_path, sun_path, len);
        if (bind(fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + len) < 0)
                die("bind");
        return fd;
}

static inline int bind_dgram_path(const char *path) {
        unlink(path);
        return bind_unix(SOCK_DGRAM, path, strlen(path) + 1);
}
#endif

static inline void set_or_unset(const char *name, const char *value) {
        if (value)
                setenv(name, value, 1);
        else
                unsetenv(name);
}

static inline const char *dir_path(const char *dir, const char *name) {
        static char b[8][200];
        static int i;
        char *p = b[i++ & 7];
        snprintf(p, 200, "%s/%s", dir, name);
        return p;
}

static inline const char *scratch_base(void) {
        const char *tmp = getenv("TMPDIR");
        if (!tmp || tmp[0] != '/' || strlen(tmp) > 40)
                tmp = "/tmp";
        return tmp;
}

#ifdef TESTLIB_PROG
static inline void make_scratch_dir(char *buf, size_t n, const char *name) {
        snprintf(buf, n, "%s/%s", scratch_base(), name);
        if (!mkdtemp(buf))
                die("mkdtemp");
}
#endif

static inline int report_library(void) {
        FILE *f = fopen("/proc/self/maps", "re");
        char line[4096];
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f)) {
                char *p = strchr(line, '/');
                if (p && strstr(p, "/libsystemd.so")) {
                        p[strcspn(p, "\n")] = 0;
                        char real[PATH_MAX];
                        fprintf(stderr, "libsystemd: %s\n", realpath(p, real) ? real : p);
                        break;
                }
        }
        fclose(f);
        return 0;
}

static inline void report_maps(void) {
        FILE *m = fopen("/proc/self/maps", "re");
        char line[1024], last[1024] = "";
        while (m && fgets(line, sizeof line, m)) {
                char *p = strchr(line, '/');
                if (p && strstr(p, "/libsystemd.so") && strcmp(p, last) != 0) {
                        fprintf(stderr, "maps: %s", p);
                        snprintf(last, sizeof last, "%s", p);
                }
        }
        if (m)
                fclose(m);
}

#endif
