"""Property: any capture in fixtures, wrapped in any combination of decorations, gives the same
facts and finding ids as the bare capture."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings, strategies as st

from tests.paste.corpus_support import CORPUS, analyse, finding_ids
from tests.paste.decorations import DECORATIONS, ENCODINGS, LINE_ENDS, in_paste_order

FIXTURES = CORPUS.parent
#: Bare real captures, one or more per kind (Debian 12 captures of this kind of machine, and
#: undecorated corpus pastes).
CAPTURES = [
    "debian12/apache2ctl-V.txt", "debian12/apache2ctl-M.txt", "debian12/apache2-l.txt",
    "debian12/ldd-mod_wsgi.txt", "debian12/configtest/t-mutex-invalid-argument.txt",
    "debian12/configtest/t-include-invalid-command.txt", "debian12/configtest/t-loadmodule-include-chain.txt",
    "corpus/errorlog/raspbian-2.4.25-prefork-AH00144-accept-mutex-identifier-removed.txt",
    "corpus/errorlog/docker-ubuntu-2.4.18-mod_wsgi-express-4.6.5-py3.6-segfault.txt",
    "corpus/errorlog/windows-2.4.43-mod_wsgi-4.7.1-py3.7-fatal-initfsencoding-bare-python-lines.txt",
    "corpus/otool/macos-10.6-system-python2.6-framework.txt",
    "corpus/config_nice/source-build-included-apr-with-mpm-worker-minimal.txt",
]
_BARE: dict[str, tuple[dict[str, Any], set[str]]] = {}


def comparable(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts without what depends on where lines sit (error-log line numbers and examples)."""
    out = {k: v for k, v in facts.items() if k != "errorlog"}
    log = facts.get("errorlog")
    if log:
        out["errorlog"] = {
            "banner": (log.get("banner") or {}).get("description"),
            "compiled_python": log.get("compiled_python"), "runtime_python": log.get("runtime_python"),
            "command_line": log.get("command_line"),
            "events": {name: ev["count"] for name, ev in (log.get("events") or {}).items()},
        }
    return out


def bare(name: str) -> tuple[dict[str, Any], set[str]]:
    if name not in _BARE:
        report = analyse((FIXTURES / name).read_bytes(), name)
        assert report is not None, name
        _BARE[name] = (comparable(report.facts), finding_ids(report))
    return _BARE[name]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(CAPTURES),
       decorations=st.lists(st.sampled_from(sorted(set(DECORATIONS) - {"wrap_80"})), max_size=4, unique=True),
       line_end=st.sampled_from(sorted(LINE_ENDS)), encoding=st.sampled_from(sorted(ENCODINGS)))
# found by this test in a full run: a fence inside bold behind quotes lost its backticks as inline code
@example(name="debian12/apache2ctl-M.txt", decorations=["compose", "fence", "nested_quote", "bold_first"],
         line_end="cr", encoding="latin-1")
def test_decorated_capture_gives_the_facts_and_findings_of_the_bare_one(name, decorations, line_end, encoding):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    if encoding == "latin-1" and not text.isascii():
        encoding = "utf-8"
    for deco in in_paste_order(decorations):
        text = DECORATIONS[deco](text)
    text = text.replace("\n", LINE_ENDS[line_end])
    report = analyse(ENCODINGS[encoding](text), name)
    assert report is not None, (decorations, encoding)
    facts, ids = bare(name)
    assert (comparable(report.facts), finding_ids(report)) == (facts, ids), (decorations, encoding)
