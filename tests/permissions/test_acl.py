"""Mode bits and real POSIX ACLs (set with setfacl on a temporary directory) evaluated for
www-data without switching user."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from wsgidoctor.linkage.access import Identity, first_blocked
from wsgidoctor.permissions import acl
from wsgidoctor.permissions.probe import examine

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setfacl"),
                                reason="needs root and setfacl (scripts/test.sh installs acl)")


@pytest.fixture
def home() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="wsgidoctor-acl-", dir="/tmp"))
    os.chmod(top, 0o755)
    home = top / "bob"
    (home / "project").mkdir(parents=True)
    (home / "project" / "app.wsgi").write_text("application = None\n")
    os.chown(home, 65534, 65534)
    os.chmod(home, 0o700)
    yield home
    shutil.rmtree(top)


def www_data() -> Identity:
    who = Identity.for_user("www-data")
    assert who is not None
    return who


def test_a_0700_home_blocks_www_data_and_an_acl_entry_unblocks_it(home: Path) -> None:
    script = str(home / "project" / "app.wsgi")
    blocked = first_blocked(script, www_data())
    assert blocked is not None and blocked.path == str(home)
    assert blocked.mode.startswith("drwx------")
    subprocess.run(["setfacl", "-m", "u:www-data:x", str(home)], check=True)
    assert first_blocked(script, www_data()) is None
    assert acl.describe(acl.read(str(home))) == "user:33:--x,mask::--x"


def test_the_acl_mask_limits_a_named_entry(home: Path) -> None:
    subprocess.run(["setfacl", "-m", "u:www-data:x,m::-", str(home)], check=True)
    assert first_blocked(str(home / "project" / "app.wsgi"), www_data()) is not None


def test_a_group_entry_for_another_group_does_not_help(home: Path) -> None:
    subprocess.run(["setfacl", "-m", "g:root:rx", str(home)], check=True)
    assert first_blocked(str(home / "project"), www_data(), want_dir=True) is not None


def test_examine_names_the_blocking_directory_and_the_acl_that_would_fix_it(home: Path) -> None:
    config = {"mounts": [{"script": str(home / "project" / "app.wsgi"), "file": "/etc/site.conf", "line": 3,
                          "daemon": None, "python_home": None, "python_path": None}]}
    checks = examine(config, "www-data", "www-data")
    assert [c["blocked"]["path"] for c in checks] == [str(home)]
    from wsgidoctor.permissions.rules import fix_command
    assert fix_command(checks[0]) == f"setfacl -m u:www-data:x {home}"


def test_parse_rejects_what_is_not_an_acl() -> None:
    assert acl.parse(b"") is None
    assert acl.parse(b"\x01\x00\x00\x00") is None
    assert acl.parse(b"\x02\x00\x00\x00\x01\x00") is None
