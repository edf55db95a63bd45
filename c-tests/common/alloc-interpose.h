/* c-tests/common/alloc-interpose.h -- counting replacements of malloc & co. and of the pthread
 * lock functions, for the programs that measure what a library call allocates and locks
 * (c-tests/alloc-count.c, c-tests/journal-alloc-count.c; tests/suites/73-async-signal-safety.sh).
 *
 * Included by exactly one file of a program, which must be linked with -rdynamic so that every
 * shared object (libsystemd.so.0, and libc's own internal callers of malloc) binds to these.
 * malloc, calloc, realloc, reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc
 * and pvalloc forward to glibc's __libc_* allocator (glibc supports replacing malloc this way);
 * pthread_mutex_lock/trylock, pthread_rwlock_rdlock/wrlock, pthread_spin_lock and sem_wait
 * forward through dlsym(RTLD_NEXT).  While the calling thread's COUNTING is non-zero, N_ALLOC,
 * N_FREE and N_LOCK count those calls.
 */
#ifndef SDLITE_ALLOC_INTERPOSE_H
#define SDLITE_ALLOC_INTERPOSE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);

static __thread int COUNTING;
static _Atomic long N_ALLOC, N_FREE, N_LOCK;

#define COUNT_ALLOC()                     \
        do {                              \
                if (COUNTING)             \
                        N_ALLOC++;        \
        } while (0)

void *malloc(size_t n) {
        COUNT_ALLOC();
        return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
        COUNT_ALLOC();
        return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
        COUNT_ALLOC();
        return __libc_realloc(p, n);
}
void *reallocarray(void *p, size_t a, size_t b) {
        size_t n;
        if (__builtin_mul_overflow(a, b, &n)) {
                errno = ENOMEM;
                return NULL;
        }
        COUNT_ALLOC();
        return __libc_realloc(p, n);
}
void free(void *p) {
        if (COUNTING && p)
                N_FREE++;
        __libc_free(p);
}
void *memalign(size_t al, size_t n) {
        COUNT_ALLOC();
        return __libc_memalign(al, n);
}
void *aligned_alloc(size_t al, size_t n) {
        COUNT_ALLOC();
        return __libc_memalign(al, n);
}
int posix_memalign(void **out, size_t al, size_t n) {
        if (al < sizeof(void *) || (al & (al - 1)))
                return EINVAL;
        COUNT_ALLOC();
        void *p = __libc_memalign(al, n);
        if (!p)
                return ENOMEM;
        *out = p;
        return 0;
}
void *valloc(size_t n) {
        COUNT_ALLOC();
        return __libc_valloc(n);
}
void *pvalloc(size_t n) {
        COUNT_ALLOC();
        return __libc_pvalloc(n);
}

/* Locks: forwarded to the next definition (libc's).  dlsym does not call these. */
#define LOCK_INTERPOSER(ret, name, params, args)                                  \
        ret name params {                                                         \
                static ret(*real) params;                                         \
                if (!real)                                                        \
                        real = (ret(*) params) dlsym(RTLD_NEXT, #name);           \
                if (COUNTING)                                                     \
                        N_LOCK++;                                                 \
                return real args;                                                 \
        }
LOCK_INTERPOSER(int, pthread_mutex_lock, (pthread_mutex_t * m), (m))
LOCK_INTERPOSER(int, pthread_mutex_trylock, (pthread_mutex_t * m), (m))
LOCK_INTERPOSER(int, pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
LOCK_INTERPOSER(int, pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
LOCK_INTERPOSER(int, pthread_spin_lock, (pthread_spinlock_t * l), (l))
LOCK_INTERPOSER(int, sem_wait, (sem_t * s), (s))

#endif
