"""Hostile input for every registered parser: no exception escapes, every call ends.

Every parser in ``wsgidoctor.core.parsing.registry()`` - whatever is registered when the tests run, so
new parsers are covered without touching this file - gets the same generated inputs through
``parse(text)`` and ``detect(clean_lines(text))``: random bytes (decoded as probes and ``analyze``
decode them), random text, real corpus files mutated (cut, spliced, duplicated, re-encoded,
decorated), corpus lines shuffled together, and a few huge inputs (10 MB lines, 200,000 lines).
Each call runs under a generous wall-clock guard; the guard is a hang detector, not a speed test.

``WSGIDOCTOR_FUZZ_EXAMPLES`` (default 10000) is the number of generated inputs each parser gets;
when it is set the inputs are random, otherwise they are derandomized so CI runs are repeatable.
"""

from __future__ import annotations

import json
import os
import random
import string
from collections import Counter
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import EXPLORE, SEED_LINES, SEEDS, TOKENS, Hung, time_limit
from wsgidoctor.core.parsing import Parser
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.core.textnorm import clean_lines, decode, looks_binary

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES") or 10_000)
#: How the generated inputs are shared between the strategies (sums to 1).
SHARES = {"bytes": 0.2, "text": 0.2, "mutated": 0.45, "spliced": 0.15}
#: Seconds one parse() or detect() call may take on a small input, and on a 10 MB one.
CALL_LIMIT = 10.0
HUGE_CALL_LIMIT = 60.0

PARSERS: list[tuple[str, Parser]] = sorted(registry().items())
CALLS: Counter[str] = Counter()

def check_parser(kind: str, parser: Parser, text: str, lines: list[str], limit: float) -> None:
    """One input through one parser: a dict of JSON-compatible facts, a confidence in [0, 1]."""
    with time_limit(limit, f"{kind}.parse"):
        result = parser.parse(text)
    assert isinstance(result, dict), f"{kind}.parse returned {type(result).__name__}"
    json.dumps(result)  # facts are JSON: a set or an object here would break the report
    with time_limit(limit, f"{kind}.detect"):
        score = parser.detect(lines)
    assert 0.0 <= float(score) <= 1.0, f"{kind}.detect returned {score!r}"
    CALLS[kind] += 1


def feed(text: str, limit: float = CALL_LIMIT) -> None:
    """Give ``text`` to every registered parser."""
    with time_limit(limit, "clean_lines"):
        lines = clean_lines(text)
    for kind, parser in PARSERS:
        check_parser(kind, parser, text, lines, limit)


def as_text(data: bytes, how: int) -> str:
    """Decode bytes the ways text reaches a parser: probes and commands, replacement, raw latin-1.

    (Lone surrogates, which a JSON report can also carry, have a test of their own below.)
    """
    if how == 0:
        return decode(data)
    if how == 1:
        return data.decode("utf-8", "replace")
    return data.decode("latin-1")


def fuzz_settings(share: str) -> settings:
    return settings(max_examples=max(1, round(EXAMPLES * SHARES[share])), deadline=None, database=None,
                    derandomize=not EXPLORE, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much, HealthCheck.large_base_example])


# --- strategies ---------------------------------------------------------------------------------

def _mutations(draw: Callable, blob: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 6), label="mutations")):
        op = draw(st.sampled_from(["cut", "dup", "insert", "token", "flip", "truncate", "swap",
                                        "repeat", "splice", "encode", "decorate"]), label="op")
        n = len(blob)
        i = draw(st.integers(0, n), label="at")
        j = draw(st.integers(i, min(n, i + 400)), label="to")
        if op == "cut":
            blob = blob[:i] + blob[j:]
        elif op == "dup":
            blob = blob[:j] + blob[i:j] * draw(st.integers(1, 20)) + blob[j:]
        elif op == "insert":
            blob = blob[:i] + draw(st.binary(max_size=40)) + blob[i:]
        elif op == "token":
            blob = blob[:i] + draw(st.sampled_from(TOKENS)) + blob[i:]
        elif op == "flip" and n:
            k = min(i, n - 1)
            blob = blob[:k] + bytes([blob[k] ^ draw(st.integers(1, 255))]) + blob[k + 1:]
        elif op == "truncate":
            blob = blob[:i]
        elif op == "swap":
            lines = blob.split(b"\n")
            random.Random(draw(st.integers(0, 2**16))).shuffle(lines)
            blob = b"\n".join(lines)
        elif op == "repeat":
            lines = blob.split(b"\n")
            k = min(i, len(lines) - 1)
            lines[k:k + 1] = [lines[k]] * draw(st.integers(2, 300))
            blob = b"\n".join(lines)
        elif op == "splice":
            other = draw(st.sampled_from(SEEDS))
            blob = blob[:i] + other[draw(st.integers(0, len(other))):]
        elif op == "encode":
            text = blob.decode("utf-8", "replace")
            blob = text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "latin-1", "cp1252", "utf-8-sig"])),
                               "replace")
        elif op == "decorate":
            prefix = draw(st.sampled_from([b"> ", b"    ", b"\t", b"- ", b"Aug 13 08:51:29 host apache2[1]: ",
                                                b"$ ", b"&gt; ", b"| "]))
            blob = b"\n".join(prefix + line for line in blob.split(b"\n"))
    return blob


@st.composite
def mutated_corpus(draw: Callable) -> str:
    blob = _mutations(draw, draw(st.sampled_from(SEEDS), label="seed"))
    return as_text(blob, draw(st.integers(0, 2)))


@st.composite
def spliced_lines(draw: Callable) -> str:
    lines = draw(st.lists(st.sampled_from(SEED_LINES), max_size=40), label="lines")
    noise = draw(st.lists(st.sampled_from(TOKENS), max_size=10), label="noise")
    parts = lines + noise
    random.Random(draw(st.integers(0, 2**16))).shuffle(parts)
    sep = draw(st.sampled_from([b"\n", b"\r\n", b"\r", b" ", b"\n\n", b"\t"]))
    return as_text(sep.join(parts), draw(st.integers(0, 2)))


ANY_CHAR = st.characters(blacklist_categories=("Cs",))  # every character but lone surrogates


# --- the generated inputs -----------------------------------------------------------------------

def test_there_are_parsers_to_fuzz():
    assert len(PARSERS) >= 1, "wsgidoctor.core.parsing.registry() is empty"


@fuzz_settings("bytes")
@given(data=st.binary(max_size=2000), how=st.integers(0, 2))
def test_random_bytes(data, how):
    feed(as_text(data, how))


@fuzz_settings("text")
@given(text=st.text(ANY_CHAR, max_size=1500))
def test_random_text(text):
    feed(text)


@fuzz_settings("mutated")
@given(text=mutated_corpus())
def test_mutated_corpus_files(text):
    feed(text)


@fuzz_settings("spliced")
@given(text=spliced_lines())
def test_corpus_lines_spliced_together(text):
    feed(text)


# --- lone surrogates ------------------------------------------------------------------------------
# A JSON report may carry "\udcff" (a path decoded with surrogateescape and dumped): ``analyze``
# hands such text to the parsers.

SURROGATE_TEXTS = ["\ud800", "x\udcff\n", "\udcc3\udca9 Server version: Apache/2.4.62 (Unix)\n"] + [
    s.decode("utf-8", "surrogateescape") for s in SEEDS[:40:4]]
KNOWN_SURROGATE_BUGS: dict[str, str] = {}


@pytest.mark.parametrize("kind", [pytest.param(kind, marks=[pytest.mark.xfail(
    reason=KNOWN_SURROGATE_BUGS[kind], raises=UnicodeError, strict=False)] if kind in KNOWN_SURROGATE_BUGS else [])
    for kind, _ in PARSERS])
def test_lone_surrogates(kind):
    parser = dict(PARSERS)[kind]
    for text in SURROGATE_TEXTS + [t.replace("\n", "\udcff\n") for t in SURROGATE_TEXTS]:
        check_parser(kind, parser, text, clean_lines(text), CALL_LIMIT)


# --- huge inputs --------------------------------------------------------------------------------

MB10 = 10 * 1024 * 1024


def _random_printable(size: int) -> str:
    alphabet = string.printable.replace("\n", "").encode()
    table = bytes(alphabet[i % len(alphabet)] for i in range(256))
    return random.Random(2026).randbytes(size).translate(table).decode("ascii")


HUGE: dict[str, Callable[[], str]] = {
    "10MB of one letter, no newline": lambda: "A" * MB10,
    "10MB line of corpus text": lambda: (b" ".join(SEED_LINES).decode("latin-1") * 40)[:MB10],
    "10MB line of random printable text": lambda: _random_printable(MB10),
    "200,000 lines of shuffled corpus lines": lambda: "\n".join(
        random.Random(7).choice(SEED_LINES).decode("latin-1") for _ in range(200_000)),
    "1,000,000 blank lines before an httpd -V": lambda: "\n" * 1_000_000 + SEEDS[0].decode("latin-1"),
}
#: (parser kind or "*", huge case) -> the known bug, reported to the owner. The case still runs,
#: with a short guard, as a non-strict xfail: it turns into a pass once the bug is fixed.
KNOWN_SLOW: dict[tuple[str, str], str] = {}


def _huge_cases() -> list:
    out = []
    for case in HUGE:
        for kind, _ in PARSERS:
            bug = KNOWN_SLOW.get((kind, case)) or KNOWN_SLOW.get(("*", case))
            marks = [pytest.mark.xfail(reason=bug, raises=Hung, strict=False)] if bug else []
            out.append(pytest.param(case, kind, marks=marks, id=f"{kind}-{case}"))
    return out


@pytest.fixture(scope="module")
def huge_inputs() -> dict[str, tuple[str, object]]:
    """case -> (text, clean lines or the Hung raised making them); one 10 MB text alive at a time."""
    return {}


@pytest.mark.parametrize("case, kind", _huge_cases())
def test_huge_input(case, kind, huge_inputs):
    known = (kind, case) in KNOWN_SLOW or ("*", case) in KNOWN_SLOW
    limit = 3.0 if known else HUGE_CALL_LIMIT
    if case not in huge_inputs:
        huge_inputs.clear()
        text = HUGE[case]()
        try:
            with time_limit(3.0 if ("*", case) in KNOWN_SLOW else HUGE_CALL_LIMIT, "clean_lines"):
                lines: object = clean_lines(text)
        except Hung as exc:
            lines = exc
        huge_inputs[case] = (text, lines)
    text, lines = huge_inputs[case]
    if isinstance(lines, Hung):
        raise lines  # every parser cleans its input first: no need to wait for each of them
    check_parser(kind, dict(PARSERS)[kind], text, lines, limit)


def test_analyze_guessing_survives_hostile_text():
    """``analyze`` runs every detector on pasted text; binary garbage and huge pastes included."""
    for text in ["", "\x00" * 5000, "\ufffd" * 5000, os.urandom(5000).decode("latin-1"), "A" * MB10,
                 "\n".join(s.decode("latin-1") for s in SEEDS)]:
        with time_limit(HUGE_CALL_LIMIT, "detect_kind"):
            detect_kind(text)
            looks_binary(text)


def test_every_parser_got_the_target_number_of_generated_inputs(request):
    """Runs last: the generated-input tests above must have fed each parser EXAMPLES inputs."""
    names = {item.name.split("[")[0] for item in request.session.items}
    generated = {"test_random_bytes", "test_random_text", "test_mutated_corpus_files",
                 "test_corpus_lines_spliced_together"}
    if not generated <= names or os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("the generated-input tests did not all run in this process")
    target = sum(max(1, round(EXAMPLES * s)) for s in SHARES.values())
    short = {kind: CALLS[kind] for kind, _ in PARSERS if CALLS[kind] < target}
    assert short == {}, f"fewer than {target} generated inputs: {short}"
