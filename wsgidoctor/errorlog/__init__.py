"""Apache error-log analysis: stream a log of any size and keep what matters to mod_wsgi.

The pieces, each one job:

- :mod:`.reader` cuts a binary file into blocks of whole lines with bounded memory, clipping
  absurdly long lines;
- :mod:`wsgidoctor.messages` is the one message classifier (what a line means: its event), shared
  with every other source of messages (``httpd -t``/``-M``, a start command's stderr, pastes);
- :mod:`.banner` reads the start-up banner (``Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11``);
- :mod:`.scanner` finds the few interesting lines of a block fast and keeps counts and a few
  examples per event, then turns them into the ``errorlog`` facts;
- :mod:`.tail` finds where the last start-up begins in a large file;
- :mod:`.locate` works out which file is the server's error log.

Use :func:`scan_file` and :func:`scan_text` for logs, :func:`scan_messages` for message lines of
any other origin; the facts they return are documented in ``docs/errorlog-facts.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any, Iterable, Optional, Union


@dataclass(frozen=True)
class MessageLine:
    """One message line as found: its text, its line number in what it came from, and that origin
    (``"apache2 -t"``, ``"paste.txt"``, ``"journal"``...)."""

    text: str
    number: Optional[int] = None
    origin: Optional[str] = None


def scan_messages(lines: Iterable[MessageLine], origin: str = "pasted text") -> dict[str, Any]:
    """Classify message lines of any origin and return the ``errorlog`` facts for them.

    The entry point for everything that is not a log file read from disk: the segments of a paste
    (a journal, ``systemctl status``, a start command's stderr, a bare line), command outputs.
    Every line is classified (no needle pre-filter: these texts are short), with the same
    signatures, events and therefore findings as a log; each example keeps its line's ``origin``
    and number. ``origin`` names the whole (the facts' ``path``).
    """
    from wsgidoctor.errorlog.scanner import LogScanner

    scanner = LogScanner(path=origin, every_line=True)
    for line in lines:
        if line.number is not None:
            scanner.next_line = line.number
        scanner.source = line.origin if line.origin and line.origin != origin else None
        text = line.text.replace("\r", "").replace("\n", " ")
        scanner.feed(text.encode("utf-8", "surrogateescape") + b"\n")
    return scanner.facts()


def scan_file(source: Union[str, IO[bytes]], *, start: int = 0, end: Optional[int] = None,
              first_line: Optional[int] = 1, path: Optional[str] = None, every_line: bool = False) -> dict[str, Any]:
    """Stream ``source`` (a path or a binary file object) from byte ``start`` to ``end``.

    ``first_line`` is the number of the line at ``start`` (``None`` when unknown). Returns the
    ``errorlog`` facts (without the outer ``"errorlog"`` key).
    """
    from wsgidoctor.errorlog.scanner import scan_stream

    if isinstance(source, str):
        with open(source, "rb") as fh:
            return scan_stream(fh, start=start, end=end, first_line=first_line, path=path or source,
                               every_line=every_line)
    name = getattr(source, "name", None)
    return scan_stream(source, start=start, end=end, first_line=first_line,
                       path=path or (name if isinstance(name, str) else None), every_line=every_line)


def scan_text(text: Union[str, bytes], path: Optional[str] = None, every_line: bool = False) -> dict[str, Any]:
    """Analyse a pasted log held in memory; same facts as :func:`scan_file`.

    ``every_line`` classifies every line instead of only those holding a needle (for short texts:
    it also finds messages that only a loader or a command prints, see ``NOT_LOGGED``).
    """
    import io

    from wsgidoctor.errorlog.scanner import scan_stream

    if isinstance(text, str):
        try:  # bytes decoded with surrogateescape (a path in a JSON report) come back as they were
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # any other lone surrogate
            data = text.encode("utf-8", "replace")
    else:
        data = text
    return scan_stream(io.BytesIO(data), path=path, every_line=every_line)
