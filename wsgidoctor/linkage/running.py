"""Which libpython a running Apache really has mapped: the final truth behind every prediction.

``/proc/PID/maps`` lists each mapping's device, inode and canonical path. Reading it needs
ptrace-read permission: Apache's processes changed uid from root and are not dumpable, so in
practice only root (or CAP_SYS_PTRACE) can look, even at a worker running as the same user.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Optional
from wsgidoctor.core.lazyre import lazy_re

_MAPS_LINE = lazy_re(r"^[0-9a-f]+-[0-9a-f]+ \S+ [0-9a-f]+ ([0-9a-f]+):([0-9a-f]+) (\d+)\s+(.*)$")
_PYTHON = lazy_re(r"(?:^|/)(libpython[^/]*\.so[^/]*|Python\.framework/.*|Python3\.framework/.*)$")


@dataclass(frozen=True)
class Mapping:
    """One file mapped into a process."""

    path: str
    dev: int
    inode: int
    deleted: bool

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "deleted": self.deleted}


def parse_maps(text: str, pattern: "re.Pattern[str]" = _PYTHON) -> list[Mapping]:
    """The distinct files in ``/proc/PID/maps`` text whose path matches ``pattern``."""
    out: list[Mapping] = []
    seen: set[tuple[int, int, str]] = set()
    for line in text.splitlines():
        m = _MAPS_LINE.match(line)
        if not m:
            continue
        path = m.group(4)
        deleted = path.endswith(" (deleted)")
        if deleted:
            path = path[: -len(" (deleted)")]
        if not path.startswith("/") or not pattern.search(path):
            continue
        dev = os.makedev(int(m.group(1), 16), int(m.group(2), 16))
        key = (dev, int(m.group(3)), path)
        if key not in seen:
            seen.add(key)
            out.append(Mapping(path, dev, int(m.group(3)), deleted))
    return out


def read_maps(pid: int) -> tuple[Optional[list[Mapping]], Optional[str]]:
    """The libpython mappings of ``pid``, or ``(None, reason)``."""
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="surrogateescape") as fh:
            return parse_maps(fh.read()), None
    except PermissionError:
        return None, "permission denied (reading another process' maps needs root)"
    except FileNotFoundError:
        return None, "no such process"
    except OSError as exc:
        return None, exc.strerror or str(exc)


def maps_module(pid: int, module: str) -> bool:
    """True when ``pid`` has the file ``module`` mapped (compared by device and inode)."""
    try:
        st = os.stat(module)
    except OSError:
        return False
    base = re.escape(os.path.basename(os.path.realpath(module)))
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
    except OSError:
        return False
    return any(m.inode == st.st_ino and m.dev == st.st_dev for m in parse_maps(text, re.compile(base + "$")))


def same_file(path: Optional[str], mapping: Mapping) -> Optional[bool]:
    """Whether a predicted path is the mapped file (by st_dev/st_ino); None if it cannot be told."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino == mapping.inode and st.st_dev == mapping.dev


def httpd_processes(known: Optional[Iterable[dict]], module: Optional[str]) -> list[dict[str, Any]]:
    """The Apache processes to inspect: those the discovery probe found (even none), else, when
    there is no discovery fact at all, the httpd/apache2 processes that have ``module`` mapped."""
    if known is not None:
        return [{"pid": int(p["pid"]), "role": p.get("role")} for p in known if p.get("pid")]
    if not module:
        return []
    try:
        import psutil
    except ImportError:
        return []
    out = []
    for proc in psutil.process_iter(["pid", "name"]):
        name = (proc.info.get("name") or "").lower()
        if name not in ("httpd", "apache2", "httpd-prefork", "httpd.worker", "httpd.event"):
            continue
        if maps_module(proc.info["pid"], module):
            out.append({"pid": proc.info["pid"], "role": None})
    return out
