"""The sweep ends every marked process, even one caught between two programs (inside execve).

While a process is inside execve its new image's memory is in place before its environment is,
and a read of /proc/PID/environ begun before an exec and finished after it finds the old image
gone: either way the environment reads as empty, for a process that is alive and ours. A program
that executes itself again and again spends a measurable share of its life there (about one read
in seven here); a sweep that took such a read for "not ours" let it run on.
A throwaway Apache is started through ``prlimit``, which then executes httpd: a watchdog sweeping
at that moment (wsgidoctor SIGKILLed just after starting it) could miss it this way.
"""

from __future__ import annotations

import os
import signal
import subprocess

from wsgidoctor.core import lifetime

#: Sweeps of a process that keeps executing itself: with the old reading, each missed it about
#: one time in four here (11 of 40), so 40 sweeps all ending it by luck: about once in 300,000 runs.
SWEEPS = 40


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_a_process_that_keeps_executing_itself_is_ended_by_every_sweep(tmp_path):
    script = tmp_path / "again.sh"
    script.write_text('#!/bin/sh\nexec "$0"\n')
    script.chmod(0o755)
    for sweeps in range(1, SWEEPS + 1):
        mark = lifetime.new_mark()
        proc = _start([str(script)], {"PATH": "/usr/bin:/bin", lifetime.MARK: mark})
        try:
            lifetime.sweep(mark)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            assert proc.returncode == -signal.SIGKILL, f"sweep {sweeps} of {SWEEPS} left it running"
        finally:
            _end(proc)


def test_a_process_with_an_empty_environment_is_neither_ended_nor_waited_for_forever():
    """Not ours (it carries no mark): the sweep leaves it, and finishes."""
    proc = _start(["sleep", "60"], {})
    try:
        assert lifetime.sweep(lifetime.new_mark()) == 0
        assert proc.poll() is None
    finally:
        _end(proc)


def test_the_environment_of_a_live_process_is_read_whole():
    mark = lifetime.new_mark()
    proc = _start(["sleep", "60"], {"PATH": os.defpath, lifetime.MARK: mark})
    try:
        assert lifetime.owned_pids(mark) == [proc.pid]
    finally:
        _end(proc)
