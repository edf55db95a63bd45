/* c-tests/journal/jcommon.h -- what the fake journald and the journal probes share.
 *
 *   struct sbuf, sb_printf(), sb_add()     a growing text buffer
 *   sb_bytes(sb, p, n)                     n bytes as canonical, lossless, diffable text (below)
 *   FJD_DIR, FJD_SOCKET, FJD_STDOUT        where the fake journald binds its sockets (the public
 *                                          paths /run/systemd/journal/{socket,stdout} are hard
 *                                          links to these, or absent, or something else)
 *   FJD_MARK                               the prefix of the probe's marker datagrams/streams
 *
 * The byte encoding: printable ASCII stands for itself except \ " ( ) { }, which are
 * backslash-escaped; \n \t \r are written so; every other byte is \xNN. A run of 8 or more equal
 * bytes is written once followed by {count}; a unit of 2..32 bytes repeated at least 3 times
 * (and covering at least 24 bytes) is written (unit){count}. The shortest unit wins, so the
 * same bytes always give the same text, and the text can be decoded back to the bytes.
 */
#ifndef JCOMMON_H
#define JCOMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FJD_DIR "/run/systemd/.fake-journald"
#define FJD_SOCKET FJD_DIR "/socket"
#define FJD_STDOUT FJD_DIR "/stdout"
#define FJD_MARK "\001FAKE-JOURNALD-MARK "
#define FJD_FILL "\001FAKE-JOURNALD-FILL"

struct sbuf {
        char *p;
        size_t n, cap;
};

static inline void sb_reserve(struct sbuf *b, size_t more) {
        if (b->n + more + 1 <= b->cap)
                return;
        size_t c = b->cap ? b->cap : 256;
        while (c < b->n + more + 1)
                c *= 2;
        char *q = realloc(b->p, c);
        if (!q) {
                fputs("jcommon: out of memory\n", stderr);
                exit(2);
        }
        b->p = q;
        b->cap = c;
}

static inline void sb_add(struct sbuf *b, const char *s, size_t n) {
        sb_reserve(b, n);
        memcpy(b->p + b->n, s, n);
        b->n += n;
        b->p[b->n] = 0;
}

__attribute__((format(printf, 2, 3))) static inline void sb_printf(struct sbuf *b, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (k < 0)
                return;
        sb_reserve(b, (size_t) k);
        va_start(ap, fmt);
        vsnprintf(b->p + b->n, (size_t) k + 1, fmt, ap);
        va_end(ap);
        b->n += (size_t) k;
}

static inline void sb_clear(struct sbuf *b) {
        b->n = 0;
        if (b->p)
                b->p[0] = 0;
}

static inline void sb_esc1(struct sbuf *b, unsigned char c) {
        char t[8];
        switch (c) {
        case '\n': sb_add(b, "\\n", 2); return;
        case '\t': sb_add(b, "\\t", 2); return;
        case '\r': sb_add(b, "\\r", 2); return;
        case '\\': case '"': case '(': case ')': case '{': case '}':
                t[0] = '\\';
                t[1] = (char) c;
                sb_add(b, t, 2);
                return;
        }
        if (c < 0x20 || c > 0x7e) {
                snprintf(t, sizeof t, "\\x%02x", c);
                sb_add(b, t, 4);
        } else {
                t[0] = (char) c;
                sb_add(b, t, 1);
        }
}

static inline void sb_bytes(struct sbuf *b, const void *data, size_t n) {
        const unsigned char *p = data;
        size_t i = 0;
        while (i < n) {
                size_t r = 1;
                while (i + r < n && p[i + r] == p[i])
                        r++;
                if (r >= 8) {
                        sb_esc1(b, p[i]);
                        sb_printf(b, "{%zu}", r);
                        i += r;
                        continue;
                }
                int done = 0;
                for (size_t per = 2; per <= 32 && i + 3 * per <= n; per++) {
                        size_t k = 1;
                        while (i + (k + 1) * per <= n && memcmp(p + i, p + i + k * per, per) == 0)
                                k++;
                        if (k >= 3 && per * k >= 24) {
                                sb_add(b, "(", 1);
                                for (size_t j = 0; j < per; j++)
                                        sb_esc1(b, p[i + j]);
                                sb_printf(b, "){%zu}", k);
                                i += per * k;
                                done = 1;
                                break;
                        }
                }
                if (!done)
                        sb_esc1(b, p[i++]);
        }
}

/* "..." around sb_bytes */
static inline void sb_quoted(struct sbuf *b, const void *data, size_t n) {
        sb_add(b, "\"", 1);
        sb_bytes(b, data, n);
        sb_add(b, "\"", 1);
}

static inline uint64_t jfnv(const void *data, size_t n) {
        const unsigned char *p = data;
        uint64_t h = 0xcbf29ce484222325ULL;
        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

#endif
