/* Code written for systemd's <systemd/sd-id128.h> that uses every declaration, macro and inline
 * helper of it. tests/suites/13-header-id128.sh compiles it unchanged against systemd 252's
 * header and against sdlite's, as C (c99, c11, gnu11, c2x) and C++ (c++11, c++17, c++20), with
 * -Wall -Wextra -Werror; every combination that passes with systemd's header must pass with
 * ours. Built on sdlite's library it also runs, and checks what the macros and functions give.
 *
 * What C++ cannot have is left out there, with either header: SD_ID128_TO_STRING and
 * SD_ID128_TO_UUID_STRING (the address of a temporary array) and SD_ID128_CONST_STR. */
#include <systemd/sd-id128.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef foosdid128hfoo
#error "the header does not use systemd's include guard foosdid128hfoo"
#endif

/* Every function through a pointer of its exact type. */
static char *(*const p_to_string)(sd_id128_t, char *) = sd_id128_to_string;
static char *(*const p_to_uuid_string)(sd_id128_t, char *) = sd_id128_to_uuid_string;
static int (*const p_from_string)(const char *, sd_id128_t *) = sd_id128_from_string;
static int (*const p_randomize)(sd_id128_t *) = sd_id128_randomize;
static int (*const p_get_machine)(sd_id128_t *) = sd_id128_get_machine;
static int (*const p_get_boot)(sd_id128_t *) = sd_id128_get_boot;
static int (*const p_get_invocation)(sd_id128_t *) = sd_id128_get_invocation;
static int (*const p_get_machine_app_specific)(sd_id128_t, sd_id128_t *) = sd_id128_get_machine_app_specific;
static int (*const p_get_boot_app_specific)(sd_id128_t, sd_id128_t *) = sd_id128_get_boot_app_specific;
static int (*const p_string_equal)(const char *, sd_id128_t) = sd_id128_string_equal;
static int (*const p_equal)(sd_id128_t, sd_id128_t) = sd_id128_equal;
static int (*const p_is_null)(sd_id128_t) = sd_id128_is_null;
static int (*const p_is_allf)(sd_id128_t) = sd_id128_is_allf;
static int (*const p_in_setv)(sd_id128_t, va_list) = sd_id128_in_setv;

/* A static initializer, what SD_ID128_ARRAY is for. */
static const sd_id128_t WALDI = SD_ID128_ARRAY(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10);
static const union sd_id128 OTHER = SD_ID128_ARRAY(f0, e1, d2, c3, b4, a5, 96, 87, 78, 69, 5a, 4b, 3c, 2d, 1e, 0f);

static int failures;

static void check(int ok, const char *what) {
        printf("%s %s\n", ok ? "ok" : "FAIL", what);
        if (!ok)
                failures++;
}

static int in_set_via_v(sd_id128_t a, ...) {
        va_list ap;
        int r;
        va_start(ap, a);
        r = p_in_setv(a, ap);
        va_end(ap);
        return r;
}

int main(void) {
        char s[SD_ID128_STRING_MAX], u[SD_ID128_UUID_STRING_MAX], f[SD_ID128_UUID_STRING_MAX];
        sd_id128_t id = SD_ID128_NULL, made = SD_ID128_MAKE(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10);
        sd_id128_t allf = SD_ID128_ALLF;
        int r;

        check(sizeof(sd_id128_t) == 16 && sizeof(union sd_id128) == 16, "sd_id128_t is 16 bytes");
        check(SD_ID128_STRING_MAX == 33 && SD_ID128_UUID_STRING_MAX == 37, "SD_ID128_STRING_MAX, SD_ID128_UUID_STRING_MAX");
        check(p_equal(made, WALDI) && made.qwords[0] == WALDI.qwords[0] && made.bytes[15] == 0x10,
              "SD_ID128_MAKE, SD_ID128_ARRAY, sd_id128_equal, .bytes, .qwords");
        check(p_is_null(id) && !p_is_null(made) && p_is_allf(allf) && !p_is_allf(made),
              "SD_ID128_NULL, SD_ID128_ALLF, sd_id128_is_null, sd_id128_is_allf");

        check(p_to_string(made, s) == s && strcmp(s, "0102030405060708090a0b0c0d0e0f10") == 0, "sd_id128_to_string");
        check(strcmp(s, SD_ID128_MAKE_STR(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10)) == 0,
              "SD_ID128_MAKE_STR");
        check(p_to_uuid_string(made, u) == u &&
              strcmp(u, SD_ID128_MAKE_UUID_STR(01, 02, 03, 04, 05, 06, 07, 08, 09, 0a, 0b, 0c, 0d, 0e, 0f, 10)) == 0,
              "sd_id128_to_uuid_string, SD_ID128_MAKE_UUID_STR");
        snprintf(f, sizeof f, SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL(made));
        check(strcmp(f, s) == 0, "SD_ID128_FORMAT_STR, SD_ID128_FORMAT_VAL");
        snprintf(f, sizeof f, SD_ID128_UUID_FORMAT_STR, SD_ID128_FORMAT_VAL(made));
        check(strcmp(f, u) == 0, "SD_ID128_UUID_FORMAT_STR");
#ifndef __cplusplus
        check(strcmp(SD_ID128_TO_STRING(made), s) == 0 && strcmp(SD_ID128_TO_UUID_STRING(made), u) == 0,
              "SD_ID128_TO_STRING, SD_ID128_TO_UUID_STRING");
        check(strcmp(SD_ID128_CONST_STR(OTHER), "f0e1d2c3b4a5968778695a4b3c2d1e0f") == 0, "SD_ID128_CONST_STR");
#endif

        r = p_from_string(u, &id);
        check(r == 0 && p_equal(id, made), "sd_id128_from_string (UUID form)");
        check(p_from_string("nope", NULL) < 0, "sd_id128_from_string refuses junk");
        check(p_string_equal(s, made) == 1 && p_string_equal(u, OTHER) == 0 && p_string_equal("x", made) < 0,
              "sd_id128_string_equal");

        check(sd_id128_in_set(made, OTHER, WALDI) && !sd_id128_in_set(made, OTHER) &&
              sd_id128_in_set_sentinel(made, WALDI, SD_ID128_NULL) && in_set_via_v(made, OTHER, WALDI, SD_ID128_NULL),
              "sd_id128_in_set, sd_id128_in_set_sentinel, sd_id128_in_setv");

        r = p_randomize(&id);
        check(r == 0 && (id.bytes[6] & 0xf0) == 0x40 && (id.bytes[8] & 0xc0) == 0x80, "sd_id128_randomize: a v4 UUID");

        /* The environment's IDs may be missing here; only the calls and their types matter. */
        r = p_get_machine(&id);
        check(r == 0 || r < 0, "sd_id128_get_machine");
        r = p_get_boot(&id);
        check(r == 0 || r < 0, "sd_id128_get_boot");
        r = p_get_invocation(&id);
        check(r == 0 || r < 0, "sd_id128_get_invocation");
        r = p_get_machine_app_specific(made, &id);
        check(r == 0 || r < 0, "sd_id128_get_machine_app_specific");
        r = p_get_boot_app_specific(made, &id);
        check(r == 0 || r < 0, "sd_id128_get_boot_app_specific");

        printf("# %d failed\n", failures);
        return failures != 0;
}
