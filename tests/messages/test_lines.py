"""One error-log line taken apart, the start-up banner, and who owns an undefined symbol."""

import pytest

from wsgidoctor.errorlog.banner import mpm_of, parse_description, version_tuple
from wsgidoctor.messages.lines import parse_line
from wsgidoctor.messages.symbols import is_python2_symbol, symbol_owner


def test_a_24_line_with_errno_client_code_and_mod_wsgi_pid_is_taken_apart():
    line = parse_line(
        "[Sun Nov 22 16:51:07.321406 2026] [wsgi:error] [pid 22764:tid 140001] (13)Permission denied: "
        "[client 127.0.0.1:4567] mod_wsgi (pid=22764): Unable to connect to WSGI daemon process 'd' on "
        "'/srv/private/wsgi.1.0.1.sock' as user with uid=33.", 7)
    assert (line.bare, line.module, line.level, line.pid, line.tid) == (False, "wsgi", "error", 22764, "140001")
    assert (line.errno, line.errtext, line.client) == (13, "Permission denied", "127.0.0.1:4567")
    assert line.message.startswith("Unable to connect to WSGI daemon process 'd'")
    assert line.number == 7


def test_ah_codes_the_empty_module_tag_and_windows_tids_are_understood():
    line = parse_line("[Mon Apr 20 01:28:35.830988 2020] [mpm_winnt:notice] [pid 15100:tid 576] AH00455: "
                      "Apache/2.4.43 (Win64) mod_wsgi/4.7.1 Python/3.7 configured -- resuming normal operations")
    assert (line.code, line.module, line.tid) == ("AH00455", "mpm_winnt", "576")
    assert line.message.startswith("Apache/2.4.43")
    untagged = parse_line("[Sun Jan 12 05:15:25.297619 2020] [:warn] [pid 3115] mod_wsgi: Compiled for Python/3.6.2.")
    assert (untagged.module, untagged.level, untagged.pid) == ("", "warn", 3115)
    assert untagged.message == "mod_wsgi: Compiled for Python/3.6.2."


def test_the_22_format_has_a_level_but_no_module_and_puts_the_client_before_errno():
    line = parse_line("[Tue Aug 21 19:33:26 2012] [error] [client 10.1.2.3] (13)Permission denied: "
                      "mod_wsgi (pid=99): Unable to stat Python home /x.")
    assert (line.bare, line.module, line.level, line.client, line.errno) == (False, None, "error", "10.1.2.3", 13)
    assert line.pid == 99 and line.message == "Unable to stat Python home /x."


@pytest.mark.parametrize("decorated", [
    "    [Fri Aug 03 08:50:42.788889 2018] [mpm_event:notice] [pid 1:tid 2] AH00489: x",
    "> [Fri Aug 03 08:50:42.788889 2018] [mpm_event:notice] [pid 1:tid 2] AH00489: x",
    "* [Fri Aug 03 08:50:42.788889 2018] [mpm_event:notice] [pid 1:tid 2] AH00489: x",
    "\t[Fri Aug 03 08:50:42.788889 2018] [mpm_event:notice] [pid 1:tid 2] AH00489: x\r",
    "Aug 03 08:50:42 web apache2[1]: [Fri Aug 03 08:50:42.788889 2018] [mpm_event:notice] [pid 1:tid 2] AH00489: x",
])
def test_pasted_decorations_do_not_hide_the_prefix(decorated):
    line = parse_line(decorated)
    assert (line.bare, line.code, line.message) == (False, "AH00489", "x")


def test_bare_python_lines_and_garbage_are_bare_and_never_raise():
    assert parse_line("Fatal Python error: init_fs_encoding: failed").bare
    assert parse_line("AH00558: httpd.exe: Could not reliably determine").code == "AH00558"
    for junk in ("", "[", "[][][]", "\x00\xff" * 50, "[Sun Nov 22] [wsgi:error] [pid x] y", "(13)"):
        parse_line(junk)


def test_the_banner_python_belongs_to_mod_wsgi_only_after_its_token():
    b = parse_description("Apache/2.2.22 (Ubuntu) DAV/2 mod_python/3.3.1 Python/2.7.3 mod_ssl/2.2.22 "
                          "mod_wsgi/3.3 mod_perl/2.0.5 Perl/v5.14.2")
    assert (b["apache_version"], b["apache_vendor"], b["mod_wsgi_version"]) == ("2.2.22", "Ubuntu", "3.3")
    assert b["python_version"] is None and b["mod_python_version"] == "3.3.1"


@pytest.mark.parametrize("desc, version, kind", [
    ("Apache/2.4.18 (Ubuntu) mod_wsgi/4.3.0 Python/2.7.12", "2.7.12", "runtime"),
    ("Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11", "3.11", "compile-time"),
    ("Apache/2.4.41 (Unix) mod_wsgi/4.5.7 Python/3.6", "3.6", "compile-time"),
    ("Apache/2.4.41 (Unix) mod_wsgi/4.5.6 Python/3.6.1", "3.6.1", "runtime"),
])
def test_the_banner_python_is_compile_time_from_mod_wsgi_4_5_7(desc, version, kind):
    b = parse_description(desc)
    assert (b["python_version"], b["python_version_kind"]) == (version, kind)


def test_the_mpm_comes_from_the_module_tag_or_the_banner_code():
    assert mpm_of("mpm_prefork", "AH00489") == "prefork"
    assert [mpm_of(None, c) for c in ("AH00489", "AH00292", "AH00163", "AH00455", None)] == [
        "event", "worker", "prefork", "winnt", None]


def test_version_tuples_ignore_suffixes():
    assert version_tuple("2.7.2+") == (2, 7, 2) and version_tuple("4.9.4") == (4, 9, 4)
    assert version_tuple("v5") == () and version_tuple(None) == ()


@pytest.mark.parametrize("symbol, owner", [
    ("ap_accept_lock_mech", "apache"), ("ap_unixd_config", "apache"), ("apr_pool_create_ex", "apache"),
    ("PyExc_SystemExit", "python"), ("_Py_ZeroStruct", "python"), ("PyFrame_GetLineNumber", "python"),
    ("forkpty", "other"), ("__stack_chk_fail_local", "other"),
])
def test_undefined_symbols_are_attributed(symbol, owner):
    assert symbol_owner(symbol) == owner


def test_python2_only_symbols_are_recognised():
    assert is_python2_symbol("_Py_ZeroStruct") and is_python2_symbol("PyString_FromString")
    assert not is_python2_symbol("PyUnicode_FromString")
