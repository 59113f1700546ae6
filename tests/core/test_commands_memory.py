"""Every command runs under a memory limit, and httpd commands that read the configuration run one
at a time (a `Define` doubled 30 times made one `apache2 -t` use 8.4 GB, and two ran at once)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from wsgidoctor.core import subprocesses as commands

APACHE2 = "/usr/sbin/apache2"


def _doubling_config(root: Path, times: int = 30) -> Path:
    lines = [f"ServerRoot {root}", "Define A0 xxxxxxxxxxxxxxxx"]
    lines += [f"Define A{i} ${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, times)]
    lines.append(f"ServerName ${{A{times - 1}}}")
    conf = root / "httpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


@pytest.mark.apache
@pytest.mark.parametrize("flag", ["-t", "-V"])  # -V reads the configuration too (Debian's MPM is a module)
def test_an_httpd_command_that_would_eat_the_machine_stops_at_the_limit_with_a_clear_message(tmp_path, flag):
    conf = _doubling_config(tmp_path)
    limit = 256 * 1024 * 1024
    result = commands.run([APACHE2, flag, "-f", str(conf)], memory_limit=limit, timeout=60)
    assert not result.ok and not result.timed_out
    assert result.error == ("stopped at wsgidoctor's memory limit of 256 MiB "
                            "(the command tried to use more memory than that)")


def test_the_limit_is_in_place_before_a_configuration_reading_command_starts(tmp_path):
    fake = tmp_path / "apache2"  # reports the limit it started with, as its very first action
    fake.write_text("#!/bin/sh\nexec prlimit --as --output SOFT --noheadings\n")
    fake.chmod(0o755)
    result = commands.run([str(fake), "-t"], memory_limit=300 * 1024 * 1024)
    assert result.ok and result.stdout.split() == [str(300 * 1024 * 1024)]
    default = commands.run([str(fake), "-M"])
    assert default.stdout.split() == [str(commands.DEFAULT_MEMORY_LIMIT)]


def test_every_other_command_gets_the_limit_too():
    result = commands.run(["sh", "-c", "sleep 0.2; exec prlimit --as --output SOFT --noheadings"],
                          memory_limit=300 * 1024 * 1024)
    assert result.ok and result.stdout.split() == [str(300 * 1024 * 1024)]


def test_which_commands_read_the_whole_configuration():
    hungry = [["/usr/sbin/apache2", "-t"], ["/usr/sbin/httpd", "-f", "x.conf", "-M"],
              ["/usr/sbin/apachectl", "configtest"], ["apache2", "-D", "DUMP_INCLUDES", "-S"],
              ["/usr/sbin/apache2", "-f", "x.conf", "-V"]]
    light = [["/usr/sbin/apache2", "-v"], ["/usr/sbin/apache2", "-l"], ["/usr/bin/apxs", "-q", "SBINDIR"],
             ["sh", "-c", "-t"]]
    assert all(commands.memory_hungry(a) for a in hungry)
    assert not any(commands.memory_hungry(a) for a in light)


def _most_at_once(tmp_path, flag: str, count: int) -> int:
    """Start ``count`` runs of a fake httpd with ``flag`` together; how many ran at the same time."""
    fake = tmp_path / "apache2"
    log = tmp_path / "log"
    fake.write_text(f"#!/bin/sh\necho start >> {log}\nsleep 0.3\necho end >> {log}\n")
    fake.chmod(0o755)
    threads = [threading.Thread(target=commands.run, args=([str(fake), flag],)) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    now = most = 0
    for event in log.read_text().split():
        now += 1 if event == "start" else -1
        most = max(most, now)
    os.unlink(log)
    return most


def test_configuration_reading_httpd_commands_run_at_most_two_at_a_time(tmp_path):
    """Three started together: two overlap (-M beside -t), the third waits, so memory stays bounded."""
    assert _most_at_once(tmp_path, "-t", 3) == commands.MAX_HUNGRY_AT_ONCE == 2
    assert _most_at_once(tmp_path, "-l", 3) == 3  # -l reads no configuration


@pytest.mark.apache
def test_a_configuration_too_big_to_read_is_said_so_not_blamed_on_the_binary(tmp_path):
    """The whole pipeline on that configuration: the sections httpd could not fill say what to do
    about the memory, not "pass --httpd naming the real Apache httpd binary"."""
    from wsgidoctor import areas
    from wsgidoctor.core.hookspec import Options

    conf = _doubling_config(tmp_path, times=28)  # 4 GiB asked: past the 2 GiB limit, quickly
    report = areas.finish(areas.collect(Options(config=str(conf), httpd=APACHE2, load_plugins=False)))
    incomplete = report.facts.get("incomplete", {})
    assert {"apache", "modules"} <= set(incomplete), incomplete
    for section in ("apache", "modules"):
        assert "memory limit" in incomplete[section]["reason"]
        assert "--httpd" not in incomplete[section]["fix"] and "memory" in incomplete[section]["fix"]
