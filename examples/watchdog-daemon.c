/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* watchdog-daemon.c -- a Type=notify service with a watchdog heartbeat, on sdlite through
 * pkg-config (examples/Makefile):
 *
 *     cc -o watchdog-daemon watchdog-daemon.c $(pkg-config --cflags --libs libsystemd) \
 *        -Wl,-rpath,$(pkg-config --variable=libdir libsystemd)
 *
 *     [Service]
 *     Type=notify
 *     NotifyAccess=main
 *     WatchdogSec=10
 *     Restart=always
 *     ExecStart=/path/to/watchdog-daemon
 *
 * It reads the interval with sd_watchdog_enabled(), sends READY=1 and a STATUS= line, then
 * WATCHDOG=1 every WATCHDOG_USEC/2. With --stuck-after N (or STUCK_AFTER_SEC=N) its loop gets
 * stuck N seconds after READY=1 (a sleep that never ends), so systemd's watchdog kills and
 * restarts it. --startup-delay MS (or STARTUP_DELAY_MS) waits before READY=1.
 *
 * Exit status: 0 on SIGTERM/SIGINT, 1 bad arguments, 3 an sd_* call failed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
        char line[512];
        int n = snprintf(line, sizeof line, "c[%d]: ", (int) getpid());
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t) n - 1, fmt, ap);
        va_end(ap);
        strcat(line, "\n");
        fputs(line, stderr); /* one write: lines from several processes do not mix */
}

static void on_term(int sig) {
        (void) sig;
        _exit(0); /* systemctl stop: done, even while stuck */
}

static double now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void sleep_sec(double s) {
        if (s <= 0)
                return;
        struct timespec ts = { .tv_sec = (time_t) s, .tv_nsec = (long) ((s - (double) (time_t) s) * 1e9) };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int notify(const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        int r = sd_notify(0, msg);
        if (r < 0) {
                say("sd_notify(\"%s\") failed: %s", msg, strerror(-r));
                exit(3);
        }
        return r;
}

static int number(const char *s, double *ret) {
        char *end;
        if (!s || !*s)
                return 0;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || v < 0)
                return -1;
        *ret = v;
        return 1;
}

int main(int argc, char *argv[]) {
        double stuck_after = -1, delay_ms = 0, v;
        const char *stuck_env = getenv("STUCK_AFTER_SEC"), *delay_env = getenv("STARTUP_DELAY_MS");

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--stuck-after") == 0 && i + 1 < argc)
                        stuck_env = argv[++i];
                else if (strcmp(argv[i], "--startup-delay") == 0 && i + 1 < argc)
                        delay_env = argv[++i];
                else {
                        fprintf(stderr, "usage: %s [--stuck-after SEC] [--startup-delay MS]\n", argv[0]);
                        return 1;
                }
        }
        int r = number(stuck_env, &v);
        if (r < 0) {
                say("bad STUCK_AFTER_SEC '%s'", stuck_env);
                return 1;
        }
        if (r > 0)
                stuck_after = v;
        r = number(delay_env, &v);
        if (r < 0) {
                say("bad STARTUP_DELAY_MS '%s'", delay_env);
                return 1;
        }
        if (r > 0)
                delay_ms = v;

        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);

        /* which libsystemd the loader gave us (pkg-config's -L and the rpath decide) */
        Dl_info info;
        char real[PATH_MAX];
        if (dladdr((void *) sd_notify, &info) && info.dli_fname)
                say("using %s", realpath(info.dli_fname, real) ? real : info.dli_fname);

        uint64_t usec = 0;
        r = sd_watchdog_enabled(0, &usec);
        if (r < 0) {
                say("sd_watchdog_enabled failed: %s", strerror(-r));
                return 3;
        }
        double interval = r > 0 ? (double) usec / 2 / 1e6 : 0;
        if (interval > 0)
                say("watchdog every %.3f s: heartbeat every %.3f s", (double) usec / 1e6, interval);
        else
                say("watchdog not enabled (no WATCHDOG_USEC for this pid): no heartbeats");

        if (delay_ms > 0) {
                say("starting up for %.0f ms", delay_ms);
                sleep_sec(delay_ms / 1000);
        }

        char hb[64];
        if (interval > 0)
                snprintf(hb, sizeof hb, "heartbeat every %.3f s", interval);
        else
                snprintf(hb, sizeof hb, "no watchdog");
        if (notify("READY=1\nSTATUS=c: ready, %s", hb) == 0)
                say("NOTIFY_SOCKET is not set: not run by systemd (try sdlite-listen -- ...)");
        else
                say("sent READY=1");

        double ready_at = now(), next_beat = ready_at + interval;
        unsigned long beats = 0;
        for (;;) {
                double t = now();
                if (stuck_after >= 0 && t - ready_at >= stuck_after) {
                        notify("STATUS=c: stuck on purpose after %lu heartbeats (STUCK_AFTER_SEC=%g)", beats,
                               stuck_after);
                        say("stuck after %lu heartbeats: no more WATCHDOG=1", beats);
                        for (;;) /* the loop never comes back */
                                sleep_sec(3600);
                }
                double wake = interval > 0 ? next_beat : t + 3600;
                if (stuck_after >= 0 && ready_at + stuck_after < wake)
                        wake = ready_at + stuck_after;
                sleep_sec(wake - t);
                if (interval > 0 && now() >= next_beat) {
                        beats++;
                        notify("WATCHDOG=1\nSTATUS=c: alive, heartbeat %lu", beats);
                        next_beat += interval;
                }
        }
}
