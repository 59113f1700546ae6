"""A URL path that a WSGIScriptAliasMatch pattern matches, to predict and ask one such mount.

Builds a short string from the pattern's parse tree (literals as written, one ordinary
character for each class or wildcard, the minimum repeats, the first branch) and keeps it only if
the pattern really matches it. Returns None for what it cannot build (back-references,
lookarounds it cannot satisfy...).
"""

from __future__ import annotations

import re
from typing import Any, Optional

try:  # Python 3.11+
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.9/3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_PREFERRED = "wsgidoctor"


def _char_for(items: Any) -> Optional[str]:
    """One character a character class ([...]) accepts, preferring letters."""
    negate = any(op == _c.NEGATE for op, _ in items)
    allowed: list[str] = []
    excluded: set[str] = set()
    for op, av in items:
        if op == _c.LITERAL:
            if negate:
                excluded.add(chr(av))
            else:
                allowed.append(chr(av))
        elif op == _c.RANGE:
            lo, hi = av
            chars = [chr(c) for c in range(lo, min(hi, lo + 200) + 1)]
            if negate:
                excluded.update(chars)
            else:
                allowed.extend(chars)
        elif op == _c.CATEGORY:
            if av in (_c.CATEGORY_DIGIT,):
                allowed.append("1")
            elif av in (_c.CATEGORY_WORD,):
                allowed.append("a")
            elif av in (_c.CATEGORY_NOT_SPACE, _c.CATEGORY_NOT_DIGIT):
                allowed.append("a")
    if negate:
        for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
            if ch not in excluded:
                return ch
        return None
    letters = [c for c in allowed if c.isalnum()]
    return (letters or allowed or [None])[0]


def _build(tokens: Any, depth: int = 0) -> Optional[str]:
    if depth > 50:
        return None
    out: list[str] = []
    for op, av in tokens:
        if op == _c.LITERAL:
            out.append(chr(av))
        elif op == _c.ANY:
            out.append("a")
        elif op == _c.NOT_LITERAL:
            out.append("b" if av == ord("a") else "a")
        elif op == _c.IN:
            ch = _char_for(av)
            if ch is None:
                return None
            out.append(ch)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, _high, sub = av
            piece = _build(sub, depth + 1)
            if piece is None:
                return None
            # optional word characters are kept once so that "(.*)" still names something
            out.append(piece * (low if low > 0 else (1 if piece.isalnum() else 0)))
        elif op == _c.SUBPATTERN:
            piece = _build(av[-1], depth + 1)
            if piece is None:
                return None
            out.append(piece)
        elif op == _c.BRANCH:
            piece = _build(av[1][0], depth + 1)
            if piece is None:
                return None
            out.append(piece)
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            continue
        else:
            return None
    return "".join(out)


def sample_path(pattern: str) -> Optional[str]:
    """A URL path (starting with '/') that ``pattern`` matches, or None."""
    try:
        tokens = _p.parse(pattern)
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    built = _build(tokens)
    if built is None:
        return None
    candidates = [built, "/" + built.lstrip("/")]
    for candidate in candidates:
        if candidate.startswith("/") and compiled.search(candidate):
            return candidate
    return None
