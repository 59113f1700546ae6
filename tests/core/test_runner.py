"""The runner: one broken probe never blanks the report, and probe plugins load from entry points."""

import sys
import textwrap
import time

import pytest

from wsgidoctor import areas as runner
from wsgidoctor.core import pipeline
from wsgidoctor.core.model import ProbeStatus, RawOutput
from wsgidoctor.core.hookspec import NotApplicable, Options, Probe, ProbeOutput


def _statuses(report):
    return {p.name: (p.status, p.error) for p in report.probes}


def test_a_failing_hanging_or_inapplicable_probe_is_recorded_and_the_others_still_run():
    def boom(ctx):
        raise RuntimeError("kaboom")

    def hang(ctx):
        time.sleep(30)

    def nothing(ctx):
        raise NotApplicable("no apxs here")

    def good(ctx):
        return ProbeOutput(facts={"apache": {"version": "2.4.99"}})

    probes = [Probe("boom", boom), Probe("hang", hang, timeout=0.3), Probe("nothing", nothing),
              Probe("good", good)]
    start = time.monotonic()
    report = runner.collect(Options(), probes)
    assert time.monotonic() - start < 5
    st = _statuses(report)
    assert st["boom"] == (ProbeStatus.FAILED, "RuntimeError: kaboom")
    assert st["hang"][0] is ProbeStatus.TIMEOUT
    assert st["nothing"] == (ProbeStatus.NOT_APPLICABLE, "no apxs here")
    assert st["good"][0] is ProbeStatus.OK
    assert report.facts["apache"]["version"] == "2.4.99"


def test_a_probe_sees_the_facts_of_the_probes_it_needs():
    seen = {}

    def first(ctx):
        time.sleep(0.05)
        return ProbeOutput(facts={"install": {"httpd": "/x/httpd"}})

    def second(ctx):
        seen["httpd"] = ctx.fact("install.httpd")
        return ProbeOutput()

    runner.collect(Options(), [Probe("second", second, needs=("first",)), Probe("first", first)])
    assert seen["httpd"] == "/x/httpd"


def test_skipped_and_non_default_probes_do_not_run():
    ran = []

    def mark(ctx):
        ran.append(1)
        return ProbeOutput()

    report = runner.collect(Options(skip_probes=("a",)), [Probe("a", mark), Probe("live", mark, default=False)])
    assert not ran
    assert {p.name: p.status for p in report.probes} == {"a": ProbeStatus.SKIPPED, "live": ProbeStatus.SKIPPED}


def test_raw_outputs_are_kept_and_unknown_kinds_are_not_parsed():
    def raw(ctx):
        return ProbeOutput(raw=[RawOutput("no-such-kind", "cmd", "text")])

    report = runner.collect(Options(), [Probe("raw", raw)])
    assert [r.kind for r in report.raw] == ["no-such-kind"]


@pytest.fixture
def plugin_distribution(tmp_path, monkeypatch):
    """A real installed distribution on sys.path declaring a wsgidoctor.probes entry point."""
    (tmp_path / "demo_probe.py").write_text(textwrap.dedent("""
        from wsgidoctor.core.hookspec import Probe, ProbeOutput
        PROBE = Probe("demo", lambda ctx: ProbeOutput(facts={"demo": {"ok": True}}))
        BROKEN = 42
    """))
    dist = tmp_path / "demo_probe-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-probe\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[wsgidoctor.probes]\ndemo = demo_probe\nnotaprobe = demo_probe:BROKEN\nmissing = no_such_module:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("demo_probe", None)


def test_plugin_probes_load_from_entry_points_and_broken_ones_are_reported(plugin_distribution):
    notes = []
    probes = pipeline.plugin_probes(notes)
    assert [p.name for p in probes] == ["demo"]
    assert any("notaprobe" in n and "not a wsgidoctor Probe" in n for n in notes)
    assert any("missing" in n and "failed to load" in n for n in notes)
    report = runner.collect(Options(), [*probes])
    assert report.facts["demo"] == {"ok": True}
