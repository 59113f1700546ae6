"""Apache error-log analysis: stream a log of any size and keep what matters to mod_wsgi.

The pieces, each one job:

- :mod:`.reader` cuts a binary file into blocks of whole lines with bounded memory, clipping
  absurdly long lines;
- :mod:`.lines` splits one line into Apache's prefix (time, module, level, pid, errno, client,
  ``AH``/``WSGI`` code) and the message, for the 2.2 and 2.4 formats and for bare lines;
- :mod:`.events` is the catalogue of events (what a message means) and classifies one line;
- :mod:`.banner` reads the start-up banner (``Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11``);
- :mod:`.scanner` finds the few interesting lines of a block fast and keeps counts and a few
  examples per event, then turns them into the ``errorlog`` facts;
- :mod:`.tail` finds where the last start-up begins in a large file;
- :mod:`.locate` works out which file is the server's error log.

Use :func:`scan_file` and :func:`scan_text`; the facts they return are documented in
``docs/errorlog-facts.md``.
"""

from __future__ import annotations

from typing import IO, Any, Optional, Union


def scan_file(source: Union[str, IO[bytes]], *, start: int = 0, end: Optional[int] = None,
              first_line: Optional[int] = 1, path: Optional[str] = None) -> dict[str, Any]:
    """Stream ``source`` (a path or a binary file object) from byte ``start`` to ``end``.

    ``first_line`` is the number of the line at ``start`` (``None`` when unknown). Returns the
    ``errorlog`` facts (without the outer ``"errorlog"`` key).
    """
    from wsgidoctor.errorlog.scanner import scan_stream

    if isinstance(source, str):
        with open(source, "rb") as fh:
            return scan_stream(fh, start=start, end=end, first_line=first_line, path=path or source)
    name = getattr(source, "name", None)
    return scan_stream(source, start=start, end=end, first_line=first_line,
                       path=path or (name if isinstance(name, str) else None))


def scan_text(text: Union[str, bytes], path: Optional[str] = None) -> dict[str, Any]:
    """Analyse a pasted log held in memory; same facts as :func:`scan_file`."""
    import io

    from wsgidoctor.errorlog.scanner import scan_stream

    if isinstance(text, str):
        try:  # bytes decoded with surrogateescape (a path in a JSON report) come back as they were
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # any other lone surrogate
            data = text.encode("utf-8", "replace")
    else:
        data = text
    return scan_stream(io.BytesIO(data), path=path)
