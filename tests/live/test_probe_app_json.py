"""The probe application writes its answer as JSON without the json module.

It runs inside real mod_wsgi and inside the hosting program, where importing json (and with it re
and enum) was a third of the emulation's time; its own writer must give exactly what json would.
"""

from __future__ import annotations

import json
import math
import runpy
import subprocess
import sys

from hypothesis import given, settings, strategies as st

from tests.support.hosting_support import PROBE_SCRIPT

APP = runpy.run_path(str(PROBE_SCRIPT))
to_json = APP["to_json"]

#: Text as it comes out of sys.path, environ and file names: controls, quotes, backslashes,
#: non-ASCII, characters outside the BMP and lone surrogates (surrogateescape'd bytes).
TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=40)
PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_any_plain_value_reads_back_as_json_would_write_it(value):
    assert json.loads(to_json(value)) == json.loads(json.dumps(value))


def test_not_a_number_and_infinities_are_written_as_json_writes_them():
    for value in (float("inf"), float("-inf")):
        assert to_json(value) == json.dumps(value)
    assert math.isnan(json.loads(to_json(float("nan"))))


def test_the_real_answer_of_this_interpreter_is_the_same_either_way():
    environ = {"wsgi.version": (1, 0), "wsgi.multithread": True, "SCRIPT_NAME": "/app",
               "PATH_INFO": "/caf\u00e9", "HTTP_HOST": "127.0.0.1", "mod_wsgi.process_group": ""}
    answer = APP["describe"](environ)
    assert json.loads(to_json(answer)) == json.loads(json.dumps(answer))


def test_the_probe_answers_without_importing_json():
    code = ("import sys\napp = {}\n"
            f"exec(compile(open({str(PROBE_SCRIPT)!r}).read(), 'probe', 'exec'), app)\n"
            "body = b''.join(app['application']({'PATH_INFO': '/'}, lambda status, headers: None))\n"
            "sys.stdout.write(repr((any(m in sys.modules for m in ('json', 're')), body[:1])))\n")
    # -S -I: no site, no user paths (nothing else imports json before the probe runs); exec, not
    # runpy, which brings in re and more through pkgutil
    out = subprocess.run([sys.executable, "-S", "-I", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "(False, b'{')"
