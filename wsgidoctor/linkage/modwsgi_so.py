"""Find the mod_wsgi.so that Apache loads (or would load).

In order of authority: ``--module PATH``; the ``LoadModule wsgi_module`` line of the active
configuration (relative paths are taken from ServerRoot, as ``ap_server_root_relative`` does);
then, with no configuration to go by, the modules directory (apxs ``LIBEXECDIR``, the Debian and
RHEL layouts, source-build defaults) and ``mod_wsgi-express module-location``.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

#: Modules directories of the common layouts, most specific first.
MODULE_DIRS = (
    "/usr/lib/apache2/modules",  # Debian, Ubuntu
    "/usr/lib64/httpd/modules",  # RHEL, Fedora (64-bit)
    "/usr/lib/httpd/modules",  # RHEL 32-bit, Arch
    "/usr/local/apache2/modules",  # source builds
    "/usr/local/libexec/apache24",  # FreeBSD
    "/opt/homebrew/lib/httpd/modules", "/usr/local/lib/httpd/modules",  # Homebrew
    "/usr/libexec/apache2",  # macOS system Apache
)
_NAMES = ("mod_wsgi.so", "mod_wsgi*.so", "mod_wsgi.so-*")


@dataclass(frozen=True)
class ModuleLocation:
    """Where the module is and how we know."""

    path: str
    source: str  # "option", "LoadModule", "modules directory", "mod_wsgi-express"
    file: Optional[str] = None  # configuration file of the LoadModule line
    line: Optional[int] = None
    symbol: str = "wsgi_module"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "source": self.source, "file": self.file, "line": self.line,
                "symbol": self.symbol}


def server_relative(path: str, server_root: Optional[str]) -> str:
    """A path as Apache resolves it: absolute, or relative to ServerRoot."""
    path = path.strip().strip('"').strip("'")
    if os.path.isabs(path) or not server_root:
        return path
    return os.path.join(server_root, path)


def from_directives(directives: Iterable[Mapping[str, Any]], server_root: Optional[str]) -> Optional[ModuleLocation]:
    """The LoadModule line that loads mod_wsgi (``wsgi_module``, or a file named mod_wsgi*)."""
    for d in directives or ():
        if str(d.get("name", "")).lower() != "loadmodule":
            continue
        args = list(d.get("args") or [])
        if len(args) < 2:
            continue
        symbol, target = str(args[0]), str(args[1])
        if symbol == "wsgi_module" or os.path.basename(target).startswith("mod_wsgi"):
            return ModuleLocation(server_relative(target, server_root), "LoadModule",
                                  d.get("file"), d.get("line"), symbol)
    return None


def load_files_before(directives: Iterable[Mapping[str, Any]], server_root: Optional[str],
                      module: Optional[ModuleLocation]) -> list[tuple[str, Optional[str], Optional[int]]]:
    """``LoadFile`` targets that Apache processes before the module is loaded: (path, file, line)."""
    out = []
    for d in directives or ():
        name = str(d.get("name", "")).lower()
        if module is not None and module.source == "LoadModule" and name == "loadmodule" \
                and d.get("file") == module.file and d.get("line") == module.line:
            break
        if name == "loadfile":
            for arg in d.get("args") or []:
                out.append((server_relative(str(arg), server_root), d.get("file"), d.get("line")))
    return out


def in_directories(dirs: Sequence[str]) -> Optional[ModuleLocation]:
    """The first mod_wsgi module found in ``dirs``."""
    for directory in dirs:
        if not directory or not os.path.isdir(directory):
            continue
        for pattern in _NAMES:
            hits = sorted(glob.glob(os.path.join(glob.escape(directory), pattern)))
            if hits:
                return ModuleLocation(hits[0], "modules directory")
    return None


def from_express(run: Callable[[Sequence[str]], Any], which: Callable[[str], Optional[str]]) -> Optional[ModuleLocation]:
    """Ask ``mod_wsgi-express module-location`` (pip installs), when the command exists."""
    exe = which("mod_wsgi-express")
    if not exe:
        return None
    result = run([exe, "module-location"])
    if not getattr(result, "ok", False):
        return None
    lines = [ln.strip() for ln in result.stdout.splitlines() if ln.strip()]
    if lines and os.path.isabs(lines[-1]):
        return ModuleLocation(lines[-1], "mod_wsgi-express")
    return None


def locate(option: Optional[str], directives: Optional[Iterable[Mapping[str, Any]]],
           server_root: Optional[str], libexecdir: Optional[str],
           run: Optional[Callable[[Sequence[str]], Any]] = None,
           which: Optional[Callable[[str], Optional[str]]] = None) -> Optional[ModuleLocation]:
    """Apply the order described in the module docstring; None when nothing is found."""
    if option:
        return ModuleLocation(os.path.abspath(option), "option")
    if directives:
        found = from_directives(directives, server_root)
        if found:
            return found
    dirs = [libexecdir] if libexecdir else []
    if server_root:
        dirs.append(os.path.join(server_root, "modules"))
    found = in_directories([*dirs, *MODULE_DIRS])
    if found:
        return found
    if run is not None and which is not None:
        return from_express(run, which)
    return None
