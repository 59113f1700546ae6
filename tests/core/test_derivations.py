"""Derivations compute facts from facts without writing into the facts they are given."""

from __future__ import annotations

import copy

import pytest

from wsgidoctor import areas
from wsgidoctor.core.facts import overlay
from wsgidoctor.cli.app import InputFile, gather_analyze
from tests.paste.corpus_support import CORPUS, EXPECTED


def test_overlay_leaves_both_inputs_alone_and_shares_untouched_branches():
    base = {"apache": {"version": "2.4.62", "mpm": {"name": None, "threaded": None}}, "python": {"v": 1}}
    fragment = {"apache": {"mpm": {"name": "event", "threaded": True}}, "mutex": {"default": "sysvsem"}}
    snapshot = copy.deepcopy(base), copy.deepcopy(fragment)
    out = overlay(base, fragment)
    assert (base, fragment) == snapshot
    assert out == {"apache": {"version": "2.4.62", "mpm": {"name": "event", "threaded": True}},
                   "python": {"v": 1}, "mutex": {"default": "sysvsem"}}
    assert out["python"] is base["python"]  # not copied: the fragment does not touch it
    assert overlay({"a": {"b": 1}}, {"a": None}) == {"a": None}  # a non-dict value replaces


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_derivation_writes_into_the_facts_of_a_real_paste(name):
    """Every derivation, run over the facts gathered from each real paste of the corpus (every
    kind of Apache, mutex, config and linkage fact the paste reader finds), leaves those facts as
    they were; run again over its own result, it derives nothing new."""
    gathered = gather_analyze([InputFile(str(CORPUS / name))]).facts  # every corpus paste has something
    before = copy.deepcopy(gathered)
    notes: list[str] = []
    derived = areas.derive_all(gathered, notes)
    assert gathered == before
    assert areas.derive_all(derived) == derived
    assert not [n for n in notes if n.startswith("internal:")]
