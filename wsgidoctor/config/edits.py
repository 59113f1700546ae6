"""Line edits of Apache configuration files, for the areas' fixers (see wsgidoctor/core/fixes.py).

Directives are addressed by the ``file``/``line`` the config reader recorded; the current text of
that line is read so that an edit applies only to the file as it was examined.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.fixes import Edit, read_lines


def line_text(path: str, line: int) -> Optional[str]:
    lines = read_lines(path)
    if lines is None or not 0 < line <= len(lines):
        return None
    return lines[line - 1]


def indent_of(text: str) -> str:
    return text[:len(text) - len(text.lstrip())]


def directives(facts: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """Every directive called ``name`` (case-insensitive) from ``config.directives``."""
    return [d for d in F.get(facts, "config.directives") or ()
            if isinstance(d, dict) and str(d.get("name", "")).lower() == name.lower()]


def replace(path: str, line: int, new: Iterable[str]) -> Optional[Edit]:
    """Replace a line, keeping its indentation for the new lines."""
    old = line_text(path, line)
    if old is None:
        return None
    return Edit(path, line, old, tuple(indent_of(old) + n for n in new))


def delete(path: str, line: int) -> Optional[Edit]:
    old = line_text(path, line)
    return None if old is None else Edit(path, line, old, ())


def comment_out(path: str, line: int, why: str) -> Optional[Edit]:
    old = line_text(path, line)
    if old is None:
        return None
    return Edit(path, line, old, (f"{indent_of(old)}# {old.strip()}  # {why}",))


def insert(path: str, line: int, new: Iterable[str], like: Optional[int] = None) -> Optional[Edit]:
    """Insert lines before ``line`` (indented like line ``like`` when given)."""
    lines = read_lines(path)
    if lines is None:
        return None
    indent = indent_of(lines[like - 1]) if like and 0 < like <= len(lines) else ""
    return Edit(path, line, None, tuple(indent + n for n in new))


def append(path: str, new: Iterable[str]) -> Optional[Edit]:
    lines = read_lines(path)
    return None if lines is None else Edit(path, len(lines) + 1, None, tuple(new))


def where(text: Optional[str]) -> tuple[Optional[str], int]:
    """(file, line) from ``file:line``."""
    if not text:
        return None, 0
    file, _, line = str(text).rpartition(":")
    return (file, int(line)) if line.isdigit() else (None, 0)


def set_argument(path: str, line: int, pattern: str, value: str) -> Optional[Edit]:
    """Replace the first match of ``pattern`` on a line with ``value``."""
    old = line_text(path, line)
    if old is None or not re.search(pattern, old):
        return None
    return Edit(path, line, old, (re.sub(pattern, lambda _m: value, old, count=1),))
