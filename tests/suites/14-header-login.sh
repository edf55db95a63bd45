#!/usr/bin/env bash
# 14-header-login.sh -- include/systemd/sd-login.h (cbindgen from src/login/ffi.rs with
# cbindgen/login.toml) against systemd 252's, for code written for systemd's header:
#   a. c-tests/login/uses-every-declaration.c (every function of both halves through a pointer
#      of its exact type: the state half's 36, the process half's 8 sd_pid_get_* and 8
#      sd_peer_get_*, and with ours the 8 sd_pidfd_get_* of systemd 254, which 252's header lacks:
#      compiled against systemd's with -DSDLITE_TEST_SYSTEMD_252, as 11-header does; the
#      sd_login_monitor typedef, sd_login_monitor_unrefp with __attribute__((cleanup))) compiles
#      unchanged with gcc -std=c99/gnu11/c2x and g++ -std=c++11/c++17/c++20, -Wall -Wextra
#      -Werror, with -pedantic and stricter warnings: every row systemd's header passes, ours
#      passes; the header alone also as c89/gnu89. Without the macro, systemd's header fails on
#      the sd_pidfd_get_* uses and on nothing else.
#   b. both headers in one translation unit, both orders, C and C++: the shared include guard
#      foosdloginhfoo makes the second a no-op; ours and then systemd's _sd-common.h (through
#      its sd-journal.h): no macro clash (_sd_deprecated_, _SD_DEFINE_POINTER_CLEANUP_FUNC)
#   c. sd_seat_can_multi_session is deprecated in ours as in systemd's (-Werror=deprecated-declarations)
#   d. built against ours and linked to our library, the program runs and its 66 checks pass: 35
#      of the state half; for the process half, pid 0 against /proc/self/cgroup (cgroup, slice,
#      unit: 3), each of the 8 functions for getpid(), a socketpair peer and a pidfd of self
#      against pid 0 (24), and 4 refusals (-EINVAL, -EBADF)
# Prototypes themselves are compared by 11-header (all headers).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 14-header-login: include/systemd/sd-login.h against systemd 252's"
need gcc g++
OURS_DIR=$SDLITE_ROOT/include
SYS_H=/usr/include/systemd/sd-login.h
PROG=$SDLITE_ROOT/c-tests/login/uses-every-declaration.c
[ -f "$OURS_DIR/systemd/sd-login.h" ] || { echo "FAIL: $OURS_DIR/systemd/sd-login.h does not exist"; exit 1; }
[ -f "$SYS_H" ] || skip_or_fail "no $SYS_H (apt-get install libsystemd-dev)"
[ -e "$SDLITE_BUILD/libsystemd.so.0" ] || { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 missing (run make first)"; exit 1; }
scratch T
unset CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH LIBRARY_PATH
# systemd's header as a plain -I directory, like ours (no system-header warning amnesty)
mkdir -p "$T/sys/systemd"
cp "$SYS_H" /usr/include/systemd/_sd-common.h /usr/include/systemd/sd-journal.h /usr/include/systemd/sd-id128.h "$T/sys/systemd/"

# ------------------------------------------------------------------ a. the program, row by row
W=(-Wall -Wextra -Werror)
rows=(
    "gcc -std=c99 ${W[*]} -pedantic"
    "gcc -std=gnu11 ${W[*]} -pedantic"
    "gcc -std=c2x ${W[*]} -pedantic"
    "gcc -std=gnu11 ${W[*]} -pedantic -Wstrict-prototypes -Wmissing-prototypes -Wredundant-decls -Wundef -Wshadow -Wcast-qual -Wc++-compat"
    "g++ -x c++ -std=c++11 ${W[*]}"
    "g++ -x c++ -std=c++17 ${W[*]} -pedantic"
    "g++ -x c++ -std=c++20 ${W[*]} -pedantic -Wshadow -Wundef -Wold-style-cast -Wzero-as-null-pointer-constant"
)
for row in "${rows[@]}"; do
    read -ra cmd <<<"$row"
    sys=ok ours=ok
    "${cmd[@]}" -I"$T/sys" -DSDLITE_TEST_SYSTEMD_252 -fsyntax-only "$PROG" 2>/dev/null || sys=FAIL
    "${cmd[@]}" -I"$OURS_DIR" -fsyntax-only "$PROG" 2>"$T/err" || ours=FAIL
    if [ $ours = ok ]; then
        pass "uses-every-declaration.c: $row (systemd's header: $sys)"
    elif [ $sys = FAIL ]; then
        info "both fail: $row"
    else
        fail "uses-every-declaration.c: $row fails with ours, passes with systemd's: $(head -3 "$T/err")"
    fi
done
# The guard hides the sd_pidfd_get_* forms and nothing else: without it, systemd 252's header
# fails on exactly the 8 pointers to them (and on their uses).
gcc -std=gnu11 -I"$T/sys" -fsyntax-only "$PROG" 2>"$T/err"
undeclared=$(grep -oE "sd_[a-z_]+.{1,3} undeclared" "$T/err" | grep -oE '^sd_[a-z_]+' | sort -u)
others=$(grep ' error: ' "$T/err" | grep -cvE "sd_pidfd_get_[a-z_]+.{1,3} undeclared")
if [ "$(wc -w <<<"$undeclared")" = 8 ] && ! grep -qv '^sd_pidfd_get_' <<<"$undeclared" && [ "$others" = 0 ]; then
    pass "without -DSDLITE_TEST_SYSTEMD_252, systemd 252's header lacks only the 8 sd_pidfd_get_* the program uses"
else
    head -n 10 "$T/err"
    fail "without -DSDLITE_TEST_SYSTEMD_252 against systemd 252's header: expected errors on the 8 sd_pidfd_get_* only; undeclared: $(tr '\n' ' ' <<<"$undeclared")"
fi
for std in c89 gnu89; do
    sys=ok ours=ok
    printf '#include <systemd/sd-login.h>\n' >"$T/alone.c"
    gcc -std=$std "${W[@]}" -pedantic -I"$T/sys" -fsyntax-only "$T/alone.c" 2>/dev/null || sys=FAIL
    gcc -std=$std "${W[@]}" -pedantic -I"$OURS_DIR" -fsyntax-only "$T/alone.c" 2>"$T/err" || ours=FAIL
    if [ $ours = ok ]; then
        pass "sd-login.h alone: gcc -std=$std -pedantic (systemd's header: $sys)"
    elif [ $sys = FAIL ]; then
        info "sd-login.h alone, both fail: gcc -std=$std -pedantic"
    else
        fail "sd-login.h alone fails as $std with ours, not with systemd's: $(head -3 "$T/err")"
    fi
done

# ------------------------------------------------------------------ b. both headers
cat >"$T/both.c" <<EOF2
#include "$OURS_DIR/systemd/sd-login.h"
#include "$T/sys/systemd/sd-login.h"
#include "$T/sys/systemd/sd-journal.h"
int main(void) { sd_login_monitor *m = 0; sd_login_monitor_unrefp(&m); return sd_get_seats(0) < 0; }
EOF2
cat >"$T/both2.c" <<EOF2
#include "$T/sys/systemd/sd-login.h"
#include "$OURS_DIR/systemd/sd-login.h"
int main(void) { sd_login_monitor *m = 0; sd_login_monitor_unrefp(&m); return sd_get_seats(0) < 0; }
EOF2
for f in both both2; do
    for c in "gcc -std=gnu11" "g++ -x c++ -std=c++17"; do
        read -ra cmd <<<"$c"
        if "${cmd[@]}" "${W[@]}" -pedantic -fsyntax-only "$T/$f.c" 2>"$T/err"; then
            pass "both headers in one unit ($([ $f = both ] && echo 'ours first' || echo "systemd's first")): $c"
        else
            fail "both headers ($f) with $c: $(head -5 "$T/err")"
        fi
    done
done

# ------------------------------------------------------------------ c. deprecation
printf '#include <systemd/sd-login.h>\nint f(void);\nint f(void) { return sd_seat_can_multi_session("seat0"); }\n' >"$T/dep.c"
if ! gcc -std=gnu11 -Werror=deprecated-declarations -I"$OURS_DIR" -fsyntax-only "$T/dep.c" 2>/dev/null &&
    ! gcc -std=gnu11 -Werror=deprecated-declarations -I"$T/sys" -fsyntax-only "$T/dep.c" 2>/dev/null; then
    pass "sd_seat_can_multi_session is deprecated in both headers"
else
    fail "sd_seat_can_multi_session: deprecation differs from systemd's header"
fi

# ------------------------------------------------------------------ d. run on our library
if gcc -std=gnu11 "${W[@]}" -I"$OURS_DIR" -o "$T/prog" "$PROG" -L"$SDLITE_BUILD" -Wl,-rpath,"$SDLITE_BUILD" -lsystemd 2>"$T/err"; then
    if out=$("$T/prog" 2>&1); then
        n=$(grep -c '^ok' <<<"$out")
        if [ "$n" = 66 ]; then
            pass "uses-every-declaration ran on sdlite: $n checks ok"
        else
            grep '^note:' <<<"$out" | sed 's/^/     /'
            fail "uses-every-declaration ran on sdlite: $n checks ok, not the 66 it has"
        fi
    else
        grep -v '^ok' <<<"$out" | sed 's/^/     /'
        fail "uses-every-declaration failed on sdlite"
    fi
else
    fail "building uses-every-declaration.c on sdlite: $(head -5 "$T/err")"
fi
finish
