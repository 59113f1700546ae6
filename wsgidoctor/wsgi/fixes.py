"""Mechanical fixes for the wsgi area's findings."""

from __future__ import annotations

from typing import Any, Iterable

from wsgidoctor.config import edits
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Fix, fixer


def _mounts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in F.get(facts, "config.mounts") or () if isinstance(m, dict)]


@fixer("subinterpreter-unsafe-package")
def global_application_group(facts: dict[str, Any]) -> Iterable[Fix]:
    flagged = {p.get("mount_index") for p in F.get(facts, "packages.mounts") or () if p.get("unsafe")}
    for index, m in enumerate(_mounts(facts)):
        if index in flagged and m.get("application_group") != "" and m.get("file") and m.get("line"):
            edit = edits.insert(m["file"], m["line"] + 1, ["WSGIApplicationGroup %{GLOBAL}"], like=m["line"])
            if edit:
                yield Fix("subinterpreter-unsafe-package",
                          f"run {m.get('url')} in the main interpreter (%{{GLOBAL}})", (edit,))


@fixer("embedded-mode-prefork")
def daemon_mode(facts: dict[str, Any]) -> Iterable[Fix]:
    for index, m in enumerate(_mounts(facts)):
        if m.get("mode") == "embedded" and m.get("file") and m.get("line"):
            name = f"wsgi-app{index}"
            edit = edits.insert(m["file"], m["line"], [f"WSGIDaemonProcess {name} processes=2 threads=15",
                                                      f"WSGIProcessGroup {name}"], like=m["line"])
            if edit:
                yield Fix("embedded-mode-prefork", f"run {m.get('url')} in a daemon process group", (edit,))
