"""Which implementation the package uses, chosen once at import.

Search order:

1. ``$SDLITE_LIBRARY`` when set: a path to a libsystemd-compatible library (kind
   ``"environment"``), or ``system`` (the loader's ``libsystemd.so.0``) or ``python`` (the
   pure-Python backend). An explicit choice that cannot be honoured raises ImportError rather
   than silently using something else.
2. The library bundled in the wheel, ``sdlite/_libsdlite.so`` (kind ``"bundled"``): sdlite
   built from the same source tree, with its own SONAME so that it never satisfies another
   module's ``libsystemd.so.0``.
3. The system's ``libsystemd.so.0`` (kind ``"system"``): systemd's own, or sdlite installed
   under that name.
4. Pure Python (kind ``"python"``): the same protocols over the standard library's sockets.

A candidate that exists but cannot be loaded is skipped, and the reason is kept in
``NOTES``.
"""
from __future__ import annotations

import os
from typing import List, Optional, Union

from ._clib import Library
from ._pure import Pure

ENV = "SDLITE_LIBRARY"
BUNDLED_NAME = "_libsdlite.so"
SYSTEM_NAME = "libsystemd.so.0"

Impl = Union[Library, Pure]

NOTES: List[str] = []


def _bundled_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), BUNDLED_NAME)


def _choose() -> "tuple[str, Impl]":
    wanted = os.environ.get(ENV)
    if wanted:
        if wanted == "python":
            return "python", Pure()
        name = SYSTEM_NAME if wanted == "system" else wanted
        try:
            return ("system" if wanted == "system" else "environment"), Library(name)
        except OSError as e:
            raise ImportError(f"sdlite: {ENV}={wanted}: cannot use {name}: {e}") from e
    bundled = _bundled_path()
    if os.path.exists(bundled):
        try:
            return "bundled", Library(bundled)
        except OSError as e:
            NOTES.append(f"bundled {bundled} not usable: {e}")
    else:
        NOTES.append(f"no bundled library ({bundled}): not installed from a platform wheel")
    try:
        return "system", Library(SYSTEM_NAME)
    except OSError as e:
        NOTES.append(f"system {SYSTEM_NAME} not usable: {e}")
    return "python", Pure()


KIND, IMPL = _choose()
#: The file of the loaded library, None for the pure-Python backend.
LIBRARY: Optional[str] = IMPL.path
