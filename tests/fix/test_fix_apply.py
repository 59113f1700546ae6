"""`wsgidoctor fix --apply` on real installations: it writes only when asked, keeps a backup,
and restores everything when Apache's configuration test fails after the change."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.scenarios.harness import Installation
from tests.scenarios.scenarios import invalid_mutex
from wsgidoctor.fix.apply import apply
from wsgidoctor.fix.plan import FileChange

pytestmark = pytest.mark.apache


def test_apply_writes_the_fix_with_a_backup_and_the_configuration_then_passes(installation: Installation) -> None:
    invalid_mutex(installation)
    assert not installation.start().running  # "Accept mutex lock mechanism 'sem' is invalid"
    conf = installation.root / "conf-enabled" / "scenario.conf"
    original = conf.read_text()
    shown = installation.wsgidoctor("fix", *installation.target())
    assert "-WSGIAcceptMutex sem" in shown.stdout and conf.read_text() == original  # shown, not written
    proc = installation.wsgidoctor("fix", "--apply", "--json", *installation.target())
    applied = json.loads(proc.stdout)["applied"]
    assert applied["written"] == [str(conf)] and applied["test_after"] is None, applied
    assert "WSGIAcceptMutex" not in conf.read_text()
    assert open(applied["backups"][str(conf)]).read() == original
    test = subprocess.run(["/usr/sbin/apache2", "-f", str(installation.config), "-t"], capture_output=True,
                          text=True, env=installation.start_environment(), timeout=30)
    assert test.returncode == 0, test.stderr  # the server would now start


def test_apply_restores_every_file_when_the_configuration_test_fails_after(installation: Installation) -> None:
    installation.write()
    site = installation.root / "sites-enabled" / "000-default.conf"
    original = site.read_text()
    facts = {"install": {"httpd_argv": ["/usr/sbin/apache2", "-f", str(installation.config)],
                         "start_env": installation.start_environment()}}
    broken = FileChange(str(site), original.splitlines(), original.splitlines() + ["NoSuchDirective on"])
    result = apply(facts, [broken])
    assert result.test_before is None
    assert result.restored and "NoSuchDirective" in (result.test_after or "")
    assert site.read_text() == original
