"""apr.h parser, checked against fixtures/corpus/apr_h and Debian 12's /usr/include/apr-1.0/apr.h."""

from __future__ import annotations

import pytest

from tests.conftest import CORPUS, read_fixture
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.mutex.parse_apr_h import PARSER, parse
from wsgidoctor.core.textnorm import clean_lines

ALL = ("flock", "fcntl", "sysvsem", "posixsem", "pthread")


def flags(**values):
    return {m: values.get(m) for m in ALL}


EXPECTED = {
    "corpus/apr_h/apr-trunk-apr.h.in-unsubstituted-template-excerpt.txt": dict(
        has=flags(), use=flags(), has_threads=None, template=True),
    "corpus/apr_h/linux-i386-generated-apr-idega-httpd-srclib-sysvsem.txt": dict(
        has=flags(flock=True, fcntl=True, sysvsem=True, posixsem=True, pthread=True),
        use=flags(flock=False, fcntl=False, sysvsem=True, posixsem=False, pthread=False),
        has_threads=True, use_thread_pthread=True, template=False),
    "corpus/apr_h/macos-10.6-system-apr-1.3-serialize-excerpt.txt": dict(
        has=flags(flock=True, fcntl=True, sysvsem=True, posixsem=True, pthread=False),
        use=flags(), has_threads=None),
    "corpus/apr_h/netware-apr.hnw-trunk-no-posixsem-excerpt.txt": dict(
        has=flags(flock=False, fcntl=False, sysvsem=False, pthread=False),
        use=flags(flock=False, fcntl=False, sysvsem=False, pthread=False),
        has_threads=True, other={"rwlock": {"has": False, "use": None, "conditional": False}}),
    "corpus/apr_h/openvms-csws-apr.h-ifdef-vmsdlm-excerpt.txt": dict(
        # the "#if 0" block's USE FLOCK/SYSVSEM = 1 is ignored; pthread and threads are only
        # defined under #ifndef __VMS, so they are reported, not trusted
        has=flags(flock=True, fcntl=True, sysvsem=True, posixsem=True, pthread=None),
        use=flags(flock=False, fcntl=False, sysvsem=False, posixsem=False, pthread=False),
        has_threads=None),
    "debian12/apr.h": dict(
        has=flags(flock=True, fcntl=True, sysvsem=True, posixsem=True, pthread=True),
        use=flags(flock=False, fcntl=False, sysvsem=False, posixsem=False, pthread=True),
        has_threads=True, use_thread_pthread=True, template=False, conditional=[]),
}


def test_every_corpus_capture_has_expectations():
    on_disk = {f"corpus/apr_h/{p.name}" for p in (CORPUS / "apr_h").iterdir()}
    assert on_disk <= set(EXPECTED), sorted(on_disk - set(EXPECTED))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_parses_to_the_documented_facts(name):
    apr = parse(read_fixture(name))["apr"]
    for key, value in EXPECTED[name].items():
        assert apr[key] == value, key


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_is_recognised_as_apr_h(name):
    assert detect_kind(read_fixture(name)) == "apr.h"


def test_openvms_conditionals_are_reported_with_their_condition():
    fragment = parse(read_fixture("corpus/apr_h/openvms-csws-apr.h-ifdef-vmsdlm-excerpt.txt"))
    apr = fragment["apr"]
    conditional = {(c["name"], c["condition"], c["value"]) for c in apr["conditional"]}
    assert ("APR_USE_VMSDLM_SERIALIZE", "#ifdef __VMS", True) in conditional
    assert ("APR_HAS_PROC_PTHREAD_SERIALIZE", "#ifndef __VMS", True) in conditional
    assert ("APR_HAS_THREADS", "#ifndef __VMS", True) in conditional
    assert apr["other"]["vmsdlm"]["conditional"] is True
    assert apr["other"]["vmsdlm"]["condition"] == "#ifdef __VMS"
    assert any("'#if 0'" in n for n in fragment["_notes"])


def test_template_placeholders_are_unknown_and_explained():
    fragment = parse(read_fixture("corpus/apr_h/apr-trunk-apr.h.in-unsubstituted-template-excerpt.txt"))
    assert any("apr.h.in template" in n for n in fragment["_notes"])


def test_unconditional_definition_wins_over_a_conditional_one():
    text = ("#ifdef __VMS\n#define APR_HAS_FLOCK_SERIALIZE 0\n#endif\n"
            "#define APR_HAS_FLOCK_SERIALIZE 1\n")
    fragment = parse(text)
    assert fragment["apr"]["has"]["flock"] is True
    assert any("is also defined" in n for n in fragment["_notes"])


@pytest.mark.parametrize("text,expected", [
    # nested blocks inside #if 0 stay dead, the #else branch is live
    ("#if 0\n# if 1\n#define APR_HAS_FCNTL_SERIALIZE 1\n# endif\n#else\n#define APR_HAS_FCNTL_SERIALIZE 0\n#endif\n", False),
    # #elif 1 after #if 0 is live; the #else after it is dead
    ("#if 0\n#define APR_HAS_FCNTL_SERIALIZE 0\n#elif 1\n#define APR_HAS_FCNTL_SERIALIZE 1\n#else\n"
     "#define APR_HAS_FCNTL_SERIALIZE 0\n#endif\n", True),
    # an #else after an undecidable #if is itself undecidable
    ("#ifdef WIN32\n#define APR_HAS_FCNTL_SERIALIZE 0\n#else\n#define APR_HAS_FCNTL_SERIALIZE 1\n#endif\n", None),
    # include guard, comments (block and line) and CRLF
    ("#ifndef APR_H\r\n#define APR_H\r\n/* #define APR_HAS_FCNTL_SERIALIZE 0\r\n */\r\n"
     "#define APR_HAS_FCNTL_SERIALIZE   1 // yes\r\n#endif\r\n", True),
    # backslash-continued condition
    ("#if 0 || \\\n    0\n#define APR_HAS_FCNTL_SERIALIZE 1\n#endif\n", None),
])
def test_preprocessor_blocks(text, expected):
    assert parse(text)["apr"]["has"]["fcntl"] is expected


def test_unbalanced_and_garbage_input_do_not_raise():
    for text in ("#endif\n#else\n#elif 1\n", "#if 0\n#define APR_HAS_FLOCK_SERIALIZE 1\n", "\x00\xff" * 50, ""):
        apr = parse(text)["apr"]
        assert apr["has"]["flock"] is None


def test_other_files_are_not_taken_for_apr_h():
    for rel in ("debian12/config_vars.mk", "debian12/apache2ctl-V.txt",
                "corpus/config_nice/ubuntu-16.04-apache2-2.4.18-debian-layout-env-exports.txt"):
        assert PARSER.detect(clean_lines(read_fixture(rel))) < 0.5, rel


def test_registered_under_its_kind():
    assert registry()["apr.h"] is PARSER
