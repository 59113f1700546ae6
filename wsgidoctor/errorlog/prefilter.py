"""Where the needles are in a large log file, found by ripgrep or grep, with each hit's line number.

The scanner needs only the lines that hold one of the event needles
(:data:`~wsgidoctor.messages.signatures.NEEDLES`). Searching a block once per needle with
``bytes.find`` costs one pass over the data per needle; a searcher looks for all of them in one
pass and prints the line number and byte offset of each hit, on other CPUs while this process
parses the hits it already has. Used for regular files of some size when a searcher is installed;
anything else (pipes, small pastes, no searcher, one that fails) keeps the pure-Python search,
which finds the same lines.

How, measured on a log of Apache noise with one event line in a hundred (benchmarks/bench_analyze.py):

- ripgrep (``rg -F``) when installed: its SIMD search for many strings at once reads about three
  times as fast as grep; else ``grep -E`` with the needles as one alternation, GNU grep's DFA,
  about twice as fast as ``grep -F`` (whose search for many strings slows down with each short one);
- a large range is cut at line starts into one part per CPU (up to four), each searched by its own
  process;
- each searcher reads its part from a pipe the kernel fills (``sendfile``), followed by a sentinel
  line holding a needle: the sentinel's line number says how many lines the part has, so the line
  numbers of the next part, and the number of lines of the whole range, come without counting
  newlines here.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Optional, Sequence

from wsgidoctor.core import lifetime
from wsgidoctor.core.subprocesses import which
from wsgidoctor.errorlog.reader import count_newlines
from wsgidoctor.errorlog.tail import next_line_start

#: Files smaller than this are searched in Python: starting grep costs more than it saves.
MIN_BYTES = 8 * 1024 * 1024
#: A range is cut into parts of at least this size, one grep each.
MIN_PART = 32 * 1024 * 1024
#: At most this many greps at once: one per CPU, up to four.
MAX_PARTS = min(4, os.cpu_count() or 1)
_PUMP_CHUNK = 1 << 20
_F_SETPIPE_SZ = 1031  # fcntl: a larger pipe means fewer wake-ups of grep and the pump

#: The searchers tried, in this order.
ENGINES = ("rg", "grep")
#: Characters that mean something in a POSIX extended regular expression.
_ERE_SPECIAL = frozenset(b"\\.[]()*+?{}|^$")


def alternation(needles: Sequence[bytes]) -> bytes:
    """The needles as one POSIX extended regular expression that matches any of them."""
    return b"|".join(b"".join(b"\\" + bytes([c]) if c in _ERE_SPECIAL else bytes([c]) for c in n)
                     for n in needles)


def search_command(needles: Sequence[bytes]) -> Optional[list[str | bytes]]:
    """The command that prints ``LINE:OFFSET:NEEDLE`` for each needle found in its standard input,
    with the first of :data:`ENGINES` installed; None without any (or without needles)."""
    for name in ENGINES:
        path = which(name)
        if path is None or not needles:
            continue
        if name == "rg":
            # no configuration file, no transcoding of a part that starts like UTF-16
            argv: list[str | bytes] = [path, "--no-config", "--encoding", "none", "-a", "-n", "-b", "-o", "-F"]
            for needle in needles:
                argv += ["-e", needle]
            return argv + ["-"]
        return [path, "-E", "-a", "-n", "-b", "-o", "-e", alternation(needles)]
    return None


def part_bounds(fh: IO[bytes], start: int, end: int, parts: int) -> list[int]:
    """``parts + 1`` offsets from ``start`` to ``end``, each inner one the start of a line (so no
    needle straddles two parts), in increasing order; fewer parts where lines are too long."""
    bounds = [start]
    for k in range(1, parts):
        at = next_line_start(fh, max(start + (end - start) * k // parts, bounds[-1] + 1))
        if bounds[-1] < at < end:
            bounds.append(at)
    bounds.append(end)
    return bounds


@dataclass
class _Part:
    """One grep over bytes ``[offset, offset + size)`` of the range."""

    offset: int
    size: int
    proc: subprocess.Popen
    pump: threading.Thread
    lines_before: Optional[int] = None  # newlines of the range before this part, once known
    newlines: Optional[int] = None  # newlines of this part, from the sentinel
    carry: bytes = b""  # the start of an output line not read whole yet


#: One line of ``grep -n -b -o`` output: line number, byte offset, the needle found.
_RECORD = re.compile(rb"^(\d+):(\d+):", re.M)


class NeedleHits:
    """The needle hits of a byte range of a file, in file order, each as (byte offset from the
    start of the range, line index: how many newlines of the range come before it); one per line.

    Ask :meth:`within` for the hits of each block, in order; :meth:`lines_before` for the line
    index at any offset; close when done (a context manager).
    """

    def __init__(self, file: IO[bytes], start: int, size: int, parts: list[_Part]):
        #: how many bytes from the start of the range the greps search (the file's size when
        #: they started: what is appended later is searched by the caller)
        self.size = size
        self._file = file  # our own, for the pumps and the few lines grep cannot count
        self._start = start
        self._parts = parts
        self._current = 0  # the part whose output is being read
        self._offsets: list[int] = []  # hits read from grep, from ``_taken`` on not handed out yet
        self._indexes: list[int] = []
        self._taken = 0
        self._last_index = -1
        self._anchor = (0, 0)  # (offset, line index) of the latest hit handed out
        #: grep ended badly: no hit list is trusted from then on.
        self.failed = False

    @classmethod
    def start(cls, fh: IO[bytes], start: int, end: Optional[int],
              needles: Sequence[bytes]) -> Optional["NeedleHits"]:
        """Start grep on ``fh``'s file from byte ``start``; None where it cannot help."""
        argv = search_command(needles)
        try:
            st = os.fstat(fh.fileno())
        except (AttributeError, OSError, ValueError):
            return None
        end = st.st_size if end is None else min(end, st.st_size)
        if argv is None or not stat.S_ISREG(st.st_mode) or end - start < MIN_BYTES:
            return None
        try:
            # A file object of our own, so that nothing here moves the caller's offset.
            own = open(f"/proc/self/fd/{fh.fileno()}", "rb")
        except OSError:
            return None
        parts: list[_Part] = []
        hits = cls(own, start, end - start, parts)
        try:
            count = max(1, min(MAX_PARTS, (end - start) // MIN_PART))
            bounds = part_bounds(own, start, end, count)
            for a, b in zip(bounds, bounds[1:]):
                parts.append(_start_part(argv, own.fileno(), a - start, a, b - a, needles[0]))
        except (OSError, lifetime.Stopping):
            hits.close()
            return None
        parts[0].lines_before = 0
        return hits

    def __enter__(self) -> "NeedleHits":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_more(self) -> bool:
        """Read more of grep's output into the pending hits; False once every part's output has
        ended (or a grep failed: then :attr:`failed` is set)."""
        while self._current < len(self._parts):
            part = self._parts[self._current]
            assert part.proc.stdout is not None and part.lines_before is not None
            data = part.proc.stdout.read1(1 << 16)
            if data:
                chunk = part.carry + data
                cut = chunk.rfind(b"\n") + 1
                part.carry = chunk[cut:]
                offsets, indexes, last = self._offsets, self._indexes, self._last_index
                before = len(offsets)
                for number, at in _RECORD.findall(chunk, 0, cut):
                    offset, index = int(at), part.lines_before + int(number) - 1
                    if offset >= part.size:  # the sentinel line, after the part's own last line
                        part.newlines = int(number) - 2
                    elif index != last:  # a line's other hits tell nothing more
                        offsets.append(part.offset + offset)
                        indexes.append(index)
                        last = index
                self._last_index = last
                if len(offsets) > before:
                    return True
                continue
            # grep's output ended: complete only if grep ended well and printed the sentinel.
            code = part.proc.wait()
            if code not in (0, 1) or part.newlines is None:
                self.failed = True
                return False
            self._current += 1
            if self._current < len(self._parts):
                self._parts[self._current].lines_before = part.lines_before + part.newlines
        return False

    def within(self, lo: int, hi: int) -> Optional[list[tuple[int, int]]]:
        """Hits in ``[lo, hi)`` as (offset relative to ``lo``, line index); hits before ``lo``
        are dropped. None once grep has failed, so that the caller searches that block itself."""
        offsets, indexes = self._offsets, self._indexes
        while not self.failed and (len(offsets) == self._taken or offsets[-1] < hi):
            if not self._read_more():
                break
        if self.failed:
            return None
        end = bisect.bisect_left(offsets, hi, self._taken)
        begin = bisect.bisect_left(offsets, lo, self._taken, end)
        out = [(offset - lo, index) for offset, index in zip(offsets[begin:end], indexes[begin:end])]
        if end > self._taken:
            self._anchor = (offsets[end - 1], indexes[end - 1])
        self._taken = end
        if end > 4096:
            del offsets[:end], indexes[:end]
            self._taken = 0
        return out

    def lines_before(self, offset: int) -> int:
        """How many newlines the range has before ``offset``: from the nearest point known (a
        hit, the start of a part whose predecessors grep counted), the rest counted here."""
        best = self._anchor if self._anchor[0] <= offset else (0, 0)
        for part in self._parts:
            if part.lines_before is not None and best[0] <= part.offset <= offset:
                best = (part.offset, part.lines_before)
            if (part.newlines is not None and part.lines_before is not None
                    and part.offset + part.size <= offset and best[0] <= part.offset + part.size):
                best = (part.offset + part.size, part.lines_before + part.newlines)
        return best[1] + count_newlines(self._file, self._start + best[0], self._start + offset)

    def close(self) -> None:
        """Stop the greps (they may still be reading) and their pumps."""
        for part in self._parts:
            if part.proc.poll() is None:
                part.proc.kill()
            if part.proc.stdout is not None:
                part.proc.stdout.close()
            part.proc.wait()
        for part in self._parts:
            part.pump.join()
        self._file.close()


def _start_part(argv: list[str | bytes], fd: int, offset: int, file_offset: int, size: int, needle: bytes) -> _Part:
    """A grep reading bytes ``[file_offset, file_offset + size)`` of ``fd`` and a sentinel line."""
    read_end, write_end = os.pipe()  # not inheritable: only grep gets the read end, as its stdin
    try:
        _enlarge(write_end)
        # through lifetime.spawn: marked like every child, so it is ended with wsgidoctor
        proc = lifetime.spawn(argv, stdin=read_end, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
    assert proc.stdout is not None
    _enlarge(proc.stdout.fileno())  # room for the hits of a part read after the parts before it
    pump = threading.Thread(target=_pump, args=(fd, file_offset, size, write_end, b"\n" + needle + b"\n"),
                            name="wsgidoctor-grep-pump", daemon=True)
    pump.start()
    return _Part(offset, size, proc, pump)


def _enlarge(pipe: int) -> None:
    """Make ``pipe`` hold up to :data:`_PUMP_CHUNK` bytes where the system allows it."""
    try:
        import fcntl

        fcntl.fcntl(pipe, _F_SETPIPE_SZ, _PUMP_CHUNK)
    except (ImportError, OSError):
        pass  # a smaller pipe works too, with more waiting


def _pump(fd: int, offset: int, size: int, out: int, sentinel: bytes) -> None:
    """Copy bytes ``[offset, offset + size)`` of ``fd`` into the pipe ``out``, then ``sentinel``.

    The kernel copies (sendfile); where it cannot, pread and write. Stops quietly when grep is
    gone (a broken pipe): grep's exit status tells the reader what happened.
    """
    try:
        use_sendfile = hasattr(os, "sendfile")
        while size > 0:
            n = 0
            if use_sendfile:
                try:
                    n = os.sendfile(out, fd, offset, min(size, _PUMP_CHUNK))
                except OSError as exc:
                    if isinstance(exc, BrokenPipeError):
                        return
                    use_sendfile = False
                    continue
            else:
                data = os.pread(fd, min(size, _PUMP_CHUNK), offset)
                n = os.write(out, data) if data else 0
            if n <= 0:
                return  # the file shrank: grep sees fewer lines and no sentinel, and that is a failure
            offset += n
            size -= n
        while sentinel:
            sentinel = sentinel[os.write(out, sentinel):]
    except OSError:
        return
    finally:
        os.close(out)
