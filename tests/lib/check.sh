# shellcheck shell=bash disable=SC2034 # variables for the suites that source this
# tests/lib/check.sh -- the small harness of the static suites (10-abi, 11-header,
# 12-pkgconfig-install). Sourced; sets the runner's variables when a suite runs alone
# (see tests/CONVENTIONS.md), and gives:
#   pass MSG / fail MSG / info MSG   one line each; fail marks the suite failed, goes on
#   skip_or_fail MSG                 exit 77, or exit 1 under CI=true
#   need CMD...                      skip_or_fail unless every CMD is on PATH
#   scratch VAR                      VAR=a new mktemp -d directory, removed at exit
#   finish                           exit 0 if nothing failed, else 1 (prints a summary)
#   sym_exports                      "name node" per sd_* symbol that libsystemd.sym exports
#   sym_nodes                        "node parent" per version node of libsystemd.sym, in order
#   header_functions FILE            names of the functions FILE declares (comments stripped,
#                                    no expansion), one a line, sorted
#   need_reference_and_build         skip_or_fail without the system header or libsystemd (the
#                                    reference), exit 1 without sdlite's build; sets SYSDIR (the
#                                    reference's directory), SYS_REAL and SO_REAL (real paths of
#                                    the reference and of sdlite's libsystemd.so.0)
# and, for the differential C suites (after need_reference_and_build and `scratch T`; below):
#   build_against_reference PROG SRC SYMBOL [FLAGS...], lib_used ERRFILE, reference_runs PROG
#   RUNS, sdlite_run PROG, reference_complete PROG MIN, reference_row PROG LINE DESCRIPTION,
#   same_as_reference PROG OUT LABEL

export LC_ALL=C
CHECK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
export SDLITE_ROOT=${SDLITE_ROOT:-$(cd "$CHECK_HERE/../.." && pwd -P)}
export SDLITE_BUILD=${SDLITE_BUILD:-$SDLITE_ROOT/build}
export PKG_CONFIG_PATH=${PKG_CONFIG_PATH:-$SDLITE_BUILD/pkgconfig}
export SYSTEM_LIBSYSTEMD=${SYSTEM_LIBSYSTEMD:-/usr/lib/x86_64-linux-gnu/libsystemd.so.0}
SYM_FILE=$SDLITE_ROOT/libsystemd.sym
SYSTEM_HEADER=/usr/include/systemd/sd-daemon.h

CHECK_FAILED=0
CHECK_PASSED=0
CHECK_SCRATCH=()

pass() { CHECK_PASSED=$((CHECK_PASSED + 1)); printf 'PASS: %s\n' "$*"; }
fail() { CHECK_FAILED=$((CHECK_FAILED + 1)); printf 'FAIL: %s\n' "$*"; }
info() { printf '  .. %s\n' "$*"; }

skip_or_fail() {
    if [ "${CI:-}" = true ]; then
        printf 'FAIL: cannot run: %s (CI=true: not allowed to skip)\n' "$*"
        exit 1
    fi
    printf 'SKIP: %s\n' "$*"
    exit 77
}

need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip_or_fail "'$c' not found (make deps installs the test tools)"
    done
}

check__cleanup() {
    local d
    for d in "${CHECK_SCRATCH[@]}"; do
        [ -n "$d" ] && rm -rf -- "$d"
    done
}
trap check__cleanup EXIT

scratch() {
    local d
    d=$(mktemp -d "${TMPDIR:-/tmp}/sdlite-test.XXXXXX") || { echo "FAIL: mktemp"; exit 1; }
    CHECK_SCRATCH+=("$d")
    printf -v "$1" '%s' "$d"
}

need_reference_and_build() {
    [ -e "$SYSTEM_HEADER" ] || skip_or_fail "no $SYSTEM_HEADER (apt-get install -y libsystemd-dev)"
    [ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no system libsystemd at $SYSTEM_LIBSYSTEMD"
    [ -e "$SDLITE_BUILD/libsystemd.so.0" ] ||
        { echo "FAIL: $SDLITE_BUILD/libsystemd.so.0 missing (run make first)"; exit 1; }
    SYSDIR=$(dirname "$SYSTEM_LIBSYSTEMD")
    SYS_REAL=$(readlink -f "$SYSTEM_LIBSYSTEMD")
    SO_REAL=$(readlink -f "$SDLITE_BUILD/libsystemd.so.0")
}

# Differential programs, the build: c-tests/SRC into $T/PROG against the system header and
# -lsystemd (no search path from the environment; -std=gnu11 -O2 -Wall -Wextra, then FLAGS), its
# compiler warnings shown; then it must need libsystemd.so.0 and import SYMBOL (NAME@VERSION)
# from it. Returns 1 after a failure line when it cannot be built.
build_against_reference() { # PROG SRC SYMBOL [FLAGS...]
    local p=$1 src=$2 sym=$3
    shift 3
    if ! env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH gcc -std=gnu11 -O2 -Wall -Wextra "$@" -o "$T/$p" \
        "$SDLITE_ROOT/c-tests/$src" -L"$SYSDIR" -lsystemd 2>"$T/$p.cc.err"; then
        cat "$T/$p.cc.err"
        fail "building c-tests/$src against the system header and -lsystemd"
        return 1
    fi
    if [ -s "$T/$p.cc.err" ]; then
        info "compiler warnings:"
        sed 's/^/     /' "$T/$p.cc.err"
    fi
    if readelf -dW "$T/$p" | grep -q 'NEEDED.*\[libsystemd\.so\.0\]' &&
        readelf -W --dyn-syms "$T/$p" | grep -qF " $sym"; then
        pass "$p built against the system header, imports $sym from libsystemd.so.0"
    else
        fail "$p does not import $sym from libsystemd.so.0"
    fi
}

# What a test program says it mapped: its "libsystemd: PATH" line on stderr (report_library()).
lib_used() { sed -n 's/^libsystemd: //p' "$1" | head -n1; }

# Differential programs, the reference: RUNS runs of PROG on the system library through the
# suite's own `run PROG OUT ERR`, into $T/PROG.ref$i.{out,err}. Each must exit 0, map $SYS_REAL
# and print what the first printed (else the test, not sdlite, is broken). Returns 1 after a
# failure line otherwise.
reference_runs() { # PROG RUNS
    local p=$1 runs=$2 i rc used
    for i in $(seq 1 "$runs"); do
        run "$p" "$T/$p.ref$i.out" "$T/$p.ref$i.err"
        rc=$?
        used=$(lib_used "$T/$p.ref$i.err")
        if [ $rc -ne 0 ]; then
            tail -n 5 "$T/$p.ref$i.out"
            grep -v '^libsystemd: ' "$T/$p.ref$i.err" | head -n 20
            fail "$p exits $rc on the system library"
            return 1
        elif [ "$(readlink -f "${used:-/nonexistent}")" != "$SYS_REAL" ]; then
            fail "$p reference run mapped '${used:-nothing}', not $SYS_REAL"
            return 1
        elif [ "$i" -gt 1 ] && ! cmp -s "$T/$p.ref1.out" "$T/$p.ref$i.out"; then
            diff -u "$T/$p.ref1.out" "$T/$p.ref$i.out" | head -n 60
            fail "$p: the reference output is not deterministic (run 1 vs $i): the test is broken, not sdlite"
            return 1
        fi
    done
    if grep -q 'SETUP-FAILED' "$T/$p.ref1.out"; then
        grep 'SETUP-FAILED' "$T/$p.ref1.out" | head -n 5
        if [ "${CI:-}" = true ]; then
            fail "$p: some cases cannot be set up here (CI=true: not allowed)"
        else
            info "$p: some cases cannot be set up here; they are compared as such"
        fi
    fi
}

# Differential programs, the run on sdlite: the suite's `run PROG $T/PROG.sd.out $T/PROG.sd.err
# LD_LIBRARY_PATH=$SDLITE_BUILD` (its run takes env assignments after ERR). It must map $SO_REAL
# (else a failure line, return 1) and exit 0 (else a failure line; the comparison then shows
# where it stopped); then a pass: the same binary ran on both libraries.
sdlite_run() { # PROG
    local p=$1 rc used
    run "$p" "$T/$p.sd.out" "$T/$p.sd.err" LD_LIBRARY_PATH="$SDLITE_BUILD"
    rc=$?
    used=$(lib_used "$T/$p.sd.err")
    if [ "$used" != "$SO_REAL" ]; then
        cat "$T/$p.sd.err"
        fail "sdlite run mapped '$used', not $SO_REAL"
        return 1
    fi
    [ $rc = 0 ] || { head -n 20 "$T/$p.sd.err"; fail "run on sdlite exited $rc (0 on the system library)"; }
    pass "the same binary ran on $SYS_REAL and on $SO_REAL"
}

# Differential programs whose output ends with a "# end" line and has "## " sections: the
# reference run $T/PROG.ref1.out got to its end, with more than MIN lines.
reference_complete() { # PROG MIN
    local ref=$T/$1.ref1.out lines
    lines=$(wc -l <"$ref")
    if tail -n1 "$ref" | grep -qx '# end' && [ "$lines" -gt "$2" ]; then
        pass "the reference run is complete ($lines lines, $(grep -c '^## ' "$ref") sections)"
    else
        fail "the reference run is incomplete ($lines lines)"
    fi
}

# Differential programs, a row as 252 gives it: LINE, whole, must be in $T/PROG.ref1.out.
reference_row() { # PROG LINE DESCRIPTION
    if grep -qxF -- "$2" "$T/$1.ref1.out"; then pass "252 row: $3"; else fail "252 row missing: $3 ('$2')"; fi
}

# Differential programs, the verdict: OUT (PROG's output on LABEL) against the reference run
# $T/PROG.ref1.out, byte for byte; on a difference the first lines of the diff.
same_as_reference() { # PROG OUT LABEL
    local p=$1 out=$2 label=$3 n
    n=$(wc -l <"$T/$p.ref1.out")
    if cmp -s "$T/$p.ref1.out" "$out"; then
        pass "$p on $label: output identical ($n lines)"
        return 0
    fi
    echo "--- $p: first differences (- libsystemd 252, + $label):"
    diff -u --label "$p@252" --label "$p@$label" "$T/$p.ref1.out" "$out" | cut -c1-400 | head -n 150
    fail "$p: output differs between libsystemd 252 and $label ($(diff "$T/$p.ref1.out" "$out" | grep -c '^<') of $n lines)"
    return 1
}

finish() {
    if [ "$CHECK_FAILED" -gt 0 ]; then
        printf '%d checks passed, %d FAILED\n' "$CHECK_PASSED" "$CHECK_FAILED"
        exit 1
    fi
    printf '%d checks passed\n' "$CHECK_PASSED"
    exit 0
}

# libsystemd.sym without its C comments.
check__sym_text() { perl -0pe 's{/\*.*?\*/}{}gs' "$SYM_FILE"; }

sym_exports() {
    check__sym_text | awk '
        /^[ \t]*[A-Za-z0-9_.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); global = 1; next }
        /^[ \t]*global:/ { global = 1; next }
        /^[ \t]*local:/  { global = 0; next }
        node != "" && global && /^[ \t]*sd_[A-Za-z0-9_]+[ \t]*;/ {
            s = $0; gsub(/[ \t;]/, "", s); print s, node }'
}

sym_nodes() {
    check__sym_text | awk '
        /^[ \t]*[A-Za-z0-9_.]+[ \t]*\{/ { node = $1; sub(/\{.*/, "", node); next }
        /^[ \t]*\}/ && node != "" {
            parent = $0; gsub(/[ \t};]/, "", parent)
            print node, (parent == "" ? "-" : parent); node = "" }'
}

header_functions() {
    # -fpreprocessed: strip comments and nothing else (no includes, no macro expansion).
    gcc -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null |
        grep -v '^[[:space:]]*#' | tr '\n' ' ' | tr ';' '\n' |
        perl -ne 'print "$1\n" if /(?<![A-Za-z0-9_])(sd_[A-Za-z0-9_]+)\s*\(/' | sort -u
}
