"""Apache configuration lexing: logical lines, words and section tags, exactly as httpd reads them.

The rules follow httpd 2.4 ``server/util.c`` (``ap_cfg_getline``, ``cfg_trim_line``,
``ap_getword_conf``) and ``server/config.c`` (``ap_build_config_sub``):

- a physical line ending in a backslash (right before the newline, no space after it) continues on
  the next line; the backslash is removed and nothing else is;
- leading and trailing white space of the joined line is dropped;
- a line whose first non-blank character is ``#`` is a comment (a trailing ``#`` is not);
- words are separated by white space; a word starting with ``"`` or ``'`` runs to the matching
  quote, inside which ``\\"`` (or ``\\'``) and ``\\\\`` are escapes.

Nothing here raises on bad input: any bytes decode (UTF-8, else Latin-1), NULs are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Optional

from wsgidoctor.core.textnorm import decode

_UNQUOTED = re.compile(r"\S+")


@dataclass(frozen=True)
class LogicalLine:
    """One directive line after continuation joining: its text and where it starts and ends."""

    text: str
    line: int  # first physical line (1-based)
    end_line: int  # last physical line (differs when continued)


@dataclass(frozen=True)
class Tag:
    """A section tag: ``<Name args>`` (``closing`` False) or ``</Name>`` (``closing`` True)."""

    name: str  # as written, without ``<``, ``/`` and ``>``
    args: str  # the text between the name and the last ``>`` (empty for closing tags)
    closing: bool
    well_formed: bool  # False when the closing ``>`` is missing


def logical_lines(data: bytes | str) -> Iterator[LogicalLine]:
    """The non-blank, non-comment logical lines of a configuration file."""
    text = decode(data).replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    physical = text.split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    buf: list[str] = []
    start = 0
    for number, raw in enumerate(physical, start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not buf:
            start = number
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        joined = "".join(buf).strip()
        buf = []
        if joined and not joined.startswith("#"):
            yield LogicalLine(joined, start, number)
    if buf:  # a continuation at end of file: httpd uses what it has
        joined = "".join(buf).strip()
        if joined and not joined.startswith("#"):
            yield LogicalLine(joined, start, len(physical))


def next_word(text: str, pos: int = 0) -> tuple[str, int]:
    """Read one word from ``text`` at ``pos`` the way ``ap_getword_conf`` does.

    Returns the word (quotes removed, escapes applied) and the position after it and the white
    space following it. At the end of the text the word is ``""``.
    """
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    if pos >= n:
        return "", n
    quote = text[pos]
    out: list[str] = []
    if quote in "\"'":
        i = pos + 1
        while i < n and text[i] != quote:
            if text[i] == "\\" and i + 1 < n and text[i + 1] in (quote, "\\"):
                out.append(text[i + 1])
                i += 2
            else:
                out.append(text[i])
                i += 1
        if i < n:  # the closing quote
            i += 1
    else:
        m = _UNQUOTED.match(text, pos)
        word = m.group(0) if m else text[pos]
        i = pos + len(word)
        out.append(word.replace("\\\\", "\\") if "\\" in word else word)
    while i < n and text[i].isspace():
        i += 1
    return "".join(out), i


def split_words(text: str) -> list[str]:
    """All words of ``text`` (see :func:`next_word`)."""
    words: list[str] = []
    pos = 0
    n = len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            return words
        word, pos = next_word(text, pos)
        words.append(word)  # may be "" for a quoted empty string, as in httpd


def split_directive(text: str) -> tuple[str, str]:
    """Split a logical line into the directive name and the raw argument text."""
    name, pos = next_word(text, 0)
    return name, text[pos:]


def parse_tag(text: str) -> Optional[Tag]:
    """The section tag on this line, or None when the line is an ordinary directive."""
    if not text.startswith("<") or len(text) < 2:
        return None
    if text.startswith("</"):
        body = text[2:]
        end = body.find(">")
        if end < 0:
            return Tag(body.split()[0] if body.split() else "", "", True, False)
        return Tag(body[:end].strip(), "", True, True)
    name, rest = split_directive(text)
    name = name[1:]
    if name.endswith(">"):
        return Tag(name[:-1], "", False, True)
    end = rest.rfind(">")
    if end < 0:
        return Tag(name, rest.strip(), False, False)
    return Tag(name, rest[:end].strip(), False, True)
