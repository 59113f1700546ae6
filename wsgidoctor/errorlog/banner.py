"""Read the start-up banner: ``Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured``.

Which Python the ``Python/`` token names depends on the mod_wsgi version: before 4.5.7 mod_wsgi
appended the interpreter it was running (``Python/2.7.12``), from 4.5.7 on the ``X.Y`` it was
compiled for (``Python/3.11``). A ``Python/`` token placed before ``mod_wsgi/`` belongs to another
module (mod_python), so only the first one after ``mod_wsgi/`` is mod_wsgi's.
"""

from __future__ import annotations

import re
from typing import Any, Optional
from wsgidoctor.core.lazyre import lazy_re

#: The MPM that prints each banner code (httpd 2.4 server/mpm/*).
MPM_BY_CODE = {"AH00489": "event", "AH00292": "worker", "AH00163": "prefork", "AH00455": "winnt"}
#: mod_wsgi from this version on prints the compile-time Python X.Y in the banner.
COMPILE_TIME_BANNER_SINCE = (4, 5, 7)
BANNER_NOTE = ("mod_wsgi 4.5.7 and later put the Python X.Y it was compiled for in the banner; "
               "earlier versions put the full version of the Python running")

_APACHE = lazy_re(r"^Apache/(?P<version>[\w.+~-]+)(?: \((?P<vendor>[^)]*)\))?")
_TOKEN = lazy_re(r"(?P<name>[\w.+-]+)/(?P<version>[^\s/]+)")


def version_tuple(text: Optional[str]) -> tuple[int, ...]:
    """``"4.5.7"`` → ``(4, 5, 7)``; ``"2.7.2+"`` → ``(2, 7, 2)``; nonsense → ``()``."""
    out = []
    for part in (text or "").split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


def mpm_of(module: Optional[str], code: Optional[str]) -> Optional[str]:
    """The MPM named by the banner line's module tag (``mpm_event``) or, failing that, its code."""
    if module and module.startswith("mpm_"):
        return module[4:] or None
    return MPM_BY_CODE.get(code or "")


def parse_description(desc: str) -> dict[str, Any]:
    """Take the server description in front of ``configured -- resuming normal operations`` apart."""
    desc = desc.strip()
    out: dict[str, Any] = {
        "description": desc, "apache_version": None, "apache_vendor": None,
        "mod_wsgi_version": None, "python_version": None, "python_version_kind": None,
        "mod_python_version": None, "components": [],
    }
    m = _APACHE.match(desc)
    if m:
        out["apache_version"], out["apache_vendor"] = m.group("version"), m.group("vendor")
    seen_wsgi = False
    for tok in _TOKEN.finditer(desc[m.end():] if m else desc):
        name, version = tok.group("name"), tok.group("version")
        out["components"].append(f"{name}/{version}")
        if name == "mod_wsgi" and out["mod_wsgi_version"] is None:
            out["mod_wsgi_version"] = version
            seen_wsgi = True
        elif name == "mod_python" and out["mod_python_version"] is None:
            out["mod_python_version"] = version
        elif name == "Python" and seen_wsgi and out["python_version"] is None:
            out["python_version"] = version
    if out["python_version"] and out["mod_wsgi_version"]:
        compile_time = version_tuple(out["mod_wsgi_version"]) >= COMPILE_TIME_BANNER_SINCE
        out["python_version_kind"] = "compile-time" if compile_time else "runtime"
        out["note"] = BANNER_NOTE
    return out
