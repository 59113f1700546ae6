"""Turn pasted or captured text into clean lines before a parser reads it.

People paste command output into issues, mail, markdown and chat. What arrives may be CRLF,
non-UTF-8, indented by a quote or a list, wrapped in code fences or HTML entities, or prefixed by
journald. Parsers call :func:`clean_lines` first and can then assume plain text.
"""

from __future__ import annotations

import re

#: "Aug 13 08:51:29 host apache2[20739]: " as journald / syslog prefix every line.
_JOURNAL = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w./@-]+(?:\[\d+\])?: ")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^\s*(?:[*+] |- (?=\S))")
_QUOTE = re.compile(r"^\s*(> ?)+")
_HTML_HINT = re.compile(r"</?(?:pre|code|br|p|div|span|tt|samp)\b[^>]*>|&gt;|&#\d+;|&nbsp;", re.I)


def utf16_encoding(data: bytes, sample: int = 4096) -> str | None:
    """``"utf-16"`` (with a BOM), ``"utf-16-le"`` or ``"utf-16-be"`` when ``data`` is UTF-16 text, else None.

    Without a byte order mark, UTF-16 text in a Latin script has a NUL in every other byte (odd
    bytes in little-endian, even in big-endian): Windows tools write logs and pastes like that.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:sample]
    pairs = len(head) // 2
    if pairs < 2 or b"\x00" not in head:
        return None
    even_nul = head[0:pairs * 2:2].count(0)
    odd_nul = head[1:pairs * 2:2].count(0)
    if odd_nul >= 0.4 * pairs and even_nul <= 0.05 * pairs:
        return "utf-16-le"
    if even_nul >= 0.4 * pairs and odd_nul <= 0.05 * pairs:
        return "utf-16-be"
    return None


def decode(data: bytes | str) -> str:
    """Decode bytes: UTF-16 with or without a BOM, else UTF-8 (a UTF-8 BOM dropped), else Latin-1
    (no input is rejected)."""
    if isinstance(data, str):
        return data
    utf16 = utf16_encoding(data)
    if utf16 is not None:
        return data[:len(data) - len(data) % 2].decode(utf16, "replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean_lines(text: bytes | str, *, strip_bullets: bool = True) -> list[str]:
    """Split ``text`` into lines with presentation noise removed.

    Removes: CR characters, NULs, code fences, journald prefixes, ``> `` quote prefixes,
    markdown bullets (optional), ``&nbsp;``/``&lt;``/``&gt;``/``&amp;`` entities, a leading shell
    prompt, and trailing white space. Indentation inside the text is kept, but indentation common
    to every non-blank line is removed.
    """
    text = decode(text).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = text.replace("\ufeff", "")
    # "&lt;" alone may be what a file really holds (a config copied from a web page): entities are
    # decoded only when the text shows it is HTML.
    html = bool(_HTML_HINT.search(text))
    out: list[str] = []
    for line in text.split("\n"):
        if _FENCE.match(line):
            continue
        line = _QUOTE.sub("", line)  # "> Aug 13 ... apache2[1]: ..." - the quote wraps the journal line
        line = _JOURNAL.sub("", line)
        if strip_bullets:
            line = _BULLET.sub("", line)
        if "&" in line:
            line = line.replace("&nbsp;", " ")
            if html:
                line = (line.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
                        .replace("&amp;", "&"))
        line = line.replace("\u00a0", " ").rstrip()
        out.append(line)
    indents = [len(l) - len(l.lstrip()) for l in out if l.strip()]
    common = min(indents) if indents else 0
    if common:
        out = [l[common:] if l.strip() else "" for l in out]
    first = next((i for i, line in enumerate(out) if line), len(out))
    last = next((i for i in range(len(out) - 1, -1, -1) if out[i]), -1)
    return out[first:last + 1]


def looks_binary(data: bytes | str, sample: int = 4096) -> bool:
    """True when the start of ``data`` is mostly not text (a binary file pasted by mistake)."""
    if isinstance(data, str):
        head = data[:sample]
        bad = sum(1 for ch in head if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
        return bool(head) and bad / len(head) > 0.1
    head = data[:sample]
    if not head:
        return False
    if utf16_encoding(head) is not None:
        return looks_binary(decode(head), sample)
    if b"\x00" in head:
        return True
    bad = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 11))
    return bad / len(head) > 0.1
