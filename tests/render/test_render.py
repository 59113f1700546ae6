"""Renderers: the same report reads the same in text, Markdown and JSON, and JSON matches its schema."""

import io
import json

import jsonschema

from wsgidoctor.core.model import Evidence, Finding, ProbeRun, ProbeStatus, RawOutput, Report, Severity
from wsgidoctor.render.json import report_to_dict, schema
from wsgidoctor.render.markdown import render_markdown
from wsgidoctor.render.text import render_text


def sample_report() -> Report:
    r = Report(mode="report", generated_at="2026-11-22T00:00:00Z")
    r.facts = {"apache": {"version": "2.4.71", "vendor": "Debian", "mmn": {"major": 20120211, "minor": 142},
                          "mpm": {"name": "event", "threaded": True, "forked": True},
                          "modules": [{"name": "wsgi_module", "origin": "shared"}]},
               "mutex": {"default": "pthread", "available": ["flock", "fcntl", "sysvsem", "posixsem", "pthread"]}}
    r.findings = [Finding("apr-version-skew", Severity.WARNING, "APR loaded differs from compiled",
                          "Server loaded APR 1.7.2 but was compiled with 1.6.5.", "Rebuild Apache.",
                          "apache", (Evidence("apache2ctl -V", "Server loaded:  APR 1.7.2", 4),))]
    r.probes = [ProbeRun("discovery", ProbeStatus.OK, 12.0), ProbeRun("apxs", ProbeStatus.TIMEOUT, 30000, "slow")]
    r.raw = [RawOutput("httpd-V", "apache2ctl -V", "Server version: Apache/2.4.71 (Debian)\n```odd```\n", 0)]
    return r


def test_json_report_validates_against_the_shipped_schema():
    data = report_to_dict(sample_report())
    jsonschema.validate(data, schema())
    assert data["summary"] == {"status": "warning", "counts": {"error": 0, "warning": 1, "info": 0},
                               "incomplete": []}
    assert data["findings"][0]["evidence"][0] == {"source": "apache2ctl -V", "line": 4,
                                                  "text": "Server loaded:  APR 1.7.2"}
    json.dumps(data)


def test_text_shows_marks_findings_fixes_and_a_summary():
    buf = io.StringIO()
    render_text(sample_report(), buf, color=False, width=120)
    out = buf.getvalue()
    assert "Apache/2.4.71 (Debian), MPM event" in out
    assert "! warning apr-version-skew" in out and "fix:\n        Rebuild Apache." in out
    assert "apxs" in out and "timeout" in out  # a probe that did not finish is always shown
    assert out.rstrip().splitlines()[-1].startswith("1 warning.")


def test_text_falls_back_to_ascii_marks_when_the_stream_cannot_encode_them():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    render_text(sample_report(), stream, color=False, width=120)
    stream.flush()
    out = raw.getvalue().decode("ascii")
    assert "[warn] warning apr-version-skew" in out


def test_markdown_is_paste_ready_with_raw_outputs_collapsed_and_fenced_safely():
    md = render_markdown(sample_report())
    assert md.startswith("<!-- wsgidoctor report")
    assert "`apr-version-skew`" in md and "**Fix:** Rebuild Apache." in md
    assert "<details><summary>Raw outputs (1)</summary>" in md
    assert "\n````\nServer version" in md  # the fence is longer than the ``` inside the output


def test_each_mount_shows_its_prediction_and_what_the_live_server_said():
    from wsgidoctor.render.outline import outline

    r = sample_report()
    r.facts["config"] = {"mounts": [
        {"vhost": "www.example.com:80", "url": "/app", "process_group": "app", "application_group": "",
         "multithread": True, "multiprocess": False},
        {"vhost": "www.example.com:80", "url": "/other", "process_group": "", "application_group": "x|/other",
         "multithread": True, "multiprocess": True}]}
    r.facts["live"] = {"mounts": [
        {"mount_index": 0, "observed": {"multithread": True}, "mismatches": {}},
        {"mount_index": 1, "observed": {"multithread": False},
         "mismatches": {"multithread": {"predicted": True, "live": False}}}]}
    rows = dict(next(v for v in outline(r) if v.key == "wsgi").rows)
    assert rows["Mount www.example.com:80/app"].endswith("; confirmed live")
    assert rows["Mount www.example.com:80/other"].endswith("; live differs: multithread no (predicted yes)")


def test_the_python_section_says_why_there_are_no_python_facts():
    from wsgidoctor.render.outline import outline

    r = Report(mode="check")
    r.facts = {"hosting": {"error": "hosting program not built (no C compiler)", "notes": []}}
    rows = dict(next(v for v in outline(r) if v.key == "python").rows)
    assert rows["Hosting program"] == "hosting program not built (no C compiler)"
    assert "Notes" not in rows
    r.facts = {"python": {"prefix": "/usr", "source": "emulated"}}
    rows = dict(next(v for v in outline(r) if v.key == "python").rows)
    assert "Hosting program" not in rows and rows["Seen by"].startswith("the hosting program")


def test_markdown_keeps_angle_brackets_visible_outside_code():
    r = sample_report()
    r.findings = [Finding("directive-wrong-context", Severity.ERROR, "WSGIPythonHome inside <VirtualHost *:80>",
                          "Password was <redacted>; user <user-1>.", "Move it out: `<VirtualHost *:80>` is wrong.",
                          "config")]
    md = render_markdown(r)
    assert "inside &lt;VirtualHost *:80>" in md
    assert "Password was &lt;redacted>; user &lt;user-1>." in md
    assert "`<VirtualHost *:80>` is wrong" in md  # code spans are shown as typed


def test_markdown_pastes_only_the_lines_of_apr_h_a_reader_needs():
    from pathlib import Path

    r = sample_report()
    apr_h = (Path(__file__).resolve().parents[2] / "fixtures/debian12/apr.h").read_text()
    r.raw = [RawOutput("apr.h", "/usr/include/apr-1.0/apr.h", apr_h)]
    md = render_markdown(r)
    assert "excerpt: the lines wsgidoctor reads" in md
    assert "#define APR_USE_PROC_PTHREAD_SERIALIZE    1" in md
    assert "APR_HAS_FLOCK_SERIALIZE" in md and "#include" not in md
    assert len(md) < 4000
