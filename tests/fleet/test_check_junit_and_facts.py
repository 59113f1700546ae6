"""`check --format junit` for CI and `facts` for Ansible's facts.d, on a real broken site."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.fleet.busy_site import make_site
from tests.fleet.conftest import validate_junit

pytestmark = pytest.mark.apache


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsgidoctor", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return make_site(tmp_path_factory.mktemp("site"), 2 << 20)


def test_check_junit_has_a_case_per_check_and_per_finding_with_the_fix(site, tmp_path):
    out = tmp_path / "wsgidoctor.xml"
    done = _run("check", "--format", "junit", "-o", str(out), "--httpd", "/usr/sbin/apache2", "--config", str(site))
    assert done.returncode == 2, done.stderr
    xml = out.read_text()
    validate_junit(xml)
    for probe in ("discovery", "httpd_compiled", "config", "linkage", "hosting", "errorlog"):
        assert f'name="check {probe}"' in xml
    assert '<testcase name="check live" classname=' in xml  # not asked for: skipped
    failure = re.search(r'<testcase name="finding python-home-invalid"[^>]*>\s*<failure type="python-home-invalid" '
                        r'message="error: ([^"]+)">(.*?)</failure>', xml, re.S)
    assert failure, xml
    assert "Fix: Set the home" in failure.group(2) and "/srv/venv-old" in failure.group(2)
    info = re.search(r'<testcase name="finding multiprocess-processes-1"[^>]*/>', xml)
    assert info, "a note is a passing case"
    suites = re.findall(r'<testsuite [^>]*failures="(\d+)"', xml)
    assert len(suites) == 1 and int(suites[0]) >= 2  # python-home-invalid, python-init-failed


def test_facts_prints_json_for_facts_d_and_exits_0_whatever_the_findings(site):
    done = _run("facts", "--httpd", "/usr/sbin/apache2", "--config", str(site))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["status"] == "error" and data["raw"] == []
    assert data["redaction"]["applied"] is True
    assert "python-home-invalid" in {f["id"] for f in data["findings"]}
    bad = _run("facts", "--timeout", "0")
    assert bad.returncode == 3 and "Traceback" not in bad.stderr
