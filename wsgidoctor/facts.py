"""Facts: a nested, JSON-compatible dict, addressed by dotted paths.

The key paths documented in the README (``apache.version``, ``mpm.name``...) are a contract.
A value the input does not show is ``None``; it is never guessed.
"""

from __future__ import annotations

from typing import Any, Mapping

_MISSING = object()


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
    overwrites a value already known: a second source that cannot see a fact does not erase it.
    """
    for key, value in fragment.items():
        current = into.get(key, _MISSING)
        if isinstance(value, Mapping) and isinstance(current, dict):
            merge(current, value)
        elif value is None and current is not _MISSING and current is not None:
            continue
        elif isinstance(value, Mapping):
            into[key] = merge({}, value)
        else:
            into[key] = value
    return into
