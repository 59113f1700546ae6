"""Hostile saved reports through ``analyze --from``: rejected with a message, or diagnosed; never an internal error.

Seeds are real reports (fixtures/reports: ``report --json --live`` of a Debian 12 site with a
daemon and an embedded mount, and ``analyze --json`` of corpus captures), made cheap: arrays cut to
three items, strings to 200 characters, four raw outputs of six lines each. Each generated report is a seed mutated 1-5
times: a value replaced by a hostile one (null, the wrong type, huge numbers and strings, lone
surrogates, nesting up to thousands of levels, wide arrays), two values swapped (types swapped
for real ones), a key deleted or added, a value wrapped in an array or object, an array item
repeated; a few are also cut or spliced as bytes. Each goes through what ``analyze --from``
does: read, validate, re-parse, derive, diagnose, redact, render as JSON and Markdown (and, for
one in a hundred, as text: the terminal renderer costs 0.2 s a report). The outcome must be a report or an :class:`InputError`.

``WSGIDOCTOR_FUZZ_EXAMPLES`` (default 10000) is the number of generated reports; set, it also makes
them random instead of derandomized.
"""

from __future__ import annotations

import copy
import io
import json
import os
import random
import re
from collections import Counter
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from tests.support.fuzzing import EXPLORE
from wsgidoctor.cli.app import MAX_REPORT_BYTES, MAX_REPORT_DEPTH, build_from_json
from wsgidoctor.core.errors import InputError
from wsgidoctor.redaction.redact import Identity, redact_report
from wsgidoctor.render.json import render_json, schema
from wsgidoctor.render.markdown import render_markdown
from wsgidoctor.render.text import render_text

EXAMPLES = int(os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES") or 10_000)
OUTCOMES: Counter[str] = Counter()


def _compact(node: Any) -> Any:
    """The same structure, smaller: arrays cut to 3 items, strings to 200 characters (cheap examples)."""
    if isinstance(node, dict):
        return {k: _compact(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_compact(v) for v in node[:3]]
    if isinstance(node, str):
        return node[:200]
    return node


def _seed(path: str, lines: int = 6) -> dict[str, Any]:
    data = json.loads((FIXTURES / "reports" / path).read_text())
    for raw in data["raw"]:
        raw["text"] = "\n".join(raw["text"].splitlines()[:lines])
    raws = data.pop("raw")
    data = _compact(data)
    data["raw"] = raws[:4]  # four raw outputs (parsers have 10,000 inputs each of their own)
    return data


SEEDS = [_seed("debian12-live.json"), _seed("analyze-corpus.json")]
#: The seeds as JSON text: json.loads copies a seed several times faster than copy.deepcopy.
SEED_TEXTS = [json.dumps(s) for s in SEEDS]


def _nested(depth: int, as_list: bool) -> Any:
    """A value nested ``depth`` levels; from 100 levels on, a placeholder that :func:`_dump` expands
    (Python's own copy and json.dumps would recurse too deeply to build it)."""
    if depth >= 100:
        return f"\x00nest:{'list' if as_list else 'dict'}:{depth}"
    value: Any = None
    for _ in range(depth):
        value = [value] if as_list else {"k": value}
    return value


_PLACEHOLDER = re.compile(r'"\\u0000nest:(list|dict):(\d+)"')


def _dump(doc: Any) -> bytes:
    """``doc`` as JSON bytes, deep nesting placeholders expanded, lone surrogates kept as escapes."""
    text = json.dumps(doc)
    text = _PLACEHOLDER.sub(lambda m: ("[" * int(m.group(2)) + "null" + "]" * int(m.group(2))) if m.group(1) == "list"
                            else ('{"k":' * int(m.group(2)) + "null" + "}" * int(m.group(2))), text)
    return text.encode("utf-8")


HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 2**31, 2**64, -2**63, 10**300, 0.5, -0.0, 1e300, "", " ", "x", "0", "null",
    "1.0", "\x00", "\udcff", "\ud800x", "é" * 3, "\u202e", "A" * 70_000, "%{GLOBAL}", "-D X", "../../etc/passwd",
    "<script>", "`", "```", "|", "\n" * 100, [], {}, [None], [[]], [{}], [1, "a", None], {"": None},
    {"name": None, "args": None}, {"name": "SetEnv", "args": [None, 3]}, {"path": None, "answer": []},
    ["x"] * 3, [None] * 2_000, list(range(300)), {str(i): i for i in range(300)},
    _nested(10, True), _nested(10, False), _nested(MAX_REPORT_DEPTH - 4, True), _nested(MAX_REPORT_DEPTH + 1, False),
    _nested(900, True), _nested(5_000, False),
]
HOSTILE_TEXTS = [json.dumps(v) for v in HOSTILE]





def _children(node: Any) -> int:
    return len(node) if isinstance(node, (dict, list)) else 0


def _child(node: Any, index: int) -> Any:
    """The key (object) or index (array) of ``node``'s child number ``index``."""
    if isinstance(node, dict):
        return next(k for i, k in enumerate(node) if i == index)
    return index


def _pick_path(rnd: random.Random, doc: Any) -> list[Any]:
    """A path to some node of ``doc``: seven in ten under ``facts`` (which the schema leaves open and
    the rules read), one in ten under ``raw``, the rest anywhere; most often a deep one."""
    zone = rnd.randrange(10)
    path: list[Any] = []
    if isinstance(doc, dict) and zone < 8:
        start = "facts" if zone < 7 else "raw"
        if _children(doc.get(start)):
            path = [start]
    node = _get(doc, path)
    while _children(node) and (not path or rnd.randrange(10) > 0):
        key = _child(node, rnd.randrange(_children(node)))
        path.append(key)
        node = node[key]
    return path


def _get(doc: Any, path: list[Any]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(doc: Any, path: list[Any], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def mutate(seed: int) -> bytes:
    """Report number ``seed``: a seed report mutated 1-5 times, as JSON bytes.

    Hypothesis draws only ``seed`` (derandomized: the same 10,000 every run); the mutations come from
    ``random.Random(seed)``, which costs a fraction of thirty Hypothesis draws per report.
    """
    rnd = random.Random(seed)
    doc = json.loads(rnd.choice(SEED_TEXTS))
    for _ in range(rnd.randint(1, 5)):
        op = rnd.choice(["replace", "replace", "replace", "swap", "delete", "add", "wrap", "repeat"])
        path = _pick_path(rnd, doc)
        here = _get(doc, path)
        if op == "replace":
            doc = _set(doc, path, json.loads(rnd.choice(HOSTILE_TEXTS)))
        elif op == "swap":
            other = _pick_path(rnd, doc)
            if other[:len(path)] != path and path[:len(other)] != other:
                there = _get(doc, other)
                doc = _set(doc, other, here)
                doc = _set(doc, path, there)
        elif op == "delete" and path:
            del _get(doc, path[:-1])[path[-1]]
        elif op == "add" and isinstance(here, dict):
            here[rnd.choice(["x", "", "name", "args", "mounts", "_notes", "raw"])] = json.loads(rnd.choice(HOSTILE_TEXTS))
        elif op == "wrap":
            doc = _set(doc, path, [here] if rnd.random() < 0.5 else {"value": here})
        elif op == "repeat" and isinstance(here, list) and here:
            here.extend(here[:1] * rnd.choice([1, 10, 1000]))
    blob = _dump(doc)
    if rnd.randrange(20) == 0:  # one in twenty also damaged as bytes
        i = rnd.randrange(len(blob) + 1)
        blob = blob[:i] + rnd.choice([b"", b"\xff", b"}", b"]]]", b"NaN", b"Infinity", b"1e999", b"\x00",
                                      b'"\\udcff"']) + blob[i + 1:]
    return blob


mutated_reports = st.integers(0, 2**32 - 1).map(mutate)


def analyze_from(blob: bytes, full: bool) -> str:
    """What ``wsgidoctor analyze --from - [--json|--text|--markdown]`` does with ``blob``."""
    try:
        report = build_from_json("-", stdin=io.BytesIO(blob))
    except InputError as exc:
        assert str(exc).startswith("standard input: ") and "\n" not in str(exc)
        return "rejected"
    redacted = redact_report(report, identity=Identity())
    render_json(redacted).encode("utf-8")
    render_markdown(redacted).encode("utf-8")
    if full:  # the terminal renderer (rich) takes 0.2 s a report: one in a hundred
        render_text(redacted, io.StringIO(), verbose=True, color=False, width=100)
    return "diagnosed"


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not EXPLORE, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(blob=mutated_reports, full=st.integers(0, 99).map(lambda n: n == 0))
def test_a_mutated_report_is_rejected_or_diagnosed_never_an_internal_error(blob, full):
    OUTCOMES[analyze_from(blob, full)] += 1


def test_every_mutated_report_was_run_and_both_outcomes_happened(request):
    """Runs after the generated test: it must have run EXAMPLES reports, some rejected, some diagnosed."""
    names = {item.name for item in request.session.items}
    if "test_a_mutated_report_is_rejected_or_diagnosed_never_an_internal_error" not in names \
            or os.environ.get("PYTEST_XDIST_WORKER"):
        pytest.skip("the generated test did not run in this process")
    assert sum(OUTCOMES.values()) >= EXAMPLES
    assert OUTCOMES["rejected"] >= EXAMPLES // 10 and OUTCOMES["diagnosed"] >= EXAMPLES // 10, OUTCOMES


@pytest.mark.parametrize("seed", ["debian12-live.json", "analyze-corpus.json"])
def test_the_real_seed_reports_are_diagnosed_and_fit_the_schema(seed):
    blob = (FIXTURES / "reports" / seed).read_bytes()
    assert analyze_from(blob, full=True) == "diagnosed"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["facts"].setdefault("live", {}).__setitem__("mounts", [None]), None),
    (lambda d: d.__setitem__("raw", 3), "raw: should be an array, not 3"),
    (lambda d: d["facts"]["apache"].__setitem__("mpm", {"name": 3}), "facts.apache.mpm.name: should be a string or null"),
    (lambda d: d["probes"][0].__setitem__("duration_ms", "fast"), "probes[0].duration_ms: should be a number"),
    (lambda d: d["facts"].__setitem__("config", _nested(200, True)), f"nested more than {MAX_REPORT_DEPTH} levels"),
    (lambda d: d["facts"].__setitem__("config", _nested(50_000, True)), "nested too deeply to read"),
    (lambda d: d.__setitem__("schema_version", "2.0"), "report schema '2.0' is not supported"),
    (lambda d: d.pop("findings"), "the key 'findings' is missing"),
])
def test_the_issue_s_examples_are_clear_messages_or_reports(mutate, message):
    doc = copy.deepcopy(SEEDS[0])
    mutate(doc)
    blob = _dump(doc)
    if message is None:
        assert analyze_from(blob, full=True) == "diagnosed"
        return
    with pytest.raises(InputError) as err:
        build_from_json("-", stdin=io.BytesIO(blob))
    assert message in str(err.value)


def test_a_report_too_large_is_refused_by_its_size_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:  # sparse: 77 MiB that take no disk
        fh.truncate(77 * 1024 * 1024)
    with pytest.raises(InputError, match=r"77 MiB; a wsgidoctor JSON report is at most 64 MiB"):
        build_from_json(str(big))
    with pytest.raises(InputError, match=r"more than 64 MiB"):
        build_from_json("-", stdin=io.BytesIO(b" " * (MAX_REPORT_BYTES + 1)))


@pytest.mark.parametrize("text, message", [
    ('{"schema_version": "1.0", "x": NaN}', "NaN is not a JSON number"),
    ('{"schema_version": "1.0", "x": 1e999}', "Infinity is not a JSON number"),
    ('{"schema_version": "1.0", "x": ' + "9" * 5000 + "}", "not a wsgidoctor JSON report"),
    ("[" * 100_000, "not a wsgidoctor JSON report"),
    ('\ufeff{"schema_version": "1.0"}', "the key 'tool' is missing"),  # a BOM is fine; the rest is not
])
def test_numbers_json_does_not_have_and_unreadable_nesting_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        build_from_json("-", stdin=io.BytesIO(text.encode()))


def test_lone_surrogates_in_a_saved_report_are_replaced_not_fatal():
    doc = json.loads(SEED_TEXTS[1])
    doc["notes"].append("half a pair: \udcff")
    doc["raw"][0]["source"] = "\ud800"
    blob = json.dumps(doc).encode()  # json.dumps writes them as \\udcff escapes
    assert analyze_from(blob, full=True) == "diagnosed"
    report = build_from_json("-", stdin=io.BytesIO(blob))
    assert report.raw[0].source == "\ufffd"


def test_our_validator_agrees_with_jsonschema_on_seeds_and_mutants():
    """The small validator is checked against the reference implementation (a test dependency)."""
    jsonschema = pytest.importorskip("jsonschema")
    from wsgidoctor.schema.validate import first_error, nesting_depth

    reference = jsonschema.Draft202012Validator(schema())
    agreed = Counter()

    @settings(max_examples=max(50, EXAMPLES // 20), deadline=None, database=None, derandomize=not EXPLORE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.large_base_example])
    @given(blob=mutated_reports)
    def check(blob):
        try:
            doc = json.loads(blob)
        except (ValueError, RecursionError):
            return
        if nesting_depth(doc) > MAX_REPORT_DEPTH:
            return  # jsonschema recurses; our loader refuses these before validating
        ours = first_error(doc, schema()) is None
        assert ours == reference.is_valid(doc), (first_error(doc, schema()), list(reference.iter_errors(doc))[:1])
        agreed[ours] += 1

    check()
    for seed in SEEDS:
        assert first_error(seed, schema()) is None and reference.is_valid(seed)
    assert agreed[True] and agreed[False]
