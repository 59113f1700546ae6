"""Helpers for the live-mode tests: real configurations for Debian's apache2 + mod_wsgi.

Each case is a configuration in a temporary directory, as a user's would be (it is never started
as such); the tests run the config probe on it and then the live probe, which starts its own
throwaway server from it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Optional

import pytest

MODULES = "/usr/lib/apache2/modules"
HTTPD = shutil.which("apache2") or "/usr/sbin/apache2"
PROBE = Path(__file__).resolve().parents[2] / "wsgidoctor" / "live" / "probe_app.wsgi"

needs_apache = pytest.mark.skipif(
    not (os.path.exists(HTTPD) and os.path.exists(f"{MODULES}/mod_wsgi.so")),
    reason="Debian's apache2 and libapache2-mod-wsgi-py3 are not installed")


@pytest.fixture
def open_tmp():
    """A temporary directory Apache's user can traverse (pytest's own is under a 0700 one)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="wsgidoctor-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def write_case(root: Path, body: str, mpm: str = "event", extra_modules: Iterable[str] = ()) -> Path:
    """An httpd.conf under ``root`` loading Debian's MPM, mod_authz_core and mod_wsgi."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    lines = [f"ServerRoot {root}", f"ErrorLog {root}/error.log", f"PidFile {root}/httpd.pid",
             "User www-data", "Group www-data",
             f"LoadModule mpm_{mpm}_module {MODULES}/mod_mpm_{mpm}.so",
             f"LoadModule authz_core_module {MODULES}/mod_authz_core.so"]
    lines += [f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in extra_modules]
    lines.append(f"LoadModule wsgi_module {MODULES}/mod_wsgi.so")
    conf = root / "httpd.conf"
    conf.write_text("\n".join(lines) + "\n" + body)
    return conf


def run_probes(conf: Path, live: bool = True, finish: bool = True, **extra: Any) -> Any:
    """Run the config probe (and the live probe) on a configuration; the finished report."""
    from wsgidoctor import areas as runner
    from wsgidoctor.core.hookspec import Options
    from wsgidoctor.config.probe import PROBE as CONFIG
    from wsgidoctor.live.probe import PROBE as LIVE

    options = Options(config=str(conf), live=live, httpd=HTTPD, load_plugins=False,
                      extra={"enable_probes": ("live",) if live else (), **extra})
    report = runner.collect(options, probes=[CONFIG, LIVE] if live else [CONFIG])
    return runner.finish(report) if finish else report


def _proc_files(name: str):
    """(pid, contents of /proc/PID/<name>) of every process that can be read."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/{name}", "rb") as fh:
                    yield int(entry), fh.read()
            except OSError:
                continue


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line mentions ``text`` (an independent check for leftovers)."""
    return [pid for pid, cmdline in _proc_files("cmdline") if text.encode() in cmdline]


def processes_marked(mark: str) -> list[int]:
    """Pids whose environment's WSGIDOCTOR_OWNER names ``mark`` (set by a test for a wsgidoctor run;
    inherited by every descendant, whatever its session or parent)."""
    out = []
    for pid, env in _proc_files("environ"):
        for item in env.split(b"\0"):
            if item.startswith(b"WSGIDOCTOR_OWNER=") and mark.encode() in item.split(b"=", 1)[1].split(b":"):
                out.append(pid)
    return out


def assert_nothing_left(live: dict[str, Any]) -> None:
    """No process, file or socket of the throwaway server remains."""
    assert live.get("tmp_dirs"), "the live run recorded no temporary directory"
    for tmp in live["tmp_dirs"]:
        assert not os.path.exists(tmp), f"{tmp} was left behind"
        assert processes_mentioning(tmp) == [], f"processes of {tmp} are still running"
    assert live.get("leftover_pids") == []


def assert_predictions_confirmed(report: Any, expected_count: Optional[int] = None) -> list[dict[str, Any]]:
    """Every live answer exists and equals the configuration's prediction on all four values."""
    live = report.facts["live"]
    assert live.get("error") is None, (live.get("error"), live.get("error_log", [])[-15:])
    mounts = live["mounts"]
    if expected_count is not None:
        assert len(mounts) == expected_count, [m["path"] for m in mounts]
    for m in mounts:
        assert m["status"] == 200, (m["path"], m.get("error"), live.get("error_log", [])[-15:])
        expected = m["expected"]
        assert set(expected) == {"process_group", "application_group", "multithread", "multiprocess"}
        assert None not in expected.values(), (m["path"], expected)
        assert m["observed"] == expected, (m["path"], m["observed"], expected)
    return mounts
