"""A configuration the real Apache refuses is an error in `check`, said first, exit 2.

Each case writes the test harness's minimal configuration (tests/support/apache_harness.py) plus
one fault into a temporary directory, proves that Debian's apache2 itself refuses it (`apache2 -t`
exits non-zero), then runs `wsgidoctor check` on it. No server is started: httpd stops at its
configuration, which is the point. About 2 s per case.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.apache_harness import APACHE2, BASE_CONFIG, MODULES, available, free_port

pytestmark = pytest.mark.apache

#: (case, extra configuration, files relative to the root, expected finding id, text the detail quotes)
CASES = [
    ("invalid-command", "WSGIDaemonProces app threads=2\n", {}, "apache-config-rejected",
     "Invalid command 'WSGIDaemonProces'"),
    ("missing-include", "Include {root}/sites/site.conf\n", {"sites/site.conf": "Include {root}/nowhere.conf\n"},
     "apache-config-rejected", "Could not open configuration file {root}/nowhere.conf"),
    ("duplicate-daemon", "WSGIDaemonProcess app\n<VirtualHost 127.0.0.1:{port}>\nWSGIDaemonProcess app\n</VirtualHost>\n",
     {}, "wsgi-daemon-duplicate", "Name duplicates previous WSGI daemon definition"),
    ("include-dev-zero", "Include /dev/zero\n", {}, "apache-config-rejected", "/dev/zero"),
    ("nul-byte", "Server\0Name localhost\n", {}, "apache-config-rejected", "Invalid command 'Server'"),
]


def _write(tmp_path: Path, extra: str, files: dict[str, str]) -> Path:
    port = free_port()
    fill = lambda text: text.replace("{root}", str(tmp_path)).replace("{port}", str(port))  # noqa: E731
    (tmp_path / "run").mkdir()
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(fill(text))
    conf = BASE_CONFIG.format(root=tmp_path, port=port, mpm="event", modules=MODULES, user="", log_level="warn",
                              wsgi_module=MODULES / "mod_wsgi.so")
    path = tmp_path / "httpd.conf"
    path.write_bytes((conf + fill(extra)).encode())
    return path


@pytest.mark.parametrize("case, extra, files, finding, quoted", CASES, ids=[c[0] for c in CASES])
def test_check_says_first_that_apache_refuses_the_configuration(tmp_path, case, extra, files, finding, quoted):
    assert available() is None, available()
    conf = _write(tmp_path, extra, files)
    refused = subprocess.run([APACHE2, "-t", "-f", str(conf)], capture_output=True, text=True, timeout=30,
                             env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"})
    assert refused.returncode != 0, f"apache2 accepted the {case} configuration: {refused.stderr}"

    r = subprocess.run([sys.executable, "-m", "wsgidoctor", "check", "--httpd", APACHE2, "--config", str(conf)],
                       capture_output=True, text=True, timeout=120)
    out = r.stdout
    assert r.returncode == 2, out + r.stderr
    assert "No problems found" not in out
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[1].startswith(("✗ Apache refuses this configuration", "[FAIL] Apache refuses this configuration")), out
    assert f"error {finding}" in out, out
    flat = " ".join(out.split())
    assert quoted.replace("{root}", str(tmp_path)) in flat, out
    assert f"{conf}:" in flat  # the file and line Apache named
    if case == "missing-include":
        assert "included from" in flat and f"{tmp_path}/sites/site.conf:1" in flat
