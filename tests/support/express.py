"""pip's mod_wsgi and mod_wsgi-express, built for real in temporary directories (tests only).

``modwsgi_venv`` makes a virtual environment of Debian's Python (readable by Apache's user, unlike
a Python under /root) and ``pip install``s mod_wsgi into it from PyPI: it compiles against
Debian's apache2-dev. ``--no-cache-dir`` keeps pip from reusing a wheel built for another Python
of the same version (a real trap: the wheel's tag does not say which Python built it).
``setup_server`` runs ``mod_wsgi-express setup-server``; ``ExpressServer`` starts the root with its
own apachectl in the foreground, in its own session, and stops it by that pid.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from tests.support.apache_harness import free_port
from wsgidoctor.live.launcher import ApacheProcess

DEBIAN_PYTHON = "/usr/bin/python3"
ROOT = Path(__file__).resolve().parents[2]

#: An application answering with what mod_wsgi and Python say about the request it serves.
ANSWER_APP = """\
import json, sys

def application(environ, start_response):
    body = json.dumps({
        "process_group": environ.get("mod_wsgi.process_group"),
        "application_group": environ.get("mod_wsgi.application_group"),
        "multithread": environ.get("wsgi.multithread"),
        "multiprocess": environ.get("wsgi.multiprocess"),
        "prefix": sys.prefix, "base_prefix": sys.base_prefix, "path": sys.path,
        "version": sys.version.split()[0],
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
"""


def open_dir(prefix: str) -> Path:
    """A temporary directory Apache's user (www-data) can traverse."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass
class ModWsgiVenv:
    """A virtual environment with pip's mod_wsgi."""

    path: Path

    @property
    def express(self) -> str:
        return str(self.path / "bin" / "mod_wsgi-express")

    def module(self) -> Path:
        return Path(subprocess.run([self.express, "module-location"], capture_output=True, text=True,
                                   check=True).stdout.strip())


def modwsgi_venv(where: Path) -> ModWsgiVenv:
    """Create the venv and build mod_wsgi in it (about 90 s on 2 cores)."""
    venv = where / "venv"
    subprocess.run([DEBIAN_PYTHON, "-m", "venv", str(venv)], check=True)
    result = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-cache-dir", "mod_wsgi"],
                            capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"pip install mod_wsgi failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return ModWsgiVenv(venv)


def setup_server(venv: ModWsgiVenv, where: Path, *extra: str) -> tuple[Path, int]:
    """``mod_wsgi-express setup-server`` of ANSWER_APP into ``where/root``: (root, port)."""
    app = where / "app.wsgi"
    app.write_text(ANSWER_APP)
    port = free_port()
    root = where / "root"
    user = ["--user", "www-data", "--group", "www-data"] if os.geteuid() == 0 else []
    subprocess.run([venv.express, "setup-server", str(app), "--server-root", str(root), "--host", "127.0.0.1",
                    "--port", str(port), *user, *extra], check=True, capture_output=True, cwd=where)
    return root, port


@dataclass
class ExpressServer:
    """An express root started with its own apachectl, in the foreground; a context manager."""

    root: Path
    port: int
    apache: ApacheProcess

    @property
    def process(self) -> subprocess.Popen:
        return self.apache.proc  # type: ignore[return-value]

    @classmethod
    def start(cls, root: Path, port: int, wait: float = 20.0) -> "ExpressServer":
        """Started through the launcher, with express's own control script (``apachectl start``)."""
        apachectl = str(root / "apachectl")
        apache = ApacheProcess(apachectl, "", dict(os.environ), ports=[port], control=[apachectl, "start"],
                               output=str(root / "wsgidoctor-test-output.log"))
        server = cls(root, port, apache)
        problem = apache.start() or apache.wait_ready(wait)
        if problem is None:
            return server
        server.stop()
        raise RuntimeError(f"express server {problem}")

    def ask(self, path: str, timeout: float = 20.0) -> dict[str, Any]:
        """GET ``path`` and decode ANSWER_APP's JSON."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read().decode("utf-8", "replace")
        finally:
            conn.close()
        assert resp.status == 200, (resp.status, body[:2000])
        return json.loads(body)

    def stop(self) -> None:
        self.apache.stop(grace=5.0)

    def __enter__(self) -> "ExpressServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wsgidoctor(*args: str, python: Optional[str] = None, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run the wsgidoctor command line (this checkout's, or the one of ``python``)."""
    return subprocess.run([python or sys.executable, "-m", "wsgidoctor", *args], capture_output=True,
                          text=True, timeout=timeout, cwd="/")


def report(*args: str, python: Optional[str] = None) -> tuple[dict[str, Any], int]:
    """``wsgidoctor report --json ARGS``: (the report, the exit code)."""
    done = wsgidoctor("report", "--json", "--no-redact", *args, python=python)
    assert done.stdout.strip().startswith("{"), done.stderr[-3000:]
    return json.loads(done.stdout), done.returncode


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
