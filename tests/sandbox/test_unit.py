"""Apache's unit read as systemd merges it: Debian 12's real apache2.service (fixtures/systemd,
copied from the apache2 package) plus drop-ins in a higher-priority directory."""

from __future__ import annotations

import shutil
from pathlib import Path

from wsgidoctor.sandbox import unit as units
from wsgidoctor.sandbox.rules import _why

FIXTURE = Path(__file__).parents[2] / "fixtures" / "systemd" / "debian12-apache2.service"


def layout(tmp_path: Path) -> tuple[Path, Path]:
    etc, lib = tmp_path / "etc", tmp_path / "lib"
    lib.mkdir()
    etc.mkdir()
    shutil.copy(FIXTURE, lib / "apache2.service")
    return etc, lib


def test_debian_unit_has_private_tmp_and_no_protect_settings(tmp_path: Path) -> None:
    etc, lib = layout(tmp_path)
    found = units.find_unit(dirs=[str(etc), str(lib)])
    assert found == ("apache2.service", str(lib / "apache2.service"))
    s = units.read_files("apache2.service", found[1], dirs=[str(etc), str(lib)])
    assert s.values == {"PrivateTmp": True}
    assert s.where["PrivateTmp"] == f"{lib}/apache2.service:13"


def test_drop_ins_override_in_name_order_and_etc_masks_lib(tmp_path: Path) -> None:
    etc, lib = layout(tmp_path)
    (lib / "apache2.service.d").mkdir()
    (lib / "apache2.service.d" / "10-harden.conf").write_text(
        "[Service]\nProtectSystem=strict\nReadWritePaths=/var/log/apache2\n")
    (etc / "apache2.service.d").mkdir()
    (etc / "apache2.service.d" / "20-local.conf").write_text(
        "[Service]\nPrivateTmp=no\nReadWritePaths=/run/apache2\n")
    s = units.read_files("apache2.service", str(lib / "apache2.service"), dirs=[str(etc), str(lib)])
    assert s.values == {"PrivateTmp": False, "ProtectSystem": "strict",
                        "ReadWritePaths": ["/var/log/apache2", "/run/apache2"]}
    (etc / "apache2.service.d" / "10-harden.conf").write_text("[Service]\nReadWritePaths=\n")
    s = units.read_files("apache2.service", str(lib / "apache2.service"), dirs=[str(etc), str(lib)])
    assert "ProtectSystem" not in s.values and s.values["ReadWritePaths"] == ["/run/apache2"]


def test_protect_system_strict_blocks_a_socket_directory_outside_read_write_paths() -> None:
    unit = {"name": "apache2.service", "values": {"ProtectSystem": "strict", "ReadWritePaths": ["/run/apache2"]},
            "where": {"ProtectSystem": "/etc/systemd/system/apache2.service.d/x.conf:2"}}
    sock = {"path": "/var/lib/wsgi", "write": True, "exists_here": True}
    assert _why(sock, unit, {}, managed=True)[0] == "ProtectSystem"
    assert _why({**sock, "path": "/run/apache2/wsgi"}, unit, {}, managed=True) is None
    assert _why(sock, unit, {}, managed=False) is None  # systemd does not start this Apache


def test_private_tmp_predicted_only_when_systemd_starts_apache_and_it_is_not_running() -> None:
    unit = {"name": "apache2.service", "values": {"PrivateTmp": True}, "where": {}}
    app = {"path": "/tmp/project/app.wsgi", "write": False, "exists_here": True}
    assert _why(app, unit, {"pid": None}, managed=True)[0] == "PrivateTmp"
    assert _why(app, unit, {"pid": None}, managed=False) is None
    assert _why({**app, "path": "/tmp"}, unit, {"pid": None}, managed=True) is None
