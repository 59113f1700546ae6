"""Mechanical fixes for the Python shared library findings."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from wsgidoctor.config import edits
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Edit, Fix, fixer, read_lines


@fixer("libpython-resolution-differs")
def drop_ld_library_path(facts: dict[str, Any]) -> Iterable[Fix]:
    envvars = F.get(facts, "install.envvars")
    lines = read_lines(envvars) if envvars else None
    if not lines:
        return
    found = [Edit(envvars, n, text, ()) for n, text in enumerate(lines, 1)
             if re.match(r"\s*(export\s+)?LD_LIBRARY_PATH=", text)]
    if found:
        yield Fix("libpython-resolution-differs", f"stop overriding the loader's search path in {envvars}",
                  tuple(found))


def system_libpython(facts: dict[str, Any]) -> Optional[str]:
    """The libpython of the Python version mod_wsgi was compiled for, preferring the system's."""
    wanted = str(F.get(facts, "mod_wsgi.python_compiled") or F.get(facts, "linkage.python_compiled") or "")
    xy = ".".join(wanted.split(".")[:2])
    found = [i for i in F.get(facts, "linkage.python_installations") or ()
             if isinstance(i, dict) and xy and str(i.get("version") or "").startswith(xy + ".")]
    found.sort(key=lambda i: not str(i.get("path")).startswith(("/usr/", "/lib")))
    if found:
        return str(found[0]["path"])
    if not xy:
        return None
    from wsgidoctor.linkage import ldcache

    entries = [e for e in ldcache.load().entries if e.soname == f"libpython{xy}.so.1.0"]
    return entries[0].path if entries else None


@fixer("libpython-needs-loadfile")
def load_libpython_first(facts: dict[str, Any]) -> Iterable[Fix]:
    library = system_libpython(facts)
    for d in edits.directives(facts, "LoadModule"):
        if library and (d.get("args") or [""])[0] == "wsgi_module":
            edit = edits.insert(d["file"], d["line"], [f"LoadFile {library}"], like=d["line"])
            if edit:
                yield Fix("libpython-needs-loadfile", f"LoadFile {library} before mod_wsgi", (edit,))
