"""--url: ask a probe the user mounted in the real site (here a real Apache started for the test)."""

from __future__ import annotations

import pytest

from tests.support.live_helpers import HTTPD, PROBE, needs_apache, open_tmp, write_case
from wsgidoctor.live.launcher import ApacheProcess, free_ports

pytestmark = [pytest.mark.apache, needs_apache]


@pytest.fixture
def site(open_tmp):
    """A user's site: Apache with the probe mounted at /wsgidoctor-probe in a daemon group."""
    (port,) = free_ports(1)
    root = open_tmp / "site"
    srv = open_tmp / "srv"
    srv.mkdir(mode=0o755)
    probe = srv / "wsgidoctor_probe.wsgi"
    probe.write_bytes(PROBE.read_bytes())
    probe.chmod(0o644)
    conf = write_case(root, f"""\
Listen 127.0.0.1:{port}
ServerName site.example
WSGISocketPrefix {root}/wsgi
WSGIDaemonProcess site threads=3
WSGIScriptAlias /wsgidoctor-probe {probe} process-group=site
""")
    server = ApacheProcess(HTTPD, str(conf), env={}, ports=[port], ready_file=str(root / "httpd.pid"))
    try:
        assert server.start() is None and server.wait_ready(10) is None
        yield conf, f"http://127.0.0.1:{port}/wsgidoctor-probe"
    finally:
        server.stop()


def run_url(conf, url):
    from wsgidoctor import areas as runner
    from wsgidoctor.core.hookspec import Options
    from wsgidoctor.config.probe import PROBE as CONFIG
    from wsgidoctor.live.probe import PROBE as LIVE

    options = Options(config=str(conf), url=url, httpd=HTTPD, load_plugins=False,
                      extra={"enable_probes": ("live",)})
    return runner.finish(runner.collect(options, probes=[CONFIG, LIVE]))


def test_url_answer_is_compared_with_the_prediction_for_that_mount(site):
    conf, url = site
    report = run_url(conf, url)
    live = report.facts["live"]
    assert live["mode"] == "url" and live["error"] is None
    (m,) = live["mounts"]
    port = url.split(":")[2].split("/")[0]
    assert m["observed"] == {"process_group": "site", "application_group": f"site.example:{port}|/wsgidoctor-probe",
                             "multithread": True, "multiprocess": False}
    assert m["expected"] == m["observed"] and m["mismatches"] == {}
    assert report.facts["wsgi"]["process_group"] == {"value": "site", "source": "live"}
    assert "live-probe-failed" not in {f.id for f in report.findings}


def test_url_that_does_not_answer(site):
    conf, url = site
    (closed,) = free_ports(1)
    report = run_url(conf, f"http://127.0.0.1:{closed}/wsgidoctor-probe")
    (f,) = [f for f in report.findings if f.id == "live-probe-failed"]
    assert "Connection refused" in f.detail
    report = run_url(conf, url.replace("/wsgidoctor-probe", "/not-mounted"))
    (f,) = [f for f in report.findings if f.id == "live-probe-failed"]
    assert "HTTP 404" in f.detail
