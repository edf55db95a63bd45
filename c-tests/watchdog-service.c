/* watchdog-service.c -- a Type=notify test service using only the public
 * <systemd/sd-daemon.h> API: sd_watchdog_enabled, sd_notify, sd_notifyf,
 * sd_notify_barrier.  Used by tests/suites/50-systemd-watchdog.sh under a
 * real systemd, linked either against sdlite or the system libsystemd.
 *
 * Behaviour:
 *   1. sd_watchdog_enabled(0, &usec)           (reported on stderr)
 *   2. sleeps STARTUP_DELAY_MS (env, or argv[1]; default 1500) so that the
 *      unit can be seen "activating"
 *   3. sd_notifyf("READY=1\nSTATUS=ready pid=P wd_usec=U")
 *   4. r = sd_notify_barrier(0, 5 s); reported as "barrier=r" in the next
 *      STATUS= and on stderr
 *   5. every usec/2: sd_notifyf("WATCHDOG=1\nSTATUS=running barrier=r
 *      beats=N pid=P wd_usec=U")
 *   6. if STUCK_AFTER_SEC (env) is set: that many seconds after READY it
 *      sends "STATUS=stuck ..." (with plain sd_notify) and then never
 *      notifies again (pause()).
 * SIGTERM/SIGINT end it with exit code 0 at any point.
 *
 * Exit codes: 0 terminated by SIGTERM/SIGINT; 1 bad arguments/environment;
 * 2 sd_watchdog_enabled() failed; 3 READY=1 could not be sent (not run by
 * systemd?); 4 a WATCHDOG=1 heartbeat could not be sent; 5 the watchdog is
 * not enabled but REQUIRE_WATCHDOG=1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

static volatile sig_atomic_t got_term;

static void on_term(int sig) {
        (void) sig;
        got_term = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
        struct timespec ts;
        va_list ap;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        fprintf(stderr, "watchdog-service[%d] %ld.%03ld: ", (int) getpid(), (long) ts.tv_sec, ts.tv_nsec / 1000000);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        fflush(stderr);
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* Sleep until the absolute CLOCK_MONOTONIC time `until` (usec); returns
 * early (with 1) only when SIGTERM/SIGINT arrived. */
static int sleep_until(uint64_t until) {
        struct timespec ts = {
                .tv_sec = (time_t) (until / 1000000u),
                .tv_nsec = (long) (until % 1000000u) * 1000,
        };
        for (;;) {
                if (got_term)
                        return 1;
                int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                if (r == 0)
                        return got_term ? 1 : 0;
                if (r != EINTR) {
                        say("clock_nanosleep: %s", strerror(r));
                        return 0;
                }
        }
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s)
                return -1;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || s[0] == '-')
                return -1;
        *ret = v;
        return 0;
}

static int terminated(void) {
        say("got SIGTERM/SIGINT, exiting 0");
        return 0;
}

int main(int argc, char *argv[]) {
        uint64_t wd_usec = 0, delay_ms = 1500, stuck_after_sec = 0, beats = 0;
        int have_stuck = 0, wd, r, barrier;
        const char *e;
        struct sigaction sa;

        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        e = argc > 1 ? argv[1] : getenv("STARTUP_DELAY_MS");
        if (e && parse_u64(e, &delay_ms) < 0) {
                say("bad startup delay '%s' (milliseconds expected)", e);
                return 1;
        }
        e = getenv("STUCK_AFTER_SEC");
        if (e && *e) {
                if (parse_u64(e, &stuck_after_sec) < 0) {
                        say("bad STUCK_AFTER_SEC '%s'", e);
                        return 1;
                }
                have_stuck = 1;
        }

        say("starting: NOTIFY_SOCKET=%s WATCHDOG_PID=%s WATCHDOG_USEC=%s delay=%llums stuck_after=%s",
            getenv("NOTIFY_SOCKET") ?: "(unset)", getenv("WATCHDOG_PID") ?: "(unset)",
            getenv("WATCHDOG_USEC") ?: "(unset)", (unsigned long long) delay_ms,
            have_stuck ? getenv("STUCK_AFTER_SEC") : "never");

        wd = sd_watchdog_enabled(0, &wd_usec);
        if (wd < 0) {
                say("sd_watchdog_enabled failed: %s", strerror(-wd));
                return 2;
        }
        say("sd_watchdog_enabled returned %d, usec=%llu", wd, (unsigned long long) wd_usec);
        if (wd == 0) {
                wd_usec = 0;
                e = getenv("REQUIRE_WATCHDOG");
                if (e && strcmp(e, "1") == 0) {
                        say("watchdog not enabled but REQUIRE_WATCHDOG=1");
                        return 5;
                }
        }

        say("startup delay %llu ms before READY=1", (unsigned long long) delay_ms);
        if (sleep_until(now_usec() + delay_ms * 1000u))
                return terminated();

        r = sd_notifyf(0, "READY=1\nSTATUS=ready pid=%d wd_usec=%llu", (int) getpid(),
                       (unsigned long long) wd_usec);
        if (r <= 0) {
                say("sd_notifyf(READY=1) returned %d (%s)", r,
                    r < 0 ? strerror(-r) : "NOTIFY_SOCKET not set");
                return 3;
        }
        say("sent READY=1 (sd_notifyf returned %d)", r);
        uint64_t ready_at = now_usec();

        barrier = sd_notify_barrier(0, 5 * 1000000u);
        say("sd_notify_barrier returned %d%s%s", barrier, barrier < 0 ? ": " : "",
            barrier < 0 ? strerror(-barrier) : "");
        r = sd_notifyf(0, "STATUS=running barrier=%d beats=0 pid=%d wd_usec=%llu", barrier,
                       (int) getpid(), (unsigned long long) wd_usec);
        if (r <= 0)
                say("sd_notifyf(STATUS=) after the barrier returned %d", r);

        uint64_t period = wd_usec / 2;
        if (period == 0)
                period = 1000000u; /* no watchdog: just a status tick */
        uint64_t next = now_usec() + period;
        uint64_t stuck_at = ready_at + stuck_after_sec * 1000000u;

        for (;;) {
                if (have_stuck && now_usec() >= stuck_at) {
                        say("STUCK_AFTER_SEC=%llu reached after %llu beats: no more heartbeats",
                            (unsigned long long) stuck_after_sec, (unsigned long long) beats);
                        /* plain sd_notify() (not the f variant) on purpose */
                        char msg[128];
                        snprintf(msg, sizeof msg, "STATUS=stuck barrier=%d beats=%llu pid=%d", barrier,
                                 (unsigned long long) beats, (int) getpid());
                        r = sd_notify(0, msg);
                        if (r <= 0)
                                say("sd_notify(STATUS=stuck) returned %d", r);
                        while (!got_term)
                                pause();
                        return terminated();
                }
                uint64_t wake = next;
                if (have_stuck && stuck_at < wake)
                        wake = stuck_at;
                if (sleep_until(wake))
                        return terminated();
                if (now_usec() < next)
                        continue; /* woke for the stuck deadline */
                next += period;
                if (wd_usec == 0)
                        continue;
                beats++;
                r = sd_notifyf(0, "WATCHDOG=1\nSTATUS=running barrier=%d beats=%llu pid=%d wd_usec=%llu",
                               barrier, (unsigned long long) beats, (int) getpid(),
                               (unsigned long long) wd_usec);
                if (r <= 0) {
                        say("heartbeat %llu: sd_notifyf(WATCHDOG=1) returned %d", (unsigned long long) beats, r);
                        return 4;
                }
                say("heartbeat %llu sent", (unsigned long long) beats);
        }
}
