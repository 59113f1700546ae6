"""docs/findings.md is the output of `wsgidoctor explain --markdown`: every finding id a rules
module declares is documented there, with its current title, explanation and fix."""

import re
from pathlib import Path

from wsgidoctor.cli.main import main
from wsgidoctor.areas import iter_catalog

PAGE = Path(__file__).resolve().parents[2] / "docs" / "findings.md"
REGENERATE = "run `wsgidoctor explain --markdown > docs/findings.md`"


def test_every_declared_finding_is_on_the_page() -> None:
    documented = re.findall(r"^### `([a-z0-9-]+)`", PAGE.read_text(encoding="utf-8"), re.M)
    declared = [spec.id for spec in iter_catalog()]
    missing = sorted(set(declared) - set(documented))
    gone = sorted(set(documented) - set(declared))
    assert not missing and not gone, (
        f"docs/findings.md is out of date (undocumented: {missing}; no longer declared: {gone}): {REGENERATE}")


def test_the_page_is_what_explain_markdown_prints(capsys) -> None:
    assert main(["explain", "--markdown"]) == 0
    printed = capsys.readouterr().out
    assert PAGE.read_text(encoding="utf-8") == printed, f"docs/findings.md is out of date: {REGENERATE}"
