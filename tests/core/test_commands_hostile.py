"""Hostile commands through ``wsgidoctor.core.subprocesses.run``: floods, hangs, escapes, missing programs.

Every command wsgidoctor runs goes through ``run``. Here the commands are real and misbehave:
gigabytes of output, never exiting, ignoring SIGTERM, leaving a background child holding the
pipes, not existing, not being executable. Each must come back in bounded time with bounded
memory, and leave no process of its group running. Children report their pids through files so
that the tests can check on them, and any process a test started is killed by pid at the end.

On the machine these tests were written on, PID 1 does not reap orphans, so a killed grandchild
stays a zombie of PID 1; "not running" below therefore means gone or a zombie.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import psutil
import pytest

from wsgidoctor.core import subprocesses as commands

LIMIT = commands.DEFAULT_OUTPUT_LIMIT
SLACK = 10.0  # seconds allowed beyond a timeout: generous, this is a hang detector


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Callable[[str], int]]:
    """``started(name)`` reads the pid a child wrote to ``tmp_path/name``; all of them die at teardown."""
    seen: list[int] = []

    def pid_of(name: str) -> int:
        path = tmp_path / name
        for _ in range(200):
            text = path.read_text().strip() if path.exists() else ""
            if text:
                seen.append(int(text))
                return seen[-1]
            time.sleep(0.01)
        raise AssertionError(f"the child never wrote {path}")

    yield pid_of
    for pid in seen:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def running(pid: int, grace: float = 2.0) -> bool:
    """True when ``pid`` is still a live process ``grace`` seconds from now (SIGKILL is not instant)."""
    deadline = time.monotonic() + grace
    while _alive(pid):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.01)
    return False


def running_in_group(pgid: int) -> list[int]:
    out = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == pgid and running(p.pid, grace=0.5):
                out.append(p.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return out


class PeakRss:
    """Samples this process' resident memory while a block runs; ``growth`` is peak minus start."""

    def __enter__(self) -> "PeakRss":
        self._me = psutil.Process()
        self.start = self.peak = self._me.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._me.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._me.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def no_zombie_children() -> list[int]:
    return [c.pid for c in psutil.Process().children() if c.status() == psutil.STATUS_ZOMBIE]


# --- floods ---------------------------------------------------------------------------------------

def test_endless_output_is_capped_and_memory_stays_bounded(tmp_path, started):
    t0 = time.monotonic()
    with PeakRss() as rss:
        result = commands.run(["sh", "-c", f"echo $$ > {tmp_path}/pid; exec yes"], timeout=3)
    assert time.monotonic() - t0 < 3 + SLACK
    assert result.timed_out and result.truncated and result.returncode is None
    assert "timed out" in (result.error or "")
    assert len(result.stdout) == LIMIT and result.stdout.startswith("y\ny\n")
    assert rss.growth_mb < 64, f"memory grew by {rss.growth_mb:.0f} MB"
    pid = started("pid")
    assert not running(pid) and running_in_group(pid) == []


def test_three_gigabytes_of_output_are_read_and_dropped(tmp_path):
    t0 = time.monotonic()
    with PeakRss() as rss:
        result = commands.run(["head", "-c", "3G", "/dev/zero"], timeout=300)
    elapsed = time.monotonic() - t0
    assert result.returncode == 0 and not result.timed_out and result.truncated
    assert len(result.stdout) == LIMIT and set(result.stdout) == {"\0"}
    assert rss.growth_mb < 64, f"memory grew by {rss.growth_mb:.0f} MB"
    assert elapsed < 300


def test_both_streams_flooding_at_once_do_not_deadlock(tmp_path, started):
    cmd = f"echo $$ > {tmp_path}/pid; yes err >&2 & echo $! > {tmp_path}/bg; exec yes out"
    result = commands.run(["sh", "-c", cmd], timeout=2)
    assert result.timed_out and result.truncated
    assert len(result.stdout) == LIMIT and len(result.stderr) == LIMIT
    pid, bg = started("pid"), started("bg")
    assert not running(pid) and not running(bg) and running_in_group(pid) == []


def test_binary_and_invalid_utf8_output_is_decoded_not_raised():
    script = "import sys; sys.stdout.buffer.write(bytes(range(256)) * 10)"
    result = commands.run([sys.executable, "-c", script])
    assert result.ok and len(result.stdout) == 2560


# --- hangs ----------------------------------------------------------------------------------------

def test_a_command_that_never_exits_is_killed_and_reaped(tmp_path, started):
    t0 = time.monotonic()
    result = commands.run(["sh", "-c", f"echo $$ > {tmp_path}/pid; exec sleep 1000"], timeout=1)
    assert time.monotonic() - t0 < 1 + SLACK
    assert result.timed_out and result.returncode is None and "timed out after 1s" in result.error
    pid = started("pid")
    assert not psutil.pid_exists(pid) or not running(pid)
    assert pid not in no_zombie_children()


def test_a_command_that_ignores_sigterm_is_killed_anyway(tmp_path, started):
    cmd = f"trap '' TERM; echo $$ > {tmp_path}/pid; sleep 1000 & echo $! > {tmp_path}/bg; wait"
    t0 = time.monotonic()
    result = commands.run(["sh", "-c", cmd], timeout=1)
    assert time.monotonic() - t0 < 1 + SLACK and result.timed_out
    pid, bg = started("pid"), started("bg")
    assert not running(pid) and not running(bg) and running_in_group(pid) == []


def test_a_background_child_holding_the_pipes_does_not_hang_the_run(tmp_path, started):
    cmd = f"sleep 1000 & echo $! > {tmp_path}/bg; echo x"
    t0 = time.monotonic()
    result = commands.run(["sh", "-c", cmd], timeout=2)
    assert time.monotonic() - t0 < 2 + SLACK
    assert result.stdout == "x\n"
    bg = started("bg")
    assert not running(bg), "the background child outlived the run"


def test_a_finished_command_is_not_reported_as_timed_out_because_of_its_background_child(tmp_path, started):
    result = commands.run(["sh", "-c", f"sleep 1000 & echo $! > {tmp_path}/bg; echo x"], timeout=2)
    started("bg")
    assert result.returncode == 0 and not result.timed_out


def test_a_descendant_that_left_the_session_is_not_left_running(tmp_path, started):
    """As the command line runs commands (a subreaper): the escaped one is ended with its command."""
    try:
        done = _isolated(f"""
            from wsgidoctor.core import lifetime, subprocesses as commands
            lifetime.enable_subreaper()
            cmd = "setsid sh -c 'echo $$ > {tmp_path}/escaped; exec sleep 1000' & sleep 1000"
            print(commands.run(["sh", "-c", cmd], timeout=1).timed_out)
            import os
            pid = int(open("{tmp_path}/escaped").read())
            print(os.path.exists(f"/proc/{{pid}}"))
        """, timeout=20)
    finally:
        escaped = started("escaped")
    assert done.stdout.split() == ["True", "False"], done.stderr
    assert not running(escaped)


def test_a_descendant_that_left_the_session_is_ended_with_the_process_that_ran_it(tmp_path, started):
    """Without a subreaper (a library user), the watchdog ends it when that process ends, SIGKILL included."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal
        from wsgidoctor.core import subprocesses as commands
        cmd = "setsid sh -c 'echo $$ > {tmp_path}/escaped; exec sleep 1000' & sleep 1000"
        commands.run(["sh", "-c", cmd], timeout=1)
        os.kill(os.getpid(), signal.SIGKILL)
    """)])
    proc.wait(20)
    escaped = started("escaped")
    deadline = time.monotonic() + 10
    while running(escaped) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(escaped)


def _isolated(code: str, timeout: float) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python, so that a hang in it cannot hang the test run."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def test_input_the_child_never_reads_does_not_block_past_the_timeout(tmp_path, started):
    try:
        done = _isolated(f"""
            from wsgidoctor.core import subprocesses as commands
            r = commands.run(["sh", "-c", "echo $$ > {tmp_path}/pid; exec sleep 1000"],
                             input_data=b"x" * 10_000_000, timeout=2)
            print(r.timed_out)
        """, timeout=8)
    finally:
        started("pid")
    assert done.stdout.strip() == "True"


def test_large_input_reaches_a_slow_reader_whole():
    """The non-blocking stdin feed must not drop input when the pipe is full for a while."""
    slow = ("import sys, time\nn = 0\nwhile True:\n    b = sys.stdin.buffer.read(4096)\n"
            "    if not b: break\n    n += len(b); time.sleep(0.0002)\nprint(n)")
    result = commands.run([sys.executable, "-c", slow], input_data=b"y" * 3_000_000, timeout=60)
    assert result.ok and result.stdout.strip() == "3000000"
    late = commands.run(["sh", "-c", "sleep 0.3; wc -c"], input_data=b"x" * 5_000_000, timeout=60)
    assert late.ok and late.stdout.strip() == "5000000"


# --- programs that cannot run ---------------------------------------------------------------------

def test_a_missing_program_is_an_error_not_an_exception():
    t0 = time.monotonic()
    for argv in (["/nonexistent/apachectl", "-V"], ["wsgidoctor-no-such-program-1b2c"]):
        result = commands.run(argv)
        assert result.error == f"command not found: {argv[0]}" and result.returncode is None
    assert time.monotonic() - t0 < SLACK


def test_a_file_without_execute_permission_is_an_error(tmp_path):
    script = tmp_path / "apachectl"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    assert commands.run([str(script)]).error == f"permission denied running {script}"
    assert commands.run([str(tmp_path)]).error == f"permission denied running {tmp_path}"


def test_a_script_whose_interpreter_is_missing_is_an_error(tmp_path):
    script = tmp_path / "apxs"
    script.write_text("#!/nonexistent/perl\nprint 1;\n")
    script.chmod(0o755)
    result = commands.run([str(script)])
    assert result.error is not None and result.returncode is None


def test_a_nul_byte_in_an_argument_is_an_error():
    result = commands.run(["echo", "a\0b"])
    assert result.error is not None and result.returncode is None


def test_stdin_is_never_the_terminal():
    t0 = time.monotonic()
    result = commands.run(["cat"], timeout=30)
    assert result.ok and result.stdout == "" and time.monotonic() - t0 < SLACK


# --- resources over many runs --------------------------------------------------------------------------

def test_many_runs_leak_neither_descriptors_nor_zombies(tmp_path):
    me = psutil.Process()
    before = me.num_fds()
    for i in range(200):
        commands.run(["true"] if i % 2 else ["sh", "-c", "echo x; echo y >&2; exit 3"])
    for _ in range(5):
        commands.run(["sleep", "1000"], timeout=0.2)
    assert me.num_fds() <= before + 2
    assert no_zombie_children() == []


def test_output_cut_inside_a_utf8_character_stays_readable():
    result = commands.run([sys.executable, "-c", "import sys; sys.stdout.buffer.write('ééé'.encode())"],
                          output_limit=5)
    assert result.truncated
    assert result.stdout.startswith("éé")
