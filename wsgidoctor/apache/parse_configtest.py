"""Parser for ``httpd -t`` / ``apachectl configtest`` results and the errors httpd prints when it
cannot read its configuration (also used by the ``-M`` and ``-V`` parsers).

Produces ``apache.configtest{ok, errors[{file, line, message, directive, included_from, event,
fields}],
mutex_mechanisms{acceptmutex, wsgiacceptmutex, mutex}}`` and ``apache.startup_warnings``.

Understands the 2.2 (``Syntax error on line N of F:``) and 2.4 (``AH00526: ...``) forms, the
one-line form with a program prefix and nested Include chains (``httpd: Syntax error on line 56
of httpd.conf: Syntax error on line 1 of wsgi.conf: Cannot load ...``), cPanel/WHM's
"Configuration problem detected on line N of file F" with its ``===>`` context marker, journald
prefixes, and the `` \\`` line continuations documentation authors add to long messages.

The mechanism lists come from the three wordings (see fixtures/corpus/SOURCES.md, Appendix):
2.2 ``AcceptMutex`` ("Valid accept mutexes for this platform and MPM are: ..."), mod_wsgi's
``WSGIAcceptMutex`` ("Valid accept mutex mechanisms for this platform are: ...") and 2.4's
``Mutex`` ("Mutex mechanisms are: 'none', 'default', 'flock:/path/to/file', ...").

Each error's message goes through the one message classifier (:mod:`wsgidoctor.messages`):
``event`` and ``fields`` are what an error-log line with that message would give, so the rules
explain it the same way wherever it was seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.apache.text import (
    has_log_prefix, is_startup_warning, join_wrapped, strip_decoration, strip_log_prefix)
from wsgidoctor.core.textnorm import clean_lines
from wsgidoctor.messages.lines import parse_line
from wsgidoctor.messages.signatures import classify
from wsgidoctor.core.lazyre import lazy_re

_SYNTAX_HEAD = lazy_re(
    r"^(?:(?P<prog>[^\s:]+): )?(?:AH\d{5}: )?Syntax error on line (?P<line>\d+) of "
    r"(?P<file>.+?):(?:\s+(?P<msg>.*))?$", re.I)
_WRAPPED_HEAD = lazy_re(r"Syntax error on line \d+ of\s*$", re.I)
_NESTED = lazy_re(r"^Syntax error on line (?P<line>\d+) of (?P<file>.+?):\s+(?P<msg>.*)$", re.I)
_CPANEL = lazy_re(r"^Configuration problem detected on line (?P<line>\d+) of file "
                  r"(?P<file>.+?):\s*(?P<msg>.*)$", re.I)
_CPANEL_MARK = lazy_re(r"^\d+\s*===>\s*(?P<text>.*?)\s*<===\s*$")
_CONTEXT_FENCE = lazy_re(r"^---\s.*\s---$")
_INVALID_COMMAND = lazy_re(r"Invalid command '(?P<name>[^']+)'")
_GENERIC_ERROR = lazy_re(
    r"^(?:(?:AH\d{5}: )?(?:[^\s:]+: )?)?(?P<msg>(?:Configuration error: .*|Could not open configuration "
    r"file .*|Invalid command '.*))$", re.I)
_OPEN_CONF = lazy_re(r"Could not open configuration file (?P<file>\S+?):")
_SYNTAX_OK = lazy_re(r"^Syntax OK$", re.I)
_FAILED = lazy_re(r"Action '(?:configtest|start|restart|graceful)' failed|configtest failed", re.I)
_RECORD_START = lazy_re(
    r"^(?:AH\d{5}:|(?:[^\s:]+: )?Syntax error on line|Syntax OK|Action '|The Apache error log|"
    r"Configuration problem detected|Loaded Modules:)", re.I)

_ACCEPTMUTEX_LIST = lazy_re(r"Valid accept mutexes for this platform(?: and MPM)? are:\s*(?P<list>[^.]*)", re.I)
_WSGI_LIST = lazy_re(r"Valid accept mutex mechanisms for this platform are:\s*(?P<list>[^.]*)", re.I)
_MUTEX_LIST = lazy_re(r"Mutex mechanisms are:\s*(?P<list>[^)]*)", re.I)

#: Messages that name the directive they are about, for errors whose message does not start
#: with the directive's name.
_MESSAGE_DIRECTIVES = (
    (lazy_re(r"^Invalid Mutex |^Mutex type \S+ is not valid|^Mutex requires|"
             r"^None is not allowed for mutex type", re.I), "Mutex"),
    (lazy_re(r"is an invalid mutex mechanism|^Invalid AcceptMutex", re.I), "AcceptMutex"),
    (lazy_re(r"^Accept mutex lock mechanism '", re.I), "WSGIAcceptMutex"),
    (lazy_re(r"^Cannot load .* into server", re.I), "LoadModule"),
    (lazy_re(r"^Name duplicates previous WSGI daemon definition", re.I), "WSGIDaemonProcess"),
)
#: "WSGIPythonHome cannot occur within <VirtualHost> section", "Listen takes one argument, ..."
_LEADING_DIRECTIVE = lazy_re(
    r"^(?P<name>[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*) (?:takes|cannot occur|not allowed|requires|"
    r"must |only |directive )")


@dataclass
class Analysis:
    """What :func:`analyse` found in a run of httpd output lines."""

    ok: Optional[bool] = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    mechanisms: dict[str, Optional[list[str]]] = field(
        default_factory=lambda: {"acceptmutex": None, "wsgiacceptmutex": None, "mutex": None})
    warnings: list[str] = field(default_factory=list)
    syntax_ok: bool = False
    failed: bool = False
    #: indexes (into the lines given) of every line that belonged to an error record
    consumed: set[int] = field(default_factory=set)

    def configtest(self) -> dict[str, Any]:
        return {"ok": self.ok, "errors": self.errors, "mutex_mechanisms": self.mechanisms}


def mechanism_list(raw: str) -> list[str]:
    """``"'none', 'default', 'flock:/path/to/file', 'sem'"`` → ``["none", "default", "flock", "sem"]``."""
    out = []
    for item in raw.split(","):
        name = item.strip().strip("'\"").split(":", 1)[0].strip().lower()
        if re.fullmatch(r"[a-z_]+", name) and name not in out:
            out.append(name)
    return out


def directive_of(message: str) -> Optional[str]:
    """The configuration directive an error message is about, when the message says."""
    m = _INVALID_COMMAND.search(message)
    if m:
        return m.group("name")
    for pattern, name in _MESSAGE_DIRECTIVES:
        if pattern.search(message):
            return name
    m = _LEADING_DIRECTIVE.match(message)
    return m.group("name") if m else None


def _error(file: Optional[str], line: Optional[int], message: str,
           chain: Optional[list[dict[str, Any]]] = None, directive: Optional[str] = None) -> dict[str, Any]:
    message = message.strip()
    included_from = list(chain or [])
    while True:  # unwrap Include chains: the innermost file and line are where the error is
        m = _NESTED.match(message)
        if not m:
            break
        if file is not None:
            included_from.append({"file": file, "line": line})
        file, line, message = m.group("file"), int(m.group("line")), m.group("msg").strip()
    where = f"Syntax error on line {line} of {file}: " if file and line else ""
    found = classify(parse_line(where + message))
    return {"file": file, "line": line, "message": message,
            "directive": directive or directive_of(message), "included_from": included_from,
            "event": found[0] if found else None, "fields": found[1] if found else {}}


def _collect_mechanisms(text: str, into: dict[str, Optional[list[str]]]) -> None:
    m = _WSGI_LIST.search(text)
    if m:
        into["wsgiacceptmutex"] = mechanism_list(m.group("list"))
    m = _ACCEPTMUTEX_LIST.search(text)
    if m:
        into["acceptmutex"] = mechanism_list(m.group("list"))
    m = _MUTEX_LIST.search(text)
    if m:
        # 2.3-dev's "Invalid AcceptMutex argument x (Mutex mechanisms are: ...)" lists AcceptMutex's.
        key = "acceptmutex" if re.search(r"AcceptMutex", text[:m.start()]) else "mutex"
        into[key] = mechanism_list(m.group("list"))


def analyse(lines: list[str]) -> Analysis:
    """Find configtest results, errors, mechanism lists and warnings in clean output lines."""
    result = Analysis()
    logical = join_wrapped(lines)  # (first line number, text) with " \\" continuations joined
    texts = [strip_log_prefix(strip_decoration(t)) for _, t in logical]
    for k in range(len(texts) - 1):  # "Syntax error on line 36 of" / "/etc/x.conf:" wrapped apart
        if _WRAPPED_HEAD.search(texts[k]) and texts[k + 1].endswith(":") and " " not in texts[k + 1].strip():
            texts[k], texts[k + 1] = f"{texts[k].rstrip()} {texts[k + 1].strip()}", ""
    raw_indent = [bool(t) and t[:1].isspace() for _, t in logical]
    i = 0
    n = len(texts)
    last_warning: Optional[int] = None
    while i < n:
        text = texts[i]
        start = i
        if not text:
            i += 1
            last_warning = None
            continue
        m = _SYNTAX_HEAD.match(text)
        if m:
            message = (m.group("msg") or "").strip()
            j = i + 1
            if not message:
                while j < n and not texts[j]:
                    j += 1
                if j < n and not _RECORD_START.match(texts[j]):
                    message = texts[j]
                    j += 1
            while j < n and texts[j] and raw_indent[j] and not _RECORD_START.match(texts[j]):
                message += " " + texts[j]  # a hard-wrapped message
                j += 1
            result.errors.append(_error(m.group("file"), int(m.group("line")), message))
            result.consumed.update(range(start, j))
            i = j
            last_warning = None
            continue
        m = _CPANEL.match(text)
        if m:
            directive = None
            j = i + 1
            fences = 0
            while j < n and fences < 2:
                t = texts[j]
                if _CONTEXT_FENCE.match(t):
                    fences += 1
                elif t and fences == 0 and not re.match(r"^\d+", t) and j > i + 1:
                    break
                mark = _CPANEL_MARK.match(t)
                if mark and mark.group("text"):
                    directive = mark.group("text").split()[0]
                j += 1
            result.errors.append(_error(m.group("file"), int(m.group("line")), m.group("msg"),
                                        directive=directive_of(m.group("msg")) or directive))
            result.consumed.update(range(start, j))
            i = j
            continue
        m = _GENERIC_ERROR.match(text)
        if m:
            msg = m.group("msg")
            opened = _OPEN_CONF.search(msg)
            result.errors.append(_error(opened.group("file") if opened else None, None, msg))
            result.consumed.add(i)
            i += 1
            continue
        if _SYNTAX_OK.match(text):
            result.syntax_ok = True
            result.consumed.add(i)
        elif _FAILED.search(text):
            result.failed = True
            result.consumed.add(i)
        elif raw_indent[i] and last_warning is not None:
            result.warnings[last_warning] += " " + text  # a hard-wrapped warning
            result.consumed.add(i)
            i += 1
            continue
        elif is_startup_warning(logical[i][1]):
            result.warnings.append(text)
            last_warning = len(result.warnings) - 1
            result.consumed.add(i)
            i += 1
            continue
        _collect_mechanisms(text, result.mechanisms)  # a list pasted on its own
        last_warning = None
        i += 1
    for err in result.errors:
        _collect_mechanisms(err["message"], result.mechanisms)
    if result.errors or result.failed:
        result.ok = False
    elif result.syntax_ok:
        result.ok = True
    # Map consumed logical indexes back onto the caller's physical line indexes.
    physical: set[int] = set()
    bounds = [number for number, _ in logical] + [len(lines) + 1]
    for index in result.consumed:
        physical.update(range(bounds[index] - 1, bounds[index + 1] - 1))
    result.consumed = physical
    return result


def parse(text: str) -> dict[str, Any]:
    """Parse configtest output into ``apache.configtest`` and ``apache.startup_warnings``."""
    analysis = analyse(clean_lines(text))
    apache: dict[str, Any] = {"configtest": analysis.configtest()}
    if analysis.warnings:
        apache["startup_warnings"] = analysis.warnings
    fragment: dict[str, Any] = {"apache": apache}
    if analysis.ok is None:
        fragment["_notes"] = ["the configtest output shows neither 'Syntax OK' nor an error"]
    return fragment


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` are configtest output (and not -M, -V or an error log)."""
    cleaned = [strip_decoration(l) for l in lines[:400] if l.strip()]
    if not cleaned:
        return 0.0
    if any(l.startswith("Loaded Modules:") or l.startswith("Server version:") for l in cleaned):
        return 0.2
    if sum(1 for l in cleaned if re.match(r"^\w+_module \((?:static|shared)\)$", l)) >= 2:
        return 0.2
    logged = sum(1 for l in cleaned if has_log_prefix(l))
    score = 0.0
    for raw in cleaned:
        line = strip_log_prefix(raw)
        if _SYNTAX_HEAD.match(line) or _CPANEL.match(line) or _SYNTAX_OK.match(line):
            score = max(score, 0.9)
        elif _FAILED.search(line) or _WSGI_LIST.search(line) or _ACCEPTMUTEX_LIST.search(line):
            score = max(score, 0.85)
        elif _INVALID_COMMAND.search(line) or _MUTEX_LIST.search(line) or _GENERIC_ERROR.match(line):
            score = max(score, 0.7)
        elif re.search(r"\bAH00558\b", line):
            score = max(score, 0.55)
    if logged > len(cleaned) / 2:  # mostly timestamped lines: an error log, not a configtest
        score = min(score, 0.3)
    return score


PARSER = Parser(kind="httpd-t", description="httpd -t (configuration test)", parse=parse, detect=detect)
