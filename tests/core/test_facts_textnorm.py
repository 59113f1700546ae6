from wsgidoctor.core import facts as F
from wsgidoctor.core.textnorm import clean_lines, decode, looks_binary


def test_merge_is_deep_and_none_never_erases_a_known_value():
    base = {"apache": {"version": "2.4.71", "mpm": {"name": "event"}}}
    F.merge(base, {"apache": {"version": None, "mpm": {"threaded": True}, "modules": []}})
    assert base == {"apache": {"version": "2.4.71", "mpm": {"name": "event", "threaded": True}, "modules": []}}


def test_a_live_answer_is_never_replaced_by_an_emulated_one_whatever_the_order():
    live = {"wsgi": {"multithread": {"value": False, "source": "live"}}}
    emulated = {"wsgi": {"multithread": {"value": True, "source": "emulated"}}}
    a = F.merge(F.merge({}, live), emulated)
    b = F.merge(F.merge({}, emulated), live)
    assert a == b == live


def test_get_and_set_by_dotted_path():
    d = {}
    F.set_path(d, "a.b.c", 1)
    assert F.get(d, "a.b.c") == 1 and F.get(d, "a.x.c", "dflt") == "dflt" and F.get(d, "a.b.c.d") is None


def test_clean_lines_strips_paste_decoration():
    # As published in fixtures/corpus/V/windows-apachelounge-...-markdown-decorated.txt, fenced, CRLF.
    text = ("```\r\n* Server version: Apache/2.4.41 (Win64)\r\n* &nbsp;&nbsp;threaded:     yes\r\n"
            "*  -D APR_HAS_MMAP\r\n```\r\n")
    assert clean_lines(text) == ["Server version: Apache/2.4.41 (Win64)", "  threaded:     yes",
                                 " -D APR_HAS_MMAP"]
    journal = "Aug 13 08:51:29 web1 apache2[20739]: AH00526: Syntax error on line 3\n"
    assert clean_lines(journal) == ["AH00526: Syntax error on line 3"]
    assert clean_lines("> > quoted\n>   deeper\n") == ["quoted", "  deeper"]
    assert clean_lines("> Aug 13 08:51:29 web1 apache2[1]: AH00016: Configuration Failed\n") == [
        "AH00016: Configuration Failed"]
    assert clean_lines("    a\n      b\n") == ["a", "  b"]


def test_decode_never_fails_and_binary_is_recognised():
    assert decode(b"caf\xe9") == "café"
    assert looks_binary(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    assert not looks_binary(b"Server version: Apache/2.4.71\n")
