"""The pytest plugin against this machine's Debian apache2 + mod_wsgi, with real live servers.

The two example test files of docs/pytest-plugin.md are run as they are written: the Debian one
on the system configuration (named with --wsgidoctor-config so that other throwaway servers
running on the machine are not mistaken for the system's), the daemon-mode one on a real site
built from the documented <VirtualHost> in a temporary directory. Each run is a pytest
subprocess, as in CI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT
from tests.support.live_helpers import needs_apache, processes_mentioning, write_case

pytest_plugins = ["pytester"]
pytestmark = [pytest.mark.apache, needs_apache]

DOCS = ROOT / "docs" / "pytest-plugin.md"
SYSTEM_CONFIG = "/etc/apache2/apache2.conf"


@pytest.fixture(autouse=True)
def _inner_runs_without_hypothesis(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs under test need no hypothesis; its plugin costs about 2 s per in-process run.

    Set after pytester's own set-up, which clears PYTEST_ADDOPTS.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")


def documented(name: str, language: str = "python") -> str:
    """The code block marked ``<!-- example: name -->`` in docs/pytest-plugin.md."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {re.escape(name)} -->\n```{language}\n(.*?)```", text, re.S)
    assert found, f"docs/pytest-plugin.md has no {language} example {name!r}"
    return found.group(1)


def assert_nothing_left(tmp_dirs: list[str]) -> None:
    for tmp in tmp_dirs:
        assert not Path(tmp).exists(), f"{tmp} was left behind"
        assert processes_mentioning(tmp) == [], f"processes of {tmp} are still running"


def test_the_debian_image_example_passes_on_this_machine(pytester: pytest.Pytester):
    pytester.makepyfile(test_image=documented("debian-image"))
    result = pytester.runpytest_subprocess(
        "--wsgidoctor-config", SYSTEM_CONFIG, "--wsgidoctor-require-apache", "--wsgidoctor-live",
        "--wsgidoctor-report", "out/wsgidoctor.json", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([f"wsgidoctor *: httpd found automatically, config {SYSTEM_CONFIG}, live server on, "
                                 "missing Apache fails, JSON report to */out/wsgidoctor.json"])
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["wsgidoctor: JSON report (status *) written to */out/wsgidoctor.json"])
    data = json.loads((pytester.path / "out" / "wsgidoctor.json").read_text(encoding="utf-8"))
    assert data["facts"]["install"]["config_file"] == SYSTEM_CONFIG
    # --wsgidoctor-live: the report itself holds mod_wsgi's answers
    assert data["facts"]["wsgi"]["application_group"] == {"value": "", "source": "live"}
    assert_nothing_left(data["facts"]["live"]["tmp_dirs"])


SHOP_APP = """\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the shop"]
"""


@pytest.fixture
def shop() -> Iterator[Path]:
    """The documented daemon-mode site, with /srv/shop moved to a directory www-data can reach."""
    base = Path(tempfile.mkdtemp(prefix="wsgidoctor-shop-"))
    try:
        base.chmod(0o755)
        (base / "src" / "shop").mkdir(parents=True)
        (base / "src" / "shop" / "wsgi.py").write_text(SHOP_APP)
        subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(base / "venv")],
                       check=True, capture_output=True, timeout=120)
        site = documented("daemon-site-conf", "apache").replace("/srv/shop", str(base))
        write_case(base / "etc", "Listen 80\n" + site)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_daemon_mode_site_example_passes_on_a_real_site(pytester: pytest.Pytester, shop: Path):
    pytester.makepyfile(test_shop=documented("daemon-site").replace("/srv/shop", str(shop)))
    result = pytester.runpytest_subprocess("--wsgidoctor-config", str(shop / "etc" / "httpd.conf"),
                                           "--wsgidoctor-require-apache", "-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=5)


def test_the_daemon_mode_example_fails_with_the_fix_when_the_site_is_embedded(pytester: pytest.Pytester, shop: Path):
    conf = shop / "etc" / "httpd.conf"
    conf.write_text(conf.read_text().replace("    WSGIProcessGroup shop\n", ""))
    pytester.makepyfile(test_shop=documented("daemon-site").replace("/srv/shop", str(shop)))
    result = pytester.runpytest_subprocess("--wsgidoctor-config", str(conf), "-p", "no:cacheprovider")
    # the configuration check, mod_wsgi's answer, and the venv (embedded mode runs no python-home)
    result.assert_outcomes(passed=2, failed=3)
    result.stdout.fnmatch_lines([
        f"E*AssertionError: The application at / runs in embedded mode ({conf}:*",
        "E*fix: define `WSGIDaemonProcess NAME ...` and add `process-group=NAME` to its WSGIScriptAlias*",
        "E*AssertionError: mod_wsgi runs the application at / in embedded mode: its process group is '' "
        "(live: GET http://127.0.0.1:*/ with Host: shop.example.com)*",
    ])


XDIST_MEETING = """
import json
import os
import time
from pathlib import Path

MEETING = Path({meeting!r})


def meet(server):
    worker = os.environ["PYTEST_XDIST_WORKER"]
    (MEETING / (worker + ".up")).write_text(str(server.port))
    deadline = time.monotonic() + 60
    while len(list(MEETING.glob("*.up"))) < 2:  # both servers are up at the same time
        assert time.monotonic() < deadline, "the other worker's server never came up"
        time.sleep(0.05)
    answer = server.probe()
    (MEETING / (worker + ".json")).write_text(json.dumps({{
        "port": server.port, "tmp": server.tmp, "pid": answer["process"]["pid"],
        "listener_port": answer["environ"]["mod_wsgi.listener_port"]}}))


def test_one(wsgidoctor_server):
    meet(wsgidoctor_server)


def test_two(wsgidoctor_server):
    meet(wsgidoctor_server)
"""


def test_two_xdist_workers_run_two_live_servers_at_once(pytester: pytest.Pytester):
    meeting = pytester.path / "meeting"
    meeting.mkdir()
    pytester.makepyfile(test_meet=XDIST_MEETING.format(meeting=str(meeting)))
    result = pytester.runpytest_subprocess("-n", "2", "--wsgidoctor-config", SYSTEM_CONFIG,
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    seen = {p.stem: json.loads(p.read_text()) for p in meeting.glob("*.json")}
    assert sorted(seen) == ["gw0", "gw1"]
    gw0, gw1 = seen["gw0"], seen["gw1"]
    assert gw0["port"] != gw1["port"] and gw0["tmp"] != gw1["tmp"] and gw0["pid"] != gw1["pid"]
    for worker, info in seen.items():
        assert f"wsgidoctor-live-{worker}-" in info["tmp"]
        assert info["listener_port"] == str(info["port"])  # each was answered by its own server
    assert_nothing_left([gw0["tmp"], gw1["tmp"]])


def test_a_server_that_does_not_start_fails_with_its_error_log(pytester: pytest.Pytester, tmp_path: Path):
    conf = write_case(tmp_path / "etc", f"""\
Listen 80
ServerName bad.example
WSGIDaemonProcess site user=no-such-user-wsgidoctor
WSGIScriptAlias /app {tmp_path}/srv/app.wsgi process-group=site
""")
    pytester.makepyfile("""
        def test_one(wsgidoctor_server):
            pass

        def test_two(wsgidoctor_server):
            pass
    """)
    result = pytester.runpytest_subprocess("--wsgidoctor-config", str(conf), "-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "wsgidoctor: the throwaway server (*apache2) did not start: apache2 exited with status 1 while starting.",
        "Its error log:",
        "  AH00543: apache2: bad user name no-such-user-wsgidoctor",
        "Its configuration (generated from yours):",
        '  WSGIDaemonProcess "site" user="no-such-user-wsgidoctor"',
    ])
    tried = set(re.findall(r'ServerRoot "(/tmp/wsgidoctor-live-[^"]+)"', result.stdout.str()))
    assert len(tried) == 1  # started once for the session, not once per test
    assert_nothing_left(sorted(tried))
