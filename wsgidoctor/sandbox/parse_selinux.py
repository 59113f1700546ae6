"""Parsers of SELinux command outputs: ``getsebool -a``, ``ls -Z``/``ls -dZ`` and audit records
(``ausearch -m avc``, /var/log/audit/audit.log). Tested on real captures (fixtures/selinux/,
whose README names their public sources): SELinux cannot run on the machines that test wsgidoctor.
"""

from __future__ import annotations

from typing import Any

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.lazyre import lazy_re

_BOOL = lazy_re(r"^([a-z0-9_]+)\s+-->\s+(on|off)\s*$")
_CONTEXT = r"([a-z0-9_]+:[a-z0-9_]+:[a-z0-9_]+:s\d+(?:-s\d+)?(?::c[\d.,c]+)?)"
# RHEL 6/7 `ls -Z`: "drwxr-xr-x. root root unconfined_u:object_r:httpd_log_t:s0 /var/www/x/log/"
_LS_OLD = lazy_re(r"^[-dlcbps][rwxsStT-]{9}[.+]?\s+\S+\s+\S+\s+" + _CONTEXT + r"\s+(.+)$")
# coreutils 8.22+ `ls -Z`: "unconfined_u:object_r:httpd_sys_content_t:s0 /var/www/html/index.html"
_LS_NEW = lazy_re(r"^" + _CONTEXT + r"\s+(.+)$")
# `ls -lZ`: "-rw-r--r--. 1 root root unconfined_u:object_r:user_home_t:s0 39 Nov 1 10:00 app.wsgi"
_LS_LONG = lazy_re(r"^[-dlcbps][rwxsStT-]{9}[.+]?\s+\d+\s+\S+\s+\S+\s+" + _CONTEXT + r"\s+\d+\s+\S+\s+\d+\s+[\d:]+\s+(.+)$")
_AVC = lazy_re(r"avc:\s+denied\s+\{\s*([^}]*)\}\s+for\s+(.*)$")
_FIELD = lazy_re(r'(\w+)=("[^"]*"|\S+)')


def parse_getsebool(text: str) -> dict[str, Any]:
    booleans = {}
    for line in text.splitlines():
        m = _BOOL.match(line.strip())
        if m:
            booleans[m.group(1)] = m.group(2) == "on"
    return {"selinux": {"booleans": booleans}} if booleans else {}


def detect_getsebool(lines: list[str]) -> float:
    hits = sum(1 for line in lines[:400] if _BOOL.match(line.strip()))
    return 0.9 if hits >= 3 and hits >= len(lines) // 2 else (0.6 if hits else 0.0)


def context_type(context: str) -> str:
    """The type field of an SELinux context (``httpd_sys_content_t``)."""
    parts = context.split(":")
    return parts[2] if len(parts) > 2 else context


def parse_ls_z(text: str) -> dict[str, Any]:
    labels = []
    for line in text.splitlines():
        line = line.strip()
        m = _LS_LONG.match(line) or _LS_OLD.match(line) or _LS_NEW.match(line)
        if m:
            path = m.group(2).strip().rstrip("/") or "/"
            labels.append({"path": path, "context": m.group(1), "type": context_type(m.group(1))})
    return {"selinux": {"labels": labels}} if labels else {}


def detect_ls_z(lines: list[str]) -> float:
    hits = sum(1 for line in lines[:400] if _LS_LONG.match(line.strip()) or _LS_OLD.match(line.strip())
               or _LS_NEW.match(line.strip()))
    return 0.85 if hits and hits >= len(lines) // 2 else 0.0


def parse_avc(text: str) -> dict[str, Any]:
    denials = []
    for line in text.splitlines():
        m = _AVC.search(line)
        if not m:
            continue
        fields = {k: v.strip('"') for k, v in _FIELD.findall(m.group(2))}
        denials.append({
            "permissions": m.group(1).split(), "comm": fields.get("comm"), "pid": fields.get("pid"),
            "name": fields.get("name") or fields.get("path"), "path": fields.get("path"),
            "scontext": fields.get("scontext"), "tcontext": fields.get("tcontext"),
            "source_type": context_type(fields.get("scontext") or ""),
            "target_type": context_type(fields.get("tcontext") or ""),
            "tclass": fields.get("tclass"), "permissive": fields.get("permissive") == "1",
            "dest": fields.get("dest"), "line": line.strip()[:500],
        })
    return {"selinux": {"denials": denials}} if denials else {}


def detect_avc(lines: list[str]) -> float:
    hits = sum(1 for line in lines[:400] if _AVC.search(line))
    return 0.95 if hits else 0.0


PARSERS = (
    Parser(kind="getsebool", description="getsebool -a (SELinux booleans)", parse=parse_getsebool,
           detect=detect_getsebool),
    Parser(kind="ls-Z", description="ls -Z / ls -dZ (SELinux file labels)", parse=parse_ls_z, detect=detect_ls_z,
           accumulates=("selinux.labels",)),
    Parser(kind="avc", description="ausearch -m avc / audit.log (SELinux denials)", parse=parse_avc,
           detect=detect_avc, accumulates=("selinux.denials",)),
)
