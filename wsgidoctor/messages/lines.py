"""Split one error-log line into Apache's prefix and the message.

Formats understood (each may be indented, quoted with ``>``, bulleted or journald-prefixed when
pasted):

- 2.4: ``[Sun Nov 22 10:00:00.123456 2026] [wsgi:error] [pid 12:tid 34] (13)Permission denied:
  [client 10.0.0.1:5678] AH01630: message``; the module may be empty (``[:warn]``, mod_wsgi 3.x);
- the same with the time cut off by the poster, or left out by a custom ErrorLogFormat;
- 2.2: ``[Tue Aug 21 19:33:26 2012] [error] [client 10.0.0.1] message``;
- bare lines without a prefix: Python's own stderr (the path-configuration dump, ``Fatal Python
  error``), ``AH00558: httpd: ...`` written before the log was opened, pasted fragments.

mod_wsgi's own ``mod_wsgi (pid=N): `` marker is removed from the message too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_DECORATION = re.compile(r"^(?:[ \t]*(?:>[ \t]?|[*+][ \t]|-[ \t](?=\S)))*[ \t]*")
_JOURNAL = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?: ")
_PREFIX_24 = re.compile(
    r"(?:\[(?P<time>[^\]\[]{8,48})\] )?\[(?P<module>[\w.-]*):(?P<level>[a-z]+\d?)\]"
    r"(?: \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\])? ?")
_PREFIX_22 = re.compile(
    r"\[(?P<time>[^\]\[]{8,48})\] \[(?P<level>emerg|alert|crit|error|warn|notice|info|debug)\] ")
_ERRNO = re.compile(r"\((?P<errno>-?\d+)\)(?P<errtext>[^:\[\]]{0,120}?): ")
_CLIENT = re.compile(r"\[(?:client|remote) (?P<client>[^\]]{0,200})\] ")
_CODE = re.compile(r"(?P<code>AH\d{5}|WSGI\d{4}): ")
_MOD_WSGI_PID = re.compile(r"mod_wsgi \(pid=(?P<pid>\d+)(?:, process='[^']*', application='[^']*')?\): ")


@dataclass
class LogLine:
    """One line, taken apart. ``message`` is what remains after every prefix."""

    number: Optional[int]
    text: str  # the whole line as read (decoded, without the line ending)
    message: str
    bare: bool = True  # no Apache time/level prefix
    time: Optional[str] = None
    module: Optional[str] = None  # "wsgi", "mpm_event", "" for [:warn]; None in 2.2 and bare lines
    level: Optional[str] = None
    pid: Optional[int] = None
    tid: Optional[str] = None
    errno: Optional[int] = None
    errtext: Optional[str] = None
    client: Optional[str] = None
    code: Optional[str] = None  # "AH00489", "WSGI0099"


def undecorate(text: str) -> str:
    """Remove what pasting adds in front of a line: indentation, quotes, bullets, journald."""
    if text[:1] in (" ", "\t", ">", "*", "+", "-"):
        text = _DECORATION.sub("", text, count=1)
    if text[:1].isupper() and text[3:4] == " ":
        text = _JOURNAL.sub("", text, count=1)
        if text[:1] in (" ", "\t"):
            text = text.lstrip()
    return text


def parse_line(text: str, number: Optional[int] = None) -> LogLine:
    """Take ``text`` (one line, no line ending) apart. Never raises."""
    text = text.rstrip("\r\n")
    body = undecorate(text).rstrip()
    line = LogLine(number=number, text=text, message=body)
    pos = 0
    if body.startswith("["):
        m = _PREFIX_24.match(body)
        if m:
            line.bare = False
            line.time, line.module, line.level = m.group("time"), m.group("module"), m.group("level")
            if m.group("pid"):
                line.pid = int(m.group("pid"))
            line.tid = m.group("tid")
            pos = m.end()
        else:
            m = _PREFIX_22.match(body)
            if m:
                line.bare = False
                line.time, line.level = m.group("time"), m.group("level")
                pos = m.end()
    # The rest comes in this order in 2.4 (each part optional): (errno)text: [client x] AHnnnnn:
    m = _ERRNO.match(body, pos)
    if m:
        line.errno, line.errtext = int(m.group("errno")), m.group("errtext").strip()
        pos = m.end()
    m = _CLIENT.match(body, pos)
    if m:
        line.client = m.group("client")
        pos = m.end()
        if line.errno is None:  # 2.2 puts the client first
            m = _ERRNO.match(body, pos)
            if m:
                line.errno, line.errtext = int(m.group("errno")), m.group("errtext").strip()
                pos = m.end()
    m = _CODE.match(body, pos)
    if m:
        line.code = m.group("code")
        pos = m.end()
    m = _MOD_WSGI_PID.match(body, pos)
    if m:
        if line.pid is None:
            line.pid = int(m.group("pid"))
        pos = m.end()
    line.message = body[pos:]
    return line
