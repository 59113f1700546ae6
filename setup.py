"""Build hook: compile the native hosting program during ``pip install``.

Project metadata lives in pyproject.toml; this file only adds one step to ``build_py``: compile
``native/*.c`` (native/build_host.py) with the system C compiler into
``wsgidoctor/_native/wsgidoctor-host`` - inside the build tree for a normal install, in place for
``pip install -e``. The program needs no Python headers: it dlopen()s the libpython it is told
to use at run time.

The program has no Python ABI dependency, so the wheel is tagged ``py3-none-<platform>``;
``auditwheel repair`` then turns ``linux_x86_64`` into the ``manylinux_*`` tag PyPI accepts (see
docs/fleet.md, "Building the wheel"). A wheel built that way installs without a compiler.

Building from the sdist without a working C compiler stops with a message that says what to do
(pip shows a failed build's output, and only that): install a compiler, or set
``WSGIDOCTOR_SKIP_NATIVE=1`` to install without the hosting program, in which case
``wsgidoctor check`` reports ``hosting-program-not-built``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # setuptools < 70.1
    from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

HERE = os.path.dirname(os.path.abspath(__file__))


NOT_BUILT_HELP = """
wsgidoctor: the hosting program (native/, plain C, no Python headers needed) could not be built.
Without it `wsgidoctor check` cannot say what sys.prefix and sys.path will be inside Apache.
  - Install a C compiler (Debian/Ubuntu: apt-get install gcc libc6-dev; RHEL: dnf install gcc)
    and install again, or
  - install the prebuilt wheel instead of the sources (pip install --only-binary wsgidoctor wsgidoctor), or
  - install without it: WSGIDOCTOR_SKIP_NATIVE=1 pip install wsgidoctor
    (then `wsgidoctor check` reports hosting-program-not-built, and --live still works).
"""


def _compile_host(target_dir: str) -> None:
    if os.environ.get("WSGIDOCTOR_SKIP_NATIVE"):
        print("wsgidoctor: WSGIDOCTOR_SKIP_NATIVE is set: the hosting program is not built", file=sys.stderr)
        return
    path = os.path.join(HERE, "native", "build_host.py")
    if not os.path.isfile(path):
        raise SystemExit("wsgidoctor: native/ is missing from these sources." + NOT_BUILT_HELP)
    spec = importlib.util.spec_from_file_location("wsgidoctor_build_host", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.compile_host(target_dir) is None:
        raise SystemExit(NOT_BUILT_HELP)


class PlatformDistribution(Distribution):
    """The wheel carries a native executable, so it is platform-specific."""

    def has_ext_modules(self) -> bool:
        return True


class BdistWheelAnyPython(bdist_wheel):
    """Tag the wheel ``py3-none-<platform>``: the hosting program dlopen()s whichever libpython
    it is told to, so the wheel fits every Python 3 on that platform."""

    def get_tag(self) -> tuple[str, str, str]:
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BuildPyWithHost(build_py):
    """build_py that also compiles the hosting program."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            target = os.path.join(HERE, "wsgidoctor", "_native")
        else:
            target = os.path.join(self.build_lib, "wsgidoctor", "_native")
        _compile_host(target)


class SdistWithNative(sdist):
    """sdist that also ships native/ (the sources the build step compiles)."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        source = os.path.join(HERE, "native")
        target = os.path.join(base_dir, "native")
        if os.path.isdir(source) and not os.path.isdir(target):
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("wsgidoctor-host", "bootstrap_py.h", "*.o"))


setup(cmdclass={"build_py": BuildPyWithHost, "sdist": SdistWithNative, "bdist_wheel": BdistWheelAnyPython},
      distclass=PlatformDistribution)
