"""Build reports: from this machine (probes), from pasted files, or from a saved JSON report.

The three paths end the same way: facts are derived, rules applied, and the report is redacted
if asked. What differs is only where the facts and raw outputs come from.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, Callable, Iterable, Optional

from wsgidoctor.core.errors import InputError
from wsgidoctor.core.model import RawOutput, Report
from wsgidoctor.core.hookspec import Options
from wsgidoctor import areas

#: Pasted inputs larger than this are read only up to it (error logs stream instead).
MAX_PASTE_BYTES = 32 * 1024 * 1024
#: How much of a streamed input is kept as raw text in the report.
MAX_RAW_KEEP = 256 * 1024


def build_live(options: Options, *, ignore: Iterable[str] = (),
               progress: Optional[Callable[[str], None]] = None) -> Report:
    """Probe this machine's Apache and diagnose it."""
    report = areas.collect(options, progress=progress)
    report.mode = "check"
    return areas.finish(report, ignore)


@dataclass
class InputFile:
    """One input for ``analyze``: a path, or ``-`` for standard input."""

    name: str
    kind: Optional[str] = None  # forced kind, else detected


def _read_head(name: str, stdin: IO[bytes]) -> tuple[bytes, Optional[IO[bytes]]]:
    """The first bytes of an input, and an open handle positioned after them (None for stdin)."""
    if name == "-":
        return stdin.read(MAX_PASTE_BYTES), None
    if os.path.isdir(name):
        raise InputError(f"{name}: is a directory, not a file with command output")
    try:
        fh = open(name, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None
    return fh.read(64 * 1024), fh


def build_analyze(inputs: list[InputFile], *, ignore: Iterable[str] = (),
                  stdin: Optional[IO[bytes]] = None) -> Report:
    """Read pasted outputs (httpd -V, -M, ldd, error logs... in any decoration, several in one
    paste), parse each segment, analyse every message line, and diagnose."""
    from wsgidoctor.core.textnorm import looks_binary
    from wsgidoctor.paste.facts import paste_facts
    from wsgidoctor.paste.reader import read_paste

    report = Report(mode="analyze")
    stdin = stdin if stdin is not None else sys.stdin.buffer
    recognised = 0
    for item in inputs:
        head, fh = _read_head(item.name, stdin)
        try:
            label = "standard input" if item.name == "-" else item.name
            if not head.strip():
                report.notes.append(f"{label}: empty, nothing to analyse")
                continue
            if looks_binary(head):
                report.notes.append(f"{label}: binary data, not command output or a log (skipped)")
                continue
            if item.kind is not None and item.kind not in KNOWN_KINDS:
                raise InputError(f"--as {item.kind}: unknown kind (known: {', '.join(sorted(KNOWN_KINDS))})")
            if fh is not None and _is_large_log(head, fh, item.kind):
                recognised += _stream_log(report, fh, head, label)
                continue
            rest = fh.read(MAX_PASTE_BYTES - len(head)) if fh is not None else b""
            if fh is not None and fh.read(1):
                report.notes.append(f"{label}: only the first {MAX_PASTE_BYTES // (1024 * 1024)} MiB were read")
            found = paste_facts(read_paste(head + rest, item.kind), label, forced=item.kind is not None)
            for fragment in found.fragments:
                areas.absorb(report, fragment, ())
            report.raw.extend(found.raw)
            report.notes.extend(found.notes)
            if found.recognised:
                recognised += 1
            else:
                report.notes.append(f"{label}: not recognised: no output or message wsgidoctor understands was found "
                                    f"(known: {', '.join(sorted(KNOWN_KINDS))}); use --as KIND to say what it is")
        finally:
            if fh is not None:
                fh.close()
    if not recognised:
        raise InputError("nothing to analyse: " + ("; ".join(report.notes) or "no input"))
    return areas.finish(report, ignore)


#: What ``analyze --as`` accepts: every kind the paste reader names.
from wsgidoctor.paste.model import KINDS as _PASTE_KINDS  # noqa: E402 - light module, dataclasses only

KNOWN_KINDS = frozenset(_PASTE_KINDS)
#: A log file larger than this is streamed (bounded memory), not read as a paste.
STREAM_ABOVE = 4 * 1024 * 1024


def _is_large_log(head: bytes, fh: IO[bytes], kind: Optional[str]) -> bool:
    """True for a big file that is an error log from its first lines (or said to be one)."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, ValueError):
        return False
    if size <= STREAM_ABOVE:
        return False
    if kind is not None:
        return kind == "errorlog"
    from wsgidoctor.paste.reader import read_paste

    kinds = {s.kind for s in read_paste(head[:256 * 1024]).segments}
    return bool(kinds) and kinds <= {"errorlog", "messages", "traceback"}


def _stream_log(report: Report, fh: IO[bytes], head: bytes, label: str) -> int:
    """Stream a large error log through the error-log analysis; 1 (recognised)."""
    from wsgidoctor.errorlog.parse import parse_file
    from wsgidoctor.core.textnorm import decode

    fh.seek(0)
    areas.absorb(report, parse_file(fh), ())
    report.raw.append(RawOutput("errorlog", label, decode(head[:MAX_RAW_KEEP]), truncated=True))
    return 1


def build_from_json(path: str, *, ignore: Iterable[str] = (), stdin: Optional[IO[bytes]] = None) -> Report:
    """Re-diagnose a saved ``report --json`` with the current parsers and rules."""
    head, fh = _read_head(path, stdin if stdin is not None else sys.stdin.buffer)
    try:
        data_bytes = head + (fh.read(MAX_PASTE_BYTES) if fh is not None else b"")
    finally:
        if fh is not None:
            fh.close()
    try:
        data = json.loads(data_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a wsgidoctor JSON report ({exc})") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise InputError(f"{path}: not a wsgidoctor JSON report (no schema_version)")
    major = str(data["schema_version"]).split(".")[0]
    from wsgidoctor.render.json import SCHEMA_VERSION

    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(f"{path}: report schema {data['schema_version']} is not supported "
                         f"(this wsgidoctor reads {SCHEMA_VERSION.split('.')[0]}.x)")
    report = Report(mode="analyze")
    saved = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    # Facts that came from raw outputs are re-parsed with today's parsers; the rest (read from
    # files and processes on the original machine) are kept as saved.
    report.facts = _drop_derived(saved)
    from wsgidoctor.areas import parsers as registry

    for item in data.get("raw") or []:
        if not isinstance(item, dict):
            continue
        raw = RawOutput.from_json(item)
        parser = registry().get(raw.kind)
        if raw.truncated and parser is not None and parser.parse_file is not None:
            # Only the head of a streamed input (an error log) was kept: re-parsing it would
            # replace the saved whole-file facts with partial ones.
            report.raw.append(raw)
        else:
            areas.absorb(report, {}, [raw])
    report.redaction = data.get("redaction") or report.redaction
    report.notes.append(f"re-diagnosed from {path} (generated {data.get('generated_at') or 'at an unknown time'} "
                        f"by wsgidoctor {((data.get('tool') or {}).get('version')) or '?'})")
    return areas.finish(report, ignore)


def _drop_derived(facts: dict[str, Any]) -> dict[str, Any]:
    """Saved facts minus those the derivations recompute (so new rules see fresh values)."""
    return {k: v for k, v in facts.items() if k not in ("mutex",) and not k.startswith("_")}
