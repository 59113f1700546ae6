"""Run every benchmark and print its figures. `--quick` uses small sizes: CI's smoke check.

No thresholds are asserted: the figures are printed for people (and the README). A benchmark
that crashes makes this exit non-zero.

    python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

#: benchmark script -> (full-run arguments, quick arguments)
BENCHMARKS = {
    "bench_report.py": ([], ["--runs", "3"]),
    "bench_startup.py": ([], ["--runs", "3"]),
    "bench_linkage.py": ([], ["--runs", "5"]),
    "bench_hosting.py": ([], ["--runs", "5"]),
    "bench_config.py": ([], ["--vhosts", "200"]),
    "bench_analyze.py": ([], ["--size-mb", "64"]),
    "bench_live.py": ([], ["--runs", "2"]),
    "bench_pytest_plugin.py": ([], ["--runs", "2"]),
    "bench_redact.py": ([], ["--size-mb", "2"]),
    "bench_fleet.py": ([], ["--hosts", "20", "--runs", "1"]),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes and few runs (CI smoke check)")
    args = ap.parse_args()
    failed = []
    for script, (full, quick) in BENCHMARKS.items():
        path = os.path.join(HERE, script)
        if not os.path.exists(path):
            continue
        print(f"== {script}", flush=True)
        start = time.monotonic()
        res = subprocess.run([sys.executable, path, *(quick if args.quick else full)], timeout=900)
        print(f"   ({time.monotonic() - start:.1f} s, exit {res.returncode})", flush=True)
        if res.returncode != 0:
            failed.append(script)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
