"""Parser for APR's ``apr.h`` (or an excerpt of it): which cross-process lock mechanisms APR was
built with (``APR_HAS_*_SERIALIZE``), which one it uses by default (``APR_USE_*_SERIALIZE``) and
whether it has threads.

Produces ``apr.has.{flock,fcntl,sysvsem,posixsem,pthread}``, ``apr.use.{...}`` (bool or null),
``apr.has_threads``, ``apr.use_thread_pthread`` (APR_USE_PTHREAD_SERIALIZE, the in-process thread
mutex), ``apr.other`` for non-standard mechanisms (OpenVMS's VMSDLM, NetWare's RWLOCK) and
``apr.conditional`` for definitions that sit under a condition the parser cannot decide.

The preprocessor is followed as far as it can be without a compiler: comments are dropped,
``#if 0`` … ``#else`` … ``#endif`` (nested, with ``#ifdef``/``#ifndef``/``#elif``) are honoured,
an include guard counts as true, and a definition under any other condition (``#ifdef __VMS``)
is reported but never trusted over an unconditional one. Unsubstituted ``@flockser@`` values of
the ``apr.h.in`` template are unknown, not numbers.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.core.textnorm import clean_lines, decode

#: APR's macro infix → Apache's name for the cross-process mechanism, in the documented order.
MECHANISMS = {"FLOCK": "flock", "FCNTL": "fcntl", "SYSVSEM": "sysvsem", "POSIXSEM": "posixsem",
              "PROC_PTHREAD": "pthread"}

_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"//.*$")
_DIRECTIVE = re.compile(r"^\s*#\s*(?P<kw>if|ifdef|ifndef|elif|else|endif|define)\b\s*(?P<rest>.*?)\s*$")
_DEFINE = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\s+(?P<value>.*?))?\s*$")
_SERIALIZE = re.compile(r"^APR_(?P<kind>HAS|USE)_(?P<mech>\w+?)_SERIALIZE$")
_TEMPLATE = re.compile(r"^@\w+@$")

TRUE, FALSE, UNKNOWN = "true", "false", "unknown"


def _strip_comments(text: str) -> str:
    # Keep the line count so that line numbers stay those of the file.
    return _BLOCK_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _evaluate(kw: str, expr: str, guard: bool) -> str:
    expr = expr.strip()
    if kw in ("if", "elif"):
        if re.fullmatch(r"\(?\s*0+\s*\)?", expr):
            return FALSE
        if re.fullmatch(r"\(?\s*[1-9]\d*\s*\)?", expr):
            return TRUE
        return UNKNOWN
    if kw == "ifndef" and guard:
        return TRUE
    return UNKNOWN


def _value(raw: Optional[str]) -> tuple[Optional[bool], bool]:
    """A macro's value as a bool, and whether it is an unsubstituted template placeholder."""
    value = (raw or "").strip()
    if _TEMPLATE.match(value):
        return None, True
    if re.fullmatch(r"\(?\s*0+\s*\)?", value):
        return False, False
    if re.fullmatch(r"\(?\s*[1-9]\d*\s*\)?", value):
        return True, False
    return None, False


def _definitions(text: str) -> tuple[list[dict[str, Any]], int]:
    """Every ``#define`` with its value, line and the conditions around it; and how many were
    skipped inside false (``#if 0``) blocks."""
    lines = clean_lines(_strip_comments(decode(text)))
    # Join backslash-continued preprocessor lines.
    joined: list[tuple[int, str]] = []
    parts: list[str] = []  # pieces of a continued line (joined once: no quadratic re-copying)
    start = 0
    for number, raw in enumerate(lines, start=1):
        line = _LINE_COMMENT.sub("", raw).rstrip()
        if parts:
            line = line.strip()
        else:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        joined.append((start, " ".join(parts)))
        parts = []
    if parts:
        joined.append((start, " ".join(parts)))

    stack: list[dict[str, Any]] = []  # frames: state, condition text, whether a branch was taken
    found: list[dict[str, Any]] = []
    skipped = 0
    for index, (number, line) in enumerate(joined):
        m = _DIRECTIVE.match(line)
        if not m:
            continue
        kw, rest = m.group("kw"), m.group("rest")
        if kw in ("if", "ifdef", "ifndef"):
            guard = False
            if kw == "ifndef":
                nxt = next((joined[j][1] for j in range(index + 1, len(joined)) if joined[j][1].strip()), "")
                dm = _DIRECTIVE.match(nxt)
                guard = bool(dm and dm.group("kw") == "define" and dm.group("rest").split()[:1] == [rest])
            state = _evaluate(kw, rest, guard)
            cond = f"#{kw} {rest}".strip()
            stack.append({"state": state, "cond": cond, "first": cond,
                          "taken": state == TRUE, "maybe": state == UNKNOWN})
        elif kw in ("elif", "else") and stack:
            # A branch runs only if no earlier one did: definitely not if one was taken, perhaps
            # not if an earlier one depended on a condition we cannot decide.
            top = stack[-1]
            state = _evaluate("if", rest, False) if kw == "elif" else TRUE
            if top["taken"]:
                state = FALSE
            elif top["maybe"] and state == TRUE:
                state = UNKNOWN
            top["taken"] = top["taken"] or state == TRUE
            top["maybe"] = top["maybe"] or state == UNKNOWN
            top["state"] = state
            top["cond"] = f"#elif {rest} after {top['first']}" if kw == "elif" else f"#else of {top['first']}"
        elif kw == "endif" and stack:
            stack.pop()
        elif kw == "define":
            dm = _DEFINE.match(rest)
            if not dm:
                continue
            if any(f["state"] == FALSE for f in stack):
                skipped += 1
                continue
            conditions = [f["cond"] for f in stack if f["state"] == UNKNOWN]
            value, template = _value(dm.group("value"))
            found.append({"name": dm.group("name"), "value": value, "template": template,
                          "line": number, "conditions": conditions})
    return found, skipped


def parse(text: str) -> dict[str, Any]:
    """Parse ``apr.h`` into an ``apr`` facts fragment (see the module docstring)."""
    found, skipped = _definitions(text)
    relevant = [d for d in found if _SERIALIZE.match(d["name"]) or d["name"] == "APR_HAS_THREADS"]
    resolved: dict[str, Optional[bool]] = {}
    conditional: list[dict[str, Any]] = []
    templates = 0
    for d in relevant:
        if d["template"]:
            templates += 1
        if d["conditions"]:
            conditional.append({"name": d["name"], "value": d["value"],
                                "condition": " && ".join(d["conditions"]), "line": d["line"]})
        else:
            resolved[d["name"]] = d["value"]  # the last unconditional definition wins

    def value(name: str) -> Optional[bool]:
        return resolved.get(name)

    apr: dict[str, Any] = {
        "has": {mech: value(f"APR_HAS_{macro}_SERIALIZE") for macro, mech in MECHANISMS.items()},
        "use": {mech: value(f"APR_USE_{macro}_SERIALIZE") for macro, mech in MECHANISMS.items()},
        "has_threads": value("APR_HAS_THREADS"),
        "use_thread_pthread": value("APR_USE_PTHREAD_SERIALIZE"),
        "other": {},
        "conditional": conditional,
        "template": templates > 0,
    }
    for d in relevant:
        m = _SERIALIZE.match(d["name"])
        if not m or m.group("mech") in MECHANISMS or m.group("mech") == "PTHREAD":
            continue
        mech = m.group("mech").lower()
        entry = apr["other"].setdefault(mech, {"has": None, "use": None, "conditional": False})
        if d["conditions"]:
            entry["conditional"] = True
            entry["condition"] = " && ".join(d["conditions"])
        else:
            entry[m.group("kind").lower()] = d["value"]

    notes: list[str] = []
    if templates:
        notes.append("this is the unconfigured apr.h.in template (@...@ placeholders): it says "
                     "nothing about the installed APR; read the generated apr.h instead")
    if skipped:
        notes.append(f"{skipped} #define line(s) inside '#if 0' (or otherwise false) blocks were ignored")
    for c in conditional:
        known = c["name"] in resolved
        notes.append(f"{c['name']} {'is also' if known else 'is only'} defined under '{c['condition']}' "
                     f"(line {c['line']}): {'the unconditional value is used' if known else 'reported, not trusted'}")
    if not relevant:
        notes.append("no APR_*_SERIALIZE or APR_HAS_THREADS definitions found")
    fragment: dict[str, Any] = {"apr": apr}
    if notes:
        fragment["_notes"] = notes
    return fragment


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` are (part of) apr.h."""
    hits = sum(1 for l in lines[:2000] if re.match(r"^\s*#\s*define\s+APR_(?:HAS|USE)_\w+_SERIALIZE\b", l))
    if hits >= 2:
        return 0.95
    if hits == 1 or any(re.match(r"^\s*#\s*define\s+APR_HAS_THREADS\b", l) for l in lines[:2000]):
        return 0.7
    return 0.0


PARSER = Parser(kind="apr.h", description="apr.h (APR build features)", parse=parse, detect=detect)
