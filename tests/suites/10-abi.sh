#!/usr/bin/env bash
# 10-abi.sh -- the binary interface of build/libsystemd.so.0 and build/libsystemd.a against
# libsystemd.sym (the one list of exports) and the system's libsystemd 252:
#   a. SONAME libsystemd.so.0, NEEDED exactly libc.so.6, the build tree's links
#   b. the defined sd_* dynamic symbols with their nodes = libsystemd.sym, all default (@@)
#      versions; each one the system library exports has the same node there; every function
#      of the system's sd-daemon.h and sd-id128.h, and sd-journal.h's sending side, is exported
#   c. no stray exports (only those and the version-node ABS symbols); imports only from glibc
#   d. version definitions: the system chain LIBSYSTEMD_209..252 (same order, same parents)
#      followed by 253, 254, exactly as libsystemd.sym has them; a binary that needs every node
#      of the system chain (linked against a stub) loads on ours
#   e. no unwinding machinery (_Unwind_*, __cxa_*, personality routines, .gcc_except_table,
#      libgcc_s), panic sites reported; size <= 128 KiB (64 KiB before sd-login)
#   f. a binary built against the system library runs on ours (LD_BIND_NOW=1), no "no version
#      information", ldd -v resolves every version to ours, /proc/self/maps shows ours
#   g. libsystemd.a: defines only the listed sd_* globals, references nothing libc lacks, and a
#      program linked statically against it sends the right datagrams
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 10-abi: exports, version nodes, dependencies of build/libsystemd.so.0 and .a"
need readelf objdump nm strings gcc perl ldd
so=$SDLITE_BUILD/libsystemd.so.0
ar=$SDLITE_BUILD/libsystemd.a
for f in "$so" "$ar" "$SYM_FILE"; do
    [ -e "$f" ] || { echo "FAIL: $f does not exist (run make first)"; exit 1; }
done
[ -e "$SYSTEM_LIBSYSTEMD" ] || skip_or_fail "no system libsystemd at $SYSTEM_LIBSYSTEMD (apt-get install libsystemd0)"
[ -e "$SYSTEM_HEADER" ] || skip_or_fail "no $SYSTEM_HEADER (apt-get install libsystemd-dev)"
scratch T
so_real=$(readlink -f "$so")

# ------------------------------------------------------------------ a. dynamic section
dyn=$(readelf -dW "$so")
soname=$(sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p' <<<"$dyn")
needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p' <<<"$dyn" | sort | tr '\n' ' ')
[ "$soname" = libsystemd.so.0 ] && pass "SONAME is libsystemd.so.0" || fail "SONAME is '$soname', expected libsystemd.so.0"
[ "$needed" = "libc.so.6 " ] && pass "NEEDED is exactly libc.so.6" || fail "NEEDED is '$needed', expected only libc.so.6"
links="$(readlink "$SDLITE_BUILD/libsystemd.so") $(readlink "$SDLITE_BUILD/libsystemd.so.0")"
if [ "$links" = "libsystemd.so.0 libsystemd.so.0.35.0" ] && [ -f "$SDLITE_BUILD/libsystemd.so.0.35.0" ]; then
    pass "build tree: libsystemd.so -> libsystemd.so.0 -> libsystemd.so.0.35.0"
else
    fail "build tree links are '$links', expected 'libsystemd.so.0 libsystemd.so.0.35.0'"
fi

# ------------------------------------------------------------------ b. exports and nodes
# objdump -T rows: ADDRESS FLAGS SECTION SIZE VERSION NAME; a hidden (non-default) version
# is printed in parentheses, so it cannot match a node name below.
defined() { objdump -T "$1" | awk '/^[0-9a-f]+ / && !/\*UND\*/ { print $NF, $(NF-1) }' | sort; }
defined "$so" >"$T/ours.all"
defined "$SYSTEM_LIBSYSTEMD" >"$T/sys.all"
grep '^sd_' "$T/ours.all" >"$T/ours.sd"
grep '^sd_' "$T/sys.all" >"$T/sys.sd"
sym_exports | sort >"$T/listed"
sym_nodes >"$T/nodes.sym"

if [ ! -s "$T/listed" ]; then
    fail "found no sd_* symbol in $SYM_FILE (parser broken?)"
elif cmp -s "$T/listed" "$T/ours.sd"; then
    pass "the $(wc -l <"$T/ours.sd") exported sd_* symbols and their nodes are exactly libsystemd.sym's"
else
    fail "exported sd_* symbols differ from libsystemd.sym ('<' listed only, '>' exported only):"
    diff "$T/listed" "$T/ours.sd" | grep '^[<>]' | sed 's/^/      /'
fi
hidden=$(objdump -T "$so" | awk '/^[0-9a-f]+ / && !/\*UND\*/ && $(NF-1) ~ /^\(/ { print $NF "@" $(NF-1) }')
[ -z "$hidden" ] && pass "every export is the default version (name@@node)" \
    || fail "non-default (hidden) versions: $hidden"

same=0 differ=0 only_ours=()
while read -r name node; do
    sysnode=$(awk -v n="$name" '$1 == n { print $2 }' "$T/sys.sd")
    if [ -z "$sysnode" ]; then
        only_ours+=("$name@$node")
    elif [ "$sysnode" = "$node" ]; then
        same=$((same + 1))
    else
        differ=$((differ + 1)); fail "$name is $name@$node here, $name@$sysnode in the system library"
    fi
done <"$T/ours.sd"
[ "$differ" -eq 0 ] && pass "$same exports have the system library's node (name@node identical)"
[ ${#only_ours[@]} -gt 0 ] && info "not in the system library (systemd > 252): ${only_ours[*]}"

# Each family's system header, and which of its functions a drop-in must have: all of
# sd-daemon.h and sd-id128.h; of sd-journal.h the sending side (sdlite has no journal reader).
for family in sd-daemon sd-id128 sd-journal; do
    header=/usr/include/systemd/$family.h
    [ -f "$SDLITE_ROOT/include/systemd/$family.h" ] || continue
    header_functions "$header" >"$T/sys.header"
    if [ "$family" = sd-journal ]; then
        grep -E '^sd_journal_(print|printv|send|sendv|perror|stream_fd)(_with_location)?$' "$T/sys.header" >"$T/wanted"
    else
        # static inline helpers of the header are not exports
        comm -12 "$T/sys.header" <(cut -d' ' -f1 "$T/sys.sd") >"$T/wanted"
    fi
    bad_parse=$(comm -23 "$T/wanted" <(cut -d' ' -f1 "$T/sys.sd"))
    if [ "$(wc -l <"$T/wanted")" -lt 5 ] || [ -n "$bad_parse" ]; then
        fail "parsing $header: $(wc -l <"$T/wanted") functions; not exported by the system library: ${bad_parse:-none}"
    fi
    missing=()
    while read -r name; do
        grep -q "^$name " "$T/ours.sd" ||
            missing+=("$name@$(awk -v n="$name" '$1 == n { print $2 }' "$T/sys.sd")")
    done <"$T/wanted"
    if [ ${#missing[@]} -eq 0 ]; then
        pass "all $(wc -l <"$T/wanted") functions of the system's $family.h that sdlite covers are exported"
    else
        fail "$family functions of the system library that we lack: ${missing[*]}"
    fi
done
info "the system library exports $(wc -l <"$T/sys.sd") sd_* symbols in all (sd-bus, sd-journal, ... are not sdlite's)"

# ------------------------------------------------------------------ c. nothing else exported
cut -d' ' -f1 "$T/nodes.sym" >"$T/nodenames"
stray=$(awk 'NR == FNR { node[$1] = 1; next }
             $1 ~ /^sd_/ { next }
             $1 == $2 && ($1 in node) { next }
             { print $1 "@" $2 }' "$T/nodenames" "$T/ours.all")
[ -z "$stray" ] && pass "no stray exports (only listed sd_* and the $(wc -l <"$T/nodenames") version-node symbols)" \
    || fail "$(wc -l <<<"$stray") stray exports, e.g. $(head -5 <<<"$stray" | tr '\n' ' ')"
# Imports: glibc's versioned functions, plus the weak unversioned hooks of gcc's crt files.
imports=$(objdump -T "$so" | awk '/^[0-9a-f]+ / && /\*UND\*/ { print $NF, $(NF-1) }')
foreign=$(awk '$2 !~ /^\(?GLIBC_/ && !($2 == "Base" && $1 ~ /^(_ITM_(de)?registerTMCloneTable|__gmon_start__)$/) { print $1 "@" $2 }' <<<"$imports")
[ -z "$foreign" ] && pass "all $(wc -l <<<"$imports") imports are glibc's (or crt's weak hooks)" \
    || fail "imports not from glibc: $(echo $foreign)"

# ------------------------------------------------------------------ d. version definitions
verdefs() {
    objdump -p "$1" | awk '
        /^Version definitions:/ { on = 1; next }
        on && /^Version References:/ { on = 0 }
        on && /^[0-9]+ 0x/ { if (cur != "") print cur, par, fl
                             cur = $4; fl = $2; par = "-"; seen = 0; next }
        on && /^[ \t]+[^ \t]/ && !seen { par = $1; seen = 1 }
        END { if (cur != "") print cur, par, fl }'
}
verdefs "$so" >"$T/ours.vd"
verdefs "$SYSTEM_LIBSYSTEMD" >"$T/sys.vd"
base_ours=$(awk '$3 == "0x01" { print $1 }' "$T/ours.vd")
[ "$base_ours" = libsystemd.so.0 ] && pass "base version definition is libsystemd.so.0" \
    || fail "base version definition is '$base_ours'"
awk '$3 != "0x01" { print $1, $2 }' "$T/ours.vd" >"$T/ours.chain"
awk '$3 != "0x01" { print $1, $2 }' "$T/sys.vd" >"$T/sys.chain"
nsys=$(wc -l <"$T/sys.chain")
if [ "$nsys" -gt 0 ] && cmp -s "$T/sys.chain" <(head -n "$nsys" "$T/ours.chain"); then
    pass "the system chain $(head -1 "$T/sys.chain" | cut -d' ' -f1) .. $(tail -1 "$T/sys.chain" | cut -d' ' -f1) ($nsys nodes) is ours, same order, same parents"
else
    fail "version chain differs from the system library's ('<' system, '>' ours):"
    diff "$T/sys.chain" <(head -n "$nsys" "$T/ours.chain") | grep '^[<>]' | sed 's/^/      /'
fi
tail -n +"$((nsys + 1))" "$T/ours.chain" >"$T/ours.extra"
if grep -qx 'LIBSYSTEMD_253 LIBSYSTEMD_252' "$T/ours.extra" && grep -qx 'LIBSYSTEMD_254 LIBSYSTEMD_253' "$T/ours.extra"; then
    pass "after the system chain: $(cut -d' ' -f1 "$T/ours.extra" | tr '\n' ' ')(253 <- 252, 254 <- 253)"
else
    fail "expected LIBSYSTEMD_253 (parent 252) and LIBSYSTEMD_254 (parent 253) after the system chain, got: $(tr '\n' ' ' <"$T/ours.extra")"
fi
cmp -s "$T/ours.chain" "$T/nodes.sym" && pass "version definitions = libsystemd.sym's nodes and parents" \
    || { fail "version definitions differ from libsystemd.sym ('<' .so, '>' .sym):"
         diff "$T/ours.chain" "$T/nodes.sym" | grep '^[<>]' | sed 's/^/      /'; }
weak=$(awk '$3 == "0x02"' "$T/ours.vd" | wc -l)
[ "$weak" -gt 0 ] && info "$weak nodes without symbols carry VER_FLG_WEAK (GNU ld marks empty nodes so; ld.so does not look at verdef flags)"
# The loader's view: a program that needs every node of the system chain (one dummy function
# per node in a stub libsystemd.so.0, lazily bound and never called) loads on ours.
mkdir -p "$T/stub"
awk '{ n = $1; sub(/^LIBSYSTEMD_/, "", n)
       printf "%s { global: sdlite_node_%s; %s} %s;\n", $1, n, (NR == 1 ? "local: *; " : ""), ($2 == "-" ? "" : $2) }' \
    "$T/sys.chain" | sed 's/ } ;$/ };/' >"$T/stub/v.map"
awk '{ n = $1; sub(/^LIBSYSTEMD_/, "", n); printf "int sdlite_node_%s(void) { return 0; }\n", n }' "$T/sys.chain" >"$T/stub/stub.c"
{ awk '{ n = $1; sub(/^LIBSYSTEMD_/, "", n); printf "int sdlite_node_%s(void);\n", n }' "$T/sys.chain"
  printf '#include <stdio.h>\nint main(int argc, char **argv) {\n    (void)argv;\n    if (argc > 99) {\n'
  awk '{ n = $1; sub(/^LIBSYSTEMD_/, "", n); printf "        sdlite_node_%s();\n", n }' "$T/sys.chain"
  printf '    }\n    puts("loaded");\n    return 0;\n}\n'; } >"$T/stub/needs.c"
if gcc -shared -fPIC -o "$T/stub/libsystemd.so.0" -Wl,-soname,libsystemd.so.0 \
        -Wl,--version-script="$T/stub/v.map" "$T/stub/stub.c" 2>"$T/cc.err" &&
   ln -s libsystemd.so.0 "$T/stub/libsystemd.so" &&
   gcc -o "$T/needs-every-node" "$T/stub/needs.c" -Wl,-z,lazy -L"$T/stub" -lsystemd 2>>"$T/cc.err"; then
    nneed=$(readelf -VW "$T/needs-every-node" | grep -c 'Name: LIBSYSTEMD_')
    out=$(LD_LIBRARY_PATH=$SDLITE_BUILD "$T/needs-every-node" 2>&1)
    if [ "$out" = loaded ]; then
        pass "a binary needing all $nneed nodes of the system chain (stub-linked) loads on ours"
    else
        fail "a binary needing every node of the system chain does not load on ours: $out"
    fi
else
    fail "building the every-node stub: $(head -3 "$T/cc.err")"
fi

# ------------------------------------------------------------------ e. no unwinding, size
unwind=$(nm -D "$so" | awk '{ sub(/@.*/, "", $NF); print $NF }' |
         grep -E '_Unwind_|__cxa_|__gcc_personality|__gxx_personality|rust_eh_personality|rust_begin_unwind|panicking' |
         grep -vx '__cxa_finalize')
[ -z "$unwind" ] && pass "no unwinding/panic symbols in the dynamic table (only crt's weak __cxa_finalize)" \
    || fail "$(wc -l <<<"$unwind") unwinding/panic symbols in the dynamic table, e.g. $(head -5 <<<"$unwind" | tr '\n' ' ')"
case " $needed" in *libgcc_s*) fail "libgcc_s is NEEDED" ;; *) pass "libgcc_s not NEEDED" ;; esac
if readelf -SW "$so" | grep -q '\.gcc_except_table'; then
    fail "the .so has a .gcc_except_table (landing pads: something unwinds)"
else
    pass "no .gcc_except_table (no landing pads)"
fi
# The .so is stripped; its unstripped twin (same link) keeps local names, so it shows what is
# linked in. A panic would abort the host process: no path to one may exist at all.
unstripped=$SDLITE_BUILD/libsystemd-unstripped.so
[ -e "$unstripped" ] || fail "$unstripped does not exist (run make)"
panics=$(nm "$unstripped" 2>/dev/null | awk '{ print $NF }' |
         grep -E 'rust_begin_unwind|panicking|slice_index_fail|panic_bounds_check|core3fmt' | sort -u)
if [ -n "$panics" ]; then
    sites=$(strings -a "$so" | grep -E '^src/[a-z_/]+\.rs$' | sort -u | tr '\n' ' ')
    fail "panic paths are linked in: $(echo "$panics" | wc -l) symbols, e.g. $(echo "$panics" | head -3 | tr '\n' ' '); locations: $sites"
else
    pass "no panic machinery linked into the .so (checked on its unstripped twin)"
fi
size=$(stat -L -c %s "$so")
if [ "$size" -le 131072 ]; then
    pass "size of libsystemd.so.0.35.0: $size bytes ($((size / 1024)) KiB, limit 128 KiB; the system's: $(stat -L -c %s "$SYSTEM_LIBSYSTEMD") bytes)"
else
    fail "libsystemd.so.0.35.0 is $size bytes, over 128 KiB"
fi

# ------------------------------------------------------------------ f. system-built binary on ours
comm -12 <(cut -d' ' -f1 "$T/sys.sd" | sort) <(cut -d' ' -f1 "$T/ours.sd" | sort) | sed 's/.*/REF(&)/' >"$T/refs.h"
# The system's header and library only: no -I, no -L, no compiler search variables.
if env -u LIBRARY_PATH -u CPATH -u C_INCLUDE_PATH -u LD_LIBRARY_PATH \
        gcc -std=gnu11 -O2 -Wall -Werror -I"$T" -o "$T/system-linked" \
        "$SDLITE_ROOT/c-tests/abi/system-linked.c" -lsystemd 2>"$T/cc.err"; then
    vers=$(readelf -VW "$T/system-linked" | awk '/File: libsystemd.so.0/ { on = 1; next } on && /Name:/ { print $3 } on && /File:/ { on = 0 }' | sort -V | tr '\n' ' ')
    pass "built c-tests/abi/system-linked.c against the system library: $(wc -l <"$T/refs.h") functions, needs $vers"
    sysrun=$(env -u LD_LIBRARY_PATH "$T/system-linked" 2>&1)
    grep -q "maps: $(readlink -f "$SYSTEM_LIBSYSTEMD")" <<<"$sysrun" ||
        fail "sanity: on the system library it printed: $sysrun"
    out=$(LD_LIBRARY_PATH=$SDLITE_BUILD LD_BIND_NOW=1 "$T/system-linked" 2>"$T/run.err")
    rc=$?
    if [ $rc -eq 0 ] && grep -qx "maps: $so_real" <<<"$out"; then
        pass "it runs on ours with LD_BIND_NOW=1 (sd_notify round trip; maps: $so_real)"
    else
        fail "on ours (LD_LIBRARY_PATH=$SDLITE_BUILD LD_BIND_NOW=1): rc=$rc, out: $(echo $out) err: $(cat "$T/run.err")"
    fi
    if grep -qi 'version' "$T/run.err"; then
        fail "the loader complained: $(cat "$T/run.err")"
    else
        pass "no loader warning (no 'no version information')"
    fi
    lddv=$(LD_LIBRARY_PATH=$SDLITE_BUILD ldd -v "$T/system-linked" 2>&1)
    resolved=$(awk '/Version information:/ { on = 1 } on && /libsystemd\.so\.0 \(LIBSYSTEMD_/ { print $2, $4 }' <<<"$lddv" | sort -u)
    nres=$(awk -v d="$SDLITE_BUILD/libsystemd.so.0" '$2 == d' <<<"$resolved" | wc -l)
    if grep -qiE 'no version information|not found' <<<"$lddv"; then
        fail "ldd -v: $(grep -iE 'no version information|not found' <<<"$lddv" | head -3)"
    elif [ "$nres" -gt 0 ] && [ "$nres" -eq "$(wc -l <<<"$resolved")" ]; then
        pass "ldd -v: all $nres versions the binary needs resolve to $SDLITE_BUILD/libsystemd.so.0"
    else
        fail "ldd -v resolves libsystemd versions to: $(echo $resolved)"
    fi
else
    fail "building c-tests/abi/system-linked.c against the system library: $(cat "$T/cc.err")"
fi

# ------------------------------------------------------------------ g. the static archive
nm -g --defined-only "$ar" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort >"$T/ar.globals"
if cmp -s "$T/ar.globals" <(cut -d' ' -f1 "$T/listed" | sort); then
    pass "libsystemd.a defines exactly the $(wc -l <"$T/ar.globals") listed sd_* globals"
else
    fail "libsystemd.a globals differ from libsystemd.sym ('<' archive, '>' listed):"
    diff "$T/ar.globals" <(cut -d' ' -f1 "$T/listed" | sort) | grep '^[<>]' | sed 's/^/      /'
fi
libc=$(ldd "$so" | awk '$1 == "libc.so.6" { print $3 }')
nm -D --defined-only "$libc" | awk '{ sub(/@.*/, "", $NF); print $NF }' | sort -u >"$T/libc.syms"
nm -u "$ar" 2>/dev/null | awk 'NF >= 2 && $1 == "U" { print $2 }' | sort -u >"$T/ar.undef"
nonlibc=$(comm -23 "$T/ar.undef" "$T/libc.syms")
if [ -z "$nonlibc" ]; then
    pass "every undefined symbol of libsystemd.a is libc's ($(wc -l <"$T/ar.undef"))"
else
    mkdir "$T/x" && (cd "$T/x" && ar x "$ar")
    for s in $nonlibc; do
        if objdump -r "$T"/x/*.o | awk '{ print $3 }' | grep -qE "^$s([+-]|$)"; then
            fail "libsystemd.a references $s, which libc does not define"
        else
            info "WARN: libsystemd.a lists $s as undefined (no relocation uses it; harmless for ld.bfd/gold)"
        fi
    done
fi
if env -u LIBRARY_PATH gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$SDLITE_ROOT/include" \
        -o "$T/static-notify" "$SDLITE_ROOT/c-tests/abi/static-notify.c" \
        -L"$SDLITE_BUILD" -Wl,-Bstatic -lsystemd -Wl,-Bdynamic 2>"$T/cc.err"; then
    if readelf -dW "$T/static-notify" | grep -q 'NEEDED.*libsystemd'; then
        fail "static-notify NEEDs libsystemd: -Bstatic did not take the archive"
    else
        pass "linked c-tests/abi/static-notify.c with -Wl,-Bstatic -lsystemd (no libsystemd NEEDED)"
    fi
    if out=$(env -u LD_LIBRARY_PATH "$T/static-notify" </dev/null 2>&1); then
        pass "static-notify: $(grep -c '^ok:' <<<"$out") checks ok (sd_notify, sd_notifyf, fd passing, unset_environment)"
    else
        fail "static-notify: $out"
    fi
else
    fail "linking statically against libsystemd.a: $(cat "$T/cc.err")"
fi


# ------------------------------------------------------------------ the README's exports table
# made from libsystemd.sym and the headers; a stale copy means the README tells something else
if out=$(python3 "$SDLITE_ROOT/scripts/readme-exports.py" --check 2>&1); then
    pass "README.md's exports table is the one libsystemd.sym and include/systemd/ make"
else
    fail "$out"
fi

finish
