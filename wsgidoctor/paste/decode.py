"""Bytes of a paste -> text with ``\n`` line ends (the decoding itself is :mod:`wsgidoctor.core.textnorm`'s)."""

from __future__ import annotations

from wsgidoctor.core.textnorm import decode


def decode_paste(data: bytes | str) -> str:
    """Text of a paste: UTF-8, UTF-16 LE/BE with or without BOM, or Latin-1; CRLF and CR become
    ``\\n``; a BOM and NUL characters are dropped."""
    text = decode(data)
    return (text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
            .replace("\x00", ""))
