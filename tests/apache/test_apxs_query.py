"""apxs is asked once for every build variable, and name by name only when its answer does not line up.

Against Debian's real apxs (apache2-dev, installed by scripts/test.sh): the one-call answer must
equal what ``apxs -q NAME`` says for each name, and a name apxs skips silently must not shift the
others' values (the answer then has one field too few, and every name is asked on its own).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from wsgidoctor.apache.probe_apxs import VARIABLES, query
from wsgidoctor.core.hookspec import Options, ProbeContext

APXS = shutil.which("apxs") or shutil.which("apxs2")
pytestmark = pytest.mark.skipif(APXS is None, reason="apxs is installed by scripts/test.sh (apache2-dev)")


def _one(name: str) -> str | None:
    res = subprocess.run([APXS, "-q", name], capture_output=True, text=True)
    return (res.stdout.strip() or None) if res.returncode == 0 else None


def test_one_call_gives_each_name_what_apxs_gives_it_alone():
    values, problems = query(ProbeContext(Options(), {}), APXS, VARIABLES)
    expected = {n: _one(n) for n in VARIABLES if n != "TARGET"}
    assert {n: values[n] for n in expected} == expected
    assert values["TARGET"] == values["PROGNAME"] and values["SBINDIR"]
    assert problems == []


def test_a_name_apxs_skips_does_not_shift_the_others():
    names = ("SBINDIR", "NO_SUCH_BUILD_VARIABLE", "LIBEXECDIR")
    values, _ = query(ProbeContext(Options(), {}), APXS, names)
    assert values == {"SBINDIR": _one("SBINDIR"), "NO_SUCH_BUILD_VARIABLE": None,
                      "LIBEXECDIR": _one("LIBEXECDIR")}
