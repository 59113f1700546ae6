"""Mechanical fixes for the Python shared library findings."""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

from wsgidoctor.config import edits
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Edit, Fix, fixer, read_lines


def _drop_ld_library_path(facts: dict[str, Any], finding_id: str) -> Iterable[Fix]:
    envvars = F.get(facts, "install.envvars")
    lines = read_lines(envvars) if envvars else None
    if not lines:
        return
    found = [Edit(envvars, n, text, ()) for n, text in enumerate(lines, 1)
             if re.match(r"\s*(export\s+)?LD_LIBRARY_PATH=", text)]
    if found:
        yield Fix(finding_id, f"stop overriding the loader's search path in {envvars}", tuple(found))


@fixer("libpython-resolution-differs")
def libpython_from_the_system(facts: dict[str, Any]) -> Iterable[Fix]:
    return _drop_ld_library_path(facts, "libpython-resolution-differs")


@fixer("foreign-library")
def libraries_from_the_system(facts: dict[str, Any]) -> Iterable[Fix]:
    return _drop_ld_library_path(facts, "foreign-library")


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
