"""Each scenario: build a real broken installation, start Apache on it, see it fail the way
people report, run the doctor, and check that exactly the right finding fires (see
scenarios.py for the catalogue and docs/scenarios.md for the table)."""

from __future__ import annotations

import importlib.util
from typing import Any, Optional

import pytest

from tests.scenarios.artefacts import ArtefactUnavailable
from tests.scenarios.harness import Doctor, Installation
from tests.scenarios.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.apache

EXIT_CODE = {"error": 2, "warning": 1, None: 0}


class MissingFinding(AssertionError):
    """The doctor's report is not what the scenario requires (the only failure a pending
    scenario is allowed: a scenario that stops reproducing its problem still fails)."""


def pending(s: Scenario) -> Optional[str]:
    """Why the scenario's finding cannot be proven yet, or None.

    Besides a reason written into the catalogue, a finding id that no rules module declares (or
    the live probe, for a ``--live`` scenario) not having landed yet makes the scenario pending:
    the test then flips to a real one, and the strict xfail fails, the moment it lands.
    """
    if s.pending:
        return s.pending
    from wsgidoctor.core.catalogue import CATALOG
    from wsgidoctor.areas import load_rules as load_all

    load_all()
    if s.expect and s.expect not in CATALOG:
        return f"no rules module declares {s.expect} yet"
    if s.live and importlib.util.find_spec("wsgidoctor.live.probe") is None:
        return "the live probe (probes/live.py) has not landed yet"
    return None


def _params() -> list[Any]:
    params = []
    for s in SCENARIOS:
        why = pending(s)
        marks = [pytest.mark.xfail(strict=True, raises=MissingFinding, reason=why)] if why else []
        params.append(pytest.param(s, id=s.name, marks=marks))
    return params


def check_findings(scenario: Scenario, inst: Installation, doctor: Doctor) -> None:
    """The expected id fires, cites this installation, and nothing else warns or errs. A
    configuration Apache refuses leaves its module list unread: the report must say so."""
    fired = doctor.ids("error", "warning")
    allowed = ({scenario.expect} if scenario.expect else set()) | set(scenario.also)
    if getattr(scenario.observe, "refusal", False) and not doctor.report.get("facts", {}).get("apache", {}).get("modules"):
        incomplete = {i.get("section") for i in doctor.report.get("summary", {}).get("incomplete", [])}
        if "modules" not in incomplete or "sections-not-examined" not in fired:
            raise MissingFinding(f"a refused configuration was not said to leave modules unexamined\n{doctor.summary()}")
        allowed.add("sections-not-examined")
    if scenario.expect and scenario.expect not in fired:
        raise MissingFinding(f"{scenario.expect} did not fire\n{doctor.summary()}")
    if fired - allowed:
        raise MissingFinding(f"unrelated findings fired: {sorted(fired - allowed)}\n{doctor.summary()}")
    worst = "error" if doctor.ids("error") else "warning" if fired else None
    if doctor.exit_code != EXIT_CODE[worst]:
        raise MissingFinding(f"exit code {doctor.exit_code} for worst severity {worst}\n{doctor.summary()}")
    if scenario.expect:
        cited = scenario.cites.format(top=inst.top)
        texts = [f["detail"] + " " + " ".join(f"{e['source']} {e['text']}" for e in f["evidence"])
                 for f in doctor.findings() if f["id"] == scenario.expect]
        if not any(cited in t for t in texts):
            raise MissingFinding(f"no {scenario.expect} finding cites {cited!r}:\n" + "\n".join(texts))
        if not all(f["evidence"] for f in doctor.findings() if f["id"] == scenario.expect):
            raise MissingFinding(f"a {scenario.expect} finding carries no evidence\n{doctor.summary()}")


def check_live_agrees(doctor: Doctor, app: dict[str, Any]) -> None:
    """The doctor's throwaway copy ran the application as the real server did."""
    live = doctor.report["facts"].get("live") or {}
    answers = [m.get("answer") for m in live.get("mounts") or [] if m.get("url") == "/app"]
    if not answers or not answers[0]:
        raise MissingFinding(f"the live probe has no answer for /app: {live.get('error') or live}\n{doctor.summary()}")
    python = answers[0]["python"]
    environ = answers[0]["environ"]
    seen = {"version": ".".join(str(n) for n in python["version_info"][:3]),
            "prefix": python["prefix"], "base_prefix": python["base_prefix"],
            "process_group": environ.get("mod_wsgi.process_group"),
            "multithread": environ.get("wsgi.multithread"),
            "multiprocess": environ.get("wsgi.multiprocess")}
    real = {k: app[k] for k in seen}
    if seen != real:
        raise MissingFinding(f"--live saw {seen}, the real server ran {real}")


@pytest.mark.parametrize("scenario", _params())
def test_scenario(scenario: Scenario, installation: Installation) -> None:
    try:
        scenario.build(installation)
    except ArtefactUnavailable as exc:  # a prerequisite this machine lacks (a pyenv Python...)
        pytest.skip(str(exc))
    start = installation.start()
    app: Optional[dict[str, Any]] = scenario.observe(installation, start)
    doctor = installation.doctor(live=scenario.live)
    check_findings(scenario, installation, doctor)
    if scenario.live and app is not None:
        check_live_agrees(doctor, app)
    if scenario.expect is None:  # what a person runs: `wsgidoctor check` says healthy, exit 0
        check = installation.wsgidoctor("check", *installation.target())
        if check.returncode != 0:
            raise MissingFinding(f"wsgidoctor check exited {check.returncode}:\n{check.stdout}{check.stderr}")


def test_the_catalogue_covers_the_issue() -> None:
    """At least twelve broken installations, two healthy baselines, ids all distinct scenarios."""
    broken = [s for s in SCENARIOS if s.expect]
    assert len(broken) >= 12
    assert [s.name for s in SCENARIOS if s.expect is None] == ["healthy-embedded", "healthy-daemon"]
    assert all(s.cites for s in broken), [s.name for s in broken if not s.cites]
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)
