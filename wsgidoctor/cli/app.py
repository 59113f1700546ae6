"""Build reports: from this machine (probes), from pasted files, or from a saved JSON report.

The three paths end the same way: facts are derived, rules applied, and the report is redacted
if asked. What differs is only where the facts and raw outputs come from.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.errors import InputError
from wsgidoctor.core.lazyre import lazy_re
from wsgidoctor.core.model import RawOutput, Report
from wsgidoctor.core.hookspec import Options
from wsgidoctor import areas

if TYPE_CHECKING:
    from wsgidoctor.cli.inputs import OpenedInput

#: Pasted inputs larger than this are read only up to it (error logs stream instead).
MAX_PASTE_BYTES = 32 * 1024 * 1024
#: How much of a streamed input is kept as raw text in the report.
MAX_RAW_KEEP = 256 * 1024


def build_live(options: Options, *, ignore: Iterable[str] = (),
               progress: Optional[Callable[[str], None]] = None, preload: tuple[str, ...] = ()) -> Report:
    """Probe this machine's Apache and diagnose it (``preload``: modules the caller needs next)."""
    report = areas.collect(options, progress=progress, preload=preload)
    report.mode = "check"
    return areas.finish(report, ignore)


@dataclass
class InputFile:
    """One input for ``analyze``: a path, or ``-`` for standard input."""

    name: str
    kind: Optional[str] = None  # forced kind, else detected


def build_analyze(inputs: list[InputFile], *, ignore: Iterable[str] = (),
                  stdin: Optional[IO[bytes]] = None) -> Report:
    """Read pasted outputs (httpd -V, -M, ldd, error logs... in any decoration, several in one
    paste), parse each segment, analyse every message line, and diagnose."""
    return areas.finish(gather_analyze(inputs, stdin=stdin), ignore)


def gather_analyze(inputs: list[InputFile], *, stdin: Optional[IO[bytes]] = None) -> Report:
    """The facts, raw outputs and notes of pasted outputs, not yet derived from nor diagnosed."""
    from wsgidoctor.cli.inputs import open_input

    report = Report(mode="analyze")
    stdin = stdin if stdin is not None else sys.stdin.buffer
    recognised = 0
    for item in inputs:
        if item.kind is not None and item.kind not in known_kinds():
            raise InputError(f"--as {item.kind}: unknown kind (known: {', '.join(sorted(known_kinds()))})")
        opened = open_input(item.name, stdin)
        try:
            recognised += _analyse_input(report, opened, item.kind)
        finally:
            opened.close()
    if not recognised:
        raise InputError("nothing to analyse: " + ("; ".join(report.notes) or "no input"))
    return report


def _analyse_input(report: Report, opened: "OpenedInput", kind: Optional[str]) -> int:
    """Add one opened input's facts, raw text and notes to ``report``; 1 when something was recognised.

    An error log larger than :data:`STREAM_ABOVE` (a file or standard input alike) is streamed
    through the error-log analysis with bounded memory; anything else is read as a paste (up to
    :data:`MAX_PASTE_BYTES`) and split into segments by the paste reader.
    """
    from wsgidoctor.cli.inputs import prepend, without_partial_character
    from wsgidoctor.core.textnorm import looks_binary
    from wsgidoctor.paste.facts import paste_facts
    from wsgidoctor.paste.reader import read_paste

    label, head = opened.label, opened.head
    if not head.strip():
        report.notes.append(f"{label}: empty, nothing to analyse")
        return 0
    if looks_binary(head):
        report.notes.append(f"{label}: binary data, not command output or a log (skipped)")
        return 0
    if opened.encoding:
        report.notes.append(f"{label}: read as {opened.encoding.upper()} text")
    data = opened.stream.read(STREAM_ABOVE + 1)
    if len(data) > STREAM_ABOVE and _is_log(data, kind):
        stream = opened.stream if opened.rewindable() else prepend(data, opened.stream)
        from wsgidoctor.errorlog.parse import parse_file

        areas.absorb(report, parse_file(stream), ())
        text = without_partial_character(data[:MAX_RAW_KEEP]).decode("utf-8", "replace")
        report.raw.append(RawOutput("errorlog", label, text, truncated=True))
        return 1
    if len(data) > STREAM_ABOVE:  # more to come
        data += opened.stream.read(max(0, MAX_PASTE_BYTES + 1 - len(data)))
    cut = len(data) > MAX_PASTE_BYTES
    if cut:
        report.notes.append(f"{label}: only its first {MAX_PASTE_BYTES // (1024 * 1024)} MiB were read "
                            "(command output is never that long: is it the right input?)")
        data = without_partial_character(data[:MAX_PASTE_BYTES])
    found = paste_facts(read_paste(data, kind), label, forced=kind is not None)
    for fragment in found.fragments:
        areas.absorb(report, with_earlier_observations(report.facts, fragment), ())
    raw = list(found.raw)
    if cut and raw:  # the last segment ends where reading stopped
        raw[-1] = dataclasses.replace(raw[-1], truncated=True)
    report.raw.extend(raw)
    report.notes.extend(found.notes)
    if found.recognised:
        return 1
    report.notes.append(f"{label}: not recognised: no output or message wsgidoctor understands was found "
                        f"(known: {', '.join(sorted(known_kinds()))}); use --as KIND to say what it is")
    return 0


def with_earlier_observations(facts: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """``fragment`` with the observations earlier inputs gave put before its own (the lists a parser
    ``accumulates``: two audit logs' denials are both kept, where merging would keep the last's)."""
    for path in sorted({p for parser in areas.parsers().values() for p in parser.accumulates}):
        earlier, later = F.get(facts, path), F.get(fragment, path)
        if isinstance(earlier, list) and earlier and isinstance(later, list):
            seen = {_key(item) for item in earlier}
            F.set_path(fragment, path, earlier + [item for item in later if _key(item) not in seen])
    return fragment


def _key(item: Any) -> str:
    """A hashable identity of an observation (a denial seen in two inputs is one denial)."""
    return json.dumps(item, sort_keys=True, default=str)


def known_kinds() -> frozenset[str]:
    """What ``analyze --as`` accepts: every kind the paste reader names and every registered parser's."""
    from wsgidoctor.areas import parsers
    from wsgidoctor.paste.model import KINDS as paste_kinds

    return frozenset(paste_kinds) | frozenset(parsers())


#: An error log larger than this is streamed (bounded memory), not read as a paste.
STREAM_ABOVE = 4 * 1024 * 1024


def _is_log(data: bytes, kind: Optional[str]) -> bool:
    """True when ``data`` (the first bytes of a big input) is an error log, or is said to be one."""
    if kind is not None:
        return kind == "errorlog"
    from wsgidoctor.paste.reader import read_paste

    kinds = {s.kind for s in read_paste(data[:256 * 1024]).segments}
    return bool(kinds) and kinds <= {"errorlog", "messages", "traceback"}


#: A saved report larger than this is refused: real ones are a few MB (raw outputs are capped).
MAX_REPORT_BYTES = 64 * 1024 * 1024
#: Arrays and objects nested deeper than this are refused: real reports nest about a dozen deep.
MAX_REPORT_DEPTH = 64


def _read_report_bytes(path: str, stdin: IO[bytes]) -> bytes:
    """The bytes of a saved report (``-``: standard input), refusing one over :data:`MAX_REPORT_BYTES`."""
    limit_mb = MAX_REPORT_BYTES // (1024 * 1024)
    if path == "-":
        data = stdin.read(MAX_REPORT_BYTES + 1)
        if len(data) > MAX_REPORT_BYTES:
            raise InputError(f"standard input: more than {limit_mb} MiB; a wsgidoctor JSON report is "
                             f"at most {limit_mb} MiB (its raw outputs are capped), so this is not one")
        return data
    from wsgidoctor.cli.inputs import open_path

    fh = open_path(path)
    try:
        size = os.fstat(fh.fileno()).st_size
        if size > MAX_REPORT_BYTES:
            raise InputError(f"{path}: {size / (1024 * 1024):.0f} MiB; a wsgidoctor JSON report is at most "
                             f"{limit_mb} MiB (its raw outputs are capped), so this is not one")
        data = fh.read(MAX_REPORT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    finally:
        fh.close()
    if len(data) > MAX_REPORT_BYTES:  # a FIFO or a file that grew while read
        raise InputError(f"{path}: more than {limit_mb} MiB; a wsgidoctor JSON report is at most {limit_mb} MiB")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large for a number (Infinity is not a JSON number)")
    return value


def load_saved_report(path: str, stdin: Optional[IO[bytes]] = None) -> dict[str, Any]:
    """A saved ``report --json``, parsed and checked against the shipped schema.

    Raises :class:`InputError` saying what is wrong (size, encoding, JSON syntax, nesting, schema
    version, the first place where it departs from the schema) for anything else.
    """
    from wsgidoctor.render.json import SCHEMA_VERSION, schema
    from wsgidoctor.schema.validate import first_error, nesting_depth

    label = "standard input" if path == "-" else path
    data_bytes = _read_report_bytes(path, stdin if stdin is not None else sys.stdin.buffer)
    try:
        text = data_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not a wsgidoctor JSON report (not UTF-8 text: byte {exc.start})") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: not a wsgidoctor JSON report ({exc})") from None
    except RecursionError:
        raise InputError(f"{label}: not a wsgidoctor JSON report (nested too deeply to read)") from None
    except ValueError as exc:  # NaN/Infinity, or an integer of thousands of digits
        raise InputError(f"{label}: not a wsgidoctor JSON report ({exc})") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise InputError(f"{label}: not a wsgidoctor JSON report (no schema_version)")
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{label}: report schema {str(data['schema_version'])[:40]!r} is not supported "
                         f"(this wsgidoctor reads {SCHEMA_VERSION.split('.')[0]}.x)")
    depth = nesting_depth(data, stop_at=MAX_REPORT_DEPTH + 1)
    if depth > MAX_REPORT_DEPTH:
        raise InputError(f"{label}: not a wsgidoctor JSON report (nested more than {MAX_REPORT_DEPTH} levels deep)")
    error = first_error(data, schema())
    if error is not None:
        raise InputError(f"{label}: does not fit the wsgidoctor report schema {SCHEMA_VERSION}: {error}")
    if _LONE_SURROGATE_ESCAPE.search(text):
        data = _without_lone_surrogates(data)
    return data


#: ``\udc80``-style escapes: JSON can carry half of a UTF-16 pair, which no output can encode.
_LONE_SURROGATE_ESCAPE = lazy_re(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _without_lone_surrogates(node: Any) -> Any:
    """``node`` with every unpaired surrogate in its strings (keys too) replaced by U+FFFD."""
    def fix(text: str) -> str:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    root: list[Any] = [node]
    stack: list[tuple[Any, Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        value = parent[key]
        if isinstance(value, str):
            parent[key] = fix(value)
        elif isinstance(value, list):
            stack.extend((value, i) for i in range(len(value)))
        elif isinstance(value, dict):
            fixed = {fix(k) if isinstance(k, str) else k: v for k, v in value.items()}
            parent[key] = fixed
            stack.extend((fixed, k) for k in fixed)
    return root[0]


def build_from_json(path: str, *, ignore: Iterable[str] = (), stdin: Optional[IO[bytes]] = None) -> Report:
    """Re-diagnose a saved ``report --json`` with the current parsers and rules."""
    data = load_saved_report(path, stdin)
    report = Report(mode="analyze")
    # Facts that came from raw outputs are re-parsed with today's parsers; the rest (read from
    # files and processes on the original machine) are kept as saved.
    report.facts = _drop_derived(data["facts"])
    from wsgidoctor.areas import parsers as registry

    for item in data["raw"]:
        raw = RawOutput.from_json(item)
        parser = registry().get(raw.kind)
        if raw.truncated and parser is not None and parser.parse_file is not None:
            # Only the head of a streamed input (an error log) was kept: re-parsing it would
            # replace the saved whole-file facts with partial ones.
            report.raw.append(raw)
        else:
            areas.absorb(report, {}, [raw])
    report.redaction = data["redaction"]
    report.notes.append(f"re-diagnosed from {path} (generated {data['generated_at'] or 'at an unknown time'} "
                        f"by wsgidoctor {data['tool']['version'] or '?'})")
    return areas.finish(report, ignore)


def _drop_derived(facts: dict[str, Any]) -> dict[str, Any]:
    """Saved facts minus those the derivations recompute (so new rules see fresh values)."""
    return {k: v for k, v in facts.items() if k not in ("mutex", "incomplete") and not k.startswith("_")}
