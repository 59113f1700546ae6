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
    """Recognise and parse pasted outputs (httpd -V, -M, ldd, error logs...) and diagnose them."""
    from wsgidoctor.core.parsing import safe_parse
    from wsgidoctor.areas import detect_kind, parsers as registry
    from wsgidoctor.core.textnorm import decode, looks_binary

    report = Report(mode="analyze")
    stdin = stdin if stdin is not None else sys.stdin.buffer
    parsers = registry()
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
            kind = item.kind or detect_kind(decode(head))
            if kind is None or kind not in parsers:
                report.notes.append(f"{label}: not recognised as any output wsgidoctor understands "
                                    f"(known: {', '.join(sorted(parsers))}); use --as KIND to say what it is")
                continue
            parser = parsers[kind]
            stream_parse = getattr(parser, "parse_file", None)
            if stream_parse is not None and fh is not None:
                fh.seek(0)
                fragment = stream_parse(fh)
                text = decode(head[:MAX_RAW_KEEP])
                truncated = True
            else:
                rest = fh.read(MAX_PASTE_BYTES - len(head)) if fh is not None else b""
                text = decode(head + rest)
                truncated = fh is not None and bool(fh.read(1))
                fragment = safe_parse(parser, text)
            recognised += 1
            areas.absorb(report, fragment, ())
            report.raw.append(RawOutput(kind, label, text[:MAX_RAW_KEEP] if truncated else text,
                                        truncated=truncated))
        finally:
            if fh is not None:
                fh.close()
    if not recognised:
        raise InputError("nothing to analyse: " + ("; ".join(report.notes) or "no input"))
    return areas.finish(report, ignore)


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
