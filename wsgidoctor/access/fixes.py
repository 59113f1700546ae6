"""Mechanical fixes for access configuration findings."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.access.rules import decisions
from wsgidoctor.config import edits
from wsgidoctor.core.fixes import Fix, fixer


@fixer("mount-access-denied")
def grant_script_directory(facts: dict[str, Any]) -> Iterable[Fix]:
    for m, dec in decisions(facts):
        if dec.result != "denied" or not (dec.section or "").lower().startswith("<directory"):
            continue  # a <Location> or <Files> denial may be deliberate
        script = str(m.get("script"))
        directory = script.rstrip("/") if m.get("script_is_directory") else os.path.dirname(script)
        edit = edits.insert(m["file"], m["line"] + 1, [f"<Directory {directory}>", "    Require all granted",
                                                      "</Directory>"], like=m["line"])
        if edit:
            yield Fix("mount-access-denied", f"grant access to {directory}", (edit,))
