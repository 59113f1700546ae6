"""Read what CPython prints when it cannot start: the path dump and the fatal error.

Python 3.8+ writes a ``Python path configuration:`` block (``PYTHONHOME = '/srv/missing'``,
``program name = 'python3'``, ``sys.prefix = ...``, ``sys.path = [ ... ]``) before
``Fatal Python error: <function>: <message>``, the runtime state and the pending exception
(``ModuleNotFoundError: No module named 'encodings'``). 3.5-3.7 print only the fatal error and the
exception; 2.x prints ``ImportError: No module named site``. The same text appears, unprefixed,
in Apache's error log. A pure function: never raises, returns None for what the text lacks.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.core.textnorm import clean_lines
from wsgidoctor.core.lazyre import lazy_re

_KEY_VALUE = lazy_re(r"^\s{1,8}([A-Za-z_][\w .]*?) = (.*)$")
_FATAL = lazy_re(r"Fatal Python error: (.*)$")
_EXCEPTION = lazy_re(r"^\s*((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Warning)): (.*)$")
_PY2_SITE = lazy_re(r"^(ImportError: No module named site|'import site' failed.*)$")


@dataclass(frozen=True)
class StartupFailure:
    """What the text says about a failed start-up; line numbers are 1-based in the cleaned text."""

    fatal: Optional[str] = None  # "init_fs_encoding: failed to get the Python codec ..."
    fatal_line: Optional[int] = None
    exception: Optional[str] = None  # "ModuleNotFoundError: No module named 'encodings'"
    exception_line: Optional[int] = None
    config: dict[str, Any] = field(default_factory=dict)  # "sys.prefix" -> "/srv/missing"
    config_lines: dict[str, int] = field(default_factory=dict)
    sys_path: Optional[list[str]] = None

    @property
    def found(self) -> bool:
        return bool(self.fatal or self.exception or self.config)

    def value(self, key: str) -> Any:
        return self.config.get(key)


def _literal(text: str) -> Any:
    text = text.strip()
    if text == "(not set)":
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def parse_startup_failure(text: Any) -> StartupFailure:
    """Parse stderr (or error log) text; an empty result when nothing matches."""
    try:
        lines = clean_lines(text if isinstance(text, (str, bytes)) else "", strip_bullets=False)
    except Exception:  # noqa: BLE001 - never raise on input
        return StartupFailure()
    fatal = fatal_line = exception = exception_line = None
    config: dict[str, Any] = {}
    config_lines: dict[str, int] = {}
    sys_path: Optional[list[str]] = None
    in_dump = False
    in_path = False
    for number, line in enumerate(lines, 1):
        if line.strip() == "Python path configuration:":
            in_dump, in_path = True, False
            continue
        if in_path:
            stripped = line.strip()
            if stripped == "]":
                in_path = False
                continue
            if stripped.endswith(","):
                value = _literal(stripped[:-1])
                if isinstance(value, str) and sys_path is not None:
                    sys_path.append(value)
                continue
            in_path = False
        if in_dump:
            m = _KEY_VALUE.match(line)
            if m:
                key, raw = m.group(1).strip(), m.group(2)
                if key == "sys.path" and raw.strip() == "[":
                    sys_path = []
                    in_path = True
                    config_lines[key] = number
                    continue
                config[key] = _literal(raw)
                config_lines[key] = number
                continue
            in_dump = False
        m = _FATAL.search(line)
        if m and fatal is None:
            fatal, fatal_line = m.group(1).strip(), number
            continue
        m = _EXCEPTION.match(line) or _PY2_SITE.match(line)
        if m and exception is None and (fatal is not None or _PY2_SITE.match(line) or "encodings" in line):
            exception, exception_line = line.strip(), number
    return StartupFailure(fatal=fatal, fatal_line=fatal_line, exception=exception,
                          exception_line=exception_line, config=config, config_lines=config_lines,
                          sys_path=sys_path)
