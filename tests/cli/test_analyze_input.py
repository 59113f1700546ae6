"""What ``analyze`` reads: standard input like a file, UTF-16 and Latin-1 like UTF-8, and never for ever.

Each case runs the real command line in a subprocess, on real captures from fixtures/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, FIXTURES

HTTPD_V = FIXTURES / "debian12" / "apache2ctl-V.txt"
OLD_LOG = CORPUS / "errorlog" / "ubuntu-16.04-2.4.18-event-mod_wsgi-4.3.0-py2.7.11-vs-2.7.12.txt"
NEW_LOG = CORPUS / "errorlog" / "bitnami-2.4.57-event-openssl-mod_wsgi-4.9.4-py3.8.txt"


def analyze(*args: str, stdin=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", *args], stdin=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)


def facts(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode in (0, 1, 2), out.stderr.decode(errors="replace")
    return json.loads(out.stdout)["facts"]


@pytest.fixture(scope="module")
def long_log(tmp_path_factory) -> Path:
    """A 40 MiB error log: a month-old start-up first, request noise, today's start-up last."""
    path = tmp_path_factory.mktemp("log") / "error.log"
    noise = (b"[Tue Jul 18 12:31:00.000000 2023] [wsgi:error] [pid 2912:tid 1] [remote 10.0.0.1:5] "
             b"GET /checkout took too long\n") * 8000
    with open(path, "wb") as fh:
        fh.write(OLD_LOG.read_bytes())
        while fh.tell() < 40 * 1024 * 1024:
            fh.write(noise)
        fh.write(NEW_LOG.read_bytes())
    return path


def test_standard_input_is_read_to_its_end_like_a_file(long_log):
    by_path = facts(analyze(str(long_log)))["errorlog"]
    with open(long_log, "rb") as fh:
        by_stdin = facts(analyze("-", stdin=fh))["errorlog"]
    assert by_path["banner"]["apache_version"] == "2.4.57"  # the last start-up, at the very end
    assert by_stdin["banner"] == by_path["banner"]
    assert by_stdin["bytes_read"] == by_path["bytes_read"] == long_log.stat().st_size
    assert by_stdin["startups"] == by_path["startups"]


def test_standard_input_through_a_pipe_is_read_to_its_end(long_log):
    cat = subprocess.Popen(["cat", str(long_log)], stdout=subprocess.PIPE)
    try:
        got = facts(analyze("-", stdin=cat.stdout))["errorlog"]
    finally:
        cat.stdout.close()
        cat.wait()
    assert got["banner"]["apache_version"] == "2.4.57"
    assert got["bytes_read"] == long_log.stat().st_size


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "latin-1"])
@pytest.mark.parametrize("capture", [HTTPD_V, NEW_LOG], ids=["httpd-V", "errorlog"])
def test_utf16_with_or_without_bom_and_latin1_give_the_same_facts(tmp_path, encoding, capture):
    text = capture.read_text(encoding="utf-8")
    if encoding == "latin-1":
        text = text.replace("Internal error", "Interner Fehler: Ungültig")  # a byte UTF-8 cannot decode
    target = tmp_path / f"capture.{encoding}"
    target.write_bytes(text.encode(encoding))
    expected = facts(analyze(str(capture)))
    for args, stdin in (([str(target)], None), (["-"], open(target, "rb"))):
        got = facts(analyze(*args, stdin=stdin))
        if stdin:
            stdin.close()
        if capture == HTTPD_V:
            assert got["apache"] == expected["apache"], encoding
        else:
            assert got["errorlog"]["banner"]["description"] == expected["errorlog"]["banner"]["description"]
            assert got["errorlog"]["startups"] == expected["errorlog"]["startups"]


def test_a_head_cut_inside_a_utf8_character_is_not_read_as_latin1(tmp_path):
    # 64 KiB (the head read for detection) ends in the middle of "é"
    line = "[Tue Jul 18 12:31:00.000000 2023] [wsgi:error] [pid 2912] café\n".encode()
    body = NEW_LOG.read_bytes() + b"x" * (64 * 1024 - len(NEW_LOG.read_bytes()) - 4) + b"\n\xc3\xa9" + line * 10
    target = tmp_path / "cut.log"
    target.write_bytes(body)
    out = analyze(str(target))
    raw = json.loads(out.stdout)["raw"][0]["text"]
    assert "Ã" not in raw and raw.startswith("[Tue Jul 18")


def test_a_fifo_nobody_writes_to_ends_at_the_time_limit(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    out = analyze(str(fifo), "--timeout", "2", timeout=60)
    assert out.returncode == 3
    assert b"did not finish within 2 s" in out.stderr and b"Traceback" not in out.stderr


def test_an_input_that_never_ends_ends_at_the_time_limit():
    yes = subprocess.Popen(["yes", "[Tue Jul 18 12:31:00.000000 2023] [core:notice] [pid 1] AH00094: x"],
                           stdout=subprocess.PIPE)
    try:
        out = analyze("--as", "errorlog", "-", "--timeout", "3", stdin=yes.stdout, timeout=60)
    finally:
        yes.kill()
        yes.stdout.close()
        yes.wait()
    assert out.returncode == 3
    assert b"did not finish within 3 s" in out.stderr


def test_a_text_input_beyond_the_paste_limit_says_so(tmp_path, monkeypatch):
    from wsgidoctor.cli import app

    monkeypatch.setattr(app, "MAX_PASTE_BYTES", 1024 * 1024)  # the real limit, 32 MiB, parses for a minute
    target = tmp_path / "huge-V.txt"
    target.write_bytes(HTTPD_V.read_bytes() + b" -D PADDING\n" * 100_000)
    report = app.build_analyze([app.InputFile(str(target), "httpd-V")])
    assert any("only its first 1 MiB were read" in n for n in report.notes)
    assert report.raw[0].truncated and report.facts["apache"]["version"]
