"""Probe "sandbox": Apache's systemd unit sandboxing, and what the running server really sees.

Facts: ``sandbox.unit`` (the settings, see :mod:`wsgidoctor.sandbox.unit`), ``sandbox.managed``
(systemd starts Apache: systemd is the init, or the running parent's cgroup is the unit's),
``sandbox.observed`` (for a running server: whether its /tmp is another directory than ours,
compared through /proc/<pid>/root) and ``sandbox.paths``: every path the configuration uses
(scripts, python-home, python-path, the socket directory) with whether it exists here and, for a
running server, whether it exists in the server's own view of the filesystem.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional

from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput
from wsgidoctor.sandbox import unit as units


def config_paths(config: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """(path, what, where, needs_write) of every path the configuration makes Apache use."""
    wsgi_at = (config.get("wsgi") or {}).get("set_at") or {}
    for m in config.get("mounts") or ():
        where = f"{m.get('file')}:{m.get('line')}"
        if m.get("script") and not m.get("match"):
            yield {"path": m["script"], "what": "WSGI script", "where": where, "write": False}
        if m.get("python_home"):
            yield {"path": m["python_home"], "what": "python-home", "where": where, "write": False}
        for entry in str(m.get("python_path") or "").split(":"):
            if entry:
                yield {"path": entry, "what": "python-path entry", "where": where, "write": False}
    sock = config.get("socket_prefix") or {}
    if sock.get("used") and sock.get("effective"):
        at = f"{sock.get('file')}:{sock.get('line')}" if sock.get("file") else wsgi_at.get("WSGISocketPrefix", "default")
        yield {"path": os.path.dirname(sock["effective"]), "what": "socket directory (WSGISocketPrefix)",
               "where": at, "write": True}


def _same(a: str, b: str) -> Optional[bool]:
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return None
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _parent(ctx: ProbeContext) -> Optional[int]:
    pid = ctx.fact("install.examined_pid")
    if isinstance(pid, int):
        return pid
    for p in ctx.fact("install.running") or ():
        if isinstance(p, dict) and p.get("role") == "parent":
            return int(p["pid"])
    return None


def _cgroup(pid: int) -> Optional[str]:
    try:
        with open(f"/proc/{pid}/cgroup", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def read_unit(ctx: ProbeContext, systemd_running: bool) -> Optional[units.UnitSettings]:
    found = units.find_unit()
    if found is None:
        return None
    name, main = found
    if systemd_running:
        from wsgidoctor.core import subprocesses as commands

        if commands.which("systemctl"):
            res = ctx.run(["systemctl", "show", *[f"-p{k}" for k in units.SETTINGS], name], timeout=10)
            if res.ok and res.stdout.strip():
                return units.parse_show(name, res.stdout)
    return units.read_files(name, main)


def run(ctx: ProbeContext) -> ProbeOutput:
    systemd_running = os.path.isdir("/run/systemd/system")
    settings = read_unit(ctx, systemd_running)
    pid = _parent(ctx)
    cgroup = _cgroup(pid) if pid else None
    managed = systemd_running or bool(settings and cgroup and f"/{settings.name}" in cgroup)
    observed: dict[str, Any] = {"pid": pid, "private_tmp": None}
    root = f"/proc/{pid}/root" if pid else None
    if root:
        same = _same(f"{root}/tmp", "/tmp")
        observed["private_tmp"] = None if same is None else not same
    paths = []
    for item in config_paths(ctx.fact("config") or {}):
        item["exists_here"] = os.path.exists(item["path"])
        item["seen_by_server"] = os.path.exists(root + item["path"]) if root and observed["private_tmp"] is not None else None
        paths.append(item)
    return ProbeOutput(facts={"sandbox": {"unit": settings.to_json() if settings else None,
                                          "systemd_running": systemd_running, "managed": managed,
                                          "observed": observed, "paths": paths}})


PROBE = Probe(name="sandbox", run=run, needs=("discovery", "config"), timeout=15.0,
              description="systemd unit sandboxing (PrivateTmp, ProtectHome, ProtectSystem) and the server's view of /tmp")
