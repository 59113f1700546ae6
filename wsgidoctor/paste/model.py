"""What the paste reader produces: clean lines that keep their place, and kinded segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

#: Segment kinds whose lines are messages (errors, warnings, log lines): they go to the message
#: analysis (the error-log events and rules) as well as to their own parser where there is one.
MESSAGE_KINDS = frozenset({"errorlog", "journal", "systemctl-status", "init-script", "traceback",
                           "httpd-t", "messages"})

#: Every kind the reader can name. Kinds with a parser of the same name are parsed by it;
#: ``httpd-v`` is read by the ``httpd-V`` parser (it is the first two lines of ``-V``).
KINDS = ("httpd-V", "httpd-v", "httpd-l", "httpd-M", "httpd-t", "ldd", "otool-L", "otool-l",
         "llvm-objdump", "apr.h", "config.nice", "config_vars.mk", "errorlog", "journal",
         "systemctl-status", "init-script", "traceback", "express-startup", "wsgi-environ",
         "messages")

#: The parser that reads a kind, where it is not the kind's own name.
PARSER_OF = {"httpd-v": "httpd-V"}


@dataclass(frozen=True)
class PasteLine:
    """One line after undecoration, with its 1-based line number in the paste as given."""

    number: int
    text: str
    #: What was taken off the line (``"journal"``, ``"docker"``, ``"quote"``...), for the kind.
    wrapper: Optional[str] = None


@dataclass
class Segment:
    """A stretch of a paste that is one kind of output.

    ``source_hint`` is the command seen before it (``"apachectl -V"``), or ``None``.
    """

    kind: str
    lines: list[PasteLine] = field(default_factory=list)
    source_hint: Optional[str] = None

    @property
    def text(self) -> str:
        """The segment's clean text, its common indentation removed."""
        texts = [line.text for line in self.lines]
        indents = [len(t) - len(t.lstrip()) for t in texts if t.strip()]
        cut = min(indents) if indents else 0
        return "\n".join(t[cut:] for t in texts) + "\n"

    @property
    def first_line(self) -> Optional[int]:
        return self.lines[0].number if self.lines else None

    @property
    def is_messages(self) -> bool:
        return self.kind in MESSAGE_KINDS


@dataclass
class Paste:
    """A whole paste read: its segments in order, and every clean line (for the messages)."""

    segments: list[Segment]
    lines: list[PasteLine]
    #: Commands seen in the paste, in order (without prompts).
    commands: list[str] = field(default_factory=list)
    #: The paste ends inside a markdown code block never closed: its last output was cut.
    ends_in_open_fence: bool = False

    def ends_with(self, seg: Segment) -> bool:
        """True when ``seg`` holds the paste's last clean line that is not blank."""
        last = next((line.number for line in reversed(self.lines) if line.text.strip()), None)
        return bool(seg.lines) and last is not None and seg.lines[-1].number >= last

    def message_lines(self) -> list[PasteLine]:
        """Lines that may be messages: every clean line not claimed by a structured output."""
        claimed = {line.number for seg in self.segments if not seg.is_messages for line in seg.lines}
        return [line for line in self.lines if line.number not in claimed]
