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
from wsgidoctor.core.lazyre import lazy_re

_DECORATION = lazy_re(r"^(?:[ \t]*(?:>[ \t]?|[*+][ \t]|-[ \t](?=\S)))*[ \t]*")
_JOURNAL = lazy_re(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?: ")
_PREFIX_24 = lazy_re(
    r"(?:\[(?P<time>[^\]\[]{8,48})\] )?\[(?P<module>[\w.-]*):(?P<level>[a-z]+\d?)\]"
    r"(?: \[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\])? ?")
_PREFIX_22 = lazy_re(
    r"\[(?P<time>[^\]\[]{8,48})\] \[(?P<level>emerg|alert|crit|error|warn|notice|info|debug)\] ")
_ERRNO = lazy_re(r"\((?P<errno>-?\d+)\)(?P<errtext>[^:\[\]]{0,120}?): ")
_CLIENT = lazy_re(r"\[(?:client|remote) (?P<client>[^\]]{0,200})\] ")
_CODE = lazy_re(r"(?P<code>AH\d{5}|WSGI\d{4}): ")
_MOD_WSGI_PID = lazy_re(r"mod_wsgi \(pid=(?P<pid>\d+)(?:, process='[^']*', application='[^']*')?\): ")


def _renamed(pattern: re.Pattern[str], suffix: str) -> str:
    """``pattern``'s text with every group name suffixed (the same part twice in one pattern)."""
    return re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{m.group(1)}{suffix}>", pattern.pattern)


#: Every part of the message's head in one match, in the order parse_line takes them: Apache's
#: prefix (2.4, else 2.2), then ``(errno)text:`` and ``[client x]`` (2.2 puts the client first),
#: the AH/WSGI code, mod_wsgi's ``(pid=N)``. Each part is optional and nothing after it can fail,
#: so the match takes each part exactly where matching them one after the other would.
_HEAD = re.compile(
    f"(?:{_renamed(_PREFIX_24, '')}|{_renamed(_PREFIX_22, '22')})?"
    f"(?:{_ERRNO.pattern}(?:{_CLIENT.pattern})?|{_renamed(_CLIENT, '_first')}(?:{_renamed(_ERRNO, '_second')})?)?"
    f"(?:{_CODE.pattern})?"
    f"(?:{_renamed(_MOD_WSGI_PID, '_wsgi')})?")
#: The same for a line of ASCII characters only, where ``\w`` and ``\d`` mean the same either
#: way: matching ASCII-only is about a third faster.
_HEAD_ASCII = re.compile(_HEAD.pattern, re.ASCII)
_HEAD_GROUPS = ("time", "module", "level", "pid", "tid", "time22", "level22", "errno", "errtext", "client",
                "client_first", "errno_second", "errtext_second", "code", "pid_wsgi")
# parse_line takes them as ``match.groups()`` (positional, much cheaper than by name): the same order.
assert tuple(_HEAD.groupindex) == _HEAD_GROUPS and _HEAD.groups == len(_HEAD_GROUPS)


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
    body = (text if text[:1] == "[" else undecorate(text)).rstrip()  # Apache's prefix: nothing to undecorate
    m = (_HEAD_ASCII if body.isascii() else _HEAD).match(body)
    assert m is not None  # every part is optional: it always matches
    (time, module, level, pid, tid, time22, level22, errno, errtext, client, client1, errno2, errtext2,
     code, wsgi_pid) = m.groups()
    if level is None and level22 is not None:
        time, level = time22, level22
    if errno is None:
        errno, errtext = errno2, errtext2
    if not pid:
        pid = wsgi_pid
    line = LogLine(number, text, body[m.end():], level is None, time, module, level,
                   int(pid) if pid else None, tid, int(errno) if errno is not None else None,
                   errtext.strip() if errno is not None else None, client if client is not None else client1,
                   code)
    return line
