"""httpd -M parser, checked against every real capture in fixtures/corpus/M and fixtures/debian12."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.conftest import CORPUS, read_fixture, bare_corpus
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.apache.parse_httpd_m import PARSER, parse
from wsgidoctor.core.textnorm import clean_lines

# file -> expectations: counts by origin, modules that must / must not be there, first and
# last module, syntax_ok, number of startup warnings, truncated
EXPECTED = {
    "corpus/M/centos-stream-8-httpd-D-DUMP_MODULES-AH00558-event-shared.txt": dict(
        origins={"static": 3, "shared": 88}, has=[("mpm_event_module", "shared"), ("brotli_module", "shared"),
                                                  ("http2_module", "shared"), ("proxy_uwsgi_module", "shared"),
                                                  ("systemd_module", "shared")],
        lacks=["wsgi_module"], first="core_module", last="proxy_http2_module", syntax_ok=None, warnings=1),
    "corpus/M/macos-10.6-system-apache-2.2-prefork-static-with-wsgi-syntax-ok.txt": dict(
        # SOURCES.md says "63 shared"; the capture lists 61 shared + 4 static (65 lines)
        origins={"static": 4, "shared": 61}, has=[("mpm_prefork_module", "static"), ("wsgi_module", "shared"),
                                                  ("bonjour_module", "shared")],
        lacks=[], first="core_module", last="wsgi_module", syntax_ok=True, warnings=0),
    "corpus/M/macos-homebrew-httpd-2.4.66-prefork-shared-no-syntax-ok.txt": dict(
        origins={"static": 3, "shared": 23}, has=[("mpm_prefork_module", "shared"), ("unixd_module", "shared"),
                                                  ("wsgi_module", "shared")],
        lacks=[], first="core_module", last="wsgi_module", syntax_ok=None, warnings=0),
    "corpus/M/rhel6-httpd.event-2.2-warnings-before-header-truncated.txt": dict(
        origins={"static": 4, "shared": 17}, has=[("mpm_event_module", "static")], lacks=["wsgi_module"],
        first="core_module", last="log_config_module", syntax_ok=True, warnings=2),
    "corpus/M/rhel7-httpd-2.4-AH00558-ipv6-truncated-no-core.txt": dict(
        origins={"static": 2, "shared": 11}, has=[("so_module", "static")], lacks=["core_module"],
        first="so_module", last="authn_file_module", syntax_ok=None, warnings=1, truncated=True),
    "corpus/M/ubuntu-16.04-apache2-2.4.18-event-with-wsgi-debian-statics.txt": dict(
        origins={"static": 8, "shared": 19}, has=[("watchdog_module", "static"), ("version_module", "static"),
                                                  ("unixd_module", "static"), ("mpm_event_module", "shared"),
                                                  ("wsgi_module", "shared")],
        lacks=[], first="core_module", last="wsgi_module", syntax_ok=None, warnings=0),
    "corpus/M/windows-xampp-mislabeled-l-no-header-unicode-ellipsis.txt": dict(
        origins={"static": 4, "shared": 1}, has=[("mpm_winnt_module", "static")], lacks=[],
        first="core_module", last="access_compat_module", syntax_ok=None, warnings=0, truncated=True),
    "debian12/apache2ctl-M.txt": dict(
        origins={"static": 8, "shared": 20}, has=[("mpm_event_module", "shared"), ("wsgi_module", "shared")],
        lacks=[], first="core_module", last="wsgi_module", syntax_ok=None, warnings=1),
    "debian12/configtest/M-minimal-prefork-wsgi.txt": dict(
        origins={"static": 8, "shared": 3}, has=[("mpm_prefork_module", "shared"), ("wsgi_module", "shared")],
        lacks=[], first="core_module", last="wsgi_module", syntax_ok=None, warnings=0),
}


def test_every_corpus_capture_has_expectations():
    on_disk = {f"corpus/M/{p.name}" for p in bare_corpus("M")}
    without_list = {"corpus/M/static-pie-build-no-mod_so-M-prints-only-AH00558-wrapped.txt"}
    assert on_disk - without_list <= set(EXPECTED), sorted(on_disk - without_list - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_parses_to_the_documented_facts(name):
    want = EXPECTED[name]
    apache = parse(read_fixture(name))["apache"]
    modules = apache["modules"]
    assert apache["modules_listed"] is True
    assert dict(Counter(m["origin"] for m in modules)) == want["origins"]
    listed = {(m["name"], m["origin"]) for m in modules}
    for item in want["has"]:
        assert item in listed
    for name_ in want["lacks"]:
        assert name_ not in {m["name"] for m in modules}
    assert modules[0]["name"] == want["first"] and modules[-1]["name"] == want["last"]
    assert apache["syntax_ok"] is want["syntax_ok"]
    assert len(apache.get("startup_warnings", [])) == want["warnings"]
    assert apache["modules_truncated"] is want.get("truncated", False)
    assert "configtest" not in apache


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_is_recognised_as_httpd_M(name):
    assert detect_kind(read_fixture(name)) == "httpd-M"


def test_warnings_before_the_header_are_kept_apart_from_the_list():
    apache = parse(read_fixture("corpus/M/rhel6-httpd.event-2.2-warnings-before-header-truncated.txt"))["apache"]
    assert apache["startup_warnings"] == [
        "httpd.event: apr_sockaddr_info_get() failed for liuxc-rhel6-apache",
        "httpd.event: Could not reliably determine the server's fully qualified domain name, "
        "using 127.0.0.1 for ServerName"]


def test_build_without_mod_so_has_no_list_and_one_unwrapped_warning():
    fragment = parse(read_fixture("corpus/M/static-pie-build-no-mod_so-M-prints-only-AH00558-wrapped.txt"))
    apache = fragment["apache"]
    assert apache["modules_listed"] is False and apache["modules"] is None
    assert apache["startup_warnings"] == [
        "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using "
        "172.18.0.3. Set the 'ServerName' directive globally to suppress this message"]
    assert "configtest" not in apache
    assert any("mod_so" in n for n in fragment["_notes"])


def test_configuration_errors_instead_of_a_list_become_configtest_facts():
    fragment = parse(read_fixture("debian12/configtest/M-config-error-wsgiacceptmutex.txt"))
    apache = fragment["apache"]
    assert apache["modules_listed"] is False and apache["syntax_ok"] is False
    result = apache["configtest"]
    assert result["ok"] is False
    assert [(e["file"], e["line"], e["directive"]) for e in result["errors"]] == [
        ("/tmp/cfgt/httpd.conf", 9, "WSGIAcceptMutex")]
    assert result["mutex_mechanisms"]["wsgiacceptmutex"] == [
        "default", "flock", "fcntl", "sysvsem", "posixsem", "pthread"]
    assert any("instead of the module list" in n for n in fragment["_notes"])


def test_header_without_modules_is_unknown():
    apache = parse("Loaded Modules:\n")["apache"]
    assert apache["modules_listed"] is None and apache["modules"] is None


def test_other_outputs_are_not_taken_for_httpd_M():
    for rel in ("debian12/ldd-mod_wsgi.txt", "debian12/apache2-l.txt", "debian12/apache2ctl-V.txt",
                "corpus/t_errors/windows-httpd.exe-t-success-AH00558-syntax-ok.txt",
                "corpus/errorlog/ubuntu-16.04-2.4.18-event-mod_wsgi-4.3.0-py2.7.11-vs-2.7.12.txt"):
        assert PARSER.detect(clean_lines(read_fixture(rel))) < 0.5, rel


def test_empty_and_garbage_input():
    for text in ("", "\x00\xff\xfe garbage", "\n\n"):
        apache = parse(text)["apache"]
        assert apache["modules"] is None
        assert apache["syntax_ok"] is None


def test_registered_under_its_kind():
    assert registry()["httpd-M"] is PARSER


def test_failed_command_is_not_mistaken_for_a_build_without_mod_so():
    for text in ("/usr/sbin/httpd: error while loading shared libraries: libaprutil-1.so.0: "
                 "cannot open shared object file: No such file or directory\n",
                 "sudo: apachectl: command not found\n"):
        fragment = parse(text)
        assert fragment["apache"]["modules_listed"] is None, text
        assert fragment["_notes"]


def test_22_build_without_mod_so_prints_only_syntax_ok():
    apache = parse("Syntax OK\n")["apache"]
    assert apache["modules_listed"] is False and apache["syntax_ok"] is True
