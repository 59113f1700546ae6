"""grep as the needle search of large logs: the same facts as the pure-Python search, always."""

from __future__ import annotations

import json
import os
import random
import stat
from pathlib import Path

import pytest

from wsgidoctor.errorlog import prefilter, scan_file
from wsgidoctor.errorlog.scanner import scan_stream

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "errorlog"


def _real_lines() -> list[bytes]:
    lines = [line for p in sorted(CORPUS.glob("*.txt")) for line in p.read_bytes().splitlines()]
    assert len(lines) > 50
    return lines


@pytest.fixture(scope="module")
def big_log(tmp_path_factory) -> Path:
    """About 3 MB (three read blocks) of real error-log lines in random order, with over-long lines and CRLF mixed in."""
    rnd = random.Random(12)
    lines = _real_lines()
    out, size = [], 0
    while size < 3 * 1024 * 1024:
        line = rnd.choice(lines)
        if rnd.random() < 0.002:
            line = b"[wsgi:error] " + b"x" * rnd.randint(70_000, 200_000) + b" Python"
        if rnd.random() < 0.01:
            line += b"\r"
        out.append(line)
        size += len(line) + 1
    path = tmp_path_factory.mktemp("log") / "error.log"
    path.write_bytes(b"\n".join(out) + b"\n")
    return path


def _facts(path: Path, use_grep: bool, monkeypatch, **kw) -> str:
    monkeypatch.setattr(prefilter, "MIN_BYTES", 1 if use_grep else 1 << 62)
    with open(path, "rb") as fh:
        return json.dumps(scan_stream(fh, path=str(path), **kw), sort_keys=True)


def test_grep_finds_the_same_lines_as_python(big_log, monkeypatch):
    with_grep = _facts(big_log, True, monkeypatch)
    assert with_grep == _facts(big_log, False, monkeypatch)
    facts = json.loads(with_grep)
    assert facts["lines_clipped"] > 0 and len(facts["events"]) >= 5


def test_ranges_and_skips_agree(big_log, monkeypatch):
    size = big_log.stat().st_size
    kw = dict(start=size // 3, end=size - 1000, first_line=None, skip=(size // 2, size // 8))
    assert _facts(big_log, True, monkeypatch, **kw) == _facts(big_log, False, monkeypatch, **kw)


def test_a_grep_that_dies_midway_changes_nothing(big_log, monkeypatch, tmp_path):
    """A broken grep first on PATH: it prints a few real hits, then fails; the rest is searched in Python."""
    fake = tmp_path / "bin" / "grep"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n/bin/grep \"$@\" | head -n 20\nexit 2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    expected = _facts(big_log, False, monkeypatch)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert _facts(big_log, True, monkeypatch) == expected


def test_pipes_and_small_files_do_not_start_grep(tmp_path):
    small = tmp_path / "error.log"
    small.write_bytes(b"[Sun Nov 22 16:31:00.000000 2026] [core:notice] [pid 1] AH00052: child pid 2 exit signal Segmentation fault (11)\n")
    with open(small, "rb") as fh:
        assert prefilter.NeedleHits.start(fh, 0, None, [b"exit signal"]) is None
    assert scan_file(str(small))["events"]["child-crashed"]["count"] == 1
    r, w = os.pipe()
    with os.fdopen(r, "rb") as fh, os.fdopen(w, "wb"):
        assert prefilter.NeedleHits.start(fh, 0, None, [b"x"]) is None
