"""The permissions probe, run as root, also tries every path as Apache's user (setpriv): the
kernel's answer agrees with the mode bits and ACLs where they decide, and catches a refusal they
cannot show (here /proc's magic link to a root process's root directory, which the kernel lets only
that process's owner follow; NFS root_squash and FUSE mounts refuse the same way but cannot be made here)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from wsgidoctor.areas import diagnose
from wsgidoctor.core.hookspec import Options, ProbeContext
from wsgidoctor.permissions import probe

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv") or not shutil.which("setfacl"),
                                reason="needs root, setpriv (util-linux) and setfacl (acl)")


@pytest.fixture
def site() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="wsgidoctor-asuser-", dir="/tmp"))
    os.chmod(top, 0o755)
    (top / "home" / "project").mkdir(parents=True)
    (top / "home" / "project" / "app.wsgi").write_text("application = None\n")
    (top / "srv").mkdir()
    (top / "srv" / "app.wsgi").write_text("application = None\n")
    os.chmod(top / "srv", 0o755)
    os.chmod(top / "home", 0o700)
    yield top
    shutil.rmtree(top)


def _run(*scripts: Path) -> list[dict]:
    config = {"files": ["/etc/site.conf"], "mounts": [
        {"script": str(s), "file": "/etc/site.conf", "line": i + 1, "daemon": None, "python_home": None,
         "python_path": None} for i, s in enumerate(scripts)]}
    out = probe.run(ProbeContext(Options(), {"config": config, "install": {"user": "www-data", "group": "www-data"}}))
    return out.facts["permissions"]["checks"]


def test_the_kernel_agrees_with_mode_bits_and_acls(site: Path) -> None:
    blocked, fine = _run(site / "home" / "project" / "app.wsgi", site / "srv" / "app.wsgi")
    assert blocked["blocked"]["path"] == str(site / "home") and blocked["as_user"] == "denied"
    assert fine["blocked"] is None and fine["as_user"] == "reachable"
    subprocess.run(["setfacl", "-m", "u:www-data:x", str(site / "home")], check=True)
    (opened,) = _run(site / "home" / "project" / "app.wsgi")
    assert opened["blocked"] is None and opened["as_user"] == "reachable"


def test_a_refusal_that_permissions_do_not_explain_is_reported(site: Path) -> None:
    # our own process's root: root may follow the link, www-data may not, though every mode bit allows it
    through_proc = f"/proc/{os.getpid()}/root{site}/srv/app.wsgi"
    (item,) = _run(Path(through_proc))
    assert item["blocked"] is None and item["as_user"] == "denied"
    (finding,) = [f for f in diagnose({"permissions": {"checks": [item]}}) if f.id == "path-not-accessible"]
    assert "kernel refused it when wsgidoctor tried as www-data" in finding.detail and through_proc in finding.detail
