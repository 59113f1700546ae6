"""httpd's own dumps (DUMP_INCLUDES, DUMP_VHOSTS, DUMP_RUN_CFG) parsed from real captures."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import read_fixture
from wsgidoctor.config.dumps import compare, parse_dump


def test_debian_default_configuration():
    d = parse_dump(read_fixture("config/debian12-dump.txt"))
    paths = [i["path"] for i in d["includes"]]
    assert paths[0] == "/etc/apache2/apache2.conf" and d["includes"][0]["from_line"] is None
    assert len(paths) == 39 and paths[-1] == "/etc/apache2/sites-enabled/000-default.conf"
    assert d["includes"][1]["from_line"] == 146
    assert d["vhosts"] == [{"address": "*:80", "server_name": "127.0.0.1", "aliases": [],
                            "file": "/etc/apache2/sites-enabled/000-default.conf", "line": 1}]
    assert d["local_host"] == "127.0.0.1"
    assert d["user"] == {"name": "www-data", "id": 33, "used": True}
    assert d["run"]["PidFile"] == "/var/run/apache2/apache2.pid"
    assert d["mutexes"]["default"].startswith('dir="/var/run/apache2/"')


def test_name_based_virtual_hosts_aliases_and_defines_with_equal_signs():
    d = parse_dump(read_fixture("config/namevhosts-dump.txt"))
    assert [(v["address"], v["server_name"], v["line"], v["aliases"]) for v in d["vhosts"]] == [
        ("127.0.0.1:8443", "secure.example.com", 15, []),
        ("*:8080", "www.example.com", 7, ["example.com", "*.example.net"]),
        ("*:8080", "api.example.com", 12, []),
    ]
    assert d["defines"]["WITH_VALUE"] == "a=b"  # certbot#9549: a value may contain '='
    assert d["user"] == {"name": "#-1", "id": 4294967295, "used": True}


def test_syntax_error_stops_the_dump():
    d = parse_dump(read_fixture("config/syntax-error-dump.txt"))
    assert d["syntax_ok"] is False
    assert d["syntax_error"] == {"file": "/tmp/wdnv/bad.conf", "line": 5,
                                 "message": "WSGIPythonHome cannot occur within <VirtualHost> section"}
    assert d["vhosts"] == []


def test_compare_names_what_the_reader_missed():
    d = parse_dump(read_fixture("config/namevhosts-dump.txt"))
    assert compare(d, ["/tmp/wdnv/httpd.conf"], [("/tmp/wdnv/httpd.conf", 7), ("/tmp/wdnv/httpd.conf", 12),
                                                 ("/tmp/wdnv/httpd.conf", 15)], None, None) == []
    problems = compare(d, ["/tmp/wdnv/httpd.conf", "/tmp/extra.conf"],
                       [("/tmp/wdnv/httpd.conf", 7)], "www-data", None)
    assert problems[0] == "the reader read files httpd does not: /tmp/extra.conf"
    assert "/tmp/wdnv/httpd.conf:12" in problems[1] and "/tmp/wdnv/httpd.conf:15" in problems[1]
    assert problems[2] == "httpd runs as user '#-1', the reader found 'www-data'"
    stopped = parse_dump(read_fixture("config/syntax-error-dump.txt"))
    assert compare(stopped, ["/tmp/wdnv/bad.conf"], [("/tmp/wdnv/bad.conf", 4)], None, None) == []


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=500))
def test_any_text_parses_without_an_exception(text):
    parse_dump(text)
    parse_dump(read_fixture("config/debian12-dump.txt")[: len(text)])
