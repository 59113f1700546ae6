"""Make a Markdown report fit where it is pasted: GitHub refuses an issue body over 65,536
characters, and a mailing list wants no thousand log lines.

Repeated log lines are folded into one line with a count (the time stamp, process, thread and
client of each line are what differ); raw outputs then share what room is left after the
findings and the sections, each keeping its head and its end. The JSON report keeps everything.
"""

from __future__ import annotations

import re
from typing import Sequence

#: GitHub's limit on an issue or comment body, in characters.
MARKDOWN_LIMIT = 65_536
#: The longest one table cell may be before it is cut.
MAX_CELL = 1_500
#: The most rows one section table shows.
MAX_ROWS = 60

#: What differs between repeats of one Apache error-log line: the time stamp, the process and
#: thread, the client or remote address (with port), and a referer.
_LOG_VARIABLE = re.compile(
    r"^\[[^\]]*\d{2}:\d{2}:\d{2}[^\]]*\]\s*"  # [Sun Nov 22 16:31:05.123456 2026]
    r"|\[pid \d+(?::tid \d+)?\]\s*"
    r"|\[(?:client|remote) [^\]]*\]\s*"
    r"|, referer: \S*$")
_NUMBERS = re.compile(r"\b\d+\b")


def log_key(line: str) -> str:
    """What stays the same when one log message repeats (numbers such as pids and ports aside)."""
    return _NUMBERS.sub("#", _LOG_VARIABLE.sub("", line).strip())


def fold_log_lines(text: str) -> str:
    """Each distinct log message once, where it first appeared, with ``[×N]`` when it repeats."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for line in text.splitlines():
        key = log_key(line)
        if key not in counts:
            counts[key] = 0
            first[key] = line
        counts[key] += 1
    if len(counts) == sum(counts.values()):
        return text.rstrip("\n")
    return "\n".join(f"[×{counts[k]}] {first[k]}" if counts[k] > 1 else first[k] for k in counts)


def fold_repeats(text: str) -> str:
    """Runs of identical lines folded into one, with ``[×N]`` (no trailing newline)."""
    out: list[str] = []
    previous, count = None, 0
    for line in text.splitlines() + [None]:  # type: ignore[list-item]
        if line == previous:
            count += 1
            continue
        if previous is not None:
            out.append(f"[×{count}] {previous}" if count > 1 else previous)
        previous, count = line, 1
    return "\n".join(out)


def cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: its head and its end, with what was left out said."""
    if len(text) <= limit:
        return text
    lines = text.splitlines()
    marker = "[... {n} lines ({c} characters) left out here: the JSON report has them all ...]"
    budget = max(0, limit - len(marker) - 24)
    head: list[str] = []
    used = 0
    for line in lines:  # two thirds for the head (the start-up), the rest for the end
        if used + len(line) + 1 > budget * 2 // 3:
            break
        head.append(line)
        used += len(line) + 1
    tail: list[str] = []
    for line in reversed(lines[len(head):]):
        if used + len(line) + 1 > budget:
            break
        tail.insert(0, line)
        used += len(line) + 1
    if not head and not tail:  # one huge line
        return text[:budget] + "\n" + marker.format(n=1, c=len(text) - budget)
    left = len(lines) - len(head) - len(tail)
    return "\n".join(head + [marker.format(n=left, c=max(len(text) - used, 0))] + tail)


def shares(sizes: Sequence[int], room: int) -> list[int]:
    """Split ``room`` between items of ``sizes``: small ones whole, the rest evenly."""
    out = [0] * len(sizes)
    order = sorted(range(len(sizes)), key=lambda k: sizes[k])
    left = max(room, 0)
    for n, k in enumerate(order):
        fair = left // (len(order) - n)
        out[k] = min(sizes[k], fair)
        left -= out[k]
    return out


def clip_cell(text: str) -> str:
    """A table cell cut to MAX_CELL characters."""
    if len(text) <= MAX_CELL:
        return text
    return text[:MAX_CELL] + f" … ({len(text) - MAX_CELL} more characters in the JSON report)"
