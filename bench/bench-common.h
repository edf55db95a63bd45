/* bench/bench-common.h -- what notify-bench.c and login-bench.c share: callgrind's collection
 * switch, fatal(), the clock, order statistics, CSV files, and the orders in which methods are
 * interleaved.  Each program defines BENCH_PROG (its name, for fatal()) before including it. */
#ifndef SDLITE_BENCH_COMMON_H
#define SDLITE_BENCH_COMMON_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT do { } while (0)
#endif

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...) {
        va_list ap;
        int e = errno;
        va_start(ap, fmt);
        fprintf(stderr, BENCH_PROG ": ");
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (e)
                fprintf(stderr, " (%s)", strerror(e));
        fputc('\n', stderr);
        exit(2);
}

static uint64_t now_ns(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int same_file(const char *a, const char *b) {
        struct stat sa, sb;
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

static double pct(double *v, size_t n, double p) {
        qsort(v, n, sizeof *v, cmp_double);
        double idx = p * (double)(n - 1);
        size_t i = (size_t)idx;
        if (i + 1 >= n)
                return v[n - 1];
        return v[i] + (idx - (double)i) * (v[i + 1] - v[i]);
}

struct summary {
        double p10, med, p90;
};

static struct summary summarize(const double *v, size_t n) {
        double *w = malloc(n * sizeof *w);
        if (!w)
                fatal("malloc");
        memcpy(w, v, n * sizeof *w);
        struct summary s = { pct(w, n, 0.10), pct(w, n, 0.50), pct(w, n, 0.90) };
        free(w);
        return s;
}

static FILE *open_csv(const char *dir, const char *name) {
        if (!dir)
                return NULL;
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, name);
        FILE *f = fopen(p, "w");
        if (!f)
                fatal("fopen %s", p);
        return f;
}

/* The six orders of three methods: round r runs them in perms[r % 6], so that none is always
 * first (caches, frequency) or always right after another. */
static const int perms[6][3] = { { 0, 1, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 0, 2, 1 }, { 2, 1, 0 }, { 1, 0, 2 } };

#endif
