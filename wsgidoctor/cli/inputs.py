"""Open what ``analyze`` is given (a path or ``-``) the same way: a head for detection, a stream for the rest.

Standard input is streamed exactly like a file: the head read for detection is put back in front of
the rest, so a parser that streams (the error log's) sees every byte with bounded memory, and one
that reads text sees the whole input up to its limit and is told when there was more. UTF-16 input
(with or without a byte order mark, as Windows tools write it) is transcoded to UTF-8 on the fly;
other encodings are left to :func:`wsgidoctor.core.textnorm.decode` (UTF-8, else Latin-1).
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from dataclasses import dataclass
from typing import IO, Optional

from wsgidoctor.core.errors import InputError
from wsgidoctor.core.textnorm import utf16_encoding

#: How much of an input is read first to recognise it.
HEAD_BYTES = 64 * 1024
_CHUNK = 1024 * 1024


class _Prepended(io.RawIOBase):
    """``head`` followed by the rest of ``rest``: an input whose first bytes were already read."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self._head.nbytes:
            n = min(len(buffer), self._head.nbytes)
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Utf16AsUtf8(io.RawIOBase):
    """A UTF-16 byte stream read as UTF-8 (undecodable halves become U+FFFD)."""

    def __init__(self, source: IO[bytes], encoding: str) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        while not self._pending and not self._done:
            data = self._source.read(_CHUNK)
            self._done = not data
            self._pending = self._decoder.decode(data, final=self._done).encode("utf-8", "surrogatepass")
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


@dataclass
class OpenedInput:
    """One input of ``analyze``, opened."""

    label: str  #: how messages name it ("standard input" or the path)
    head: bytes  #: its first bytes (UTF-8 when transcoded), for detection
    stream: IO[bytes]  #: the whole input from its first byte (head included), UTF-8 when transcoded
    encoding: Optional[str] = None  #: the UTF-16 variant it was transcoded from, if any
    _own: Optional[IO[bytes]] = None

    @property
    def complete(self) -> bool:
        """True when the head is the whole input."""
        return len(self.head) < HEAD_BYTES and self.encoding is None

    def read_all(self, limit: int) -> tuple[bytes, bool]:
        """Up to ``limit`` bytes of the whole input, and whether there was more."""
        data = self.stream.read(limit + 1)
        return data[:limit], len(data) > limit

    def rewindable(self) -> bool:
        """True when ``stream`` is the file itself, back at its first byte (grep can read it too)."""
        if self._own is None or self.stream is not self._own:
            return False
        try:
            self._own.seek(0)
        except (OSError, ValueError):
            return False
        return True

    def close(self) -> None:
        if self._own is not None:
            self._own.close()


def prepend(head: bytes, rest: IO[bytes]) -> IO[bytes]:
    """A stream of ``head`` followed by what is left of ``rest``."""
    return io.BufferedReader(_Prepended(head, rest), buffer_size=_CHUNK)


def _read_up_to(fh: IO[bytes], size: int) -> bytes:
    """``size`` bytes, or fewer only at the end of input (a pipe gives short reads)."""
    parts, got = [], 0
    while got < size:
        data = fh.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def open_path(name: str) -> IO[bytes]:
    """``name`` opened for reading bytes, or an :class:`InputError` saying why it cannot be."""
    try:
        mode = os.stat(name).st_mode
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{name}: is a directory, not a file with command output")
    try:
        return open(name, "rb")  # a FIFO blocks here until a writer comes: the run's time limit ends it
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None


def open_input(name: str, stdin: IO[bytes]) -> OpenedInput:
    """Open ``name`` (``-``: ``stdin``), read its head, and give a stream of the whole of it."""
    own = None if name == "-" else open_path(name)
    raw = stdin if own is None else own
    label = "standard input" if own is None else name
    try:
        head = _read_up_to(raw, HEAD_BYTES)
        encoding = utf16_encoding(head)
        seekable = own is not None and own.seekable()
        if seekable:
            own.seek(0)  # type: ignore[union-attr]
            stream: IO[bytes] = own  # type: ignore[assignment]
        else:
            stream = io.BufferedReader(_Prepended(head, raw), buffer_size=_CHUNK)
        if encoding is not None:
            stream = io.BufferedReader(_Utf16AsUtf8(stream, encoding), buffer_size=_CHUNK)
            head = stream.peek(HEAD_BYTES)[:HEAD_BYTES]
    except OSError as exc:
        if own is not None:
            own.close()
        raise InputError(f"{label}: {exc.strerror or exc}") from None
    return OpenedInput(label, head, stream, encoding, own)


def without_partial_character(data: bytes) -> bytes:
    """``data`` minus a UTF-8 character cut at its end (a head cut from a longer input)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return data
        if byte >= 0xC0:  # a lead byte: is its sequence complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return data if back >= need else data[:-back]
    return data
