"""Properties of redaction over generated text: it never raises, it is stable, a named secret goes."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import SEED_LINES
from wsgidoctor.core.model import RawOutput, Report
from wsgidoctor.redaction.redact import MARKER, Identity, redact_report, redact_text

EXAMPLES = max(100, int(os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES") or 10_000) // 25)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=not os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES"),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TEXT = st.one_of(st.text(max_size=300),
                 st.lists(st.sampled_from(SEED_LINES).map(lambda b: b.decode("latin-1")), max_size=8).map("\n".join))
SECRET = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=127), min_size=10, max_size=40)
NAME = st.sampled_from(["DB_PASSWORD", "API_KEY", "SECRET_KEY", "AWS_SECRET_ACCESS_KEY", "auth_token", "dbPassword"])
FORM = st.sampled_from(["{n}={v}", "export {n}='{v}'", "SetEnv {n} {v}", "Define {n} \"{v}\"", '"{n}": "{v}"',
                        "--setenv {n} {v}", "postgres://u:{v}@db/x"])


@SETTINGS
@given(before=TEXT, after=TEXT, name=NAME, secret=SECRET, form=FORM)
def test_a_named_secret_anywhere_in_any_text_is_blanked(before, after, name, secret, form):
    line = form.format(n=name, v=secret)
    out = redact_text(f"{before}\n{line}\n{after}")
    assert secret not in out
    assert MARKER in out


@SETTINGS
@given(text=TEXT)
def test_redacting_twice_changes_nothing_more(text):
    once = redact_text(text)
    assert redact_text(once) == once


@SETTINGS
@given(text=st.text(st.characters(blacklist_categories=()), max_size=400), hosts=st.booleans(), users=st.booleans())
def test_any_text_in_any_place_redacts_without_error(text, hosts, users):
    report = Report(mode="report", facts={"install": {"start_env": {text[:20] or "X": text}}, "x": [text]},
                    raw=[RawOutput("x", text, text)], notes=[text])
    out = redact_report(report, hosts=hosts, users=users, identity=Identity(("db-box",), ("alice",)))
    assert out.redaction["applied"] is True
