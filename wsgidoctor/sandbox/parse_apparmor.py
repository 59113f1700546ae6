"""Parser of AppArmor denials (kernel log, syslog, ``journalctl -k``, audit.log lines with
``apparmor="DENIED"``), and of the loaded profiles list (/sys/kernel/security/apparmor/profiles).
Tested on real captures (fixtures/apparmor/README.md names their sources)."""

from __future__ import annotations

from typing import Any

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.lazyre import lazy_re

_DENIED = lazy_re(r'apparmor="DENIED"\s+(.*)$')
_FIELD = lazy_re(r'(\w+)=("[^"]*"|\S+)')
_PROFILE = lazy_re(r"^(\S.*?) \((enforce|complain|kill|unconfined)\)$")


def parse(text: str) -> dict[str, Any]:
    denials = []
    for line in text.splitlines():
        m = _DENIED.search(line)
        if not m:
            continue
        f = {k: v.strip('"') for k, v in _FIELD.findall(m.group(1))}
        denials.append({"operation": f.get("operation"), "profile": f.get("profile"), "name": f.get("name"),
                        "comm": f.get("comm"), "requested": f.get("requested_mask"),
                        "denied": f.get("denied_mask"), "fsuid": f.get("fsuid"), "line": line.strip()[:500]})
    return {"apparmor": {"denials": denials}} if denials else {}


def detect(lines: list[str]) -> float:
    return 0.95 if any(_DENIED.search(line) for line in lines[:400]) else 0.0


def parse_profiles(text: str) -> list[dict[str, str]]:
    """``name (mode)`` lines of the loaded profiles list."""
    out = []
    for line in text.splitlines():
        m = _PROFILE.match(line.strip())
        if m:
            out.append({"name": m.group(1), "mode": m.group(2)})
    return out


PARSER = Parser(kind="apparmor", description="AppArmor denials (kernel log, apparmor=\"DENIED\")",
                parse=parse, detect=detect, accumulates=("apparmor.denials",))
