"""One observation per real installation per session: the server is started, asked and stopped
once, and every aspect test compares from it."""

from __future__ import annotations

from typing import Callable, Optional

import pytest

from tests.platforms import installations as inst
from tests.platforms import express
from tests.support import chroots

BUILDERS: dict[str, Callable[[], Optional[inst.Installation]]] = {
    "debian12-prefork": lambda: inst.debian12("prefork"),
    "debian12-worker": lambda: inst.debian12("worker"),
    "debian13": lambda: inst.debian_chroot("debian13", "mod_wsgi.so-3.13",
                                           "Debian 13 chroot: apache2 + libapache2-mod-wsgi-py3 (mod_wsgi.so-3.13)"),
    "debian11": lambda: inst.debian_chroot("debian11", "mod_wsgi.so",
                                           "Debian 11 chroot: apache2 + libapache2-mod-wsgi-py3, no C compiler"),
    "source-httpd": inst.source_httpd,
    "module-config": inst.module_config,
    "module-config-loadfile": inst.module_config_loadfile,
    "express": express.installation,
}
NAMES = list(BUILDERS)
_CACHE: dict[str, object] = {}  # an Observation, or the exception that stopped it (raised once per aspect)


def _observe(name: str) -> inst.Observation:
    installation = BUILDERS[name]()
    if installation is None:
        pytest.fail(f"installation {name} is not built: scripts/test.sh builds it (scripts/platforms/)")
    if installation.chroot is not None:
        chroots.install_wsgidoctor(installation.chroot)
        with chroots.proc_mounted(installation.chroot):
            return inst.observe(installation)
    if name == "express":
        return express.observe(installation)
    return inst.observe(installation)


@pytest.fixture(scope="session")
def observe() -> Callable[[str], inst.Observation]:
    def get(name: str) -> inst.Observation:
        if name not in _CACHE:
            try:
                _CACHE[name] = _observe(name)
            except BaseException as exc:  # noqa: B036 - pytest.fail's Failed too: remembered, not retried
                _CACHE[name] = exc
        found = _CACHE[name]
        if isinstance(found, BaseException):
            raise found
        return found  # type: ignore[return-value]
    return get
