"""Write the real captures of every installation into fixtures/platforms/<name>/:

    .venv/bin/python -m tests.platforms.capture [NAME...]

``httpd -V``, ``-M``, ``-l`` (with the throwaway configuration of tests/platforms), config.nice
where the installation has one, the mod_wsgi start-up lines of the error log, and for express the
generated httpd.conf, apachectl and envvars. Run as root after scripts/test.sh built them.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from tests.platforms import express, installations as inst
from tests.platforms.conftest import BUILDERS
from tests.support import chroots, platform_servers, source_builds

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "platforms"
STARTUP = re.compile(r"mod_wsgi|AH00163|AH00489|AH00094|AH00558|Python")


def capture(installation: inst.Installation, target: Path) -> None:
    text = inst.BASE % {"load": installation.load, "user": installation.user}
    target.mkdir(parents=True, exist_ok=True)
    server = platform_servers.start(installation.httpd, text, env=installation.env, chroot=installation.chroot,
                                    prepare=installation.prepare_root)
    try:
        try:
            server.ask("/embedded")
            server.ask("/daemon")
        finally:
            server.stop()
        lines = [line for line in server.error_log().splitlines() if STARTUP.search(line)]
        (target / "errorlog-startup.txt").write_text("\n".join(lines[:40]) + "\n")
        (target / "httpd.conf").write_text((server.root / "httpd.conf").read_text())
        seen = server.seen_root
        for flag in ("-V", "-M", "-l"):
            out = installation.command([installation.httpd, "-d", seen, "-f", f"{seen}/httpd.conf", flag])
            (target / f"httpd{flag}.txt").write_text(out.stdout + out.stderr)
        nice = installation.host_path(str(Path(installation.httpd).parent.parent / "build" / "config.nice"))
        if nice.is_file():
            shutil.copyfile(nice, target / "config.nice")
    finally:
        server.remove()


def main(names: list[str]) -> int:
    for name in names or list(BUILDERS):
        installation = BUILDERS[name]()
        if installation is None:
            print(f"{name}: not built (scripts/test.sh builds it)")
            continue
        target = FIXTURES / name
        if name == "express":
            venv = source_builds.pip_venv("debian")
            assert venv is not None
            express.capture(venv, target)
        elif installation.chroot is not None:
            with chroots.proc_mounted(installation.chroot):
                capture(installation, target)
        else:
            capture(installation, target)
        print(f"{name}: {sorted(p.name for p in target.iterdir())}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
