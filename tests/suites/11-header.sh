#!/usr/bin/env bash
# 11-header.sh -- include/systemd/sd-*.h, the headers cbindgen generates from src/*/ffi.rs
# (sd-daemon.h; sd-journal.h, its sending side; sd-id128.h), each against systemd 252's:
#   a. together they declare exactly the functions libsystemd.sym exports
#   b. its prototypes equal systemd 252's for every function both declare (gcc -E, parameter
#      names and whitespace normalised, format attributes compared), and redeclaring ours after
#      systemd's header compiles as C and as C++ (no conflicting types)
#   c. c-tests/header/uses-every-declaration.c (code for systemd's header: every function through
#      a pointer of its exact prototype, every macro, printf checking) compiles unchanged with
#      gcc -std=c99/gnu11/c2x and g++ -std=c++11/c++20, -Wall -Wextra -Werror -pedantic, against
#      pkg-config's flags, and runs on our library; every flag set systemd's own header passes,
#      ours passes too ("at least as clean"), header alone also for c89/gnu89
#   d. both headers in one translation unit (ours + systemd's sd-journal.h/_sd-common.h, both
#      orders, C and C++): no macro clash, systemd's sd-daemon.h after ours is a no-op
#   e. a printf format mismatch in sd_notifyf/sd_pid_notifyf/sd_pid_notifyf_with_fds and in
#      sd_journal_print/send (and their location forms), or a missing NULL sentinel in
#      sd_journal_send, is a -Wformat error
#   f. the build's staleness check works: in a copy of the repository, a doc-comment change in
#      src/daemon/ffi.rs makes `cargo build --release --locked` fail with "is stale";
#      SDLITE_UPDATE_HEADER=1 regenerates the header (one added line), after which it builds.
#      The copy builds in /tmp/sdlite-header-check/target (kept between runs; never ./target).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 11-header: include/systemd/sd-*.h against systemd 252's"
need gcc g++ pkg-config python3 cargo flock
OURS=$SDLITE_ROOT/include/systemd/sd-daemon.h
CT=$SDLITE_ROOT/c-tests/header
[ -f "$OURS" ] || { echo "FAIL: $OURS does not exist"; exit 1; }
[ -f "$SYSTEM_HEADER" ] || skip_or_fail "no $SYSTEM_HEADER (apt-get install libsystemd-dev)"
pkg-config --exists libsystemd || { echo "FAIL: pkg-config finds no libsystemd (PKG_CONFIG_PATH=$PKG_CONFIG_PATH)"; exit 1; }
scratch T
# No search paths from the environment: each compile sees exactly the header it is given.
unset CPATH C_INCLUDE_PATH CPLUS_INCLUDE_PATH LIBRARY_PATH
# shellcheck disable=SC2207 # word splitting of pkg-config output is intended
CFLAGS_OURS=($(pkg-config --cflags libsystemd))
# shellcheck disable=SC2207
LIBS_OURS=($(pkg-config --libs libsystemd))
for f in $(pkg-config --libs-only-L libsystemd); do LIBS_OURS+=("-Wl,-rpath,${f#-L}"); done
# systemd's header as a plain -I directory, like ours, so that neither gets the warning
# amnesty of system headers.
mkdir -p "$T/sys/systemd"
cp /usr/include/systemd/sd-daemon.h /usr/include/systemd/sd-journal.h /usr/include/systemd/sd-id128.h \
   /usr/include/systemd/_sd-common.h "$T/sys/systemd/"
# Our families: every generated header.
FAMILIES=$(cd "$SDLITE_ROOT/include/systemd" && ls sd-*.h | sed 's/^sd-//; s/\.h$//')
CFLAGS_SYS=(-I"$T/sys" -DSDLITE_TEST_SYSTEMD_252)
info "ours: ${CFLAGS_OURS[*]} ${LIBS_OURS[*]}"

# ------------------------------------------------------------------ a. header = export list
# A header's static inline helpers (sd_id128_equal, ...) are defined in it, not exported.
inline_functions() { tr '\n' ' ' <"$1" | grep -oE 'static[^;{}]*[^A-Za-z0-9_]sd_[A-Za-z0-9_]+ *\(' |
                     grep -oE 'sd_[A-Za-z0-9_]+ *\($' | tr -d ' (' | sort -u; }
for f in $FAMILIES; do
    h=$SDLITE_ROOT/include/systemd/sd-$f.h
    comm -23 <(header_functions "$h") <(inline_functions "$h")
done | sort -u >"$T/ours.fns"
sym_exports | cut -d' ' -f1 | sort >"$T/listed"
if [ -s "$T/ours.fns" ] && cmp -s "$T/ours.fns" "$T/listed"; then
    pass "the headers ($FAMILIES) declare exactly the $(wc -l <"$T/listed") functions libsystemd.sym exports"
else
    fail "header and libsystemd.sym differ ('<' header only, '>' libsystemd.sym only):"
    diff "$T/ours.fns" "$T/listed" | grep '^[<>]' | sed 's/^/      /'
fi

# ------------------------------------------------------------------ b. prototypes
cat >"$T/protos.py" <<'EOF'
# Prints "name|return|params|attributes|declaration" for every sd_* function declared in a
# preprocessed C file: parameter names dropped, whitespace normalised, "unsigned" spelled
# "unsigned int", __attribute__((__format__(printf, 2, 3))) as format(printf,2,3).
import re, sys
KEYWORDS = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
            "const", "volatile", "restrict", "__restrict", "struct", "union", "enum", "_Bool"}
def split_top(s):
    out, depth, cur = [], 0, ""
    for c in s:
        if c == "," and depth == 0:
            out.append(cur); cur = ""; continue
        depth += c == "("; depth -= c == ")"; cur += c
    if cur.strip(): out.append(cur)
    return out
def norm_type(tokens):
    out = []
    for i, t in enumerate(tokens):
        out.append(t)
        if t == "unsigned" and (i + 1 == len(tokens) or tokens[i + 1] not in ("int", "char", "short", "long")):
            out.append("int")
    return " ".join(out).replace("* *", "**").replace("* *", "**")
def norm_param(p):
    toks = re.findall(r"\.\.\.|\w+|[*\[\]()]", p)
    if toks in (["void"], ["..."]): return toks[0]
    if "(" in toks:  # function pointer: drop the name in (*name)
        i = toks.index("(")
        if toks[i + 1:i + 3] and toks[i + 1] == "*" and re.match(r"\w+$", toks[i + 2]) and toks[i + 2] not in KEYWORDS:
            del toks[i + 2]
    elif len(toks) >= 2 and re.match(r"[A-Za-z_]\w*$", toks[-1]) and toks[-1] not in KEYWORDS \
            and toks[-2] not in ("struct", "union", "enum"):
        toks = toks[:-1]
    return norm_type(toks)
def norm_attr(a):
    a = re.sub(r"\s+", "", a)
    a = re.sub(r"__(\w+)__", r"\1", a)
    return ";".join(re.findall(r"attribute\(\((.*?)\)\)(?=attribute|$)", a)) or a
text = re.sub(r"\s+", " ", open(sys.argv[1]).read())
# Bodies (static inline helpers, such as the cleanup functions _SD_DEFINE_POINTER_CLEANUP_FUNC
# makes) end their statement and are dropped: the calls inside are not declarations.
flat, depth = [], 0
for c in text:
    if c == "{":
        depth += 1
        if depth == 1: flat.append(";")
    elif c == "}":
        depth = max(depth - 1, 0)
    elif depth == 0:
        flat.append(c)
text = "".join(flat)
for stmt in re.split(r";", text):
    m = re.search(r"(?<!\w)(sd_\w+)\s*\(", stmt)
    if not m or "typedef" in stmt or "#" in stmt: continue
    ret = re.sub(r"\bextern\b", "", stmt[:m.start()]).strip()
    depth = 0
    for j in range(m.end() - 1, len(stmt)):
        depth += stmt[j] == "("; depth -= stmt[j] == ")"
        if depth == 0: break
    params = [norm_param(p) for p in split_top(stmt[m.end():j])]
    attrs = norm_attr(stmt[j + 1:].strip())
    print("|".join([m.group(1), norm_type(re.findall(r"\w+|\*", ret)), ", ".join(params), attrs, stmt.strip() + ";"]))
EOF
for f in $FAMILIES; do
H=sd-$f.h
pp() { printf '#include <systemd/%s>\n' "$H" | gcc -E -P -x c - "$@"; }
pp "${CFLAGS_OURS[@]}" >"$T/ours.i" && pp -I"$T/sys" >"$T/sys.i" || fail "gcc -E of the $H headers failed"
# Only what each file itself declares (sd-journal.h also pulls in sd-id128.h).
# Declarations only: the static inline helpers are compared by what uses them (c., d.) and,
# for sd-id128.h, by 13-header-id128.
comm -23 <(header_functions "$SDLITE_ROOT/include/systemd/$H") <(inline_functions "$SDLITE_ROOT/include/systemd/$H") >"$T/ours.own"
comm -23 <(header_functions "/usr/include/systemd/$H") <(inline_functions "/usr/include/systemd/$H") >"$T/sys.own"
own() { awk -F'|' 'NR == FNR { keep[$1] = 1; next } $1 in keep' "$1" -; }
python3 "$T/protos.py" "$T/ours.i" | sort | own "$T/ours.own" >"$T/ours.protos"
python3 "$T/protos.py" "$T/sys.i" | sort | own "$T/sys.own" >"$T/sys.protos"
if [ "$(cut -d'|' -f1 "$T/sys.protos" | sort -u)" != "$(cat "$T/sys.own")" ]; then
    fail "the prototype parser does not find every function of systemd's $H"
fi
common=0 differ=0
: >"$T/redecl.h"
while IFS='|' read -r name ret params attrs decl; do
    sysline=$(grep "^$name|" "$T/sys.protos")
    if [ -z "$sysline" ]; then
        info "$H: only ours (systemd > 252): $ret $name($params) $attrs"
        continue
    fi
    common=$((common + 1))
    # static inline helpers are defined, not declared: they cannot be redeclared
    grep -q 'static' <<<"$decl" || printf '%s\n' "$decl" >>"$T/redecl.h"
    IFS='|' read -r _ sret sparams sattrs _ <<<"$sysline"
    if [ "$ret|$params|$attrs" = "$sret|$sparams|$sattrs" ]; then
        info "$H: same: $ret $name($params) ${attrs}"
    else
        differ=$((differ + 1))
        fail "$H: $name: ours '$ret $name($params) $attrs', systemd's '$sret $name($sparams) $sattrs'"
    fi
done <"$T/ours.protos"
# What systemd's header declares and sdlite exports (sd-journal.h: the sending side only) must
# be declared by ours.
missing=$(comm -12 <(cut -d'|' -f1 "$T/sys.protos" | sort -u) "$T/listed" |
          comm -23 - <(cut -d'|' -f1 "$T/ours.protos" | sort -u) | tr '\n' ' ')
[ -n "$missing" ] && fail "$H: declared by systemd's header and exported by sdlite, not declared by ours: $missing"
[ "$common" -gt 0 ] && [ "$differ" -eq 0 ] &&
    pass "$H: $common prototypes identical to systemd 252's (types, parameter lists, format and sentinel attributes)"
# The compiler's opinion: our declarations after systemd's must not conflict.
{ printf '#define SD_JOURNAL_SUPPRESS_LOCATION\n#include <systemd/%s>\n#ifdef __cplusplus\nextern "C" {\n#endif\n' "$H"
  cat "$T/redecl.h"; printf '#ifdef __cplusplus\n}\n#endif\n'; } >"$T/redecl.c"
if gcc -std=gnu11 -Wall -Wextra -Werror -I"$T/sys" -fsyntax-only "$T/redecl.c" 2>"$T/err" &&
   g++ -x c++ -std=c++11 -Wall -Wextra -Werror -I"$T/sys" -fsyntax-only "$T/redecl.c" 2>>"$T/err"; then
    pass "$H: our $(wc -l <"$T/redecl.h") declarations redeclared after systemd's header: no conflict in C or C++"
else
    fail "$H: our declarations conflict with systemd's: $(head -5 "$T/err")"
fi
done

# ------------------------------------------------------------------ c. code for systemd's header
# Each row: compiler, flags. Both headers are tried; ours must pass every row systemd's passes.
W=(-Wall -Wextra -Werror -pedantic)
STRICT=(-Wstrict-prototypes -Wmissing-prototypes -Wredundant-decls -Wundef -Wshadow -Wcast-qual)
rows=(
    "gcc -std=c99 ${W[*]}"
    "gcc -std=gnu11 ${W[*]}"
    "gcc -std=c2x ${W[*]}"
    "gcc -std=gnu11 ${W[*]} ${STRICT[*]} -Wc++-compat"
    "g++ -x c++ -std=c++11 ${W[*]}"
    "g++ -x c++ -std=c++20 ${W[*]}"
    "g++ -x c++ -std=c++20 ${W[*]} -Wshadow -Wundef -Wold-style-cast -Wuseless-cast -Wzero-as-null-pointer-constant"
)
# One program per family: c-tests/header/uses-every-declaration.c (sd-daemon) and
# FAMILY-uses-every-declaration.c for the others.
for src in "$CT"/uses-every-declaration.c "$CT"/*-uses-every-declaration.c; do
for row in "${rows[@]}"; do
    read -ra cmd <<<"$row"
    # shellcheck disable=SC2086
    if "${cmd[@]}" "${CFLAGS_SYS[@]}" -fsyntax-only "$src" 2>"$T/err.sys"; then sys=ok; else sys=FAIL; fi
    if "${cmd[@]}" "${CFLAGS_OURS[@]}" -fsyntax-only "$src" 2>"$T/err.ours"; then ours=ok; else ours=FAIL; fi
    if [ $ours = ok ]; then
        pass "$(basename "$src"): $row (systemd's header: $sys)"
    elif [ $sys = FAIL ]; then
        info "both headers fail: $row (not held against ours): $(grep -m1 error "$T/err.ours")"
    else
        fail "$(basename "$src"): $row passes with systemd's header, not with ours:"
        head -8 "$T/err.ours" | sed 's/^/      /'
    fi
done
done
# The header alone, for the older standards (the test file itself is C99).
for f in $FAMILIES; do
printf '#include <systemd/sd-%s.h>\nint sdlite_header_only;\n' "$f" >"$T/only.c"
for std in c89 gnu89; do
    gcc -std=$std "${W[@]}" -I"$T/sys" -fsyntax-only "$T/only.c" 2>/dev/null && sys=ok || sys=FAIL
    if gcc -std=$std "${W[@]}" "${CFLAGS_OURS[@]}" -fsyntax-only "$T/only.c" 2>"$T/err.ours"; then
        pass "sd-$f.h alone: gcc -std=$std ${W[*]} (systemd's header: $sys)"
    elif [ $sys = FAIL ]; then
        info "sd-$f.h alone, both fail: gcc -std=$std ${W[*]}"
    else
        fail "sd-$f.h alone: gcc -std=$std ${W[*]} passes with systemd's header, not with ours: $(grep -m1 error "$T/err.ours")"
    fi
done
done
# Linked against our library (pkg-config's flags) and run: the declarations link and behave.
# (The journal program wants no journald listening: exit 77 means one is, and is not held
# against the header.)
for src in "$CT"/uses-every-declaration.c "$CT"/*-uses-every-declaration.c; do
    name=$(basename "$src" .c)
    if gcc -std=gnu11 "${W[@]}" "${CFLAGS_OURS[@]}" -o "$T/$name" "$src" "${LIBS_OURS[@]}" 2>"$T/err"; then
        out=$(env -u NOTIFY_SOCKET -u LISTEN_FDS -u LISTEN_PID -u LISTEN_FDNAMES -u WATCHDOG_USEC \
              -u WATCHDOG_PID -u LD_LIBRARY_PATH "$T/$name" 2>&1)
        rc=$?
        if [ $rc -eq 0 ]; then
            pass "$name linked with $(echo "${LIBS_OURS[@]}") and ran: $out"
        elif [ $rc -eq 77 ]; then
            info "$name linked, not run: $out"
        else
            fail "$name on our library: $out"
        fi
    else
        fail "linking $name.c against ours: $(head -5 "$T/err")"
    fi
done

# ------------------------------------------------------------------ d. both headers in one TU
for order in "" -DSYSTEMD_FIRST; do
    for c in "gcc -std=gnu11" "gcc -std=c99" "g++ -x c++ -std=c++17"; do
        read -ra cmd <<<"$c"
        if "${cmd[@]}" $order "${W[@]}" "${CFLAGS_OURS[@]}" -fsyntax-only "$CT/both-headers.c" 2>"$T/err"; then
            pass "both-headers.c ${order:-(ours first)}: $c ${W[*]}: ours + systemd's sd-journal.h/_sd-common.h/sd-daemon.h"
        else
            fail "both-headers.c ${order:-(ours first)} with $c: $(head -5 "$T/err")"
        fi
    done
done

# ------------------------------------------------------------------ e. printf format checking
for n in 1 2 3 4 5 6; do
    call=$(sed -n "/#if CALL == $n\$/,/^#/p; /#elif CALL == $n\$/,/^#/p" "$CT/format-mismatch.c" | grep return | sed 's/^ *return //')
    for c in gcc "g++ -x c++"; do
        read -ra cmd <<<"$c"
        if "${cmd[@]}" -DCALL=$n -Wformat -Werror "${CFLAGS_OURS[@]}" -fsyntax-only "$CT/format-mismatch.c" 2>"$T/err"; then
            fail "$c accepted $call (no format attribute?)"
        elif grep -qE 'Werror=(format|missing-sentinel)' "$T/err"; then
            pass "$c -Wformat -Werror rejects $call"
        else
            fail "$c rejected $call, but not for its format: $(head -3 "$T/err")"
        fi
    done
done
if gcc -DCALL=1 -Wformat -Werror "${CFLAGS_SYS[@]}" -fsyntax-only "$CT/format-mismatch.c" 2>/dev/null; then
    fail "control: systemd's header does not reject CALL=1 either (the test is broken)"
fi

# ------------------------------------------------------------------ f. the staleness check
STALE=/tmp/sdlite-header-check
mkdir -p "$STALE"
exec 9>"$STALE/lock"
flock -w 900 9 || { fail "another run holds $STALE/lock"; finish; }
copy=$STALE/src
rm -rf "$copy" && mkdir -p "$copy"
CHECK_SCRATCH+=("$copy")
if git -C "$SDLITE_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    # Tracked files and new ones not ignored (work in progress), as they are in the tree now;
    # -m: fresh mtimes, so that cargo reruns build.rs rather than trusting the last run's state.
    (cd "$SDLITE_ROOT" && git ls-files -z --cached --others --exclude-standard |
        tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xmf - -C "$copy"
else
    (cd "$SDLITE_ROOT" && tar --exclude=./target --exclude=./build --exclude=./prefix -cf - .) | tar -xmf - -C "$copy"
fi
cb() {  # cargo build in the copy; output in $T/cargo.out
    (cd "$copy" && env -u SDLITE_UPDATE_HEADER CARGO_TARGET_DIR="$STALE/target" "$@" \
        cargo build --release --locked) >"$T/cargo.out" 2>&1
}
H=include/systemd/sd-daemon.h
if ! cb; then
    fail "the unmodified copy does not build (cannot test the staleness check):"
    tail -15 "$T/cargo.out" | sed 's/^/      /'
    finish
fi
if grep -q 'Compiling sdlite' "$T/cargo.out"; then
    pass "an unmodified copy of the tree builds, header check included (CARGO_TARGET_DIR=$STALE/target)"
else
    fail "the unmodified copy built without compiling sdlite: its build.rs did not run"
fi
cp "$copy/$H" "$T/header.orig"
marker="sdlite-header-check: a harmless doc line $$"
fn=$(python3 - "$copy/src/daemon/ffi.rs" "$marker" <<'EOF'
# Adds a doc line to the doc comment of the first exported sd_* function; prints its name.
import re, sys
path, marker = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
for i, l in enumerate(lines):
    m = re.match(r'\s*pub\s+(unsafe\s+)?extern\s+"C"\s+fn\s+(sd_\w+)', l)
    if not m: continue
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("#["): j -= 1
    if j >= 0 and lines[j].strip().startswith("///"):
        indent = lines[j][:len(lines[j]) - len(lines[j].lstrip())]
        lines.insert(j + 1, indent + "///")
        lines.insert(j + 2, indent + "/// " + marker)
        open(path, "w").write("\n".join(lines))
        print(m.group(2)); break
EOF
)
if [ -z "$fn" ]; then
    fail "found no documented 'pub extern \"C\" fn sd_*' in src/daemon/ffi.rs to change"
    finish
fi
if cb; then
    fail "after a doc change to $fn in src/daemon/ffi.rs, cargo build still succeeds: the staleness check does not work"
elif grep -q 'is stale' "$T/cargo.out"; then
    pass "doc change to $fn: cargo build --release --locked fails: $(grep -o '[^ ]*sd-daemon.h is stale[^;]*' "$T/cargo.out" | head -1)"
else
    fail "after the doc change the build fails, but not with 'is stale':"
    tail -10 "$T/cargo.out" | sed 's/^/      /'
fi
cmp -s "$copy/$H" "$T/header.orig" || fail "the failing build changed the header anyway"
if cb SDLITE_UPDATE_HEADER=1; then
    added=$(diff "$T/header.orig" "$copy/$H" | grep -c '^>')
    removed=$(diff "$T/header.orig" "$copy/$H" | grep -c '^<')
    if grep -q "$marker" "$copy/$H" && [ "$removed" -eq 0 ] && [ "$added" -ge 1 ] && [ "$added" -le 2 ]; then
        pass "SDLITE_UPDATE_HEADER=1 builds and rewrites the header (+$added lines, the new doc line in $fn's comment)"
    else
        fail "SDLITE_UPDATE_HEADER=1 built, but the header diff is +$added/-$removed lines (marker there: $(grep -c "$marker" "$copy/$H"))"
    fi
else
    fail "SDLITE_UPDATE_HEADER=1 cargo build failed:"
    tail -10 "$T/cargo.out" | sed 's/^/      /'
fi
if cb; then
    pass "and then the plain build succeeds again (header fresh)"
else
    fail "after regenerating, the plain build still fails: $(grep -m1 -E 'error|stale' "$T/cargo.out")"
fi

finish
