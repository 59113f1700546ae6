"""Installations built from source by scripts/platforms/: httpd under /usr/local/apache2 with
mod_wsgi from PyPI (pyenv Python), and pip's mod_wsgi against Debian's Apache (tests/platforms)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

CACHE = Path(os.environ.get("WSGIDOCTOR_PLATFORMS_CACHE", "/var/cache/wsgidoctor-platforms"))
SOURCE_PREFIX = Path(os.environ.get("WSGIDOCTOR_SOURCE_HTTPD_PREFIX", "/usr/local/apache2"))
SOURCE_VENV = CACHE / "source-httpd-venv"
PIP_VENV = CACHE / "pip-mod-wsgi-venv"


def source_httpd() -> Optional[Path]:
    """The source-built httpd's prefix, or None when scripts/test.sh has not built it."""
    ok = (SOURCE_PREFIX / ".wsgidoctor-built").exists() and (SOURCE_VENV / ".wsgidoctor-built").exists()
    return SOURCE_PREFIX if ok else None


def pip_venv(which: str) -> Optional[Path]:
    """The venv holding pip's mod_wsgi: ``"source"`` (built against the source httpd) or
    ``"debian"`` (against Debian's Apache); None when not built."""
    venv = SOURCE_VENV if which == "source" else PIP_VENV
    return venv if (venv / ".wsgidoctor-built").exists() else None


def express(venv: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``mod_wsgi-express ARGS`` from that venv (text output captured)."""
    env = {"PATH": f"{venv}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
    return subprocess.run([str(venv / "bin" / "mod_wsgi-express"), *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def module_config(venv: Path) -> str:
    """What ``mod_wsgi-express module-config`` prints (LoadFile, LoadModule, WSGIPythonHome)."""
    out = express(venv, "module-config")
    assert out.returncode == 0, out.stderr
    return out.stdout


def express_root(venv: Path, app: Path, port: int, extra: tuple[str, ...] = ()) -> Path:
    """A fresh ``mod_wsgi-express setup-server`` root for ``app`` listening on 127.0.0.1:port."""
    root = Path(tempfile.mkdtemp(prefix="wsgidoctor-express-"))
    os.chmod(root, 0o755)
    shutil.rmtree(root)
    out = express(venv, "setup-server", str(app), "--server-root", str(root), "--host", "127.0.0.1",
                  "--port", str(port), "--user", "www-data", "--group", "www-data", *extra)
    assert out.returncode == 0, out.stdout + out.stderr
    return root
