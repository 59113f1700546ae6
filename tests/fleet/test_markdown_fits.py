"""`report --markdown` fits in GitHub's 65,536 characters whatever the installation, and still
holds every finding: a real site whose error log is 1 GiB of real lines, and a report with more
findings and raw output than any installation has."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.fleet.busy_site import GIB, make_site
from wsgidoctor.core.model import Finding, RawOutput, Report, Severity
from wsgidoctor.render.markdown import render_markdown
from wsgidoctor.render.markdown_fit import MARKDOWN_LIMIT, fold_log_lines

LIMIT = 65_536


def _report(conf, fmt: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsgidoctor", "report", fmt, "--httpd", "/usr/sbin/apache2",
                           "--config", str(conf)], capture_output=True, text=True, timeout=300)


@pytest.mark.apache
@pytest.mark.slow
def test_a_site_with_a_1_gib_error_log_fits_and_keeps_every_finding(tmp_path):
    conf = make_site(tmp_path, GIB)
    assert (tmp_path / "error.log").stat().st_size > GIB - (1 << 20)
    data = json.loads(_report(conf, "--json").stdout)
    ids = {f["id"] for f in data["findings"]}
    assert {"apache-child-crashed", "daemon-response-timeout", "python-home-invalid"} <= ids, ids
    md = _report(conf, "--markdown")
    assert md.returncode == 2, md.stderr
    assert len(md.stdout) <= LIMIT, len(md.stdout)
    for fid in ids:
        assert f"`{fid}`" in md.stdout, fid
    assert "repeated lines folded, [×N] counts them" in md.stdout
    assert "<details><summary>Raw outputs" in md.stdout and md.stdout.rstrip().endswith("</details>")
    # a folded log line keeps one real example, with how often it was seen
    assert "[×" in md.stdout and "AH00128: File does not exist: /var/www/html/favicon.ico" in md.stdout


def test_any_number_of_findings_and_any_size_of_output_fits():
    report = Report(mode="report", generated_at="2026-12-04T00:00:00Z")
    report.findings = [Finding(f"finding-{i:04d}", Severity.ERROR if i % 3 else Severity.INFO, f"Title {i}",
                               "detail line\n" * 40, "fix line\n" * 10, "config") for i in range(1500)]
    report.raw = [RawOutput("httpd-V" if i % 2 else "errorlog-excerpt", f"/var/log/source-{i}.log",
                            "".join(f"[Sun Nov 22 16:31:{s % 60:02d}.0 2026] [wsgi:error] [pid {s}] line {s} "
                                    f"of output {i} {'x' * 80}\n" for s in range(20_000)))
                  for i in range(40)]
    md = render_markdown(report)
    assert len(md) <= MARKDOWN_LIMIT
    for i in range(1500):
        assert f"`finding-{i:04d}`" in md
    assert "wsgidoctor explain ID" in md


def test_one_raw_output_larger_than_the_limit_is_cut_with_its_head_and_end_kept():
    report = Report(mode="report")
    lines = [f"line {i} {'y' * 60}" for i in range(10_000)]
    report.raw = [RawOutput("httpd-t-dump", "apache2 -t -D DUMP_INCLUDES", "\n".join(lines))]
    md = render_markdown(report)
    assert len(md) <= MARKDOWN_LIMIT
    assert lines[0] in md and lines[-1] in md and lines[5000] not in md
    assert "lines (" in md and "left out here: the JSON report has them all" in md
    assert "shortened to fit (the JSON report keeps it whole)" in md


def test_repeated_log_lines_fold_into_one_with_a_count_whatever_their_time_pid_and_client():
    text = ("[Sun Nov 22 16:31:01.1 2026] [core:error] [pid 11:tid 3] [client 10.0.0.1:5100] AH00128: "
            "File does not exist: /srv/favicon.ico\n"
            "[Sun Nov 22 16:31:02.7 2026] [core:error] [pid 12:tid 9] [client 10.0.0.9:5211] AH00128: "
            "File does not exist: /srv/favicon.ico\n"
            "[Sun Nov 22 16:31:03.0 2026] [wsgi:error] [pid 12:tid 9] Segmentation fault\n")
    folded = fold_log_lines(text).splitlines()
    assert len(folded) == 2
    assert folded[0].startswith("[×2] [Sun Nov 22 16:31:01.1 2026]") and folded[1].endswith("Segmentation fault")
