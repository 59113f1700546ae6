"""Building and finding the hosting program, and what the probe says when there is none."""

from __future__ import annotations

import importlib.util
import os
import subprocess

import pytest

from tests.support.hosting_support import ROOT, SYSTEM_LIBPYTHON, built_program
from wsgidoctor.python.hosting.program import ENV_OVERRIDE, NOT_BUILT, find_program
from wsgidoctor.core.hookspec import Options, ProbeContext


def build_module():
    spec = importlib.util.spec_from_file_location("build_host_under_test", ROOT / "native" / "build_host.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_produces_a_working_program():
    program = built_program()
    assert program and os.access(program, os.X_OK)
    out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.startswith("wsgidoctor-host 1.0.0 (record schema 1)")


def test_without_a_compiler_the_build_says_so_and_leaves_nothing_stale(tmp_path, monkeypatch):
    stale = tmp_path / "wsgidoctor-host"
    stale.write_text("old")
    messages = []
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    assert build_module().compile_host(str(tmp_path), say=messages.append) is None
    assert not stale.exists()
    assert "could not run the C compiler" in messages[0] and "not built" in messages[0]


def test_a_compile_error_is_reported_not_raised(tmp_path, monkeypatch):
    messages = []
    monkeypatch.setenv("CFLAGS", "-DTHIS_FLAG -fno-such-option-anywhere")
    assert build_module().compile_host(str(tmp_path), say=messages.append) is None
    assert "compiling the hosting program failed" in messages[0]


def test_the_bootstrap_becomes_a_nul_terminated_array():
    header = build_module().bootstrap_header(b"ab\n")
    assert "0x61,0x62,0x0a," in header and header.rstrip().endswith("0x00};")


def test_the_override_wins_and_a_bad_override_is_explained(tmp_path):
    program = built_program()
    assert find_program({ENV_OVERRIDE: program}).path == program
    missing = find_program({ENV_OVERRIDE: str(tmp_path / "nothing")})
    assert missing.path is None and missing.reason.startswith(NOT_BUILT)


def test_the_probe_reports_hosting_program_not_built(tmp_path):
    from wsgidoctor.python.probe import run

    facts = {"linkage": {"python_library": {"path": SYSTEM_LIBPYTHON, "found": True, "python_version": "3.11.2"}}}
    ctx = ProbeContext(Options(), facts, environ={ENV_OVERRIDE: str(tmp_path / "absent")})
    out = run(ctx)
    assert out.facts["hosting"]["error"].startswith("hosting program not built")
    assert out.facts["hosting"]["libpython"] == SYSTEM_LIBPYTHON
    assert "python" not in out.facts
    assert any(n.startswith(NOT_BUILT) for n in out.notes)


def test_the_probe_is_not_applicable_without_a_library(tmp_path):
    from wsgidoctor.python.probe import run
    from wsgidoctor.core.hookspec import NotApplicable

    facts = {"linkage": {"static": True}}
    with pytest.raises(NotApplicable, match="static libpython"):
        run(ProbeContext(Options(), facts, environ={}))
