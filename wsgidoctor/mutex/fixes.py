"""Mechanical fixes for the accept mutex area's findings."""

from __future__ import annotations

from typing import Any, Iterable

from wsgidoctor.config import edits
from wsgidoctor.core.fixes import Fix, fixer


@fixer("mutex-unavailable")
def drop_wsgi_accept_mutex(facts: dict[str, Any]) -> Iterable[Fix]:
    for d in edits.directives(facts, "WSGIAcceptMutex"):
        edit = edits.delete(d["file"], d["line"])
        if edit:
            yield Fix("mutex-unavailable", "remove WSGIAcceptMutex (mod_wsgi then uses Apache's default)", (edit,))
