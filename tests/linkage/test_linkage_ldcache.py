"""/etc/ld.so.cache reader: the real file against ldconfig -p, and the two older layouts written
here by hand following glibc's dl-cache.h (no such cache exists on this machine)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import pytest

from wsgidoctor.linkage import ldcache


@pytest.mark.skipif(not (os.path.exists("/etc/ld.so.cache") and shutil.which("ldconfig")), reason="needs glibc")
def test_real_cache_matches_ldconfig_p_entry_for_entry():
    cache = ldcache.load()
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout.splitlines()
    theirs = [(l.strip().split(" (")[0], l.split(" => ")[1]) for l in out[1:] if " => " in l]
    assert [(e.soname, e.path) for e in cache.entries] == theirs
    assert cache.generator is None or "ldconfig" in cache.generator


def _old_entries(entries):
    strings = b""
    table = b""
    for flags, name, path in entries:
        key = len(strings); strings += name.encode() + b"\0"
        value = len(strings); strings += path.encode() + b"\0"
        table += struct.pack("<iII", flags, key, value)
    return b"ld.so-1.7.0\0" + struct.pack("<I", len(entries)) + table, strings


def _new(entries, base_pad=0):
    header_len, entry_len = 48, 24
    strings_at = header_len + entry_len * len(entries)
    strings = b""
    table = b""
    for flags, name, path in entries:
        key = strings_at + len(strings); strings += name.encode() + b"\0"
        value = strings_at + len(strings); strings += path.encode() + b"\0"
        table += struct.pack("<iIIIQ", flags, key, value, 0, 0)
    header = b"glibc-ld.so.cache1.1" + struct.pack("<II", len(entries), len(strings)) + bytes([2, 0, 0, 0]) \
        + struct.pack("<IIII", 0, 0, 0, 0)
    assert len(header) == 48
    return header + table + strings


ENTRIES = [(0x0303, "libpython3.11.so.1.0", "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"),
           (0x0003, "libpython3.11.so.1.0", "/usr/lib/i386-linux-gnu/libpython3.11.so.1.0"),
           (0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6")]


def test_new_only_layout_and_class_filter():
    cache = ldcache.parse(_new(ENTRIES))
    assert cache.layout == "new"
    assert [e.path for e in cache.lookup("libpython3.11.so.1.0", 64, "EM_X86_64")] == [ENTRIES[0][2]]
    assert [e.path for e in cache.lookup("libpython3.11.so.1.0", 32, "EM_386")] == [ENTRIES[1][2]]


def test_old_only_layout():
    table, strings = _old_entries(ENTRIES)
    cache = ldcache.parse(table + strings)
    assert cache.layout == "old" and [e.soname for e in cache.entries] == [e[1] for e in ENTRIES]


def test_old_followed_by_new_layout_reads_the_new_part():
    table, _ = _old_entries([])
    pad = b"\0" * (((len(table) + 7) & ~7) - len(table))
    cache = ldcache.parse(table + pad + _new(ENTRIES))
    assert cache.layout == "old+new" and len(cache.entries) == 3


@pytest.mark.parametrize("data", [b"", b"glibc-ld.so.cache1.1" + b"\xff" * 30, b"ld.so-1.7.0\0\xff\xff\xff\x7f",
                                  os.urandom(300), b"\x7fELF" * 100])
def test_corrupt_cache_gives_an_empty_cache_never_an_exception(data):
    cache = ldcache.parse(data)
    assert cache.lookup("libc.so.6", 64, "EM_X86_64") == [] or cache.layout != "empty"


def test_conf_dirs_follow_sorted_includes(tmp_path):
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "b.conf").write_text("/opt/b/lib\n")
    (tmp_path / "conf.d" / "a.conf").write_text("# comment\n/opt/a/lib  # trailing\nhwcap 0 nosegneg\n")
    (tmp_path / "ld.so.conf").write_text("include conf.d/*.conf\n/usr/local/lib\n")
    assert ldcache.conf_dirs(str(tmp_path / "ld.so.conf")) == ["/opt/a/lib", "/opt/b/lib", "/usr/local/lib"]
