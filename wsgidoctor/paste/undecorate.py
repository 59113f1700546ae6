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
from dataclasses import dataclass
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
_RECORD_START = re.compile(r"^(?:\[(?!pid |client |remote )|AH\d{5}|WSGI\d{4}|\S+@\S+[:$#]|[$#] |Traceback|\s)")
_BARE_CODE = re.compile(r"(?:^|\s)(?:AH\d{5}|WSGI\d{4}):\s*$")
_LOG_LIKE = re.compile(r"^(?:\[[A-Z][a-z]{2} [A-Z][a-z]{2} |\[[\w.-]*:\w+\]|AH\d{5}: )")


@dataclass
class Undecorated:
    """The clean lines of a text, and whether it ends inside a code block never closed (the
    copy was cut mid-block)."""

    lines: list[PasteLine]
    ends_in_open_fence: bool = False


def undecorate(text: str) -> list[PasteLine]:
    """Clean lines of ``text`` (already decoded, ``\\n`` line ends), with their original numbers.

    Command lines come back with ``wrapper="command"`` and the command as text (empty for a bare
    prompt). Lines that were pure decoration (fences, elisions, journal banners) are left out.
    """
    return read_lines(text).lines


def read_lines(text: str) -> Undecorated:
    """:func:`undecorate`, also telling whether the text ends inside an unclosed fence."""
    raw = text.split("\n")
    html = bool(_HTML_MARKUP.search(text)) or "&gt;" in text or "&#" in text
    compose = _compose_names(raw)
    out: list[PasteLine] = []
    fences = [0]
    shown = _shown_lengths(raw)
    width = _wrap_width(list({text: n for text, n in zip(raw, shown)}.values()))
    for index, line in enumerate(raw):
        # a line right after one cut at the wrap width may begin with "- " that is no bullet
        continued = bool(width) and index > 0 and shown[index - 1] == width
        cleaned = _clean(line, html, compose, fences, bullets=not continued)
        if cleaned is None:
            continue
        body, wrapper = cleaned
        for part in _unwrap_json(body):
            part = _TITLED_PROGRAM.sub(r"\g<prog>: ", _TOOL_HEAD.sub("", part))
            out.append(PasteLine(index + 1, part, wrapper))
    return Undecorated(_rejoin(out, raw), fences[0] % 2 == 1)


def _compose_names(raw: list[str]) -> frozenset[str]:
    """Service names used as ``name | `` prefixes on at least two lines (docker compose)."""
    names = Counter()
    for line in raw:
        m = _COMPOSE.match(_QUOTE.sub("", line).lstrip("`* "))
        if m and re.search(r"[_-]\d+$|^\w+$", m.group("name")):
            names[m.group("name")] += 1
    # "web_1" (a compose replica number) is distinctive on its own; a bare word must recur
    return frozenset(n for n, c in names.items() if c >= 2 or re.search(r"[_-]\d+$", n))


def _clean(line: str, html: bool, compose: frozenset[str],
           fences: Optional[list[int]] = None, bullets: bool = True) -> Optional[tuple[str, Optional[str]]]:
    """One line undecorated: ``(text, wrapper)``, or ``None`` when nothing of it is output.
    ``fences[0]`` counts the fences met (on their own line or glued to the text)."""
    fences = fences if fences is not None else [0]
    wrapper: Optional[str] = None
    line = line.replace("\u00a0", " ").replace("&nbsp;", " ").rstrip()
    if html:
        line = _HTML_MARKUP.sub("", line)
        for entity, char in _ENTITIES.items():
            line = line.replace(entity, char)
    if _FENCE_LINE.match(line):
        fences[0] += 1
        return None
    for _ in range(4):  # decorations nest: a quoted, bulleted, bold journal line
        before = line
        line = _ANNOTATION.sub("", line)
        if _FENCE_LINE.match(line):
            fences[0] += 1
            return None  # a fence behind prefixes (journald, kubectl, quotes) or an annotation
        line, glued = _FENCE_GLUED.subn("", line)
        fences[0] += glued
        if _QUOTE.match(line):
            line, wrapper = _QUOTE.sub("", line, count=1), wrapper or "quote"
        if "**" in line:
            line = _BOLD.sub(r"\1", line)
            line = re.sub(r"^\s*\*\*|\*\*\s*$", "", line)
        if "`" in line and not _FENCE_LINE.match(_QUOTE.sub("", line, count=1)):
            line = line.replace("`", "")  # inline code; a fence (also still behind quotes) is counted above
        m = _COMPOSE.match(line.lstrip())
        if m and (m.group("name") in compose or re.search(r"[_-]\d+$", m.group("name"))):
            line, wrapper = line.lstrip()[m.end():], "docker"
        if _KUBECTL.match(line.lstrip()):
            line, wrapper = _KUBECTL.sub("", line.lstrip(), count=1), "kubectl"
        if _ISO_STAMP.match(line):
            line, wrapper = _ISO_STAMP.sub("", line, count=1), wrapper or "timestamp"
        if _JOURNAL.match(line.lstrip()):
            line, wrapper = _JOURNAL.sub("", line.lstrip(), count=1), "journal"
        if bullets and _BULLET.match(line) and not line.lstrip().startswith("-D"):
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
    shown = _shown_lengths(raw)
    width = _wrap_width(list({text: n for text, n in zip(raw, shown)}.values()))  # distinct lines
    base = _block_indent(raw)
    out: list[PasteLine] = []
    last: Optional[PasteLine] = None  # the last piece joined into out[-1] (its own raw line and text)
    for line in lines:
        if out and last and line.wrapper != "command" and out[-1].wrapper != "command" and line.text.strip():
            prev = out[-1]
            index = last.number - 1
            raw_last = raw[index] if index < len(raw) else ""
            length = shown[index] if index < len(shown) else 0
            # a wrap right after a space leaves it at the end of the line (or under an annotation)
            gap = " " if raw_last[-1:].isspace() or len(last.text) + 1 in _TERMINAL_WIDTHS else ""
            if width and length + 1 == width and _ANNOTATION.search(raw_last):
                length, gap = width, " "  # the annotation took the space the wrap came after
            line_width = width
            if length - len(base) in _TERMINAL_WIDTHS or len(last.text) + len(gap) in _TERMINAL_WIDTHS:
                length = line_width = width or length  # one wrapped line at a usual width
            # a wrapped piece carries the block's indentation (a markdown code block) too
            text = (line.text[len(base):] if base and line.wrapper in (None, "quote") and line.text.startswith(base)
                    else line.text)
            joined = _join(prev.text, text, line_width, length, gap, sure=width is not None)
            if joined is not None:
                joined = _INIT_TAIL.sub("", joined)  # a "[FAILED]" tail the wrap had split
                out[-1] = PasteLine(prev.number, joined, prev.wrapper)
                last = line
                continue
        out.append(line)
        last = line
    return out


def _block_indent(raw: list[str]) -> str:
    """The indentation of the paste's block (a markdown code block indented by 4): the most common
    number of leading spaces once quotes, bold, code marks and HTML are off (the smaller on a tie)."""
    counts: Counter[int] = Counter()
    for line in raw:
        body = re.sub(r"^(?:\*\*|`+|<[^<>]{1,20}>)+", "", _QUOTE.sub("", line, count=1))
        if body.strip():
            counts[len(body) - len(body.lstrip(" "))] += 1
    if not counts:
        return ""
    top = max(counts.values())
    return " " * min(n for n, c in counts.items() if c == top)


#: Terminal widths people paste from: a single line of exactly this length may be wrapped.
_TERMINAL_WIDTHS = frozenset({80, 100, 120, 132})


def _shown_lengths(raw: list[str]) -> list[int]:
    """Each raw line's length as a terminal showed it (what the poster added - ``> `` quotes, HTML
    markup and entities, bold and backticks, a trailing annotation - does not count)."""
    html = any(_HTML_MARKUP.search(l) or "&" in l for l in raw)
    out = []
    for line in raw:
        line = _ANNOTATION.sub("", _QUOTE.sub("", line.rstrip("\r"), count=1))  # trailing spaces count too
        if "**" in line or "`" in line:
            line = line.replace("**", "").replace("`", "")
        if html:
            line = _HTML_MARKUP.sub("", line)
            for entity, char in _ENTITIES.items():
                line = line.replace(entity, char)
        out.append(len(line))
    return out


def _wrap_width(lengths_shown: list[int]) -> Optional[int]:
    """The width a terminal wrapped at: the longest line length, shared by at least two (distinct) lines."""
    lengths = Counter(n for n in lengths_shown if n >= 60)
    if not lengths:
        return None
    longest = max(lengths)
    return longest if lengths[longest] >= 2 and longest <= 250 else None


#: Message kinds a wrapped line can belong to; their continuation may look like an otool header
#: ("... into server:"), which a fixed-width wrap produces by chance.
_PROGRAM_HEAD = re.compile(r"^[\w./-]+: ")
_MESSAGE_SIGNATURES = frozenset({"httpd-t", "errorlog", "ah-message", "traceback", "journal", "init-script"})


def _continues(prev: str, nxt: str, gap: str = "", sure: bool = False) -> bool:
    """Whether ``nxt`` may be the rest of ``prev`` cut at the wrap width (it is no line of its own)."""
    prev_kind, kind = signature(prev), signature(nxt)
    joined_kind = signature(prev + gap + nxt)
    if prev_kind in _STRUCTURED_LINES:  # "Server loaded:  APR 1.7.2, APR-UTIL 1.6.3" + ", PCRE 10.42"
        # ("AH00558:" alone looks like otool's "path:" header, until its rest is joined)
        if kind is None:
            return joined_kind == prev_kind or prev_kind == "header" and joined_kind is not None
        # "\tlibpython3.11.so.1.0 => /lib/x86_64-linu" + "x-gnu/libpython3.11.so.1.0 (0x7f...)": a
        # piece without the tab every line of ldd's output begins with
        return sure and kind == joined_kind == prev_kind and prev.lstrip(" ")[:1] == "\t" and nxt[:1] not in (" ", "\t")
    if kind is None or prev_kind is None and kind == joined_kind:  # " log_conf" + "ig_module (static)"
        return True
    if (sure and prev_kind in _MESSAGE_SIGNATURES and joined_kind == prev_kind
            and (nxt[:1].islower() or not nxt[:1].isalnum())):
        return True  # "... AH00456" + ": Apache Lounge VS16 Server built: ..." (no line begins so)
    if kind == "header":  # "Loaded Mo" + "dules:", "... Cannot lo" + "ad X into server:"
        return prev_kind in _MESSAGE_SIGNATURES or joined_kind not in (None, "header")
    # "of /tmp/inc.conf: Cannot load X into server: ..." is the rest of a message, not a new one:
    # a message begins with a capital, a bracket or a program's name ("apache2: ").
    # With a width several lines share, "emoved: AH00144: ..." is a piece of "(43)Identifier r" too.
    return (prev_kind in _MESSAGE_SIGNATURES and kind in _MESSAGE_SIGNATURES and nxt[:1].islower()
            and (sure or not _PROGRAM_HEAD.match(nxt)))


def _join(prev: str, nxt: str, width: Optional[int], prev_raw_length: int, gap: str = "",
          sure: bool = False) -> Optional[str]:
    """``prev`` and ``nxt`` as one line when ``nxt`` continues it, else None. ``sure``: the wrap
    width is shared by several lines (not guessed from one line of a usual terminal width)."""
    stripped = nxt.strip()
    if _BARE_CODE.search(prev) and not _LOG_LIKE.match(stripped):
        return prev.rstrip() + " " + stripped  # "AH00526:" is never all of a message
    if re.search(r"into server:$", prev.rstrip()) and not _LOG_LIKE.match(stripped):
        return prev.rstrip() + " " + stripped
    if re.search(r"Syntax error on line \d+ of\s*$", prev):
        return prev.rstrip() + " " + stripped
    if prev.endswith(" \\") and nxt[:1] in (" ", "\t") and not prev.lstrip().startswith('"'):
        return prev[:-2].rstrip() + " " + stripped
    if (_LOG_LIKE.match(prev.lstrip()) and nxt[:2] in ("  ", "\t ") and stripped[:1].islower()
            and not prev.rstrip().endswith((".", ":"))):
        return prev.rstrip() + " " + stripped
    if not (width and prev_raw_length == width):
        return None
    if sure and nxt[:1] == " " and nxt[1:2].strip() and (
            signature(prev) in _MESSAGE_SIGNATURES and signature(stripped) is None
            or signature(prev) is None and signature(prev + nxt) not in (None, "header")):
        # the wrap came right before a space: "Command line:" + " '/usr/sbin/apache2'",
        # "... Python (compatibility" + " version 2.6.0, current version 2.6.1)"
        return prev + gap + nxt
    if (nxt[:1] not in (" ", "\t")
            and not (prev.endswith((".", ":", "!", "?")) and nxt[:1].isupper()) and not _RECORD_START.match(nxt)
            and _continues(prev, nxt, gap, sure)):
        return prev + gap + nxt
    return None
