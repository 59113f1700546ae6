"""Fixes for permission findings: commands (an ACL entry for Apache's user), never run by wsgidoctor."""

from __future__ import annotations

from typing import Any, Iterable

from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Fix, fixer
from wsgidoctor.permissions.rules import _covered_elsewhere, fix_command


@fixer("path-not-accessible")
def acl_entries(facts: dict[str, Any]) -> Iterable[Fix]:
    commands = []
    for item in F.get(facts, "permissions.checks") or ():
        if item.get("blocked") and not _covered_elsewhere(facts, item):
            cmd = fix_command(item)
            if cmd not in commands:
                commands.append(cmd)
    if commands:
        yield Fix("path-not-accessible", "give Apache's user search/read permission (ACL)", commands=tuple(commands))
