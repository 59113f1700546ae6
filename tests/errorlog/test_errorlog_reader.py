"""Streaming: whole-line blocks with bounded memory, and a scanner that gives the same answer
whatever the block boundaries, line endings, encodings or garbage."""

import io

import pytest

from wsgidoctor.errorlog import scan_file, scan_text
from wsgidoctor.errorlog.reader import LineBlocks
from wsgidoctor.errorlog.scanner import LogScanner, count_newlines, scan_stream

BANNER = ("[Sun Nov 22 16:51:07.315332 2026] [mpm_event:notice] [pid 25895:tid 25895] AH00489: Apache/2.4.71 "
          "(Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations")
CMDLINE = "[Sun Nov 22 16:51:07.315477 2026] [core:notice] [pid 25895:tid 25895] AH00094: Command line: '/usr/sbin/apache2'"
NOISE = "[Sun Nov 22 16:51:08.000000 2026] [wsgi:error] [pid 2:tid 3] [remote 10.0.0.1:5] KeyError: 'basket'"
DUMP = """Python path configuration:
  PYTHONHOME = '/srv/missing'
  PYTHONPATH = (not set)
  program name = 'python3'
  isolated = 0
  environment = 1
  stdlib dir = '/srv/missing/lib/python3.11'
  sys.base_prefix = '/srv/missing'
  sys.executable = '/usr/bin/python3'
  sys.prefix = '/srv/missing'
  sys.path = [
    '/srv/missing/lib/python311.zip',
    '/srv/missing/lib/python3.11',
  ]
Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding
Python runtime state: core initialized
ModuleNotFoundError: No module named 'encodings'"""


def _blocks(data: bytes, **kw):
    reader = LineBlocks(io.BytesIO(data), **kw)
    return list(reader), reader


def test_blocks_hold_whole_lines_and_everything_is_read():
    data = b"".join(b"line %d\n" % i for i in range(1000))
    blocks, reader = _blocks(data, chunk_size=100)
    assert all(b.endswith(b"\n") for b in blocks)
    assert b"".join(blocks) == data and reader.bytes_read == len(data)


def test_an_absurdly_long_line_is_clipped_and_memory_stays_bounded():
    data = b"before\n" + b"x" * 5_000_000 + b" Python tail\nafter\n"
    blocks, reader = _blocks(data, chunk_size=4096, max_line=1000)
    assert max(len(b) for b in blocks) <= 4096 + 1000 + 1
    lines = b"".join(blocks).split(b"\n")
    assert lines[0] == b"before" and len(lines[1]) == 1000 and lines[2] == b"after"
    assert reader.lines_clipped == 1 and reader.bytes_read == len(data)


def test_a_file_without_a_final_newline_still_yields_its_last_line():
    blocks, _ = _blocks(b"a\nb", chunk_size=1)
    assert b"".join(blocks) == b"a\nb\n"


def test_a_byte_range_is_respected():
    data = b"0123\n4567\n89\n"
    blocks, reader = _blocks(data, start=5, end=10)
    assert b"".join(blocks) == b"4567\n" and reader.bytes_read == 5


def _log(*lines: str, newline: str = "\n") -> bytes:
    return newline.join(lines).encode("utf-8") + newline.encode()


def test_crlf_non_utf8_and_windows_paths_are_read_like_plain_lines():
    text = _log(BANNER, CMDLINE, NOISE, newline="\r\n") + (
        b"[Sun Nov 22 16:51:09.000000 2026] [wsgi:error] [pid 2:tid 3] [client 1.2.3.4:5] Target WSGI script not "
        b"found or unable to stat: C:\\Sites\\caf\xe9\\app.wsgi\r\n")
    facts = scan_text(text)
    assert facts["banner"]["mod_wsgi_version"] == "4.9.4"
    assert facts["command_line"] == "/usr/sbin/apache2"
    assert facts["events"]["script-not-found"]["by"] == {"C:\\Sites\\café\\app.wsgi": 1}
    assert facts["lines_read"] == 4


def test_binary_garbage_and_empty_input_give_empty_facts_without_raising():
    assert scan_text(b"")["events"] == {}
    garbage = bytes(range(256)) * 20000 + b"\x00Python\xff" * 1000
    facts = scan_text(garbage)
    assert facts["banner"] is None and facts["bytes_read"] == len(garbage)


@pytest.mark.parametrize("chunk", [7, 64, 1000, 1 << 20])
def test_the_answer_does_not_depend_on_block_boundaries(chunk):
    lines = [NOISE] * 5 + [BANNER, CMDLINE] + [NOISE] * 3 + DUMP.split("\n") + [NOISE]
    data = _log(*lines)
    scanner = LogScanner(path="x")
    for block in LineBlocks(io.BytesIO(data), chunk_size=chunk):
        scanner.feed(block)
    facts = scanner.facts()
    assert facts["banner"]["line"] == 6 and facts["command_line"] == "/usr/sbin/apache2"
    dump = facts["path_config"]
    assert (dump["line"], dump["pythonhome"], dump["program_name"], dump["prefix"]) == (
        11, "/srv/missing", "python3", "/srv/missing")
    assert dump["pythonpath"] is None and dump["environment"] == 1
    assert dump["path"] == ["/srv/missing/lib/python311.zip", "/srv/missing/lib/python3.11"]
    assert facts["events"]["fatal-python-error"]["first"] == 25
    assert facts["events"]["no-module-encodings"]["first"] == 27
    assert facts["lines_read"] == len(lines)


def test_a_bare_python_line_records_the_apache_line_it_follows():
    facts = scan_text(_log(BANNER, "[Mon Apr 20 01:28:35.846615 2020] [mpm_winnt:notice] [pid 1:tid 5] AH00418: "
                           "Parent: Created child process 3084", "Fatal Python error: initfsencoding: unable to load"))
    ex = facts["events"]["fatal-python-error"]["examples"][0]
    assert ex["after"]["line"] == 2 and "AH00418" in ex["after"]["text"]


def test_counts_are_exact_but_only_a_few_examples_are_kept():
    denied = ("[Sun Nov 22 10:00:00.000000 2026] [authz_core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01630: "
              "client denied by server configuration: /srv/p%d")
    facts = scan_text(_log(*[denied % (i % 40) for i in range(5000)]))
    ev = facts["events"]["client-denied"]
    assert ev["count"] == 5000 and (ev["first"], ev["last"]) == (1, 5000)
    assert [e["line"] for e in ev["examples"]] == [1, 2, 3, 4998, 4999, 5000]
    assert len(ev["by"]) == 33 and ev["by"]["(other)"] == 5000 - 32 * 125


def test_the_last_banner_wins_and_the_startup_begins_after_the_last_stop():
    stop = "[Fri Aug 03 11:28:01.678986 2018] [mpm_event:notice] [pid 1:tid 2] AH00491: caught SIGTERM, shutting down"
    old = BANNER.replace("mod_wsgi/4.9.4", "mod_wsgi/4.9.0")
    facts = scan_text(_log(old, NOISE, stop, NOISE, BANNER))
    assert facts["banner"]["mod_wsgi_version"] == "4.9.4"
    assert (facts["startups"], facts["restarts"], facts["startup_line"]) == (2, 1, 4)


def test_an_import_error_is_tied_to_the_failed_script_of_the_same_process():
    failed = ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:error] [pid 41:tid 2] [client 1.2.3.4:5] mod_wsgi (pid=41): "
              "Failed to exec Python script file '/srv/app/app.wsgi'.")
    other = ("[Sun Nov 22 10:00:00.000000 2026] [wsgi:error] [pid 99:tid 2] [remote 1.2.3.4:5] "
             "ModuleNotFoundError: No module named 'requests'")
    mine = other.replace("pid 99", "pid 41").replace("requests", "django")
    facts = scan_text(_log(failed, other, mine))
    examples = facts["events"]["import-error"]["examples"]
    assert [e["fields"].get("script") for e in examples] == [None, "/srv/app/app.wsgi"]


def test_a_skipped_middle_keeps_later_line_numbers_right(tmp_path):
    path = tmp_path / "error.log"
    denied = ("[Sun Nov 22 10:00:00.000000 2026] [authz_core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01630: "
              "client denied by server configuration: /srv/x")
    lines = [BANNER] + [NOISE] * 1000 + [denied]
    path.write_bytes(_log(*lines))
    with open(path, "rb") as fh:
        size = path.stat().st_size
        skip_at = len(BANNER) + 1 + 10 * (len(NOISE) + 1)
        facts = scan_stream(fh, end=size, path=str(path), skip=(skip_at, 500 * (len(NOISE) + 1)))
        assert count_newlines(fh, 0, size) == len(lines)
    assert facts["events"]["client-denied"]["first"] == len(lines)
    assert facts["lines_read"] == len(lines)
    assert scan_file(str(path))["events"]["client-denied"]["first"] == len(lines)


def _bare_after(gap_lines: int, gap_width: int) -> bytes:
    """An Apache line, ``gap_lines`` bare lines of ``gap_width`` bytes, then a bare Python line."""
    home = ("[Sun Nov 22 16:51:08.000000 2026] [wsgi:warn] [pid 7:tid 7] mod_wsgi (pid=7): Unable to stat "
            "Python home /srv/old. Python interpreter may not be able to be initialized correctly.")
    gap = ["    " + "v" * (gap_width - 5)] * gap_lines
    return _log(home, *gap, "Fatal Python error: init_fs_encoding: failed to get the Python codec")


@pytest.mark.parametrize("chunk", [7, 1000, 4096, 9000, 1 << 20])
def test_what_a_bare_python_line_follows_does_not_depend_on_where_blocks_are_cut(chunk):
    """The Apache line a bare line follows is looked for in the 16 KiB before it, whatever the
    blocks: 10 KiB back it is found (the bare line at the start of a block once saw only 8 KiB of
    the block before), 20 KiB back it is not, however the file is cut."""
    for gap_lines, expected in ((20, 1), (20 * 2, None)):
        data = _bare_after(gap_lines, 512)
        scanner = LogScanner(path="x")
        for block in LineBlocks(io.BytesIO(data), chunk_size=chunk):
            scanner.feed(block)
        example = scanner.facts()["events"]["fatal-python-error"]["examples"][0]
        assert example["line"] == gap_lines + 2
        assert (example.get("after") or {}).get("line") == expected, (chunk, gap_lines)
