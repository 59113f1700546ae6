"""Scan error-log blocks fast and keep what matters: counts and a few examples per event.

Most lines of a real log are requests and application output. Rather than looking at every line
in Python, only the lines containing a needle (:data:`~wsgidoctor.messages.signatures.NEEDLES`)
are decoded and classified: in a large file, those a searcher prints (:meth:`LogScanner.feed_found`,
:mod:`.prefilter`), else each block is searched once per needle with ``bytes.find``
(:meth:`LogScanner.feed`). Python's
path-configuration dump, whose lines carry no needle, is read line by line from its header on.
Memory stays bounded: per event a count, the first and last few examples, and a capped tally.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from typing import IO, Any, Callable, Optional, Protocol, Union

from wsgidoctor.errorlog import banner as bannerlib
from wsgidoctor.errorlog.prefilter import NeedleHits
from wsgidoctor.messages.signatures import NEEDLES, TALLY_KEYS, classify
from wsgidoctor.messages.lines import LogLine, parse_line, undecorate
from wsgidoctor.errorlog.reader import MAX_LINE, LineBlocks, count_newlines  # noqa: F401 (probe uses it from here)
from wsgidoctor.core.lazyre import lazy_re

#: How many examples are kept at each end of an event's occurrences.
EXAMPLES = 3
#: How many distinct values are tallied per event before the rest are lumped together.
TALLY_LIMIT = 32
#: How long an example's text may be.
EXAMPLE_TEXT = 600
#: How far back (lines) to look for the Apache line that a bare Python line follows...
CONTEXT_LINES = 32
#: ... among the lines wholly within this many bytes before it.
CONTEXT_BYTES = 16 * 1024
#: The events whose bare lines get that context (Python's own stderr output).
CONTEXT_EVENTS = frozenset({"python-path-config", "fatal-python-error", "no-module-encodings",
                            "no-module-site", "import-error", "python-init-failed"})
#: The longest path-configuration dump read (CPython's has about 25 lines plus sys.path).
DUMP_LINES = 120
#: The command line (AH00094) is looked for this many lines after a banner (AH00490/AH00456
#: "Server built" may come between).
COMMAND_LINE_AFTER = 3
#: An ImportError is tied to a "Failed to exec" line of the same process this close before it.
IMPORT_WINDOW = 400

#: The events that :meth:`LogScanner._line` notes beyond counting them...
_NOTED = frozenset({"banner", "command-line", "server-restart", "compiled-for-python", "runtime-using-python",
                    "python-version-mismatch", "script-exec-failed", "import-error", "no-module-encodings"})
#: ... and those followed by lines to read.
_FOLLOWED = frozenset({"python-path-config", "banner"})

_DUMP_ENTRY = lazy_re(r"^(?P<key>[A-Za-z_][\w. ]{0,40}?) = (?P<value>.*)$")
_DUMP_KEYS = {
    "PYTHONHOME": "pythonhome", "PYTHONPATH": "pythonpath", "program name": "program_name",
    "isolated": "isolated", "environment": "environment", "stdlib dir": "stdlib_dir",
    "sys._base_executable": "base_executable", "sys.base_prefix": "base_prefix",
    "sys.base_exec_prefix": "base_exec_prefix", "sys.executable": "executable",
    "sys.prefix": "prefix", "sys.exec_prefix": "exec_prefix",
}


def decode_line(raw: bytes) -> str:
    """Decode one line: UTF-8, or Latin-1 when it is not (logs mix encodings)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _dump_value(text: str) -> Any:
    """A value of the path-configuration dump: ``'...'`` string, number, or None for ``(not set)``."""
    text = text.strip()
    if text in ("(not set)", ""):
        return None
    if text[:1] in ("'", '"'):
        try:
            value = ast.literal_eval(text)
            return value if isinstance(value, str) else text
        except (ValueError, SyntaxError):
            return text.strip("'\"")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


class EventStats:
    """Occurrences of one event: a count, the first and last few examples, a tally by one value."""

    __slots__ = ("count", "first", "last", "first_time", "last_time", "head", "tail", "by", "key")

    def __init__(self, key: Optional[str]):
        self.count = 0
        self.first: Optional[int] = None
        self.last: Optional[int] = None
        self.first_time: Optional[str] = None
        self.last_time: Optional[str] = None
        self.head: list[dict[str, Any]] = []
        self.tail: deque[tuple[LogLine, dict[str, str], Optional[dict[str, Any]], Optional[str]]] = \
            deque(maxlen=EXAMPLES)
        self.by: dict[str, int] = {}
        self.key = key

    def add(self, line: LogLine, fields: dict[str, str], context: Optional[dict[str, Any]],
            source: Optional[str] = None) -> None:
        count = self.count = self.count + 1
        number, time = line.number, line.time
        if count == 1:
            self.first, self.first_time = number, time
        self.last, self.last_time = number, time
        if count > EXAMPLES:  # made into an example only if it is still among the last ones at the end
            self.tail.append((line, fields, context, source))
        else:
            self.head.append(_example(line, fields, context, source))
        if self.key:
            value = fields.get(self.key)
            if value is not None:
                by = self.by
                seen = by.get(value)
                if seen is not None:
                    by[value] = seen + 1
                elif len(by) < TALLY_LIMIT:
                    by[value] = 1
                else:
                    by["(other)"] = by.get("(other)", 0) + 1

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "first": self.first, "last": self.last,
                "first_time": self.first_time, "last_time": self.last_time,
                "examples": self.head + [_example(*kept) for kept in self.tail], "by": dict(self.by)}


def _example(line: LogLine, fields: dict[str, str], context: Optional[dict[str, Any]],
             source: Optional[str]) -> dict[str, Any]:
    example: dict[str, Any] = {"line": line.number, "text": line.text[:EXAMPLE_TEXT],
                               "time": line.time, "pid": line.pid, "fields": fields}
    if context:
        example["after"] = context
    if source:
        example["source"] = source
    return example


class Around(Protocol):
    """Reads a range of the file around a line (:class:`~wsgidoctor.errorlog.prefilter.NeedleHits`)."""

    def before(self, offset: int, limit: int) -> tuple[bytes, bool]:
        """Up to ``limit`` bytes before ``offset``, and whether they start at the range's start."""

    def after(self, offset: int) -> Optional[tuple[bytes, int]]:
        """Whole lines from ``offset``, each ending with a newline, and how many bytes of the
        file they are; None at the end of the range."""


class LogScanner:
    """Feed it blocks of whole lines (:class:`~wsgidoctor.errorlog.reader.LineBlocks`), then ask
    for :meth:`facts`."""

    def __init__(self, path: Optional[str] = None, first_line: Optional[int] = 1, every_line: bool = False):
        self.path = path
        #: classify every line, not only those holding a needle (short message texts, not files)
        self.every_line = every_line
        #: where the lines being fed come from, when not from ``path`` (kept with each example)
        self.source: Optional[str] = None
        self.numbers_known = first_line is not None
        self.first_line = first_line if first_line is not None else 1
        self.next_line: Optional[int] = self.first_line
        self.lines_clipped = 0
        self.events: dict[str, EventStats] = {}
        self.banner: Optional[dict[str, Any]] = None
        self.startups = 0
        self.restarts = 0
        self.startup_line: Optional[int] = None
        self.last_marker_line: Optional[int] = None
        self.compiled: Optional[tuple[str, str]] = None  # (version, where it was read)
        self.runtime: Optional[tuple[str, str]] = None
        self.command_line: Optional[str] = None
        self.path_config: Optional[dict[str, Any]] = None
        self._dump_budget = 0  # lines of an open path-configuration dump still allowed
        self._exec_failed: dict[Optional[int], tuple[int, str]] = {}  # pid (None: latest) -> (line, script)
        self._prev_tail = b""  # the last CONTEXT_BYTES fed (what a bare line at a block's start follows)
        self._fed = 0  # bytes fed since the scan (or its range) started
        self._peek_command_line = 0  # lines still to look at for the command line after a banner

    # -- blocks -------------------------------------------------------------------------------

    def feed(self, block: Union[bytes, bytearray], size: Optional[int] = None) -> None:
        """Scan one block of whole lines (it must end with a newline): ``block``, or its first
        ``size`` bytes (a reader's buffer, read here and not kept). The block is searched here,
        once per needle (or every line is classified, with ``every_line``)."""
        if size is None:
            size = len(block)
        base = self.next_line
        if base is None:
            raise ValueError("the line number of the block is unknown")
        resume, resume_line = 0, base
        if self._peek_command_line:
            self._command_line(block, 0, base, size)
        if self._dump_budget:
            resume, resume_line = self._read_dump(block, 0, base, size)
        def before(offset: int, limit: int) -> tuple[bytes, bool]:
            return self._before_in_block(block, offset, limit)
        starts: dict[int, None] = {}  # line starts
        find, rfind = block.find, block.rfind
        if self.every_line:
            pos = resume
            while 0 <= pos < size:
                if block[pos] not in (10, 13):  # blank lines mean nothing
                    starts[pos] = None
                pos = find(b"\n", pos) + 1 or -1
        else:
            for needle in NEEDLES:
                i = find(needle, resume, size)
                while i >= 0:
                    end = find(b"\n", i)
                    starts[rfind(b"\n", 0, i) + 1] = None
                    i = find(needle, end, size)
        counted_pos, counted_line = resume, resume_line
        for start in sorted(starts):
            if start < resume:
                continue  # already read as part of a path-configuration dump
            counted_line += block.count(b"\n", counted_pos, start)
            counted_pos = start
            end = find(b"\n", start)
            raw = block[start:end]
            if len(raw) > MAX_LINE:
                raw = raw[:MAX_LINE]
                self.lines_clipped += 1
            follow = self._line(decode_line(raw), counted_line, before, start)
            if follow == "dump":
                resume, resume_line = self._read_dump(block, end + 1, counted_line + 1, size)
                counted_pos, counted_line = resume, resume_line
            elif follow == "banner" and not self.every_line:  # every line is classified anyway
                self._peek_command_line = COMMAND_LINE_AFTER
                self._command_line(block, end + 1, counted_line + 1, size)
        self.next_line = counted_line + block.count(b"\n", counted_pos, size)
        if size >= CONTEXT_BYTES:
            self._prev_tail = bytes(block[size - CONTEXT_BYTES:size])
        else:
            self._prev_tail = (self._prev_tail + bytes(block[:size]))[-CONTEXT_BYTES:]
        self._fed += size

    def _before_in_block(self, block: Union[bytes, bytearray], start: int, limit: int) -> tuple[bytes, bool]:
        """What comes before ``block[start]``, up to ``limit`` bytes (from this block and the
        ones fed before it, of which the last :data:`CONTEXT_BYTES` are kept), and whether that
        starts where the scan started."""
        data = bytes(block[max(0, start - limit):start])
        if len(data) < limit and self._prev_tail:
            data = self._prev_tail[len(data) - limit:] + data
        return data, self._fed + start <= limit

    def start_range(self) -> None:
        """Forget what came before: the next block or line found is the start of a new range
        (what a bare line follows is looked for from there on only)."""
        self._prev_tail, self._fed = b"", 0

    def feed_found(self, raw: bytes, number: int, offset: int, end: int, around: "Around") -> tuple[int, int]:
        """Scan one line holding a needle that a searcher found (:mod:`.prefilter`): its bytes
        (up to MAX_LINE + 1 of them), line number, and the range offsets of its start and end.
        ``around`` reads the range around it where needed. Returns the offset and the number of
        the first line not read yet (after a path-configuration dump, the line that ended it)."""
        if len(raw) > MAX_LINE:
            raw = raw[:MAX_LINE]
            self.lines_clipped += 1
        follow = self._line(decode_line(raw), number, around.before, offset)
        if follow is None:
            return end + 1, number + 1
        return self.read_following(around, end + 1, number + 1)

    def read_following(self, around: "Around", pos: int, number: int) -> tuple[int, int]:
        """Read what a banner (the command line) or the header of a path-configuration dump
        (the dump) is followed by, from range offset ``pos`` (line ``number``). Returns the
        offset and number of the first line not read as part of a dump."""
        if self._peek_command_line:
            window = around.after(pos)
            if window is not None:
                self._command_line(window[0], 0, number, len(window[0]))
            self._peek_command_line = 0  # the few lines after a banner fit in one window
        while self._dump_budget:
            window = around.after(pos)
            if window is None:
                break
            block, covered = window
            at, number = self._read_dump(block, 0, number, len(block))
            if at < len(block):
                return pos + at, number
            pos += covered
        return pos, number

    # -- one interesting line -----------------------------------------------------------------

    def _line(self, text: str, number: int, before: Callable[[int, int], tuple[bytes, bool]],
              offset: int) -> Optional[str]:
        """Classify and record one line, found at ``offset`` (``before`` reads what comes before
        it, see :meth:`_context`).
        Returns what to read next: ``"dump"`` after the header of a path-configuration dump,
        ``"banner"`` after a banner (the command line follows it)."""
        line = parse_line(text, number)
        found = classify(line)
        if found is None:
            return None
        name, fields = found
        if name == "command-line":
            seen = self.events.get("command-line")
            if seen is not None and seen.last == number:
                return None  # already read right after the banner
        context = (self._context(*before(offset, CONTEXT_BYTES), number)
                   if line.bare and name in CONTEXT_EVENTS else None)
        if name not in _NOTED:
            pass  # the common case: only counted
        elif name == "banner":
            self._banner(line, fields)
        elif name == "command-line":  # reached here only when every line is classified
            self.command_line = fields.get("command")
        elif name == "server-restart":
            self.restarts += 1
            self.last_marker_line = number
        elif name == "compiled-for-python":
            self.compiled = (fields.get("version", ""), "log")
        elif name == "runtime-using-python":
            self.runtime = (fields.get("version", ""), "log")
        elif name == "python-version-mismatch":
            self.compiled = (fields.get("compiled", ""), "log")
            self.runtime = (fields.get("runtime", ""), "log")
        elif name == "script-exec-failed":
            if len(self._exec_failed) > 4096:
                self._exec_failed.clear()
            self._exec_failed[line.pid] = self._exec_failed[None] = (number, fields.get("script", ""))
        elif name in ("import-error", "no-module-encodings"):
            # A line without a pid (Apache 2.2 prints none on traceback lines) goes with the
            # latest "Failed to exec" line of any process.
            failed = self._exec_failed.get(line.pid)
            if failed and 0 <= number - failed[0] <= IMPORT_WINDOW:
                fields["script"] = failed[1]
                fields["exec_failed_line"] = str(failed[0])
        stats = self.events.get(name)
        if stats is None:
            stats = self.events[name] = EventStats(TALLY_KEYS.get(name))
        stats.add(line, fields, context, self.source)
        if name not in _FOLLOWED:
            return None
        if name == "python-path-config":
            self.path_config = {"line": number, "after": context, "path": []}
            self._dump_budget = DUMP_LINES
            return "dump"
        return "banner" if name == "banner" else None

    def _command_line(self, block: Union[bytes, bytearray], pos: int, number: int, size: int) -> None:
        """Record ``AH00094: Command line: '...'`` among the few lines from ``pos`` (after a banner)."""
        while self._peek_command_line and pos < size:
            self._peek_command_line -= 1
            end = block.find(b"\n", pos)
            raw = block[pos:end][:MAX_LINE]
            if b"Command line" in raw:
                line = parse_line(decode_line(raw), number)
                found = classify(line)
                seen = self.events.get("command-line")
                if seen is not None and seen.last == number:
                    self._peek_command_line = 0  # already read: it holds a needle itself
                    return
                if found is not None and found[0] == "command-line":
                    self.command_line = found[1].get("command")
                    self.events.setdefault("command-line", EventStats(None)).add(line, found[1], None)
                    self._peek_command_line = 0
                    return
            pos, number = end + 1, number + 1

    def _banner(self, line: LogLine, fields: dict[str, str]) -> None:
        info = bannerlib.parse_description(fields.get("description", ""))
        info.update({"line": line.number, "text": line.text[:EXAMPLE_TEXT], "time": line.time,
                     "code": line.code, "mpm": bannerlib.mpm_of(line.module, line.code)})
        previous = self.banner["line"] if self.banner else None
        if self.last_marker_line is not None and (previous is None or self.last_marker_line > previous):
            self.startup_line = self.last_marker_line + 1
        elif previous is None:
            self.startup_line = self.first_line
        else:
            self.startup_line = line.number
        self.banner = info
        self.startups += 1

    def _context(self, before: bytes, at_start: bool, number: int) -> Optional[dict[str, Any]]:
        """The nearest Apache-prefixed line before a bare one (what the bare line follows), among
        the :data:`CONTEXT_LINES` lines before it that lie wholly within ``before`` (the
        :data:`CONTEXT_BYTES` before it; ``at_start``: they start where the scan started, so
        that their first line is whole). Depends on the file's bytes only, not on how it was read."""
        lo = 0
        if not at_start:
            lo = before.find(b"\n") + 1
            if not lo:
                return None
        end, steps = len(before) - 1, 0  # before[end] is the newline ending the line looked at
        while steps < CONTEXT_LINES and end >= lo:
            begin = max(lo, before.rfind(b"\n", lo, end) + 1)
            steps += 1
            candidate = undecorate(decode_line(before[begin:end][:EXAMPLE_TEXT * 2]))
            if candidate.startswith("["):
                parsed = parse_line(candidate, number - steps)
                if not parsed.bare:
                    return {"line": number - steps, "text": candidate[:EXAMPLE_TEXT]}
            end = begin - 1
        return None

    def _read_dump(self, block: Union[bytes, bytearray], pos: int, number: int, size: int) -> tuple[int, int]:
        """Read path-configuration lines from ``pos``; return where the dump ended (pos, line)."""
        dump = self.path_config if self.path_config is not None else {"path": []}
        while self._dump_budget and pos < size:
            end = block.find(b"\n", pos)
            text = undecorate(decode_line(block[pos:end][:MAX_LINE])).strip()
            m = _DUMP_ENTRY.match(text)
            if m:
                key = _DUMP_KEYS.get(m.group("key"))
                if key:
                    dump[key] = _dump_value(m.group("value"))
            elif text.startswith("'") and len(dump["path"]) < 40:
                dump["path"].append(_dump_value(text.rstrip(",")))
            elif text != "]":
                self._dump_budget = 0
                break
            self._dump_budget -= 1
            pos, number = end + 1, number + 1
        return pos, number

    # -- the result ---------------------------------------------------------------------------

    def facts(self, bytes_read: int = 0, lines_clipped: int = 0) -> dict[str, Any]:
        """The ``errorlog`` facts (documented in docs/errorlog-facts.md)."""
        banner = self.banner
        compiled, runtime = self.compiled, self.runtime
        if banner and banner.get("python_version"):
            if banner.get("python_version_kind") == "compile-time" and compiled is None:
                compiled = (banner["python_version"], "banner")
            elif banner.get("python_version_kind") == "runtime" and runtime is None:
                runtime = (banner["python_version"], "banner")
        lines_read = _known(self.next_line) - self.first_line
        return {
            "path": self.path,
            "lines_read": lines_read,
            "bytes_read": bytes_read,
            "lines_clipped": lines_clipped + self.lines_clipped,
            "first_line": self.first_line if lines_read else None,
            "line_numbers": "absolute" if self.numbers_known else "relative",
            "banner": banner,
            "mpm_from_banner": banner.get("mpm") if banner else None,
            "startups": self.startups,
            "restarts": self.restarts,
            "startup_line": self.startup_line,
            "compiled_python": compiled[0] if compiled else None,
            "compiled_python_source": compiled[1] if compiled else None,
            "runtime_python": runtime[0] if runtime else None,
            "runtime_python_source": runtime[1] if runtime else None,
            "command_line": self.command_line,
            "path_config": self.path_config,
            "events": {name: stats.to_json() for name, stats in sorted(self.events.items())},
        }


def scan_stream(fh: IO[bytes], *, start: int = 0, end: Optional[int] = None,
                first_line: Optional[int] = 1, path: Optional[str] = None,
                skip: Optional[tuple[int, int]] = None, every_line: bool = False) -> dict[str, Any]:
    """Scan ``fh`` from ``start`` to ``end`` and return the ``errorlog`` facts.

    ``skip`` = ``(offset, size)`` leaves out a middle stretch of the range (its newlines are
    still counted, so later line numbers stay right): used for very long tails.
    """
    scanner = LogScanner(path=path, first_line=first_line, every_line=every_line)
    ranges = [(start, end)]
    if skip is not None:
        ranges = [(start, skip[0]), (skip[0] + skip[1], end)]
    total_bytes = clipped = 0
    for index, (a, b) in enumerate(ranges):
        if index:
            scanner.next_line = _known(scanner.next_line) + count_newlines(fh, ranges[0][1] or 0, a)
            scanner._dump_budget = 0
            scanner.start_range()
        searched = None if every_line else NeedleHits.start(fh, a, b, NEEDLES)
        if searched is None:
            read, cut = _scan_blocks(scanner, fh, a, b)
        else:
            with searched:
                read, cut = _scan_found(scanner, searched, fh, a, b)
        total_bytes += read
        clipped += cut
    facts = scanner.facts(bytes_read=total_bytes, lines_clipped=clipped)
    facts["start_offset"] = start
    if skip is not None:
        facts["skipped"] = {"offset": skip[0], "bytes": skip[1]}
    return facts


def _scan_blocks(scanner: LogScanner, fh: IO[bytes], start: int, end: Optional[int]) -> tuple[int, int]:
    """Read and search bytes ``start`` to ``end`` here; returns the bytes read and lines clipped."""
    reader = LineBlocks(fh, start=start, end=end)
    for block, size in reader.buffers():
        scanner.feed(block, size)
    return reader.bytes_read, reader.lines_clipped


def _scan_found(scanner: LogScanner, searched: NeedleHits, fh: IO[bytes], start: int,
                end: Optional[int]) -> tuple[int, int]:
    """Scan the lines a searcher finds in the range from ``start``; where it fails, the rest of
    the range is read here. Returns the bytes read and lines clipped (by the reader, if it ran)."""
    first = _known(scanner.next_line)  # the number of the range's first line
    pos, number = 0, first  # the first line not read yet: range offset, number
    if scanner._peek_command_line or scanner._dump_budget:
        pos, number = scanner.read_following(searched, 0, first)
    for offset, index, raw, line_end in searched.lines():
        if offset >= pos:
            pos, number = scanner.feed_found(raw, first + index, offset, line_end, searched)
    if not searched.failed:
        size = searched.size
        last = searched.before(size, 1)[0]
        scanner.next_line = first + searched.lines_before(size) + (last not in (b"", b"\n"))
        return size, 0
    # The searcher failed: the lines after the last one read are searched here.
    scanner.next_line = number
    scanner._prev_tail, scanner._fed = searched.before(pos, CONTEXT_BYTES)[0], pos
    read, cut = _scan_blocks(scanner, fh, start + pos, end)
    return pos + read, cut


def _known(line: Optional[int]) -> int:
    assert line is not None, "scan_stream sets the line number before it is needed"
    return line
