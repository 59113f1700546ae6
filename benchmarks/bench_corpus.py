"""How right the paste reader is on the real pastes of fixtures/corpus (expected.json).

Prints: % of expected facts right, % of segment kinds right, % of failure pastes diagnosed with the
right finding id(s), and the time per paste. Exit 1 when a paste raises (not when a figure is low).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.paste.corpus_support import (  # noqa: E402
    CORPUS, EXPECTED, analyse, fact_mismatches, finding_ids, segment_kinds)


def main() -> int:
    facts_total = facts_right = kinds_right = failures = diagnosed = exact = nothing = 0
    started = time.perf_counter()
    for name, expected in sorted(EXPECTED.items()):
        data = (CORPUS / name).read_bytes()
        report = analyse(data, name)
        nothing += report is None
        n = len(expected["facts"])
        facts_total += n
        facts_right += n - len(fact_mismatches(report, expected["facts"]))
        kinds_right += segment_kinds(data) == set(expected["kinds"])
        got = finding_ids(report)
        exact += got == set(expected["findings"])
        if expected["failure"]:
            failures += 1
            diagnosed += set(expected["findings"]) <= got
    elapsed = time.perf_counter() - started
    pastes = len(EXPECTED)
    print(f"pastes: {pastes}  (failure pastes: {failures})")
    print(f"facts right: {facts_right}/{facts_total} = {100 * facts_right / facts_total:.1f}%")
    print(f"segment kinds right: {kinds_right}/{pastes} = {100 * kinds_right / pastes:.1f}%")
    print(f"failure pastes diagnosed with the right id(s): {diagnosed}/{failures} = {100 * diagnosed / failures:.1f}%")
    print(f"finding ids exactly as expected: {exact}/{pastes} = {100 * exact / pastes:.1f}%")
    print(f"'nothing to analyse': {nothing}/{pastes}")
    print(f"time: {1000 * elapsed / pastes:.1f} ms per paste (analyze, whole report)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
