"""Options are validated before anything runs: bad values are usage errors (exit 3), never accepted.

Each case runs the real command line in a subprocess.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading

import pytest

from tests.conftest import FIXTURES

HTTPD_V = str(FIXTURES / "debian12" / "apache2ctl-V.txt")


def wsgidoctor(*args: str, stdout=subprocess.PIPE, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsgidoctor", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "1e309", "-1", "0", "abc", "100000"])
def test_a_timeout_that_is_not_a_sensible_number_of_seconds_is_refused(value):
    out = wsgidoctor("check", "--timeout", value)
    assert out.returncode == 3
    assert "--timeout" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("url", ["file:///etc/shadow", "FILE:///etc/passwd", "ftp://127.0.0.1/x", "http://",
                                 "gopher://127.0.0.1/", "/etc/shadow", "http://127.0.0.1:99999/"])
def test_only_http_and_https_urls_are_asked(url):
    out = wsgidoctor("report", "--json", "--url", url)
    assert out.returncode == 3
    assert "--url" in out.stderr
    assert out.stdout == ""  # nothing was read, nothing reported


class _RedirectAway(http.server.BaseHTTPRequestHandler):
    """/file redirects to file:///etc/passwd, /ftp to an ftp:// URL (urllib follows ftp by default)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd" if self.path == "/file" else "ftp://127.0.0.1:9/etc/passwd")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("where", ["file", "ftp"])
def test_a_probe_url_that_redirects_away_from_http_is_not_followed(where):
    server = http.server.HTTPServer(("127.0.0.1", 0), _RedirectAway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{where}"
        out = wsgidoctor("report", "--json", "--no-redact", "--url", url, "--timeout", "10")
    finally:
        server.shutdown()
        server.server_close()
    assert out.returncode in (0, 1, 2), out.stderr
    live = json.loads(out.stdout)["facts"]["live"]
    assert live["mounts"][0]["answer"] is None and live["error"]
    assert "root:x:0:0" not in out.stdout
    if where == "ftp":
        assert "refused a redirect to ftp://" in live["error"]


def test_a_full_disk_is_a_clear_message_not_an_internal_error():
    for args in (["analyze", HTTPD_V, "-o", "/dev/full"], ["analyze", HTTPD_V, "--json", "-o", "/dev/full"]):
        out = wsgidoctor(*args)
        assert out.returncode == 3
        assert "No space left on device" in out.stderr and "internal error" not in out.stderr
    with open("/dev/full", "w") as full:
        for args in (["analyze", HTTPD_V], ["analyze", HTTPD_V, "--markdown"], ["explain", "--markdown"]):
            out = wsgidoctor(*args, stdout=full)
            assert out.returncode == 3, args
            assert "cannot write to standard output: No space left on device" in out.stderr
            assert "internal error" not in out.stderr and "Exception ignored" not in out.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_works_before_and_after_the_verb(where, tmp_path):
    # a report whose raw list is not a list of objects is not an internal error; an unreadable
    # output is: --debug must show the traceback of the latter wherever it is given
    args = ["analyze", HTTPD_V, "-o", str(tmp_path)]  # a directory: cannot be written
    args = ["--debug", *args] if where == "before" else [*args, "--debug"]
    out = wsgidoctor(*args)
    assert out.returncode == 3
    assert "Is a directory" in out.stderr
