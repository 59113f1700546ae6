"""Helpers for the hosting program's tests: build it from the current sources, find Pythons.

The program is compiled once per test session from native/ (so a stale editable-install copy
is never what gets tested) and pointed to with WSGIDOCTOR_HOST_PROGRAM.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "hosting"
PROBE_SCRIPT = ROOT / "wsgidoctor" / "live" / "probe_app.wsgi"
PYENV = Path("/root/.pyenv/versions")
SYSTEM_LIBPYTHON = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"


@functools.lru_cache(maxsize=None)
def built_program() -> Optional[str]:
    """The hosting program compiled from native/ into a temporary directory (None: no compiler)."""
    spec = importlib.util.spec_from_file_location("wsgidoctor_build_host", ROOT / "native" / "build_host.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = tempfile.mkdtemp(prefix="wsgidoctor-host-")
    atexit.register(shutil.rmtree, target, True)  # nothing left behind when the test process ends
    os.chmod(target, 0o755)
    return module.compile_host(target, say=lambda message: None)


def pyenv_library(version: str) -> Optional[str]:
    """The shared libpython of a pyenv version on this machine (e.g. "3.12.1"), or None."""
    lib = PYENV / version / "lib"
    if not lib.is_dir():
        return None
    for path in sorted(lib.glob("libpython*.so.1.0")):
        return str(path)
    return None


def pyenv_version(prefix: str) -> Optional[str]:
    """The installed pyenv version whose X.Y is ``prefix`` ("3.12" -> "3.12.1")."""
    if not PYENV.is_dir():
        return None
    found = sorted(p.name for p in PYENV.iterdir() if p.name.startswith(prefix + "."))
    return found[-1] if found else None


def run_host(spec: dict[str, Any], program: Optional[str] = None) -> tuple[int, dict[str, Any]]:
    """Run the program on a spec; (exit status, record)."""
    proc = subprocess.run([program or built_program()], input=json.dumps(spec).encode(),
                          capture_output=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


def probe_run(application_group: str = "", **extra: Any) -> dict[str, Any]:
    """A run of the shared probe application."""
    run = {"application_group": application_group, "script": str(PROBE_SCRIPT),
           "source": PROBE_SCRIPT.read_text(encoding="utf-8"), "main_thread": True}
    run.update(extra)
    return run


def answers(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The probe application's JSON answers, in order."""
    out = []
    for proc in record["processes"]:
        for msg in proc["messages"]:
            if msg.get("kind") == "response" and msg.get("body"):
                out.append(json.loads(msg["body"]))
    return out


def make_readable_tempdir(prefix: str) -> Path:
    """A temporary directory every user can read (Apache's user must see inside it)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o755)
    return path


def make_venv(python: str, where: Path) -> Path:
    """A virtual environment made by ``python`` (no pip, so it takes well under a second)."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(where)], check=True, capture_output=True,
                   timeout=120)
    return where


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
