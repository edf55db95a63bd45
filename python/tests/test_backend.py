"""The library search order, the wheel, installs into fresh virtual environments, and sdlite
living beside python-systemd in one process."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

import sdlite

from conftest import SYSTEM_LIBSYSTEMD, skip_or_fail

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
PROJECT = os.path.dirname(HERE)
BASE_PYTHON = os.environ.get("SDLITE_TEST_BASE_PYTHON", "/usr/bin/python3")

PROBE = "import json, sdlite; print(json.dumps([sdlite.backend, sdlite.library, sdlite.backend_notes]))"


def clean_env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SDLITE_", "PYTHON", "LD_", "NOTIFY_", "LISTEN_", "WATCHDOG_"))}
    env.update(extra)
    return env


def probe(python: str, **env: str):
    p = subprocess.run([python, "-c", PROBE], env=clean_env(**env), capture_output=True, text=True,
                       timeout=60, cwd="/")
    if p.returncode != 0:
        return ("error", p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode)
    return tuple(json.loads(p.stdout))


def wheel() -> str:
    w = os.environ.get("SDLITE_TEST_WHEEL")
    if not w:
        skip_or_fail("SDLITE_TEST_WHEEL not set (the suite builds it with make python-wheel)")
    return w


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory):
    """A fresh venv (no system site-packages) with only the wheel installed."""
    w = wheel()
    d = str(tmp_path_factory.mktemp("venv") / "v")
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", d], check=True, timeout=120)
    pip_install(d, "--no-index", w)
    return d


def pip_install(venv: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """pip (the base interpreter's, run for the venv's with --python) installing into venv."""
    p = subprocess.run([BASE_PYTHON, "-m", "pip", "--python", venv + "/bin/python", "install", "-q", *args],
                       capture_output=True, text=True, timeout=300,
                       env=clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1", **env))
    assert p.returncode == 0, p.stderr
    return p


def bundled_copy(venv: str) -> str:
    return glob.glob(venv + "/lib/python3*/site-packages/sdlite/_libsdlite.so")[0]


# --------------------------------------------------------------------------- search order
def test_order_source_tree_uses_system_library():
    kind, lib, notes = probe(BASE_PYTHON, PYTHONPATH=SRC)
    assert kind == "system" and os.path.realpath(lib) == os.path.realpath(SYSTEM_LIBSYSTEMD)
    assert any("no bundled library" in n for n in notes)


def test_order_falls_back_to_python(tmp_path):
    bogus = tmp_path / "libsystemd.so.0"
    bogus.write_bytes(b"")  # found first by the loader, and unloadable
    kind, lib, notes = probe(BASE_PYTHON, PYTHONPATH=SRC, LD_LIBRARY_PATH=str(tmp_path))
    assert (kind, lib) == ("python", None)
    assert any("system libsystemd.so.0 not usable" in n for n in notes), notes


def test_order_environment_variable(wheel_venv, tmp_path):
    py = wheel_venv + "/bin/python"
    assert probe(py, SDLITE_LIBRARY="python")[:2] == ("python", None)
    kind, lib, _ = probe(py, SDLITE_LIBRARY="system")
    assert kind == "system" and os.path.realpath(lib) == os.path.realpath(SYSTEM_LIBSYSTEMD)
    other = str(tmp_path / "copy.so")
    shutil.copy(bundled_copy(wheel_venv), other)
    assert probe(py, SDLITE_LIBRARY=other)[:2] == ("environment", other)
    err = probe(py, SDLITE_LIBRARY=str(tmp_path / "missing.so"))
    assert err[0] == "error" and "ImportError" in err[1] and "SDLITE_LIBRARY" in err[1]


def test_order_bundled_first(wheel_venv):
    kind, lib, notes = probe(wheel_venv + "/bin/python")
    assert (kind, lib, notes) == ("bundled", bundled_copy(wheel_venv), [])


def test_order_broken_bundled_is_skipped(wheel_venv, tmp_path):
    pkg = os.path.dirname(bundled_copy(wheel_venv))
    shutil.copytree(pkg, str(tmp_path / "sdlite"))
    (tmp_path / "sdlite" / "_libsdlite.so").write_bytes(b"not a library")
    kind, lib, notes = probe(wheel_venv + "/bin/python", PYTHONPATH=str(tmp_path))
    assert kind == "system"
    assert any(n.startswith("bundled ") and "not usable" in n for n in notes), notes


# --------------------------------------------------------------------------- the wheel
def test_wheel_tags_and_contents():
    w = wheel()
    name = os.path.basename(w)
    assert name.startswith("sdlite-") and "-py3-none-manylinux_" in name, name
    with zipfile.ZipFile(w) as z:
        names = set(z.namelist())
        meta = z.read([n for n in names if n.endswith(".dist-info/WHEEL")][0]).decode()
    assert "sdlite/_libsdlite.so" in names and "sdlite/py.typed" in names
    assert "Root-Is-Purelib: false" in meta
    assert not [n for n in names if n.endswith((".pyc", ".c"))]


def test_bundled_library_is_this_trees_with_another_soname(wheel_venv):
    lib = bundled_copy(wheel_venv)
    if shutil.which("readelf"):
        dyn = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True, check=True).stdout
        assert "Library soname: [_libsdlite.so]" in dyn
        assert [l for l in dyn.splitlines() if "(NEEDED)" in l] == \
            [l for l in dyn.splitlines() if "(NEEDED)" in l and "[libc.so.6]" in l]
    built = os.environ.get("SDLITE_TEST_BUILT_LIBRARY")
    if built:
        a, b = open(built, "rb").read(), open(lib, "rb").read()
        assert len(a) == len(b)
        assert sum(x != y for x, y in zip(a, b)) <= 20  # the name and its hash, nothing else


def pythons_3x(minor: int) -> list:
    found = glob.glob(f"/root/.pyenv/versions/3.{minor}.*/bin/python3.{minor}")
    for d in ("/usr/bin", "/usr/local/bin"):
        if os.access(f"{d}/python3.{minor}", os.X_OK):
            found.append(f"{d}/python3.{minor}")
    return found


@pytest.mark.parametrize("minor", range(9, 15))
def test_wheel_works_on_every_python3(tmp_path, minor):
    """One wheel for every Python 3: pip accepts it for 3.X, and each interpreter of that
    version on this machine imports and uses it."""
    pythons = pythons_3x(minor)
    if not pythons:
        pytest.skip(f"no Python 3.{minor} on this machine")
    target = str(tmp_path / "site")
    p = subprocess.run([BASE_PYTHON, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
                        "--only-binary", ":all:", "--python-version", f"3.{minor}", "--target", target,
                        wheel()], capture_output=True, text=True, timeout=120, env=clean_env())
    assert p.returncode == 0, p.stderr
    code = "import sdlite.daemon, sdlite.journal; print(sdlite.backend, sdlite.daemon.booted() in (True, False))"
    for py in pythons:
        out = subprocess.run([py, "-c", code], capture_output=True, text=True, timeout=60,
                             env=clean_env(PYTHONPATH=target))
        assert out.stdout.split() == ["bundled", "True"], (py, out.stderr)


def test_source_install_needs_no_compiler(tmp_path):
    """pip install ./python: no compiler (CC=false), offline, the system's setuptools."""
    d = str(tmp_path / "v")
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", d], check=True,
                   timeout=120)
    src = str(tmp_path / "python")
    shutil.copytree(PROJECT, src, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info",
                                                                "_libsdlite.so"))
    pip_install(d, "--no-index", "--no-build-isolation", src, CC="false", CXX="false")
    site = glob.glob(d + "/lib/python3*/site-packages/sdlite")[0]
    assert not glob.glob(site + "/*.so")
    kind, lib, notes = probe(d + "/bin/python")
    assert kind == "system", (kind, notes)


# --------------------------------------------------------------------------- beside python-systemd
COEXIST = textwrap.dedent(r"""
    import json, os, socket, sys
    import sdlite
    from sdlite import daemon as ours, journal as ours_journal
    from systemd import daemon as theirs, journal as theirs_journal   # loaded after sdlite
    path = sys.argv[1]
    rx = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); rx.bind(path)
    os.environ["NOTIFY_SOCKET"] = path
    got = []
    for mod in (ours, theirs, ours):
        assert mod.notify("READY=1\nX=%s" % mod.__name__)
        got.append(rx.recv(100).decode())
    r = theirs_journal.Reader()  # needs the real libsystemd's reader functions
    r.close()
    maps = sorted({l.split(None, 5)[5].strip() for l in open("/proc/self/maps")
                   if len(l.split(None, 5)) == 6 and ("libsystemd" in l or "sdlite" in l)})
    print(json.dumps({"backend": sdlite.backend, "got": got, "maps": maps}))
""")


def test_sdlite_then_python_systemd_in_one_process(tmp_path):
    py = os.environ.get("SDLITE_TEST_COEXIST_PYTHON", sys.executable)
    try:
        subprocess.run([py, "-c", "import systemd.journal"], check=True, env=clean_env(), capture_output=True)
    except subprocess.CalledProcessError:
        skip_or_fail(f"python3-systemd not importable from {py}")
    env = clean_env(**{k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "SDLITE_LIBRARY")})
    p = subprocess.run([py, "-c", COEXIST, str(tmp_path / "n")], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["got"] == ["READY=1\nX=sdlite.daemon", "READY=1\nX=systemd.daemon", "READY=1\nX=sdlite.daemon"]
    assert os.path.realpath(SYSTEM_LIBSYSTEMD) in r["maps"]
    if r["backend"] == "bundled":
        assert any(m.endswith("/sdlite/_libsdlite.so") for m in r["maps"]), r["maps"]
