"""The Apache build parsers never raise: not on random text or bytes, not on any real capture cut
off at any line, and not on captures run through the usual paste damage."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import CORPUS, FIXTURES, bare_corpus
from wsgidoctor.areas import parsers as registry

KINDS = ("httpd-V", "httpd-l", "httpd-M", "httpd-t", "apr.h", "config.nice", "config_vars.mk")
FOLDERS = {"httpd-V": "V", "httpd-l": "l", "httpd-M": "M", "httpd-t": "t_errors", "apr.h": "apr_h",
           "config.nice": "config_nice"}

#: Fragments of real outputs, so that random combinations exercise the parsers' branches.
PIECES = ["Server version: Apache/2.4.", "Server MPM:", "  threaded:     yes (", "-D APR_USE_",
          "_SERIALIZE", "Compiled in modules:", "  mod_so.c", " wsgi_module (shared)", "Loaded Modules:",
          "AH00526: Syntax error on line ", " of /etc/x.conf:", "Invalid command '", "Mutex mechanisms are: '",
          "#if 0", "#else", "#endif", "#define APR_HAS_FLOCK_SERIALIZE ", "@flockser@", '"./configure" \\',
          '"--with-mpm=', "exp_libexecdir = ", "${prefix}", "\\", "\n", "\r\n", "\t", "* ", "&nbsp;", "\u2026",
          "===>", "<===", "--- /x ---", "Syntax OK", "\x00", "\ufffd"]


def _all_parsers():
    return [registry()[k] for k in KINDS]


def _check(parser, text) -> None:
    result = parser.parse(text)
    assert isinstance(result, dict)
    json.dumps(result)  # facts must stay JSON-compatible
    assert 0.0 <= float(parser.detect(text.splitlines() if isinstance(text, str) else [])) <= 1.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=40).map("".join))
def test_random_text_built_from_real_fragments(text):
    for parser in _all_parsers():
        _check(parser, text)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes(data):
    for parser in _all_parsers():
        assert isinstance(parser.parse(data), dict)  # bytes are decoded, never rejected


def _captures():
    out = []
    for kind, folder in FOLDERS.items():
        out += [(kind, p) for p in bare_corpus(folder)]
    deb = FIXTURES / "debian12"
    out += [("httpd-V", deb / "apache2ctl-V.txt"), ("httpd-V", deb / "apache2-V-without-envvars.txt"),
            ("httpd-l", deb / "apache2-l.txt"), ("httpd-M", deb / "apache2ctl-M.txt"), ("apr.h", deb / "apr.h"),
            ("config_vars.mk", deb / "config_vars.mk")]
    out += [("httpd-t", p) for p in sorted((deb / "configtest").glob("t-*.txt"))]
    out += [("httpd-M", p) for p in sorted((deb / "configtest").glob("M-*.txt"))]
    return out


@pytest.mark.parametrize("kind,path", _captures(), ids=lambda v: getattr(v, "name", v))
def test_every_capture_cut_at_every_line_and_mid_line(kind, path):
    parser = registry()[kind]
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    step = max(1, len(lines) // 40)  # apr.h has 650 lines: sample it
    for n in range(0, len(lines) + 1, step):
        head = "".join(lines[:n])
        _check(parser, head)
        if n < len(lines):
            _check(parser, head + lines[n][: len(lines[n]) // 2])  # cut mid-line


@pytest.mark.parametrize("kind,path", _captures(), ids=lambda v: getattr(v, "name", v))
def test_paste_damage_keeps_the_facts(kind, path):
    """CRLF line ends, a markdown code fence and a quote prefix change nothing that was parsed."""
    parser = registry()[kind]
    text = path.read_text(encoding="utf-8", errors="replace")
    damaged = "```\r\n" + "".join("> " + line + "\r\n" for line in text.splitlines()) + "```\r\n"
    clean = parser.parse(text)
    clean.pop("_notes", None)
    got = parser.parse(damaged)
    got.pop("_notes", None)
    assert got == clean


def _foreign():
    out = [p for folder in ("errorlog", "ldd", "otool") for p in bare_corpus(folder)]
    return out + [FIXTURES / "debian12" / "envvars", FIXTURES / "debian12" / "ldd-mod_wsgi.txt"]


@pytest.mark.parametrize("path", _foreign(), ids=lambda p: p.name)
def test_error_logs_ldd_and_otool_outputs_are_not_claimed(path):
    """Pasted error logs (AH00558 lines included), ldd and otool outputs are not Apache build outputs."""
    from wsgidoctor.core.textnorm import clean_lines

    lines = clean_lines(path.read_text(encoding="utf-8", errors="replace"))
    for kind in KINDS:
        assert registry()[kind].detect(lines) < 0.5, kind
