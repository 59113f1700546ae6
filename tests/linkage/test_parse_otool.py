"""The otool -L parser on the real pasted outputs of fixtures/corpus/otool (expectations from SOURCES.md)."""

from __future__ import annotations

import pytest

from tests.conftest import read_fixture, bare_corpus
from wsgidoctor.linkage import parse_otool as otool
from wsgidoctor.areas import detect_kind

CASES = {
    # file: (header, python install name, python X.Y, kind)
    "ios-rpath-python-framework-elided-no-header.txt":
        (None, "@rpath/Python.framework/Python", "3.13", "framework"),
    "macos-10.6-system-python2.6-framework.txt":
        ("mod_wsgi.so", "/System/Library/Frameworks/Python.framework/Versions/2.6/Python", "2.6", "framework"),
    "macos-arm64-homebrew-python3.13-framework-embedding-binary.txt":
        ("bin/mf", "/opt/homebrew/opt/python@3.13/Frameworks/Python.framework/Versions/3.13/Python", "3.13", "framework"),
    "macos-python-extension-dynamic-lookup-no-python-line.txt":
        ("/Users/vinodpandey/Projects/saml-segfault/venv/lib/python3.10/site-packages/xmlsec.cpython-310-darwin.so",
         None, None, None),
    "macos-system-python2.7-framework-relative-lib-macports-ext.txt":
        ("_ftdi1.so", "/System/Library/Frameworks/Python.framework/Versions/2.7/Python", "2.7", "framework"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_file_gives_the_python_dependency_sources_md_lists(name):
    text = read_fixture(f"corpus/otool/{name}")
    facts = otool.parse(text)["linkage"]
    lib = facts["python_library"]
    assert (facts.get("module"), lib["name"], lib["python_version"], lib.get("kind")) == CASES[name]
    assert detect_kind(text) == "otool-L"


def test_every_corpus_file_has_a_case(corpus):
    assert sorted(p.name for p in bare_corpus("otool")) == sorted(CASES)


def test_rpath_name_is_not_a_path_and_keeps_its_unresolved_prefix():
    lib = otool.parse(read_fixture("corpus/otool/ios-rpath-python-framework-elided-no-header.txt"))["linkage"]["python_library"]
    assert lib["path"] is None and lib["unresolved_prefix"] == "@rpath"


def test_relative_first_dependency_and_current_version_are_kept():
    facts = otool.parse(read_fixture("corpus/otool/macos-system-python2.7-framework-relative-lib-macports-ext.txt"))["linkage"]
    assert facts["otool"][0]["name"] == "libftdi1.2.dylib"
    assert facts["python_library"]["current_version"] == "2.7.6"


def test_per_architecture_headers_and_weak_attribute():
    text = ("mod_wsgi.so (architecture arm64):\n"
            "\t@rpath/libpython3.12.dylib (compatibility version 3.12.0, current version 3.12.0, weak)\n"
            "mod_wsgi.so (architecture x86_64):\n"
            "\t@rpath/libpython3.12.dylib (compatibility version 3.12.0, current version 3.12.0)\n")
    facts = otool.parse(text)["linkage"]
    assert [e["arch"] for e in facts["otool"]] == ["arm64", "x86_64"]
    assert facts["otool"][0]["attributes"] == "weak"
    assert facts["python_library"]["kind"] == "dylib" and facts["python_library"]["python_version"] == "3.12"


@pytest.mark.parametrize("junk", ["", "\x00" * 100, "mod_wsgi.so:", "(compatibility version)", "....\n...."])
def test_garbage_never_raises(junk):
    out = otool.parse(junk)
    assert (out.get("linkage") or {}).get("python_library", {}).get("name") is None
