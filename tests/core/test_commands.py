"""commands.run: every way a command can go wrong comes back as data, in bounded time."""

import os
import time

from wsgidoctor.core import subprocesses as commands


def test_output_and_exit_code():
    r = commands.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert (r.stdout, r.stderr, r.returncode, r.ok) == ("out\n", "err\n", 3, False)
    assert r.output == "err\nout\n"


def test_missing_and_unexecutable_commands_are_errors_not_exceptions(tmp_path):
    assert commands.run(["/no/such/binary"]).error == "command not found: /no/such/binary"
    f = tmp_path / "notexec"
    f.write_text("#!/bin/sh\n")
    assert "permission denied" in commands.run([str(f)]).error


def test_a_hanging_command_and_its_children_are_killed_at_the_deadline():
    start = time.monotonic()
    r = commands.run(["sh", "-c", "sleep 60 & sleep 60"], timeout=0.5)
    assert time.monotonic() - start < 5
    assert r.timed_out and r.returncode is None and "timed out" in r.error


def test_output_beyond_the_limit_is_dropped_and_flagged():
    r = commands.run(["sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x"], output_limit=1000)
    assert len(r.stdout) == 1000 and r.truncated and r.returncode == 0


def test_which_finds_executables_in_extra_dirs(tmp_path):
    exe = tmp_path / "apache9"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    assert commands.which("apache9", [str(tmp_path)], path="") == str(exe)
    assert commands.which("apache9", [], path=os.defpath) is None
