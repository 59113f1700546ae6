"""Every error log of the corpus yields the facts and findings fixtures/corpus/SOURCES.md implies,
read both as a file (streamed) and as a paste (the parser), and recognised by ``analyze``."""

from pathlib import Path

import pytest

from tests.conftest import CORPUS, bare_corpus
from wsgidoctor.errorlog import scan_file
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.areas import diagnose

LOGS = CORPUS / "errorlog"


def _file(prefix: str) -> Path:
    (match,) = [p for p in LOGS.iterdir() if p.name.startswith(prefix)]
    return match


def _findings(facts):
    return {f.id: f for f in diagnose({"errorlog": facts})}


def _problems(found):
    """Ids of findings that are warnings or errors."""
    return {i for i, f in found.items() if f.severity.value != "info"}


def test_apache_22_exception_occurred_line_names_the_script_whose_import_failed():
    """mod_wsgi 3.x's "Exception occurred processing WSGI script" is the script's failure: the
    import error of its traceback is that script's, with the extension built for another Python."""
    found = _findings(scan_file(str(_file("apache-2.2-old-format-earthenterprise"))))
    assert _problems(found) == {"wsgi-script-import-failed"}
    detail = found["wsgi-script-import-failed"].detail
    assert detail.startswith("Loading /opt/google/gehttpd/wsgi-bin/serve/push/stream/stream_push_app.wsgi failed")
    assert "PyUnicodeUCS2_D" in detail and "other Unicode width" in detail


def test_amazon_linux_mod_wsgi_3_5_untagged_patch_mismatch():
    facts = scan_file(str(_file("amazon-linux-eb")))
    b = facts["banner"]
    assert (b["apache_version"], b["apache_vendor"], b["mod_wsgi_version"], b["python_version"]) == (
        "2.4.41", "Amazon", "3.5", "3.6.8")
    assert b["python_version_kind"] == "runtime" and facts["mpm_from_banner"] == "prefork"
    assert (facts["compiled_python"], facts["runtime_python"]) == ("3.6.2", "3.6.8")
    assert facts["events"]["compiled-for-python"]["first"] == 5
    found = _findings(facts)
    assert set(found) == {"python-patch-mismatch", "errorlog-last-startup"}
    assert ":5" in found["python-patch-mismatch"].detail and ":6" in found["python-patch-mismatch"].detail
    assert _problems(found) == set()  # one installation updated: information only


def test_bitnami_event_banner_command_line_and_shutdown():
    facts = scan_file(str(_file("bitnami")))
    b = facts["banner"]
    assert b["description"] == "Apache/2.4.57 (Unix) OpenSSL/1.1.1n mod_wsgi/4.9.4 Python/3.8"
    assert (b["python_version"], b["python_version_kind"], facts["compiled_python"]) == ("3.8", "compile-time", "3.8")
    assert facts["mpm_from_banner"] == "event" and b["code"] == "AH00489"
    assert facts["command_line"] == "/opt/bitnami/apache/bin/httpd -f /opt/bitnami/apache/conf/httpd.conf"
    assert facts["restarts"] == 1 and facts["events"]["server-restart"]["by"] == {"SIGTERM": 1}
    assert _problems(_findings(facts)) == set()  # the proxy_http error is not mod_wsgi's business


def test_mod_wsgi_express_in_docker_with_segfaulting_children():
    facts = scan_file(str(_file("docker-ubuntu")))
    assert facts["banner"]["description"] == "Apache/2.4.18 (Ubuntu) mod_wsgi/4.6.5 Python/3.6"
    assert facts["command_line"].startswith("apache2 (mod_wsgi-express) -f /tmp/mod_wsgi-localhost:9090:999/httpd.conf")
    assert "-D MOD_WSGI_MPM_ENABLE_EVENT_MODULE" in facts["command_line"]
    crashed = facts["events"]["child-crashed"]
    assert (crashed["count"], crashed["by"]) == (2, {"11": 2})
    found = _findings(facts)
    assert _problems(found) == {"apache-child-crashed"}
    assert "Segmentation fault (11)" in found["apache-child-crashed"].detail
    assert "%{GLOBAL}" in found["apache-child-crashed"].fix


def test_the_documentation_patch_level_pair_without_any_prefix():
    facts = scan_file(str(_file("mod_wsgi-docs")))
    assert (facts["compiled_python"], facts["runtime_python"], facts["banner"]) == ("2.4.1", "2.4.2", None)
    assert set(_findings(facts)) == {"python-patch-mismatch"}


def test_raspbian_accept_mutex_identifier_removed():
    facts = scan_file(str(_file("raspbian")))
    b = facts["banner"]
    assert (b["description"], b["mod_wsgi_version"], facts["mpm_from_banner"]) == (
        "Apache/2.4.25 (Raspbian)", None, "prefork")
    ev = facts["events"]["accept-mutex-removed"]
    assert (ev["count"], ev["first"], ev["last"], ev["by"]) == (7, 3, 9, {"43": 7})
    found = _findings(facts)
    assert _problems(found) == {"accept-mutex-removed"}
    assert "RemoveIPC=no" in found["accept-mutex-removed"].fix
    assert "no mod_wsgi" in found["errorlog-last-startup"].detail


def test_ubuntu_12_04_apache_2_2_with_mod_python_and_mod_wsgi_3_3():
    facts = scan_file(str(_file("ubuntu-12.04-apache-2.2.22-old-format-mod_wsgi")))
    b = facts["banner"]
    assert (b["apache_version"], b["mod_wsgi_version"], b["mod_python_version"]) == ("2.2.22", "3.3", "3.3.1")
    assert b["python_version"] is None  # Python/2.7.3 in that banner is mod_python's
    assert facts["mpm_from_banner"] is None  # 2.2 banners carry no AH code
    assert (facts["compiled_python"], facts["runtime_python"]) == ("2.7.2+", "2.7.3")
    assert (facts["restarts"], facts["startup_line"]) == (1, 2)
    found = _findings(facts)
    assert _problems(found) == {"mod-python-conflict"}
    assert found["mod-python-conflict"].severity.value == "warning"  # 3.x still starts beside it
    assert "python_init: Python version mismatch" in found["mod-python-conflict"].detail
    assert "python-patch-mismatch" in found


def test_ubuntu_16_04_mod_wsgi_4_3_banner_shows_the_runtime_version():
    facts = scan_file(str(_file("ubuntu-16.04-2.4.18-event-mod_wsgi-4.3.0")))
    assert facts["banner"]["python_version"] == "2.7.12" and facts["banner"]["python_version_kind"] == "runtime"
    assert (facts["compiled_python"], facts["runtime_python"], facts["runtime_python_source"]) == (
        "2.7.11", "2.7.12", "log")
    found = _findings(facts)
    assert set(found) == {"python-patch-mismatch", "errorlog-last-startup"}


def test_indented_paste_with_three_startups_takes_the_last_banner():
    facts = scan_file(str(_file("ubuntu-16.04-2.4.18-event-mod_wsgi-4.6.4")))
    assert (facts["startups"], facts["banner"]["line"], facts["startup_line"]) == (3, 10, 10)
    assert facts["banner"]["description"] == "Apache/2.4.18 (Ubuntu) mod_wsgi/4.6.4 Python/3.6"
    assert facts["events"]["server-restart"]["by"] == {"SIGHUP": 1, "SIGTERM": 2}
    assert _problems(_findings(facts)) == set()  # a numpy RuntimeWarning is application noise


def test_windows_fatal_python_error_from_bare_lines():
    facts = scan_file(str(_file("windows-2.4.43")))
    assert facts["banner"]["description"] == "Apache/2.4.43 (Win64) mod_wsgi/4.7.1 Python/3.7"
    assert facts["mpm_from_banner"] == "winnt"
    fatal = facts["events"]["fatal-python-error"]
    assert fatal["examples"][0]["fields"]["reason"] == "initfsencoding: unable to load the file system codec"
    assert fatal["examples"][0]["after"]["line"] == 4  # follows "AH00418: Parent: Created child process"
    assert facts["events"]["no-module-encodings"]["first"] == 6
    found = _findings(facts)
    assert _problems(found) == {"python-init-failed"}
    assert "WSGIPythonHome" in found["python-init-failed"].fix and "LoadFile" in found["python-init-failed"].fix


def test_windows_apache_lounge_bare_ah00558_lines_are_noise():
    facts = scan_file(str(_file("windows-apachelounge")))
    assert facts["banner"]["line"] == 2 and facts["banner"]["python_version"] == "3.6"
    assert facts["mpm_from_banner"] == "winnt"
    assert facts["command_line"] == "C:\\\\Apache24\\\\bin\\\\httpd.exe -d C:/Apache24"
    assert _problems(_findings(facts)) == set()


@pytest.mark.parametrize("path", bare_corpus("errorlog"), ids=lambda p: p.name[:40])
def test_every_corpus_log_is_recognised_and_parses_the_same_pasted_or_streamed(path):
    text = path.read_text(encoding="utf-8")
    assert detect_kind(text) == "errorlog"
    pasted = registry()["errorlog"].parse(text)["errorlog"]
    with open(path, "rb") as fh:
        streamed = registry()["errorlog"].parse_file(fh)["errorlog"]
    # A short paste has every line classified; a file only the lines holding a needle. So the
    # paste sees the same events, and of those without a needle (mod_python's notices) more.
    assert set(pasted["events"]) == set(streamed["events"]) and pasted["banner"] == streamed["banner"]
    assert all(pasted["events"][k]["count"] >= v["count"] for k, v in streamed["events"].items())
    assert streamed["path"] == str(path)


@pytest.mark.parametrize("folder", ["V", "M", "l", "ldd", "otool", "t_errors", "apr_h", "config_nice"])
def test_other_outputs_are_not_taken_for_error_logs(folder):
    from wsgidoctor.core.textnorm import clean_lines
    from wsgidoctor.errorlog.parse import MESSAGE_FALLBACK

    for path in bare_corpus(folder):
        text = path.read_text(encoding="utf-8", errors="replace")
        # allowed only as the message fallback: no parser knows the text, but it holds a known message
        assert (detect_kind(text) != "errorlog"
                or registry()["errorlog"].detect(clean_lines(text)) == MESSAGE_FALLBACK), path.name
