"""Debian chroots built by scripts/platforms/debian_chroot.sh: /proc mounted for a run, and
wsgidoctor installed inside, as a user of that system would install it (tests/platforms only)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Optional

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WSGIDOCTOR_PLATFORMS_CACHE", "/var/cache/wsgidoctor-platforms"))
VENV = "/opt/wsgidoctor"  # inside the chroot
SOURCE = "/opt/wsgidoctor-src"
ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
       "HOME": "/root"}


def chroot_dir(name: str) -> Optional[Path]:
    """The finished chroot ``name``, or None when scripts/test.sh has not built it."""
    root = CACHE / name
    return root if (root / ".wsgidoctor-ready").exists() else None


@contextlib.contextmanager
def proc_mounted(root: Path) -> Iterator[None]:
    """/proc mounted inside the chroot for the duration; unmounted afterwards, whatever happens."""
    target = root / "proc"
    already = os.path.ismount(target)
    if not already:
        subprocess.run(["mount", "-t", "proc", "proc", str(target)], check=True)
    try:
        yield
    finally:
        if not already:
            subprocess.run(["umount", str(target)], check=False)
            if os.path.ismount(target):
                subprocess.run(["umount", "-l", str(target)], check=False)


def run(root: Path, argv: list[str], timeout: float = 300, extra_env: Optional[dict[str, str]] = None,
        **kwargs) -> subprocess.CompletedProcess:
    """Run a command inside the chroot with a clean environment (text output captured)."""
    return subprocess.run(["chroot", str(root), *argv], env={**ENV, **(extra_env or {})}, capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def _source_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout.split("\n")
    return sorted(f for f in out if f and (f.startswith(("wsgidoctor/", "native/"))
                                           or f in ("setup.py", "pyproject.toml", "README.md"))
                  and (REPO / f).is_file())


def _digest(files: list[str]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.encode() + b"\0" + (REPO / f).read_bytes())
    return h.hexdigest()


def _host_pip_options(root: Path) -> list[str]:
    """PyPI as this machine reaches it: its CA bundle (a proxy may sign with its own) and index."""
    options = []
    bundle = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
    if bundle.is_file():
        shutil.copyfile(bundle, root / "etc/ssl/certs/wsgidoctor-host-ca.crt")
        options += ["--cert", "/etc/ssl/certs/wsgidoctor-host-ca.crt"]
    if os.environ.get("PIP_INDEX_URL"):
        options += ["--index-url", os.environ["PIP_INDEX_URL"]]
    return options


def install_wsgidoctor(root: Path) -> str:
    """Copy this checkout's source into the chroot and pip-install it into a venv there (again
    only when the source changed). Returns pip's output: whether the hosting program was built."""
    files = _source_files()
    digest = _digest(files)
    stamp = root / VENV.lstrip("/") / ".wsgidoctor-source"
    if stamp.exists() and stamp.read_text() == digest:
        return stamp.with_name(".wsgidoctor-pip.log").read_text()
    src = root / SOURCE.lstrip("/")
    shutil.rmtree(src, ignore_errors=True)
    for f in files:
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, src / f)
    with proc_mounted(root):
        if not (root / VENV.lstrip("/") / "bin" / "python").exists():
            made = run(root, ["python3", "-m", "venv", VENV])
            assert made.returncode == 0, made.stderr
        # An old distribution's pip (Debian 11: 20.3) cannot build a pyproject.toml project.
        upgrade = run(root, [f"{VENV}/bin/pip", "install", "--no-cache-dir", "-q", "--upgrade", "pip",
                             *_host_pip_options(root)], timeout=600)
        assert upgrade.returncode == 0, upgrade.stdout[-3000:] + upgrade.stderr[-3000:]
        # Without a compiler the sdist stops and says how to install without the hosting program.
        no_cc = not any((root / d / "cc").exists() for d in ("usr/bin", "usr/local/bin"))
        pip = run(root, [f"{VENV}/bin/pip", "install", "--no-cache-dir", "-v", *_host_pip_options(root), SOURCE],
                  timeout=900, extra_env={"WSGIDOCTOR_SKIP_NATIVE": "1"} if no_cc else None)
    assert pip.returncode == 0, pip.stdout[-3000:] + pip.stderr[-3000:]
    link = root / "usr/local/bin/wsgidoctor"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(f"{VENV}/bin/wsgidoctor")
    log = pip.stdout + pip.stderr
    stamp.with_name(".wsgidoctor-pip.log").write_text(log)
    stamp.write_text(digest)
    return log
