"""A long ASCII text is redacted rule by rule on the lines that can change only: the result is the
whole-text result, secrets counted and remembered alike.

wsgidoctor.redaction.secrets gives each rule only the lines of an ASCII text that hold what the
rule needs (a literal, a secret-name word); a text that is not ASCII goes through every rule whole,
as it did before. A first line "é" makes any text take the whole-text way without changing what
its other lines hold, so each text below is redacted both ways and the two must agree.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import FIXTURES
from tests.redaction.golden import error_log
from tests.support.fuzzing import SEED_LINES
from wsgidoctor.redaction.secrets import SecretScrubber

NOT_ASCII = "é\n"
SECRET_LINES = [line for p in sorted((FIXTURES / "secrets").iterdir()) if p.is_file()
                for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
SEED_TEXT = [b.decode("latin-1") for b in SEED_LINES if b.isascii()]


def _texts() -> list[tuple[str, str]]:
    rnd = random.Random(11)
    texts = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((FIXTURES / "secrets").iterdir()) if p.is_file()]
    texts.append(("error log", error_log(48 * 1024, 0.1)))
    for n in range(40):  # real lines and planted secrets mixed, long enough for the line-by-line way
        lines = rnd.sample(SEED_TEXT, 60) + rnd.sample(SECRET_LINES, 12)
        rnd.shuffle(lines)
        text = "\n".join(lines)
        texts.append((f"mixed-{n}", text.upper() if n % 5 == 0 else text))
    return [(name, text) for name, text in texts if text.isascii()]


def _redact(text: str) -> tuple[str, list[tuple[str, int]], set[str]]:
    scrubber = SecretScrubber()
    out = scrubber.text(text)
    return out, sorted(scrubber.counts.items()), scrubber.found


@pytest.mark.parametrize("name,text", _texts(), ids=lambda v: v if len(v) < 40 else "")
def test_line_by_line_redaction_is_whole_text_redaction(name: str, text: str) -> None:
    by_lines = _redact(text)
    whole = _redact(NOT_ASCII + text)
    assert whole[0] == NOT_ASCII + by_lines[0]
    assert whole[1:] == by_lines[1:]


def test_the_texts_hold_secrets_to_blank() -> None:
    """The comparison above is about something: the mixed texts have secrets blanked, by many rules."""
    rules = set()
    for _, text in _texts():
        rules.update(rule for rule, _ in _redact(text)[1])
    assert {"secret-names", "url-credentials", "auth-headers", "token-shapes", "secret-directives"} <= rules
