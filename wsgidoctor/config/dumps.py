"""Parse httpd's own view of its configuration, for cross-checking the reader.

One run of ``httpd -t -D DUMP_INCLUDES -D DUMP_VHOSTS -D DUMP_RUN_CFG`` prints (stdout) the tree
of included files, the virtual host table and the run-time settings, and (stderr) ``Syntax OK``
or the syntax error, plus AH00558 with the name httpd gave the main server when there is no
``ServerName``. :func:`parse_dump` is a pure parser: any text in, a dict out, never an exception.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.textnorm import clean_lines

_INCLUDE = re.compile(r"^\s*\((\*|\d+)\)\s+(\S.*)$")
_VHOST_LINE = re.compile(r"^(\S+)\s+(\S+)\s+\((.+):(\d+)\)\s*$")
_NAMEVHOST = re.compile(r"^\s+(?:default server|port (\d+) namevhost)\s+(\S+)\s+\((.+):(\d+)\)\s*$")
_ALIAS = re.compile(r"^\s+(?:wild )?alias\s+(\S+)\s*$")
_NVH_HEAD = re.compile(r"^(\S+)\s+is a NameVirtualHost\s*$")
_KV = re.compile(r'^(ServerRoot|Main DocumentRoot|Main ErrorLog|PidFile|ScoreBoardFile):\s+"?(.*?)"?\s*$')
_MUTEX = re.compile(r"^Mutex ([\w-]+):\s+(.*)$")
_DEFINE = re.compile(r"^Define:\s+([^=\s]+)(?:=(.*))?$")
_USER = re.compile(r'^(User|Group):\s+name="([^"]*)"\s+id=(-?\d+)(\s+not_used)?')
_AH00558 = re.compile(r"AH00558: .*?using (\S+?)\.? Set the 'ServerName'")
_SYNTAX = re.compile(r"AH00526: Syntax error on line (\d+) of (.+?):\s*$")


def parse_dump(text: str) -> dict[str, Any]:
    """Parse a DUMP_INCLUDES / DUMP_VHOSTS / DUMP_RUN_CFG run (stdout and stderr together)."""
    out: dict[str, Any] = {"includes": [], "vhosts": [], "run": {}, "mutexes": {}, "defines": {},
                           "user": None, "group": None, "local_host": None, "syntax_ok": None,
                           "syntax_error": None}
    if not isinstance(text, str):
        return out
    lines = clean_lines(text, strip_bullets=False)
    section = None
    current_nvh: Optional[str] = None
    last_vhost: Optional[dict[str, Any]] = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == "Included configuration files:":
            section = "includes"
            continue
        if stripped == "VirtualHost configuration:":
            section = "vhosts"
            continue
        if stripped == "Syntax OK":
            out["syntax_ok"] = True
            continue
        m = _AH00558.search(line)
        if m:
            out["local_host"] = m.group(1).rstrip(",")
            continue
        m = _SYNTAX.search(line)
        if m:
            detail = lines[i + 1].strip() if i + 1 < len(lines) else ""
            out["syntax_ok"] = False
            out["syntax_error"] = {"file": m.group(2), "line": int(m.group(1)), "message": detail}
            continue
        if section == "includes":
            m = _INCLUDE.match(line)
            if m:
                out["includes"].append({"path": m.group(2).strip(),
                                        "from_line": None if m.group(1) == "*" else int(m.group(1))})
                continue
            section = None
        if section == "vhosts":
            m = _NVH_HEAD.match(line)
            if m:
                current_nvh = m.group(1)
                continue
            m = _NAMEVHOST.match(line)
            if m and current_nvh:
                entry = {"address": current_nvh, "server_name": m.group(2), "file": m.group(3),
                         "line": int(m.group(4)), "aliases": []}
                if not any(v["file"] == entry["file"] and v["line"] == entry["line"]
                           and v["address"] == entry["address"] for v in out["vhosts"]):
                    out["vhosts"].append(entry)
                    last_vhost = entry
                continue
            m = _ALIAS.match(line)
            if m and last_vhost is not None:
                last_vhost["aliases"].append(m.group(1))
                continue
            m = _VHOST_LINE.match(line)
            if m:
                current_nvh = None
                last_vhost = {"address": m.group(1), "server_name": m.group(2), "file": m.group(3),
                              "line": int(m.group(4)), "aliases": []}
                out["vhosts"].append(last_vhost)
                continue
            if line and not line[0].isspace():
                section = None
        m = _KV.match(stripped)
        if m:
            out["run"][m.group(1)] = m.group(2)
            continue
        m = _MUTEX.match(stripped)
        if m:
            out["mutexes"][m.group(1)] = m.group(2).strip()
            continue
        m = _DEFINE.match(stripped)
        if m:
            out["defines"][m.group(1)] = m.group(2) if m.group(2) is not None else True
            continue
        m = _USER.match(stripped)
        if m:
            out[m.group(1).lower()] = {"name": m.group(2), "id": int(m.group(3)),
                                       "used": m.group(4) is None}
    return out


def compare(dump: dict[str, Any], files: list[str], vhost_lines: list[tuple[str, int]],
            user: Optional[str], group: Optional[str]) -> list[str]:
    """Where httpd's dump and the reader disagree, as sentences (empty when they agree).

    Nothing is compared when httpd stopped at a syntax error: its dump is then incomplete.
    """
    problems: list[str] = []
    if dump.get("syntax_ok") is False:
        return problems
    dumped = [i["path"] for i in dump.get("includes") or ()]
    if dumped:
        missing = [f for f in dumped if f not in files]
        extra = [f for f in files if f not in dumped]
        if missing:
            problems.append(f"httpd reads files the reader did not: {', '.join(missing[:5])}")
        if extra:
            problems.append(f"the reader read files httpd does not: {', '.join(extra[:5])}")
    dumped_vhosts = {(v["file"], v["line"]) for v in dump.get("vhosts") or ()}
    if dump.get("vhosts") is not None and (dumped_vhosts or vhost_lines):
        mine = set(vhost_lines)
        if dumped_vhosts - mine:
            problems.append("httpd has virtual hosts the reader did not find: "
                            + ", ".join(f"{f}:{l}" for f, l in sorted(dumped_vhosts - mine)[:5]))
        if dump.get("includes") and mine - dumped_vhosts:
            problems.append("the reader found virtual hosts httpd does not have: "
                            + ", ".join(f"{f}:{l}" for f, l in sorted(mine - dumped_vhosts)[:5]))
    for key, mine_value in (("user", user), ("group", group)):
        theirs = (dump.get(key) or {}).get("name") if isinstance(dump.get(key), dict) else None
        if theirs and mine_value and theirs != mine_value:
            problems.append(f"httpd runs as {key} {theirs!r}, the reader found {mine_value!r}")
    return problems
