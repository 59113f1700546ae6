"""The areas of wsgidoctor, in report order, and what each one contributes.

An area is one folder per report section. It may hold probes (``probe*.py``, each defining
``PROBE``), parsers (``parse*.py``, defining ``PARSER`` or ``PARSERS``), derivations and rules
(``rules.py``, ``derive.py``). The lists below are the whole registry: there is no scanning, so
adding a module to an area means adding its name here (docs/architecture.md says how).

This module sits above :mod:`wsgidoctor.core`: it imports the areas and hands their parts to the
core's pipeline, catalogue and parser dispatch. Entry points that need the complete catalogue
(``check``, ``analyze``, ``explain``, the pytest plugin) call the functions here.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any, Iterator, Optional

from wsgidoctor.core import catalogue
from wsgidoctor.core.hookspec import Probe
from wsgidoctor.core.model import Finding, RawOutput
from wsgidoctor.core.parsing import Parser, best_kind, safe_parse

#: Report sections that are areas, in report order.
AREAS = ("install", "apache", "mutex", "config", "wsgi", "linkage", "python", "errorlog", "live",
         "permissions", "access", "sandbox")

#: Built-in probes, as modules defining ``PROBE``.
PROBE_MODULES = (
    "install.probe", "install.probe_version",
    "apache.probe_compiled", "apache.probe_modules", "apache.probe_apxs",
    "mutex.probe",
    "config.probe",
    "linkage.probe",
    "python.probe",
    "wsgi.probe_packages",
    "linkage.probe_foreign",
    "errorlog.probe",
    "live.probe",
    "permissions.probe",
    "sandbox.probe", "sandbox.probe_selinux", "sandbox.probe_apparmor",
)

#: Parsers of raw outputs, as modules defining ``PARSER`` or ``PARSERS``.
PARSER_MODULES = (
    "apache.parse_httpd_v", "apache.parse_httpd_l", "apache.parse_httpd_m",
    "apache.parse_configtest", "apache.parse_config_nice",
    "mutex.parse_apr_h",
    "linkage.parse_ldd", "linkage.parse_otool",
    "errorlog.parse",
    "sandbox.parse_selinux", "sandbox.parse_apparmor",
)

#: Modules declaring findings, rules and derivations, imported in this order.
RULE_MODULES = (
    "install.rules",
    "apache.rules",
    "mutex.rules",
    "config.rules",
    "wsgi.rules",
    "linkage.rules",
    "python.rules",
    "errorlog.rules",
    "config.refusal",
    "live.rules",
    "permissions.rules",
    "access.rules",
    "sandbox.rules",
    "completeness",
)


#: Modules registering mechanical fixes (``wsgidoctor fix``), keyed by the finding ids they fix.
FIX_MODULES = (
    "apache.fixes", "mutex.fixes", "config.fixes", "wsgi.fixes", "linkage.fixes", "python.fixes",
    "permissions.fixes", "access.fixes", "sandbox.fixes",
)


def _import(name: str) -> Any:
    return importlib.import_module(f"wsgidoctor.{name}")


def load_rules() -> None:
    """Import every rule module, so that the catalogue, rules and derivations are complete."""
    for name in RULE_MODULES:
        _import(name)


def load_fixes() -> None:
    """Import every fix module (after the rules, whose findings they fix)."""
    load_rules()
    for name in FIX_MODULES:
        _import(name)


def builtin_probes() -> list[Probe]:
    """The probes shipped with wsgidoctor, in the order of :data:`PROBE_MODULES`."""
    return [_import(name).PROBE for name in PROBE_MODULES]


@lru_cache(maxsize=None)
def parsers() -> dict[str, Parser]:
    """Every built-in parser, by the raw-output kind it reads."""
    found: dict[str, Parser] = {}
    for name in PARSER_MODULES:
        module = _import(name)
        items = getattr(module, "PARSERS", None) or (module.PARSER,)
        for p in items:
            found[p.kind] = p
    return found


def parse_raw(item: RawOutput) -> dict[str, Any]:
    """Parse a raw output with the parser for its kind (an empty dict if there is none)."""
    parser = parsers().get(item.kind)
    return safe_parse(parser, item.text) if parser is not None else {}


def detect_kind(text: str, minimum: float = 0.5) -> Optional[str]:
    """Guess which kind of output ``text`` is; ``None`` when no parser is confident enough."""
    return best_kind(parsers(), text, minimum)


def derive_all(facts: dict[str, Any], notes: Optional[list[str]] = None) -> dict[str, Any]:
    """``facts`` with every area's derived facts laid over them (see
    :func:`wsgidoctor.core.catalogue.derive_all`); ``facts`` itself is not changed."""
    load_rules()
    return catalogue.derive_all(facts, notes)


def diagnose(facts: dict[str, Any], notes: Optional[list[str]] = None) -> list[Finding]:
    """Apply every rule of every area (see :func:`wsgidoctor.core.catalogue.diagnose`)."""
    load_rules()
    return catalogue.diagnose(facts, notes)


def iter_catalog() -> Iterator[catalogue.FindingSpec]:
    """The complete catalogue, sorted by section then id."""
    load_rules()
    return catalogue.iter_catalog()


def collect(options: Any, probes: Optional[list[Probe]] = None, progress: Any = None,
            preload: tuple[str, ...] = ()) -> Any:
    """Run the built-in (and plugin) probes, or ``probes``, and parse what they gathered.

    The rule modules, and the modules named in ``preload``, are imported while the probes wait for
    their commands (see :func:`wsgidoctor.core.pipeline.collect`).
    """
    from wsgidoctor.core import pipeline
    from wsgidoctor.core.model import Report

    notes: list[str] = []
    if probes is None:
        probes = pipeline.select_probes(builtin_probes(), options, notes)
    rules = tuple(f"wsgidoctor.{name}" for name in RULE_MODULES)
    report: Report = pipeline.collect(options, probes, parse_raw, progress=progress,
                                      preload=rules + tuple(preload))
    report.notes[:0] = notes
    return report


def finish(report: Any, ignore: Any = ()) -> Any:
    """Derive facts and apply every area's rules to a collected report."""
    from wsgidoctor.core import pipeline

    return pipeline.finish(report, derive_all, diagnose, ignore)


def absorb(report: Any, fragment: dict[str, Any], raw: Any = ()) -> None:
    """Merge a facts fragment and parse raw outputs into ``report`` (as the pipeline does)."""
    from wsgidoctor.core import pipeline

    pipeline.absorb(report, fragment, raw, parse_raw)
