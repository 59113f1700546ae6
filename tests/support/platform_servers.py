"""Throwaway servers of the real installations of tests/platforms, started by the project's launcher.

:func:`start` renders a configuration text that may use ``{root}`` (the server's directory, as
the server sees it) and ``{port}``, and starts it with :func:`wsgidoctor.live.launcher.launch`,
inside the installation's chroot when it has one (the directory is then made in the chroot's
/tmp). :func:`start_control` starts an express root with its own control script. Either way the
server is httpd itself (a chroot and a control script exec it), stopped by its own pid, and its
directory stays until :meth:`Server.remove` so that its logs and configuration can be read after
the stop.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from wsgidoctor.live.launcher import ApacheProcess, LaunchFailed, Throwaway, fetch, free_ports, launch

WAIT = 20.0
#: How long httpd may take over a SIGTERM before its processes are killed (its shutdown logged).
STOP_GRACE = 5.0


def free_port() -> int:
    return free_ports(1)[0]


@dataclass
class Server:
    """A running throwaway httpd of one installation."""

    process: ApacheProcess
    port: int
    root: Path  # the directory as this process sees it
    seen_root: str  # the same directory as the server sees it (inside a chroot)
    log_name: str = "error.log"
    throwaway: Optional[Throwaway] = None  # when the launcher made the directory

    @property
    def pid(self) -> int:
        """httpd's pid (the parent of its children)."""
        pid = self.process.server_pid()
        assert pid is not None, "the server is not running"
        return pid

    def get(self, path: str, timeout: float = 20.0) -> tuple[int, str]:
        """GET a path on 127.0.0.1: ``(status, body)``; status 0 when nothing answered."""
        status, body, _ = fetch(self.port, path, f"localhost:{self.port}", timeout)
        return status or 0, body.decode("utf-8", "replace")

    def ask(self, path: str) -> dict[str, Any]:
        """The JSON answer of the app at ``path`` (AssertionError with the error log otherwise)."""
        status, body = self.get(path)
        assert status == 200, f"GET {path}: {status} {body[:300]}\n{self.error_log()[-3000:]}"
        return json.loads(body)

    def error_log(self) -> str:
        try:
            return (self.root / self.log_name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop httpd by its pid (SIGTERM, then SIGKILL to its session); the directory stays."""
        self.process.stop(grace=STOP_GRACE)

    def remove(self) -> None:
        """Stop it if still running and remove the directory the launcher made (idempotent)."""
        if self.throwaway is not None:
            self.throwaway.stop(grace=STOP_GRACE)
        else:
            self.stop()


def start(httpd: str, config_text: str, *, env: Mapping[str, str], chroot: Optional[Path] = None,
          prepare: Optional[Callable[[Path], None]] = None, wait: float = WAIT) -> Server:
    """Start ``httpd`` (as the installation sees it) with the configuration text in a directory of
    its own holding ``run/`` and ``app/`` (``prepare(dir)`` fills it); return once its pid file is
    written and the port answers. Raises RuntimeError (the server stopped) otherwise."""

    def fill(tmp: str) -> None:
        for sub in ("run", "app"):
            os.mkdir(os.path.join(tmp, sub), 0o755)
        if prepare is not None:
            prepare(Path(tmp))

    def config_for(seen: str, ports: dict[str, int]) -> str:
        return config_text.replace("{root}", seen).replace("{port}", str(ports["main"]))

    try:
        throwaway = launch(httpd, config_for, env=env, prepare=fill, pid_file="run/httpd.pid",
                           startup_timeout=wait, prefix="wsgidoctor-platform-", dir_mode=0o755,
                           chroot=str(chroot) if chroot else None)
    except LaunchFailed as exc:
        raise RuntimeError(f"{httpd} did not start: {exc}\n" + "\n".join(exc.logs[-60:])) from None
    seen = throwaway.dir[len(str(chroot)):] if chroot else throwaway.dir
    return Server(throwaway.process, throwaway.port, Path(throwaway.dir), seen, throwaway=throwaway)


def start_control(apachectl: Path, *, root: Path, port: int, env: Mapping[str, str], pid_file: Path,
                  log_name: str, wait: float = WAIT) -> Server:
    """Start a server with its control script's ``start`` in the foreground (an express root in
    ``root``); return once ``pid_file`` holds httpd's pid and the port answers."""
    process = ApacheProcess(str(apachectl), "", env, ports=[port], control=[str(apachectl), "start"],
                            ready_file=str(pid_file), output=str(root / "stderr.log"))
    server = Server(process, port, root, str(root), log_name)
    problem = process.start() or process.wait_ready(wait)
    if problem is not None:
        server.stop()
        output = (root / "stderr.log").read_text(errors="replace") if (root / "stderr.log").exists() else ""
        raise RuntimeError(f"{apachectl} start: {problem}\n{output}\n{server.error_log()[-3000:]}")
    return server


def mapped_libpython(pid: int, strip: str = "") -> list[str]:
    """The libpython files mapped into process ``pid`` (from /proc/PID/maps), ``strip`` removed
    from their front (a chroot's directory)."""
    found: list[str] = []
    try:
        text = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and "/libpython" in parts[5]:
            path = parts[5].strip()
            if strip and path.startswith(strip.rstrip("/") + "/"):
                path = path[len(strip.rstrip("/")):]
            if path not in found:
                found.append(path)
    return found
