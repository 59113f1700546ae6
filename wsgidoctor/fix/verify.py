"""``wsgidoctor fix --verify``: apply the fixes to a throwaway copy of the configuration (never
the real files), examine the copy with ``--live`` (the one throwaway-server launcher of
wsgidoctor/live/ starts it on 127.0.0.1), and tell which findings are gone and whether every mount
answered.

The copy is the whole ServerRoot (configuration files, envvars), with every mention of the
original ServerRoot path in it rewritten to the copy's; files outside the ServerRoot (a systemd
drop-in) cannot be verified this way and are reported as such. The examination runs in a child
``wsgidoctor report --json`` with ``APACHE_CONFDIR`` naming the copy (so its envvars is the one
sourced) and without the error-log probe (the log records the past, which a fix cannot change).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from wsgidoctor.core import lifetime
from wsgidoctor.fix.plan import FileChange

MAX_COPY_BYTES = 4 * 1024 * 1024
VERIFY_TIMEOUT = 240.0


@dataclass
class Verification:
    """What the fixed copy looked like to the doctor."""

    ran: bool
    healthy: bool = False
    remaining: list[dict[str, Any]] = field(default_factory=list)  # error/warning findings left
    gone: list[str] = field(default_factory=list)  # finding ids fixed and gone
    mounts: list[dict[str, Any]] = field(default_factory=list)  # live answers: url, status, groups
    unverifiable: list[str] = field(default_factory=list)  # files outside the copy
    error: Optional[str] = None

    def to_json(self) -> dict[str, Any]:
        return {"ran": self.ran, "healthy": self.healthy, "gone": self.gone, "remaining": self.remaining,
                "mounts": self.mounts, "unverifiable": self.unverifiable, "error": self.error}


def _rewrite(text: str, old: str, new: str) -> str:
    return re.sub(re.escape(old) + r"(?=[/\s\"']|$)", new.replace("\\", "\\\\"), text, flags=re.M)


def copy_server_root(root: str, dest: str) -> None:
    """Copy ``root`` into ``dest`` (symlinks kept; absolute ones into ``root`` re-pointed), with
    the root's path rewritten to ``dest`` inside every text file."""
    shutil.copytree(root, dest, symlinks=True, ignore_dangling_symlinks=True,
                    ignore=lambda d, names: [n for n in names if os.path.isfile(os.path.join(d, n))
                                             and os.path.getsize(os.path.join(d, n)) > MAX_COPY_BYTES])
    for base, _dirs, files in os.walk(dest):
        for name in files:
            path = os.path.join(base, name)
            if os.path.islink(path):
                target = os.readlink(path)
                if target == root or target.startswith(root + "/"):
                    os.unlink(path)
                    os.symlink(dest + target[len(root):], path)
                continue
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as fh:
                    text = fh.read()
            except OSError:
                continue
            if root in text:
                with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
                    fh.write(_rewrite(text, root, dest))


def _in_copy(path: str, root: str, dest: str) -> Optional[str]:
    if path == root or path.startswith(root + "/"):
        return dest + path[len(root):]
    return None


def write_changes(changes: Sequence[FileChange], root: str, dest: str) -> list[str]:
    """Write the changed files into the copy; the paths that lie outside it are returned."""
    outside = []
    for ch in changes:
        target = _in_copy(ch.path, root, dest)
        if target is None:
            outside.append(ch.path)
            continue
        text = "\n".join(_rewrite(line, root, dest) for line in ch.after) + "\n"
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
    return outside


def examine_copy(httpd: str, config: str, confdir: str, timeout: float) -> dict[str, Any]:
    """``wsgidoctor report --json --live`` on the copy, in a child process."""
    env = {k: v for k, v in os.environ.items() if k != "APACHE_CONFDIR"}
    env["APACHE_CONFDIR"] = confdir
    argv = [sys.executable, "-m", "wsgidoctor", "report", "--json", "--no-redact", "--httpd", httpd,
            "--config", config, "--live", "--skip-probe", "errorlog", "--no-plugins", "--fail-on", "never"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, cwd=confdir,
                          stdin=subprocess.DEVNULL)
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"the examination of the fixed copy printed no report (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}") from None


def verify(facts: dict[str, Any], changes: Sequence[FileChange], fixed_ids: Sequence[str],
           timeout: float = VERIFY_TIMEOUT) -> Verification:
    """Apply ``changes`` to a copy of the installation's ServerRoot and examine it live."""
    install = facts.get("install") or {}
    config = facts.get("config") or {}
    root = config.get("server_root") or install.get("server_root")
    config_file = config.get("config_file") or install.get("config_file")
    httpd = install.get("httpd")
    if not (root and config_file and httpd):
        return Verification(False, error="the report names no ServerRoot, configuration file or httpd")
    root = os.path.abspath(root)
    work = lifetime.make_dir(None, "wsgidoctor-fix-")  # removed however wsgidoctor ends
    try:
        os.chmod(work, 0o755)
        dest = os.path.join(work, "serverroot")
        copy_server_root(root, dest)
        copied_config = _in_copy(os.path.abspath(config_file), root, dest)
        if copied_config is None:
            return Verification(False, error=f"{config_file} is outside ServerRoot {root}: no copy can be made")
        outside = write_changes(changes, root, dest)
        report = examine_copy(httpd, copied_config, dest, timeout)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        return Verification(False, error=f"{type(exc).__name__}: {exc}")
    finally:
        lifetime.remove_dir(work)
    remaining = [{"id": f["id"], "severity": f["severity"], "detail": f["detail"].replace(dest, root)}
                 for f in report.get("findings") or () if f.get("severity") in ("error", "warning")]
    live = (report.get("facts") or {}).get("live") or {}
    mounts = [{"url": m.get("url"), "vhost": m.get("vhost"), "status": m.get("status"),
               "process_group": (m.get("observed") or {}).get("process_group"),
               "application_group": (m.get("observed") or {}).get("application_group"),
               "error": m.get("error")} for m in live.get("mounts") or ()]
    left = {r["id"] for r in remaining}
    answered = bool(mounts) and all(m["status"] == 200 for m in mounts)
    return Verification(True, healthy=not remaining and answered and not outside,
                        remaining=remaining, gone=[i for i in fixed_ids if i not in left],
                        mounts=mounts, unverifiable=outside,
                        error=None if mounts else (live.get("error") or "the live probe asked no mount"))
