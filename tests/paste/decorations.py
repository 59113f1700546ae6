"""The decorations people's pastes carry, as functions over a bare capture (bytes -> bytes).

Each one reproduces a shape seen in real pastes (fixtures/corpus/SOURCES.md) or printed by the
tool named: ``docker compose logs``, ``kubectl logs --prefix``, journald with a redacted host,
PowerShell's UTF-16, a ``<pre>`` block with entities, markdown fences, quotes, bold, prompts,
init-script tails, trailing annotations and terminal wrapping at 80 columns.
"""

from __future__ import annotations

from typing import Callable

Decoration = Callable[[str], str]


def _lines(text: str, fn: Callable[[str], str]) -> str:
    return "\n".join(fn(line) if line else line for line in text.split("\n"))


def fence(text: str) -> str:
    return "```\n" + text.rstrip("\n") + "\n```\n"


def quote(text: str) -> str:
    return "\n".join("> " + line for line in text.split("\n"))


def nested_quote(text: str) -> str:
    return "\n".join("> > " + line for line in text.split("\n"))


def indent(text: str) -> str:
    return _lines(text, lambda l: "    " + l)


def compose(text: str) -> str:
    return _lines(text, lambda l: "web_1  | " + l)


def kubectl(text: str) -> str:
    return _lines(text, lambda l: "[pod/web-5d9c7b8f4-x2x7q/httpd] " + l)


def journald_redacted(text: str) -> str:
    return _lines(text, lambda l: "Dec 04 12:31:31 <host> apache2[20739]: " + l)


def html_pre(text: str) -> str:
    body = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "<pre><code>" + body.rstrip("\n") + "</code></pre>\n"


def bold_first(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() and "*" not in line:
            lines[i] = "**" + line + "**"
            break
    return "\n".join(lines)


def annotate_first(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip():
            lines[i] = line + "   <-- this"
            break
    return "\n".join(lines)


def failed_tail(text: str) -> str:
    lines = text.rstrip("\n").split("\n")
    lines[-1] = lines[-1] + "                [FAILED]"
    return "\n".join(lines) + "\n"


def prose_before(text: str) -> str:
    return "Here is what I get on the server, any idea?\n\n" + text


def wrap_80(text: str) -> str:
    """A terminal 80 columns wide: long lines broken every 80 characters, no indentation."""
    out = []
    for line in text.split("\n"):
        while len(line) > 80:
            out.append(line[:80])
            line = line[80:]
        out.append(line)
    return "\n".join(out)


DECORATIONS: dict[str, Decoration] = {
    "fence": fence, "quote": quote, "nested_quote": nested_quote, "indent": indent,
    "compose": compose, "kubectl": kubectl, "journald_redacted": journald_redacted,
    "html_pre": html_pre, "bold_first": bold_first, "annotate_first": annotate_first,
    "failed_tail": failed_tail, "prose_before": prose_before, "wrap_80": wrap_80,
}
#: Decorations the program or terminal adds (log prefixes, init-script tails, the terminal's wrap),
#: before anything the poster adds (quotes, fences, bold, annotations, HTML, prose).
SHOWN = ("compose", "kubectl", "journald_redacted", "failed_tail", "wrap_80")


def in_paste_order(names: list[str]) -> list[str]:
    """``names`` ordered as they happen: what the terminal shows first (wrapping last of those),
    then what the poster adds, each group in the given order."""
    return ([n for n in names if n in SHOWN and n != "wrap_80"] + [n for n in names if n == "wrap_80"]
            + [n for n in names if n not in SHOWN])


#: Line ends, applied after the decorations (they belong to the file, not to the paste's text).
LINE_ENDS: dict[str, str] = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
#: Byte encodings applied last (PowerShell's ``>`` writes UTF-16 LE with a BOM; some tools without).
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-16-le-bom": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "latin-1": lambda t: t.encode("latin-1", "replace"),
}
