"""Every message the catalogue was extended with gives its finding, from real text.

Three kinds of input, each said where it comes from:

- real public pastes (fixtures/corpus/, sources in fixtures/corpus/SOURCES.md), analysed as a user
  would paste them (`wsgidoctor analyze FILE`);
- a real capture of this machine: Debian 12's apache2 with mod_wsgi 4.9.4 started by the test
  harness with a daemon group whose home= does not exist, a script that stats a non-ASCII path
  under Apache's C locale and a script with a syntax error
  (fixtures/messages/debian12-mod_wsgi-4.9.4-homeless-daemon-ascii-locale-syntax-error.log);
- single lines built from the wording in the sources that print them (mod_wsgi 3.x-6.x, httpd,
  glibc, dyld, Solaris ld.so.1, Windows) where no real paste exists and this machine cannot
  produce the failure: SysV semaphores used up, Python 2, mod_wsgi 3.x, macOS code signing,
  Windows, Solaris, IBT, mod_wsgi 6 codes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wsgidoctor.cli.app import InputFile, build_analyze

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def analyze(path: Path) -> dict[str, object]:
    report = build_analyze([InputFile(str(path))])
    return {f.id: f for f in report.findings}


def analyze_text(tmp_path: Path, text: str) -> dict[str, object]:
    path = tmp_path / "paste.txt"
    path.write_text(text + "\n")
    return analyze(path)


REAL_PASTES = [
    ("corpus/t_errors/certbot-apache2ctl-configtest-name-duplicates-previous-wsgi-daemon-definition-quoted-wrapped.txt",
     {"wsgi-daemon-duplicate"}),
    ("corpus/t_errors/debian-mod_wsgi-express-tmp-httpd.conf-apachectl-configtest-invalid-option-to-wsgi-daemon-"
     "process-definition-fenced.txt", {"wsgi-option-unknown"}),
    ("corpus/t_errors/macos-10.12-anaconda-3.5.3-mod_wsgi-express-libgcc_s-conda-bld-placehold-path-image-not-found-"
     "backticks.txt", {"dyld-library-not-loaded"}),
    ("corpus/t_errors/macos-10.14-system-apache-mod_wsgi-express-anaconda-libpython3.5m-code-signature-library-"
     "validation-backticks.txt", {"macos-code-signing"}),
    ("corpus/t_errors/macos-anaconda3-python3.5-mod_wsgi-express-rpath-libpython3.5m.dylib-image-not-found-"
     "backticks.txt", {"libpython-not-found"}),
    ("corpus/t_errors/macos-arm64-homebrew-httpd-2.4.59-source-mod_wsgi-python2-symbol-not-found-flat-namespace-"
     "_PyBool_Type.txt", {"module-undefined-symbol"}),
    ("corpus/mixed/windows-xampp-python3.11-store-app-httpd-k-restart-german-load-errors-venv-prompts.txt",
     {"windows-dll-not-found", "module-load-denied"}),
    ("corpus/t_errors/ubuntu-service-apache2-restart-fail-configtest-invalid-command-WSGIDaemonProcess-root-"
     "prompts.txt", {"wsgi-module-not-loaded"}),
    ("messages/debian12-mod_wsgi-4.9.4-homeless-daemon-ascii-locale-syntax-error.log",
     {"daemon-configure-failed", "python-locale-ascii-error", "wsgi-script-compile-failed"}),
]


@pytest.mark.parametrize("rel, expected", REAL_PASTES, ids=[Path(r).name[:48] for r, _ in REAL_PASTES])
def test_real_text_gives_the_finding_of_its_cause(rel, expected):
    found = analyze(FIXTURES / rel)
    errors = {i for i, f in found.items() if f.severity.value == "error"}
    assert errors == expected, {i: found[i].detail for i in found}


T = "[Tue Aug 21 19:33:26 2012]"
W = "[Mon Jan 01 12:00:00.000000 2026] [wsgi:error] [pid 7:tid 8]"

BUILT = [
    (f"{T} [emerg] (28)No space left on device: Couldn't create accept lock (/var/lock/apache2/accept.lock.1234) (5)",
     "sysv-semaphores-exhausted"),
    ("[Mon Jan 01 12:00:00.000000 2026] [core:emerg] [pid 1] (28)No space left on device: AH00023: Couldn't create "
     "the mpm-accept mutex", "sysv-semaphores-exhausted"),
    (f"{T} [error] ImportError: No module named site", "python2-no-module-site"),
    (f"{T} [error] [client 10.0.0.1] Script timed out before returning headers: django.wsgi",
     "daemon-response-timeout"),
    ("[Mon Jan 01 12:00:00.000000 2026] [so:error] [pid 1] AH06665: Code signing absent - not loading module at: "
     "/usr/local/lib/httpd/modules/mod_wsgi.so", "macos-code-signing"),
    ("httpd.exe: Syntax error on line 180 of C:/Apache24/conf/httpd.conf: Cannot load c:/Python39/lib/site-packages/"
     "mod_wsgi/server/mod_wsgi.cp39-win_amd64.pyd into server: %1 is not a valid Win32 application.",
     "windows-architecture-mismatch"),
    ("httpd.exe: Syntax error on line 240 of C:/Apache24/conf/httpd.conf: Invalid command 'WSGIDaemonProcess', "
     "perhaps misspelled or defined by a module not included in the server configuration", "wsgi-daemon-on-windows"),
    ("ld.so.1: httpd: fatal: relocation error: file /usr/apache2/2.2/libexec/mod_wsgi.so: symbol "
     "PyCObject_FromVoidPtr: referenced symbol not found", "module-undefined-symbol"),
    ("httpd: Syntax error on line 60 of /etc/httpd/conf/httpd.conf: Cannot load modules/mod_wsgi.so into server: "
     "/usr/lib64/httpd/modules/mod_wsgi.so: rebuild shared object with IBT support enabled", "module-needs-ibt"),
    (f"{W} [remote 10.0.0.1:5] ImportError: Interpreter change detected - this module can only be loaded into one "
     "interpreter per process.", "subinterpreter-incompatible"),
    ("[Mon Jan 01 12:00:00.000000 2026] [wsgi:alert] [pid 1] WSGI0013: Unable to bind unix domain socket "
     "'/run/wsgi.1.0.1.sock'. Daemon group will not start.", "mod-wsgi-reported"),
]


@pytest.mark.parametrize("text, expected", BUILT, ids=[b[1] for b in BUILT])
def test_a_bare_line_is_never_nothing_to_analyse_and_gives_its_finding(tmp_path, text, expected):
    found = analyze_text(tmp_path, text)
    assert expected in found and found[expected].severity.value == "error", {i: f.detail for i, f in found.items()}


def test_one_cause_gives_one_finding_with_one_fix_from_a_log_or_from_httpd_t(tmp_path):
    """The issue's example: the undefined PyCObject_FromVoidPtr, as httpd -t prints it and as a log has it."""
    message = ("Cannot load /usr/lib/apache2/modules/mod_wsgi.so into server: /usr/lib/apache2/modules/mod_wsgi.so: "
               "undefined symbol: PyCObject_FromVoidPtr")
    configtest = analyze_text(tmp_path, f"apache2: Syntax error on line 146 of /etc/apache2/apache2.conf: {message}\n"
                                        "Action 'configtest' failed.")
    log = analyze_text(tmp_path, f"[Mon Jan 01 12:00:00.000000 2026] [core:emerg] [pid 1] {message}")
    for found in (configtest, log):
        assert [i for i, f in found.items() if f.severity.value == "error"] == ["module-undefined-symbol"]
    assert configtest["module-undefined-symbol"].fix == log["module-undefined-symbol"].fix
    assert "Python 2" in configtest["module-undefined-symbol"].detail


def test_every_wsgi_code_of_mod_wsgi_6_is_recognised_with_its_meaning():
    from wsgidoctor.messages.codes import table
    from wsgidoctor.messages.lines import parse_line
    from wsgidoctor.messages.signatures import classify

    codes = table()
    assert len(codes) >= 210 and {"WSGI0001", "WSGI0099", "WSGI0145", "WSGI0210"} <= set(codes)
    for entry in codes.values():
        if entry.retired:
            continue
        found = classify(parse_line(f"[Mon Jan 01 12:00:00.000000 2026] [wsgi:error] [pid 1] {entry.code}: {entry.message}"))
        assert found is not None, entry.code
        assert found[0] == (entry.event or "mod-wsgi-code"), (entry.code, found)
