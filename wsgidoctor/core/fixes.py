"""The registry of mechanical fixes, keyed by finding id, and the edits they are made of.

A fix belongs to the area that owns its finding: ``<area>/fixes.py`` registers a function with
:func:`fixer` for one or more finding ids. The function receives the facts of a report and returns
:class:`Fix` values: line edits of configuration files (rendered as unified diffs, applied to a
throwaway copy by ``wsgidoctor fix --verify`` and to the real files only by ``--apply``) and/or
shell commands (shown, never run). A finding id without a fixer has no mechanical fix, and
``wsgidoctor fix`` says so.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional


@dataclass(frozen=True)
class Edit:
    """Replace line ``line`` (1-based) of ``path``, which must read ``old``, with ``new`` lines
    (none: delete it). ``old=None`` inserts ``new`` before ``line`` (``line`` past the end:
    append); ``create=True`` makes a new file of ``new``."""

    path: str
    line: int
    old: Optional[str]
    new: tuple[str, ...]
    create: bool = False


@dataclass(frozen=True)
class Fix:
    """A mechanical fix for one finding: what to change, or what to run."""

    finding_id: str
    summary: str
    edits: tuple[Edit, ...] = ()
    commands: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"finding_id": self.finding_id, "summary": self.summary,
                "files": sorted({e.path for e in self.edits}), "commands": list(self.commands)}


class EditConflict(Exception):
    """A file no longer reads what an edit expects (changed since the report)."""


FixFn = Callable[[dict[str, Any]], Iterable[Fix]]
FIXERS: dict[str, FixFn] = {}


class DuplicateFixer(Exception):
    """Two fixers for one finding id: a finding's fix belongs to one area."""


def fixer(*finding_ids: str) -> Callable[[FixFn], FixFn]:
    """Register a fix generator for these finding ids."""
    def deco(fn: FixFn) -> FixFn:
        for fid in finding_ids:
            if fid in FIXERS:
                raise DuplicateFixer(f"finding id {fid!r} has two fixers")
            FIXERS[fid] = fn
        return fn
    return deco


def read_lines(path: str) -> Optional[list[str]]:
    """A file's lines without their newlines, or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as fh:
            return fh.read().splitlines()
    except OSError:
        return None


def apply_edits(lines: Optional[list[str]], edits: Iterable[Edit]) -> list[str]:
    """The lines after ``edits`` (all for one file), bottom-up so that line numbers hold."""
    result = list(lines or [])
    ordered = sorted(edits, key=lambda e: (e.line, e.old is None), reverse=True)
    for e in ordered:
        if e.create:
            if lines is not None and lines != list(e.new):
                raise EditConflict(f"{e.path} exists already")
            result = list(e.new)
            continue
        index = e.line - 1
        if e.old is None:
            result[max(0, min(index, len(result))):max(0, min(index, len(result)))] = list(e.new)
            continue
        if not 0 <= index < len(result) or result[index] != e.old:
            raise EditConflict(f"{e.path}:{e.line} no longer reads {e.old!r}")
        result[index:index + 1] = list(e.new)
    return result


def by_file(fixes: Iterable[Fix]) -> dict[str, list[Edit]]:
    """Every edit of ``fixes``, grouped by file, in order of first mention."""
    out: dict[str, list[Edit]] = {}
    for f in fixes:
        for e in f.edits:
            out.setdefault(e.path, []).append(e)
    return out


def unified_diff(path: str, before: Optional[list[str]], after: list[str]) -> str:
    """A unified diff of one file (``/dev/null`` for a file that does not exist yet)."""
    lines = difflib.unified_diff([l + "\n" for l in before or []], [l + "\n" for l in after],
                                 fromfile=path if before is not None else "/dev/null", tofile=path)
    return "".join(lines)


def propose(facts: dict[str, Any], finding_ids: Iterable[str]) -> tuple[list[Fix], list[str]]:
    """(fixes, ids without a mechanical fix) for the findings that fired, in their order."""
    fixes: list[Fix] = []
    without: list[str] = []
    done: set[str] = set()
    for fid in finding_ids:
        if fid in done:
            continue
        done.add(fid)
        fn = FIXERS.get(fid)
        made = list(fn(facts)) if fn else []
        made = [f for f in made if f.finding_id == fid]
        if made:
            fixes.extend(made)
        else:
            without.append(fid)
    return fixes, without
