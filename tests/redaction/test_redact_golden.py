"""Redaction blanks exactly what it blanked before it was made faster: real reports, byte for byte.

The goldens (fixtures/redaction/golden/) were written by main's redaction before the speed work;
see tests/redaction/golden.py for the cases.
"""

from __future__ import annotations

import difflib

import pytest

from tests.redaction.golden import CASES, MODES, read_golden, redacted_json


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_redacted_json_is_the_golden_one(case: str, mode: str) -> None:
    got, want = redacted_json(case, mode), read_golden(case, mode)
    if got != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "now"))[:60])
        pytest.fail(f"{case} ({mode}) redacts differently from the golden:\n{diff}")


def test_the_goldens_hold_redacted_secrets() -> None:
    """The cases exercise redaction: secrets blanked, by several rules, host and user names replaced."""
    default, named = read_golden("noisy-log", "default"), read_golden("noisy-log", "hosts-users")
    assert default.count("<redacted>") > 50
    assert "pw-" not in default and "Bearer tok" not in default
    assert "host-1" in named and "<user-1>" in named
