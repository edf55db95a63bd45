"""Only the wheel's tag lives here; everything else is in pyproject.toml.

A source tree without the bundled library (what `pip install ./python` sees) builds a pure
`py3-none-any` wheel. `make python-wheel` first puts the library built from this tree into
src/sdlite/_libsdlite.so (of a staged copy) and sets SDLITE_WHEEL_PLATFORM; the wheel is then
tagged `py3-none-<platform>`: one wheel for every Python 3 on that platform, since the package
has no extension module, only a shared object loaded through ctypes.
"""
import os

from setuptools import Distribution, setup

try:  # setuptools >= 70.1 ships bdist_wheel itself
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools: the wheel package's
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLED = os.path.join(HERE, "src", "sdlite", "_libsdlite.so")


class binary_distribution(Distribution):
    """With the library inside, the files go to the wheel's (platform) root, not .data/purelib."""

    def has_ext_modules(self) -> bool:
        return os.path.exists(BUNDLED)


class platform_wheel(bdist_wheel):  # type: ignore[misc,valid-type]
    def get_tag(self):  # type: ignore[no-untyped-def]
        python, abi, plat = super().get_tag()
        if os.path.exists(BUNDLED):
            plat = os.environ.get("SDLITE_WHEEL_PLATFORM") or plat
            return "py3", "none", plat
        return python, abi, plat


setup(distclass=binary_distribution, cmdclass={"bdist_wheel": platform_wheel})
