"""Which installation each library mapped into Apache comes from, and which ones Apache takes
from another installation than the system's copy.

Everything the loader maps for httpd, mod_wsgi.so (with the LoadFile'd libraries) and the Python
extension modules of the application is resolved twice with the glibc emulation of
:mod:`wsgidoctor.linkage.glibc`: with Apache's start environment (its LD_LIBRARY_PATH) and with
none, the system's own resolution. A library whose two answers differ, and whose answer for Apache
lies outside the system's library directories, is foreign: Anaconda's libz or OpenSSL, a venv's
bundled copy, /usr/local's build, taking the place of the system's in the whole server.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional, Sequence

from wsgidoctor.linkage import glibc
from wsgidoctor.linkage.elf import LIBPYTHON_RE, BinaryError, ElfInfo

SYSTEM_DIRS = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/lib32/", "/usr/lib32/")
MAX_EXTENSIONS = 200


def installation_of(path: str) -> str:
    """A short name for the installation a library file belongs to."""
    low = path.lower()
    if any(k in low for k in ("conda", "anaconda", "miniforge", "mambaforge")):
        return "Anaconda"
    if path.startswith("/usr/local/"):
        return "/usr/local"
    current = os.path.dirname(path)
    while current not in ("/", ""):
        if os.path.isfile(os.path.join(current, "pyvenv.cfg")):
            return f"the virtual environment {current}"
        current = os.path.dirname(current)
    if path.startswith(SYSTEM_DIRS):
        return "the system"
    return f"another installation ({os.path.dirname(path)})"


def is_system(path: str) -> bool:
    return path.startswith(SYSTEM_DIRS) and installation_of(path) == "the system"


def extension_modules(dirs: Iterable[str], limit: int = MAX_EXTENSIONS) -> list[str]:
    """The Python extension modules (``*.so``) under the given import directories, at most ``limit``."""
    found: list[str] = []
    for top in dirs:
        for base, subdirs, files in os.walk(top):
            subdirs[:] = [d for d in subdirs if d not in ("tests", "__pycache__")]
            for name in files:
                if name.endswith(".so") and ".cpython-" in name or name.endswith(".abi3.so"):
                    found.append(os.path.join(base, name))
                    if len(found) >= limit:
                        return found
    return found


def _read(paths: Sequence[str]) -> list[ElfInfo]:
    out = []
    for p in paths:
        try:
            out.append(glibc._read_elf_cached(p))
        except BinaryError:
            continue
    return out


def mapped(httpd: str, objects: Sequence[str], ld_library_path: Optional[str]) -> dict[str, str]:
    """name or soname -> path of everything mapped with httpd and ``objects`` (modules, LoadFile,
    extensions) under this LD_LIBRARY_PATH."""
    try:
        exe = glibc._read_elf_cached(httpd)
    except BinaryError:
        return {}
    extra = _read(objects)
    resolver = glibc.Resolver(glibc.detect_platform(exe.elfclass, exe.machine))
    state = glibc.LoadState(executable=exe, ld_library_path=ld_library_path)
    return glibc.loaded_objects(resolver, exe, state, extra, limit=2000)


def foreign_libraries(httpd: str, objects: Sequence[str], start_env: dict[str, str]) -> list[dict[str, Any]]:
    """The libraries Apache maps from another installation than the system's copy."""
    llp = start_env.get("LD_LIBRARY_PATH")
    if not llp:
        return []
    objects_set = set(objects)
    apache = mapped(httpd, objects, llp)
    system = mapped(httpd, objects, None)
    out = []
    for name, path in sorted(apache.items()):
        if "/" in name or path in objects_set or LIBPYTHON_RE.match(name):
            continue  # libpython has its own finding (libpython-resolution-differs)
        other = system.get(name)
        if other and os.path.realpath(other) != os.path.realpath(path) and not is_system(path):
            out.append({"name": name, "path": path, "installation": installation_of(path),
                        "system_path": other, "via": "LD_LIBRARY_PATH", "ld_library_path": llp})
    return out
