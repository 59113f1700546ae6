"""Never a ✓ that was not verified: what could not be examined is said, with how to examine it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.express import open_dir, report, wsgidoctor
from tests.support.live_helpers import write_case

pytestmark = [pytest.mark.apache]
ROOT = Path(__file__).resolve().parents[2]


def test_httpd_bin_true_is_an_error_not_a_healthy_report():
    done = wsgidoctor("check", "--httpd", "/bin/true")
    assert done.returncode == 2, done.stdout
    assert "httpd-command-failed" in done.stdout
    data, code = report("--httpd", "/bin/true")
    assert code == 2
    assert data["summary"]["status"] == "error"
    assert {i["section"] for i in data["summary"]["incomplete"]} >= {"apache", "modules"}
    # the error says what is wrong; the warning says what was therefore not verified, and how to
    not_examined = [f for f in data["findings"] if f["id"] == "sections-not-examined"]
    assert not_examined and "--httpd" in not_examined[0]["detail"]
    assert "✓ Apache build" not in done.stdout and "? Apache build" in done.stdout


def _garbage_script(where: Path) -> str:
    script = where / "not-httpd.sh"
    script.write_text("#!/bin/sh\necho \"usage: frobnicate [-x] $*\"\necho 'Syntax error on line 1 of x:'\nexit 64\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("binary", ["/bin/false", "/bin/true", "/usr/bin/python3", "garbage script"])
def test_a_program_that_is_not_httpd_is_said_so_once_and_nothing_it_did_is_called_a_refusal(binary, tmp_path):
    """Its -M failure is not Apache refusing a configuration, and the accept mutex, the
    configuration, the mounts and the error log of an httpd that never answered are not examined."""
    binary = _garbage_script(tmp_path) if binary == "garbage script" else binary
    data, code = report("--httpd", binary)
    assert code == 2 and data["facts"]["install"]["httpd_identified"] is False
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    assert [f["id"] for f in errors] == ["httpd-command-failed"], [(f["id"], f["detail"]) for f in errors]
    assert "not Apache httpd" in errors[0]["detail"] and "--httpd /usr/sbin/apache2" in errors[0]["fix"]
    assert {i["section"] for i in data["summary"]["incomplete"]} >= {"apache", "modules", "mutex", "config",
                                                                      "wsgi", "errorlog", "linkage", "python"}
    done = wsgidoctor("check", "--httpd", binary)
    assert done.returncode == 2
    assert "refuses" not in done.stdout and "apache-config-rejected" not in done.stdout
    assert "? Accept mutex" in done.stdout and "✓ Accept mutex" not in done.stdout


def test_a_configuration_httpd_cannot_load_is_an_error_and_the_modules_section_is_incomplete(tmp_path):
    conf = write_case(tmp_path / "etc", "LoadModule nothing_module /nonexistent/mod_nothing.so\n")
    data, code = report("--config", str(conf))
    assert code == 2
    refused = [f for f in data["findings"] if f["severity"] == "error" and "mod_nothing.so" in f["detail"]]
    assert refused, [f["id"] for f in data["findings"]]
    assert "httpd-modules-failed" not in {f["id"] for f in data["findings"]}  # said once, by the refusal
    assert "sections-not-examined" in {f["id"] for f in data["findings"]}
    assert any(i["section"] == "modules" for i in data["summary"]["incomplete"])
    done = wsgidoctor("check", "--config", str(conf))
    assert "Apache modules" in done.stdout and "✓ Apache modules" not in done.stdout


@pytest.fixture(scope="module")
def no_native_install():
    """wsgidoctor installed as on a machine without a C compiler (WSGIDOCTOR_SKIP_NATIVE=1): a
    fresh venv, a copy of this checkout, no hosting program. Its dependencies come from ours."""
    where = open_dir("wsgidoctor-nocc-")
    try:
        src = where / "src"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info",
                                                                 "_native", "wsgidoctor-host", "__pycache__",
                                                                 ".pytest_cache", "fixtures", "tests"))
        venv = where / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        site = subprocess.run([sys.executable, "-c", "import psutil, os; print(os.path.dirname(os.path.dirname(psutil.__file__)))"],
                              capture_output=True, text=True, check=True).stdout.strip()
        ours = next(venv.glob("lib/python*/site-packages"))
        (ours / "deps-from-the-test-venv.pth").write_text(site + "\n")
        env = {**os.environ, "WSGIDOCTOR_SKIP_NATIVE": "1"}
        env.pop("WSGIDOCTOR_HOST_PROGRAM", None)
        done = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-deps", str(src)],
                              env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        yield str(venv / "bin" / "python")
    finally:
        shutil.rmtree(where, ignore_errors=True)


def test_without_a_compiler_the_python_section_is_incomplete_with_a_warning(no_native_install, tmp_path):
    conf = write_case(tmp_path / "etc", "")
    data, code = report("--config", str(conf), python=no_native_install)
    assert data["facts"]["hosting"]["program"] is None
    incomplete = {i["section"]: i for i in data["summary"]["incomplete"]}
    assert "python" in incomplete
    assert "C compiler" in incomplete["python"]["fix"]
    warning = [f for f in data["findings"] if f["id"] == "sections-not-examined"]
    assert warning and warning[0]["severity"] == "warning" and "Python installation in use" in warning[0]["detail"]
    assert code == 1
    done = wsgidoctor("check", "--config", str(conf), python=no_native_install)
    assert "✓ Python installation in use" not in done.stdout
    assert "? Python installation in use" in done.stdout


def test_without_a_compiler_live_answers_fill_the_python_section(no_native_install, tmp_path):
    srv = tmp_path / "srv"
    srv.mkdir()
    conf = write_case(tmp_path / "etc", f"WSGIDaemonProcess d threads=2\n"
                                        f"WSGIScriptAlias /app {srv}/app.wsgi process-group=d\n")
    data, _ = report("--config", str(conf), "--live", python=no_native_install)
    python = data["facts"]["python"]
    assert python["source"] == "live"
    asked = next(m for m in data["facts"]["live"]["mounts"] if m.get("answer"))
    assert python["prefix"] == asked["answer"]["python"]["prefix"]
    assert python["process_group"] == "d"
    assert "python" not in {i["section"] for i in data["summary"]["incomplete"]}
