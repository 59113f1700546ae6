"""Start Debian's apache2 with a minimal configuration in a temporary directory (tests only).

The server listens on 127.0.0.1 on a free port, keeps every file (pid file, logs, runtime
directory, WSGI sockets) in its own directory, runs in the foreground as our child in its own
process group, and is stopped by that pid: SIGTERM, then SIGKILL to the group after a short wait
(embedded mod_wsgi can make an event-MPM child wait ~10 s in Py_EndInterpreter; notes §10). The
system's apache2 service, /etc/apache2 and /var/run/apache2 are never touched.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

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
LoadModule wsgi_module {wsgi_module}
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclass
class Apache:
    """A running throwaway Apache; use as a context manager."""

    root: Path
    port: int
    process: subprocess.Popen
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.root / "error.log"

    def get(self, path: str, host: Optional[str] = None, timeout: float = 15.0) -> tuple[int, str]:
        """GET a path; (status, body). Status 0 when the server did not answer in time."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"Host": host or f"testhost.example:{self.port}"})
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return 0, ""
        finally:
            conn.close()

    def error_log(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        stop_group(self.process)

    def __enter__(self) -> "Apache":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start(extra_config: str, *, env: Mapping[str, str], mpm: str = "event", log_level: str = "info",
          files: Optional[Mapping[str, str]] = None, root: Optional[Path] = None,
          wait: float = 15.0, wsgi_module: Optional[str] = None, defines: Sequence[str] = ()) -> Apache:
    """Write the configuration (plus ``files`` relative to the server root) and start Apache.

    ``extra_config`` and ``files`` may use ``{root}`` and ``{port}``. ``env`` is Apache's whole environment.
    ``wsgi_module`` replaces Debian's mod_wsgi.so; ``extra_config`` lines starting with ``LoadFile``
    go before its LoadModule, as Apache needs them. ``defines`` are passed as ``-D`` arguments (they
    show in the server's command line).
    """
    root = root or Path(tempfile.mkdtemp(prefix="wsgidoctor-apache-"))
    os.chmod(root, 0o755)
    (root / "run").mkdir(exist_ok=True)
    os.chmod(root / "run", 0o755)
    port = free_port()
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    for rel, text in (files or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_fill(text, root, port))
        os.chmod(target.parent, 0o755)
    extra = _fill(extra_config, root, port).splitlines(keepends=True)
    preload = "".join(line for line in extra if line.startswith("LoadFile "))
    conf = BASE_CONFIG.format(root=root, port=port, mpm=mpm, modules=MODULES, user=user, log_level=log_level,
                              wsgi_module=wsgi_module or MODULES / "mod_wsgi.so")
    conf = conf.replace("LoadModule wsgi_module", preload + "LoadModule wsgi_module", 1)
    conf += "".join(line for line in extra if not line.startswith("LoadFile "))
    (root / "httpd.conf").write_text(conf)
    proc = subprocess.Popen([APACHE2, "-d", str(root), "-f", str(root / "httpd.conf"), "-DFOREGROUND",
                             *(a for d in defines for a in ("-D", d))],
                            env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    server = Apache(root, port, proc)
    problem = wait_for_port(proc, port, wait)
    if problem is None:
        return server
    server.stop()
    raise RuntimeError(f"apache2 {problem}\n{server.error_log()}")


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
