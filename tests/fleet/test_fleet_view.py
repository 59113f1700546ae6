"""The fleet view: worst hosts first, findings by id with their hosts, versions that differ; in
text, JSON, Markdown and JUnit (valid against the JUnit schema), with the worst host's exit code."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.fleet.conftest import validate_junit
from wsgidoctor.fleet.inputs import FleetInputs, HostReport
from wsgidoctor.fleet.view import build_view
from wsgidoctor.render.junit import render_junit


def _view(reports):
    return build_view(FleetInputs([HostReport(h, f"{h}.json", r) for h, r in reports.items()]))


def test_worst_hosts_come_first_and_findings_are_grouped_with_their_hosts(reports):
    view = _view(reports)
    assert [h.host for h in view.hosts] == ["web2", "web3", "web1"]
    assert view.status == "error"
    groups = {g.id: g.hosts for g in view.findings}
    assert groups["apache-child-crashed"] == ("web2",)
    assert groups["errorlog-last-startup"] == ("web2", "web3", "web1")
    assert view.findings[0].id == "apache-child-crashed"


def test_versions_that_differ_between_hosts_are_listed_with_their_hosts(reports):
    view = _view(reports)
    apache = next(d for d in view.differences if d.label == "Apache")
    assert apache.values == {"2.4.41": ("web2", "web1"), "2.4.37": ("web3",)}
    assert not [d for d in _view({"a": reports["web1"], "b": reports["web1"]}).differences]


def test_fleet_junit_has_a_suite_per_host_and_validates_against_the_schema(reports):
    view = _view(reports)
    xml = render_junit([(h.host, view.reports[h.host]) for h in view.hosts])
    validate_junit(xml)
    assert xml.count("<testsuite ") == 3
    assert 'name="finding apache-child-crashed" classname="wsgidoctor.web2.errorlog"' in xml
    assert "<failure type=\"apache-child-crashed\"" in xml and "Fix: " in xml


def test_the_command_prints_each_format_and_exits_with_the_worst_hosts_code(tmp_path, reports):
    for host, report in reports.items():
        (tmp_path / f"{host}.json").write_text(json.dumps(report))

    def fleet(*args):
        return subprocess.run([sys.executable, "-m", "wsgidoctor", "fleet", str(tmp_path), *args],
                              capture_output=True, text=True, timeout=60)

    text = fleet()
    assert text.returncode == 2, text.stderr
    assert text.stdout.index("web2") < text.stdout.index("web3") < text.stdout.index("web1")
    assert "apache-child-crashed (1 host)" in text.stdout and "hosts: web2" in text.stdout
    assert "Apache: 2.4.41 on web2, web1; 2.4.37 on web3" in text.stdout
    data = json.loads(fleet("--json").stdout)
    assert data["hosts_by_status"] == {"ok": 1, "warning": 1, "error": 1}
    assert "| ❌ | web2 |" in fleet("--markdown").stdout
    validate_junit(fleet("--junit").stdout)
    assert fleet("--fail-on", "never").returncode == 0
    empty = subprocess.run([sys.executable, "-m", "wsgidoctor", "fleet", str(tmp_path / "nothing")],
                           capture_output=True, text=True, timeout=60)
    assert empty.returncode == 3 and "no wsgidoctor report" in empty.stderr and "Traceback" not in empty.stderr
