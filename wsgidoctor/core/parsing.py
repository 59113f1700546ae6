"""Parsers: pure functions from captured text to a facts fragment.

Each parser module of an area defines ``PARSER`` (or ``PARSERS``, a tuple): a :class:`Parser` naming the raw
output ``kind`` it understands, a ``parse(text) -> dict`` and a ``detect(lines) -> float`` used by
``wsgidoctor analyze`` to recognise pasted text. A parser never raises on bad input: it returns
what it could read, with ``None`` for what the text does not show, and may add human-readable
problems under the fragment's ``"_notes"`` key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Callable, Mapping, Optional

from wsgidoctor.core.textnorm import clean_lines, looks_binary


@dataclass(frozen=True)
class Parser:
    """A parser for one kind of raw output."""

    kind: str  # e.g. "httpd-V"
    description: str  # e.g. "httpd -V (build settings)"
    parse: Callable[[str], dict[str, Any]]
    detect: Callable[[list[str]], float]  # confidence 0..1 that these clean lines are this kind
    #: For inputs too large to hold in memory (error logs): parse from a binary file object.
    parse_file: Optional[Callable[[IO[bytes]], dict[str, Any]]] = None
    #: Dotted paths of the list facts that are observations (denials, labels): across the inputs
    #: of one ``analyze`` they add up, where any other fact of a later input replaces an earlier one.
    accumulates: tuple[str, ...] = ()


def safe_parse(parser: Parser, text: str) -> dict[str, Any]:
    """Run a parser; a parser bug becomes a note instead of a traceback."""
    try:
        result = parser.parse(text)
    except Exception as exc:  # noqa: BLE001 - defensive: parsers are fuzzed, but never trust input
        return {"_notes": [f"the {parser.description} parser failed on this input ({type(exc).__name__}: {exc})"]}
    return result if isinstance(result, dict) else {}


def best_kind(registry: Mapping[str, Parser], text: str, minimum: float = 0.5) -> Optional[str]:
    """The kind whose parser is most confident about ``text``; ``None`` below ``minimum``."""
    if looks_binary(text):
        return None
    lines = clean_lines(text)
    if not lines:
        return None
    best, best_score = None, minimum
    for kind, parser in registry.items():
        try:
            score = float(parser.detect(lines))
        except Exception:  # noqa: BLE001
            continue
        if score > best_score:
            best, best_score = kind, score
    return best
