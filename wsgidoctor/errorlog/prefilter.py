"""The lines of a large log file that hold a needle, found by ripgrep or grep, whole.

The scanner needs only the lines that hold one of the event needles
(:data:`~wsgidoctor.messages.signatures.NEEDLES`). A searcher looks for all of them in one pass,
on another CPU, and prints each such line whole with its line number and byte offset: this
process reads only those lines (and, around the few that need it, a window of the file: what a
bare Python line follows, a path-configuration dump, the command line after a banner), never the
whole file. Used for regular files of some size when a searcher is installed; anything else
(pipes, small pastes, no searcher, one that fails) keeps the pure-Python search, which finds the
same lines.

How, measured on a log of Apache noise with one event line in a hundred (benchmarks/bench_analyze.py):

- ripgrep (``rg -F``) when installed: its SIMD search for many strings at once reads about twice
  as fast as ``grep -E`` and needs no help; it reads the file itself, from the start of the range
  (its standard input is the file, at that offset), when the range runs to the end of the file;
- else ``grep -E`` with the needles as one alternation, GNU grep's DFA, about twice as fast as
  ``grep -F`` (whose search for many strings slows down with each short one); a large range is cut
  at line starts into one part per CPU (up to four), each searched by its own grep;
- a part that is not the whole rest of the file is fed through a pipe the kernel fills
  (``sendfile``), followed by a sentinel line holding a needle: the sentinel's line number says how
  many lines the part has, so the line numbers of the next part, and the number of lines of the
  whole range, come without counting newlines here. Where the searcher reads the file itself, the
  lines after its last hit are counted here.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading
from dataclasses import dataclass
from typing import IO, Iterator, Optional, Sequence

from wsgidoctor.core import lifetime
from wsgidoctor.core.subprocesses import which
from wsgidoctor.errorlog.reader import MAX_LINE, count_newlines
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
#: Searchers run as one process over the whole range (the others in parallel parts).
SINGLE = frozenset({"rg"})
#: How much of a searcher's output is read at once.
_READ = 1 << 18
#: How much of the file :meth:`NeedleHits.after` reads at once after a line.
_WINDOW = 256 << 10
#: Characters that mean something in a POSIX extended regular expression.
_ERE_SPECIAL = frozenset(b"\\.[]()*+?{}|^$")


def alternation(needles: Sequence[bytes]) -> bytes:
    """The needles as one POSIX extended regular expression that matches any of them."""
    return b"|".join(b"".join(b"\\" + bytes([c]) if c in _ERE_SPECIAL else bytes([c]) for c in n)
                     for n in needles)


def factored(needles: Sequence[bytes]) -> bytes:
    """:func:`alternation` with the needles that share their first three bytes, when there are
    three or more of them, written once as ``prefix(?:rest|rest...)`` (a regular expression for
    ripgrep, not grep). ripgrep searches for the httpd codes (``AH00052``, ``AH01630``...) so
    about a fifth faster: nearly every line of a log holds some ``AH0`` code."""
    groups: dict[bytes, list[bytes]] = {}
    for needle in needles:
        groups.setdefault(needle[:3], []).append(needle)
    out = []
    for group in groups.values():
        if len(group) < 3:
            out.append(alternation(group))
            continue
        common = os.path.commonprefix(group)
        if common in group:  # the others hold it: it alone finds their lines
            out.append(alternation([common]))
            continue
        out.append(alternation([common]) + b"(?:" + alternation([n[len(common):] for n in group]) + b")")
    return b"|".join(out)


def search_command(needles: Sequence[bytes]) -> Optional[list[str | bytes]]:
    """The command that prints ``LINE:OFFSET:TEXT`` for each line of its standard input holding a
    needle, with the first of :data:`ENGINES` installed; None without any (or without needles)."""
    for name in ENGINES:
        path = which(name)
        if path is None or not needles:
            continue
        if name == "rg":
            # no configuration file, no transcoding of a part that starts like UTF-16
            return [path, "--no-config", "--encoding", "none", "-a", "-n", "-b", "-e", factored(needles), "-"]
        return [path, "-E", "-a", "-n", "-b", "-e", alternation(needles)]
    return None


def _parts_wanted(argv: list[str | bytes], size: int) -> int:
    """How many searchers to run at once over ``size`` bytes: one for ripgrep (fast enough alone,
    and the other CPU parses its hits), else one per :data:`MIN_PART`, up to :data:`MAX_PARTS`."""
    if os.path.basename(os.fsdecode(argv[0])) in SINGLE:
        return 1
    return max(1, min(MAX_PARTS, size // MIN_PART))


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
    """One searcher over bytes ``[offset, offset + size)`` of the range."""

    offset: int
    size: int
    proc: subprocess.Popen
    pump: Optional[threading.Thread]  # None: the searcher reads the file itself, from ``stdin``
    stdin: Optional[int] = None  # that file's descriptor (its offset: how far the searcher read)
    lines_before: Optional[int] = None  # newlines of the range before this part, once known
    newlines: Optional[int] = None  # newlines of this part, from the sentinel


#: One found line: (byte offset of its start from the start of the range, line index - how many
#: newlines of the range come before it -, its first MAX_LINE + 1 bytes, the offset of its end).
Found = tuple[int, int, bytes, int]


class NeedleHits:
    """The lines of a byte range of a file that hold a needle, in file order, each once.

    Iterate :meth:`lines`; then, unless :attr:`failed`, :meth:`lines_before` gives the line index
    at any offset of the range; :meth:`before` and :meth:`after` read the file around a line.
    Close when done (a context manager).
    """

    def __init__(self, file: IO[bytes], start: int, size: int, parts: list[_Part]):
        #: how many bytes from the start of the range are searched (the file's size when the
        #: search started at most: what is appended later is not read)
        self.size = size
        self._file = file  # our own, for the pumps and the windows read around lines
        self._start = start
        self._parts = parts
        self._anchor: tuple = (0, 0)  # (offset, line index, ...) of the latest line handed out
        #: the search ended badly: the lines after the last one handed out are not known.
        self.failed = False

    @classmethod
    def start(cls, fh: IO[bytes], start: int, end: Optional[int],
              needles: Sequence[bytes]) -> Optional["NeedleHits"]:
        """Start searching ``fh``'s file from byte ``start``; None where a searcher cannot help."""
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
            count = _parts_wanted(argv, end - start)
            if count == 1 and end == st.st_size:
                parts.append(_start_reader(argv, own.fileno(), start, end - start))
            else:
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

    def lines(self) -> Iterator[Found]:
        """The found lines, in file order; the iteration ends early when a searcher fails (then
        :attr:`failed` is set: the caller reads the rest of the range itself)."""
        for k, part in enumerate(self._parts):
            yield from self._part_lines(part)
            if self.failed:
                return
            if k + 1 < len(self._parts):
                assert part.lines_before is not None and part.newlines is not None
                self._parts[k + 1].lines_before = part.lines_before + part.newlines

    def _part_lines(self, part: _Part) -> Iterator[Found]:
        """One searcher's lines; sets :attr:`failed` unless it ended well having read its part."""
        out = part.proc.stdout
        assert out is not None and part.lines_before is not None
        base, size, limit = part.lines_before - 1, part.size, MAX_LINE + 1
        carry = b""
        long_line: Optional[tuple[int, int, bytes]] = None  # (offset, number, first bytes) of a line read on
        long_length = 0  # its length so far
        past_end = False  # a line after the range (appended meanwhile): the rest is not needed
        try:
            while not past_end:
                data = out.read1(_READ)
                if not data:
                    break
                if long_line is not None:
                    nl = data.find(b"\n")
                    if nl < 0:
                        long_length += len(data)
                        continue
                    offset, number, head = long_line
                    long_line = None
                    found = (part.offset + offset, base + number, head[:size - offset],
                             part.offset + min(offset + long_length + nl, size))
                    self._anchor = found
                    yield found
                    data = data[nl + 1:]
                records = (carry + data if carry else data).split(b"\n")
                carry = records.pop()  # the start of a record not read whole yet
                for record in records:
                    number, at, text = record.split(b":", 2)
                    offset = int(at)
                    if offset >= size:
                        if part.pump is not None:  # the sentinel line
                            part.newlines = int(number) - 2
                            continue
                        past_end = True
                        break
                    length = len(text)
                    if length > limit or offset + length > size:
                        text = text[:min(limit, size - offset)]
                    found = (part.offset + offset, base + int(number), text, part.offset + min(offset + length, size))
                    self._anchor = found
                    yield found
                if len(carry) > limit + 64 and not past_end:  # a line longer than MAX_LINE: keep its start
                    c1 = carry.index(b":")
                    c2 = carry.index(b":", c1 + 1)
                    offset, number = int(carry[c1 + 1:c2]), int(carry[:c1])
                    if offset >= size:
                        past_end = part.pump is None
                        if not past_end:
                            self.failed = True  # a sentinel line is short
                            return
                    else:
                        long_line, long_length = (offset, number, carry[c2 + 1:c2 + 1 + limit]), len(carry) - c2 - 1
                        carry = b""
        except ValueError:  # not a searcher's output
            self.failed = True
            return
        if past_end and part.pump is None:
            part.proc.kill()  # it may be reading on: nothing more is needed from it
            part.proc.wait()
            return
        code = part.proc.wait()
        if long_line is not None or carry or code not in (0, 1):
            self.failed = True
        elif part.pump is not None:
            self.failed = part.newlines is None  # no sentinel: the output was cut short
        else:
            # a searcher reading the file itself has read it all when the file's offset is at its end
            assert part.stdin is not None
            self.failed = os.lseek(part.stdin, 0, os.SEEK_CUR) < self._start + part.offset + size

    def lines_before(self, offset: int) -> int:
        """How many newlines the range has before ``offset``: from the nearest point known (a
        line handed out, the start of a part whose predecessors were counted), the rest counted here."""
        best = self._anchor if self._anchor[0] <= offset else (0, 0)
        for part in self._parts:
            if part.lines_before is not None and best[0] <= part.offset <= offset:
                best = (part.offset, part.lines_before)
            if (part.newlines is not None and part.lines_before is not None
                    and part.offset + part.size <= offset and best[0] <= part.offset + part.size):
                best = (part.offset + part.size, part.lines_before + part.newlines)
        return best[1] + count_newlines(self._file, self._start + best[0], self._start + offset)

    def before(self, offset: int, limit: int) -> tuple[bytes, bool]:
        """Up to ``limit`` bytes of the range right before ``offset``, and whether they start
        where the range starts."""
        lo = max(0, offset - limit)
        return os.pread(self._file.fileno(), offset - lo, self._start + lo), lo == 0

    def after(self, offset: int) -> Optional[tuple[bytes, int]]:
        """Whole lines of the range from ``offset`` (a line start), about :data:`_WINDOW` bytes of
        them, each ending with a newline, and how many bytes of the file they are; None at the end.
        A line longer than the window is its first MAX_LINE bytes."""
        want = min(_WINDOW, self.size - offset)
        if want <= 0:
            return None
        data = os.pread(self._file.fileno(), want, self._start + offset)
        if not data:
            return None
        cut = data.rfind(b"\n") + 1
        if cut:
            return data[:cut], cut
        if offset + len(data) >= self.size:  # the range's last line, without a newline
            return data + b"\n", len(data)
        own = self._file
        end = min(next_line_start(own, self._start + offset + len(data)) - self._start, self.size)
        return data[:MAX_LINE] + b"\n", end - offset

    def close(self) -> None:
        """Stop the searchers (they may still be reading) and their pumps."""
        for part in self._parts:
            if part.proc.poll() is None:
                part.proc.kill()
            if part.proc.stdout is not None:
                part.proc.stdout.close()
            part.proc.wait()
        for part in self._parts:
            if part.pump is not None:
                part.pump.join()
            if part.stdin is not None:
                os.close(part.stdin)
        self._file.close()


def _spawn(argv: list[str | bytes], stdin: int) -> subprocess.Popen:
    # through lifetime.spawn: marked like every child, so it is ended with wsgidoctor
    proc = lifetime.spawn(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    assert proc.stdout is not None
    _enlarge(proc.stdout.fileno())  # room for the lines of a part read after the parts before it
    return proc


def _start_reader(argv: list[str | bytes], fd: int, file_offset: int, size: int) -> _Part:
    """A searcher reading the file of ``fd`` itself, from ``file_offset`` to its end."""
    # Its own open file (not a dup): its offset is the searcher's alone, and says how far it read.
    stdin = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.lseek(stdin, file_offset, os.SEEK_SET)
        proc = _spawn(argv, stdin)
    except BaseException:
        os.close(stdin)
        raise
    return _Part(0, size, proc, None, stdin)


def _start_part(argv: list[str | bytes], fd: int, offset: int, file_offset: int, size: int, needle: bytes) -> _Part:
    """A searcher reading bytes ``[file_offset, file_offset + size)`` of ``fd`` and a sentinel line."""
    read_end, write_end = os.pipe()  # not inheritable: only the searcher gets the read end, as its stdin
    try:
        _enlarge(write_end)
        proc = _spawn(argv, read_end)
    except BaseException:
        os.close(write_end)
        raise
    finally:
        os.close(read_end)
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
