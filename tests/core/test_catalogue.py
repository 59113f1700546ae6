"""One catalogue: every finding id declared once, the same whatever is imported first."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from wsgidoctor import areas
from wsgidoctor.core.catalogue import DuplicateFinding, finding
from wsgidoctor.core.model import Severity

_DUMP = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module("wsgidoctor." + name)
from wsgidoctor import areas
areas.load_rules()
print(json.dumps([[s.id, s.severity.value, s.section, s.title, s.fix] for s in areas.iter_catalog()]))
"""


def _catalogue_after_importing(order: list[str]) -> list[list[str]]:
    out = subprocess.run([sys.executable, "-c", _DUMP, *order], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_catalogue_does_not_depend_on_import_order():
    modules = list(areas.RULE_MODULES) + list(areas.PROBE_MODULES) + list(areas.PARSER_MODULES)
    rng = random.Random(11)
    orders = [list(reversed(areas.RULE_MODULES)), ["errorlog.rules"], ["live.rules", "errorlog.rules"]]
    orders += [rng.sample(modules, len(modules)) for _ in range(3)]
    first = _catalogue_after_importing(list(areas.RULE_MODULES))
    assert len(first) >= 50
    for order in orders:
        assert _catalogue_after_importing(order) == first, f"catalogue differs after importing {order[:3]}..."


def test_a_second_declaration_of_an_id_is_rejected():
    areas.load_rules()
    with pytest.raises(DuplicateFinding, match="libpython-not-found"):
        finding("libpython-not-found", Severity.INFO, "general", "again", "again", "again")


def test_explain_markdown_is_the_same_when_the_error_log_rules_are_imported_first():
    script = ("import wsgidoctor.errorlog.rules\n"
              "from wsgidoctor.cli.explain import catalog_markdown\nprint(catalog_markdown())")
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    page = Path(__file__).resolve().parents[2] / "docs" / "findings.md"
    assert first.strip() == page.read_text(encoding="utf-8").strip()
