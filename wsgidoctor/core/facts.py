"""Facts: a nested, JSON-compatible dict, addressed by dotted paths.

The key paths documented in the README (``apache.version``, ``mpm.name``...) are a contract.
A value the input does not show is ``None``; it is never guessed.
"""

from __future__ import annotations

from typing import Any, Mapping

_MISSING = object()

#: Facts shaped ``{"value": ..., "source": ...}`` say how they were learnt. A fact from a stronger
#: source is never replaced by one from a weaker source, whichever probe finishes last: what the
#: real server answered beats the hosting program's emulation, which beats a prediction.
SOURCE_RANK = {"predicted": 0, "emulated": 1, "live": 2}


def get(facts: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """Return the value at dotted ``path`` (``"apache.mpm.name"``), or ``default``."""
    node: Any = facts
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return default
        node = node.get(part, _MISSING)
        if node is _MISSING:
            return default
    return node


def set_path(facts: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at dotted ``path``, creating the dicts on the way."""
    parts = path.split(".")
    node = facts
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def merge(into: dict[str, Any], fragment: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``fragment`` into ``into`` and return it.

    Dicts merge key by key. For any other value the fragment wins, except that ``None`` never
    overwrites a value already known (a second source that cannot see a fact does not erase it),
    and a ``{value, source}`` fact never replaces one from a stronger source (SOURCE_RANK).
    """
    for key, value in fragment.items():
        current = into.get(key, _MISSING)
        if _weaker(value, current):
            continue
        if isinstance(value, Mapping) and isinstance(current, dict) and not _sourced(value):
            merge(current, value)
        elif value is None and current is not _MISSING and current is not None:
            continue
        elif isinstance(value, Mapping):
            into[key] = merge({}, value)
        else:
            into[key] = value
    return into


def overlay(base: Mapping[str, Any], fragment: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: ``base`` with ``fragment`` laid over it; neither is changed.

    Dicts are overlaid key by key; any other value of the fragment (``None`` included) replaces
    the base's. Only the dicts on the fragment's paths are copied: the rest is shared with
    ``base``. This is how derived facts join gathered ones without writing into them.
    """
    out = dict(base)
    for key, value in fragment.items():
        current = out.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            out[key] = overlay(current, value)
        else:
            out[key] = value
    return out


def _sourced(value: Any) -> bool:
    return isinstance(value, Mapping) and "value" in value and value.get("source") in SOURCE_RANK


def _weaker(new: Any, current: Any) -> bool:
    """True when ``new`` comes from a weaker source than ``current`` (see SOURCE_RANK)."""
    return (_sourced(new) and _sourced(current)
            and SOURCE_RANK[new["source"]] < SOURCE_RANK[current["source"]])
