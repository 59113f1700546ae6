"""Parsers: pure functions from captured text to a facts fragment.

Each module here defines ``PARSER`` (or ``PARSERS``, a tuple): a :class:`Parser` naming the raw
output ``kind`` it understands, a ``parse(text) -> dict`` and a ``detect(lines) -> float`` used by
``wsgidoctor analyze`` to recognise pasted text. A parser never raises on bad input: it returns
what it could read, with ``None`` for what the text does not show, and may add human-readable
problems under the fragment's ``"_notes"`` key.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, Callable, Optional

from wsgidoctor.model import RawOutput
from wsgidoctor.textnorm import clean_lines, looks_binary


@dataclass(frozen=True)
class Parser:
    """A parser for one kind of raw output."""

    kind: str  # e.g. "httpd-V"
    description: str  # e.g. "httpd -V (build settings)"
    parse: Callable[[str], dict[str, Any]]
    detect: Callable[[list[str]], float]  # confidence 0..1 that these clean lines are this kind
    #: For inputs too large to hold in memory (error logs): parse from a binary file object.
    parse_file: Optional[Callable[[IO[bytes]], dict[str, Any]]] = None


@lru_cache(maxsize=None)
def registry() -> dict[str, Parser]:
    """Every parser in this package, by kind."""
    found: dict[str, Parser] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        items = getattr(module, "PARSERS", None) or (
            (module.PARSER,) if isinstance(getattr(module, "PARSER", None), Parser) else ())
        for p in items:
            found[p.kind] = p
    return found


def parse_raw(item: RawOutput) -> dict[str, Any]:
    """Parse a raw output with the parser for its kind (an empty dict if there is none)."""
    parser = registry().get(item.kind)
    if parser is None:
        return {}
    return safe_parse(parser, item.text)


def safe_parse(parser: Parser, text: str) -> dict[str, Any]:
    """Run a parser; a parser bug becomes a note instead of a traceback."""
    try:
        result = parser.parse(text)
    except Exception as exc:  # noqa: BLE001 - defensive: parsers are fuzzed, but never trust input
        return {"_notes": [f"the {parser.description} parser failed on this input ({type(exc).__name__}: {exc})"]}
    return result if isinstance(result, dict) else {}


def detect_kind(text: str, minimum: float = 0.5) -> Optional[str]:
    """Guess which kind of output ``text`` is; ``None`` when no parser is confident enough."""
    if looks_binary(text):
        return None
    lines = clean_lines(text)
    if not lines:
        return None
    best, best_score = None, minimum
    for kind, parser in registry().items():
        try:
            score = float(parser.detect(lines))
        except Exception:  # noqa: BLE001
            continue
        if score > best_score:
            best, best_score = kind, score
    return best
