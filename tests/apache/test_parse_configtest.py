"""Configtest parser, checked against fixtures/corpus/t_errors and the real Debian 12 captures in
fixtures/debian12/configtest (see its README for the configuration behind each)."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, read_fixture, bare_corpus
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.apache.parse_configtest import PARSER, directive_of, mechanism_list, parse
from wsgidoctor.core.textnorm import clean_lines

NO_LISTS = {"acceptmutex": None, "wsgiacceptmutex": None, "mutex": None}
CONF = "/tmp/cfgt/httpd.conf"

# file -> (ok, [(file, line, directive, message start)], mechanism lists, warnings count)
EXPECTED = {
    "corpus/t_errors/2.4-AH00526-invalid-command-SSLMutex-journal-prefixed.txt": (
        False, [("/etc/apache2/sites-enabled/zzzkaltura.ssl.conf", 11, "SSLMutex",
                 "Invalid command 'SSLMutex', perhaps misspelled")], NO_LISTS, 0),
    "corpus/t_errors/cpanel-whm-invalid-mutex-directory-with-context.txt": (
        False, [("/etc/apache2/conf/httpd.conf.work.2YOqr_by", 134, "Mutex",
                 "Invalid Mutex directory in argument file:/run/apache2")], NO_LISTS, 0),
    "corpus/t_errors/macos-2.2-acceptmutex-invalid-wrapped.txt": (
        False, [("/private/etc/apache2/httpd.conf", 501, "AcceptMutex",
                 "xxx is an invalid mutex mechanism; Valid accept mutexes for this platform and MPM are:")],
        {**NO_LISTS, "acceptmutex": ["default", "flock", "fcntl", "sysvsem", "posixsem"]}, 0),
    "corpus/t_errors/macos-2.2-wsgiacceptmutex-invalid-wrapped.txt": (
        False, [("/private/etc/apache2/httpd.conf", 501, "WSGIAcceptMutex",
                 "Accept mutex lock mechanism 'xxx' is invalid. Valid accept mutex mechanisms for this")],
        {**NO_LISTS, "wsgiacceptmutex": ["default", "flock", "fcntl", "sysvsem", "posixsem"]}, 0),
    "corpus/t_errors/windows-httpd.exe-t-success-AH00558-syntax-ok.txt": (True, [], NO_LISTS, 1),
    "debian12/configtest/t-syntax-ok.txt": (True, [], NO_LISTS, 0),
    "debian12/configtest/t-mutex-invalid-argument.txt": (
        False, [(CONF, 9, "Mutex", "Invalid Mutex argument xxx")],
        {**NO_LISTS, "mutex": ["none", "default", "flock", "fcntl", "file", "pthread", "sysvsem",
                               "posixsem", "sem"]}, 0),
    "debian12/configtest/t-mutex-directory-invalid.txt": (
        False, [(CONF, 9, "Mutex", "Invalid Mutex directory in argument file:/nonexistent/dir")], NO_LISTS, 0),
    "debian12/configtest/t-mutex-none-not-allowed.txt": (
        False, [(CONF, 9, "Mutex", "None is not allowed for mutex type default")], NO_LISTS, 0),
    "debian12/configtest/t-mutex-type-wsgi-accept.txt": (
        False, [(CONF, 9, "Mutex", "Mutex type wsgi-accept is not valid")], NO_LISTS, 0),
    "debian12/configtest/t-acceptmutex-invalid-command.txt": (
        False, [(CONF, 9, "AcceptMutex", "Invalid command 'AcceptMutex'")], NO_LISTS, 0),
    "debian12/configtest/t-lockfile-invalid-command.txt": (
        False, [(CONF, 9, "LockFile", "Invalid command 'LockFile'")], NO_LISTS, 0),
    "debian12/configtest/t-wsgiacceptmutex-invalid.txt": (
        False, [(CONF, 9, "WSGIAcceptMutex", "Accept mutex lock mechanism 'xxx' is invalid.")],
        {**NO_LISTS, "wsgiacceptmutex": ["default", "flock", "fcntl", "sysvsem", "posixsem", "pthread"]}, 0),
    "debian12/configtest/t-include-invalid-command.txt": (
        False, [("/tmp/cfgt/inc.conf", 1, "WSGIScriptAliasX", "Invalid command 'WSGIScriptAliasX'")],
        NO_LISTS, 0),
    "debian12/configtest/t-loadmodule-include-chain.txt": (
        False, [("/tmp/cfgt/inc.conf", 1, "LoadModule", "Cannot load /nonexistent/mod_foo.so into server")],
        NO_LISTS, 0),
    "debian12/configtest/t-no-mpm-loaded.txt": (
        False, [(None, None, None, "Configuration error: No MPM loaded.")], NO_LISTS, 0),
}


def test_every_corpus_capture_has_expectations():
    on_disk = {f"corpus/t_errors/{p.name}" for p in bare_corpus("t_errors")}
    assert on_disk <= set(EXPECTED), sorted(on_disk - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_parses_to_the_documented_facts(name):
    ok, errors, lists, warnings = EXPECTED[name]
    apache = parse(read_fixture(name))["apache"]
    result = apache["configtest"]
    assert result["ok"] is ok
    got = [(e["file"], e["line"], e["directive"]) for e in result["errors"]]
    assert got == [e[:3] for e in errors]
    for err, (_, _, _, start) in zip(result["errors"], errors):
        assert err["message"].startswith(start)
        assert "\\" not in err["message"]  # documentation wraps are undone
    assert result["mutex_mechanisms"] == lists
    assert len(apache.get("startup_warnings", [])) == warnings


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_is_recognised_as_configtest(name):
    assert detect_kind(read_fixture(name)) == "httpd-t"


def test_include_chain_keeps_the_outer_location():
    err = parse(read_fixture("debian12/configtest/t-loadmodule-include-chain.txt"))["apache"]["configtest"]["errors"][0]
    assert err["included_from"] == [{"file": CONF, "line": 9}]
    assert err["message"].endswith("cannot open shared object file: No such file or directory")


def test_journal_prefix_and_init_script_lines_are_not_errors():
    apache = parse(read_fixture("corpus/t_errors/2.4-AH00526-invalid-command-SSLMutex-journal-prefixed.txt"))["apache"]
    assert len(apache["configtest"]["errors"]) == 1
    assert "startup_warnings" not in apache


def test_cpanel_context_lines_are_not_taken_for_errors():
    errors = parse(read_fixture("corpus/t_errors/cpanel-whm-invalid-mutex-directory-with-context.txt"))[
        "apache"]["configtest"]["errors"]
    assert len(errors) == 1


def test_one_line_24_form_and_windows_paths():
    text = ("AH00526: Syntax error on line 3 of C:/Apache24/conf/extra/wsgi.conf: Invalid command "
            "'WSGIScriptAlias', perhaps misspelled or defined by a module not included in the server configuration\r\n")
    err = parse(text)["apache"]["configtest"]["errors"][0]
    assert (err["file"], err["line"], err["directive"]) == ("C:/Apache24/conf/extra/wsgi.conf", 3, "WSGIScriptAlias")


def test_hard_wrapped_message_is_joined():
    text = ("Syntax error on line 12 of /etc/httpd/conf.d/wsgi.conf:\n"
            "WSGIPythonHome cannot occur within <VirtualHost>\n"
            "  section\n")
    err = parse(text)["apache"]["configtest"]["errors"][0]
    assert err["message"] == "WSGIPythonHome cannot occur within <VirtualHost> section"
    assert err["directive"] == "WSGIPythonHome"


def test_apache_23_acceptmutex_wording_fills_the_acceptmutex_list():
    text = ("Syntax error on line 5 of /x.conf:\nInvalid AcceptMutex argument xxx (Mutex mechanisms are: "
            "'default', 'flock:/path/to/file', 'fcntl:/path/to/file', 'file:/path/to/file', 'sysvsem', 'sem')\n")
    lists = parse(text)["apache"]["configtest"]["mutex_mechanisms"]
    assert lists == {"acceptmutex": ["default", "flock", "fcntl", "file", "sysvsem", "sem"],
                     "wsgiacceptmutex": None, "mutex": None}


@pytest.mark.parametrize("raw,expected", [
    ("'none', 'default', 'flock:/path/to/file', 'pthread'", ["none", "default", "flock", "pthread"]),
    ("default, flock, fcntl", ["default", "flock", "fcntl"]),
    ("", []),
])
def test_mechanism_list(raw, expected):
    assert mechanism_list(raw) == expected


@pytest.mark.parametrize("message,directive", [
    ("Invalid command 'Order', perhaps misspelled", "Order"),
    ("Name duplicates previous WSGI daemon definition.", "WSGIDaemonProcess"),
    ("Listen takes one argument, A port number", "Listen"),
    ("DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot", "DefaultRuntimeDir"),
    ("Invalid address or port", None),
])
def test_directive_of(message, directive):
    assert directive_of(message) == directive


def test_output_without_verdict_is_unknown():
    fragment = parse("AH00558: httpd: Could not reliably determine the server's fully qualified domain name\n")
    assert fragment["apache"]["configtest"]["ok"] is None
    assert fragment["_notes"]


def test_error_log_is_not_taken_for_configtest():
    log = "\n".join(f"[Sun Nov 22 16:30:5{i}.653227 2026] [mpm_event:notice] [pid 1:tid 1] AH00489: "
                    "Apache/2.4.71 (Debian) configured -- resuming normal operations" for i in range(5))
    assert PARSER.detect(clean_lines(log + "\nSyntax error on line 1 of /x:\n")) <= 0.3


def test_module_list_and_build_settings_are_not_taken_for_configtest():
    for rel in ("debian12/apache2ctl-M.txt", "debian12/apache2-V-without-envvars.txt",
                "corpus/M/macos-10.6-system-apache-2.2-prefork-static-with-wsgi-syntax-ok.txt"):
        assert PARSER.detect(clean_lines(read_fixture(rel))) < 0.5, rel


def test_registered_under_its_kind():
    assert registry()["httpd-t"] is PARSER
