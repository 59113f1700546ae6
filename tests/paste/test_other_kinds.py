"""Outputs the reader has no signatures of its own for (SELinux, AppArmor, a plugin's parser) reach
their parser: by its detector inside any paste, or by ``--as``. Inputs: the real public captures of
fixtures/selinux and fixtures/apparmor (their READMEs give the sources)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from wsgidoctor.cli.app import InputFile, build_analyze

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _ids(report) -> set[str]:
    return {f.id for f in report.findings}


@pytest.mark.parametrize("name, finding", [
    ("selinux/avc-ipa-wsgi.txt", "selinux-denial"),
    ("selinux/avc-cobbler-wsgi.txt", "selinux-denial"),
    ("selinux/ls-Z-home-centos.txt", "selinux-label-unreadable"),
    ("apparmor/denied-wsgi-exec.txt", "apparmor-denial"),
])
def test_a_sandbox_capture_is_analysed_by_its_parser(name, finding):
    assert finding in _ids(build_analyze([InputFile(str(FIXTURES / name))]))


def test_a_denial_quoted_in_a_fenced_paste_beside_an_error_log_gives_both_findings(tmp_path):
    avc = (FIXTURES / "selinux" / "avc-ipa-wsgi.txt").read_text(encoding="utf-8")
    log = "[Wed Oct 02 23:49:42.622 2024] [wsgi:error] [pid 21525] Target WSGI script not found or unable to stat: /srv/ipa/app.wsgi\n"
    paste = tmp_path / "paste.txt"
    paste.write_text("Apache says:\n```\n" + log + "```\nand audit.log has:\n```\n" + avc + "```\n", encoding="utf-8")
    assert {"selinux-denial", "wsgi-script-not-found"} <= _ids(build_analyze([InputFile(str(paste))]))


def test_as_accepts_every_registered_parser_kind():
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "--as", "getsebool",
                          str(FIXTURES / "selinux" / "getsebool-httpd.txt")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1, 2), out.stderr
    assert json.loads(out.stdout)["facts"]["selinux"]["booleans"]
