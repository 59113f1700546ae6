"""One module starts httpd: a search of the sources for the start commands finds only the launcher."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: httpd's start commands: foreground, the control script's start verbs.
START = re.compile(r"""-DFOREGROUND|["']-k["'],\s*["'](?:start|restart|graceful)["']|"""
                   r"""(?:apachectl|apache2ctl)["'][),\s]*["'](?:start|restart|graceful)\b""")
#: Files where such text is input data (command lines of running servers that discovery and the
#: redaction read from /proc), never a command that is run.
DATA = {"tests/install/test_discovery.py", "tests/redaction/test_redact_planted.py",
        "tests/install/test_express_root.py"}


def test_only_the_launcher_starts_httpd():
    found = set()
    for path in [*REPO.glob("wsgidoctor/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/**/*.py")]:
        rel = path.relative_to(REPO).as_posix()
        if rel != "tests/live/test_one_launcher.py" and START.search(path.read_text(encoding="utf-8")):
            found.add(rel)
    assert found - DATA == {"wsgidoctor/live/launcher.py"}
