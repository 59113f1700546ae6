"""mod_wsgi-express server roots: how their ``apachectl`` starts Apache.

``mod_wsgi-express setup-server`` (and ``start-server``) write a server root holding
``httpd.conf``, ``apachectl`` and ``envvars``. The generated ``apachectl`` sets the variables the
configuration needs (``MOD_WSGI_MODULES_DIRECTORY``, ``MOD_WSGI_SERVER_ROOT``, ``MOD_WSGI_USER``...),
sources ``envvars``, then runs ``$HTTPD -f <root>/httpd.conf -DMOD_WSGI_... -k start``. Without
that environment and those ``-D`` flags httpd cannot even read the configuration ("Cannot load
${MOD_WSGI_MODULES_DIRECTORY}/..."), so the doctor runs httpd exactly as that script would.

Nothing here starts anything: the script's assignments are sourced in a shell with its command
part (everything from ``ACMD="$1"`` on) cut off.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Optional
from wsgidoctor.core.lazyre import lazy_re

#: A line of the generated apachectl that starts the part running httpd (never sourced).
_COMMAND_PART = lazy_re(r'^\s*ACMD=', re.M)
_ASSIGN = lazy_re(r'^(HTTPD|HTTPD_ARGS)=(.*)$', re.M)


@dataclass
class ExpressRoot:
    """A mod_wsgi-express server root and how its apachectl runs httpd."""

    root: str
    apachectl: str
    config_file: str
    envvars: Optional[str]
    httpd: Optional[str]
    args: list[str] = field(default_factory=list)

    @property
    def defines(self) -> list[str]:
        """The ``-D`` names of HTTPD_ARGS (``-DMOD_WSGI_MPM_ENABLE_EVENT_MODULE``...)."""
        out = []
        for i, arg in enumerate(self.args):
            if arg == "-D" and i + 1 < len(self.args):
                out.append(self.args[i + 1])
            elif arg.startswith("-D") and len(arg) > 2:
                out.append(arg[2:])
        return out

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "apachectl": self.apachectl, "config_file": self.config_file,
                "envvars": self.envvars, "httpd": self.httpd, "args": list(self.args),
                "defines": self.defines}


def _read(path: str, limit: int = 256 * 1024) -> Optional[str]:
    try:
        with open(path, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _shell_value(raw: str) -> str:
    try:
        words = shlex.split(raw, comments=True)
    except ValueError:
        return raw.strip().strip('"').strip("'")
    return " ".join(words)


def is_express_apachectl(text: str) -> bool:
    """Whether an apachectl is one mod_wsgi-express generated."""
    return "MOD_WSGI_SERVER_ROOT" in text and "HTTPD_ARGS=" in text


def express_root(path: Optional[str]) -> Optional[ExpressRoot]:
    """The express root at ``path`` (the root directory, or its httpd.conf), else None."""
    if not path:
        return None
    root = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    apachectl = os.path.join(root, "apachectl")
    text = _read(apachectl)
    if text is None or not is_express_apachectl(text):
        return None
    values = {m.group(1): _shell_value(m.group(2)) for m in _ASSIGN.finditer(text)}
    try:
        args = shlex.split(values.get("HTTPD_ARGS", ""))
    except ValueError:
        args = values.get("HTTPD_ARGS", "").split()
    config = os.path.join(root, "httpd.conf")
    for i, arg in enumerate(args):
        if arg == "-f" and i + 1 < len(args):
            config = args[i + 1]
    envvars = os.path.join(root, "envvars")
    return ExpressRoot(root=root, apachectl=apachectl, config_file=config,
                       envvars=envvars if os.path.isfile(envvars) else None,
                       httpd=values.get("HTTPD") or None, args=args)


def from_cmdline(cmdline: list[str]) -> Optional[ExpressRoot]:
    """The express root a running server was started from (its ``-f`` names root/httpd.conf)."""
    for i, arg in enumerate(cmdline):
        if arg == "-f" and i + 1 < len(cmdline):
            return express_root(cmdline[i + 1])
        if arg.startswith("-f") and len(arg) > 2:
            return express_root(arg[2:])
    return None


def environment_script(found: ExpressRoot) -> str:
    """Shell text that sets what the apachectl sets before it runs httpd, then prints ``env -0``.

    The apachectl's own assignments (up to its command part) and its envvars are sourced; the
    part that runs httpd is cut off, and everything they print is discarded.
    """
    text = _read(found.apachectl) or ""
    cut = _COMMAND_PART.search(text)
    head = text[:cut.start()] if cut else ""
    lines = ["{", head, "} >/dev/null 2>&1 </dev/null"]
    if found.envvars:
        lines.append(f". {shlex.quote(found.envvars)} >/dev/null 2>&1 </dev/null")
    lines.append("exec env -0")
    return "\n".join(lines) + "\n"
