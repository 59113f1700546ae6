"""Check a JSON document against the report schema, with no third-party library.

The shipped schema (``report-1.schema.json``) uses a small part of JSON Schema 2020-12: ``type``
(one name or a list), ``enum``, ``const``, ``required``, ``properties``, ``additionalProperties``
(a schema), ``items``, ``pattern`` and ``minimum``. :func:`first_error` implements exactly those
(other keywords, such as ``title`` or ``description``, are annotations) and says where the
document first departs from the schema, in words a person can act on. ``jsonschema`` (a test
dependency) is the reference: the test suite checks that both agree.

:func:`nesting_depth` measures a document without recursion, so that a hostile report nested
thousands of levels deep is rejected before anything walks it recursively.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional

_JSON_TYPES = {"object": "an object", "array": "an array", "string": "a string", "integer": "an integer",
               "number": "a number", "boolean": "true or false", "null": "null"}


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    actual = _type_of(value)
    return actual == name or (name == "number" and actual == "integer")


@lru_cache(maxsize=64)
def _pattern(text: str) -> "re.Pattern[str]":
    return re.compile(text)


def _path(parts: list[Any]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the report"


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else _JSON_TYPES[_type_of(value)]
    return text if len(text) <= 40 else text[:37] + "..."


def first_error(document: Any, schema: dict[str, Any]) -> Optional[str]:
    """Where ``document`` first fails ``schema`` ("facts.apache.mpm.name: ..."), or None when it fits."""
    stack: list[tuple[Any, dict[str, Any], list[Any]]] = [(document, schema, [])]
    while stack:
        value, sch, path = stack.pop()
        error = _check(value, sch, path, stack)
        if error is not None:
            return f"{_path(path)}: {error}"
    return None


def _check(value: Any, sch: dict[str, Any], path: list[Any], stack: list) -> Optional[str]:
    types = sch.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is_type(value, t) for t in names):
            wanted = " or ".join(_JSON_TYPES.get(t, t) for t in names)
            return f"should be {wanted}, not {_show(value)}"
    if "const" in sch and not _equal(value, sch["const"]):
        return f"should be {sch['const']!r}, not {_show(value)}"
    if "enum" in sch and not any(_equal(value, e) for e in sch["enum"]):
        return f"should be one of {', '.join('null' if e is None else repr(e) for e in sch['enum'])}; not {_show(value)}"
    if isinstance(value, str) and "pattern" in sch and not _pattern(sch["pattern"]).search(value):
        return f"{_show(value)} does not have the expected form"
    if "minimum" in sch and _type_of(value) in ("integer", "number") and value < sch["minimum"]:
        return f"should be at least {sch['minimum']}, not {_show(value)}"
    if isinstance(value, dict):
        missing = [k for k in sch.get("required", ()) if k not in value]
        if missing:
            return f"the key {missing[0]!r} is missing"
        props = sch.get("properties", {})
        extra = sch.get("additionalProperties")
        for key in reversed(list(value)):
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                stack.append((value[key], sub, path + [key]))
    elif isinstance(value, list) and isinstance(sch.get("items"), dict):
        for i in range(len(value) - 1, -1, -1):
            stack.append((value[i], sch["items"], path + [i]))
    return None


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: ``1 == 1.0`` but ``True != 1``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def nesting_depth(document: Any, stop_at: int = 10_000) -> int:
    """How deeply arrays and objects nest in ``document`` (a scalar is 0), counted up to ``stop_at``."""
    deepest = 0
    stack = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest >= stop_at:
                return deepest
        stack.extend((c, depth) for c in children if isinstance(c, (dict, list)))
    return deepest
