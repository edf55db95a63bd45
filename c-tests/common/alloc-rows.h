/* c-tests/common/alloc-rows.h -- the table-driven measurement that c-tests/alloc-count.c and
 * c-tests/journal-alloc-count.c share: each row is one library call (with its setup and
 * clean-up), made 100 times with alloc-interpose.h's counters on; the first call and the other
 * 99 are reported apart, because a library may set something up once.  Include after
 * alloc-interpose.h and testlib.h.
 */
#ifndef SDLITE_ALLOC_ROWS_H
#define SDLITE_ALLOC_ROWS_H

#include <stdio.h>
#include <string.h>

struct row {
        const char *name;
        int must_be_zero; /* 1: sdlite's contract; 2: control, must be > 0; 0: information */
        void (*setup)(void);
        int (*call)(void);
        void (*after)(void);
};

/* --expect-zero: a contract row that allocates or locks is a failure (sdlite's run); without
 * it only the controls must see what they cause (the reference run) */
static int EXPECT_ZERO, FAILURES;

/* The controls: a call that allocates inside libc, and a lock taken the way a library binds
 * it; if these count nothing, the counters are not wired and every 0 would mean nothing. */
static int c_strdup(void) {
        char *p = strdup("x");
        COUNTING = 0;
        free(p);
        COUNTING = 1;
        return 1;
}
static int c_mutex(void) {
        static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        int (*lock)(pthread_mutex_t *) = (int (*)(pthread_mutex_t *)) dlsym(RTLD_DEFAULT, "pthread_mutex_lock");
        lock(&m);
        pthread_mutex_unlock(&m);
        return 1;
}
#define CONTROL_ROWS                                                                   \
        { "control: strdup (malloc called inside libc)", 2, NULL, c_strdup, NULL },   \
        { "control: pthread_mutex_lock as a library binds it", 2, NULL, c_mutex, NULL }

static void measure(const struct row *w) {
        long a[2] = { 0, 0 }, f[2] = { 0, 0 }, l[2] = { 0, 0 };
        int r0 = 0, rdiff = 0;
        for (int i = 0; i < 100; i++) {
                if (w->setup)
                        w->setup();
                N_ALLOC = N_FREE = N_LOCK = 0;
                COUNTING = 1;
                int r = w->call();
                COUNTING = 0;
                int k = i > 0;
                a[k] += N_ALLOC;
                f[k] += N_FREE;
                l[k] += N_LOCK;
                if (i == 0)
                        r0 = r;
                else if (r != r0)
                        rdiff = 1;
                if (w->after)
                        w->after();
        }
        int bad = w->must_be_zero == 1 ? a[0] + a[1] + l[0] + l[1] != 0
                  : w->must_be_zero == 2 ? (w->call == c_mutex ? l[0] == 0 : a[0] == 0)
                                         : 0;
        printf("%-56s r=%-13s allocs first=%ld next99=%ld frees first=%ld next99=%ld locks=%ld%s%s%s\n", w->name, rs(r0),
               a[0], a[1], f[0], f[1], l[0] + l[1],
               w->must_be_zero == 1 ? "  [must be 0]" : w->must_be_zero == 2 ? "  [control]" : "",
               rdiff ? "  (results varied)" : "", EXPECT_ZERO && bad ? "  <-- FAIL" : "");
        fflush(stdout);
        if (EXPECT_ZERO && bad)
                FAILURES++;
        if (!EXPECT_ZERO && w->must_be_zero == 2 && bad)
                FAILURES++;
}

#endif
