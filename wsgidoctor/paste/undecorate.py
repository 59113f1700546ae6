"""Remove what pasting added around command output, line by line, keeping original line numbers.

Handled: markdown fences (also glued to a line), backticks and bold, ``> `` quotes (nested),
bullets, HTML ``<pre>``/``<code>`` and entities, docker/compose (``web_1  | ``) and kubectl
(``[pod/x/y] ``, ``--timestamps``) prefixes, journald/syslog prefixes (host or time may be
redacted: ``<host>``, ``<timestamp>``), init-script tails (``[FAILED]``, ``...fail!``) and
``Starting httpd: `` heads, trailing annotations (``<-- this``), ``...`` elisions, literal
``\\r`` at line ends, JSON-escaped tool output (Ansible's ``"msg": "..."``), lines wrapped by a
terminal at a fixed width or by a writer after ``into server:``/``of``/`` \\``, and shell prompts
with the command typed after them (kept, as a ``command`` line: it says what output follows).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Optional

from wsgidoctor.paste.commands import split_prompt
from wsgidoctor.paste.model import PasteLine
from wsgidoctor.paste.signatures import STRUCTURED, signature

_STRUCTURED_LINES = frozenset(STRUCTURED) | {"c", "module-name", "environ-cgi", "header"}

_FENCE_LINE = re.compile(r"^\s*(?:```|~~~)[\w+-]*\s*$")
_FENCE_GLUED = re.compile(r"^\s*```[\w+-]*(?=\S)|(?<=\S)```\s*$")
_QUOTE = re.compile(r"^\s*>(?:[ \t]?>)*[ \t]?")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_BULLET = re.compile(r"^\s*(?:[*+•]|-(?=\s))\s+")
_HTML_MARKUP = re.compile(r"</?(?:pre|code|br|p|div|span|tt|samp|kbd|blockquote)\b[^>]*>", re.I)
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&apos;": "'", "&amp;": "&"}
#: docker compose v1 ``web_1  | ``, v2 ``web-1  | ``; the name is checked against other lines.
_COMPOSE = re.compile(r"^(?P<name>[\w.-]{1,64}?)\s+\|\s?(?=.)")
_KUBECTL = re.compile(r"^\[pod/[\w.-]+/[\w.-]+\](?:\s|$)")
_ISO_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)\s(?=\S)")
_TIME = (r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?"
         r"(?:Z|[+-]\d\d:?\d\d)?|<[^<>\s]{1,24}>|X{2,}(?: [X\d]{1,2})? [X\d]{2}:[X\d]{2}:[X\d]{2})")
_HOST = r"(?:[\w.-]+|<[^<>]{1,30}>|\*{2,}|\[[\w. -]{1,30}\])"
_JOURNAL = re.compile(r"^" + _TIME + r"\s+" + _HOST + r"\s+[\w./@-]+(?:\[[\d*]+\])?:\s?")
_JOURNAL_NOISE = re.compile(r"^-- (?:Logs begin|Journal begins|No entries|Reboot|Boot) .*$")
_INIT_TAIL = re.compile(r"\s*(?:\[\s*(?:FAILED|FAIL|fail|failed|OK|ok|WARN|warn|DONE|done|ERROR|error)\s*\]"
                        r"|\.\.\.\s*(?:fail|failed|done|ok)!?\.?)\s*$")
#: Tools that put their own words before httpd's: Ansible's "Error executing /usr/sbin/apache2ctl: ".
_TOOL_HEAD = re.compile(r"^Error executing \S+: (?=\S)")
#: A process title before the program's message: "httpd (mod_wsgi-express) : " -> "httpd: ".
_TITLED_PROGRAM = re.compile(r"^(?P<prog>[\w.-]+) \([^()]{1,40}\) : (?=\S)")
_INIT_HEAD = re.compile(r"^(?:Starting|Stopping|Restarting|Reloading) (?:httpd|apache2?)(?: web server)?:\s+(?=\S)")
_ANNOTATION = re.compile(r"\s+(?:#\s*)?(?:<-{1,3}(?!\S)|<-{2,}|<={2,}(?=\s*\S)|←|<<+(?=\s))\s*.*$")
_ELISION = re.compile(r"^(?:\.{3,}|…|\[\s*(?:\.{3}|…|snip|snipped)\s*\]|\(\s*(?:\.{3}|…|snip)\s*\)"
                      r"|<snip>|-+\s*snip\s*-+|\.\s\.\s\.)$", re.I)
_LITERAL_CR = re.compile(r"(?:\\r|\\n)+$")
_JSON_MSG = re.compile(r'"(?:msg|stderr|stdout|message)":\s*"((?:[^"\\]|\\.)*)"')
_RECORD_START = re.compile(r"^(?:\[|AH\d{5}|WSGI\d{4}|\S+@\S+[:$#]|[$#] |Traceback|\s)")
_LOG_LIKE = re.compile(r"^(?:\[[A-Z][a-z]{2} [A-Z][a-z]{2} |\[[\w.-]*:\w+\]|AH\d{5}: )")


def undecorate(text: str) -> list[PasteLine]:
    """Clean lines of ``text`` (already decoded, ``\\n`` line ends), with their original numbers.

    Command lines come back with ``wrapper="command"`` and the command as text (empty for a bare
    prompt). Lines that were pure decoration (fences, elisions, journal banners) are left out.
    """
    raw = text.split("\n")
    html = bool(_HTML_MARKUP.search(text)) or "&gt;" in text or "&#" in text
    compose = _compose_names(raw)
    out: list[PasteLine] = []
    for index, line in enumerate(raw):
        cleaned = _clean(line, html, compose)
        if cleaned is None:
            continue
        body, wrapper = cleaned
        for part in _unwrap_json(body):
            part = _TITLED_PROGRAM.sub(r"\g<prog>: ", _TOOL_HEAD.sub("", part))
            out.append(PasteLine(index + 1, part, wrapper))
    return _rejoin(out, raw)


def ends_in_open_fence(text: str) -> bool:
    """True when ``text`` ends inside a markdown code block that is never closed (the copy was
    cut mid-block), counting fences on their own lines and glued to a line's start or end."""
    inside = False
    for line in text.split("\n"):
        line = _QUOTE.sub("", line)
        if _FENCE_LINE.match(line):
            inside = not inside
        else:
            for _ in _FENCE_GLUED.finditer(line):
                inside = not inside
    return inside


def _compose_names(raw: list[str]) -> frozenset[str]:
    """Service names used as ``name | `` prefixes on at least two lines (docker compose)."""
    names = Counter()
    for line in raw:
        m = _COMPOSE.match(_QUOTE.sub("", line).lstrip("`* "))
        if m and re.search(r"[_-]\d+$|^\w+$", m.group("name")):
            names[m.group("name")] += 1
    # "web_1" (a compose replica number) is distinctive on its own; a bare word must recur
    return frozenset(n for n, c in names.items() if c >= 2 or re.search(r"[_-]\d+$", n))


def _clean(line: str, html: bool, compose: frozenset[str]) -> Optional[tuple[str, Optional[str]]]:
    """One line undecorated: ``(text, wrapper)``, or ``None`` when nothing of it is output."""
    wrapper: Optional[str] = None
    line = line.replace("\u00a0", " ").replace("&nbsp;", " ").rstrip()
    if html:
        line = _HTML_MARKUP.sub("", line)
        for entity, char in _ENTITIES.items():
            line = line.replace(entity, char)
    if _FENCE_LINE.match(line):
        return None
    for _ in range(4):  # decorations nest: a quoted, bulleted, bold journal line
        before = line
        if _FENCE_LINE.match(line):
            return None  # a fence behind prefixes (journald, kubectl, quotes)
        line = _FENCE_GLUED.sub("", line)
        line = _ANNOTATION.sub("", line)
        if _QUOTE.match(line):
            line, wrapper = _QUOTE.sub("", line, count=1), wrapper or "quote"
        if "**" in line:
            line = _BOLD.sub(r"\1", line)
            line = re.sub(r"^\s*\*\*|\*\*\s*$", "", line)
        if "`" in line:
            line = line.replace("`", "")
        m = _COMPOSE.match(line.lstrip())
        if m and (m.group("name") in compose or re.search(r"[_-]\d+$", m.group("name"))):
            line, wrapper = line.lstrip()[m.end():], "docker"
        if _KUBECTL.match(line.lstrip()):
            line, wrapper = _KUBECTL.sub("", line.lstrip(), count=1), "kubectl"
        if _ISO_STAMP.match(line):
            line, wrapper = _ISO_STAMP.sub("", line, count=1), wrapper or "timestamp"
        if _JOURNAL.match(line.lstrip()):
            line, wrapper = _JOURNAL.sub("", line.lstrip(), count=1), "journal"
        if _BULLET.match(line) and not line.lstrip().startswith("-D"):
            line = _BULLET.sub("", line, count=1)
        line = line.rstrip()
        if line == before:
            break
    line = _LITERAL_CR.sub("", line).rstrip()
    if _JOURNAL_NOISE.match(line.strip()):
        return None
    if _ELISION.match(line.strip()):
        return "…", "elision"  # kept: a parser may need to know the list was cut here
    prompt = split_prompt(line)
    if prompt is not None:
        return prompt[0], "command"
    line = _INIT_TAIL.sub("", line)
    line = _INIT_HEAD.sub("", line)
    line = _ANNOTATION.sub("", line)
    if not line.strip() and before.strip():
        return None  # the line was only a tail or an annotation
    return line, wrapper


def _unwrap_json(line: str) -> list[str]:
    """Tool output held in a JSON string (``"msg": "apache2: Syntax error ...\\n"``), unescaped."""
    if '"' not in line or "\\" not in line and '": "' not in line:
        return [line]
    m = _JSON_MSG.search(line)
    if not m:
        return [line]
    try:
        value = json.loads('"' + m.group(1) + '"')
    except ValueError:
        return [line]
    parts = [p.rstrip() for p in value.split("\n") if p.strip()]
    return parts or [line]


def _rejoin(lines: list[PasteLine], raw: list[str]) -> list[PasteLine]:
    """Join lines that a terminal or a writer broke: fixed-width wraps, ``into server:`` + reason,
    ``Syntax error on line N of`` + file, `` \\`` continuations, indented message continuations."""
    width = _wrap_width(raw)
    out: list[PasteLine] = []
    for line in lines:
        if out and line.wrapper != "command" and out[-1].wrapper != "command" and line.text.strip():
            prev = out[-1]
            joined = _join(prev.text, line.text, width, len(raw[prev.number - 1].rstrip()) if
                           prev.number - 1 < len(raw) else 0)
            if joined is not None:
                out[-1] = PasteLine(prev.number, joined, prev.wrapper)
                continue
        out.append(line)
    return out


def _wrap_width(raw: list[str]) -> Optional[int]:
    """The width a terminal wrapped at: the longest line length, shared by at least two lines."""
    lengths = Counter(len(l) for l in set(raw) if len(l) >= 60)
    if not lengths:
        return None
    longest = max(lengths)
    return longest if lengths[longest] >= 2 and longest <= 250 else None


def _join(prev: str, nxt: str, width: Optional[int], prev_raw_length: int) -> Optional[str]:
    stripped = nxt.strip()
    if re.search(r"into server:$", prev.rstrip()) and not _LOG_LIKE.match(stripped):
        return prev.rstrip() + " " + stripped
    if re.search(r"Syntax error on line \d+ of\s*$", prev):
        return prev.rstrip() + " " + stripped
    if prev.endswith(" \\") and nxt[:1] in (" ", "\t") and not prev.lstrip().startswith('"'):
        return prev[:-2].rstrip() + " " + stripped
    if (_LOG_LIKE.match(prev.lstrip()) and nxt[:2] in ("  ", "\t ") and stripped[:1].islower()
            and not prev.rstrip().endswith((".", ":"))):
        return prev.rstrip() + " " + stripped
    if (width and prev_raw_length == width and nxt[:1] not in (" ", "\t")
            and not (prev.endswith((".", ":", "!", "?")) and nxt[:1].isupper()) and not _RECORD_START.match(nxt)
            and signature(nxt) is None and signature(prev) not in _STRUCTURED_LINES):
        return prev + nxt
    return None
