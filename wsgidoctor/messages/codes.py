"""mod_wsgi's ``WSGI####`` message codes: what each means and which event it is.

The table is one data file, ``wsgi_codes.json`` beside this module (its ``provenance`` says where
it comes from; ``scripts/wsgi_codes.py`` regenerates it). mod_wsgi 6.x prefixes its
higher-severity messages with these codes; 4.x and 5.x log none.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

_TABLE = os.path.join(os.path.dirname(__file__), "wsgi_codes.json")


@dataclass(frozen=True)
class WsgiCode:
    """One ``WSGI####`` code of mod_wsgi."""

    code: str
    meaning: str
    severity: Optional[str]  # Apache's level: "alert", "crit", "err", "warning"
    message: str  # the logged wording, placeholders in <angle brackets>
    since: Optional[str]  # first mod_wsgi release whose sources log it
    retired: bool
    event: Optional[str]  # the classifier's event for a line with this code, if it has one


@lru_cache(maxsize=1)
def table() -> dict[str, WsgiCode]:
    """Every known code, by code."""
    with open(_TABLE, encoding="utf-8") as fh:
        data = json.load(fh)
    return {code: WsgiCode(code, item.get("meaning") or "", item.get("severity"), item.get("message") or "",
                           item.get("since"), bool(item.get("retired")), item.get("event"))
            for code, item in data["codes"].items()}


def lookup(code: Optional[str]) -> Optional[WsgiCode]:
    """The entry for ``code`` (``"WSGI0145"``), or ``None`` for an unknown or non-WSGI code."""
    return table().get(code) if code and code.startswith("WSGI") else None


def events_by_code() -> dict[str, str]:
    """``{"WSGI0145": "daemon-header-timeout", ...}`` for the codes mapped to an event."""
    return {c.code: c.event for c in table().values() if c.event}
