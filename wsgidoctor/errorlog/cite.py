"""Turn error-log events into what findings cite: ``path:line`` references and Evidence.

Works on the ``errorlog`` facts only (plain dicts), so rules stay short.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core.model import Evidence


class LogView:
    """Read access to the ``errorlog`` facts: events, citations, whether an event is stale."""

    def __init__(self, log: Mapping[str, Any]):
        self.log = log
        self.path = log.get("path") or "the error log"
        self.events: Mapping[str, Any] = log.get("events") or {}

    def event(self, name: str) -> Optional[Mapping[str, Any]]:
        ev = self.events.get(name)
        return ev if ev and ev.get("count") else None

    def where(self, line: Optional[int]) -> str:
        """``/var/log/apache2/error.log:12`` (or a relative reference when numbers are unknown)."""
        if line is None:
            return self.path
        if self.log.get("line_numbers") == "relative":
            return f"{self.path} (line {line} counted from byte {self.log.get('start_offset', 0)})"
        return f"{self.path}:{line}"

    def cite(self, ev: Mapping[str, Any]) -> str:
        """Where an event was seen: first place, and how often and last place when repeated."""
        text = self.where(ev.get("first"))
        count = ev.get("count", 0)
        if count > 1:
            text += f", {count} times in all, last at line {ev.get('last')}"
        return text

    def examples(self, ev: Mapping[str, Any], limit: int = 2) -> list[Mapping[str, Any]]:
        items = list(ev.get("examples") or [])
        if limit <= 1:
            return items[:1]
        if len(items) <= limit:
            return items
        return items[:limit - 1] + items[-1:]

    def evidence(self, *events: Optional[Mapping[str, Any]], limit: int = 2) -> list[Evidence]:
        """Evidence for the first and last examples of each event given."""
        out: list[Evidence] = []
        for ev in events:
            if not ev:
                continue
            for ex in self.examples(ev, limit):
                out.append(Evidence(self.path, str(ex.get("text") or ""), ex.get("line")))
                after = ex.get("after")
                if after and after.get("line") is not None and len(out) < 12:
                    out.append(Evidence(self.path, str(after.get("text") or ""), after.get("line")))
        return out

    def quote(self, ev: Mapping[str, Any]) -> str:
        """The message of the first example, for quoting in a detail."""
        items = ev.get("examples") or []
        return str(items[0].get("text") or "").strip() if items else ""

    def values(self, ev: Mapping[str, Any], field: str) -> list[str]:
        """Distinct values of ``field`` among the examples, in order of appearance."""
        out: list[str] = []
        for ex in ev.get("examples") or ():
            value = (ex.get("fields") or {}).get(field)
            if value is not None and value not in out:
                out.append(value)
        return out

    def tally(self, ev: Mapping[str, Any]) -> str:
        """``'shop' 12×, 'api' 3×`` from the event's tally."""
        by = ev.get("by") or {}
        parts = sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"'{k}' {v}×" for k, v in parts[:6]) + (" …" if len(parts) > 6 else "")

    def stale(self, *events: Optional[Mapping[str, Any]]) -> bool:
        """True when every given event happened before the last start-up began."""
        start = self.log.get("startup_line")
        seen = [ev for ev in events if ev]
        if start is None or not seen:
            return False
        return all((ev.get("last") or 0) < start for ev in seen)


def join(parts: Iterable[str]) -> str:
    """Sentences joined with spaces, empty ones dropped."""
    return " ".join(p.strip() for p in parts if p and p.strip())
