"""A configuration file changed after the running server last loaded it: the server still runs the
old one. A real throwaway Apache writes its banner; then one of its files is changed."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.support import apache_harness
from wsgidoctor import areas
from wsgidoctor.config import probe as config_probe
from wsgidoctor.core.hookspec import Options, ProbeContext
from wsgidoctor.core.model import Report
from wsgidoctor.errorlog import probe as errorlog_probe

pytestmark = pytest.mark.skipif(apache_harness.available() is not None, reason=str(apache_harness.available()))


def examine(server: apache_harness.Apache) -> Report:
    """The config and error-log probes on the running throwaway server, as check runs them."""
    config = str(server.root / "httpd.conf")
    facts = {"install": {"httpd": apache_harness.APACHE2, "server_root": str(server.root), "config_file": config,
                         "start_env": {}, "examined_pid": server.server.process.pid,
                         "running": [{"pid": server.server.process.pid, "role": "parent"}]},
             "apache": {"version": "2.4", "mpm": {"name": "event"}}}
    options = Options(config=config, extra={"error_log": str(server.log)})
    report = Report(mode="check")
    areas.absorb(report, facts)
    for probe in (config_probe, errorlog_probe):
        out = probe.run(ProbeContext(options, report.facts))
        areas.absorb(report, out.facts, out.raw)
    return areas.finish(report)


def wait_for_banner(server: apache_harness.Apache, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while server.error_log().count("resuming normal operations") < count:
        assert time.monotonic() < deadline, server.error_log()
        time.sleep(0.05)


def test_a_file_changed_after_the_banner_is_not_in_effect_and_said_so():
    with apache_harness.start("", env={"PATH": "/usr/bin:/bin"}) as server:
        wait_for_banner(server)
        assert "config-changed-since-load" not in {f.id for f in examine(server).findings}
        config = server.root / "httpd.conf"
        later = time.time() + 90  # as if edited a minute and a half after the server started
        os.utime(config, (later, later))
        report = examine(server)
        # a graceful restart loads it (the parent keeps its pid and its start time: only the
        # banner tells): the warning goes
        os.utime(config, (time.time() - 5, time.time() - 5))
        os.kill(server.server.process.pid, signal.SIGUSR1)
        wait_for_banner(server, 2)
        after_reload = examine(server)
    [found] = [f for f in report.findings if f.id == "config-changed-since-load"]
    assert str(config) in found.detail and f"pid {server.server.process.pid}" in found.detail
    assert report.facts["errorlog"]["loaded_at"] <= time.time()
    assert "config-changed-since-load" not in {f.id for f in after_reload.findings}
    assert after_reload.facts["errorlog"]["loaded_at"] > report.facts["errorlog"]["loaded_at"]  # µs kept


def test_the_banner_time_is_read_in_apaches_own_time_zone():
    banner = "Fri Dec 04 10:00:00.123456 2026"
    utc = errorlog_probe.loaded_at(banner, {"TZ": "UTC"})
    tokyo = errorlog_probe.loaded_at(banner, {"TZ": "Asia/Tokyo"})
    assert utc - tokyo == 9 * 3600 and utc % 1 == pytest.approx(0.123456)
    assert errorlog_probe.loaded_at("10:00:00", {}) is None  # a custom ErrorLogFormat: unknown
    assert errorlog_probe.loaded_at("Fri Dec 04 10:00:00 2026", {"TZ": "No/Such_Zone"}) is not None
