"""Apache build rules, table-driven on facts built by parsing real captures (fixtures/corpus and
fixtures/debian12), with configuration directives added where a case needs them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import read_fixture
from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Severity
from wsgidoctor.areas import parsers as registry
from wsgidoctor.core.catalogue import CATALOG
from wsgidoctor.areas import derive_all, diagnose

MINE = {"no-mod-so", "apache-unsupported-version", "wsgi-module-not-loaded", "apr-version-skew",
        "removed-directive", "no-mpm-loaded", "apache-config-rejected"}
C = "corpus/"
DEB = [("httpd-V", "debian12/apache2ctl-V.txt"), ("httpd-M", "debian12/apache2ctl-M.txt"),
       ("httpd-l", "debian12/apache2-l.txt"), ("apr.h", "debian12/apr.h"),
       ("config_vars.mk", "debian12/config_vars.mk")]


def build(inputs: list[tuple[str, str]], extra: dict[str, Any] | None = None,
          replace: tuple[str, str] | None = None) -> dict[str, Any]:
    """Facts as the runner would build them: each capture parsed by its parser and merged."""
    facts: dict[str, Any] = {}
    for kind, rel in inputs:
        text = read_fixture(rel)
        if replace and replace[0] in text:
            text = text.replace(*replace)
        F.merge(facts, registry()[kind].parse(text))
    F.merge(facts, extra or {})
    facts = derive_all(facts)
    return facts


def mine(facts: dict[str, Any]):
    return [f for f in diagnose(facts) if f.id in MINE]


def directive(name: str, args: list[str], file: str = "/etc/apache2/apache2.conf", line: int = 12) -> dict:
    return {"name": name, "args": args, "file": file, "line": line, "sections": []}


CASES = {
    "debian12 as installed: nothing to report": (DEB, None, None, set()),
    "static PIE build without mod_so (-l)": (
        [("httpd-l", C + "l/static-pie-build-2.4.66-event-no-mod_so.txt")], None, None,
        {("no-mod-so", Severity.ERROR)}),
    "static PIE build without mod_so (-M prints only AH00558)": (
        [("httpd-M", C + "M/static-pie-build-no-mod_so-M-prints-only-AH00558-wrapped.txt")], None, None,
        {("no-mod-so", Severity.ERROR)}),
    "-M printing a configuration error is not a missing mod_so": (
        [("httpd-M", "debian12/configtest/M-config-error-wsgiacceptmutex.txt")], None, None, set()),
    "Apache 2.0.55 (Gentoo)": (
        [("httpd-V", C + "V/gentoo-apache-2.0.55-worker-no-server-mpm-line.txt")], None, None,
        {("apache-unsupported-version", Severity.ERROR)}),
    "Apache 2.0.59 custom build": (
        [("httpd-V", C + "V/rhel-custom-apache-2.0.59-prefork-apr-0.9-fcntl.txt")], None, None,
        {("apache-unsupported-version", Severity.ERROR)}),
    "Apache 2.2.22 with APR 1.4.6 loaded, 1.4.5 compiled": (
        [("httpd-V", C + "V/ubuntu-12.04-apachectl-2.2.22-prefork-apr-loaded-vs-compiled-differ-indented.txt")],
        None, None, {("apache-unsupported-version", Severity.WARNING), ("apr-version-skew", Severity.INFO)}),
    "Apache 2.2 with mod_wsgi 6": (
        [("httpd-V", C + "V/docker-httpd-2.2.34-prefork-debian-image.txt")], {"mod_wsgi": {"version": "6.0.5"}},
        None, {("apache-unsupported-version", Severity.ERROR)}),
    "APR minor version skew": (
        [("httpd-V", C + "V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt")], None,
        ("Server loaded:  APR 1.6.5", "Server loaded:  APR 1.5.2"), {("apr-version-skew", Severity.WARNING)}),
    "CentOS Stream 8 without mod_wsgi": (
        [("httpd-V", C + "V/centos-stream-8-httpd-2.4.37-event.txt"),
         ("httpd-M", C + "M/centos-stream-8-httpd-D-DUMP_MODULES-AH00558-event-shared.txt")], None, None,
        {("wsgi-module-not-loaded", Severity.ERROR)}),
    "Ubuntu 16.04 with mod_wsgi": (
        [("httpd-M", C + "M/ubuntu-16.04-apache2-2.4.18-event-with-wsgi-debian-statics.txt")], None, None, set()),
    "XAMPP list cut off with an ellipsis proves nothing about wsgi_module": (
        [("httpd-M", C + "M/windows-xampp-mislabeled-l-no-header-unicode-ellipsis.txt")], None, None, set()),
    "Debian 12 with mod_wsgi disabled": (
        DEB, None, (" wsgi_module (shared)\n", ""), {("wsgi-module-not-loaded", Severity.ERROR)}),
    # 'WSGIScriptAliasX' is no mod_wsgi directive: a misspelling, not a missing LoadModule
    "misspelled WSGI directive rejected as an invalid command": (
        [("httpd-t", "debian12/configtest/t-include-invalid-command.txt")], None, None,
        {("apache-config-rejected", Severity.ERROR)}),
    "SSLMutex left in a 2.4 configuration (journal-prefixed configtest)": (
        [("httpd-t", C + "t_errors/2.4-AH00526-invalid-command-SSLMutex-journal-prefixed.txt")], None, None,
        {("removed-directive", Severity.ERROR)}),
    "AcceptMutex in 2.4 (real configtest)": (
        [("httpd-t", "debian12/configtest/t-acceptmutex-invalid-command.txt")], None, None,
        {("removed-directive", Severity.ERROR)}),
    "LockFile in 2.4 (real configtest)": (
        [("httpd-t", "debian12/configtest/t-lockfile-invalid-command.txt")], None, None,
        {("removed-directive", Severity.ERROR)}),
    "AcceptMutex in a 2.4 configuration (config.directives)": (
        DEB, {"config": {"directives": [directive("AcceptMutex", ["flock"])]}}, None,
        {("removed-directive", Severity.ERROR)}),
    "no MPM loaded (real configtest)": (
        [("httpd-t", "debian12/configtest/t-no-mpm-loaded.txt")], None, None, {("no-mpm-loaded", Severity.ERROR)}),
    "AcceptMutex in a 2.2 configuration is fine": (
        [("httpd-V", C + "V/ubuntu-12.10-apache2-2.2.22-prefork-no-single-listen.txt")],
        {"config": {"directives": [directive("AcceptMutex", ["flock"])]}}, None,
        {("apache-unsupported-version", Severity.WARNING)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_findings_for_real_inputs(name):
    inputs, extra, replace, expected = CASES[name]
    facts = build(inputs, extra, replace)
    assert {(f.id, f.severity) for f in mine(facts)} == expected


def test_no_mod_so_detail_cites_the_compiled_in_list():
    facts = build([("httpd-l", C + "l/static-pie-build-2.4.66-event-no-mod_so.txt")])
    (f,) = mine(facts)
    assert "42 compiled-in modules" in f.detail and "static MPM: event" in f.detail
    assert "event.c" in f.evidence[0].text and "mod_so.c" not in f.evidence[0].text


def test_wsgi_not_loaded_fix_depends_on_the_distribution():
    centos = build([("httpd-V", C + "V/centos-stream-8-httpd-2.4.37-event.txt"),
                    ("httpd-M", C + "M/centos-stream-8-httpd-D-DUMP_MODULES-AH00558-event-shared.txt")])
    (f,) = mine(centos)
    assert "dnf install python3-mod_wsgi" in f.fix
    assert "91 modules and no wsgi_module" in f.detail and "mpm_event_module" in f.detail
    debian = build(DEB, replace=(" wsgi_module (shared)\n", ""))
    (f,) = mine(debian)
    assert "a2enmod wsgi" in f.fix
    source = build([("httpd-M", "debian12/configtest/M-minimal-prefork-wsgi.txt"),
                    ("config.nice", C + "config_nice/source-build-included-apr-with-mpm-worker-minimal.txt")],
                   {"apache": {"configure": {"dirs": {"libexecdir": "/opt/httpd/modules"}}}},
                   replace=(" wsgi_module (shared)\n", ""))
    (f,) = mine(source)
    assert "LoadModule wsgi_module /opt/httpd/modules/mod_wsgi.so" in f.fix


def test_a_module_list_that_is_not_whole_proves_no_absence():
    """A list cut at either end (no core_module first, no MPM, a last line cut mid-word) says
    nothing about wsgi_module: no finding, and the modules section is marked incomplete."""
    whole = read_fixture("debian12/configtest/M-minimal-prefork-wsgi.txt").replace(" wsgi_module (shared)\n", "")
    assert [f.id for f in mine(parsed_m(whole))] == ["wsgi-module-not-loaded"]
    for cut in (whole.replace(" core_module (static)\n", ""),  # head cut
                whole.replace(" mpm_prefork_module (shared)\n", ""),  # no MPM: a selection
                whole + " status_module (sh"):  # cut mid-line
        facts = parsed_m(cut)
        assert mine(facts) == []
        assert "not whole" in facts["incomplete"]["modules"]["reason"]


def parsed_m(text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    F.merge(facts, registry()["httpd-M"].parse(text))
    facts = derive_all(facts)
    return facts


def test_invalid_wsgi_command_cites_file_and_line():
    facts = build([("httpd-t", "debian12/configtest/t-include-invalid-command.txt")])
    (f,) = mine(facts)
    assert f.id == "apache-config-rejected" and "misspelled" in f.detail
    assert "/tmp/cfgt/inc.conf:1" in f.detail
    assert (f.evidence[0].source, f.evidence[0].line) == ("/tmp/cfgt/inc.conf", 1)


def test_removed_directive_fix_gives_the_24_replacement():
    facts = build(DEB, {"config": {"directives": [
        directive("AcceptMutex", ["flock"], line=12),
        directive("LockFile", ["/var/lock/apache2/accept.lock"], line=13),
        directive("SSLMutex", ["sem"], line=14)]}})
    fixes = {f.evidence[0].line: f.fix for f in mine(facts)}
    assert "`Mutex flock mpm-accept`" in fixes[12]
    assert "`Mutex file:/var/lock/apache2 mpm-accept`" in fixes[13]
    assert "`Mutex sem ssl-cache`" in fixes[14]
    journal = build([("httpd-t", C + "t_errors/2.4-AH00526-invalid-command-SSLMutex-journal-prefixed.txt")])
    (f,) = mine(journal)
    assert "/etc/apache2/sites-enabled/zzzkaltura.ssl.conf:11" in f.detail
    assert "ssl-cache" in f.fix


def test_same_removed_directive_from_both_sources_is_reported_once():
    facts = build([*DEB, ("httpd-t", "debian12/configtest/t-acceptmutex-invalid-command.txt")],
                  {"config": {"directives": [directive("AcceptMutex", ["xxx"], "/tmp/cfgt/httpd.conf", 9)]}})
    assert [f.id for f in mine(facts)] == ["removed-directive"]


def test_apr_skew_details():
    facts = build([("httpd-V", C + "V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt")],
                  replace=("Server loaded:  APR 1.6.5", "Server loaded:  APR 1.5.2"))
    (f,) = mine(facts)
    assert "compiled against APR 1.6.5 but runs with APR 1.5.2" in f.detail and "older" in f.detail
    assert [e.text for e in f.evidence] == ["Server loaded:  APR 1.5.2", "Compiled using: APR 1.6.5"]


@pytest.mark.parametrize("inputs,name,source,threaded", [
    ([("httpd-l", C + "l/ubuntu-10.10-apache2-2.2.17-worker-static-mpm.txt")], "worker", "httpd -l", True),
    ([("httpd-M", C + "M/centos-stream-8-httpd-D-DUMP_MODULES-AH00558-event-shared.txt")], "event", "httpd -M", True),
    ([("httpd-M", C + "M/windows-xampp-mislabeled-l-no-header-unicode-ellipsis.txt")], "winnt", "httpd -M", True),
    ([("config.nice", C + "config_nice/source-build-included-apr-with-mpm-worker-minimal.txt")], "worker",
     "config.nice --with-mpm", True),
    ([("httpd-V", C + "V/gentoo-apache-2.0.55-worker-no-server-mpm-line.txt")], "worker", "APACHE_MPM_DIR", True),
    ([("httpd-V", "debian12/apache2-V-without-envvars.txt"), ("httpd-M", "debian12/apache2ctl-M.txt")],
     "event", "httpd -M", True),
    ([("httpd-V", C + "V/rhel-custom-apache-2.0.59-prefork-apr-0.9-fcntl.txt")], "prefork", "APACHE_MPM_DIR", False),
])
def test_mpm_is_completed_from_other_sources(inputs, name, source, threaded):
    mpm = build(inputs)["apache"]["mpm"]
    assert (mpm["name"], mpm["source"], mpm["threaded"]) == (name, source, threaded)


def test_bitnami_shared_mpms_do_not_pin_the_mpm_from_config_nice():
    facts = build([("config.nice", C + "config_nice/bitnami-apache2-mpms-shared-all-plus-with-mpm-prefork.txt")])
    assert facts["apache"]["mpm"]["name"] is None


def test_family_from_config_vars_when_there_is_no_V():
    facts = build([("config_vars.mk", "debian12/config_vars.mk")])
    assert facts["apache"]["family"] == "2.4"


def test_catalogue_entries_are_complete():
    derive_all({})
    for id_ in MINE:
        spec = CATALOG[id_]
        assert spec.title and spec.fix and len(spec.explanation) > 200, id_
