"""--url: ask a probe the user mounted in the real site (here a real Apache started for the test)."""

from __future__ import annotations

from pathlib import Path

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


def test_a_running_server_that_differs_from_the_emulation_is_said(open_tmp):
    """A real disagreement: the application's virtual environment gains a .pth file (a package
    installed) after the real server started. The running daemon keeps the sys.path it computed
    at start; the hosting program, started now, computes the new one. --url asks the running
    server, and the report says that emulation and live server disagree, naming the entry."""
    import glob
    import subprocess

    from tests.support.express import report

    (port,) = free_ports(1)
    venv, vendor, srv = open_tmp / "venv", open_tmp / "vendor", open_tmp / "srv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run(["chmod", "-R", "a+rX", str(venv)], check=True)
    vendor.mkdir(mode=0o755)
    srv.mkdir(mode=0o755)
    probe = srv / "wsgidoctor_probe.wsgi"
    probe.write_bytes(PROBE.read_bytes())
    probe.chmod(0o644)
    root = open_tmp / "site"
    conf = write_case(root, f"""\
Listen 127.0.0.1:{port}
ServerName site.example
WSGISocketPrefix {root}/wsgi
WSGIPythonHome {venv}
WSGIDaemonProcess site threads=3
WSGIScriptAlias /wsgidoctor-probe {probe} process-group=site
""")
    url = f"http://127.0.0.1:{port}/wsgidoctor-probe"
    server = ApacheProcess(HTTPD, str(conf), env={"PATH": "/usr/bin:/bin"}, ports=[port],
                           ready_file=str(root / "httpd.pid"))
    try:
        assert server.start() is None and server.wait_ready(10) is None
        before, _ = report("--config", str(conf), "--httpd", HTTPD, "--url", url)
        pth = Path(glob.glob(str(venv / "lib" / "python3*" / "site-packages"))[0]) / "vendor.pth"
        pth.write_text(f"{vendor}\n")
        pth.chmod(0o644)
        after, _ = report("--config", str(conf), "--httpd", HTTPD, "--url", url)
    finally:
        server.stop()

    # as long as nothing changed, the emulation and the running server agree
    assert before["facts"]["live"]["mounts"][0]["answer"]["python"]["prefix"] == str(venv)
    assert "emulation-live-disagree" not in {f["id"] for f in before["findings"]}
    # then the running server still has its old sys.path, the emulation the new one
    live_path = after["facts"]["live"]["mounts"][0]["answer"]["python"]["path"]
    (run,) = after["facts"]["hosting"]["runs"]
    assert str(vendor) in run["python"]["path"] and str(vendor) not in live_path
    (f,) = [f for f in after["findings"] if f["id"] == "emulation-live-disagree"]
    assert f"sys.path: only the emulation has ['{vendor}']" in f["detail"]
    assert "/wsgidoctor-probe (site.example:" in f["detail"]
