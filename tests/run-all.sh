#!/usr/bin/env bash
# Runs every suite in tests/suites/ (see tests/CONVENTIONS.md) and prints one closing line
# "N passed, N failed, N skipped". Exit status: 0 only when nothing failed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
export SDLITE_ROOT=${SDLITE_ROOT:-$root}
export SDLITE_BUILD=${SDLITE_BUILD:-$root/build}
export PKG_CONFIG_PATH=$SDLITE_BUILD/pkgconfig
export SYSTEM_LIBSYSTEMD=/usr/lib/x86_64-linux-gnu/libsystemd.so.0
export CI=${CI:-}

passed=0 failed=0 skipped=0 failures=()
only=${1:-}
for suite in "$root"/tests/suites/*.sh; do
    name=$(basename "$suite" .sh)
    [[ -n $only && $name != *$only* ]] && continue
    echo "=== $name"
    start=$SECONDS
    "$suite"
    rc=$?
    took=$((SECONDS - start))
    case $rc in
        0)  passed=$((passed + 1)); echo "--- $name: passed (${took}s)" ;;
        77) skipped=$((skipped + 1)); echo "--- $name: skipped (${took}s)" ;;
        *)  failed=$((failed + 1)); failures+=("$name"); echo "--- $name: FAILED rc=$rc (${took}s)" ;;
    esac
done
[[ $failed -gt 0 ]] && echo "failed suites: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]]
