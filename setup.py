"""Build hook: compile the native hosting program during ``pip install``.

Project metadata lives in pyproject.toml; this file only adds one step to ``build_py``: compile
``native/*.c`` (native/build_host.py) with the system C compiler into
``wsgidoctor/_native/wsgidoctor-host`` - inside the build tree for a normal install, in place for
``pip install -e``. The program needs no Python headers: it dlopen()s the libpython it is told
to use at run time.

Without a C compiler the install still succeeds: a message says so, and ``wsgidoctor check``
reports "hosting program not built" in place of the hosting program's findings.
``WSGIDOCTOR_SKIP_NATIVE=1`` skips the step.
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

HERE = os.path.dirname(os.path.abspath(__file__))


def _compile_host(target_dir: str) -> None:
    if os.environ.get("WSGIDOCTOR_SKIP_NATIVE"):
        print("wsgidoctor: WSGIDOCTOR_SKIP_NATIVE is set: the hosting program is not built", file=sys.stderr)
        return
    path = os.path.join(HERE, "native", "build_host.py")
    if not os.path.isfile(path):
        print("wsgidoctor: native/ is missing: the hosting program is not built", file=sys.stderr)
        return
    spec = importlib.util.spec_from_file_location("wsgidoctor_build_host", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.compile_host(target_dir)


class PlatformDistribution(Distribution):
    """The wheel carries a native executable, so it is platform-specific."""

    def has_ext_modules(self) -> bool:
        return True


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


setup(cmdclass={"build_py": BuildPyWithHost, "sdist": SdistWithNative}, distclass=PlatformDistribution)
