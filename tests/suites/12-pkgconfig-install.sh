#!/usr/bin/env bash
# 12-pkgconfig-install.sh -- how consumers find sdlite: pkg-config and `make install`.
#   a. the build tree's libsystemd.pc: --cflags/--libs point at include/ and build/,
#      --modversion is the integer systemd API level 252, --atleast-version=252 holds (253 not)
#   b. make install PREFIX=P: libsystemd.so.0.35.0 (+ .so.0, .so links), .a, header, .pc with
#      prefix P, nothing else; a program built with that .pc (+ -Wl,-rpath) maps the installed
#      library (/proc/self/maps) and works; make uninstall removes every file
#   c. make install DESTDIR=D PREFIX=/usr/local LIBDIR=/usr/local/lib64 INCLUDEDIR=/usr/local/inc:
#      files under D where asked, the .pc says /usr/local... and never D; with
#      PKG_CONFIG_SYSROOT_DIR=D a program builds and runs against D; make uninstall (same
#      variables) removes every file
# make runs with -o all: this suite installs what the build made, it does not rebuild (the
# runner's `make check` has built `all`; a rebuild here would race the developer's own).
# Exit: 0 passed, 77 skipped (why is printed), 1 failed.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=../lib/check.sh
. "$HERE/../lib/check.sh"

echo "== 12-pkgconfig-install: pkg-config and make install/uninstall"
need pkg-config make gcc readelf
for f in libsystemd.so.0.35.0 libsystemd.a pkgconfig/libsystemd.pc; do
    [ -e "$SDLITE_BUILD/$f" ] || { echo "FAIL: $SDLITE_BUILD/$f does not exist (run make first)"; exit 1; }
done
scratch T
unset CPATH C_INCLUDE_PATH LIBRARY_PATH
ROOT=$(cd "$SDLITE_ROOT" && pwd -P)
BUILD=$(cd "$SDLITE_BUILD" && pwd -P)
API=252
REAL=libsystemd.so.0.35.0

# ------------------------------------------------------------------ a. the build tree's .pc
pc() { pkg-config "$@" libsystemd; }
found=$(pc --path 2>/dev/null || true)
[ -n "$found" ] && info "pkg-config finds $found"
got=$(pc --cflags --libs | xargs)
want="-I$ROOT/include -L$BUILD -lsystemd"
[ "$got" = "$want" ] && pass "pkg-config --cflags --libs libsystemd: $got" \
    || fail "pkg-config --cflags --libs libsystemd: '$got', expected '$want'"
ver=$(pc --modversion)
if [[ $ver =~ ^[0-9]+$ ]] && [ "$ver" = "$API" ]; then
    pass "--modversion is the integer $ver"
else
    fail "--modversion is '$ver', expected the integer $API"
fi
pc --atleast-version=$API && pass "--atleast-version=$API accepted" || fail "--atleast-version=$API rejected"
pc --exact-version=$API && pass "--exact-version=$API accepted" || fail "--exact-version=$API rejected"
pc --atleast-version=$((API + 1)) && fail "--atleast-version=$((API + 1)) accepted (version not compared as a number?)" \
    || pass "--atleast-version=$((API + 1)) rejected"
name=$(sed -n 's/^Name: *//p' "$BUILD/pkgconfig/libsystemd.pc")
[ "$name" = systemd ] && pass "Name: systemd (as systemd's own .pc)" || fail "Name: '$name', systemd's .pc says 'systemd'"

# ------------------------------------------------------------------ helpers
# make with only the variables given on its command line (none inherited from the environment).
mk() { env -u DESTDIR -u PREFIX -u LIBDIR -u INCLUDEDIR -u PKGCONFIGDIR \
           make --no-print-directory -C "$SDLITE_ROOT" -o all "$@" >"$T/make.out" 2>&1; }
# expect_tree SCAN DESTDIR LIBDIR INCDIR PCDIR BINDIR: the files under SCAN are exactly the
# installed ones, at DESTDIR+dir, with their links, modes and bytes.
expect_tree() {
    local scan=$1 dir=$2 lib=$3 inc=$4 pcd=$5 bin=$6 ok=1 f h want have headers=()
    # every header of include/systemd/ (one per family), installed as it is
    for h in "$ROOT"/include/systemd/*.h; do headers+=("$inc/systemd/${h##*/}"); done
    want=$(printf '%s\n' "$lib/$REAL" "$lib/libsystemd.so.0" "$lib/libsystemd.so" "$lib/libsystemd.a" \
                         "${headers[@]}" "$pcd/libsystemd.pc" "$bin/sdlite-listen" "$bin/sdlite-notify" |
           awk -v d="$dir" '{ print d $0 }' | sort)
    have=$(find "$scan" -type f -o -type l | sort)
    if [ "$want" != "$have" ]; then
        fail "installed files differ ('<' expected, '>' installed):"
        diff <(echo "$want") <(echo "$have") | grep '^[<>]' | sed 's/^/      /'
        return 1
    fi
    [ "$(readlink "$dir$lib/libsystemd.so.0")" = "$REAL" ] || { fail "$lib/libsystemd.so.0 -> $(readlink "$dir$lib/libsystemd.so.0")"; ok=0; }
    [ "$(readlink "$dir$lib/libsystemd.so")" = libsystemd.so.0 ] || { fail "$lib/libsystemd.so -> $(readlink "$dir$lib/libsystemd.so")"; ok=0; }
    cmp -s "$dir$lib/$REAL" "$BUILD/$REAL" || { fail "$lib/$REAL is not build/$REAL"; ok=0; }
    cmp -s "$dir$lib/libsystemd.a" "$BUILD/libsystemd.a" || { fail "$lib/libsystemd.a is not build/libsystemd.a"; ok=0; }
    for h in "${headers[@]}"; do
        cmp -s "$dir$h" "$ROOT/include/systemd/${h##*/}" || { fail "the installed $h is not include/systemd/${h##*/}"; ok=0; }
    done
    for f in "$lib/$REAL:755" "$lib/libsystemd.a:644" "${headers[@]/%/:644}" "$pcd/libsystemd.pc:644" \
             "$bin/sdlite-listen:755" "$bin/sdlite-notify:755"; do
        have=$(stat -c %a "$dir${f%:*}")
        [ "$have" = "${f##*:}" ] || { fail "${f%:*} has mode $have, expected ${f##*:}"; ok=0; }
    done
    [ $ok = 1 ] && pass "installed exactly: $lib/{$REAL, libsystemd.so.0 -> $REAL, libsystemd.so -> libsystemd.so.0, libsystemd.a}, $inc/systemd/{$(cd "$ROOT/include/systemd" && ls -- *.h | paste -sd, -)}, $pcd/libsystemd.pc, $bin/sdlite-listen, $bin/sdlite-notify (modes 755/644, same bytes as the build)"
}
# pc_vars PCFILE PREFIX LIBDIR INCDIR: the .pc's variables as make was told.
pc_vars() {
    local got
    got=$(sed -n 's/^\(prefix\|libdir\|includedir\)=//p' "$1" | tr '\n' ' ')
    [ "$got" = "$2 $3 $4 " ] && pass ".pc: prefix=$2 libdir=$3 includedir=$4, Version: $(sed -n 's/^Version: *//p' "$1")" \
        || fail ".pc variables are '$got', expected '$2 $3 $4 '"
}
# build_and_run NAME LIBDIR(of the library expected in maps) PKG-CONFIG-ENV...
build_and_run() {
    local name=$1 libdir=$2 flags out
    shift 2
    flags=$(env "$@" pkg-config --cflags --libs libsystemd) || { fail "$name: pkg-config failed"; return; }
    printf 'REF(sd_notify)\nREF(sd_booted)\n' >"$T/refs.h"
    # shellcheck disable=SC2086
    if ! gcc -std=gnu11 -O2 -Wall -Werror -I"$T" -o "$T/$name" "$ROOT/c-tests/abi/system-linked.c" \
            $flags -Wl,-rpath,"$libdir" 2>"$T/cc.err"; then
        fail "$name: building with '$flags': $(head -3 "$T/cc.err")"; return
    fi
    out=$(env -u LD_LIBRARY_PATH -u NOTIFY_SOCKET "$T/$name" 2>&1)
    if [ $? -eq 0 ] && grep -qx "maps: $libdir/$REAL" <<<"$out"; then
        pass "$name: cc ... $flags -Wl,-rpath,$libdir; runs, sd_notify round trip, maps: $libdir/$REAL"
    else
        fail "$name: expected maps: $libdir/$REAL, got: $(echo $out)"
    fi
}
gone() {  # DIR: no file or link left under it
    local left
    left=$(cd "$1" && find . -type f -o -type l)
    [ -z "$left" ] && pass "make uninstall $2: no file left" || fail "make uninstall $2 left: $(echo $left)"
}

# ------------------------------------------------------------------ b. PREFIX
P=$T/p
if mk install PREFIX="$P"; then
    pass "make -o all install PREFIX=$P"
    expect_tree "$P" "" "$P/lib" "$P/include" "$P/lib/pkgconfig" "$P/bin"
    pc_vars "$P/lib/pkgconfig/libsystemd.pc" "$P" "$P/lib" "$P/include"
    got=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags --libs libsystemd | xargs)
    [ "$got" = "-I$P/include -L$P/lib -lsystemd" ] && pass "PKG_CONFIG_PATH=$P/lib/pkgconfig: $got" \
        || fail "PKG_CONFIG_PATH=$P/lib/pkgconfig gives '$got'"
    build_and_run prefix-installed "$P/lib" PKG_CONFIG_PATH="$P/lib/pkgconfig"
    if mk uninstall PREFIX="$P"; then gone "$P" "PREFIX=$P"; else fail "make uninstall: $(tail -3 "$T/make.out")"; fi
else
    fail "make install PREFIX=$P: $(tail -5 "$T/make.out")"
fi

# ------------------------------------------------------------------ c. DESTDIR and directories
D=$T/d
vars=(DESTDIR="$D" PREFIX=/usr/local LIBDIR=/usr/local/lib64 INCLUDEDIR=/usr/local/inc)
if mk install "${vars[@]}"; then
    pass "make -o all install ${vars[*]}"
    expect_tree "$D" "$D" /usr/local/lib64 /usr/local/inc /usr/local/lib64/pkgconfig /usr/local/bin
    pcf=$D/usr/local/lib64/pkgconfig/libsystemd.pc
    pc_vars "$pcf" /usr/local /usr/local/lib64 /usr/local/inc
    grep -qF "$D" "$pcf" && fail "the .pc contains DESTDIR ($D)" || pass "no DESTDIR in the .pc"
    got=$(PKG_CONFIG_PATH=$D/usr/local/lib64/pkgconfig pkg-config --cflags --libs libsystemd | xargs)
    [ "$got" = "-I/usr/local/inc -L/usr/local/lib64 -lsystemd" ] && pass "its flags: $got" \
        || fail "PKG_CONFIG_PATH=$D/usr/local/lib64/pkgconfig gives '$got'"
    # How a staged tree is used (cross builds): the sysroot prefix is put back by pkg-config.
    build_and_run destdir-installed "$D/usr/local/lib64" \
        PKG_CONFIG_PATH="$D/usr/local/lib64/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
    if mk uninstall "${vars[@]}"; then gone "$D" "${vars[*]}"; else fail "make uninstall: $(tail -3 "$T/make.out")"; fi
else
    fail "make install ${vars[*]}: $(tail -5 "$T/make.out")"
fi

finish
