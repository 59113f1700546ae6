"""ELF readers on the committed fixtures (fixtures/linkage/build.sh) and on bad input."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.linkage import elf

L = FIXTURES / "linkage"


def test_dynamic_fixture_needs_libpython_and_carries_both_version_strings():
    info = elf.read_elf(str(L / "mod_dyn311.so"))
    assert (info.elfclass, info.machine, info.etype) == (64, "EM_X86_64", "ET_DYN")
    assert info.libpython_needed == "libpython3.11.so.1.0"
    with elf.SymbolReader(str(L / "mod_dyn311.so")) as r:
        assert elf.classify_versions(elf.version_strings(r.rodata()), "3.11") == ("3.11.2", "4.9.4")
        assert r.defined("Py_Initialize") is None
        assert r.undefined_python_symbols()[0] >= 2


@pytest.mark.parametrize("name, expected", [
    ("mod_dyn311.so", (20120211, 0x41503234)),  # real STANDARD20_MODULE_STUFF from apache2-dev
    ("mod_apache22.so", (20051115, 0x41503232)),
    ("mod_i386.so", (20120211, 0x41503234)),  # ILP32 layout: cookie at offset 24
])
def test_module_struct_magic(name, expected):
    magic = elf.module_magic(str(L / name))
    assert (magic.major, magic.cookie) == expected and magic.module_index == -1


def test_debian_mod_wsgi_reads_as_the_notes_measured():
    path = "/usr/lib/apache2/modules/mod_wsgi.so"
    if not os.path.exists(path):
        pytest.skip("needs Debian's libapache2-mod-wsgi-py3")
    magic = elf.module_magic(path)
    assert (magic.major, magic.cookie_text) == (20120211, "AP24")
    with elf.SymbolReader(path) as r:
        python, modwsgi = elf.classify_versions(elf.version_strings(r.rodata()), "3.11")
    strings = subprocess.run(["strings", "-a", path], capture_output=True, text=True).stdout.split()
    assert python in strings and modwsgi in strings and python.startswith("3.11.")


def test_foreign_and_32_bit_fixtures():
    assert elf.read_elf(str(L / "mod_i386.so")).machine == "EM_386"
    assert elf.read_elf(str(L / "mod_i386.so")).elfclass == 32
    assert elf.read_elf(str(L / "mod_aarch64.so")).machine == "EM_AARCH64"


@pytest.mark.parametrize("version, expected", [(0x030B02F0, "3.11.2"), (0x030D00A1, "3.13.0a1"), (0x030C01C2, "3.12.1rc2")])
def test_hex_version(version, expected):
    assert elf.hex_version(version) == expected


def test_python_version_of_this_machines_libpython_matches_the_package():
    lib = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
    if not os.path.exists(lib):
        pytest.skip("needs libpython3.11")
    out = subprocess.run(["python3.11", "-c", "import sys;print(sys.version.split()[0])"], capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin"})
    assert elf.library_python_version(lib, "3.11") == out.stdout.strip()


def test_tail_merged_version_string_of_older_libraries():
    data = b"\x00/opt/python/3.8.18\x00Python %s\x00"
    assert elf._embedded_version(data, "3.8") == "3.8.18"
    assert elf._embedded_version(b"\x003.10.13\x00", "3.10") == "3.10.13"
    assert elf._embedded_version(b"\x00/opt/13.8.1\x00", "3.8") is None


def test_libpython_name_pattern():
    for name in ("libpython3.11.so.1.0", "libpython3.6m.so.rh-python36-1.0", "libpython3.13t.so", "libpython3.so",
                 "libpython2.7.so.1.0"):
        assert elf.LIBPYTHON_RE.match(name), name
    assert not elf.LIBPYTHON_RE.match("libpythonx.so") and not elf.LIBPYTHON_RE.match("libpython3.11.a")


def _bad(tmp_path, kind):
    p = tmp_path / "mod_wsgi.so"
    if kind == "not-binary":
        p.write_text("this is a shell script\n")
    elif kind == "truncated":
        p.write_bytes((L / "mod_dyn311.so").read_bytes()[:30])
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "directory":
        p.mkdir()
    elif kind == "symlink-loop":
        os.symlink(tmp_path / "b", p)
        os.symlink(p, tmp_path / "b")
    elif kind == "missing":
        os.symlink(tmp_path / "nowhere", p)
    elif kind == "corrupt":
        data = bytearray((L / "mod_dyn311.so").read_bytes())
        data[32:40] = b"\xff" * 8  # e_phoff far beyond the file
        p.write_bytes(bytes(data))
    return p


@pytest.mark.parametrize("kind, expected", [
    ("not-binary", "not-binary"), ("truncated", "truncated"), ("empty", "truncated"), ("directory", "directory"),
    ("symlink-loop", "symlink-loop"), ("missing", "missing"), ("corrupt", "corrupt"),
])
def test_bad_input_is_a_binary_error_with_a_kind(tmp_path, kind, expected):
    with pytest.raises(elf.BinaryError) as info:
        elf.read_elf(str(_bad(tmp_path, kind)))
    assert info.value.kind == expected
