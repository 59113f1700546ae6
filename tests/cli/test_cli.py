"""The command line as a user meets it: exit codes, messages, and never a traceback."""

import json
import subprocess
import sys

import pytest

from wsgidoctor.core import exitcodes
from wsgidoctor.core.model import Severity
from wsgidoctor.cli.settings import load_settings
from wsgidoctor.core.errors import InputError


def wsgidoctor(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "wsgidoctor", *args], capture_output=True, text=True,
                          input=stdin, cwd=cwd, timeout=120)


def test_usage_errors_exit_3_not_2_which_means_errors_found():
    r = wsgidoctor("check", "--fail-on", "sometimes")
    assert r.returncode == 3 and "invalid choice" in r.stderr
    assert wsgidoctor().returncode == 3


@pytest.mark.parametrize("worst,fail_on,code", [
    (None, "warning", 0), (Severity.WARNING, "warning", 1), (Severity.WARNING, "error", 0),
    (Severity.ERROR, "warning", 2), (Severity.ERROR, "error", 2), (Severity.ERROR, "never", 0),
    (Severity.INFO, "warning", 0),
])
def test_exit_code_policy(worst, fail_on, code):
    assert exitcodes.for_findings(worst, fail_on) == code


def test_analyze_explains_bad_inputs_without_a_traceback(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "garbage.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    unreadable = tmp_path / "secret.txt"
    unreadable.write_text("x")
    unreadable.chmod(0)
    for args, expected in [
        ((str(tmp_path / "missing.txt"),), "no such file"),
        ((str(tmp_path),), "is a directory"),
        ((str(empty),), "empty"),
        ((str(binary),), "binary data"),
        ((), "nothing to analyse"),
        (("--from", str(empty)), "not a wsgidoctor JSON report"),
    ]:
        r = wsgidoctor("analyze", *args)
        assert r.returncode == 3, (args, r.stderr)
        assert expected in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_analyze_reads_standard_input_and_says_what_it_did_not_recognise():
    r = wsgidoctor("analyze", "-", stdin="hello, this is not Apache output\n")
    assert r.returncode == 3
    assert "not recognised" in r.stderr and "--as KIND" in r.stderr


def test_explain_lists_ids_and_rejects_unknown_ones():
    listing = wsgidoctor("explain", "--list")
    assert listing.returncode == 0 and "apache-not-found" in listing.stdout
    one = wsgidoctor("explain", "apache-not-found")
    assert one.returncode == 0 and "Fix:" in one.stdout
    bad = wsgidoctor("explain", "no-such-finding")
    assert bad.returncode == 3 and "explain --list" in bad.stderr


def test_check_names_a_missing_httpd_as_an_error(tmp_path):
    r = wsgidoctor("check", "--httpd", str(tmp_path / "httpd"), "--skip-probe", "apxs", "--no-plugins")
    assert r.returncode == 2
    shown = " ".join(r.stdout.split())  # a long temporary path wraps the detail onto two lines
    assert "httpd-command-failed" in shown and "no such file" in shown


def test_report_json_goes_to_a_file_when_asked(tmp_path):
    out = tmp_path / "r.json"
    r = wsgidoctor("report", "--json", "-o", str(out), "--httpd", str(tmp_path / "none"), "--no-plugins")
    assert r.returncode == 2 and r.stdout == ""
    assert json.loads(out.read_text())["schema_version"].startswith("1.")


def test_settings_file_silences_findings_and_sets_fail_on(tmp_path):
    ini = tmp_path / "wsgidoctor.ini"
    ini.write_text("[wsgidoctor]\nignore = httpd-command-failed,\n  apache-not-found\nfail-on = error\n")
    s = load_settings([str(ini)])
    assert s.ignore == ("httpd-command-failed", "apache-not-found") and s.fail_on == "error"
    r = wsgidoctor("check", "--httpd", str(tmp_path / "httpd"), "--no-plugins", cwd=tmp_path)
    assert r.returncode == 0 and "httpd-command-failed" not in r.stdout
    ini.write_text("[wsgidoctor]\nfail-on = maybe\n")
    with pytest.raises(InputError):
        load_settings([str(ini)])
