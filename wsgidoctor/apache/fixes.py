"""Mechanical fixes for the Apache modules findings."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Edit, Fix, fixer, read_lines


@fixer("wsgi-module-not-loaded")
def enable_mod_wsgi(facts: dict[str, Any]) -> Iterable[Fix]:
    root = F.get(facts, "config.server_root") or F.get(facts, "install.server_root")
    if not root:
        return
    made = []
    for ext in (".load", ".conf"):
        available = read_lines(os.path.join(root, "mods-available", "wsgi" + ext))
        target = os.path.join(root, "mods-enabled", "wsgi" + ext)
        if available is not None and not os.path.exists(target) and os.path.isdir(os.path.dirname(target)):
            made.append(Edit(target, 1, None, tuple(available), create=True))
    if made:
        yield Fix("wsgi-module-not-loaded", "enable mod_wsgi (what a2enmod wsgi does)", tuple(made), ("a2enmod wsgi",))
