#!/usr/bin/env bash
# 36-python-package: the `sdlite` Python package (python/), as a user gets it.
#   1. `make python-wheel` builds the platform wheel carrying this tree's library; it is
#      installed into a fresh venv (Debian's python3, --system-site-packages for pytest and the
#      reference python3-systemd only).
#   2. python-systemd's own test_daemon.py, fetched from its published sdist (pip download
#      systemd-python==235; not ours, so not committed), with only its import line pointed at
#      sdlite.daemon, passes on the bundled library and on the pure-Python backend.
#   3. our tests (python/tests, pytest), on the bundled library and on the pure-Python backend:
#      bytes/fds/credentials on a real socket, every exception type against python-systemd,
#      the two backends against each other, the journal byte for byte against python-systemd
#      in a private mount namespace (root), the search order, the wheel in fresh venvs (every
#      Python 3 >= 3.9 on the machine), `pip install ./python` without a compiler, and sdlite
#      then python-systemd in one process.
# Without network the sdist cannot be fetched: that FAILS (set SDLITE_SYSTEMD_PYTHON_SDIST to a
# local systemd-python-235.tar.gz to run offline), it never passes silently.
set -u
# shellcheck source=SCRIPTDIR/../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"

echo "== 36-python-package: the sdlite Python package (wheel, python-systemd's tests, our tests)"
t0=$SECONDS
PY=/usr/bin/python3
[ -x "$PY" ] || skip_or_fail "$PY not found (make deps installs python3)"
"$PY" -c 'import venv, ensurepip' 2>/dev/null || skip_or_fail "python3-venv not installed (make deps)"
"$PY" -c 'import pytest' 2>/dev/null || skip_or_fail "python3-pytest not installed (make deps)"
"$PY" -c 'import setuptools, wheel' 2>/dev/null || skip_or_fail "python3-setuptools/python3-wheel not installed (make deps)"
"$PY" -c 'import systemd.daemon, systemd.journal' 2>/dev/null ||
    skip_or_fail "python3-systemd (the reference) not installed (make deps)"
[ -e "$SDLITE_BUILD/libsystemd.so.0.35.0" ] || { fail "$SDLITE_BUILD/libsystemd.so.0.35.0 missing: run make"; finish; }
scratch T
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# ------------------------------------------------------------------ 1. the wheel, in a venv
if ! make -s -C "$SDLITE_ROOT" python-wheel >"$T/wheel.log" 2>&1; then
    sed 's/^/     /' "$T/wheel.log" | tail -n 30
    fail "make python-wheel"
    finish
fi
WHEEL=$(ls "$SDLITE_BUILD"/python/dist/sdlite-*.whl)
pass "make python-wheel: $(basename "$WHEEL") ($(stat -c %s "$WHEEL") bytes)"
"$PY" -m venv --without-pip --system-site-packages "$T/venv" || { fail "python3 -m venv"; finish; }
VPY=$T/venv/bin/python
"$PY" -m pip --python "$VPY" install -q --no-index "$WHEEL" >"$T/pip.log" 2>&1 ||
    { cat "$T/pip.log"; fail "pip install the wheel"; finish; }
BUNDLED=$("$VPY" -c 'import sdlite; print(sdlite.library if sdlite.backend == "bundled" else "")')
if [ -z "$BUNDLED" ]; then
    fail "venv: sdlite did not choose its bundled library: $("$VPY" -m sdlite 2>&1 | tr '\n' ' ')"
    finish
fi
pass "venv: the wheel installed, sdlite.backend=bundled ($BUNDLED)"

# ------------------------------------------------------------------ 2. python-systemd's test_daemon.py
SDIST=${SDLITE_SYSTEMD_PYTHON_SDIST:-}
if [ -z "$SDIST" ]; then
    if ! "$PY" -m pip download -q --no-deps --no-binary :all: -d "$T/sdist" systemd-python==235 >"$T/dl.log" 2>&1; then
        sed 's/^/     /' "$T/dl.log" | tail -n 15
        fail "cannot download python-systemd's sdist (pip download --no-binary :all: systemd-python==235): no network to PyPI? Set SDLITE_SYSTEMD_PYTHON_SDIST=/path/to/systemd-python-235.tar.gz to run upstream's test_daemon.py offline"
        SDIST=
    else
        SDIST=$(ls "$T"/sdist/systemd-python-235.tar.gz 2>/dev/null)
    fi
fi
if [ -n "$SDIST" ]; then
    mkdir -p "$T/upstream"
    if tar -xzf "$SDIST" -C "$T/upstream" --strip-components=3 systemd-python-235/systemd/test/test_daemon.py 2>"$T/tar.err"; then
        sed 's/^from systemd\.daemon import/from sdlite.daemon import/' "$T/upstream/test_daemon.py" >"$T/upstream/test_daemon_sdlite.py"
        changed=$(diff "$T/upstream/test_daemon.py" "$T/upstream/test_daemon_sdlite.py" | grep -c '^>')
        if [ "$changed" != 1 ]; then
            fail "upstream test_daemon.py: expected exactly one import line to change, got $changed"
        else
            for backend in bundled python; do
                envs=()
                [ "$backend" = python ] && envs=(SDLITE_LIBRARY=python)
                if (cd "$T/upstream" && env "${envs[@]}" "$VPY" -m pytest -q -p no:cacheprovider \
                        --basetemp="$T/pt-up-$backend" test_daemon_sdlite.py) >"$T/up.$backend" 2>&1 &&
                   [ "$(env "${envs[@]}" "$VPY" -c 'import sdlite; print(sdlite.backend)')" = "$backend" ]; then
                    pass "python-systemd 235's own test_daemon.py (import line -> sdlite.daemon) on the $backend backend: $(grep -Eo '[0-9]+ passed.*' "$T/up.$backend" | tail -n1)"
                else
                    sed 's/^/     /' "$T/up.$backend" | tail -n 30
                    fail "python-systemd's test_daemon.py on the $backend backend"
                fi
            done
        fi
    else
        cat "$T/tar.err"; fail "no systemd/test/test_daemon.py in $SDIST"
    fi
fi

# ------------------------------------------------------------------ 3. our tests
common=(SDLITE_TEST_WHEEL="$WHEEL" SDLITE_TEST_LIBRARY="$BUNDLED"
        SDLITE_TEST_BUILT_LIBRARY="$SDLITE_BUILD/libsystemd.so.0.35.0" SDLITE_TEST_BASE_PYTHON="$PY"
        SYSTEM_LIBSYSTEMD="$SYSTEM_LIBSYSTEMD" CI="${CI:-}")
run_ours() { # LABEL BACKEND [SDLITE_LIBRARY] -- pytest args...
    local label=$1 backend=$2 lib=$3
    shift 4
    local envs=("${common[@]}" SDLITE_TEST_EXPECT_BACKEND="$backend")
    [ -n "$lib" ] && envs+=(SDLITE_LIBRARY="$lib")
    if (cd "$SDLITE_ROOT/python" && env "${envs[@]}" "$VPY" -m pytest -q -rs -p no:cacheprovider \
            --basetemp="$T/pt-$label" "$@") >"$T/ours.$label" 2>&1; then
        pass "python/tests on the $backend backend: $(grep -Eo '[0-9]+ passed.*' "$T/ours.$label" | tail -n1)"
        grep -E '^SKIPPED' "$T/ours.$label" | sed 's/^/     /'
    else
        sed 's/^/     /' "$T/ours.$label" | tail -n 60
        fail "python/tests on the $backend backend"
    fi
}
run_ours bundled bundled "" -- tests
run_ours python python python -- tests/test_notify.py tests/test_compat.py tests/test_journal.py \
    "tests/test_backend.py::test_sdlite_then_python_systemd_in_one_process"

info "run time: $((SECONDS - t0)) s"
finish
