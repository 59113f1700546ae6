"""`wsgidoctor fleet` over many hosts' reports: how long reading and rendering takes.

Makes N report files (default 200) from wsgidoctor's own reports of real pasted outputs
(fixtures/corpus), each a copy of one of them with its own host name, in a temporary directory,
then times `wsgidoctor fleet DIR` in text, JSON, Markdown and JUnit (median of --runs runs), and
prints the sizes of what it wrote. Also prints the size of `report --markdown` for this machine.

    python benchmarks/bench_fleet.py [--hosts 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _util import median_wall  # noqa: E402

from tests.fleet.conftest import PASTES, analysed  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hosts", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    reports = [analysed(h) for h in PASTES]
    tmp = tempfile.mkdtemp(prefix="wsgidoctor-bench-fleet-")
    try:
        for i in range(args.hosts):
            with open(os.path.join(tmp, f"web{i:03d}.json"), "w") as fh:
                json.dump(reports[i % len(reports)], fh)
        size = sum(os.path.getsize(os.path.join(tmp, n)) for n in os.listdir(tmp))
        print(f"{args.hosts} reports, {size / 1e6:.1f} MB in all")
        for fmt in ("--text", "--json", "--markdown", "--junit"):
            argv = [sys.executable, "-m", "wsgidoctor", "fleet", fmt, tmp, "--fail-on", "never"]
            seconds = median_wall(argv, runs=args.runs, warmup=1)
            out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
            print(f"fleet {fmt:<10} {seconds * 1000:7.0f} ms  ({len(out):,} characters)")
        md = subprocess.run([sys.executable, "-m", "wsgidoctor", "report", "--markdown"], capture_output=True,
                            text=True, timeout=300).stdout
        print(f"report --markdown of this machine: {len(md):,} characters (limit 65,536)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
