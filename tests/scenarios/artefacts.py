"""Build artefacts the scenarios share, once per machine, into a cache directory.

Building mod_wsgi takes half a minute on a busy two-core machine, so each module is built the
first time a scenario needs it and kept in :func:`cache_dir` for later runs. Builds take a file
lock, so two pytest processes never build the same thing at once, and write to a temporary name
that is renamed into place only when complete, so an interrupted build is never mistaken for a
finished one.

The artefacts:

- :func:`pip_module` — ``pip wheel mod_wsgi`` with a pyenv CPython: the module a user gets from
  ``pip install mod_wsgi`` there, with RUNPATH ``<pyenv>/versions/X.Y.Z/lib``.
- :func:`module_without_runpath` — a copy of such a module with its RUNPATH removed (patchelf),
  as when a .so is copied out of the venv it was built in.
- :func:`static_module` — mod_wsgi compiled with Debian's position-independent static
  libpython3.11 linked in, as a build against a Python configured without ``--enable-shared``
  ends up.

The mod_wsgi source is the PyPI sdist of :data:`MOD_WSGI_VERSION`, downloaded with pip; it is
never copied into the repository.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Iterator

MOD_WSGI_VERSION = "5.0.2"
PYENV_ROOT = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv"))
#: Debian's position-independent static libpython (package libpython3.11-dev).
DEBIAN_PIC_LIBPYTHON = Path("/usr/lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11-pic.a")
DEBIAN_PYTHON_INCLUDE = Path("/usr/include/python3.11")
#: Time limit for one build step (pip wheel of mod_wsgi is ~35 s on two busy cores).
BUILD_TIMEOUT = 600


class ArtefactUnavailable(RuntimeError):
    """A prerequisite of an artefact (a pyenv Python, patchelf, Debian's static libpython) is missing."""


def cache_dir() -> Path:
    """``$WSGIDOCTOR_TEST_CACHE``, else /var/cache/wsgidoctor-tests as root, else the XDG cache."""
    env = os.environ.get("WSGIDOCTOR_TEST_CACHE")
    if env:
        path = Path(env)
    elif os.geteuid() == 0:
        path = Path("/var/cache/wsgidoctor-tests")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        path = Path(base) / "wsgidoctor-tests"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(name: str) -> Iterator[Path]:
    """Hold an exclusive lock named ``name`` in the cache directory."""
    root = cache_dir()
    with open(root / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield root
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(argv: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def pyenv_python(version: str) -> Path:
    """The interpreter of a pyenv-built CPython, or ArtefactUnavailable."""
    exe = PYENV_ROOT / "versions" / version / "bin" / f"python{version.rsplit('.', 1)[0]}"
    if not exe.exists():
        raise ArtefactUnavailable(f"pyenv Python {version} is not installed ({exe})")
    return exe


def sdist() -> Path:
    """The mod_wsgi source distribution, downloaded once with pip."""
    with _locked("sdist") as root:
        target = root / "sdist"
        found = sorted(target.glob(f"mod_wsgi-{MOD_WSGI_VERSION}.tar.gz"))
        if found:
            return found[0]
        target.mkdir(exist_ok=True)
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
              "-d", str(target), f"mod_wsgi=={MOD_WSGI_VERSION}"])
        found = sorted(target.glob(f"mod_wsgi-{MOD_WSGI_VERSION}.tar.gz"))
        if not found:
            raise RuntimeError(f"pip download left no mod_wsgi-{MOD_WSGI_VERSION}.tar.gz in {target}")
        return found[0]


def _publish(built: Path, final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(final.name + ".tmp")
    shutil.copy2(built, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, final)
    return final


def pip_module(python_version: str) -> Path:
    """mod_wsgi built by ``pip wheel`` with pyenv's CPython ``python_version``; its .so path."""
    final = cache_dir() / f"pip-{MOD_WSGI_VERSION}-py{python_version}" / "mod_wsgi.so"
    if final.exists():
        return final
    python = pyenv_python(python_version)
    source = sdist()
    with _locked(f"pip-py{python_version}"):
        if final.exists():
            return final
        with tempfile.TemporaryDirectory(prefix="wsgidoctor-build-") as work:
            _run([str(python), "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-cache-dir",
                  "-w", work, str(source)])
            wheels = glob.glob(os.path.join(work, "mod_wsgi-*.whl"))
            if not wheels:
                raise RuntimeError(f"pip wheel produced no wheel for Python {python_version}")
            with zipfile.ZipFile(wheels[0]) as whl:
                names = [n for n in whl.namelist() if n.startswith("mod_wsgi/server/mod_wsgi") and n.endswith(".so")]
                if not names:
                    raise RuntimeError(f"no mod_wsgi .so in {wheels[0]}")
                whl.extract(names[0], work)
            return _publish(Path(work) / names[0], final)


def module_without_runpath(python_version: str) -> Path:
    """A copy of :func:`pip_module` with RUNPATH/RPATH removed by patchelf."""
    final = cache_dir() / f"pip-{MOD_WSGI_VERSION}-py{python_version}-norunpath" / "mod_wsgi.so"
    if final.exists():
        return final
    patchelf = shutil.which("patchelf")
    if not patchelf:
        raise ArtefactUnavailable("patchelf is not installed (apt-get install patchelf)")
    original = pip_module(python_version)
    with _locked(f"norunpath-py{python_version}"):
        if final.exists():
            return final
        with tempfile.TemporaryDirectory(prefix="wsgidoctor-build-") as work:
            copy = Path(work) / "mod_wsgi.so"
            shutil.copy2(original, copy)
            _run([patchelf, "--remove-rpath", str(copy)])
            return _publish(copy, final)


def static_module() -> Path:
    """mod_wsgi with Debian's static (PIC) libpython3.11 linked in whole."""
    final = cache_dir() / f"static-{MOD_WSGI_VERSION}-py3.11-debian" / "mod_wsgi.so"
    if final.exists():
        return final
    if not DEBIAN_PIC_LIBPYTHON.exists() or not DEBIAN_PYTHON_INCLUDE.is_dir():
        raise ArtefactUnavailable(f"{DEBIAN_PIC_LIBPYTHON} or {DEBIAN_PYTHON_INCLUDE} missing "
                                  "(apt-get install libpython3.11-dev)")
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise ArtefactUnavailable("no C compiler (apt-get install gcc)")
    source = sdist()
    with _locked("static"):
        if final.exists():
            return final
        with tempfile.TemporaryDirectory(prefix="wsgidoctor-build-") as work:
            with tarfile.open(source) as tar:
                members = [m for m in tar.getmembers() if "/src/server/" in m.name and m.isfile()]
                tar.extractall(work, members=members)  # noqa: S202 - our own pip download
            sources = sorted(glob.glob(os.path.join(work, "*", "src", "server", "*.c")))
            out = Path(work) / "mod_wsgi.so"
            # --whole-archive: extension modules of the standard library (lib-dynload) need every
            # C-API symbol exported from the module, not only the ones mod_wsgi itself calls.
            _run([cc, "-shared", "-fPIC", "-O1", "-pipe", "-DLINUX", "-D_REENTRANT", "-D_GNU_SOURCE",
                  "-I/usr/include/apache2", "-I/usr/include/apr-1.0", f"-I{DEBIAN_PYTHON_INCLUDE}",
                  *sources, "-Wl,--whole-archive", str(DEBIAN_PIC_LIBPYTHON), "-Wl,--no-whole-archive",
                  "-lexpat", "-lz", "-lm", "-ldl", "-lpthread", "-lutil", "-o", str(out)])
            return _publish(out, final)


def module_without_libpython() -> Path:
    """Debian's mod_wsgi.so with its DT_NEEDED libpython entry removed (patchelf): it uses
    Python's C API but names no library that provides it, so it needs a LoadFile."""
    final = cache_dir() / "debian-mod_wsgi-no-libpython" / "mod_wsgi.so"
    if final.exists():
        return final
    patchelf = shutil.which("patchelf")
    if not patchelf:
        raise ArtefactUnavailable("patchelf is not installed (apt-get install patchelf)")
    with _locked("no-libpython"):
        if final.exists():
            return final
        with tempfile.TemporaryDirectory(prefix="wsgidoctor-build-") as work:
            copy = Path(work) / "mod_wsgi.so"
            shutil.copy2("/usr/lib/apache2/modules/mod_wsgi.so", copy)
            _run([patchelf, "--remove-needed", "libpython3.11.so.1.0", str(copy)])
            return _publish(copy, final)


NUMPY_VERSION = "2.2.6"


def numpy_venv() -> Path:
    """A venv of Debian's Python 3.11 with NumPy from PyPI (a manylinux wheel), made once; what a
    user points WSGIPythonHome at."""
    final = cache_dir() / f"venv-numpy-{NUMPY_VERSION}"
    if (final / "pyvenv.cfg").exists():
        return final
    with _locked("venv-numpy"):
        if (final / "pyvenv.cfg").exists():
            return final
        work = final.with_name(final.name + ".tmp")
        shutil.rmtree(work, ignore_errors=True)
        _run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(work)])
        site = work / "lib" / "python3.11" / "site-packages"
        _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile",
              "--only-binary", ":all:", "--python-version", "3.11", "--implementation", "cp",
              "--abi", "cp311", "--platform", "manylinux2014_x86_64", "--target", str(site),
              f"numpy=={NUMPY_VERSION}"])
        # venv wrote its own path into pyvenv.cfg and the scripts: rename is the last step.
        cfg = (work / "pyvenv.cfg").read_text().replace(str(work), str(final))
        (work / "pyvenv.cfg").write_text(cfg)
        os.replace(work, final)
        return final
