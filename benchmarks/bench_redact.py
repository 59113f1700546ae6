"""Redaction speed: a real report as `wsgidoctor report --json` redacts it, and a report with a big error log.

1. A real report (fixtures/redaction/debian-local-report.json: `report --json --no-redact` of a stock
   Debian Apache), in a fresh interpreter each run as the CLI does: the import of the redaction
   modules (after what the CLI has already imported) and the first ``redact_report`` (cold caches),
   in CPU milliseconds, medians of ``--fresh`` runs; also the warm figure. Target: import + first
   run under 15 ms.
2. The planted-secret report of the test suite (tests/redaction/test_redact_planted.py) with a
   generated Apache error log of ``--size-mb`` (request noise, one line in fifty carrying a
   credential URL, an Authorization header or a token), redacted with the default rules and with
   ``hosts=True, users=True``. Prints MB/s of raw text redacted.

    python benchmarks/bench_redact.py [--fresh 15] [--size-mb 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

#: Run in a fresh interpreter: what the CLI has imported before it redacts, then the redaction.
FRESH = r"""
import json, sys, time
from tests.redaction.golden import report_from_saved
from pathlib import Path
import wsgidoctor.core.model, wsgidoctor.core.lifetime, wsgidoctor.render.json
report = report_from_saved(Path(sys.argv[1]))
c0, w0 = time.process_time(), time.perf_counter()
from wsgidoctor.redaction.redact import Identity, redact_report
c1, w1 = time.process_time(), time.perf_counter()
redact_report(report, identity=Identity())
c2, w2 = time.process_time(), time.perf_counter()
warm = []
for _ in range(5):
    c = time.process_time()
    redact_report(report, identity=Identity())
    warm.append(time.process_time() - c)
print(json.dumps({"import_cpu": c1 - c0, "import_wall": w1 - w0, "first_cpu": c2 - c1, "first_wall": w2 - w1,
                  "warm_cpu": min(warm)}))
"""


def real_report(runs: int) -> None:
    path = os.path.join(ROOT, "fixtures", "redaction", "debian-local-report.json")
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", FRESH, path], cwd=ROOT, capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout))
    med = {k: statistics.median(s[k] for s in samples) * 1000 for k in samples[0]}
    size = os.path.getsize(path) / 1024
    print(f"real report ({size:.0f} KB of JSON), fresh interpreter, medians of {runs}:")
    print(f"  import      {med['import_cpu']:6.1f} ms CPU  {med['import_wall']:6.1f} ms wall")
    print(f"  first run   {med['first_cpu']:6.1f} ms CPU  {med['first_wall']:6.1f} ms wall")
    print(f"  together    {med['import_cpu'] + med['first_cpu']:6.1f} ms CPU  "
          f"{med['import_wall'] + med['first_wall']:6.1f} ms wall   (target < 15 ms)")
    print(f"  warm run    {med['warm_cpu']:6.1f} ms CPU (best of 5 in one process)")


def big_log(size_mb: float, runs: int) -> None:
    from tests.redaction.golden import error_log
    from tests.redaction.test_redact_planted import planted_report
    from wsgidoctor.core.model import RawOutput
    from wsgidoctor.redaction.redact import Identity, redact_report

    report = planted_report()
    report.raw.append(RawOutput("errorlog", "/var/log/apache2/error.log", error_log(int(size_mb * 2**20))))
    size = sum(len(r.text) for r in report.raw) / 2**20
    print(f"report with an error log: {size:.1f} MB of raw text, {len(report.findings)} findings")
    for label, kwargs in (("secrets only", {}), ("secrets + hosts + users", {"hosts": True, "users": True})):
        times = []
        for _ in range(runs):
            start = time.process_time()
            out = redact_report(report, identity=Identity(), **kwargs)
            times.append(time.process_time() - start)
        t = statistics.median(times)
        print(f"  {label:26s} {t:6.2f} s CPU  {size / t:6.1f} MB/s  ({out.redaction['replacements']} replacements)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fresh", type=int, default=15, help="fresh-interpreter runs for the real report")
    ap.add_argument("--size-mb", type=float, default=16)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    real_report(args.fresh)
    if args.size_mb > 0:
        big_log(args.size_mb, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
