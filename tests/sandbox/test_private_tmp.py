"""PrivateTmp for real: Debian's apache2 started the way systemd starts apache2.service
(PrivateTmp=true: its own /tmp bind-mounted over /tmp in a mount namespace of its own), with
its WSGI socket directory created under the machine's /tmp. The doctor, run from the machine's
namespace as an administrator would, must see that the server's /tmp is another one."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from tests.scenarios.conftest import _missing
from tests.scenarios.harness import Installation, new_top
from tests.scenarios.scenarios import daemon_group

pytestmark = pytest.mark.apache


@pytest.fixture
def outside_tmp() -> Iterator[Installation]:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    top = new_top(parent="/run")  # outside /tmp: the server's /tmp is private
    private = Path(tempfile.mkdtemp(prefix="wsgidoctor-private-tmp-", dir="/run"))
    os.chmod(private, 0o1777)
    shared = Path(tempfile.mkdtemp(prefix="wsgidoctor-sockets-", dir="/tmp"))
    os.chmod(shared, 0o755)
    inst = Installation(top, private_tmp=private, doctor_outside=True)
    inst.shared_tmp = shared  # type: ignore[attr-defined]
    try:
        yield inst
    finally:
        inst.stop()
        left = inst.own_processes()
        for d in (top, private, shared):
            shutil.rmtree(d, ignore_errors=True)
    assert left == []


def test_a_socket_directory_in_tmp_is_not_what_a_private_tmp_server_sees(outside_tmp: Installation) -> None:
    inst = outside_tmp
    sockets = inst.shared_tmp / "wsgi"  # type: ignore[attr-defined]
    daemon_group(inst, prefix=f"{sockets}/app")
    sockets.mkdir()
    os.chmod(sockets, 0o755)
    assert inst.start().running
    response = inst.get(timeout=10)
    assert response.status == 503
    assert inst.wait_for_log("Couldn't bind unix domain socket") or inst.wait_for_log("Unable to connect")
    doctor = inst.doctor()
    hidden = [f for f in doctor.findings("error") if f["id"] == "service-sandbox-hides-path"]
    assert hidden, doctor.summary()
    assert str(sockets) in hidden[0]["detail"] and "a /tmp of its own" in hidden[0]["detail"]
    other = doctor.ids("error", "warning") - {"service-sandbox-hides-path", "daemon-connect-failed",
                                               "daemon-socket-denied"}
    assert other == set(), doctor.summary()
