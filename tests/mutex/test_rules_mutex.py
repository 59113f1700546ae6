"""Accept-mutex derivation and findings, table-driven on facts parsed from real captures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import read_fixture
from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Severity
from wsgidoctor.areas import parsers as registry
from wsgidoctor.areas import derive_all, diagnose

MINE = {"mutex-unavailable", "mutex-type-unknown", "mutex-directory-invalid"}
C = "corpus/"
ALL5 = ["flock", "fcntl", "sysvsem", "posixsem", "pthread"]
DEB = [("httpd-V", "debian12/apache2ctl-V.txt"), ("apr.h", "debian12/apr.h")]
MAC22 = [("httpd-V", C + "V/macos-10.6-system-apache-2.2.14-prefork-flock.txt"),
         ("apr.h", C + "apr_h/macos-10.6-system-apr-1.3-serialize-excerpt.txt")]


def build(inputs: list[tuple[str, str]], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for kind, rel in inputs:
        F.merge(facts, registry()[kind].parse(read_fixture(rel)))
    F.merge(facts, extra or {})
    return derive_all(facts)


def conf(*directives: tuple[str, list[str], int], file: str = "/etc/httpd/conf/httpd.conf") -> dict[str, Any]:
    return {"config": {"directives": [{"name": n, "args": a, "file": file, "line": line, "sections": []}
                                      for n, a, line in directives]}}


def mine(facts: dict[str, Any]):
    return [f for f in diagnose(facts) if f.id in MINE]


# name -> (inputs, extra facts, default, available, effective apache, effective wsgi)
DERIVED = {
    "Debian 12: PROC_PTHREAD default, all five available": (
        DEB, None, "pthread", ALL5, "pthread", "fcntl"),
    "macOS 10.6 Apache 2.2: flock first, no process-shared pthread": (
        MAC22, None, "flock", ["flock", "fcntl", "sysvsem", "posixsem"], "flock", "fcntl"),
    "Apache 2.0.59 with APR 0.9: fcntl": (
        [("httpd-V", C + "V/rhel-custom-apache-2.0.59-prefork-apr-0.9-fcntl.txt")], None, "fcntl", None,
        "fcntl", "fcntl"),
    "CentOS 7 source build: PROC_PTHREAD means pthread, not sysvsem": (
        [("httpd-V", C + "V/centos7-source-build-2.4.41-prefork-proc-pthread-serialize.txt")], None,
        "pthread", None, "pthread", "fcntl"),
    "Windows: no serialize lines, no accept mutex": (
        [("httpd-V", C + "V/windows-apachelounge-2.4.41-win64-winnt-markdown-decorated.txt")], None,
        None, None, None, "fcntl"),
    "apr.h alone (Linux i386): default from APR_USE_*": (
        [("apr.h", C + "apr_h/linux-i386-generated-apr-idega-httpd-srclib-sysvsem.txt")], None,
        "sysvsem", ALL5, "sysvsem", "fcntl"),
    "OpenVMS apr.h: pthread only under #ifndef __VMS is not counted": (
        [("apr.h", C + "apr_h/openvms-csws-apr.h-ifdef-vmsdlm-excerpt.txt")], None,
        None, ["flock", "fcntl", "sysvsem", "posixsem"], None, "fcntl"),
    "available from the 2.4 Mutex error list": (
        [("httpd-t", "debian12/configtest/t-mutex-invalid-argument.txt")], None, None, ALL5, None, "fcntl"),
    "available from mod_wsgi's list": (
        [("httpd-t", C + "t_errors/macos-2.2-wsgiacceptmutex-invalid-wrapped.txt")], None, None,
        ["flock", "fcntl", "sysvsem", "posixsem"], None, "fcntl"),
    "2.4: Mutex mpm-accept beats Mutex default whatever the order": (
        DEB, conf(("Mutex", ["posixsem", "mpm-accept"], 10), ("Mutex", ["flock"], 11)),
        "pthread", ALL5, "posixsem", "fcntl"),
    "2.4: Mutex file:/dir default means fcntl": (
        DEB, conf(("Mutex", ["file:/var/lock/apache2", "default"], 10)), "pthread", ALL5, "fcntl", "fcntl"),
    "2.4: AcceptMutex is ignored (removed directive)": (
        DEB, conf(("AcceptMutex", ["flock"], 10)), "pthread", ALL5, "pthread", "fcntl"),
    "2.2: AcceptMutex sets Apache's, not mod_wsgi's": (
        MAC22, conf(("AcceptMutex", ["sysvsem"], 10)), "flock", ["flock", "fcntl", "sysvsem", "posixsem"],
        "sysvsem", "fcntl"),
    "WSGIAcceptMutex default follows APR's default": (
        DEB, conf(("WSGIAcceptMutex", ["default"], 10)), "pthread", ALL5, "pthread", "pthread"),
    "WSGIAcceptMutex sysvsem": (
        DEB, conf(("WSGIAcceptMutex", ["sysvsem"], 10)), "pthread", ALL5, "pthread", "sysvsem"),
}


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_mutex_derivation(name):
    inputs, extra, default, available, apache, wsgi = DERIVED[name]
    mutex = build(inputs, extra)["mutex"]
    assert mutex["default"] == default
    assert mutex["available"] == available
    assert mutex["effective"] == {"apache": apache, "wsgi": wsgi}


def test_configured_records_directive_file_and_line():
    facts = build(DEB, conf(("Mutex", ["sysvsem", "mpm-accept", "OmitPID"], 10),
                            ("WSGIAcceptMutex", ["flock"], 11), file="/etc/apache2/apache2.conf"))
    assert facts["mutex"]["configured"] == {
        "apache": {"directive": "Mutex", "value": "sysvsem", "mechanism": "sysvsem", "mutex_type": "mpm-accept",
                   "file": "/etc/apache2/apache2.conf", "line": 10},
        "wsgi": {"directive": "WSGIAcceptMutex", "value": "flock", "mechanism": "flock",
                 "file": "/etc/apache2/apache2.conf", "line": 11}}
    assert facts["mutex"]["effective_source"]["apache"] == "Mutex sysvsem at /etc/apache2/apache2.conf:10"


def test_mod_wsgi_default_is_fcntl_and_the_docs_disagree():
    mutex = build(MAC22, conf(("AcceptMutex", ["sysvsem"], 10)))["mutex"]
    assert mutex["effective"]["wsgi"] == "fcntl"
    assert mutex["wsgi_documented"] == "sysvsem"  # what checking-your-installation.rst predicts
    assert "APR_LOCK_FCNTL" in mutex["wsgi_default_note"]
    assert "zero-initialised" in mutex["effective_source"]["wsgi"]


def test_without_any_apache_or_apr_facts_nothing_is_derived():
    facts: dict[str, Any] = {"python": {"version": "3.11.2"}}
    assert "mutex" not in derive_all(facts)


def test_locking_daemon_groups_are_listed():
    facts = build(DEB, {"config": {"directives": [], "daemons": [
        {"name": "app", "processes": 3}, {"name": "single", "processes": 1}]}})
    assert facts["mutex"]["wsgi_locking_groups"] == ["app"]


# name -> (inputs, extra facts, expected findings, text the detail must contain)
FINDINGS = {
    "Debian 12 defaults": (DEB, None, set(), None),
    "2.4 Mutex xxx (real configtest)": (
        [("httpd-t", "debian12/configtest/t-mutex-invalid-argument.txt")], None,
        {("mutex-unavailable", Severity.ERROR)}, "/tmp/cfgt/httpd.conf:9"),
    "WSGIAcceptMutex xxx (real configtest)": (
        [("httpd-t", "debian12/configtest/t-wsgiacceptmutex-invalid.txt")], None,
        {("mutex-unavailable", Severity.ERROR)}, "Available here: flock, fcntl, sysvsem, posixsem, pthread"),
    "2.2 AcceptMutex xxx (wrapped doc sample)": (
        [("httpd-t", C + "t_errors/macos-2.2-acceptmutex-invalid-wrapped.txt")], None,
        {("mutex-unavailable", Severity.ERROR)}, "/private/etc/apache2/httpd.conf:501"),
    "-M printing the WSGIAcceptMutex error": (
        [("httpd-M", "debian12/configtest/M-config-error-wsgiacceptmutex.txt")], None,
        {("mutex-unavailable", Severity.ERROR)}, "WSGIAcceptMutex"),
    "Mutex none for the default type": (
        [("httpd-t", "debian12/configtest/t-mutex-none-not-allowed.txt")], None,
        {("mutex-unavailable", Severity.ERROR)}, "None is not allowed"),
    "Mutex sysvsem wsgi-accept": (
        [("httpd-t", "debian12/configtest/t-mutex-type-wsgi-accept.txt")], None,
        {("mutex-type-unknown", Severity.ERROR)}, "use WSGIAcceptMutex"),
    "cPanel Mutex directory": (
        [("httpd-t", C + "t_errors/cpanel-whm-invalid-mutex-directory-with-context.txt")], None,
        {("mutex-directory-invalid", Severity.ERROR)}, "/run/apache2 does not exist"),
    "real Mutex directory error": (
        [("httpd-t", "debian12/configtest/t-mutex-directory-invalid.txt")], None,
        {("mutex-directory-invalid", Severity.ERROR)}, "/nonexistent/dir"),
    "pthread AcceptMutex on macOS 2.2 (apr.h has no process pthread)": (
        MAC22, conf(("AcceptMutex", ["pthread"], 77)), {("mutex-unavailable", Severity.ERROR)},
        "/etc/httpd/conf/httpd.conf:77 asks for pthread"),
    "available mechanism is fine": (MAC22, conf(("AcceptMutex", ["fcntl"], 77)), set(), None),
    "WSGIAcceptMutex pthread where APR lacks it": (
        [("httpd-V", C + "V/macos-10.6-system-apache-2.2.14-prefork-flock.txt"),
         ("httpd-t", C + "t_errors/macos-2.2-wsgiacceptmutex-invalid-wrapped.txt")],
        conf(("WSGIAcceptMutex", ["pthread"], 3)), {("mutex-unavailable", Severity.ERROR)},
        "offers only: flock, fcntl, sysvsem, posixsem"),
    "Mutex file: where only flock exists resolves to flock": (
        [("httpd-V", "debian12/apache2ctl-V.txt")],
        {"apr": {"has": {"flock": True, "fcntl": False, "sysvsem": True, "posixsem": False, "pthread": False}},
         **conf(("Mutex", ["file:/var/run/apache2", "default"], 5))}, set(), None),
    "mod_wsgi's fcntl default without fcntl, with a multi-process daemon group": (
        [("apr.h", C + "apr_h/linux-i386-generated-apr-idega-httpd-srclib-sysvsem.txt")],
        {"apr": {"has": {"fcntl": False}}, "config": {"directives": [], "daemons": [{"name": "app", "processes": 2}]}},
        {("mutex-unavailable", Severity.ERROR)}, "(app)"),
}


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_mutex_findings_for_real_inputs(name):
    inputs, extra, expected, text = FINDINGS[name]
    found = mine(build(inputs, extra))
    assert {(f.id, f.severity) for f in found} == expected
    if text:
        assert any(text in f.detail for f in found), [f.detail for f in found]


def test_invalid_configured_mechanism_has_no_effective_value_and_cites_the_line():
    facts = build(MAC22, conf(("AcceptMutex", ["pthread"], 77)))
    assert facts["mutex"]["effective"]["apache"] is None
    assert "does not start" in facts["mutex"]["effective_source"]["apache"]
    (f,) = mine(facts)
    assert (f.evidence[0].source, f.evidence[0].line, f.evidence[0].text) == (
        "/etc/httpd/conf/httpd.conf", 77, "AcceptMutex pthread")
    assert "Delete the line to use the default (flock)" in f.fix
