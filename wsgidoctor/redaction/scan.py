"""Regular-expression scans of long texts that try a pattern only where a match of it can start.

A pattern that begins with a look-behind (``(?<![\\w.-])...``) or with an alternation gives Python's
regular-expression engine no first character to skip ahead to: ``finditer`` and ``sub`` try it at
every position of the text, some hundred nanoseconds each, and a 4 MB log costs a few tenths of a
second per pattern. Where its matches can start is usually cheap to find (a literal ``str.find``
finds, or a one-character pattern the engine does skip ahead to): :func:`finditer` and :func:`sub`
try the pattern only there, in order, as ``finditer`` would (a match found, the next try is at its
end). Given every position where a match can start, and maybe others, they return exactly what
``pattern.finditer(text)`` and ``pattern.sub(repl, text)`` return, for a pattern that never matches
the empty string (all of redaction's).
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator

#: Below this length a text is scanned whole: finding the starts costs more than it saves.
LONG_TEXT = 4096


def finditer(pattern: "re.Pattern[str]", text: str, starts: Iterable[int]) -> Iterator["re.Match[str]"]:
    """``pattern.finditer(text)``, trying only ``starts`` (ascending; a superset of where matches start)."""
    end = 0
    match = pattern.match
    for start in starts:
        if start < end:
            continue
        m = match(text, start)
        if m is not None:
            yield m
            end = max(m.end(), start + 1)  # an empty match: finditer tries the next position


def sub(pattern: "re.Pattern[str]", repl: Callable[["re.Match[str]"], str], text: str,
        starts: Iterable[int]) -> str:
    """``pattern.sub(repl, text)``, trying only ``starts`` (see :func:`finditer`)."""
    out: list[str] = []
    last = end = 0
    match = pattern.match
    for start in starts:  # finditer's loop, inlined: this runs once per place a match can start
        if start < end:
            continue
        m = match(text, start)
        if m is not None:
            found, end = m.span()
            out.append(text[last:found])
            out.append(repl(m))
            last = end
            end = max(end, start + 1)
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def literal_starts(text: str, literals: Iterable[tuple[str, int]]) -> list[int]:
    """The positions ``i + offset`` for every occurrence ``i`` of each ``(literal, offset)``, ascending."""
    found: set[int] = set()
    for literal, offset in literals:
        i = text.find(literal)
        while i != -1:
            if i + offset >= 0:
                found.add(i + offset)
            i = text.find(literal, i + 1)
    return sorted(found)


def run_starts(text: str, reversed_pattern: "re.Pattern[str]") -> list[int]:
    """Where the runs of characters just before each occurrence of a literal start, ascending.

    ``reversed_pattern`` is matched in the reversed text: the literal reversed, then the run (which
    must not hold the literal), e.g. ``\\.[A-Za-z0-9-]+`` for the label before each dot. Beginning
    with a literal, it is searched for at the speed of ``str.find``, where a pattern beginning with
    a look-behind or a character class is tried at every position.
    """
    n = len(text)
    return [n - m.end() for m in reversed_pattern.finditer(text[::-1])][::-1]


def run_before_starts(text: str, pattern: "re.Pattern[str]", is_run: Callable[[str], bool], longest: int) -> Iterator[int]:
    """For each match of ``pattern`` (beginning with a literal, searched for fast), where the run of
    characters ``is_run`` accepts just before it starts, when the run is at most ``longest`` long:
    where a pattern starting with such a run, then this one, can start."""
    for m in pattern.finditer(text):
        at = start = m.start()
        while start > 0 and at - start <= longest and is_run(text[start - 1]):
            start -= 1
        if at - start <= longest:
            yield start
