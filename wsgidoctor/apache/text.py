"""Helpers shared by the Apache output parsers (``httpd -V``, ``-l``, ``-M``, configtest).

Not a parser itself (the leading underscore keeps it out of the parser registry). Everything
here is pure and never raises on odd input.
"""

from __future__ import annotations

import re
from typing import Optional

#: A markdown list marker left in front of a line, even when followed by several spaces
#: (``textnorm.clean_lines`` only removes ``"* "`` followed directly by text).
_LOOSE_BULLET = re.compile(r"^\s*[*+•]\s+")
#: ``[Sun Nov 22 16:30:52.653227 2026] [core:warn] [pid 3553:tid 3553] `` and the 2.2 form
#: ``[Sun Nov 22 16:30:52 2026] [warn] ``: an error-log prefix in front of a startup message.
_LOG_PREFIX = re.compile(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:.]+ \d{4}\](?: \[[^\]]*\])*\s*")
#: A syslog/journald prefix (``Aug 13 08:51:29 host apache2[20739]: ``). clean_lines removes it
#: too, but not when it follows a quote marker ("> Aug 13 ..."), as in quoted pastes.
_JOURNAL = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?: ")
#: A message id such as ``AH00558``.
_AH_CODE = re.compile(r"\bAH\d{5}\b")

#: MPM names as ``httpd -V`` prints them (any case) or as the ``-l`` file / ``-M`` module is
#: named, mapped to wsgidoctor's lower-case spelling.
MPM_ALIASES = {
    "prefork": "prefork",
    "worker": "worker",
    "event": "event",
    "winnt": "winnt",
    "mpm_winnt": "winnt",
    "netware": "netware",
    "mpmt_os2": "mpmt_os2",
    "beos": "beos",
    "perchild": "perchild",
    "leader": "leader",
    "threadpool": "threadpool",
    "simple": "simple",
    "motorz": "motorz",
}

#: (threaded, forked) of the MPMs whose nature does not depend on the build.
MPM_NATURE = {
    "prefork": (False, True),
    "worker": (True, True),
    "event": (True, True),
    "winnt": (True, False),
    "netware": (True, False),
    "mpmt_os2": (True, True),
    "beos": (True, False),
    "perchild": (True, True),
    "leader": (True, True),
    "threadpool": (True, True),
}

#: Module Magic Number majors of the first release of each Apache branch.
_MMN_FAMILY = ((20120211, "2.4"), (20051115, "2.2"), (20020903, "2.0"))


def strip_decoration(line: str) -> str:
    """Remove a leftover markdown bullet and surrounding blanks from a clean line."""
    return _LOOSE_BULLET.sub("", line).strip()


def strip_log_prefix(line: str) -> str:
    """Remove an error-log timestamp/module/pid prefix (or a journal prefix), leaving the message."""
    line = _JOURNAL.sub("", line.strip())
    return _LOG_PREFIX.sub("", line).strip()


def has_log_prefix(line: str) -> bool:
    return bool(_LOG_PREFIX.match(line.lstrip()))


def mpm_from_name(name: Optional[str]) -> Optional[str]:
    """``"Prefork"`` / ``"mpm_event"`` / ``"WinNT"`` → ``"prefork"`` / ``"event"`` / ``"winnt"``."""
    if not name:
        return None
    key = name.strip().lower()
    if key.startswith("mpm_") and key != "mpm_winnt":
        key = key[4:]
    return MPM_ALIASES.get(key, key if re.fullmatch(r"[a-z][a-z0-9_]*", key) else None)


def apache_family(version: Optional[str], mmn_major: Optional[int] = None) -> Optional[str]:
    """The release branch ``"2.4"``/``"2.2"``/``"2.0"``/``"1.3"`` from a version or an MMN major."""
    if version:
        m = re.match(r"(\d+)\.(\d+)", version)
        if m:
            return f"{int(m.group(1))}.{int(m.group(2))}"
    if isinstance(mmn_major, int):
        for first, family in _MMN_FAMILY:
            if mmn_major >= first:
                return family
        if mmn_major > 19000000:
            return "1.3"
    return None


def is_startup_warning(line: str) -> bool:
    """True for the messages httpd prints to stderr before its real output (AH00558 and kin)."""
    text = strip_log_prefix(line)
    if not text:
        return False
    if _AH_CODE.search(text) or has_log_prefix(line):
        return True
    lowered = text.lower()
    return any(k in lowered for k in (
        "could not reliably determine", "apr_sockaddr_info_get() failed",
        "passing arguments to httpd using apachectl",
    )) or bool(re.match(r"^\[(?:warn|notice)\] ", text))


def join_wrapped(lines: list[str]) -> list[tuple[int, str]]:
    """Join lines ending in ``\\`` (the continuation mark documentation authors add to long
    messages) with the next one; return ``(1-based number of the first line, text)`` pairs.

    Indented continuation lines (hard wraps) depend on what is being read, so callers handle them.
    """
    out: list[tuple[int, str]] = []
    parts: list[str] = []  # pieces of a continued line (joined once: no quadratic re-copying)
    start = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if parts:
            line = line.strip()
        else:
            start = number
        if line.endswith("\\"):
            parts.append(line[:-1].rstrip())
            continue
        parts.append(line)
        out.append((start, " ".join(parts)))
        parts = []
    if parts:
        out.append((start, " ".join(parts)))
    return out
