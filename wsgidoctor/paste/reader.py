"""Read a paste: bytes in, kinded segments and the message lines out."""

from __future__ import annotations

from typing import Optional

from wsgidoctor.paste.decode import decode_paste
from wsgidoctor.paste.model import Paste, Segment
from wsgidoctor.paste.segment import segment
from wsgidoctor.paste.undecorate import read_lines


def read_paste(data: bytes | str, forced_kind: Optional[str] = None) -> Paste:
    """Decode, undecorate and segment a paste. ``forced_kind`` (``analyze --as``) makes the whole
    paste, less its decoration and command lines, one segment of that kind."""
    read = read_lines(decode_paste(data))
    lines = read.lines
    commands = [l.text for l in lines if l.wrapper == "command" and l.text]
    body = [l for l in lines if l.wrapper != "command"]
    if forced_kind:
        segments = [Segment(forced_kind, body, commands[0] if commands else None)] if body else []
    else:
        segments = segment(lines)
    return Paste(segments=segments, lines=body, commands=commands, ends_in_open_fence=read.ends_in_open_fence)
