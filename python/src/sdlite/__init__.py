"""sdlite: systemd's daemon protocols for Python without a compiler.

``sdlite.daemon`` is python-systemd's ``systemd.daemon`` (notify, watchdog, socket activation,
the ``is_*`` checks) and ``sdlite.journal`` its journal sending side (``send``,
``JournalHandler``, ``stream``), over sdlite's libc-only library through ctypes, or over plain
Python sockets where no library can be loaded.

Which one is in use::

    >>> import sdlite
    >>> sdlite.backend      # "bundled", "environment", "system" or "python"
    >>> sdlite.library      # the library file, None for "python"

``python -m sdlite`` prints both, and why earlier candidates were skipped.
"""
from __future__ import annotations

from typing import List, Optional

from . import _backend

__version__ = "0.1.0"

#: How the implementation was found: "environment" ($SDLITE_LIBRARY names a library),
#: "bundled" (the wheel's own copy), "system" (the loader's libsystemd.so.0) or "python".
backend: str = _backend.KIND
#: The library file in use, None for the pure-Python backend.
library: Optional[str] = _backend.LIBRARY
#: Why candidates earlier in the search order were not used.
backend_notes: List[str] = list(_backend.NOTES)

__all__ = ["backend", "library", "backend_notes", "__version__"]
