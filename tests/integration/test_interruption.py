"""Interrupting ``wsgidoctor check --live`` leaves nothing: SIGINT, SIGTERM and SIGKILL at twenty stages.

Twenty named stages (``WSGIDOCTOR_PAUSE_AT``: wsgidoctor pauses there and says so in a file; see
STAGES) on a healthy site and on one whose daemon group crash-loops (a Python home that does not
exist): forty moments, each interrupted by each signal (120 runs). After each run everything that
belonged to it is counted, independently of wsgidoctor's own bookkeeping:

- processes: every process whose environment carries the run's own mark (``WSGIDOCTOR_OWNER`` set
  by the test; wsgidoctor keeps it and adds its own, and every descendant inherits it, including
  one that left the session or was re-parented);
- files: everything under the run's private $TMPDIR;
- sockets: AF_UNIX sockets bound under that $TMPDIR (/proc/net/unix);
- SysV semaphores: those created during the run that still exist (``/proc/sysvipc/sem``).

Expected: 0 of each, and exit 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.live_helpers import HTTPD, needs_apache, processes_marked, write_case

pytestmark = [pytest.mark.apache, pytest.mark.slow, needs_apache]

#: Where wsgidoctor is paused, in the order a run meets them (each ``lifetime.checkpoint`` name).
STAGES = (
    "start",                     # the verb begins
    "probe:discovery",           # finding the installation (running servers, the control script)
    "command:sh",                # the control script's envvars being sourced
    "command:apache2 -V",        # httpd -V running
    "command:apache2 -M",        # httpd -M running (reads the whole configuration)
    "command:apxs",              # apxs -q running
    "reading:apr.h",             # apr.h open
    "command:apache2 -t",        # httpd -t -D DUMP_INCLUDES running
    "reading:config",            # wsgidoctor's own reader inside the configuration
    "command:wsgidoctor-host",   # the hosting program running (Python as mod_wsgi embeds it)
    "launcher-configured",       # throwaway directory and httpd.conf written, httpd not started
    "launcher-waiting",          # httpd started, its pid file not yet written
    "launcher-ready",            # pid file written and port answering, not yet asked
    "live-asking",               # about to send the probe requests
    "request:/app",              # a request to the daemon-mode mount in flight
    "request:/embedded",         # a request to the embedded-mode mount in flight
    "launcher-stopping",         # the stop begun, the server still running
    "launcher-stopped",          # its processes ended, its directory not yet removed
    "redact",                    # half-way through the redaction
    "render",                    # about to print
)
#: How many runs go at once: most of a run's time is spent waiting (for its stage, for the sweep).
PARALLEL = 4
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)
REPO = Path(__file__).resolve().parents[2]


def _site(root: Path, crash_loop: bool) -> Path:
    srv = root / "srv"
    home = " python-home=/nonexistent/wsgidoctor-home" if crash_loop else ""
    return write_case(root / "etc", f"""\
Listen 18080
ServerName site.example
WSGIDaemonProcess site threads=3{home}
WSGIScriptAlias /app {srv}/app.wsgi process-group=site
WSGIScriptAlias /embedded {srv}/app.wsgi
""")


@pytest.fixture(scope="module")
def sites():
    root = Path(tempfile.mkdtemp(prefix="wsgidoctor-int-"))
    root.chmod(0o755)
    try:
        yield {"healthy": _site(root / "healthy", False), "crash-looping": _site(root / "crash", True)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _semaphores() -> dict[str, int]:
    """semid -> ctime of every SysV semaphore set."""
    out = {}
    try:
        with open("/proc/sysvipc/sem") as fh:
            lines = fh.read().splitlines()[1:]
    except OSError:
        return out
    for line in lines:
        f = line.split()
        out[f[1]] = int(f[-1])
    return out


def _unix_sockets_under(path: str) -> int:
    with open("/proc/net/unix") as fh:
        return sum(1 for line in fh if len(line.split()) >= 8 and line.split()[7].startswith(path))


@dataclass
class Outcome:
    site: str
    stage: str
    sig: str
    exit_code: int
    reached: bool
    processes: int
    files: int
    sockets: int
    semaphores: int


def _interrupt(site: str, conf: Path, stage: str, sig: signal.Signals, settle: float = 15.0,
               **extra_env: str) -> Outcome:
    mark = f"int-{secrets.token_hex(6)}"
    tmpdir = tempfile.mkdtemp(prefix="wdi-", dir="/tmp")  # short: socket paths must fit
    pause = Path(tmpdir + ".paused")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": tmpdir, "LANG": "C.UTF-8",
           "TMPDIR": tmpdir, "WSGIDOCTOR_OWNER": mark, "WSGIDOCTOR_PAUSE_AT": stage,
           "WSGIDOCTOR_PAUSE_FILE": str(pause), "WSGIDOCTOR_CONFIG": os.devnull,
           "PYTHONPATH": str(REPO), **extra_env}
    began = time.time()
    sems_before = _semaphores()
    proc = subprocess.Popen([sys.executable, "-m", "wsgidoctor", "check", "--live", "--config", str(conf),
                             "--httpd", HTTPD, "--no-plugins"], env=env, cwd=tmpdir,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 90
    while not pause.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    reached = pause.exists()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # as Ctrl-C does: to the terminal's foreground process group
    else:
        os.kill(proc.pid, sig)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stderr.close()  # type: ignore[union-attr]
    # after a SIGKILL the watchdog ends the rest: give it time, then count. A process that is
    # exiting has already given up its memory (so its environment, and the mark, read as empty)
    # but not yet its files: its sockets are still listed for a moment. What is left when the
    # time is up is left.
    deadline = time.monotonic() + settle
    while (processes_marked(mark) or _unix_sockets_under(tmpdir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    processes = processes_marked(mark)
    files = sum(len(d) + len(f) for _, d, f in os.walk(tmpdir))
    sockets = _unix_sockets_under(tmpdir)
    sems = {k for k, ctime in _semaphores().items() if k not in sems_before and ctime >= int(began) - 1}
    for pid in processes:  # never leave what this test started, whatever the verdict
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(tmpdir, ignore_errors=True)
    pause.unlink(missing_ok=True)
    return Outcome(site, stage, sig.name, proc.returncode, reached, len(processes), files, sockets, len(sems))


def test_interrupted_at_twenty_stages_on_two_sites_by_three_signals_nothing_is_left(sites):
    assert len(set(STAGES)) == 20
    runs = [(site, conf, stage, sig) for site, conf in sites.items() for stage in STAGES for sig in SIGNALS]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda r: _interrupt(*r), runs))
    totals = {k: sum(getattr(o, k) for o in outcomes) for k in ("processes", "files", "sockets", "semaphores")}
    print(f"\n{len(outcomes)} interrupted runs; left behind: {totals}")
    assert [o for o in outcomes if not o.reached] == [], "stages never reached"
    assert totals == {"processes": 0, "files": 0, "sockets": 0, "semaphores": 0}, \
        [o for o in outcomes if o.processes or o.files or o.sockets or o.semaphores]
    expected = {"SIGINT": 130, "SIGTERM": 143, "SIGKILL": -9}
    assert [o for o in outcomes if o.exit_code != expected[o.sig]] == []


@pytest.mark.parametrize("stage", ["launcher-ready", "request:/app"])
def test_the_count_sees_a_server_left_when_nothing_watches(sites, stage):
    """The control: without the watchdog, a SIGKILL while the server runs leaves it, its files
    and its daemon's socket (and the test above would fail); the helper then ends what it found."""
    outcome = _interrupt("healthy", sites["healthy"], stage, signal.SIGKILL, settle=2.0,
                         WSGIDOCTOR_NO_WATCHDOG="1")
    print(f"\ncontrol at {stage}: {outcome}")
    assert outcome.reached
    assert outcome.processes >= 2 and outcome.files > 0 and outcome.sockets > 0, outcome


def test_the_count_sees_files_left_when_nothing_watches(sites):
    """The control for files alone: the server stopped, its directory not yet removed."""
    outcome = _interrupt("healthy", sites["healthy"], "launcher-stopped", signal.SIGKILL, settle=2.0,
                         WSGIDOCTOR_NO_WATCHDOG="1")
    print(f"\ncontrol at launcher-stopped: {outcome}")
    assert outcome.reached and outcome.processes == 0 and outcome.files > 0, outcome
