"""`wsgidoctor fix --verify` on the real broken installations of the scenario suite: each is
built, started and seen failing, then the fixes are applied to a throwaway copy, which the live
probe must find healthy (no warning or error, every mount answering 200) while the real files stay
as they were. Installations whose cause has no mechanical fix must say so and not claim health."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.scenarios.artefacts import ArtefactUnavailable
from tests.scenarios.harness import Installation
from tests.scenarios.scenarios import SCENARIOS, Scenario

pytestmark = pytest.mark.apache

#: Broken installations whose fixes are mechanical and proven healthy on the copy.
HEALED = ("wrong-python-home", "mod-python-beside", "prefork-embedded", "invalid-mutex",
          "python-home-in-vhost", "daemon-group-missing", "socket-dir-unreachable",
          "fake-python-on-path", "wsgi-not-enabled", "libpython-needs-loadfile",
          "script-alias-trailing-slash", "mount-denied", "numpy-subinterpreter", "library-shadowed")
#: Broken installations whose cause has no mechanical fix (a rebuild, another Python), or only a
#: command on the real files (an ACL), which a copy cannot prove.
NOT_HEALED = ("venv-other-version", "static-libpython", "project-in-private-home")

BY_NAME = {s.name: s for s in SCENARIOS}


def _tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        h.update(str(p).encode())
        if p.is_file() and not p.is_symlink():
            h.update(p.read_bytes())
    return h.hexdigest()


def _fix(scenario: Scenario, inst: Installation) -> tuple[int, dict[str, Any]]:
    try:
        scenario.build(inst)
    except ArtefactUnavailable as exc:
        pytest.skip(str(exc))
    scenario.observe(inst, inst.start())
    before = _tree_digest(inst.root)
    proc = inst.wsgidoctor("fix", "--verify", "--json", *inst.target())
    assert _tree_digest(inst.root) == before, "fix --verify changed the real configuration"
    try:
        return proc.returncode, json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON (exit {proc.returncode}): {proc.stdout[-1000:]}\n{proc.stderr[-2000:]}") from None


@pytest.mark.parametrize("name", HEALED)
def test_the_fix_makes_the_installation_healthy(name: str, installation: Installation) -> None:
    scenario = BY_NAME[name]
    code, result = _fix(scenario, installation)
    verification = result["verification"]
    assert scenario.expect in [f["finding_id"] for f in result["fixes"]], result
    assert result["diffs"], result
    assert verification["healthy"], json.dumps(verification, indent=1)
    assert scenario.expect in verification["gone"]
    assert [m["status"] for m in verification["mounts"]] and all(m["status"] == 200 for m in verification["mounts"])
    assert code == 0


@pytest.mark.parametrize("name", NOT_HEALED)
def test_without_a_mechanical_fix_it_says_so(name: str, installation: Installation) -> None:
    scenario = BY_NAME[name]
    code, result = _fix(scenario, installation)
    verification = result["verification"] or {}
    assert code != 0
    assert not verification.get("healthy")
    fixes = {f["finding_id"]: f for f in result["fixes"]}
    if scenario.expect in fixes:  # a command only: shown, never run, never claimed verified
        assert fixes[scenario.expect]["commands"] and not result["diffs"]
    else:
        assert scenario.expect in result["no_mechanical_fix"]
