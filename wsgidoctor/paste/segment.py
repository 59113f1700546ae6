"""Cut clean lines into segments, each one kind of output.

Structured outputs (``-V``, ``-M``, ``ldd``...) are runs of lines of their kind; a line of no kind
inside a run is kept when the run goes on after it (an extra line in ``-V``), and ends the run
otherwise. Runs of message lines (error-log lines, configtest errors, tracebacks, init-script and
``systemctl status`` output) become one segment per paragraph, named by what they hold. A command
line ends the segment before it and names the kind of the one after it.
"""

from __future__ import annotations

from typing import Optional

from wsgidoctor.paste.commands import kind_of_command
from wsgidoctor.paste.model import PasteLine, Segment
from wsgidoctor.paste.signatures import STRUCTURED, signature

#: Kinds whose runs go on through blank lines and lines of no kind (whole files pasted).
_STICKY = frozenset({"apr.h", "config_vars.mk", "otool-l", "llvm-objdump"})
#: Line classes that continue a run of the given kind without starting one.
_CONTINUES = {"apr.h": {"c"}, "httpd-M": {"module-name"}, "wsgi-environ": {"environ-cgi"},
              }
_MESSAGE_CLASSES = frozenset({"errorlog", "httpd-t", "traceback", "init-script", "systemctl-status", "journal",
                              "ah-message"})
#: A run of message lines is named by the first of these it holds.
_MESSAGE_PRIORITY = ("httpd-t", "systemctl-status", "init-script", "errorlog", "traceback", "journal")
_FORCED_HEADERLESS = {"httpd-M": "module-name", "wsgi-environ": "environ-cgi"}


def segment(lines: list[PasteLine]) -> list[Segment]:
    """The segments of a paste's clean lines, in order."""
    builder = _Builder()
    for line in lines:
        if line.wrapper == "command":
            builder.command(line)
        else:
            builder.line(line)
    builder.close()
    return [s for s in builder.segments if _strong_enough(s)]


class _Builder:
    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.current: Optional[Segment] = None
        self.classes: list[str] = []  # line classes of the current message run
        self.pending: list[PasteLine] = []  # lines of no kind inside a structured run
        self.hint: Optional[str] = None
        self.hint_kind: Optional[str] = None

    def command(self, line: PasteLine) -> None:
        self.close()
        self.hint = line.text or None
        self.hint_kind = kind_of_command(line.text) if line.text else None

    def line(self, line: PasteLine) -> None:
        cls = signature(line.text, line.wrapper)
        if cls == "header" and self.hint_kind == "otool-L":
            cls = "otool-L"
        if cls in ("module-name",) and self.hint_kind == "httpd-M":
            cls = "httpd-M"
        cur = self.current
        if cur is not None and cur.kind in STRUCTURED:
            if cls == cur.kind or cls == "elision" or cls in _CONTINUES.get(cur.kind, ()):
                cur.lines.extend(self.pending)
                self.pending = []
                cur.lines.append(line)
                return
            if cls in (None, "blank", "header", "c") or (cur.kind in _STICKY and cls not in STRUCTURED
                                                         and cls not in _MESSAGE_CLASSES):
                if cur.kind in _STICKY and cls != "blank":
                    cur.lines.extend(self.pending)
                    self.pending = []
                    cur.lines.append(line)
                else:
                    self.pending.append(line)
                return
            self.close()
        if cls in STRUCTURED:
            header = self._header_before(cur) if cls == "otool-L" else None
            self.close()
            self.current = Segment(cls, ([header] if header else []) + [line], self._take_hint(cls))
            return
        if cls in ("module-name", "environ-cgi"):
            self.close()
            self.current = Segment("httpd-M" if cls == "module-name" else "wsgi-environ", [line],
                                   self._take_hint(cls))
            return
        if cls == "blank":
            self.close()
            return
        # a message line, or a line of no kind: part of a message run
        if self.current is None or self.current.kind in STRUCTURED:
            self.close()
            self.current = Segment("messages", [], self._take_hint(None))
            self.classes = []
        self.current.lines.append(line)
        if cls:
            self.classes.append(cls)

    def _header_before(self, cur: Optional[Segment]) -> Optional[PasteLine]:
        """An ``otool -L`` header (``mod_wsgi.so:``) that ended the message run before the list."""
        if cur is not None and cur.kind == "messages" and cur.lines and \
                signature(cur.lines[-1].text) == "header":
            return cur.lines.pop()
        return None

    def _take_hint(self, kind: Optional[str]) -> Optional[str]:
        hint = self.hint
        self.hint = None
        return hint

    def close(self) -> None:
        cur = self.current
        self.pending = []
        if cur is None:
            return
        self.current = None
        if cur.kind == "messages":
            present = set(self.classes)
            cur.kind = next((k for k in _MESSAGE_PRIORITY if k in present), "messages")
            if cur.kind == "errorlog" and "httpd-t" in present:
                cur.kind = "httpd-t"
        if cur.kind == "httpd-V" and all(_version_only(l.text) for l in cur.lines):
            cur.kind = "httpd-v"
        if cur.lines:
            self.segments.append(cur)


def _version_only(text: str) -> bool:
    s = text.strip()
    return not s or s.startswith("Server version:") or "Server built:" in s


def _strong_enough(seg: Segment) -> bool:
    """Drop runs too weak to be what they look like (two ``x_module`` words in prose)."""
    if seg.kind == "httpd-M":
        listed = [l for l in seg.lines if l.text.strip()]
        has_header = any(l.text.strip() == "Loaded Modules:" for l in listed)
        return has_header or len(listed) >= 3 or any("(static)" in l.text or "(shared)" in l.text
                                                      for l in listed)
    if seg.kind == "httpd-l":
        items = [l for l in seg.lines if l.text.strip()]
        return any("modules:" in l.text for l in items) or len(items) >= 2
    if seg.kind == "wsgi-environ":
        return any(signature(l.text) == "wsgi-environ" for l in seg.lines)
    if seg.kind == "config.nice":
        return any("configure" in l.text for l in seg.lines)
    if seg.kind == "config_vars.mk":
        return len(seg.lines) >= 3
    return True
