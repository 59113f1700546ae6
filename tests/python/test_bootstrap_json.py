"""The hosting program's bootstrap reads and writes JSON without the json module.

mod_wsgi does not load json (nor re, enum, collections, which json brings in) into the
interpreters it creates, so neither may the program that emulates it: anything loaded there shows
in the probe's answer, and importing them was a third of a hosting run. Its own reader and writer
must agree exactly with json's on everything the program and wsgidoctor exchange.
"""

from __future__ import annotations

import json
import math
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings, strategies as st

BOOTSTRAP = Path(__file__).resolve().parents[2] / "native" / "bootstrap.py"
CODEC = runpy.run_path(str(BOOTSTRAP))
json_load, json_dump = CODEC["json_load"], CODEC["json_dump"]

TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(PLAIN, st.booleans())
def test_reads_what_json_writes(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only, indent=None if ascii_only else 1)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate written raw: not UTF-8, and json.c never writes one
        assume(False)
    assert json_load(data) == value


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_writes_what_json_reads(value):
    line = json_dump(value)
    assert line.isascii()  # one line of ASCII, whatever the text held (lone surrogates too)
    assert "\n" not in line
    assert json.loads(line) == value


def test_the_program_own_escapes_are_read():
    # native/json.c writes non-ASCII as raw UTF-8 and DEL and controls as \u00XX
    raw = '{"a": "caf\u00e9 \U0001f600\\u007f\\u0001\\t\\"\\\\", "n": [1, -2.5e3, true, false, null]}'
    assert json_load(raw.encode("utf-8")) == {"a": "caf\u00e9 \U0001f600\x7f\x01\t\"\\",
                                             "n": [1, -2500.0, True, False, None]}


@pytest.mark.parametrize("bad", [b"", b"{", b'{"a" 1}', b"[1,]", b'"\\x"', b"tru", b"[1] 2", b'"open'])
def test_malformed_input_raises_value_error(bad):
    with pytest.raises(ValueError):
        json_load(bad)


def test_not_a_number_is_written_as_null():
    assert json.loads(json_dump({"ms": float("nan"), "inf": math.inf})) == {"ms": None, "inf": None}


def test_the_bootstrap_imports_no_json():
    code = (f"import sys\nexec(compile(open({str(BOOTSTRAP)!r}).read(), 'bootstrap', 'exec'), {{}})\n"
            "sys.stdout.write(repr(sorted(m for m in ('json', 're', 'enum') if m in sys.modules)))\n")
    out = subprocess.run([sys.executable, "-S", "-I", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]"
