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
#include <unistd.h>

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


/* The three methods every benchmark compares, and the three ratios it reports. */
enum { M_FLOOR, M_SDLITE, M_LIBSYSTEMD, N_METH };
static const char *const meth_name[N_METH] = { "floor", "sdlite", "libsystemd" };
static const int ratio_of[3][2] = { { M_SDLITE, M_FLOOR }, { M_LIBSYSTEMD, M_FLOOR }, { M_SDLITE, M_LIBSYSTEMD } };
static const char *const ratio_name[3] = { "sdlite/floor", "libsystemd/floor", "sdlite/libsystemd" };

/* One row's results: each method's ns per call, and each ratio taken round by round. */
struct row_stats {
        struct summary s[N_METH], q[3];
};

/* t[meth][round]: ns per call of one row, `rounds` rounds. */
static struct row_stats row_stats(double *const t[N_METH], unsigned rounds) {
        struct row_stats st;
        double *tmp = malloc(rounds * sizeof *tmp);
        if (!tmp)
                fatal("malloc");
        for (int k = 0; k < N_METH; k++)
                st.s[k] = summarize(t[k], rounds);
        for (int k = 0; k < 3; k++) {
                for (unsigned r = 0; r < rounds; r++)
                        tmp[r] = t[ratio_of[k][0]][r] / t[ratio_of[k][1]][r];
                st.q[k] = summarize(tmp, rounds);
        }
        free(tmp);
        return st;
}

/* The two tables (ns per call, ratios) on stdout, and the same in CSV_DIR/PER_CALL and
 * CSV_DIR/RATIOS (when CSV_DIR is given): n rows named name[i] (CSV) and label[i] (tables). */
static void report_rows(const char *column, int n, const char *const *name, const char *const *label,
                        const struct row_stats *st, const char *csv_dir, const char *per_call, const char *ratios,
                        unsigned rounds, unsigned batch) {
        printf("\nns per call, median [p10 .. p90]\n");
        printf("%-30s %22s %22s %22s\n", column, "floor", "sdlite", "libsystemd");
        for (int i = 0; i < n; i++) {
                printf("%-30s", label[i]);
                for (int k = 0; k < N_METH; k++) {
                        char cell[64];
                        snprintf(cell, sizeof cell, "%.0f [%.0f .. %.0f]", st[i].s[k].med, st[i].s[k].p10, st[i].s[k].p90);
                        printf(" %22s", cell);
                }
                printf("\n");
        }
        printf("\nratios, median over rounds of each round's ratio [p10 .. p90]\n");
        printf("%-30s %22s %22s %22s\n", column, ratio_name[0], ratio_name[1], ratio_name[2]);
        for (int i = 0; i < n; i++) {
                printf("%-30s", label[i]);
                for (int k = 0; k < 3; k++) {
                        char cell[64];
                        snprintf(cell, sizeof cell, "%.3f [%.3f .. %.3f]", st[i].q[k].med, st[i].q[k].p10, st[i].q[k].p90);
                        printf(" %22s", cell);
                }
                printf("\n");
        }
        FILE *f = open_csv(csv_dir, per_call);
        if (f) {
                fprintf(f, "message,label,method,median_ns,p10_ns,p90_ns,rounds,batch\n");
                for (int i = 0; i < n; i++)
                        for (int k = 0; k < N_METH; k++)
                                fprintf(f, "%s,%s,%s,%.1f,%.1f,%.1f,%u,%u\n", name[i], label[i], meth_name[k],
                                        st[i].s[k].med, st[i].s[k].p10, st[i].s[k].p90, rounds, batch);
                fclose(f);
        }
        f = open_csv(csv_dir, ratios);
        if (f) {
                fprintf(f, "message,label,ratio,median,p10,p90,rounds\n");
                for (int i = 0; i < n; i++)
                        for (int k = 0; k < 3; k++)
                                fprintf(f, "%s,%s,%s,%.4f,%.4f,%.4f,%u\n", name[i], label[i], ratio_name[k],
                                        st[i].q[k].med, st[i].q[k].p10, st[i].q[k].p90, rounds);
                fclose(f);
        }
}



/* Each program's own usage message, which exits 2: num() calls it on a bad number. */
static void usage(void);

/* A decimal command-line number, or usage(). */
static unsigned long num(const char *s) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *s == 0 || *end != 0)
                usage();
        return v;
}

/* This program's own path (/proc/self/exe). */
static void self_exe(char *out, size_t size) {
        ssize_t n = readlink("/proc/self/exe", out, size - 1);
        if (n < 0)
                fatal("readlink /proc/self/exe");
        out[n] = 0;
}

/* The sdlite library the programs measure by default: <repo>/build/libsystemd.so.0 when they
 * run from <repo>/build/bench/. */
static void default_sdlite_path(char *out, size_t size) {
        self_exe(out, size);
        for (int up = 0; up < 2; up++) {
                char *s = strrchr(out, '/');
                if (s)
                        *s = 0;
        }
        strncat(out, "/libsystemd.so.0", size - strlen(out) - 1);
}

#endif
