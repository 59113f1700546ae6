"""Fixtures of the scenario suite: a fresh installation per test, always stopped and removed."""

from __future__ import annotations

import os
import shutil
from typing import Iterator

import pytest

from tests.scenarios.harness import APACHE2, DEBIAN_MOD_WSGI, Installation, new_top


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "the scenarios need root (User www-data, PID namespaces)"
    for path in (APACHE2, str(DEBIAN_MOD_WSGI), "/usr/bin/unshare", "/usr/bin/nsenter"):
        if not os.path.exists(path):
            return f"{path} is missing (scripts/test.sh installs apache2 and libapache2-mod-wsgi-py3)"
    return None


@pytest.fixture
def installation() -> Iterator[Installation]:
    """A Debian-style installation in its own temporary directory; stopped and deleted after."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    top = new_top()
    inst = Installation(top)
    try:
        yield inst
    finally:
        inst.stop()
        left = inst.own_processes()
        shutil.rmtree(top, ignore_errors=True)
    assert left == [], f"processes of the scenario server survived its stop: {left}"
    assert not top.exists(), f"{top} was left behind"
