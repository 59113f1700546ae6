"""Patterns compiled on first use answer exactly as compiled ones; the heavy tables stay uncompiled
until a line needs them; the editable install puts no import finder in every start."""

from __future__ import annotations

import copy
import re
import subprocess
import sys

import pytest

from wsgidoctor.core.lazyre import lazy_re

CASES = [
    (r"(?P<word>[a-z]+)-(\d+)", 0, "  abc-12 xyz-3 ", "#"),
    (r"^ERROR (?P<msg>.*)$", re.I | re.M, "ok\nerror one\nError two", "<\\g<msg>>"),
    (rb"\x00(?P<v>\d+\.\d+)\x00", 0, b"ab\x003.11\x00cd\x002.7\x00", b"[\\g<v>]"),
]


@pytest.mark.parametrize("pattern,flags,text,repl", CASES)
def test_lazy_pattern_answers_as_the_compiled_one(pattern, flags, text, repl):
    lazy, real = lazy_re(pattern, flags), re.compile(pattern, flags)
    assert lazy.pattern == real.pattern
    # first use through each entry point, on a fresh lazy pattern every time
    for method, args in (("search", (text,)), ("match", (text,)), ("fullmatch", (text,)), ("findall", (text,)),
                         ("split", (text,)), ("sub", (repl, text)), ("subn", (repl, text))):
        fresh = lazy_re(pattern, flags)
        got, want = getattr(fresh, method)(*args), getattr(real, method)(*args)
        if isinstance(want, re.Match) or want is None:
            assert (got and got.span(), got and got.groupdict()) == (want and want.span(), want and want.groupdict())
        else:
            assert got == want, method
    assert [m.span() for m in lazy_re(pattern, flags).finditer(text)] == [m.span() for m in real.finditer(text)]
    assert (lazy.groups, dict(lazy.groupindex), lazy.flags) == (real.groups, dict(real.groupindex), real.flags)
    assert lazy.compiled is real  # re's own cache: the same compiled pattern
    # after the first use, the compiled pattern's own methods answer directly
    assert lazy.search == real.search
    assert copy.deepcopy(lazy) is lazy and copy.copy(lazy) is lazy


def test_a_bad_pattern_fails_where_it_is_used():
    broken = lazy_re(r"(unclosed")
    with pytest.raises(re.error):
        broken.search("text")
    with pytest.raises(AttributeError):
        broken.no_such_method  # noqa: B018 - not a pattern's attribute: no compilation, no answer


def test_the_message_tables_are_not_compiled_by_importing_the_parsers_and_rules():
    """A healthy run classifies no message line: importing everything must not compile the
    classifier's patterns (some 60, a third of what every start used to compile)."""
    code = (
        "from wsgidoctor import areas\n"
        "areas.load_rules(); areas.parsers(); areas.builtin_probes()\n"
        "from wsgidoctor.messages import signatures\n"
        "print(sum(et.pattern._compiled is not None for et in signatures.EVENT_TYPES if et.pattern is not None),"
        " sum(et.pattern is not None for et in signatures.EVENT_TYPES))\n"
        "from wsgidoctor.messages.lines import parse_line\n"
        "print(signatures.classify(parse_line('[Tue Jan 02 10:00:00 2024] [error] Fatal Python error: "
        "init_fs_encoding'))[0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    compiled, total = int(out[0]), int(out[1])
    assert total > 40 and compiled == 0
    assert out[2] == "fatal-python-error"


def test_the_package_is_imported_without_a_setuptools_import_finder():
    """`pip install -e .` must give a plain path entry (pyproject's package-dir): setuptools'
    editable finder imports pathlib, importlib.util and urllib in every Python start of the venv."""
    code = "import sys, wsgidoctor; print([getattr(f, '__module__', type(f).__module__) for f in sys.meta_path])"
    finders = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "__editable__" not in finders
