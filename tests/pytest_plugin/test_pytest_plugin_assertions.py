"""The assertion helpers: what passes, what fails, and that the failure message says how to fix it."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.cli.app import InputFile, build_analyze
from wsgidoctor.core.model import Evidence, Report
from wsgidoctor.pytest_plugin.assertions import (
    assert_application_group, assert_daemon_mode, assert_fact, assert_finding, assert_module_loaded,
    assert_module_not_loaded, assert_mpm, assert_no_errors, assert_no_finding, assert_no_warnings,
    assert_process_group, assert_python_version, describe_finding,
)
from wsgidoctor.pytest_plugin.views import ApacheFacts, FactsView, module_name
from wsgidoctor.render.json import report_to_dict
from wsgidoctor.core.catalogue import CATALOG
from wsgidoctor.areas import load_rules as load_all

load_all()
HTTPD_FAILED = CATALOG["httpd-command-failed"]
NOT_FOUND = CATALOG["libpython-not-found"]


def analyzed(*rel: str) -> Report:
    """The report ``wsgidoctor analyze`` makes of real captured outputs."""
    return build_analyze([InputFile(str(FIXTURES / r)) for r in rel])


def broken_report() -> Report:
    error = HTTPD_FAILED.make("`/usr/sbin/apache2 -V` failed (exit code 127): apache2: error while loading "
                              "shared libraries: libaprutil-1.so.0",
                              [Evidence("/usr/sbin/apache2 -V", "libaprutil-1.so.0: cannot open shared object file")])
    warning = NOT_FOUND.make("libpython3.11.so.1.0 => not found", severity=NOT_FOUND.severity.WARNING)
    return Report(mode="check", findings=[error, warning])


def test_no_errors_failure_carries_title_detail_evidence_and_fix():
    with pytest.raises(AssertionError) as info:
        assert_no_errors(broken_report())
    message = str(info.value)
    assert message.startswith("wsgidoctor found 1 error:")
    assert f"httpd-command-failed: {HTTPD_FAILED.title}" in message
    assert "libaprutil-1.so.0" in message
    assert "/usr/sbin/apache2 -V: libaprutil-1.so.0: cannot open shared object file" in message
    assert f"fix: {HTTPD_FAILED.fix}" in message
    assert "libpython-not-found" not in message  # a warning is not an error


def test_no_errors_passes_when_the_errors_are_ignored_and_no_warnings_still_fails():
    assert_no_errors(broken_report(), ignore=["httpd-command-failed"])
    with pytest.raises(AssertionError) as info:
        assert_no_warnings(broken_report(), ignore=["httpd-command-failed"])
    assert str(info.value).startswith("wsgidoctor found 1 warning:")
    assert NOT_FOUND.fix.splitlines()[0] in str(info.value)


def test_no_warnings_counts_both_severities():
    with pytest.raises(AssertionError, match=r"^wsgidoctor found 1 error and 1 warning:"):
        assert_no_warnings(broken_report())


def test_a_probe_that_crashed_is_not_a_pass():
    from wsgidoctor.core.model import ProbeRun, ProbeStatus

    report = Report(mode="check", probes=[
        ProbeRun("discovery", ProbeStatus.OK), ProbeRun("apxs", ProbeStatus.NOT_APPLICABLE, error="no apxs"),
        ProbeRun("linkage", ProbeStatus.FAILED, error="KeyError: 'needed'"),
        ProbeRun("errorlog", ProbeStatus.TIMEOUT, error="did not finish within 60s")])
    with pytest.raises(AssertionError) as info:
        assert_no_errors(report)
    message = str(info.value)
    assert message.startswith("wsgidoctor could not check everything, so this is not a pass:")
    assert "probe 'linkage' failed: KeyError: 'needed'" in message
    assert "probe 'errorlog' timeout: did not finish within 60s" in message
    assert "apxs" not in message  # nothing to examine is not a failure to examine
    with pytest.raises(AssertionError, match="could not check everything"):
        assert_no_warnings(report_to_dict(report))
    assert_no_errors(report, allow_incomplete=True)
    assert_no_warnings(report, allow_incomplete=True)


def test_info_findings_never_fail():
    info = NOT_FOUND.make("only informative", severity=NOT_FOUND.severity.INFO)
    report = Report(mode="check", findings=[info])
    assert_no_errors(report)
    assert_no_warnings(report)


def test_healthy_report_passes_every_finding_check():
    report = Report(mode="check")
    assert_no_errors(report)
    assert_no_warnings(report)
    assert_no_finding(report, "libpython-not-found")


def test_no_finding_with_id_fails_with_that_finding_only():
    assert_no_finding(broken_report(), "apache-not-found")
    with pytest.raises(AssertionError) as info:
        assert_no_finding(broken_report(), "libpython-not-found")
    message = str(info.value)
    assert message.startswith("wsgidoctor reports libpython-not-found (1 time):")
    assert "libpython3.11.so.1.0 => not found" in message
    assert "httpd-command-failed" not in message


def test_a_misspelt_finding_id_is_an_error_not_a_pass():
    with pytest.raises(ValueError, match="no finding with id 'libpython-notfound'.*similar: .*libpython-not-found"):
        assert_no_finding(Report(mode="check"), "libpython-notfound")


def test_assert_finding_returns_the_findings_or_lists_what_was_found():
    found = assert_finding(broken_report(), "httpd-command-failed")
    assert [f.id for f in found] == ["httpd-command-failed"]
    with pytest.raises(AssertionError, match="does not report apache-not-found. Findings in this report: "
                                             "httpd-command-failed, libpython-not-found"):
        assert_finding(broken_report(), "apache-not-found")


def test_helpers_read_a_saved_json_report_the_same_way():
    data = report_to_dict(broken_report())
    with pytest.raises(AssertionError) as from_json:
        assert_no_errors(data)
    with pytest.raises(AssertionError) as from_report:
        assert_no_errors(broken_report())
    assert str(from_json.value) == str(from_report.value)


def test_findings_helpers_refuse_bare_facts():
    with pytest.raises(TypeError, match="findings are in the report"):
        assert_no_errors(FactsView({"apache": {}}))


def test_describe_finding_indents_multi_line_fixes():
    finding = HTTPD_FAILED.make("detail", fix="first step\nsecond step")
    assert describe_finding(finding).splitlines()[-2:] == ["  fix: first step", "       second step"]


# --- MPM, from real httpd -V / -l captures ------------------------------------------------


def test_mpm_matches_a_real_capture():
    report = analyzed("debian12/apache2ctl-V.txt")
    assert_mpm(report, "event")
    assert_mpm(report, "mpm_event")
    assert_mpm(ApacheFacts(report.facts), "EVENT")


def test_mpm_mismatch_cites_the_server_mpm_line_and_how_to_switch():
    report = analyzed("corpus/V/debian-8-apache2-2.4.10-prefork-tab-indented-flattened.txt")
    with pytest.raises(AssertionError) as info:
        assert_mpm(report, "event")
    message = str(info.value)
    assert message.startswith("Apache's MPM is prefork, expected event.")
    assert "debian-8-apache2-2.4.10-prefork-tab-indented-flattened.txt (line 7): Server MPM:" in message
    assert "LoadModule mpm_event_module modules/mod_mpm_event.so" in message


def test_mpm_fix_on_debian_uses_a2enmod():
    report = analyzed("corpus/V/debian-8-apache2-2.4.10-prefork-tab-indented-flattened.txt")
    report.facts.setdefault("install", {})["distribution"] = "debian"
    with pytest.raises(AssertionError, match=r"a2dismod mpm_prefork && a2enmod mpm_event"):
        assert_mpm(report, "event")


def test_a_compiled_in_mpm_cannot_be_switched_by_configuration():
    report = analyzed("corpus/l/ubuntu-10.10-apache2-2.2.17-worker-static-mpm.txt")
    with pytest.raises(AssertionError) as info:
        assert_mpm(report, "event")
    assert "Apache's MPM is worker, expected event." in str(info.value)
    assert "compiled in (httpd -l lists worker.c)" in str(info.value)
    assert "--with-mpm=event" in str(info.value)


def test_unknown_mpm_fails_and_says_which_probe_could_not_run():
    report = Report(mode="check", facts={"install": {"httpd": None}})
    from wsgidoctor.core.model import ProbeRun, ProbeStatus

    report.probes = [ProbeRun("discovery", ProbeStatus.OK),
                     ProbeRun("httpd_version", ProbeStatus.NOT_APPLICABLE, error="no httpd binary was found"),
                     ProbeRun("httpd_compiled", ProbeStatus.NOT_APPLICABLE, error="no httpd binary was found")]
    with pytest.raises(AssertionError, match=r"MPM is unknown, expected event. probe 'httpd_version' "
                                             r"not_applicable: no httpd binary was found; probe 'httpd_compiled' "
                                             r"not_applicable: no httpd binary was found"):
        assert_mpm(report, "event")


# --- modules, from a real httpd -M capture ----------------------------------------------


M_WITH_WSGI = "corpus/M/ubuntu-16.04-apache2-2.4.18-event-with-wsgi-debian-statics.txt"


@pytest.mark.parametrize("name", ["wsgi", "mod_wsgi", "wsgi_module", "mod_wsgi.so"])
def test_module_loaded_accepts_every_spelling(name):
    assert_module_loaded(analyzed(M_WITH_WSGI), name)


def test_module_missing_lists_what_is_loaded_and_how_to_load_it():
    report = analyzed(M_WITH_WSGI)
    with pytest.raises(AssertionError) as info:
        assert_module_loaded(report, "proxy_uwsgi")
    message = str(info.value)
    assert message.startswith("Apache does not load proxy_uwsgi_module; httpd -M lists")
    assert "wsgi_module" in message
    assert "fix: Add `LoadModule proxy_uwsgi_module modules/mod_proxy_uwsgi.so`" in message
    report.facts["install"] = {"distribution": "debian"}
    with pytest.raises(AssertionError, match=r"fix: `a2enmod wsgi` \(package libapache2-mod-wsgi-py3\)"):
        assert_module_loaded(Report(mode="check", facts={**report.facts, "apache": {"modules": []}}), "wsgi")


def test_module_not_loaded():
    report = analyzed(M_WITH_WSGI)
    assert_module_not_loaded(report, "python")
    with pytest.raises(AssertionError, match="Apache loads wsgi_module, which should not be loaded"):
        assert_module_not_loaded(report, "wsgi")


def test_modules_unknown_is_a_failure_not_a_pass():
    with pytest.raises(AssertionError, match="loaded modules are unknown, so wsgi_module cannot be checked"):
        assert_module_loaded(analyzed("debian12/apache2ctl-V.txt"), "wsgi")


def test_module_name_spellings():
    assert module_name("mod_wsgi.so") == module_name("wsgi") == module_name("wsgi_module") == "wsgi_module"


# --- mounts: facts as the contract (docs/facts.md) describes config.mounts ---------------


def mount(url: str, **kw) -> dict:
    base = {"vhost": "*:80", "server_name": "www.example.com", "port": 80, "url": url,
            "script": "/srv/app/app.wsgi", "process_group": "", "application_group": "www.example.com|" + url,
            "application_group_depends_on_host": False, "daemon": None,
            "file": "/etc/apache2/sites-enabled/app.conf", "line": 12}
    base.update(kw)
    return base


def facts_with(*mounts: dict) -> dict:
    return {"config": {"mounts": list(mounts)}}


def test_application_group_global_is_the_empty_name():
    facts = facts_with(mount("/app", application_group=""))
    assert_application_group(facts, "/app", "%{GLOBAL}")
    assert_application_group(facts, "/app/", "")


def test_application_group_mismatch_cites_the_mount_and_the_directive_to_add():
    facts = facts_with(mount("/app"))
    with pytest.raises(AssertionError) as info:
        assert_application_group(facts, "/app", "%{GLOBAL}")
    message = str(info.value)
    assert ("The application group of /app (/etc/apache2/sites-enabled/app.conf:12 (*:80)) is "
            "'www.example.com|/app', expected '' (%{GLOBAL}).") in message
    assert "application-group=%{GLOBAL}" in message and "WSGIApplicationGroup %{GLOBAL}" in message


def test_application_group_resource_label_matches_its_expansion():
    assert_application_group(facts_with(mount("/app")), "/app", "%{RESOURCE}")


def test_every_mount_of_the_url_must_match_unless_a_host_is_named():
    facts = facts_with(mount("/app", application_group=""),
                       mount("/app", server_name="other.example.com", application_group="x", line=40))
    assert_application_group(facts, "/app", "%{GLOBAL}", host="www.example.com")
    with pytest.raises(AssertionError, match=r"app.conf:40 \(\*:80\)\) is 'x'"):
        assert_application_group(facts, "/app", "%{GLOBAL}")


def test_a_group_set_by_a_directive_cites_it_and_says_to_change_it_there():
    facts = facts_with(mount("/app", application_group="site", application_group_spec="site",
                             application_group_set_at="/etc/apache2/sites-enabled/app.conf:7"))
    assert_application_group(facts, "/app", "site")
    with pytest.raises(AssertionError) as info:
        assert_application_group(facts, "/app", "%{GLOBAL}")
    assert "is 'site' (set at /etc/apache2/sites-enabled/app.conf:7)" in str(info.value)
    assert "fix: change the setting at /etc/apache2/sites-enabled/app.conf:7 to `%{GLOBAL}`" in str(info.value)


def test_an_unmounted_url_fails_listing_the_mounts():
    with pytest.raises(AssertionError, match=r"No WSGIScriptAlias mounts /api. Mounts: /app \(/etc/apache2/"):
        assert_application_group(facts_with(mount("/app")), "/api", "%{GLOBAL}")


def test_no_mounts_known_is_a_failure():
    with pytest.raises(AssertionError, match="No WSGI mounts are known"):
        assert_process_group({}, "/app", "site")


def test_process_group_and_daemon_mode():
    daemon = facts_with(mount("/app", process_group="site", daemon={"name": "site"}))
    assert_process_group(daemon, "/app", "site")
    assert_daemon_mode(daemon, "/app")
    embedded = facts_with(mount("/app"))
    assert_process_group(embedded, "/app", "%{GLOBAL}")
    with pytest.raises(AssertionError, match=r"(?s)runs in embedded mode .*fix: define `WSGIDaemonProcess NAME"):
        assert_daemon_mode(embedded, "/app")
    with pytest.raises(AssertionError, match=r"process group of /app .* is '' \(%\{GLOBAL\}\), expected 'site'"):
        assert_process_group(embedded, "/app", "site")


# --- values -----------------------------------------------------------------------------


def test_python_version_prefers_the_running_interpreter():
    facts = {"python": {"version": "3.11.2 (main, ...)"}, "mod_wsgi": {"python_compiled": "3.11.1"}}
    assert_python_version(facts, "3.11")
    assert_python_version(facts, "3.11.2")
    with pytest.raises(AssertionError, match=r"mod_wsgi runs Python 3.11.2, expected 3.12 \(the interpreter "
                                             r"mod_wsgi runs, python.version\)"):
        assert_python_version(facts, "3.12")


def test_python_version_trusts_the_loaded_libpython_over_the_compiled_for_version():
    facts = {"mod_wsgi": {"python_compiled": "3.11.1"}, "linkage": {"python_library": {"python_version": "3.11.2"}}}
    assert_python_version(facts, "3.11.2")


def test_python_version_falls_back_to_what_mod_wsgi_was_built_for():
    facts = {"mod_wsgi": {"python_compiled": "3.9.2"}}
    with pytest.raises(AssertionError, match=r"(?s)runs Python 3.9.2, expected 3.11 .*fix: install a mod_wsgi built"):
        assert_python_version(facts, "3.11")
    with pytest.raises(AssertionError, match="not known"):
        assert_python_version({}, "3.11")


def test_assert_fact_shows_the_fix():
    facts = {"apache": {"version": "2.4.57"}}
    assert_fact(facts, "apache.version", "2.4.57")
    with pytest.raises(AssertionError, match=r"apache.version is '2.4.57', expected '2.4.71'.\n  fix: upgrade"):
        assert_fact(facts, "apache.version", "2.4.71", fix="upgrade")
    with pytest.raises(AssertionError, match=r"apache.mmn.major is not known"):
        assert_fact(facts, "apache.mmn.major", 20120211)


def test_views_look_up_dotted_paths_and_show_absence_as_none():
    facts = analyzed("debian12/apache2ctl-V.txt", "debian12/apache2ctl-M.txt").facts
    apache = ApacheFacts(facts)
    assert (apache.version, apache.mpm, apache["mmn.major"]) == ("2.4.71", "event", 20120211)
    assert apache.has_module("wsgi") is True and apache.has_module("php7") is False
    assert "mpm.name" in apache and "no.such" not in apache
    python = FactsView(facts, "python")
    assert python["version"] is None and not python.known
    assert FactsView(facts).get("apache.mpm.name") == "event"
    assert ApacheFacts({}).modules is None and ApacheFacts({}).has_module("wsgi") is None
