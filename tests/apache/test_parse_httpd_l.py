"""httpd -l parser, checked against every real capture in fixtures/corpus/l and fixtures/debian12."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, read_fixture, bare_corpus
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.apache.parse_httpd_l import PARSER, parse
from wsgidoctor.core.textnorm import clean_lines

EXPECTED = {
    "corpus/l/debian-apache2-2.2-prefork-mod_version-static.txt": {
        "compiled_in": ["core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c", "prefork.c",
                        "http_core.c", "mod_so.c"],
        "mod_so": True, "static_mpm": "prefork"},
    "corpus/l/freebsd-apache-2.4.29-linenum-flattened-indent.txt": {
        "compiled_in": ["core.c", "mod_so.c", "http_core.c"], "mod_so": True, "static_mpm": None},
    "corpus/l/macos-10.6-system-apache-2.2.14-prefork.txt": {
        "compiled_in": ["core.c", "prefork.c", "http_core.c", "mod_so.c"],
        "mod_so": True, "static_mpm": "prefork"},
    "corpus/l/polytracker-static-httpd-prefork-unixd-authz_core.txt": {
        "compiled_in": ["core.c", "mod_authz_core.c", "mod_so.c", "http_core.c", "prefork.c",
                        "mod_unixd.c"],
        "mod_so": True, "static_mpm": "prefork"},
    "corpus/l/rhel4-httpd-2.0-prefork-no-indent.txt": {
        "compiled_in": ["core.c", "prefork.c", "http_core.c", "mod_so.c"],
        "mod_so": True, "static_mpm": "prefork"},
    "corpus/l/static-pie-build-2.4.66-event-no-mod_so.txt": {
        "mod_so": False, "static_mpm": "event", "count": 42},
    "corpus/l/ubuntu-10.10-apache2-2.2.17-worker-static-mpm.txt": {
        "compiled_in": ["core.c", "mod_log_config.c", "mod_logio.c", "worker.c", "http_core.c",
                        "mod_so.c"],
        "mod_so": True, "static_mpm": "worker"},
    "debian12/apache2-l.txt": {
        "compiled_in": ["core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c",
                        "mod_logio.c", "mod_version.c", "mod_unixd.c"],
        "mod_so": True, "static_mpm": None},
}


def test_every_corpus_capture_has_expectations():
    on_disk = {f"corpus/l/{p.name}" for p in bare_corpus("l")}
    assert on_disk <= set(EXPECTED), sorted(on_disk - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_parses_to_the_documented_facts(name):
    apache = parse(read_fixture(name))["apache"]
    expected = dict(EXPECTED[name])
    count = expected.pop("count", None)
    for key, value in expected.items():
        assert apache[key] == value, key
    if count is not None:
        assert len(apache["compiled_in"]) == count


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_is_recognised_as_httpd_l(name):
    assert detect_kind(read_fixture(name)) == "httpd-l"


def test_missing_mod_so_is_explained():
    fragment = parse(read_fixture("corpus/l/static-pie-build-2.4.66-event-no-mod_so.txt"))
    assert "event.c" in fragment["apache"]["compiled_in"]
    assert any("cannot load any module" in n for n in fragment["_notes"])


def test_windows_mpm_source_name():
    apache = parse("Compiled in modules:\r\n  core.c\r\n  mod_win32.c\r\n  mpm_winnt.c\r\n"
                   "  http_core.c\r\n  mod_so.c\r\n")["apache"]
    assert apache["static_mpm"] == "winnt" and apache["mod_so"] is True


def test_header_without_list_is_unknown_not_empty():
    fragment = parse("Compiled in modules:\n")
    assert fragment["apache"] == {"compiled_in": None, "mod_so": None, "static_mpm": None}
    assert fragment["_notes"]


def test_unrelated_text_yields_nulls_and_low_confidence():
    for rel in ("debian12/apache2ctl-M.txt", "debian12/apache2ctl-V.txt", "debian12/ldd-mod_wsgi.txt",
                "debian12/apr.h"):
        text = read_fixture(rel)
        assert parse(text)["apache"]["mod_so"] is None, rel
        assert PARSER.detect(clean_lines(text)) < 0.5, rel


def test_registered_under_its_kind():
    assert registry()["httpd-l"] is PARSER
