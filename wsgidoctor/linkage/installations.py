"""Other Python installations on the machine that provide the same libpython soname.

Used to tell "a patch-level difference inside one installation" (Debian's module compiled for
3.11.1 running the system's 3.11.2: normal) from "the module was built against another
installation of the same X.Y and silently loads this one" (built for pyenv 3.11.7, loads the
system 3.11.2). Only when a copy whose version equals the compiled-for version exists elsewhere
is the second case reported.
"""

from __future__ import annotations

import glob
import os
from typing import Iterable, Optional

from wsgidoctor.linkage.elf import library_python_version, soname_python_xy

#: Library directories of Python installations worth a look, as glob patterns.
PATTERNS = (
    "/usr/local/lib", "/usr/local/lib64", "/opt/python*/lib", "/opt/python/*/lib",
    "/opt/rh/*/root/usr/lib64", "/opt/*/lib", "/root/.pyenv/versions/*/lib",
    "/home/*/.pyenv/versions/*/lib", "/usr/local/pyenv/versions/*/lib", "/opt/pyenv/versions/*/lib",
    "/root/anaconda3/lib", "/root/miniconda3/lib", "/opt/conda/lib", "/home/*/anaconda3/lib",
    "/home/*/miniconda3/lib", "/usr/lib", "/usr/lib64", "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
)


def candidate_dirs(extra: Iterable[str] = ()) -> list[str]:
    out: list[str] = []
    for pattern in [*extra, *PATTERNS]:
        for d in sorted(glob.glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]:
            if d not in out and os.path.isdir(d):
                out.append(d)
    return out


def same_soname(soname: str, extra_dirs: Iterable[str] = (), limit: int = 40) -> list[dict[str, Optional[str]]]:
    """Every readable copy of ``soname`` in the candidate directories: ``[{path, version}]``.

    Copies that are the same file (symlinks, /lib vs /usr/lib) are listed once.
    """
    xy = soname_python_xy(soname)
    seen: set[tuple[int, int]] = set()
    out: list[dict[str, Optional[str]]] = []
    for d in candidate_dirs(extra_dirs):
        path = os.path.join(d, soname)
        try:
            st = os.stat(path)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        out.append({"path": path, "version": library_python_version(path, xy)})
        if len(out) >= limit:
            break
    return out
