"""Mechanical fixes for service sandboxing findings: move the socket directory out of the
sandbox's reach, else a systemd drop-in relaxing the unit."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.config import edits
from wsgidoctor.config.fixes import socket_prefix_value
from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Edit, Fix, fixer
from wsgidoctor.sandbox.rules import _why


@fixer("service-sandbox-hides-path")
def out_of_the_sandbox(facts: dict[str, Any]) -> Iterable[Fix]:
    unit = F.get(facts, "sandbox.unit") or {}
    observed = F.get(facts, "sandbox.observed") or {}
    managed = bool(F.get(facts, "sandbox.managed"))
    relax: set[str] = set()
    for item in F.get(facts, "sandbox.paths") or ():
        why = _why(item, unit, observed, managed)
        if why is None:
            continue
        sp = F.get(facts, "config.socket_prefix") or {}
        if item.get("write") and sp.get("file") and sp.get("line"):
            value = socket_prefix_value(facts)
            edit = edits.replace(sp["file"], sp["line"], [f"WSGISocketPrefix {value}"])
            if edit:
                yield Fix("service-sandbox-hides-path", f"put mod_wsgi's sockets in {value}", (edit,))
                continue
        relax.add(why[0])
    if relax and unit.get("name"):
        lines = ["[Service]"] + [{"PrivateTmp": "PrivateTmp=false", "ProtectHome": "ProtectHome=false",
                                  "ProtectSystem": "ProtectSystem=false"}[k] for k in sorted(relax)]
        path = os.path.join("/etc/systemd/system", unit["name"] + ".d", "wsgidoctor.conf")
        yield Fix("service-sandbox-hides-path", f"relax {', '.join(sorted(relax))} for {unit['name']}",
                  (Edit(path, 1, None, tuple(lines), create=True),),
                  ("systemctl daemon-reload", f"systemctl restart {unit['name']}"))
