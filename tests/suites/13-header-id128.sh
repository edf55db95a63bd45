#!/usr/bin/env bash
# 13-header-id128.sh -- include/systemd/sd-id128.h, the header cbindgen generates from
# src/id128/ffi.rs (with cbindgen/id128.toml), against systemd 252's:
#   a. it declares exactly the sd_id128_* functions libsystemd.sym exports, plus systemd's
#      static inline helpers (the same set of sd_id128_* names as systemd's header)
#   b. its prototypes equal systemd 252's, preprocessed as C and as C++ (whitespace normalised)
#   c. the same macros with the same definitions (gcc -dM): SD_ID128_*, sd_id128_in_set, and the
#      two _sd-common.h macros it needs (_sd_const_, _SD_ARRAY_STATIC)
#   d. c-tests/id128/uses-every-declaration.c (code for systemd's header: every function through
#      a pointer of its type, every macro and inline helper) compiles unchanged with gcc
#      -std=c99/c11/gnu11/c2x and g++ -std=c++11/c++17/c++20, -Wall -Wextra -Werror, with and
#      without -pedantic and stricter warnings: every row systemd's header passes, ours passes;
#      the header alone also as c89/gnu89. Linked against our library and run, it checks results.
#   e. both headers in one translation unit (ours + systemd's sd-journal.h, which includes its
#      sd-id128.h and _sd-common.h, both orders, with our sd-daemon.h; C and C++): no macro
#      clash, the second sd-id128.h is a no-op
# The build itself fails when the committed header differs from cbindgen's output (build.rs).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 13-header-id128: include/systemd/sd-id128.h against systemd 252's"
need gcc g++ pkg-config python3
OURS=$SDLITE_ROOT/include/systemd/sd-id128.h
SYS_ID128=/usr/include/systemd/sd-id128.h
CT=$SDLITE_ROOT/c-tests/id128
[ -f "$OURS" ] || { echo "FAIL: $OURS does not exist"; exit 1; }
[ -f "$SYS_ID128" ] || skip_or_fail "no $SYS_ID128 (apt-get install libsystemd-dev)"
pkg-config --exists libsystemd || { echo "FAIL: pkg-config finds no libsystemd (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"; exit 1; }
scratch T
unset CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH LIBRARY_PATH
# shellcheck disable=SC2207 # word splitting of pkg-config output is intended
CFLAGS_OURS=($(pkg-config --cflags libsystemd))
# shellcheck disable=SC2207
LIBS_OURS=($(pkg-config --libs libsystemd))
for f in $(pkg-config --libs-only-L libsystemd); do LIBS_OURS+=("-Wl,-rpath,${f#-L}"); done
# systemd's header as a plain -I directory, like ours (no system-header warning amnesty)
mkdir -p "$T/sys/systemd"
cp "$SYS_ID128" /usr/include/systemd/_sd-common.h "$T/sys/systemd/"
CFLAGS_SYS=(-I"$T/sys")

# ------------------------------------------------------------------ a. names = exports
header_functions "$OURS" >"$T/ours.names"
header_functions "$SYS_ID128" >"$T/sys.names"
grep -o 'static __inline__ [a-z_]* *\(sd_[a-z0-9_]*\)' "$SYS_ID128" | awk '{print $NF}' | sort -u >"$T/inline"
sym_exports | cut -d' ' -f1 | grep '^sd_id128_' | sort >"$T/listed"
comm -23 "$T/ours.names" "$T/inline" >"$T/ours.fns"
if [ -s "$T/listed" ] && cmp -s "$T/ours.fns" "$T/listed"; then
    pass "the header declares exactly the $(wc -l <"$T/listed") sd_id128_* functions libsystemd.sym exports"
else
    fail "header and libsystemd.sym differ ('<' header only, '>' libsystemd.sym only):"
    diff "$T/ours.fns" "$T/listed" | grep '^[<>]' | sed 's/^/      /'
fi
if cmp -s "$T/ours.names" "$T/sys.names"; then
    pass "the same $(wc -l <"$T/sys.names") sd_id128_* names as systemd's header ($(wc -l <"$T/inline") of them static inline: $(tr '\n' ' ' <"$T/inline"))"
else
    fail "sd_* names differ from systemd's header ('<' ours, '>' systemd's):"
    diff "$T/ours.names" "$T/sys.names" | grep '^[<>]' | sed 's/^/      /'
fi

# ------------------------------------------------------------------ b. prototypes
cat >"$T/decls.py" <<'EOF'
# The declarations (not definitions) of sd_* functions in a preprocessed file, one a line,
# whitespace normalised, sorted.
import re, sys
text = open(sys.argv[1]).read()
text = re.sub(r'extern "C"\s*\{', "", text)   # C++: the linkage block is not a body
out, depth, cur = [], 0, ""
for c in text:                      # drop every {...} body; a body ends its statement
    if c == "{":
        depth += 1
        if depth == 1:
            cur += "{}"
        continue
    if c == "}":
        depth = max(depth - 1, 0)
        if depth == 0:
            cur += ";"
        continue
    if depth == 0:
        cur += c
for stmt in re.split(r";", cur):
    stmt = re.sub(r"\s+", " ", stmt).strip()
    if re.search(r"\bsd_\w+\s*\(", stmt) and "{}" not in stmt and not stmt.startswith("typedef"):
        stmt = re.sub(r"\s*([(),*\[\]])\s*", r"\1", stmt)
        out.append(stmt + ";")
print("\n".join(sorted(out)))
EOF
for lang in "c -std=gnu11" "c++ -std=c++17"; do
    read -ra l <<<"$lang"
    pp() { printf '#include <systemd/sd-id128.h>\n' | gcc -E -P -x "${l[@]}" - "$@"; }
    if pp "${CFLAGS_OURS[@]}" >"$T/ours.i" && pp "${CFLAGS_SYS[@]}" >"$T/sys.i"; then
        python3 "$T/decls.py" "$T/ours.i" >"$T/ours.decls"
        python3 "$T/decls.py" "$T/sys.i" >"$T/sys.decls"
        if [ -s "$T/sys.decls" ] && cmp -s "$T/ours.decls" "$T/sys.decls"; then
            pass "${l[0]}: $(wc -l <"$T/sys.decls") prototypes identical to systemd 252's after preprocessing (e.g. $(grep -m1 to_string "$T/sys.decls"))"
        else
            fail "${l[0]}: prototypes differ ('<' ours, '>' systemd's):"
            diff "$T/ours.decls" "$T/sys.decls" | grep '^[<>]' | sed 's/^/      /'
        fi
    else
        fail "gcc -E of the headers failed (${l[*]})"
    fi
done

# ------------------------------------------------------------------ c. macros
macros() { printf '#include <systemd/sd-id128.h>\n' | gcc -dM -E -x c -std=gnu11 - "$@" |
    grep -E '^#define (SD_ID128_[A-Z0-9_]*|sd_id128_[a-z_]*|_sd_const_|_SD_ARRAY_STATIC)[ (]' | sort; }
macros "${CFLAGS_OURS[@]}" >"$T/ours.macros"
macros "${CFLAGS_SYS[@]}" >"$T/sys.macros"
if [ -s "$T/sys.macros" ] && cmp -s "$T/ours.macros" "$T/sys.macros"; then
    pass "the same $(wc -l <"$T/sys.macros") macros with the same definitions: $(sed 's/^#define \([A-Za-z0-9_]*\).*/\1/' "$T/sys.macros" | tr '\n' ' ')"
else
    fail "macros differ ('<' ours, '>' systemd's):"
    diff "$T/ours.macros" "$T/sys.macros" | grep '^[<>]' | cut -c1-160 | sed 's/^/      /'
fi
# what systemd's _sd-common.h defines besides; programs for sd-id128.h do not use these
# private names, and our header does not define them
others=$(printf '#include <systemd/sd-id128.h>\n' | gcc -dM -E -x c - "${CFLAGS_SYS[@]}" |
    sed -n 's/^#define \(_[sS][dD]_[A-Za-z_]*\).*/\1/p' | grep -vx '_sd_const_\|_SD_ARRAY_STATIC' | sort | tr '\n' ' ')
info "from systemd's _sd-common.h, not in ours (private): $others"

# ------------------------------------------------------------------ d. code for systemd's header
W=(-Wall -Wextra -Werror)
STRICT=(-Wstrict-prototypes -Wmissing-prototypes -Wredundant-decls -Wundef -Wshadow -Wcast-qual)
# Rows systemd's header passes (the test program is wrong if it does not), then stricter ones
required=(
    "gcc -std=c99 ${W[*]}"
    "gcc -std=c11 ${W[*]}"
    "gcc -std=gnu11 ${W[*]}"
    "gcc -std=c2x ${W[*]}"
    "g++ -x c++ -std=c++11 ${W[*]}"
    "g++ -x c++ -std=c++17 ${W[*]}"
    "g++ -x c++ -std=c++20 ${W[*]}"
)
stricter=(
    "gcc -std=gnu11 ${W[*]} ${STRICT[*]}"
    "gcc -std=gnu11 ${W[*]} ${STRICT[*]} -Wc++-compat"
    "gcc -std=c99 ${W[*]} -pedantic"
    "gcc -std=gnu11 ${W[*]} -pedantic"
    "gcc -std=c2x ${W[*]} -pedantic"
    "g++ -x c++ -std=c++17 ${W[*]} -pedantic"
    "g++ -x c++ -std=c++20 ${W[*]} -pedantic"
    "g++ -x c++ -std=c++20 ${W[*]} -Wshadow -Wold-style-cast -Wzero-as-null-pointer-constant"
    "g++ -x c++ -std=c++20 ${W[*]} -Wundef"
)
required_rows=0
src=$CT/uses-every-declaration.c
for row in "${required[@]}" "${stricter[@]}"; do
    read -ra cmd <<<"$row"
    if "${cmd[@]}" "${CFLAGS_SYS[@]}" -fsyntax-only "$src" 2>"$T/err.sys"; then sys=ok; else sys=FAIL; fi
    if "${cmd[@]}" "${CFLAGS_OURS[@]}" -fsyntax-only "$src" 2>"$T/err.ours"; then ours=ok; else ours=FAIL; fi
    for r in "${required[@]}"; do [ "$r" = "$row" ] && [ $sys = ok ] && required_rows=$((required_rows + 1)); done
    if [ $ours = ok ]; then
        pass "uses-every-declaration.c: $row (systemd's header: $sys)"
    elif [ $sys = FAIL ]; then
        info "both headers fail: $row (not held against ours): $(grep -m1 error "$T/err.ours")"
    else
        fail "uses-every-declaration.c: $row passes with systemd's header, not with ours:"
        head -8 "$T/err.ours" | sed 's/^/      /'
    fi
done
# c99, c11, gnu11, c2x, c++11, c++17, c++20 with -Wall -Wextra -Werror must work with systemd's
# header, or the test program is wrong
[ "$required_rows" = ${#required[@]} ] || fail "the test program itself fails with systemd's header in plain -Wall -Wextra -Werror rows ($required_rows of ${#required[@]} pass)"
printf '#include <systemd/sd-id128.h>\nint sdlite_header_only;\n' >"$T/only.c"
for std in c89 gnu89 c99; do
    for p in "" -pedantic; do
        # shellcheck disable=SC2086
        gcc -std=$std "${W[@]}" $p "${CFLAGS_SYS[@]}" -fsyntax-only "$T/only.c" 2>/dev/null && sys=ok || sys=FAIL
        # shellcheck disable=SC2086
        if gcc -std=$std "${W[@]}" $p "${CFLAGS_OURS[@]}" -fsyntax-only "$T/only.c" 2>"$T/err.ours"; then
            pass "header alone: gcc -std=$std ${W[*]} $p (systemd's header: $sys)"
        elif [ $sys = FAIL ]; then
            info "header alone, both fail: gcc -std=$std ${W[*]} $p"
        else
            fail "header alone: gcc -std=$std $p passes with systemd's header, not with ours: $(grep -m1 error "$T/err.ours")"
        fi
    done
done
for c in "gcc -std=gnu11" "g++ -x c++ -std=c++17"; do
    read -ra cmd <<<"$c"
    if "${cmd[@]}" "${W[@]}" "${CFLAGS_OURS[@]}" -o "$T/uses" "$src" "${LIBS_OURS[@]}" 2>"$T/err"; then
        if ! env -u LD_LIBRARY_PATH LD_TRACE_LOADED_OBJECTS=1 "$T/uses" | grep -q "libsystemd.so.0 => $SDLITE_BUILD/"; then
            fail "uses-every-declaration ($c) does not load $SDLITE_BUILD/libsystemd.so.0"
        elif out=$(env -u LD_LIBRARY_PATH -u INVOCATION_ID "$T/uses" 2>&1); then
            pass "$c, linked with ${LIBS_OURS[*]} and run on sdlite: $(grep -c '^ok' <<<"$out") checks ok"
        else
            fail "uses-every-declaration ($c) on our library:"
            grep -v '^ok' <<<"$out" | sed 's/^/      /'
        fi
    else
        fail "linking uses-every-declaration.c ($c) against ours: $(head -5 "$T/err")"
    fi
done

# ------------------------------------------------------------------ e. both headers in one TU
for order in "" -DSYSTEMD_FIRST; do
    for c in "gcc -std=gnu11" "gcc -std=c99" "g++ -x c++ -std=c++11" "g++ -x c++ -std=c++17"; do
        read -ra cmd <<<"$c"
        # shellcheck disable=SC2086
        if "${cmd[@]}" $order "${W[@]}" -pedantic "${CFLAGS_OURS[@]}" -fsyntax-only "$CT/both-headers.c" 2>"$T/err"; then
            pass "both-headers.c ${order:-(ours first)}: $c ${W[*]} -pedantic: our sd-id128.h and sd-daemon.h + systemd's sd-journal.h/sd-id128.h/_sd-common.h"
        else
            fail "both-headers.c ${order:-(ours first)} with $c: $(head -5 "$T/err")"
        fi
    done
done

finish
