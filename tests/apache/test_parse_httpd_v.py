"""httpd -V parser, checked against every real capture in fixtures/corpus/V and fixtures/debian12.

The expected values are the facts fixtures/corpus/SOURCES.md lists for each file.
"""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, read_fixture, bare_corpus
from wsgidoctor.core import facts as factlib
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.apache.parse_httpd_v import PARSER, parse

# file -> {dotted path under the fragment: expected value}
EXPECTED = {
    "V/aosc-os-loongson3-2.4.62-event-pcre-excerpt-truncated.txt": {
        "apache.version": "2.4.62", "apache.vendor": "AOSC OS", "apache.family": "2.4",
        "apache.pcre.loaded": "10.44", "apache.pcre.compiled": "10.44",
        "apache.mpm.name": "event", "apache.serialize_use": ["sysvsem"],
        "apache.mmn": {"major": 20120211, "minor": 134},
        # the cut-off "-D DYNAMIC_MODU" is not taken for a define
        "apache.defines.AP_HAVE_RELIABLE_PIPED_LOGS": True,
    },
    "V/centos-stream-8-httpd-2.4.37-event.txt": {
        "apache.version": "2.4.37", "apache.vendor": "CentOS Stream",
        "apache.mmn": {"major": 20120211, "minor": 83},
        "apache.mpm": {"name": "event", "threaded": True, "forked": True,
                       "threaded_detail": "fixed thread count",
                       "forked_detail": "variable process count", "source": "Server MPM",
                       "mpm_dir": None},
        "apache.serialize_use": ["sysvsem"],
        "apache.defines.DEFAULT_PIDLOG": "run/httpd.pid",
        "apache.apr": {"loaded": "1.6.3", "compiled": "1.6.3"},
        "apache.apr_util": {"loaded": "1.6.1", "compiled": "1.6.1"},
        "apache.pcre": {"loaded": None, "compiled": None},
    },
    "V/centos7-source-build-2.4.41-prefork-proc-pthread-serialize.txt": {
        "apache.version": "2.4.41", "apache.vendor": "Unix", "apache.apr.compiled": "1.7.0",
        "apache.mpm.name": "prefork", "apache.mpm.threaded": False, "apache.mpm.forked": True,
        "apache.serialize_use": ["pthread"],
        "apache.defines.APR_USE_PTHREAD_SERIALIZE": True,
    },
    "V/cpanel-ea4-2.4.46-grep-filtered-etc-apache2-root.txt": {
        "apache.version": "2.4.46", "apache.vendor": "cPanel", "apache.mpm.name": None,
        "apache.defines": {"HTTPD_ROOT": "/etc/apache2", "SERVER_CONFIG_FILE": "conf/httpd.conf"},
        # filtered list: the absence of APR_USE_* lines proves nothing
        "apache.serialize_use": None, "apache.mmn": None,
    },
    "V/cpanel-easyapache3-2.2.14-worker-extra-line-whitespace-collapsed.txt": {
        "apache.version": "2.2.14", "apache.vendor": "Unix", "apache.family": "2.2",
        "apache.built": "Dec 16 2009 23:24:26", "apache.architecture": "32-bit",
        "apache.mpm.name": "worker", "apache.mpm.threaded": True, "apache.mpm.forked": True,
        "apache.mpm.source": "Server MPM", "apache.serialize_use": ["sysvsem"],
        "apache.extra_lines": ["Cpanel::Easy::Apache v3.2.0 rev4899"],
        "apache.defines.APACHE_MPM_DIR": "server/mpm/worker",
        "apache.defines.DEFAULT_PIDLOG": None,
        "apache.mmn": {"major": 20051115, "minor": 23},
    },
    "V/debian-8-apache2-2.4.10-prefork-tab-indented-flattened.txt": {
        "apache.version": "2.4.10", "apache.vendor": "Debian",
        "apache.mmn": {"major": 20120211, "minor": 37},
        "apache.mpm.name": "prefork", "apache.mpm.threaded": False, "apache.mpm.forked": True,
        "apache.serialize_use": ["sysvsem"], "apache.defines.SERVER_CONFIG_FILE": "apache2.conf",
    },
    "V/docker-httpd-2.2.34-prefork-debian-image.txt": {
        "apache.version": "2.2.34", "apache.vendor": "Unix",
        "apache.mmn": {"major": 20051115, "minor": 43},
        "apache.mpm.name": "prefork", "apache.mpm.source": "Server MPM",
        "apache.mpm.mpm_dir": "server/mpm/prefork", "apache.serialize_use": ["sysvsem"],
        "apache.defines.HTTPD_ROOT": "/usr/local/apache2",
        "apache.apr_util": {"loaded": "1.5.4", "compiled": "1.5.4"},
    },
    "V/docker-httpd-2.4.52-event-proc-pthread-from-go-comment.txt": {
        "apache.version": "2.4.52", "apache.mpm.name": "event", "apache.mpm.threaded": True,
        "apache.mpm.forked": True, "apache.serialize_use": ["pthread"],
        "apache.mmn": {"major": 20120211, "minor": 121},
    },
    "V/freebsd-apache-2.4.29-v-only-server-built-unknown-linenum.txt": {
        "apache.version": "2.4.29", "apache.vendor": "FreeBSD", "apache.built": "unknown",
        "apache.mpm.name": None, "apache.mmn": None, "apache.defines": None,
        "apache.serialize_use": None, "apache.apr.loaded": None,
    },
    "V/gentoo-apache-2.0.55-worker-no-server-mpm-line.txt": {
        "apache.version": "2.0.55", "apache.vendor": None, "apache.family": "2.0",
        "apache.mmn": {"major": 20020903, "minor": 11}, "apache.architecture": "32-bit",
        "apache.mpm.name": "worker", "apache.mpm.source": "APACHE_MPM_DIR",
        "apache.mpm.threaded": None, "apache.apr.loaded": None, "apache.apr.compiled": None,
        "apache.serialize_use": ["sysvsem"], "apache.defines.SUEXEC_BIN": "/usr/sbin/suexec2",
    },
    "V/macos-10.6-system-apache-2.2.14-prefork-flock.txt": {
        "apache.version": "2.2.14", "apache.vendor": "Unix",
        "apache.mmn": {"major": 20051115, "minor": 23},
        "apache.mpm.name": "prefork", "apache.mpm.threaded": False, "apache.mpm.forked": True,
        "apache.mpm.forked_detail": "variable process count",
        "apache.defines.APACHE_MPM_DIR": "server/mpm/prefork",
        "apache.serialize_use": ["flock"],
        "apache.defines.DEFAULT_LOCKFILE": "/private/var/run/accept.lock",
        "apache.apr": {"loaded": "1.3.8", "compiled": "1.3.8"},
    },
    "V/macos-homebrew-httpd-2.4.66-prefork-pcre.txt": {
        "apache.version": "2.4.66", "apache.mmn": {"major": 20120211, "minor": 141},
        "apache.pcre": {"loaded": "10.47", "compiled": "10.47"},
        "apache.mpm.name": "prefork", "apache.mpm.threaded": False, "apache.mpm.forked": True,
        "apache.serialize_use": ["sysvsem"], "apache.built": "Dec  1 2025 12:44:02",
    },
    "V/rhel-custom-apache-2.0.59-prefork-apr-0.9-fcntl.txt": {
        "apache.version": "2.0.59", "apache.family": "2.0", "apache.architecture": "64-bit",
        "apache.apr": {"loaded": "0.9.12", "compiled": "0.9.12"},
        "apache.mpm.name": "prefork", "apache.mpm.source": "APACHE_MPM_DIR",
        "apache.serialize_use": ["fcntl"],
    },
    "V/solaris-apache-2.0.53-prefork-fcntl-no-ipv6-from-perl-comment.txt": {
        "apache.version": "2.0.53", "apache.architecture": "32-bit",
        "apache.defines.APR_HAVE_IPV6": None, "apache.ipv4_mapped": None,
        "apache.serialize_use": ["fcntl"], "apache.mpm.name": "prefork",
        "apache.mpm.source": "APACHE_MPM_DIR",
        "apache.defines.HTTPD_ROOT": "/home/rc/objs/ssws_ariba/sunos/install",
    },
    "V/source-build-2.4.25-prefork-static-mpm.txt": {
        "apache.version": "2.4.25", "apache.vendor": "Unix", "apache.mpm.name": "prefork",
        "apache.serialize_use": ["sysvsem"], "apache.defines.HTTPD_ROOT": "/usr/local/apache2",
    },
    "V/ubuntu-12.04-apachectl-2.2.22-prefork-apr-loaded-vs-compiled-differ-indented.txt": {
        "apache.version": "2.2.22", "apache.vendor": "Ubuntu",
        "apache.apr": {"loaded": "1.4.6", "compiled": "1.4.5"},
        "apache.apr_util": {"loaded": "1.3.12", "compiled": "1.3.12"},
        "apache.mpm.name": "prefork", "apache.serialize_use": ["sysvsem"],
    },
    "V/ubuntu-12.10-apache2-2.2.22-prefork-no-single-listen.txt": {
        "apache.version": "2.2.22", "apache.mpm.name": "prefork",
        "apache.serialize_use": ["sysvsem"],
        "apache.defines.SINGLE_LISTEN_UNSERIALIZED_ACCEPT": None,
        "apache.defines.DEFAULT_LOCKFILE": "/var/run/apache2/accept.lock",
    },
    "V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt": {
        "apache.version": "2.4.41", "apache.vendor": "Ubuntu", "apache.built": "2020-08-12T19:46:17",
        "apache.mmn": {"major": 20120211, "minor": 88}, "apache.mpm.name": "event",
        "apache.mpm.threaded": True, "apache.mpm.forked": True, "apache.serialize_use": ["sysvsem"],
        "apache.defines.HTTPD_ROOT": "/etc/apache2",
        "apache.defines.SERVER_CONFIG_FILE": "apache2.conf",
    },
    "V/windows-apachelounge-2.4.41-win64-winnt-markdown-decorated.txt": {
        "apache.version": "2.4.41", "apache.vendor": "Win64", "apache.built": "Aug 11 2019 12:20:04",
        "apache.mpm.name": "winnt", "apache.mpm.threaded": True, "apache.mpm.forked": False,
        "apache.mpm.threaded_detail": "fixed thread count",
        "apache.serialize_use": [], "apache.ipv4_mapped": False,
        "apache.defines.HTTPD_ROOT": "/apache", "apache.defines.DEFAULT_ERRORLOG": "logs/error.log",
    },
    "debian12/apache2ctl-V.txt": {
        "apache.version": "2.4.71", "apache.vendor": "Debian",
        "apache.mmn": {"major": 20120211, "minor": 142}, "apache.mpm.name": "event",
        "apache.serialize_use": ["pthread"], "apache.pcre.loaded": "10.42",
        "apache.defines.DEFAULT_PIDLOG": "/run/apache2.pid",
    },
    "debian12/apache2-V-without-envvars.txt": {
        "apache.version": "2.4.71", "apache.mpm.name": None, "apache.mpm.source": None,
        "apache.serialize_use": ["pthread"],
        "apache.startup_warnings": ["AH00111: Config variable ${APACHE_RUN_DIR} is not defined"],
    },
}


def _rel(path: str) -> str:
    return path if path.startswith("debian12/") else f"corpus/{path}"


def test_every_corpus_capture_has_expectations():
    on_disk = {f"V/{p.name}" for p in bare_corpus("V")}
    assert on_disk <= set(EXPECTED), f"add expectations for {sorted(on_disk - set(EXPECTED))}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_capture_parses_to_the_documented_facts(name):
    fragment = parse(read_fixture(_rel(name)))
    for path, expected in EXPECTED[name].items():
        assert factlib.get(fragment, path) == expected, path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_capture_is_recognised_as_httpd_V(name):
    assert detect_kind(read_fixture(_rel(name))) == "httpd-V"


def test_truncated_last_define_is_dropped_and_reported():
    fragment = parse(read_fixture("corpus/V/aosc-os-loongson3-2.4.62-event-pcre-excerpt-truncated.txt"))
    assert "DYNAMIC_MODU" not in fragment["apache"]["defines"]
    assert any("cut off" in n for n in fragment["_notes"])


def test_debian_without_envvars_explains_the_empty_mpm():
    fragment = parse(read_fixture("debian12/apache2-V-without-envvars.txt"))
    assert any("apache2ctl -V" in n and "APACHE_RUN_DIR" in n for n in fragment["_notes"])
    # the configuration error is kept, but not as a configtest result of the real config
    assert fragment["apache"]["startup_errors"][0].startswith("apache2: Syntax error on line 80")
    assert "configtest" not in fragment["apache"]


def test_version_only_input_says_what_is_missing():
    fragment = parse(read_fixture("corpus/V/freebsd-apache-2.4.29-v-only-server-built-unknown-linenum.txt"))
    assert any("httpd -v" in n for n in fragment["_notes"])


def test_paste_that_lost_its_line_breaks_still_parses():
    text = " ".join(read_fixture("corpus/V/macos-10.6-system-apache-2.2.14-prefork-flock.txt").split())
    apache = parse(text)["apache"]
    assert apache["version"] == "2.2.14"
    assert apache["mpm"]["name"] == "prefork" and apache["mpm"]["forked"] is True
    assert apache["serialize_use"] == ["flock"]
    assert apache["defines"]["SERVER_CONFIG_FILE"] == "/private/etc/apache2/httpd.conf"


def test_crlf_and_latin1_input():
    raw = read_fixture("corpus/V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt")
    data = raw.replace("\n", "\r\n").replace("(Ubuntu)", "(Ubunt\u00fc)").encode("latin-1")
    apache = parse(data)["apache"]  # bytes are accepted too: clean_lines decodes them
    assert apache["vendor"] == "Ubunt\u00fc" and apache["mpm"]["name"] == "event"


def test_non_apache_product_does_not_pretend_to_be_an_apache_version():
    apache = parse("Server version: IBM_HTTP_Server/9.0.5.7 (Unix)\nServer's Module Magic Number: 20120211:68\n")["apache"]
    assert apache["version"] is None
    assert apache["product"] == "IBM_HTTP_Server" and apache["product_version"] == "9.0.5.7"
    assert apache["family"] == "2.4"  # from the module magic number


def test_empty_and_garbage_input_yield_nulls():
    for text in ("", "\x00\x01\x02garbage\xff", "ldd: not a dynamic executable"):
        apache = parse(text)["apache"]
        assert apache["version"] is None and apache["mpm"]["name"] is None
        assert apache["serialize_use"] is None


def test_registered_under_its_kind():
    assert registry()["httpd-V"] is PARSER


def test_other_outputs_are_not_taken_for_httpd_V():
    for rel in ("debian12/apache2-l.txt", "debian12/apache2ctl-M.txt", "debian12/ldd-mod_wsgi.txt"):
        from wsgidoctor.core.textnorm import clean_lines
        assert PARSER.detect(clean_lines(read_fixture(rel))) < 0.5, rel
