"""A read paste's facts: each structured segment through its area's parser, every message line
through the error-log analysis (the events and rules of :mod:`wsgidoctor.errorlog`).

This is the one place the reader meets the parsers. The message analysis is called through
:func:`analyse_messages` only, so that the one message classifier can replace what is behind it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.core.model import RawOutput
from wsgidoctor.core.parsing import safe_parse
from wsgidoctor.paste.model import KINDS, PARSER_OF, Paste, PasteLine, Segment

#: Kinds of which a paste gives facts once: a second ``-V`` in the same paste (a quoted reply and
#: the poster's own) is kept as raw output but does not mix its facts into the first.
_ONCE = frozenset({"httpd-V", "httpd-v", "httpd-l", "httpd-M", "ldd", "otool-L", "otool-l", "llvm-objdump",
                   "apr.h", "config.nice", "config_vars.mk", "express-startup", "wsgi-environ"})

_CODED = re.compile(r"\b(?:AH\d{5}|WSGI\d{4}):")
#: The reader's own kinds; a registered parser of any other kind (SELinux and AppArmor outputs, a
#: plugin's) is given the paste when its detector recognises it.
_READER_KINDS = frozenset(KINDS) | frozenset(PARSER_OF.values())
#: How sure a detector of another kind must be.
_OTHER_KIND_CONFIDENCE = 0.5


@dataclass
class PasteFacts:
    """What one paste gives: facts fragments in order, raw outputs, notes."""

    fragments: list[dict[str, Any]] = field(default_factory=list)
    raw: list[RawOutput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # kinds of the segments that gave facts
    messages: Optional[dict[str, Any]] = None  # the errorlog facts of the message lines

    coded: bool = False  # a message line carries an Apache (AHnnnnn) or mod_wsgi (WSGInnnn) code

    @property
    def recognised(self) -> bool:
        """True when the paste held any output or message wsgidoctor knows."""
        if self.coded or any(k != "messages" for k in self.kinds):
            return True
        return _says_something(self.messages or {})


def _says_something(facts: dict[str, Any]) -> bool:
    """True when the message analysis recognised anything (an event, a banner, a Python version)."""
    return bool(facts.get("events") or facts.get("banner") or facts.get("compiled_python")
                or facts.get("runtime_python"))


def paste_facts(paste: Paste, label: str, *, forced: bool = False) -> PasteFacts:
    """Parse every segment of ``paste`` and analyse its message lines."""
    from wsgidoctor.areas import parsers

    registry = parsers()
    out = PasteFacts()
    chosen = _chosen_segments(paste.segments)
    configtests = [s for s in paste.segments if s.kind == "httpd-t"]
    for seg in paste.segments:
        parser = registry.get(PARSER_OF.get(seg.kind, seg.kind))
        where = f"{label}:{seg.first_line}" if seg.first_line else label
        if seg.kind != "messages":
            out.kinds.append(seg.kind)
        if parser is None or parser.kind == "errorlog":
            if not seg.is_messages:
                out.raw.append(RawOutput(seg.kind, where, seg.text))
            continue
        out.raw.append(RawOutput(parser.kind, where, seg.text))
        if seg.kind == "httpd-t":
            if seg is configtests[-1]:  # every configtest run of the paste, read as one output
                out.fragments.append(safe_parse(parser, "".join(s.text for s in configtests)))
            continue
        if seg not in chosen:
            out.notes.append(f"{where}: another {parser.description} in the same paste; its facts were not used")
            continue
        fragment = safe_parse(parser, seg.text)
        if seg.kind == "httpd-M":
            _judge_pasted_list(fragment, paste, seg, where, out)
        out.fragments.append(fragment)
    if not forced:
        _other_kinds(paste, registry, label, out)
    if forced and paste.segments and paste.segments[0].kind not in registry and not paste.segments[0].is_messages:
        out.notes.append(f"{label}: no parser reads {paste.segments[0].kind}")
    messages = paste.message_lines() if not forced or paste.segments[0].is_messages else []
    out.coded = any(_CODED.search(line.text) for line in messages)
    if any(line.text.strip() for line in messages):
        facts = analyse_messages(messages, label)
        out.messages = facts
        if _says_something(facts):
            out.fragments.append({"errorlog": facts})
            out.raw.append(RawOutput("errorlog", label, _numbered_text(messages)))
    return out


def _other_kinds(paste: Paste, registry: dict[str, Any], label: str, out: PasteFacts) -> None:
    """Give the paste to each registered parser the reader has no signatures for, when its own
    detector recognises the paste's lines (those parsers skip the lines that are not theirs)."""
    others = [p for kind, p in registry.items() if kind not in _READER_KINDS]
    if not others or not paste.lines:
        return
    texts = [line.text for line in paste.lines]
    for parser in others:
        try:
            sure = parser.detect(texts)
        except Exception:  # noqa: BLE001 - a plugin's detector must not stop the analysis
            continue
        if sure >= _OTHER_KIND_CONFIDENCE:
            text = "\n".join(texts) + "\n"
            out.kinds.append(parser.kind)
            out.raw.append(RawOutput(parser.kind, label, text))
            out.fragments.append(safe_parse(parser, text))


def _judge_pasted_list(fragment: dict[str, Any], paste: Paste, seg: Segment, where: str, out: PasteFacts) -> None:
    """Mark a pasted module list that a person probably cut as not whole (it proves no absence)."""
    from wsgidoctor.apache.parse_httpd_m import pasted_list_cut

    apache = fragment.get("apache")
    if not isinstance(apache, dict):
        return
    after = [line.text for line in paste.lines if line.number > seg.lines[-1].number and line.text.strip()]
    cut = pasted_list_cut(apache, ends_in_open_fence=paste.ends_in_open_fence and paste.ends_with(seg),
                          last_line=after[0] if len(after) == 1 else None)
    if cut:
        apache["modules_truncated"] = True
        apache["modules_cut"] = cut
        out.notes.append(f"{where}: the module list is probably not whole ({cut}): a module it does not "
                         "show may still be loaded")


def _chosen_segments(segments: list[Segment]) -> list[Segment]:
    """Per kind given once, the segment whose facts are used: an unquoted one before a quoted one
    (the poster's own output before the one they reply to), else the last."""
    best: dict[str, Segment] = {}
    for seg in segments:
        if seg.kind not in _ONCE:
            continue
        quoted = all(l.wrapper == "quote" for l in seg.lines)
        held = best.get(seg.kind)
        if held is None or not quoted or all(l.wrapper == "quote" for l in held.lines):
            best[seg.kind] = seg
    return [s for s in segments if s.kind not in _ONCE or best.get(s.kind) is s]


def analyse_messages(lines: list[PasteLine], label: str) -> dict[str, Any]:
    """The message classifier's facts for message lines, numbered as in the paste."""
    from wsgidoctor.errorlog import MessageLine, scan_messages

    return scan_messages((MessageLine(line.text, line.number, label) for line in lines), label)


def _numbered_text(lines: list[PasteLine]) -> str:
    """The lines at their original line numbers (blank lines where other lines were)."""
    out: list[str] = []
    for line in lines:
        while len(out) < line.number - 1:
            out.append("")
        if len(out) == line.number - 1:
            out.append(line.text)
        else:  # a line unwrapped from JSON shares its number: keep it on the next free one
            out.append(line.text)
    return "\n".join(out) + "\n"
