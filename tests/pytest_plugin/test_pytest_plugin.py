"""The pytest plugin as its users see it: runs of pytest (pytester) on small test files.

The installation under test is a stand-in ``httpd`` script: it either fails the way a broken image
does (a missing shared library) or prints a real captured ``httpd -V``. wsgidoctor runs it for
real, so these tests need no Apache. Live servers and this machine's Apache are in
tests/integration/test_pytest_plugin_real.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Optional

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.core.catalogue import CATALOG
from wsgidoctor.areas import load_rules as load_all

pytest_plugins = ["pytester"]

load_all()
BROKEN_LIBRARY = ("httpd: error while loading shared libraries: libaprutil-1.so.0: "
                  "cannot open shared object file: No such file or directory")
PREFORK_V = FIXTURES / "corpus/V/debian-8-apache2-2.4.10-prefork-tab-indented-flattened.txt"


@pytest.fixture(autouse=True)
def _inner_runs_without_hypothesis(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs under test need no hypothesis; its plugin costs about 2 s per in-process run.

    Set after pytester's own set-up, which clears PYTEST_ADDOPTS.
    """
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")


@pytest.fixture(autouse=True, scope="module")
def _wsgidoctor_imported_before_inner_runs():
    """Import every wsgidoctor module in this process before pytester's in-process runs.

    pytester restores ``sys.modules`` after each run, but a submodule stays an attribute of its
    package: a later run would then mix the kept ``wsgidoctor.core.pipeline`` with freshly imported probe
    modules and their new ``Probe`` class. A real pytest run imports each module once.
    """
    import importlib
    import pkgutil

    import wsgidoctor

    for info in pkgutil.walk_packages(wsgidoctor.__path__, "wsgidoctor."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def standin_httpd(where: Path, *, v_output: Optional[Path] = None, calls: Optional[Path] = None) -> Path:
    """An executable that answers ``-V`` with a real capture, or (without one) fails like a broken build.

    Each call appends its last argument to ``calls``, so a test can count what wsgidoctor ran.
    """
    (where / "bin").mkdir(exist_ok=True)
    script = where / "bin" / "httpd"
    lines = ["#!/bin/sh", 'for a; do last="$a"; done']
    if calls is not None:
        lines.append(f'echo "$last" >> "{calls}"')
    if v_output is None:
        lines += [f"echo '{BROKEN_LIBRARY}' >&2", "exit 127"]
    else:
        lines += ['case "$last" in', f'  -V) cat "{v_output}" ;;',
                  '  *) echo "this stand-in answers only -V" >&2; exit 1 ;;', "esac"]
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return script


# --- absent Apache ------------------------------------------------------------------------


USES_REPORT = """
    def test_report(wsgidoctor_report):
        pass

    def test_apache(wsgidoctor_apache):
        pass
"""


def test_absent_apache_skips_with_the_reason_and_the_report_says_why(pytester: pytest.Pytester):
    pytester.makepyfile(USES_REPORT)
    missing = pytester.path / "no-such" / "httpd"
    result = pytester.runpytest("--wsgidoctor-httpd", str(missing), "-rs", "--wsgidoctor-report", "r.json")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([f"SKIPPED *wsgidoctor: the Apache httpd binary {missing} given by "
                                 "--wsgidoctor-httpd does not exist"])
    assert result.ret == 0
    data = _valid_report(pytester.path / "r.json")
    assert data["facts"]["install"]["httpd"] == str(missing)
    assert "httpd-command-failed" in [f["id"] for f in data["findings"]]


def test_require_apache_turns_the_skip_into_a_failure(pytester: pytest.Pytester):
    pytester.makepyfile(USES_REPORT)
    missing = pytester.path / "no-such" / "httpd"
    result = pytester.runpytest("--wsgidoctor-httpd", str(missing), "--wsgidoctor-require-apache")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([f"*wsgidoctor: the Apache httpd binary {missing} given by --wsgidoctor-httpd "
                                 "does not exist (Apache is required: --wsgidoctor-require-apache)"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_require_apache_from_the_ini_file(pytester: pytest.Pytester):
    pytester.makeini("[pytest]\nwsgidoctor_httpd = no-such/httpd\nwsgidoctor_require_apache = true\n")
    pytester.makepyfile(USES_REPORT)
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    # A relative path in the ini file is relative to the ini file.
    result.stdout.fnmatch_lines([f"*{pytester.path / 'no-such' / 'httpd'} given by --wsgidoctor-httpd does not exist*"])


# --- failing and passing runs ---------------------------------------------------------------


def test_a_broken_httpd_fails_with_the_findings_title_detail_and_fix(pytester: pytest.Pytester):
    httpd = standin_httpd(pytester.path)
    pytester.makepyfile("""
        from wsgidoctor.pytest_plugin.assertions import assert_no_errors, assert_no_finding

        def test_no_errors(wsgidoctor_report):
            assert_no_errors(wsgidoctor_report)

        def test_apache_was_found(wsgidoctor_report):
            assert_no_finding(wsgidoctor_report, "apache-not-found")

        def test_findings(wsgidoctor_report):
            assert wsgidoctor_report.findings == []
    """)
    result = pytester.runpytest("--wsgidoctor-httpd", str(httpd))
    result.assert_outcomes(passed=1, failed=2)
    from wsgidoctor.install.rules import NOT_HTTPD_FIX

    spec = CATALOG["httpd-command-failed"]
    result.stdout.fnmatch_lines([
        ">       assert_no_errors(wsgidoctor_report)",  # the failure points at the test's line
        "E*AssertionError: wsgidoctor found * error*:",
        f"E*[[]error] httpd-command-failed: {spec.title}",
        f"E*    `{httpd}` is not Apache httpd, or could not be run as it: `{httpd} -V` exited with status 127 "
        f"and printed: {BROKEN_LIBRARY}*",
        "E*  evidence:",
        f"E*  fix: {NOT_HTTPD_FIX}",
    ])
    assert "_fail(" not in result.stdout.str()  # the helper's own frames are hidden
    # A plain comparison of the findings shows them the same way.
    result.stdout.fnmatch_lines(["E*the wsgidoctor report has * finding(s):",
                                 f"E*[[]error] httpd-command-failed: {spec.title}. Fix: {NOT_HTTPD_FIX}"])


def test_facts_fixtures_and_mpm_assertion_on_a_real_capture(pytester: pytest.Pytester):
    httpd = standin_httpd(pytester.path, v_output=PREFORK_V)
    pytester.makepyfile("""
        from wsgidoctor.pytest_plugin.assertions import assert_mpm

        def test_facts(wsgidoctor_apache, wsgidoctor_facts):
            assert wsgidoctor_apache.version == "2.4.10"
            assert wsgidoctor_apache["mmn.major"] == 20120211
            assert wsgidoctor_facts["apache.mpm.threaded"] is False

        def test_prefork(wsgidoctor_apache):
            assert_mpm(wsgidoctor_apache, "prefork")

        def test_event(wsgidoctor_report):
            assert_mpm(wsgidoctor_report, "event")
    """)
    result = pytester.runpytest("--wsgidoctor-httpd", str(httpd))
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["E*AssertionError: Apache's MPM is prefork, expected event.",
                                 f"E*    {httpd} -V (line 7): Server MPM:*prefork",
                                 "E*  fix: *mpm_event*"])


def test_ignored_findings_are_left_out_of_the_report(pytester: pytest.Pytester):
    httpd = standin_httpd(pytester.path)
    pytester.makeini(f"[pytest]\nwsgidoctor_httpd = {httpd}\nwsgidoctor_ignore =\n    httpd-command-failed\n")
    pytester.makepyfile("""
        def test_ignored(wsgidoctor_report):
            assert "httpd-command-failed" not in [f.id for f in wsgidoctor_report.findings]
    """)
    pytester.runpytest().assert_outcomes(passed=1)
    pytester.runpytest("-o", "wsgidoctor_ignore=", "--wsgidoctor-ignore", "httpd-command-failed").assert_outcomes(passed=1)


def test_a_conftest_can_override_the_options(pytester: pytest.Pytester):
    httpd = standin_httpd(pytester.path, v_output=PREFORK_V)
    pytester.makeconftest(f"""
        import dataclasses
        import pytest

        @pytest.fixture(scope="session")
        def wsgidoctor_options(wsgidoctor_options):
            return dataclasses.replace(wsgidoctor_options, httpd={str(httpd)!r})
    """)
    pytester.makepyfile("""
        def test_version(wsgidoctor_apache):
            assert wsgidoctor_apache.version == "2.4.10"
    """)
    pytester.runpytest().assert_outcomes(passed=1)


# --- probing nothing until asked; once per session ---------------------------------------


def test_nothing_runs_and_nothing_is_printed_unless_a_test_asks(pytester: pytest.Pytester):
    calls = pytester.path / "calls.txt"
    httpd = standin_httpd(pytester.path, calls=calls)
    pytester.makepyfile("def test_unrelated():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    # Quiet in projects that do not use it: only pytest's own list of plugins names it.
    assert [line for line in result.stdout.lines if "wsgidoctor" in line] == [
        line for line in result.stdout.lines if line.startswith("plugins:")]
    result = pytester.runpytest("--wsgidoctor-httpd", str(httpd))
    result.assert_outcomes(passed=1)
    assert not calls.exists()


def test_the_report_is_computed_once_per_session(pytester: pytest.Pytester):
    calls = pytester.path / "calls.txt"
    httpd = standin_httpd(pytester.path, v_output=PREFORK_V, calls=calls)
    pytester.makepyfile(test_one="""
        def test_a(wsgidoctor_report): pass
        def test_b(wsgidoctor_apache): pass
    """, test_two="""
        def test_c(wsgidoctor_facts): pass
        def test_d(wsgidoctor_python, wsgidoctor_linkage): pass
    """)
    pytester.runpytest("--wsgidoctor-httpd", str(httpd)).assert_outcomes(passed=4)
    assert calls.read_text().split().count("-V") == 1


# --- header, options ----------------------------------------------------------------------


def test_header_names_what_is_examined(pytester: pytest.Pytester):
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--wsgidoctor-httpd", "/opt/httpd/bin/httpd", "--wsgidoctor-config",
                                "conf/httpd.conf", "--no-wsgidoctor-live", "--wsgidoctor-require-apache")
    result.stdout.fnmatch_lines([f"wsgidoctor *: httpd /opt/httpd/bin/httpd, config {pytester.path}/conf/httpd.conf, "
                                 "live server off, missing Apache fails"])


def test_header_appears_when_a_test_uses_a_fixture_without_options(pytester: pytest.Pytester):
    pytester.makepyfile("def test_x(wsgidoctor_report): pass")
    result = pytester.runpytest("--collect-only")
    result.stdout.fnmatch_lines(["wsgidoctor *: httpd found automatically, config the httpd default, "
                                 "live server when a test asks, missing Apache skips"])


@pytest.mark.parametrize("args, message", [
    (["--wsgidoctor-timeout", "0"], "--wsgidoctor-timeout must be a positive number of seconds, not '0'"),
    (["--wsgidoctor-start-timeout", "soon"], "--wsgidoctor-start-timeout must be a number of seconds, not 'soon'"),
    (["-o", "wsgidoctor_live=maybe"], "ini option wsgidoctor_live must be true or false, not 'maybe'"),
])
def test_bad_option_values_are_usage_errors(pytester: pytest.Pytester, args, message):
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_no_live_skips_the_server_fixture(pytester: pytest.Pytester):
    pytester.makepyfile("def test_live(wsgidoctor_server): pass")
    result = pytester.runpytest("--no-wsgidoctor-live", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*wsgidoctor: no live server: switched off by --no-wsgidoctor-live*"])


# --- the JSON report artifact --------------------------------------------------------------


def _valid_report(path: Path) -> dict:
    import jsonschema

    from wsgidoctor.render.json import schema

    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema())
    return data


def test_json_report_is_written_even_when_no_test_asked_for_it(pytester: pytest.Pytester):
    httpd = standin_httpd(pytester.path)
    pytester.makepyfile("def test_unrelated(): pass")
    out = pytester.path / "artifacts" / "wsgidoctor.json"
    result = pytester.runpytest("--wsgidoctor-httpd", str(httpd), "--wsgidoctor-report", "artifacts/wsgidoctor.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"wsgidoctor: JSON report (status error) written to {out}"])
    data = _valid_report(out)
    assert "httpd-command-failed" in [f["id"] for f in data["findings"]]
    assert data["facts"]["install"]["httpd"] == str(httpd)


def test_json_report_under_xdist_is_written_once_by_the_controller(pytester: pytest.Pytester):
    calls = pytester.path / "calls.txt"
    httpd = standin_httpd(pytester.path, v_output=PREFORK_V, calls=calls)
    pytester.makepyfile(**{f"test_{i}": f"def test_{i}(wsgidoctor_report): pass" for i in range(4)})
    result = pytester.runpytest_subprocess("-n", "2", "-v", "--wsgidoctor-httpd", str(httpd),
                                           "--wsgidoctor-report", "r.json", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["wsgidoctor: JSON report (status *) written to *r.json"])
    assert _valid_report(pytester.path / "r.json")["facts"]["apache"]["mpm"]["name"] == "prefork"
    # Each worker computed its own report; the controller wrote a worker's and ran nothing itself.
    workers = set(re.findall(r"\[(gw\d+)\] .*PASSED", result.stdout.str()))
    assert workers and calls.read_text().split().count("-V") == len(workers)
