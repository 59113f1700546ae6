"""Line edits of the fix registry: bottom-up application, conflicts, new files, one fixer per id."""

from __future__ import annotations

import pytest

from wsgidoctor.core import fixes
from wsgidoctor.core.fixes import Edit, EditConflict, apply_edits, unified_diff


def test_edits_apply_bottom_up_so_earlier_line_numbers_hold() -> None:
    lines = ["a", "b", "c"]
    out = apply_edits(lines, [Edit("f", 1, "a", ("A",)), Edit("f", 2, None, ("inserted",)),
                              Edit("f", 3, "c", ())])
    assert out == ["A", "inserted", "b"]


def test_an_edit_whose_line_changed_is_a_conflict() -> None:
    with pytest.raises(EditConflict):
        apply_edits(["x"], [Edit("f", 1, "y", ("z",))])


def test_a_new_file_diffs_from_dev_null() -> None:
    out = apply_edits(None, [Edit("/etc/x.conf", 1, None, ("[Service]", "PrivateTmp=false"), create=True)])
    assert unified_diff("/etc/x.conf", None, out).startswith("--- /dev/null\n+++ /etc/x.conf\n")


def test_each_finding_id_has_at_most_one_fixer() -> None:
    from wsgidoctor import areas

    areas.load_fixes()
    fid = next(iter(fixes.FIXERS))
    with pytest.raises(fixes.DuplicateFixer):
        fixes.fixer(fid)(lambda facts: [])
    from wsgidoctor.core.catalogue import CATALOG

    assert set(fixes.FIXERS) <= set(CATALOG)
