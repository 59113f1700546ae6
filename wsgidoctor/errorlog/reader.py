"""Read a file as blocks of whole lines, with bounded memory whatever the file holds.

Blocks are about ``chunk_size`` bytes and always end with a newline, so a consumer can search a
block with C-speed ``bytes`` methods instead of looping over lines in Python. A line longer than
``max_line`` bytes (binary garbage, a runaway debug dump) is clipped to its first ``max_line``
bytes and the rest of it is skipped, so at most ``chunk_size + max_line`` bytes are held at once.
"""

from __future__ import annotations

from typing import IO, Iterator, Optional

CHUNK_SIZE = 1 << 20
MAX_LINE = 64 * 1024


class LineBlocks:
    """Iterate ``fh`` (binary) from ``start`` to ``end`` as blocks of whole lines.

    After iteration, ``bytes_read`` is how many bytes were consumed and ``lines_clipped`` how many
    lines were cut short because they were longer than ``max_line``. While iterating,
    ``block_start`` is the offset (from ``start``) where the block just yielded begins in the file,
    and ``block_exact`` whether its bytes are the file's bytes there (False for a clipped line).
    """

    def __init__(self, fh: IO[bytes], *, start: int = 0, end: Optional[int] = None,
                 chunk_size: int = CHUNK_SIZE, max_line: int = MAX_LINE):
        self.fh = fh
        self.start = start
        self.end = end
        self.chunk_size = chunk_size
        self.max_line = max_line
        self.bytes_read = 0
        self.lines_clipped = 0
        self.block_start = 0
        self.block_exact = True

    def __iter__(self) -> Iterator[bytes]:
        if self.start or self.fh.seekable():
            self.fh.seek(self.start)
        remaining = None if self.end is None else max(0, self.end - self.start)
        pending = b""  # the start of a line whose end has not been read yet
        skipping = False  # inside an over-long line: drop bytes until its newline
        while remaining is None or remaining > 0:
            want = self.chunk_size if remaining is None else min(self.chunk_size, remaining)
            data = self.fh.read(want)
            if not data:
                break
            data_start = self.bytes_read
            self.bytes_read += len(data)
            if remaining is not None:
                remaining -= len(data)
            if skipping:
                nl = data.find(b"\n")
                if nl < 0:
                    continue
                self.block_exact = False
                yield pending + b"\n"
                pending, skipping = b"", False
                data = data[nl + 1:]
                data_start += nl + 1
            buf = pending + data if pending else data
            cut = buf.rfind(b"\n") + 1
            if cut:
                self.block_start, self.block_exact = data_start - len(pending), True
                yield buf[:cut]
                pending = buf[cut:]
            else:
                pending = buf
            if len(pending) > self.max_line:
                pending = pending[:self.max_line]
                skipping = True
                self.lines_clipped += 1
        if pending:
            self.block_start, self.block_exact = self.bytes_read - len(pending), not skipping
            yield pending + b"\n"
