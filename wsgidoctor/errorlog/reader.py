"""Read a file as blocks of whole lines, with bounded memory whatever the file holds.

Blocks are about ``chunk_size`` bytes and always end with a newline, so a consumer can search a
block with C-speed ``bytes`` methods instead of looping over lines in Python. A line longer than
``max_line`` bytes that does not fit in one read (binary garbage, a runaway debug dump) is clipped
to its first ``max_line`` bytes and the rest of it is skipped, so at most ``chunk_size + max_line``
bytes are held at once.
"""

from __future__ import annotations

from typing import IO, Iterator, Optional, Union

CHUNK_SIZE = 1 << 20
MAX_LINE = 64 * 1024


class LineBlocks:
    """Iterate ``fh`` (binary) from ``start`` to ``end`` as blocks of whole lines.

    After iteration, ``bytes_read`` is how many bytes were consumed, ``lines_clipped`` how many
    lines were cut short because they were longer than ``max_line``, and ``unterminated`` whether
    the last line had no newline (one was added). While iterating, ``block_start`` is the offset
    (from ``start``) where the block just yielded begins in the file, and ``block_exact`` whether
    its bytes are the file's bytes there (False for a clipped line).
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
        self.unterminated = False
        self.block_start = 0
        self.block_exact = True

    def __iter__(self) -> Iterator[bytes]:
        for block, size in self.buffers():
            yield bytes(memoryview(block)[:size])

    def buffers(self) -> Iterator[tuple[Union[bytes, bytearray], int]]:
        """The blocks as (buffer, size): the block is the buffer's first ``size`` bytes. The buffer
        is reused for the next block: read it, keep copies only (this saves copying each block)."""
        if self.start or self.fh.seekable():
            self.fh.seek(self.start)
        remaining = None if self.end is None else max(0, self.end - self.start)
        # One buffer for every read (fresh megabyte objects cost page faults). Its first ``held``
        # bytes are the start of a line whose end has not been read yet, from file offset ``held_at``.
        buf = bytearray(self.chunk_size + self.max_line + 1)
        view = memoryview(buf)
        readinto = getattr(self.fh, "readinto", None)
        held, held_at = 0, 0
        skipping = False  # inside an over-long line: drop bytes until its newline
        while remaining is None or remaining > 0:
            want = self.chunk_size if remaining is None else min(self.chunk_size, remaining)
            if readinto is not None:
                got = readinto(view[held:held + want]) or 0
            else:
                data = self.fh.read(want)
                got = len(data)
                view[held:held + got] = data
            if not got:
                break
            data_start = self.bytes_read
            self.bytes_read += got
            if remaining is not None:
                remaining -= got
            fresh, size = held, held + got  # this read's bytes are buf[fresh:size]
            buf_at = data_start - held  # file offset of buf[0] (held bytes come right before)
            if skipping:
                nl = buf.find(b"\n", fresh, size)
                if nl < 0:
                    continue
                self.block_start, self.block_exact = held_at, False
                yield bytes(view[:held]) + b"\n", held + 1
                skipping = False
                # keep what follows the long line's end
                view[:size - nl - 1] = view[nl + 1:size]
                buf_at, fresh, size = data_start + (nl + 1 - fresh), 0, size - nl - 1
            cut = buf.rfind(b"\n", fresh, size) + 1
            if cut:
                self.block_start, self.block_exact = buf_at, True
                yield buf, cut
                view[:size - cut] = view[cut:size]
                held, held_at = size - cut, buf_at + cut
            else:
                held, held_at = size, buf_at
            if held > self.max_line:
                held = self.max_line
                skipping = True
                self.lines_clipped += 1
        if held:
            self.block_start, self.block_exact = held_at, not skipping
            self.unterminated = True
            yield bytes(view[:held]) + b"\n", held + 1


def count_newlines(fh: IO[bytes], start: int, end: int, chunk_size: int = 1 << 20) -> int:
    """How many newlines lie between byte ``start`` and ``end`` of ``fh``."""
    fh.seek(start)
    total, remaining = 0, max(0, end - start)
    while remaining > 0:
        data = fh.read(min(chunk_size, remaining))
        if not data:
            break
        total += data.count(b"\n")
        remaining -= len(data)
    return total
