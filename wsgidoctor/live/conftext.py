"""Pieces of the throwaway server's configuration text: quoting, directives carried over as
written, and sections whose <Directory> paths are mirrored under the throwaway directory."""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

from wsgidoctor.config import names
from wsgidoctor.config.lexer import split_words
from wsgidoctor.config.reader import Directive

#: Stands for the throwaway server's temporary directory until it exists.
TMP = "@TMP@"


def quote(value: str) -> str:
    """A configuration word in double quotes, as httpd reads it back."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def directive_line(d: Directive, raw: Optional[str] = None) -> str:
    """A directive as written (or with other argument text)."""
    return f"{d.name} {d.raw if raw is None else raw}".rstrip()


def mirror(root: str, path: str) -> str:
    """Where an absolute path of the real server lies under the throwaway mirror ``root``."""
    return os.path.join(root, path.lstrip("/"))


def section_open(section: Any, mirror_root: str) -> Optional[str]:
    """A section opener for the throwaway config; None when it cannot be carried over."""
    kind = section.kind
    words = split_words(section.args)
    if kind == "directory" and words and words[0] != "~":
        return f"<Directory {quote(mirror(mirror_root, words[0]))}>"
    if kind in ("location", "locationmatch", "files", "filesmatch", "if", "elseif", "else"):
        return section.opener
    return None


def scoped_lines(d: Directive, mirror_root: str, indent: str = "",
                 body: Optional[Sequence[str]] = None) -> Optional[list[str]]:
    """The directive (or the ``body`` lines in its place) inside copies of its directory-level
    sections; None when a section cannot be carried over."""
    scoped = [s for s in d.sections if s.kind in names.DIRECTORY_LEVEL]
    openers = [section_open(s, mirror_root) for s in scoped]
    if any(o is None for o in openers):
        return None
    out = [indent + "  " * depth + opener for depth, opener in enumerate(openers)]  # type: ignore[operator]
    out += [indent + "  " * len(openers) + line for line in (body or [directive_line(d)])]
    out += [indent + "  " * depth + f"</{s.name}>" for depth, s in reversed(list(enumerate(scoped)))]
    return out


def emit_scoped(lines: list[str], directives: Sequence[Directive], mirror_root: str, notes: list[str],
                indent: str = "") -> None:
    """Write directives at server level, or inside copies of their directory-level sections."""
    for d in directives:
        written = scoped_lines(d, mirror_root, indent)
        if written is None:
            scoped = [s for s in d.sections if s.kind in names.DIRECTORY_LEVEL]
            notes.append(f"{d.where}: {d.name} inside {scoped[-1].opener} is not reproduced")
            continue
        lines += written
