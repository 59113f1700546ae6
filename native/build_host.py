"""Compile the hosting program with the system C compiler (used by setup.py and the tests).

Needs only a C compiler and libc: no Python headers, since the program dlopen()s libpython at
run time. ``bootstrap.py`` is compiled in as a byte array. ``CC`` and ``CFLAGS`` are honoured.
Run as a script to build into a directory: ``python native/build_host.py OUTDIR``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from typing import Callable, Optional

NATIVE = os.path.dirname(os.path.abspath(__file__))
SOURCES = ("main.c", "child.c", "pyapi.c", "json.c")
PROGRAM = "wsgidoctor-host"


def _say(message: str) -> None:
    print(f"wsgidoctor: {message}", file=sys.stderr)


def bootstrap_header(source: bytes) -> str:
    """bootstrap.py as the NUL-terminated C byte array the program compiles in."""
    lines = ["/* Generated from bootstrap.py by build_host.py; do not edit. */",
             "static const char BOOTSTRAP_PY[] = {"]
    for i in range(0, len(source), 16):
        lines.append("".join(f"0x{b:02x}," for b in source[i:i + 16]))
    lines.append("0x00};")
    return "\n".join(lines) + "\n"


def find_compiler() -> Optional[list[str]]:
    configured = os.environ.get("CC")
    if configured:
        return shlex.split(configured)
    for name in ("cc", "gcc", "clang"):
        path = shutil.which(name)
        if path:
            return [path]
    return None


def compile_host(target_dir: str, say: Callable[[str], None] = _say) -> Optional[str]:
    """Compile into ``target_dir``; the program's path, or None (with a message) if that failed.

    Any program already there is removed first, so a failed build never leaves a stale one.
    """
    os.makedirs(target_dir, exist_ok=True)
    output = os.path.join(target_dir, PROGRAM)
    if os.path.exists(output):
        os.remove(output)
    if not all(os.path.isfile(os.path.join(NATIVE, s)) for s in SOURCES):
        say("native/ sources not found: the hosting program is not built")
        return None
    compiler = find_compiler()
    if compiler is None:
        say("no C compiler found (install gcc or clang, or set CC): the hosting program is not built, "
            "so `wsgidoctor check` will report 'hosting program not built'")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(NATIVE, "bootstrap.py"), "rb") as fh:
            header = bootstrap_header(fh.read())
        with open(os.path.join(tmp, "bootstrap_py.h"), "w", encoding="ascii") as fh:
            fh.write(header)
        flags = shlex.split(os.environ.get("CFLAGS", "-O2"))
        built = os.path.join(tmp, PROGRAM)
        argv = [*compiler, *flags, "-Wall", "-I", tmp, "-I", NATIVE, "-o", built,
                *(os.path.join(NATIVE, s) for s in SOURCES), "-ldl", "-lpthread"]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            say(f"could not run the C compiler ({exc}): the hosting program is not built")
            return None
        if proc.returncode != 0:
            say("compiling the hosting program failed; going on without it:\n"
                + (proc.stderr or proc.stdout)[-4000:])
            return None
        shutil.copyfile(built, output)
        os.chmod(output, 0o755)
    say(f"built {output}")
    return output


if __name__ == "__main__":
    sys.exit(0 if compile_host(sys.argv[1] if len(sys.argv) > 1 else NATIVE) else 1)
