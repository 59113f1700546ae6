"""A throwaway Apache from configuration text: start, wait until it answers, ask, stop by pid.

Minimal on purpose (tests/platforms only) so that it can be swapped for the project's one launcher
(wsgidoctor/live/) once that takes arbitrary configurations. The configuration text may use
``{root}`` (the server's directory, as the server sees it) and ``{port}``. ``prefix`` runs httpd
through another program that execs it, e.g. ``["chroot", DIR]``: the pid is then still httpd's.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

WAIT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running throwaway httpd (our child, leader of its own session)."""

    process: subprocess.Popen
    port: int
    root: Path  # the directory as this process sees it
    seen_root: str  # the same directory as the server sees it (inside a chroot)
    log_name: str = "error.log"

    @property
    def pid(self) -> int:
        return self.process.pid

    def get(self, path: str, timeout: float = 20.0) -> tuple[int, str]:
        """GET a path on 127.0.0.1: ``(status, body)``; status 0 when nothing answered."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": f"localhost:{self.port}"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return 0, ""
        finally:
            conn.close()

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
        """SIGTERM to our httpd, then SIGKILL to its session (only its own processes)."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def make_root(base: Optional[str] = None, seen_base: Optional[str] = None) -> tuple[Path, str]:
    """A fresh server directory under ``base`` (default: the system's temporary directory), and
    its name as the server sees it when ``base`` is ``seen_base`` seen from a chroot."""
    root = Path(tempfile.mkdtemp(prefix="wsgidoctor-platform-", dir=base))
    os.chmod(root, 0o755)
    for sub in ("run", "app"):
        (root / sub).mkdir()
        os.chmod(root / sub, 0o755)
    seen = str(root) if base is None or seen_base is None else seen_base.rstrip("/") + "/" + root.name
    return root, seen


def start(httpd: str, config_text: str, *, root: Path, seen_root: Optional[str] = None,
          env: Mapping[str, str], prefix: Sequence[str] = (), port: Optional[int] = None,
          args: Sequence[str] = (), wait: float = WAIT) -> Server:
    """Write ``root/httpd.conf`` from the text and start httpd in the foreground; return once its
    pid file is written and the port answers. Raises RuntimeError (server stopped) otherwise."""
    seen = seen_root or str(root)
    port = port or free_port()
    conf = config_text.replace("{root}", seen).replace("{port}", str(port))
    (root / "httpd.conf").write_text(conf)
    argv = [*prefix, httpd, "-d", seen, "-f", f"{seen}/httpd.conf", *args, "-DFOREGROUND"]
    return launch(argv, root=root, seen_root=seen, port=port, env=env, wait=wait)


def launch(argv: Sequence[str], *, root: Path, port: int, env: Mapping[str, str], seen_root: Optional[str] = None,
           pid_file: Optional[Path] = None, wait: float = WAIT) -> Server:
    """Run ``argv`` (which must exec a foreground httpd) and wait until httpd wrote our pid into
    ``pid_file`` (default ``root/run/httpd.pid``) and the port answers."""
    pid_file = pid_file or root / "run" / "httpd.pid"
    out = open(root / "stderr.log", "wb")
    try:
        proc = subprocess.Popen(list(argv), env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)
    finally:
        out.close()
    server = Server(proc, port, root, seen_root or str(root))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            written = pid_file.read_text().strip() == str(proc.pid)
        except OSError:
            written = False
        if written:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return server
            except OSError:
                pass
        time.sleep(0.05)
    server.stop()
    stderr = (root / "stderr.log").read_text(errors="replace")
    raise RuntimeError(f"{argv[0]} did not start (status {proc.returncode}):\n{stderr}\n{server.error_log()[-3000:]}")


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


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
