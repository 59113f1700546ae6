"""Parser for Apache error logs (kind ``errorlog``): pasted excerpts or whole files.

The work is done by :mod:`wsgidoctor.errorlog`; this module adapts it to the parser interface and
recognises a pasted log. A paste is taken for an error log when most of its lines carry Apache's
log prefix, or when it holds lines only an error log has (the start-up banner, mod_wsgi's Python
version warnings, Python's path-configuration dump). Outputs of ``httpd -V``/``-M``/``-t`` and
``ldd`` have their own parsers and are left to them.
"""

from __future__ import annotations

from typing import IO, Any

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.lazyre import lazy_re

_PREFIXED = lazy_re(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:.]+ \d{4}\] \[(?:[\w.-]*:)?[a-z]+\d?\]")
_MARKERS = lazy_re(
    r"configured -- resuming normal operations|mod_wsgi: (?:Compiled for|Runtime using) Python/"
    r"|^Python path configuration:|^Fatal Python error: |mod_wsgi \(pid=\d+\)|WSGI\d{4}: ")
#: Lines that say the text is the output of a command with its own parser.
_OTHER_KINDS = lazy_re(
    r"^(?:Server version: |Server built: |Server's Module Magic Number|Compiled in modules:"
    r"|Loaded Modules:|Syntax OK$|AH00526: Syntax error|\S+\.so(?:\.\S+)? => |\s*linux-vdso)")


#: Confidence for a text that is no log but holds a message the classifier knows (a bare line, a
#: start command's stderr): above "nothing recognised", below every parser sure of its kind.
MESSAGE_FALLBACK = 0.55
#: Pastes up to this size have every line classified (larger ones only lines holding a needle).
EVERY_LINE_LIMIT = 256 << 10


def parse(text: str) -> dict[str, Any]:
    """The ``errorlog`` facts of a pasted log."""
    from wsgidoctor.errorlog import scan_text

    return {"errorlog": scan_text(text, every_line=len(text) <= EVERY_LINE_LIMIT)}


def parse_file(fh: IO[bytes]) -> dict[str, Any]:
    """The ``errorlog`` facts of a log file of any size, streamed with bounded memory."""
    import os

    from wsgidoctor.errorlog import scan_file

    try:
        small = os.fstat(fh.fileno()).st_size <= EVERY_LINE_LIMIT
    except (OSError, AttributeError, ValueError):  # not a real file (a pipe, BytesIO)
        small = False
    return {"errorlog": scan_file(fh, every_line=small)}


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` (cleaned) are an Apache error log."""
    body = [l for l in lines if l.strip()][:400]
    if not body:
        return 0.0
    if any(_OTHER_KINDS.match(l.strip()) for l in body):
        return 0.1
    prefixed = sum(1 for l in body if _PREFIXED.match(l.lstrip()))
    markers = sum(1 for l in body if _MARKERS.search(l))
    score = prefixed / len(body)
    if markers:
        score = max(score, 0.8)
    if prefixed or markers:
        return 0.4 + 0.6 * score
    return MESSAGE_FALLBACK if _any_message(body) else 0.0


def _any_message(lines: list[str]) -> bool:
    """True when the one message classifier recognises any line: such a text is never "nothing to
    analyse", even as a single bare line without Apache's prefix."""
    from wsgidoctor.messages.lines import parse_line
    from wsgidoctor.messages.signatures import classify

    return any(classify(parse_line(line[:4096])) is not None for line in lines[:200])


PARSER = Parser(kind="errorlog", description="Apache error log", parse=parse, detect=detect,
                parse_file=parse_file)
