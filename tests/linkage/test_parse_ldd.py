"""The ldd parser on the real pasted outputs of fixtures/corpus/ldd (expectations from SOURCES.md)."""

from __future__ import annotations

import pytest

from tests.conftest import read_fixture, bare_corpus
from wsgidoctor.linkage import parse_ldd as ldd
from wsgidoctor.areas import detect_kind

CASES = {
    "centos6-anaconda3-python3.5m-found-tab-partial.txt":
        ("libpython3.5m.so.1.0", "/root/anaconda3/lib/libpython3.5m.so.1.0", True, "3.5"),
    "linux-x86_64-python2.5-not-found.txt": ("libpython2.5.so.1.0", None, False, "2.5"),
    "linux-x86_64-python2.5-usr-local-shared.txt":
        ("libpython2.5.so.1.0", "/usr/local/lib/libpython2.5.so.1.0", True, "2.5"),
    "raspberry-pi-armhf-pyenv-python3.8-libarmmem-PLATFORM-new-vdso-format.txt":
        ("libpython3.8.so.1.0", "/home/pi/.pyenv/versions/3.8.12/lib/libpython3.8.so.1.0", True, "3.8.12"),
    "rhel6-anaconda-python3.4-libpython-not-found.txt": ("libpython3.4m.so.1.0", None, False, "3.4"),
    "rhel7-scl-rh-python36-soname-terminal-wrapped-partial.txt":
        ("libpython3.6m.so.rh-python36-1.0",
         "/opt/rh/rh-python36/root/usr/lib64/libpython3.6m.so.rh-python36-1.0", True, "3.6"),
    "ubuntu-16.04-source-built-mod_wsgi-4.6.4-libpython3.6m-tab.txt":
        ("libpython3.6m.so.1.0", "/usr/lib/x86_64-linux-gnu/libpython3.6m.so.1.0", True, "3.6"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file_gives_the_python_library_sources_md_lists(name):
    text = read_fixture(f"corpus/ldd/{name}")
    lib = ldd.parse(text)["linkage"]["python_library"]
    assert (lib["name"], lib["path"], lib["found"], lib["python_version"]) == CASES[name]
    assert detect_kind(text) == "ldd"


def test_every_corpus_file_has_a_case(corpus):
    assert sorted(p.name for p in bare_corpus("ldd")) == sorted(CASES)


def test_debian_capture_lists_every_line_with_the_loader_and_vdso():
    entries = ldd.parse_entries(read_fixture("debian12/ldd-mod_wsgi.txt"))
    assert [e["kind"] for e in entries] == ["vdso", "lib", "lib", "lib", "lib", "lib", "loader"]
    assert entries[-1]["path"] == "/lib64/ld-linux-x86-64.so.2"


def test_platform_token_line_keeps_its_literal_name_and_the_resolved_path():
    entries = ldd.parse_entries(read_fixture(
        "corpus/ldd/raspberry-pi-armhf-pyenv-python3.8-libarmmem-PLATFORM-new-vdso-format.txt"))
    arm = entries[1]
    assert arm["name"] == "/usr/lib/arm-linux-gnueabihf/libarmmem-${PLATFORM}.so"
    assert arm["path"] == "/usr/lib/arm-linux-gnueabihf/libarmmem-v7l.so"
    assert entries[5]["kind"] == "loader"


def test_a_path_wrapped_onto_the_next_line_is_joined():
    text = ("\tlibpython3.9.so.1.0 => /opt/python/3.9.7/li\n"
            "b/libpython3.9.so.1.0 (0x00007f0000000000)\n"
            "\tlibc.so.6 => /lib64/libc.so.6 (0x00007f0000100000)\n")
    lib = ldd.parse(text)["linkage"]["python_library"]
    assert lib["path"] == "/opt/python/3.9.7/lib/libpython3.9.so.1.0"
    assert lib["python_version"] == "3.9.7"


def test_markdown_and_crlf_decoration_do_not_change_the_answer():
    plain = read_fixture("corpus/ldd/linux-x86_64-python2.5-usr-local-shared.txt")
    decorated = "```\r\n" + "\r\n".join("> " + l for l in plain.splitlines()) + "\r\n```\r\n"
    assert ldd.parse(decorated)["linkage"]["python_library"] == ldd.parse(plain)["linkage"]["python_library"]


def test_ldd_without_any_libpython_says_no_python_library():
    text = "\tlibc.so.6 => /lib64/libc.so.6 (0x00007f0000100000)\n\t/lib64/ld-linux-x86-64.so.2 (0x1)\n"
    lib = ldd.parse(text)["linkage"]["python_library"]
    assert lib["name"] is None and lib["found"] is None


@pytest.mark.parametrize("junk", ["", "\x00\x01\x02garbage" * 50, "not ldd at all\njust words",
                                  "libpython3.11.so.1.0 =>", "=> => =>", "\t" * 10, "é\xff\ufffd" * 20])
def test_garbage_never_raises_and_gives_no_library(junk):
    out = ldd.parse(junk)
    assert (out.get("linkage") or {}).get("python_library", {}).get("path") is None
