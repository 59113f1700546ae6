"""The one catalogue of findings, and the registries of rules and derivations.

Each area declares its findings with :func:`finding` (the catalogue entry: id, severity, section,
title, long explanation, default fix) in its ``rules.py``, exactly once: declaring an id a second
time raises :class:`DuplicateFinding` at import, so the catalogue cannot depend on import order.
A finding owned by another area is imported from that area by name.

Rules (:func:`rule`) receive the whole facts dict and yield
:class:`~wsgidoctor.core.model.Finding` objects, usually via ``SPEC.make(detail=..., evidence=...)``.
Derivations (:func:`derivation`) compute facts from facts before the rules run (e.g. the effective
accept mutex); they run in ``check`` and ``analyze`` alike.

This module only holds what is registered. :mod:`wsgidoctor.areas` imports every area so that the
registries are complete; call :func:`wsgidoctor.areas.diagnose` and friends, not the functions here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

from wsgidoctor.core.model import Evidence, Finding, Severity

RuleFn = Callable[[dict[str, Any]], Iterable[Finding]]
#: A derivation reads the facts and returns the facts it derives (a fragment laid over them), or
#: None when it has nothing to add. It never changes the facts it is given.
DeriveFn = Callable[[Mapping[str, Any]], Optional[Mapping[str, Any]]]

CATALOG: dict[str, "FindingSpec"] = {}
_RULES: list[tuple[str, RuleFn]] = []
_DERIVATIONS: list[tuple[int, str, DeriveFn]] = []

#: The report sections, in display order.
SECTIONS = {
    "install": "Installation",
    "apache": "Apache build",
    "modules": "Apache modules",
    "mutex": "Accept mutex",
    "config": "Apache configuration",
    "linkage": "Python shared library",
    "python": "Python installation in use",
    "wsgi": "Process group, application group and threading",
    "permissions": "File permissions",
    "access": "Access configuration",
    "sandbox": "Service sandboxing",
    "errorlog": "Error log",
    "live": "Live probe",
    "general": "General",
}


@dataclass(frozen=True)
class FindingSpec:
    """A catalogue entry: everything about a finding id that does not depend on the case."""

    id: str
    severity: Severity
    section: str
    title: str
    explanation: str
    fix: str

    def make(self, detail: str, evidence: Iterable[Evidence] = (), *, fix: Optional[str] = None,
             title: Optional[str] = None, severity: Optional[Severity] = None) -> Finding:
        """A finding for this spec; ``fix``/``title``/``severity`` override the defaults."""
        return Finding(id=self.id, severity=severity or self.severity, title=title or self.title,
                       detail=detail, fix=fix or self.fix, section=self.section,
                       evidence=tuple(evidence))


class DuplicateFinding(Exception):
    """A finding id declared twice: each id belongs to exactly one area."""


def finding(id: str, severity: Severity, section: str, title: str, explanation: str, fix: str) -> FindingSpec:
    """Declare a finding id in the catalogue (ids are unique, stable kebab-case slugs).

    Raises :class:`DuplicateFinding` when the id is already declared.
    """
    if id in CATALOG:
        raise DuplicateFinding(f"finding id {id!r} is declared twice (first in section {CATALOG[id].section!r})")
    spec = FindingSpec(id, severity, section, title, " ".join(explanation.split()), fix)
    CATALOG[id] = spec
    return spec


def rule(fn: RuleFn) -> RuleFn:
    """Register a rule function."""
    _RULES.append((f"{fn.__module__}.{fn.__name__}", fn))
    return fn


FallbackFn = Callable[[dict[str, Any], list[Finding]], Iterable[Finding]]
_FALLBACKS: list[tuple[str, FallbackFn]] = []


def fallback_rule(fn: FallbackFn) -> FallbackFn:
    """Register a rule that runs after all others and sees their findings: for a general finding
    that only says something when no specific one already explains the same thing."""
    _FALLBACKS.append((f"{fn.__module__}.{fn.__name__}", fn))
    return fn


def derivation(order: int = 50) -> Callable[[DeriveFn], DeriveFn]:
    """Register a derivation; lower ``order`` runs first."""
    def deco(fn: DeriveFn) -> DeriveFn:
        _DERIVATIONS.append((order, f"{fn.__module__}.{fn.__name__}", fn))
        return fn
    return deco


def derive_all(facts: Mapping[str, Any], notes: Optional[list[str]] = None) -> dict[str, Any]:
    """The facts with every registered derivation's facts laid over them, in order.

    Each derivation sees what the earlier ones derived. ``facts`` itself is never changed: what
    probes and parsers gathered stays as they gathered it. One that fails leaves a note and the
    rest go on.
    """
    from wsgidoctor.core.facts import overlay

    out = dict(facts)
    for _, name, fn in sorted(_DERIVATIONS, key=lambda d: (d[0], d[1])):
        try:
            fragment = fn(out)
        except Exception as exc:  # noqa: BLE001
            if notes is not None:
                notes.append(f"internal: derivation {name} failed: {type(exc).__name__}: {exc}")
            continue
        if fragment:
            out = overlay(out, fragment)
    return out


def diagnose(facts: dict[str, Any], notes: Optional[list[str]] = None) -> list[Finding]:
    """Apply every registered rule; findings come back worst first, then by section and id.

    A rule that fails adds a note to ``notes`` (never to the facts) and the others go on.
    """
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    calls: list[tuple[str, Callable[[], Iterable[Finding]]]] = [
        (name, lambda fn=fn: fn(facts)) for name, fn in _RULES]
    calls += [(name, lambda fn=fn: fn(facts, list(out))) for name, fn in _FALLBACKS]
    for name, call in calls:
        try:
            for f in call() or ():
                key = (f.id, f.detail)
                if key not in seen:
                    seen.add(key)
                    out.append(f)
        except Exception as exc:  # noqa: BLE001
            if notes is not None:
                notes.append(f"internal: rule {name} failed: {type(exc).__name__}: {exc}")
    order = list(SECTIONS)
    out.sort(key=lambda f: (-f.severity.rank, order.index(f.section) if f.section in order else 99, f.id))
    return out


def iter_catalog() -> Iterator[FindingSpec]:
    """Every declared finding, sorted by section then id."""
    order = list(SECTIONS)
    yield from sorted(CATALOG.values(), key=lambda s: (order.index(s.section) if s.section in order else 99, s.id))
