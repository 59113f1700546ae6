"""Which libpython to host: the linkage probe's answer, or our own ``ldd`` when it has none."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core import facts as factlib
from wsgidoctor.core.lazyre import lazy_re

_LDD_LINE = lazy_re(r"^\s*(libpython\d+(?:\.\d+)?[a-z]*\.so(?:\.[\d.]+)?)\s+=>\s+(\S+)")
COMMON_MODULES = (
    "/usr/lib/apache2/modules/mod_wsgi.so",
    "/usr/lib64/httpd/modules/mod_wsgi.so",
    "/usr/lib64/httpd/modules/mod_wsgi_python3.so",
    "/usr/lib/httpd/modules/mod_wsgi.so",
    "/usr/local/apache2/modules/mod_wsgi.so",
)


@dataclass(frozen=True)
class LibraryChoice:
    path: Optional[str]
    source: str  # "linkage", "ldd", "none"
    note: Optional[str] = None


def parse_ldd_libpython(text: str) -> Optional[str]:
    """The resolved path of the libpython line of ``ldd`` output, or None (also for 'not found')."""
    for line in (text or "").splitlines():
        m = _LDD_LINE.match(line)
        if m and m.group(2).startswith("/"):
            return m.group(2)
    return None


def choose_library(facts: Mapping[str, Any], *, run: Callable[[Sequence[str], Mapping[str, str]], Any],
                   exists: Callable[[str], bool] = os.path.isfile) -> LibraryChoice:
    """The linkage probe's resolution; else ``ldd`` of the module with Apache's LD_LIBRARY_PATH."""
    lib = factlib.get(facts, "linkage.python_library") or {}
    if isinstance(lib, dict) and lib.get("path") and lib.get("found") is not False:
        return LibraryChoice(str(lib["path"]), "linkage")
    if factlib.get(facts, "linkage.static"):
        return LibraryChoice(None, "none", "mod_wsgi.so carries a static libpython: there is no shared "
                                           "library to host")
    module = factlib.get(facts, "linkage.module") or factlib.get(facts, "config.module")
    modules = [module] if isinstance(module, str) and module else [m for m in COMMON_MODULES if exists(m)]
    start_env = factlib.get(facts, "install.start_env") or {}
    env = {"PATH": "/usr/bin:/bin"}
    if isinstance(start_env, dict) and start_env.get("LD_LIBRARY_PATH"):
        env["LD_LIBRARY_PATH"] = str(start_env["LD_LIBRARY_PATH"])
    for path in modules:
        result = run(["ldd", path], env)
        found = parse_ldd_libpython(getattr(result, "stdout", "") or "")
        if found:
            return LibraryChoice(found, "ldd", f"the linkage probe resolved no libpython; used `ldd {path}` "
                                               f"with Apache's LD_LIBRARY_PATH instead")
    return LibraryChoice(None, "none", "no libpython could be resolved for mod_wsgi (no linkage facts, and "
                                       "ldd of the module found none)")


def default_runner(argv: Sequence[str], env: Mapping[str, str]) -> commands.CommandResult:
    return commands.run(argv, env=env, timeout=10)
