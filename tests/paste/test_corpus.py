"""Every real paste of fixtures/corpus gives the facts, segment kinds and finding ids that
fixtures/corpus/expected.json records for it. The expectations were decided from each paste's
text and its SOURCES.md entry (the thread's resolution), not from wsgidoctor's output."""

from __future__ import annotations

import pytest

from tests.paste.corpus_support import (
    CORPUS, EXPECTED, analyse, fact_mismatches, finding_ids, segment_kinds)

PASTES = sorted(EXPECTED)


def test_every_paste_in_the_corpus_has_expectations():
    on_disk = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.txt"))
    assert on_disk == PASTES


@pytest.mark.parametrize("name", PASTES, ids=PASTES)
def test_paste_gives_its_facts_and_segment_kinds(name):
    data = (CORPUS / name).read_bytes()
    expected = EXPECTED[name]
    assert segment_kinds(data) == set(expected["kinds"])
    assert fact_mismatches(analyse(data, name), expected["facts"]) == []


@pytest.mark.parametrize("name", PASTES, ids=PASTES)
def test_paste_gives_its_finding_ids(name):
    data = (CORPUS / name).read_bytes()
    assert finding_ids(analyse(data, name)) == set(EXPECTED[name]["findings"])
