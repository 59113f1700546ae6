"""The wheel PyPI accepts: built from the sdist, tagged py3-none-manylinux_*, with the hosting
program inside; it installs and runs `wsgidoctor check` on a machine state with no C compiler.
The sdist, on that machine state, refuses to install with a message that says what to do."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.packaging.build import shared_dist

COMPILERS = re.compile(r"^(cc|c89|c99|gcc|g\+\+|c\+\+|clang|clang\+\+|tcc|cpp)(-[\d.]+)?$"
                       r"|^x86_64-linux-gnu-(gcc|g\+\+|cpp)(-[\d.]+)?$")

pytestmark = [pytest.mark.slow, pytest.mark.apache]


def _no_compiler_path(tmp: Path) -> str:
    """A PATH with every program of /usr/sbin, /usr/bin, /sbin and /bin except C compilers."""
    bin_dir = tmp / "bin-without-compilers"
    bin_dir.mkdir()
    for source in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        if not os.path.isdir(source):
            continue
        for name in os.listdir(source):
            target = bin_dir / name
            if COMPILERS.match(name) or target.exists() or target.is_symlink():
                continue
            target.symlink_to(os.path.join(source, name))
    return str(bin_dir)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` (sdist, then the wheel from it), then `auditwheel repair`."""
    return shared_dist(tmp_path_factory)


def _clean_env(path: str, venv: Path) -> dict[str, str]:
    """This process's environment without compilers, PYTHON* variables or wsgidoctor overrides."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CC", "CFLAGS", "WSGIDOCTOR_HOST_PROGRAM", "WSGIDOCTOR_SKIP_NATIVE", "VIRTUAL_ENV")
           and not k.startswith("PYTHON")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{path}"
    return env


def _fresh_venv(tmp: Path, path: str) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300,
                   env=_clean_env(path, venv))
    return venv


def test_the_repaired_wheel_is_py3_none_manylinux_and_carries_the_hosting_program(dist):
    (wheel,) = (dist / "repaired").glob("*.whl")
    assert re.fullmatch(r"wsgidoctor-[\d.]+-py3-none-manylinux_\d+_\d+_x86_64\.whl", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as zf:
        tags = re.findall(r"^Tag: (.+)$", zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/WHEEL"))).decode(), re.M)
        assert tags and all(re.fullmatch(r"py3-none-manylinux_\d+_\d+_x86_64", t) for t in tags), tags
        info = zf.getinfo("wsgidoctor/_native/wsgidoctor-host")
        assert (info.external_attr >> 16) & 0o111, "the hosting program must be executable"
    (sdist,) = dist.glob("*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as tf:
        names = tf.getnames()
    assert any(n.endswith("native/main.c") for n in names) and any(n.endswith("native/build_host.py") for n in names)


def test_the_wheel_installs_and_checks_without_a_compiler(dist, tmp_path):
    path = _no_compiler_path(tmp_path)
    assert shutil.which("cc", path=path) is None and shutil.which("gcc", path=path) is None
    venv = _fresh_venv(tmp_path, path)
    env = _clean_env(path, venv)
    (wheel,) = (dist / "repaired").glob("*.whl")
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                             capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run([str(venv / "bin" / "wsgidoctor"), "check", "--color", "never"],
                           capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert check.returncode in (0, 1, 2), check.stdout + check.stderr
    assert "hosting program (libpython loaded as mod_wsgi loads it)" in check.stdout, check.stdout
    assert "hosting-program-not-built" not in check.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import wsgidoctor; print(wsgidoctor.__file__)"],
                           capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path).stdout
    assert where.startswith(str(venv)), where


def test_the_sdist_without_a_compiler_stops_with_a_message_that_says_what_to_do(dist, tmp_path):
    path = _no_compiler_path(tmp_path)
    venv = _fresh_venv(tmp_path, path)
    env = _clean_env(path, venv)
    (sdist,) = dist.glob("*.tar.gz")
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", str(sdist)],
                             capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert install.returncode != 0
    said = install.stdout + install.stderr
    assert "no C compiler found" in said and "WSGIDOCTOR_SKIP_NATIVE=1" in said and "--only-binary" in said, said
