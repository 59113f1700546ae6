"""docs/scenarios.md is generated from the scenario catalogue and must not drift from it."""

from pathlib import Path

from tests.scenarios.docs import render

PAGE = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_the_scenarios_page_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/scenarios.md is out of date: run `python -m tests.scenarios.docs > docs/scenarios.md`")
