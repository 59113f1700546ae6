"""``wsgidoctor fix --apply``: write the changes to the real files, only when asked, each file
backed up first, with Apache's configuration test before and after; when the test fails after,
every file is restored and the apply is refused."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.fix.plan import FileChange


@dataclass
class Applied:
    written: list[str] = field(default_factory=list)
    backups: dict[str, Optional[str]] = field(default_factory=dict)  # file -> backup (None: new file)
    test_before: Optional[str] = None  # None: OK, else the test's output
    test_after: Optional[str] = None
    restored: bool = False
    error: Optional[str] = None

    @property
    def ok(self) -> bool:
        return bool(self.written) and not self.restored and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {"written": self.written, "backups": self.backups, "test_before": self.test_before,
                "test_after": self.test_after, "restored": self.restored, "error": self.error}


def config_test(facts: dict[str, Any]) -> Optional[str]:
    """Apache's configuration test as the control script runs it: None when it passes."""
    install = facts.get("install") or {}
    argv = list(install.get("httpd_argv") or [install.get("httpd")]) + ["-t"]
    if not argv[0]:
        return "no httpd to test the configuration with"
    env = dict(install.get("start_env") or {}) or None
    res = commands.run(argv, env=env, timeout=30)
    return None if res.ok else (res.output.strip() or res.error or f"exit {res.returncode}")


def _restore(applied: Applied) -> None:
    for path, backup in applied.backups.items():
        try:
            if backup is None:
                os.unlink(path)
            else:
                shutil.copy2(backup, path)
        except OSError:
            pass
    applied.restored = True


def apply(facts: dict[str, Any], changes: Sequence[FileChange]) -> Applied:
    """Write ``changes``; see the module docstring."""
    applied = Applied(test_before=config_test(facts))
    stamp = time.strftime("%Y%m%d%H%M%S")
    try:
        for ch in changes:
            if ch.before is None:
                if os.path.exists(ch.path):
                    raise OSError(f"{ch.path} appeared since it was examined")
                applied.backups[ch.path] = None
                os.makedirs(os.path.dirname(ch.path), exist_ok=True)
            else:
                backup = f"{ch.path}.wsgidoctor-{stamp}.bak"
                shutil.copy2(ch.path, backup)
                applied.backups[ch.path] = backup
            with open(ch.path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write("\n".join(ch.after) + "\n")
            applied.written.append(ch.path)
    except OSError as exc:
        applied.error = f"{type(exc).__name__}: {exc}"
        _restore(applied)
        return applied
    applied.test_after = config_test(facts)
    if applied.test_after is not None:
        _restore(applied)
    return applied
