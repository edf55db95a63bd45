"""``python -m sdlite``: which implementation this installation uses, and why."""
import sdlite
from sdlite import daemon

print(f"sdlite {sdlite.__version__}")
print(f"backend: {sdlite.backend}")
print(f"library: {sdlite.library or '(none: pure Python)'}")
for note in sdlite.backend_notes:
    print(f"  skipped: {note}")
print(f"booted: {daemon.booted()}")
wd = daemon.watchdog_enabled()
print(f"watchdog: {'every %.3f s' % wd if wd else 'not enabled for this process'}")
