"""grep or ripgrep as the needle search of large logs: the same facts as the pure-Python search,
always - whatever the engine, the number of parallel parts, the range, or a searcher that fails."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import stat
from pathlib import Path

import pytest

from wsgidoctor.errorlog import prefilter, scan_file
from wsgidoctor.errorlog.scanner import scan_stream

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus" / "errorlog"
ENGINES = ["grep", "rg"]


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


@pytest.fixture(scope="module")
def bench_log(tmp_path_factory) -> Path:
    """The benchmark's own generated log (benchmarks/bench_analyze.py), 3 MB, ending with a start-up
    whose Python path-configuration dump follows a needle line; no final newline."""
    spec = importlib.util.spec_from_file_location("bench_analyze", ROOT / "benchmarks" / "bench_analyze.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path_factory.mktemp("bench") / "error.log"
    startup = bench.STARTUP.format(ts=bench.TS.format(s=59, us=0)).encode()
    path.write_bytes(bench.make_block(3 << 20) + startup.rstrip(b"\n"))
    return path


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch) -> str:
    """Each searcher alone (scripts/test.sh installs ripgrep)."""
    assert shutil.which(request.param), f"{request.param} is not installed (scripts/test.sh installs it)"
    monkeypatch.setattr(prefilter, "ENGINES", (request.param,))
    return request.param


def _facts(path: Path, use_grep: bool, monkeypatch, parts: int = 1, **kw) -> str:
    monkeypatch.setattr(prefilter, "MIN_BYTES", 1 if use_grep else 1 << 62)
    monkeypatch.setattr(prefilter, "MIN_PART", 1)
    monkeypatch.setattr(prefilter, "MAX_PARTS", parts)
    with open(path, "rb") as fh:
        return json.dumps(scan_stream(fh, path=str(path), **kw), sort_keys=True)


@pytest.mark.parametrize("parts", [1, 3])
def test_the_searcher_finds_the_same_lines_as_python(big_log, bench_log, engine, parts, monkeypatch):
    for log in (big_log, bench_log):
        searched = _facts(log, True, monkeypatch, parts)
        assert searched == _facts(log, False, monkeypatch), (engine, parts, log.name)
    facts = json.loads(_facts(big_log, True, monkeypatch, parts))
    assert facts["lines_clipped"] > 0 and len(facts["events"]) >= 5
    bench = json.loads(_facts(bench_log, True, monkeypatch, parts))
    assert bench["path_config"]["pythonhome"] == "/srv/venv-old"
    assert bench["lines_read"] == bench_log.read_bytes().count(b"\n") + 1


def test_ranges_and_skips_agree(big_log, engine, monkeypatch):
    """Ranges that start and end inside lines, over-long ones included. An over-long line is
    counted as clipped where one of its needles lies in the range (Python's reader also counts
    the over-long lines it happens to cut between two reads, whatever they hold)."""
    size = big_log.stat().st_size
    kw = dict(start=size // 3, end=size - 1000, first_line=None, skip=(size // 2, size // 8))
    searched = json.loads(_facts(big_log, True, monkeypatch, 3, **kw))
    python = json.loads(_facts(big_log, False, monkeypatch, **kw))
    data = big_log.read_bytes()
    ranges = [data[size // 3:size // 2], data[size // 2 + size // 8:size - 1000]]
    long_found = sum(1 for part in ranges for line in part.split(b"\n") if len(line) > 65536 and b"Python" in line)
    assert searched.pop("lines_clipped") == long_found and python.pop("lines_clipped") >= long_found
    assert searched == python


def test_parts_are_cut_at_line_starts(big_log):
    with open(big_log, "rb") as fh:
        data = fh.read()
        bounds = prefilter.part_bounds(fh, 100, len(data), 4)
    assert bounds[0] == 100 and bounds[-1] == len(data) and bounds == sorted(set(bounds))
    assert all(data[b - 1:b] == b"\n" for b in bounds[1:-1]) and len(bounds) == 5


@pytest.mark.parametrize("parts", [1, 3])
def test_a_searcher_that_dies_midway_changes_nothing(big_log, engine, parts, monkeypatch, tmp_path):
    """A broken searcher first on PATH: it prints a few real hits, then fails; the rest is searched in Python."""
    fake = tmp_path / "bin" / engine
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{shutil.which(engine)} \"$@\" | head -n 20\nexit 2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    expected = _facts(big_log, False, monkeypatch)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert _facts(big_log, True, monkeypatch, parts) == expected


@pytest.mark.parametrize("searcher,parts", [("grep", 2), ("rg", 1)])
def test_a_searcher_that_stops_before_the_end_is_not_trusted(big_log, searcher, parts, monkeypatch, tmp_path):
    """Exit status 0 but output cut short: grep fed through pipes prints no sentinel line, and
    ripgrep reading the file itself leaves the file's offset short of its end. The missing lines
    are searched in Python."""
    fake = tmp_path / "bin" / searcher
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{shutil.which(searcher)} \"$@\" | head -n 50\nexit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(prefilter, "ENGINES", (searcher,))
    expected = _facts(big_log, False, monkeypatch)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert _facts(big_log, True, monkeypatch, parts) == expected


def test_without_any_searcher_python_searches(big_log, monkeypatch, tmp_path):
    monkeypatch.setattr(prefilter, "ENGINES", ("no-such-searcher",))
    with open(big_log, "rb") as fh:
        assert prefilter.NeedleHits.start(fh, 0, None, [b"Python"]) is None
    assert _facts(big_log, True, monkeypatch) == _facts(big_log, False, monkeypatch)


def test_pipes_and_small_files_do_not_start_grep(tmp_path):
    small = tmp_path / "error.log"
    small.write_bytes(b"[Sun Nov 22 16:31:00.000000 2026] [core:notice] [pid 1] AH00052: child pid 2 exit signal Segmentation fault (11)\n")
    with open(small, "rb") as fh:
        assert prefilter.NeedleHits.start(fh, 0, None, [b"exit signal"]) is None
    assert scan_file(str(small))["events"]["child-crashed"]["count"] == 1
    r, w = os.pipe()
    with os.fdopen(r, "rb") as fh, os.fdopen(w, "wb"):
        assert prefilter.NeedleHits.start(fh, 0, None, [b"x"]) is None


@pytest.mark.parametrize("parts", [1, 2])
def test_found_lines_carry_their_line_numbers_and_offsets(tmp_path, engine, parts, monkeypatch):
    """Needles in a UTF-16-looking first line, on both sides of a part boundary, twice on one
    line, on a last line without a newline; each line once, whole, with its start and end."""
    monkeypatch.setattr(prefilter, "MIN_BYTES", 1)
    monkeypatch.setattr(prefilter, "MIN_PART", 1)
    monkeypatch.setattr(prefilter, "MAX_PARTS", parts)
    monkeypatch.setattr(prefilter, "SINGLE", frozenset())
    lines = [b"\xff\xfeWSGI x", b"noise", b"a Python b", b"", b"exit signal and Python", b"noise", b"tail WSGI"]
    path = tmp_path / "log"
    data = b"\n".join(lines)  # no final newline
    path.write_bytes(data)
    with open(path, "rb") as fh, prefilter.NeedleHits.start(fh, 0, None, [b"WSGI", b"Python", b"exit signal"]) as hits:
        assert hits is not None and len(hits._parts) == parts
        found = list(hits.lines())
        assert not hits.failed and hits.lines_before(len(data)) == len(lines) - 1
    starts = [sum(len(l) + 1 for l in lines[:i]) for i in range(len(lines))]
    assert found == [(starts[i], i, lines[i], starts[i] + len(lines[i])) for i in (0, 2, 4, 6)]


def test_needles_become_one_extended_regular_expression():
    assert prefilter.alternation([b"mod_wsgi (", b"a.b", b"x|y"]) == rb"mod_wsgi \(|a\.b|x\|y"


def test_needles_with_a_common_start_are_grouped_for_ripgrep():
    codes = [b"AH00052", b"AH00094", b"AH01630"]
    assert prefilter.factored([b"mod_wsgi (", *codes, b"mod_python"]) == rb"mod_wsgi \(|mod_python|AH0(?:0052|0094|1630)"
    assert prefilter.factored([b"AH0", *codes]) == b"AH0"


def test_a_line_known_only_by_its_httpd_code_is_found_in_a_large_log(tmp_path, engine, monkeypatch):
    """The classifier knows AH00052 or AH01630 by the code alone (a reworded or translated httpd
    says it in other words): the search of a large log must not pass over such a line."""
    noise = (b"[Sun Nov 22 16:31:07.000001 2026] [ssl:info] [pid 9:tid 1] [client 10.0.0.1:5000] "
             b"AH01964: Connection to child 3 established (server shop.example.org:443)\n")
    coded = (b"[Sun Nov 22 16:31:08.000000 2026] [core:notice] [pid 1000:tid 1] AH00052: Kindprozess 1234 "
             b"beendet mit Signal Segmentation fault (11)\n"
             b"[Sun Nov 22 16:31:09.000000 2026] [authz_core:error] [pid 9:tid 2] [client 10.0.0.2:5001] "
             b"AH01630: Zugriff verweigert durch die Serverkonfiguration: /srv/shop/.git\n")
    log = tmp_path / "error.log"
    log.write_bytes(noise * 2000 + coded + noise * 2000)
    with open(log, "rb") as fh:
        every = json.loads(json.dumps(scan_stream(fh, path=str(log), every_line=True), sort_keys=True))
    assert set(every["events"]) == {"child-crashed", "client-denied"}
    for use_grep in (True, False):  # the searcher's path, and Python's needle search
        found = json.loads(_facts(log, use_grep, monkeypatch))
        assert found["events"] == every["events"], use_grep


def test_what_a_bare_line_follows_is_read_from_the_file_around_it(tmp_path, engine, monkeypatch):
    """The searcher's path reads the 16 KiB before a bare Python line from the file: the same
    Apache line as Python's block-by-block reading, here 10 KiB back, across a 1 MiB block boundary."""
    noise = b"[Sun Nov 22 16:31:07.000001 2026] [ssl:info] [pid 9:tid 1] AH01964: Connection to child 3 established\n"
    home = (b"[Sun Nov 22 16:51:08.000000 2026] [wsgi:warn] [pid 7:tid 7] mod_wsgi (pid=7): Unable to stat "
            b"Python home /srv/old. Python interpreter may not be able to be initialized correctly.\n")
    gap = (b"    " + b"v" * 507 + b"\n") * 20  # 10 KiB: the bare line just after the first 1 MiB
    head = noise * (((1 << 20) - len(home) - len(gap) + 300) // len(noise))
    log = tmp_path / "error.log"
    log.write_bytes(head + home + gap + b"Fatal Python error: init_fs_encoding: failed\n" + noise * 100)
    searched = json.loads(_facts(log, True, monkeypatch))
    assert searched == json.loads(_facts(log, False, monkeypatch))
    example = searched["events"]["fatal-python-error"]["examples"][0]
    assert example["after"]["line"] == example["line"] - 21 and "Unable to stat" in example["after"]["text"]
