"""The request spec the hosting program reads (schema 1; native/README.md documents every key).

A spec names the libpython, Apache's environment and user, and one entry per emulated mod_wsgi
process (the embedded Apache children, or one daemon process group). Each process initialises
Python its own way (python-home, python-path, optimize) and serves one or more runs: a WSGI
script in an application group, requested ``requests`` times, on the main thread or on that
many native threads.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Optional

SPEC_SCHEMA = 1


def module_name(script: str) -> str:
    """The name mod_wsgi imports a WSGI script under: ``_mod_wsgi_`` + MD5 of its path."""
    return "_mod_wsgi_" + hashlib.md5(script.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass
class Run:
    """One WSGI script served in one application group of a process."""

    application_group: str
    script: str  # the file the application is loaded from (its __file__)
    source: Optional[str] = None  # the script's text; None: the child reads ``script`` itself
    module_name: Optional[str] = None
    callable: str = "application"
    requests: int = 1
    main_thread: bool = False
    multithread: bool = False
    multiprocess: bool = False
    run_once: bool = False
    environ: dict[str, Any] = field(default_factory=dict)
    environ_drop: list[str] = field(default_factory=list)
    label: str = ""  # what this run stands for (a mount, or "default")

    def to_json(self) -> dict[str, Any]:
        return {
            "application_group": self.application_group, "script": self.script,
            "source": self.source, "module_name": self.module_name or module_name(self.script),
            "callable": self.callable, "requests": self.requests, "main_thread": self.main_thread,
            "wsgi": {"multithread": self.multithread, "multiprocess": self.multiprocess,
                     "run_once": self.run_once},
            "environ": self.environ, "environ_drop": self.environ_drop, "label": self.label,
        }


@dataclass
class Process:
    """One emulated mod_wsgi process: how Python is initialised in it and what it serves."""

    process_group: str  # "" for embedded mode
    python_home: Optional[str] = None
    python_path: Optional[str] = None
    home: Optional[str] = None  # daemon home=: sys.path[0] and the working directory
    optimize: int = 0
    user: Optional[str] = None
    group: Optional[str] = None
    cwd: Optional[str] = None
    mod_wsgi: dict[str, Any] = field(default_factory=dict)  # the mod_wsgi module's attributes
    apache: dict[str, Any] = field(default_factory=dict)  # the apache module's attributes
    runs: list[Run] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "process_group": self.process_group, "python_home": self.python_home,
            "python_path": self.python_path, "home": self.home, "optimize": self.optimize,
            "cwd": self.cwd, "mod_wsgi": self.mod_wsgi or None, "apache": self.apache or None,
            "runs": [r.to_json() for r in self.runs],
        }
        if self.user:
            out["user"] = self.user
        if self.group:
            out["group"] = self.group
        return out


@dataclass
class HostSpec:
    """Everything the hosting program is asked to do in one invocation."""

    libpython: str
    #: The configuration's LoadFile libraries, loaded (global, in order) before libpython.
    load_files: list[str] = field(default_factory=list)
    env: Optional[dict[str, str]] = None  # Apache's start environment; None inherits ours
    init_api: str = "auto"  # "legacy" (mod_wsgi <= 5.0.0), "pyconfig" (5.0.1+), "auto"
    timeout: int = 30
    processes: list[Process] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"schema": SPEC_SCHEMA, "libpython": self.libpython, "load_files": list(self.load_files),
                "env": self.env,
                "init_api": self.init_api, "timeout": self.timeout,
                "processes": [p.to_json() for p in self.processes]}

    def dumps(self) -> bytes:
        return json.dumps(self.to_json(), ensure_ascii=True).encode("ascii")
