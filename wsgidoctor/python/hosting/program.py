"""Find the native hosting program (``wsgidoctor-host``).

``pip install`` compiles it into ``wsgidoctor/_native/`` (see setup.py). A source checkout may
also have one built with ``make -C native``. ``WSGIDOCTOR_HOST_PROGRAM`` overrides both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

PROGRAM_NAME = "wsgidoctor-host"
ENV_OVERRIDE = "WSGIDOCTOR_HOST_PROGRAM"
NOT_BUILT = "hosting program not built"


@dataclass(frozen=True)
class ProgramLocation:
    """Where the program is, or why there is none (``path`` None)."""

    path: Optional[str]
    reason: str  # how it was found, or what is missing

    @property
    def found(self) -> bool:
        return self.path is not None


def candidates(environ: Optional[Mapping[str, str]] = None) -> list[tuple[str, str]]:
    """``(path, how)`` in the order they are tried."""
    env = os.environ if environ is None else environ
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))  # wsgidoctor/
    out: list[tuple[str, str]] = []
    if env.get(ENV_OVERRIDE):
        out.append((env[ENV_OVERRIDE], f"${ENV_OVERRIDE}"))
    out.append((os.path.join(package, "_native", PROGRAM_NAME), "installed with the package"))
    out.append((os.path.join(os.path.dirname(package), "native", PROGRAM_NAME), "built in the source checkout"))
    return out


def _usable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_program(environ: Optional[Mapping[str, str]] = None) -> ProgramLocation:
    """The override if set; else the newest built program (a source checkout may hold both an
    editable install's copy and a fresher ``make -C native`` one); else what to do about it."""
    found = candidates(environ)
    tried = [path for path, _ in found]
    if found and found[0][1].startswith("$"):
        path, how = found[0]
        if _usable(path):
            return ProgramLocation(path, how)
        return ProgramLocation(None, f"{NOT_BUILT}: {how} names {path}, which is not an executable file")
    usable = [(os.stat(path).st_mtime, path, how) for path, how in found if _usable(path)]
    if usable:
        _, path, how = max(usable)
        return ProgramLocation(path, how)
    return ProgramLocation(None, f"{NOT_BUILT}: none of {', '.join(tried)} exists (reinstall wsgidoctor "
                                 f"with a C compiler available, or run `make -C native`)")
