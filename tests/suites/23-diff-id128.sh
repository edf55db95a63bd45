#!/usr/bin/env bash
# 23-diff-id128: the sd-id128 family, sdlite against libsystemd 252.
#
# c-tests/id128/id128-diff.c is built once against Debian's <systemd/sd-id128.h> and -lsystemd
# (libsystemd-dev, not sdlite's pkg-config) and run on the system library (twice: the runs must
# agree, or the test is broken) and with LD_LIBRARY_PATH=$SDLITE_BUILD. Its stdout must be
# byte-identical (return values, IDs, text, the errno each call leaves, *ret left untouched on
# errors), except the lines starting with "~ ": those are the deliberate differences
# (id128-README-notes.md), checked here against the text expected from each library.
#
# Covered: to_string/to_uuid_string (buffer bytes, NULL buffer), from_string (valid and invalid
# forms, case, UUID dash rules, every single-character edit of a plain ID and a UUID, every byte
# value at two positions, ret NULL), string_equal, randomize (2000 IDs: v4 bits, no duplicates,
# bit balance), NULL out-pointers, get_machine/get_boot and both app-specific functions on the
# host files and, as root in a private mount namespace per case, on 48 prepared contents of
# /etc/machine-id and /proc/sys/kernel/random/boot_id (empty, "uninitialized", plain and UUID
# forms, case, newlines, NULs, lengths, missing, directory, /dev/null, /dev/zero, unreadable),
# each read twice around a change of the files (caching), and get_invocation with
# $INVOCATION_ID set, unset and malformed and, in a session keyring of its own per case, with an
# "invocation_id" key of every permission, owner and size that matters.
#
# Without root, mount namespaces or keyrings, those sections print "unavailable" (in both runs);
# the rest is still compared, and the suite then ends as skipped (failed under CI=true).
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 23-diff-id128: sd_id128_* against libsystemd 252, same binary"
need gcc readelf cmp diff
[ -f /usr/include/systemd/sd-id128.h ] || skip_or_fail "no /usr/include/systemd/sd-id128.h (apt-get install -y libsystemd-dev)"
need_reference_and_build
scratch T
chmod 755 "$T" # the uid-65534 case reads below it
PROG=id128-diff

# ------------------------------------------------------------ build against the system
build_against_reference "$PROG" "id128/$PROG.c" sd_id128_get_boot_app_specific@LIBSYSTEMD_240 -pthread || finish

# run PROG OUT ERR [env assignments...]: a fresh scratch dir (the same path each time); for
# reference_runs and sdlite_run (check.sh)
run() {
    local p=$1 out=$2 err=$3
    shift 3
    rm -rf "$T/run"
    mkdir -m 755 "$T/run"
    (cd "$T" && env -u LD_LIBRARY_PATH -u LD_PRELOAD -u INVOCATION_ID "$@" timeout 300 "$T/$p" "$T/run" \
        >"$out" 2>"$err" </dev/null)
}
REF=$T/$PROG.ref1.out SD=$T/$PROG.sd.out

reference_runs "$PROG" 2 || finish
pass "two runs on the system library agree ($(wc -l <"$REF") lines)"
sdlite_run "$PROG" || finish
head -n1 "$REF" | sed 's/^# /  .. /'
reference_complete "$PROG" 1000

# ------------------------------------------------------------ a few rows as 252 gives them
row() { reference_row "$PROG" "$@"; } # LINE DESCRIPTION
row 'from_string valid "3D1219C7-C4C5-404A-AA1F-6D2A48ADFDA4" | -> 0 3d1219c7c4c5404aaa1f6d2a48adfda4 | ret=NULL -> 0' \
    "upper-case UUID form parses"
row 'from_string invalid "3d1219c7c4c5-404a-aa1f-6d2a48adfda4" | -> -EINVAL untouched | ret=NULL -> -EINVAL' \
    "dashes need the first one at offset 8"
row 'string_equal NULL 0102030405060708090a0b0c0d0e0f10 | -> 0' "string_equal(NULL) is 0, not an error"
row 'randomize x2000 | nonzero returns 0, not v4 0, duplicates 0, errno changed 0, bits always/never set 6, bits set in 40-60% 122' \
    "randomize: v4 UUIDs, all different, the 122 random bits balanced"
if grep -q '^# id128-diff: namespaces yes' "$REF"; then
    row 'file uninitialized\n | get_machine -> -ENOPKG untouched' '"uninitialized\n" machine-id is -ENOPKG'
    row 'file zeros plain\n | get_machine -> -ENOMEDIUM untouched' 'an all-zero machine-id is -ENOMEDIUM'
    row 'file zeros uuid\n | get_boot -> 0 00000000000000000000000000000000' 'an all-zero boot_id is returned as it is'
    row 'file plain\n | get_boot -> -EINVAL untouched' 'boot_id must be in the UUID form'
    row 'file plain+4NUL | get_boot -> 0 3d1219c7c4c5404aaa1f6d2a48adfda4' '32 digits and 4 NULs are a valid boot_id'
    row 'file missing | get_machine -> -ENOENT untouched [ENOENT]' 'no machine-id: -ENOENT'
    row 'file plain\n, then changed | get_machine -> 0 3d1219c7c4c5404aaa1f6d2a48adfda4' 'the machine ID is read once'
    row 'file uninitialized\n | machine_app_specific(0102030405060708090a0b0c0d0e0f10) -> -ENOPKG untouched' \
        'app-specific IDs pass on the machine ID errors'
fi
if grep -q '^invocation key 16 bytes, allowed' "$REF"; then
    row 'invocation key 16 bytes, view only | get_invocation -> -ENXIO untouched [EACCES]' \
        'an unsearchable key is "no invocation ID"'
    row 'invocation key 16 bytes, default perms | get_invocation -> -EPERM untouched [0]' \
        'a key others could change is -EPERM'
fi

# ------------------------------------------------------------ the comparison
grep -v '^~ ' "$REF" >"$T/cmp.sys"
grep -v '^~ ' "$SD" >"$T/cmp.sd"
compared=$(wc -l <"$T/cmp.sys")
if cmp -s "$T/cmp.sys" "$T/cmp.sd"; then
    pass "stdout byte-identical on libsystemd 252 and sdlite ($compared lines compared)"
else
    fail "stdout differs between libsystemd 252 (-) and sdlite (+): $(diff "$T/cmp.sys" "$T/cmp.sd" | grep -c '^[<>]') lines; first differences:"
    diff -U0 "$T/cmp.sys" "$T/cmp.sd" | head -n 60 | sed 's/^/     /'
fi

# ------------------------------------------------------------ the deliberate differences
# expect LABEL-PREFIX 252-LINE SDLITE-LINE DESCRIPTION (only when the section ran)
expect() {
    local prefix=$1 want_sys=$2 want_sd=$3 what=$4
    grep -qF -- "$prefix" "$REF" || return 0
    if grep -qxF -- "$want_sys" "$REF" && grep -qxF -- "$want_sd" "$SD"; then
        pass "deliberate difference: $what"
    else
        fail "deliberate difference '$what' not as expected:"
        info "252:    $(grep -F -- "$prefix" "$REF" | head -n1)"
        info "        expected $want_sys"
        info "sdlite: $(grep -F -- "$prefix" "$SD" | head -n1)"
        info "        expected $want_sd"
    fi
}
expect '~ thread, files changed | get_machine' \
    '~ thread, files changed | get_machine in a new thread -> 0 77777777777777777777777777777777' \
    '~ thread, files changed | get_machine in a new thread -> 0 3d1219c7c4c5404aaa1f6d2a48adfda4' \
    "the machine ID is kept per process (252: per thread, a new thread reads the changed file)"
expect '~ thread, files changed | get_boot' \
    '~ thread, files changed | get_boot in a new thread -> 0 88888888888888888888888888888888' \
    '~ thread, files changed | get_boot in a new thread -> 0 9e6358782d0f4242a1d2decd81572ae3' \
    "the boot ID is kept per process (252: per thread)"
expect '~ invocation key 15 bytes' \
    '~ invocation key 15 bytes, again with INVOCATION_ID=<unset> | get_invocation -> 0 5f0c4b7a3e2d4c1b9a8f7e6d5c4b3a00' \
    '~ invocation key 15 bytes, again with INVOCATION_ID=<unset> | get_invocation -> -EIO untouched [0]' \
    "a 15-byte invocation key is -EIO every time (252: its second call returns the partial payload as the ID)"
expect '~ invocation key 1 byte' \
    '~ invocation key 1 byte, again with INVOCATION_ID=<unset> | get_invocation -> 0 5f000000000000000000000000000000' \
    '~ invocation key 1 byte, again with INVOCATION_ID=<unset> | get_invocation -> -EIO untouched [0]' \
    "a 1-byte invocation key is -EIO every time (252: 0 and a mostly-zero ID the second time)"
if [ "$(grep -c '^~ ' "$REF")" != "$(grep -c '^~ ' "$SD")" ]; then
    fail "the two runs have different numbers of '~' lines"
fi

# ------------------------------------------------------------ what could not run here
missing=$(grep -h ' | unavailable' "$REF" | sed 's/^/     /')
if [ -n "$missing" ]; then
    printf '%s\n' "$missing"
    [ "$CHECK_FAILED" -gt 0 ] && finish
    skip_or_fail "some id128 cases need root, mount namespaces or a session keyring (the rest passed: $CHECK_PASSED checks)"
fi
finish
