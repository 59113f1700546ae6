"""Live mode's throwaway server keeps its files private, its sockets short, its URLs encoded and
starts only the daemon groups asked (Debian's real apache2 + mod_wsgi)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.live_helpers import (assert_nothing_left, assert_predictions_confirmed, needs_apache,
                                        run_probes, write_case)
from wsgidoctor.live.launcher import short_private_dir, remove_dir, url_path

pytestmark = [pytest.mark.apache, needs_apache]


def test_url_paths_are_percent_encoded_on_the_request_line():
    assert url_path("/café") == "/caf%C3%A9"
    assert url_path("/odd path/x") == "/odd%20path/x"
    assert url_path("/plain/a-b_c.d~e") == "/plain/a-b_c.d~e"


def test_a_long_tmpdir_is_not_used_for_sockets(tmp_path, monkeypatch):
    long = tmp_path / ("x" * 90)
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    path = short_private_dir()
    try:
        assert len(path) <= 48 and not path.startswith(str(long))
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    finally:
        remove_dir(path)
    assert not os.path.exists(path)


def test_non_ascii_and_spaced_mounts_are_asked_and_confirmed(tmp_path):
    srv = tmp_path / "srv"
    conf = write_case(tmp_path / "etc", f"""\
Listen 18080
ServerName testhost.example
WSGIDaemonProcess d threads=2
WSGIScriptAlias /café {srv}/a.wsgi process-group=d
WSGIScriptAlias "/odd path" {srv}/b.wsgi
""")
    report = run_probes(conf)
    mounts = assert_predictions_confirmed(report, expected_count=2)
    assert {m["path"] for m in mounts} == {"/café", "/odd path"}
    assert "live-probe-failed" not in {f.id for f in report.findings}
    assert_nothing_left(report.facts["live"])


def test_only_the_daemon_groups_of_the_asked_mounts_are_started(tmp_path):
    srv = tmp_path / "srv"
    groups = "\n".join(f"WSGIDaemonProcess unused{i} threads=1" for i in range(40))
    conf = write_case(tmp_path / "etc", f"""\
Listen 18080
ServerName testhost.example
{groups}
WSGIDaemonProcess used threads=2
WSGIScriptAlias /app {srv}/app.wsgi process-group=used
""")
    report = run_probes(conf)
    assert_predictions_confirmed(report, expected_count=1)
    text = next(r.text for r in report.raw if r.kind == "live-httpd.conf")
    assert "WSGIDaemonProcess \"used\"" in text and "unused" not in text
    assert_nothing_left(report.facts["live"])


@pytest.mark.skipif(os.geteuid() != 0, reason="the Apache user differs from ours only when root")
def test_the_throwaway_configuration_is_readable_by_root_only_and_the_directory_by_apache_only(tmp_path, monkeypatch):
    """A secret in a root-only Include must not be copied where others can read it."""
    srv = tmp_path / "srv"
    conf = write_case(tmp_path / "etc", f"""\
Listen 18080
ServerName testhost.example
Group www-data
WSGIDaemonProcess d threads=2
WSGIScriptAlias /app {srv}/app.wsgi process-group=d
SetEnv DB_PASSWORD s3cret-in-a-root-only-include
""", extra_modules=["env"])
    seen: dict[str, int] = {}
    from wsgidoctor.live import server

    original = server.LiveServer.ask

    def ask(self, requests, timeout=8.0):
        for root, dirs, files in os.walk(self.tmp):
            for name in dirs + files:
                path = os.path.join(root, name)
                seen[os.path.relpath(path, self.tmp)] = stat.S_IMODE(os.lstat(path).st_mode)
        seen["."] = stat.S_IMODE(os.stat(self.tmp).st_mode)
        return original(self, requests, timeout)

    monkeypatch.setattr(server.LiveServer, "ask", ask)
    report = run_probes(conf)
    assert_predictions_confirmed(report, expected_count=1)
    assert seen["httpd.conf"] & 0o077 == 0, oct(seen["httpd.conf"])  # root only: the secret stays so
    assert seen["."] & 0o007 == 0  # others cannot even enter the directory
    # httpd sets its pid file's mode itself, and mod_wsgi its sockets': both are behind the directory
    assert {n: oct(m) for n, m in seen.items()
            if m & 0o007 and not n.startswith("run/wsgi.") and n != "run/httpd.pid"} == {}
    assert_nothing_left(report.facts["live"])
