"""Find where the last start-up of the server begins in a (possibly huge) error log.

The file is searched backwards, a block at a time, for the last start-up banner (``... configured
-- resuming normal operations``); the start-up then begins just after the stop or restart line
before it (``caught SIGTERM``, ``SIGHUP received``...), which is searched for in a bounded
window. Everything from there to the end of the file is "the last start-up and what followed".
Only ``bytes.rfind`` runs over the data, so this costs little even for gigabytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, Optional

BANNER = b"configured -- resuming normal operations"
MARKERS = (b"caught SIGTERM", b"caught SIGWINCH", b"SIGHUP received", b"SIGUSR1 received",
           b"Graceful restart requested")
BLOCK = 1 << 20
#: How far back from the end a banner is looked for.
SEARCH_BACK = 256 << 20
#: How far before the banner the stop/restart line is looked for.
MARKER_WINDOW = 8 << 20
#: Without a stop/restart line, the start-up is taken to begin this far before the banner (its
#: messages - Python version warnings, AH00558 - come a few lines before it).
FALLBACK_BEFORE_BANNER = 256 << 10
#: Without any banner, the last this many bytes are read.
FALLBACK_TAIL = 64 << 20


@dataclass(frozen=True)
class StartupPlan:
    """Where to start reading: ``start`` (a line start), the file ``size`` and why."""

    start: int
    size: int
    banner_offset: Optional[int]
    marker_offset: Optional[int]
    reason: str


def _rfind_back(fh: IO[bytes], needles: tuple[bytes, ...], end: int, limit: int) -> Optional[int]:
    """The offset of the last occurrence of any needle wholly before ``end``, looking back at
    most ``limit`` bytes."""
    overlap = max(len(n) for n in needles) - 1
    floor = max(0, end - limit)
    pos = end
    while pos > floor:
        lo = max(floor, pos - BLOCK)
        fh.seek(lo)
        data = fh.read(min(end, pos + overlap) - lo)
        best = max((data.rfind(n) for n in needles), default=-1)
        if best >= 0:
            return lo + best
        pos = lo
    return None


def line_start(fh: IO[bytes], offset: int) -> int:
    """The start of the line containing byte ``offset``."""
    pos = offset
    while pos > 0:
        lo = max(0, pos - 65536)
        fh.seek(lo)
        data = fh.read(pos - lo)
        nl = data.rfind(b"\n")
        if nl >= 0:
            return lo + nl + 1
        pos = lo
    return 0


def next_line_start(fh: IO[bytes], offset: int) -> int:
    """The start of the first line beginning at or after ``offset``."""
    if offset <= 0:
        return 0
    fh.seek(offset - 1)
    pos = offset - 1
    while True:
        data = fh.read(65536)
        if not data:
            return pos
        nl = data.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(data)


def find_last_startup(fh: IO[bytes], size: Optional[int] = None) -> StartupPlan:
    """Plan the read of the last start-up of the log in ``fh`` (binary, seekable)."""
    if size is None:
        size = os.fstat(fh.fileno()).st_size
    banner = _rfind_back(fh, (BANNER,), size, SEARCH_BACK)
    if banner is None:
        start = next_line_start(fh, max(0, size - FALLBACK_TAIL))
        return StartupPlan(start, size, None, None,
                           f"no start-up banner in the last {min(size, SEARCH_BACK) >> 20} MiB; "
                           f"reading the last {(size - start) >> 20} MiB")
    banner_line = line_start(fh, banner)
    marker = _rfind_back(fh, MARKERS, banner_line, MARKER_WINDOW)
    if marker is not None:
        start = next_line_start(fh, marker + 1)
        return StartupPlan(start, size, banner, marker,
                           "from the stop/restart line before the last start-up banner")
    start = next_line_start(fh, max(0, banner_line - FALLBACK_BEFORE_BANNER))
    return StartupPlan(start, size, banner, None,
                       "no stop/restart line before the last banner; reading from shortly before it")
