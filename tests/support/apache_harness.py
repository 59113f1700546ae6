"""Start Debian's apache2 with a minimal configuration in a temporary directory (tests only).

The server listens on 127.0.0.1 on a free port, keeps every file (pid file, logs, runtime
directory, WSGI sockets) in its own directory and is started, waited on and stopped by
:mod:`wsgidoctor.live.launcher` (the one place that starts httpd). The system's apache2 service,
/etc/apache2 and /var/run/apache2 are never touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from wsgidoctor.live.launcher import LaunchFailed, Throwaway, free_ports, launch

APACHE2 = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")
BASE_CONFIG = """\
ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName testhost.example
PidFile "{root}/httpd.pid"
ErrorLog "{root}/error.log"
LogLevel {log_level}
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
Timeout 20
LoadModule mpm_{mpm}_module {modules}/mod_mpm_{mpm}.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule wsgi_module {modules}/mod_wsgi.so
{user}
WSGISocketPrefix "{root}/run/wsgi"
<Directory "{root}">
    Require all granted
</Directory>
"""


def available() -> Optional[str]:
    """Why Apache cannot be started here, or None when it can."""
    if not os.path.exists(APACHE2):
        return "Debian's apache2 is not installed"
    for mod in ("mod_mpm_event.so", "mod_authz_core.so", "mod_wsgi.so"):
        if not (MODULES / mod).exists():
            return f"{MODULES / mod} is missing"
    return None


def _fill(text: str, root: Path, port: int) -> str:
    """Replace ``{root}`` and ``{port}`` only (Apache's ``%{GLOBAL}`` must stay as it is)."""
    return text.replace("{root}", str(root)).replace("{port}", str(port))


@dataclass
class Apache:
    """A running throwaway Apache; use as a context manager."""

    server: Throwaway

    @property
    def root(self) -> Path:
        return Path(self.server.dir)

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def log(self) -> Path:
        return self.root / "error.log"

    def get(self, path: str, host: Optional[str] = None, timeout: float = 15.0) -> tuple[int, str]:
        """GET a path; (status, body). Status 0 when the server did not answer in time."""
        status, body, _ = self.server.get(path, host or f"testhost.example:{self.port}", timeout=timeout)
        return status or 0, body.decode("utf-8", "replace")

    def error_log(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        self.server.process.stop(grace=3.0)

    def __enter__(self) -> "Apache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


def stop_group(process: subprocess.Popen, grace: float = 3.0) -> None:
    """Stop our own child started in its own session: SIGTERM, then SIGKILL to its group."""
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # our own child's process group only
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def start(extra_config: str, *, env: Mapping[str, str], mpm: str = "event", log_level: str = "info",
          files: Optional[Mapping[str, str]] = None, wait: float = 15.0,
          wsgi_module: Optional[str] = None) -> Apache:
    """Write the configuration (plus ``files`` relative to the server root) and start Apache.

    ``extra_config`` and ``files`` may use ``{root}`` and ``{port}``. ``env`` is Apache's whole environment.
    ``wsgi_module`` replaces Debian's mod_wsgi.so; ``extra_config`` lines starting with ``LoadFile``
    go before its LoadModule, as Apache needs them.
    """
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""

    def prepare_and_render(tmp: str, ports: dict[str, int]) -> str:
        root, port = Path(tmp), ports["main"]
        (root / "run").mkdir(exist_ok=True)
        os.chmod(root / "run", 0o755)
        for rel, text in (files or {}).items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_fill(text, root, port))
            os.chmod(target.parent, 0o755)
        extra = _fill(extra_config, root, port).splitlines(keepends=True)
        preload = "".join(line for line in extra if line.startswith("LoadFile "))
        conf = BASE_CONFIG.format(root=root, port=port, mpm=mpm, modules=MODULES, user=user, log_level=log_level)
        conf = conf.replace(f"LoadModule wsgi_module {MODULES}/mod_wsgi.so",
                            f"{preload}LoadModule wsgi_module {wsgi_module or MODULES / 'mod_wsgi.so'}", 1)
        return conf + "".join(line for line in extra if not line.startswith("LoadFile "))

    try:
        server = launch(APACHE2, prepare_and_render, env=env, pid_file="httpd.pid", startup_timeout=wait,
                        prefix="wsgidoctor-apache-", dir_mode=0o755)
    except LaunchFailed as exc:
        raise RuntimeError(f"apache2 did not start: {exc}\n" + "\n".join(exc.logs)) from None
    return Apache(server)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    return free_ports(1)[0]


def wait_for_port(proc: subprocess.Popen, port: int, wait: float) -> Optional[str]:
    """None once 127.0.0.1:``port`` accepts connections; else why not (``proc`` exited, or time ran out)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            return f"exited with {proc.returncode}: {err}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return None
        except OSError:
            time.sleep(0.05)
    return f"did not listen on port {port} within {wait}s:"
