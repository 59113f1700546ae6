"""The error-log probe: which file is the log, where its last start-up begins, and what it reads."""

import os

import pytest

from wsgidoctor.errorlog import locate, tail
from wsgidoctor.core.hookspec import NotApplicable, Options, ProbeContext
from wsgidoctor.errorlog import probe

T = "[Sun Nov 22 16:51:07.321406 2026]"
BANNER = (f"{T} [mpm_event:notice] [pid 100:tid 100] AH00489: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 "
          "Python/3.11 configured -- resuming normal operations")
OLD_BANNER = BANNER.replace("mod_wsgi/4.9.4", "mod_wsgi/4.9.0")
STOP = f"{T} [mpm_event:notice] [pid 100:tid 100] AH00491: caught SIGTERM, shutting down"
NOISE = f"{T} [wsgi:error] [pid 2:tid 3] [remote 10.0.0.1:5] KeyError: 'basket'"
OLD_TROUBLE = f"{T} [core:notice] [pid 100:tid 100] AH00052: child pid 300 exit signal Segmentation fault (11)"
DENIED = (f"{T} [authz_core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01630: client denied by server "
          "configuration: /srv/app/app.wsgi")


def _facts(**kw):
    return lambda path: kw.get(path)


def test_the_running_servers_stderr_comes_first_then_the_configuration_then_defaults():
    directives = [
        {"name": "ErrorLog", "args": ["${APACHE_LOG_DIR}/main.log"], "file": "/etc/apache2/apache2.conf", "line": 134, "sections": []},
        {"name": "ErrorLog", "args": ["logs/vhost.log"], "file": "/etc/apache2/sites-enabled/a.conf", "line": 4,
         "sections": ["<VirtualHost *:80>"]},
    ]
    fact = _facts(**{"install.examined_pid": 4242, "config.directives": directives,
                     "install.start_env": {"APACHE_LOG_DIR": "/var/log/apache2"}, "install.server_root": "/etc/apache2",
                     "apache.defines": {"DEFAULT_ERRORLOG": '"logs/error_log"'}})
    links = {"/proc/4242/fd/2": "/srv/logs/real.log"}
    found = locate.candidates(fact, readlink=lambda p: links[p])
    assert [c.path for c in found[:4]] == ["/srv/logs/real.log", "/var/log/apache2/main.log",
                                            "/etc/apache2/logs/error_log", "/var/log/apache2/error.log"]
    assert (found[1].config_file, found[1].config_line) == ("/etc/apache2/apache2.conf", 134)
    assert locate.other_logs(fact) == ["/etc/apache2/logs/vhost.log"]


def test_a_server_started_without_a_log_file_or_logging_to_syslog_is_understood():
    assert locate.process_stderr(1, readlink=lambda p: "/dev/null") is None
    fact = _facts(**{"config.directives": [{"name": "ErrorLog", "args": ["syslog:local1"], "sections": []}]})
    assert locate.syslog_target(fact) == "syslog:local1"
    assert all(not c.path.startswith("syslog") for c in locate.candidates(fact))


def test_a_piped_rotatelogs_target_resolves_to_the_newest_file(tmp_path):
    old, new = tmp_path / "error_log.20261120", tmp_path / "error_log.20261122"
    old.write_text("x")
    new.write_text("y")
    os.utime(old, (1, 1))
    assert locate.piped_target(f"|/usr/sbin/rotatelogs {tmp_path}/error_log.%Y%m%d 86400", None) == str(new)


def _write(path, *lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_last_startup_begins_after_the_stop_before_the_last_banner(tmp_path):
    path = _write(tmp_path / "error.log", OLD_BANNER, OLD_TROUBLE, NOISE, STOP, "AH00558: apache2: Could not", BANNER, NOISE)
    with open(path, "rb") as fh:
        plan = tail.find_last_startup(fh)
        fh.seek(plan.start)
        assert fh.readline().startswith(b"AH00558")
    assert plan.marker_offset is not None and plan.banner_offset is not None


def test_without_a_stop_line_or_a_banner_the_plan_still_reads_something(tmp_path):
    path = _write(tmp_path / "a.log", NOISE, BANNER, NOISE)
    with open(path, "rb") as fh:
        assert tail.find_last_startup(fh).start == 0
    path = _write(tmp_path / "b.log", NOISE, NOISE)
    with open(path, "rb") as fh:
        plan = tail.find_last_startup(fh)
    assert plan.start == 0 and plan.banner_offset is None


def _context(log_path, *more_directives, **extra):
    facts = {"config": {"directives": [{"name": "ErrorLog", "args": [str(log_path)], "file": "/x/httpd.conf",
                                        "line": 9, "sections": []}, *more_directives]}}
    return ProbeContext(Options(extra=extra), facts)


def test_the_probe_reads_the_last_startup_with_file_line_numbers(tmp_path):
    log = _write(tmp_path / "error.log", OLD_BANNER, OLD_TROUBLE, NOISE, STOP, BANNER, NOISE, DENIED)
    out = probe.run(_context(log))
    facts = out.facts["errorlog"]
    assert (facts["path"], facts["path_source"], facts["config_line"]) == (str(log), "ErrorLog at /x/httpd.conf:9", 9)
    assert facts["banner"]["mod_wsgi_version"] == "4.9.4" and facts["banner"]["line"] == 5
    assert "child-crashed" not in facts["events"]  # before the last start-up: not read
    assert facts["events"]["client-denied"]["first"] == 7
    assert (facts["first_line"], facts["lines_read"]) == (5, 3)
    (raw,) = out.raw
    assert raw.kind == "errorlog-excerpt" and raw.text.startswith(BANNER)


def test_a_very_long_tail_is_read_at_both_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(probe, "MAX_SCAN", 64 << 10)
    monkeypatch.setattr(probe, "HEAD_KEEP", 8 << 10)
    lines = [BANNER] + [NOISE] * 3000 + [DENIED]
    log = _write(tmp_path / "error.log", *lines)
    out = probe.run(_context(log))
    facts = out.facts["errorlog"]
    assert facts["skipped"]["bytes"] > 0 and out.notes
    assert facts["banner"]["line"] == 1 and facts["events"]["client-denied"]["first"] == len(lines)


def test_a_path_given_by_the_user_wins_and_no_log_at_all_is_not_applicable(tmp_path, monkeypatch):
    mine = _write(tmp_path / "mine.log", BANNER)
    other = _write(tmp_path / "other.log", OLD_BANNER)
    out = probe.run(_context(other, error_log=str(mine)))
    assert out.facts["errorlog"]["path"] == str(mine)
    monkeypatch.setattr(locate, "WELL_KNOWN", ())
    (tmp_path / "gone.log").mkdir()  # a directory where the log should be is skipped
    with pytest.raises(NotApplicable):
        probe.run(_context(tmp_path / "gone.log"))


def test_the_probe_declares_what_it_needs():
    assert probe.PROBE.name == "errorlog" and set(probe.PROBE.needs) == {"discovery", "httpd_version", "config"}



def test_only_the_examined_server_is_asked_for_its_log():
    links = {"/proc/7/fd/2": "/srv/other/error.log"}
    fact = _facts(**{"install.running": [{"pid": 7, "role": "parent"}]})
    assert "/srv/other/error.log" not in [c.path for c in locate.candidates(fact, readlink=links.__getitem__)]


def test_a_configured_log_that_does_not_exist_is_not_replaced_by_another_servers_log(tmp_path):
    with pytest.raises(NotApplicable, match="does not exist"):
        probe.run(_context(tmp_path / "never-written.log"))


def test_request_failures_in_a_virtual_hosts_own_log_are_found(tmp_path):
    from wsgidoctor.areas import diagnose

    main = _write(tmp_path / "error.log", BANNER)
    vhost = _write(tmp_path / "shop-error.log", NOISE, DENIED.replace("/srv/app/app.wsgi", "/srv/shop/shop.wsgi"))
    ctx = _context(main, {"name": "ErrorLog", "args": [str(vhost)], "file": "/x/shop.conf", "line": 3,
                          "sections": ["<VirtualHost *:80>"]})
    facts = probe.run(ctx).facts
    (log,) = facts["errorlog"]["vhost_logs"]
    assert log["path"] == str(vhost) and log["events"]["client-denied"]["first"] == 2
    found = {f.id: f for f in diagnose(facts)}
    assert f"{vhost}:2" in found["wsgi-access-denied"].detail
