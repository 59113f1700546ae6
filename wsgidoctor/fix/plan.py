"""The changes a set of fixes makes, file by file, as new contents and unified diffs. Pure apart
from reading the files it changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from wsgidoctor.core.fixes import EditConflict, Fix, apply_edits, by_file, read_lines, unified_diff


@dataclass(frozen=True)
class FileChange:
    path: str
    before: Optional[list[str]]  # None: the file does not exist yet
    after: list[str]

    @property
    def diff(self) -> str:
        return unified_diff(self.path, self.before, self.after)


def changes(fixes: Sequence[Fix], read: "Optional[callable]" = None) -> tuple[list[FileChange], list[str]]:
    """(changes, problems): every file's new content after all ``fixes``; an edit that no longer
    matches its file is a problem, and that file is left out."""
    read = read or read_lines
    out: list[FileChange] = []
    problems: list[str] = []
    for path, edits in by_file(fixes).items():
        before = read(path)
        try:
            after = apply_edits(before, edits)
        except EditConflict as exc:
            problems.append(str(exc))
            continue
        if after != (before or []) or before is None:
            out.append(FileChange(path, before, after))
    return out, problems
