"""What the pytest plugin costs: in runs that do not use it, and in runs that do.

Prints medians of wall-clock time for
- a pytest run of one trivial test with the plugin loaded vs blocked (``-p no:wsgidoctor``):
  the plugin loads in every pytest run of an environment where wsgidoctor is installed, so this
  should be within noise (target: under 20 ms);
- a run whose one test uses ``wsgidoctor_report`` (the report, built once per session);
- a run whose one test uses ``wsgidoctor_server`` (report + throwaway server start and stop),
  on this machine's Apache (``--wsgidoctor-config /etc/apache2/apache2.conf`` by default).

    python benchmarks/bench_pytest_plugin.py [--runs N] [--config FILE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _util import median_wall  # noqa: E402

TESTS = {
    "plain": "def test_plain():\n    assert True\n",
    "report": "def test_report(wsgidoctor_report):\n    assert wsgidoctor_report.facts\n",
    "server": "def test_server(wsgidoctor_server):\n    assert wsgidoctor_server.probe()['environ']\n",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--config", default="/etc/apache2/apache2.conf")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="wsgidoctor-bench-pytest-")
    try:
        for name, body in TESTS.items():
            with open(os.path.join(work, f"test_{name}.py"), "w") as fh:
                fh.write(body)
        base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                "-p", "no:hypothesispytest", "--rootdir", work]

        def timed(*extra: str, runs: int = args.runs) -> float:
            return median_wall([*base, *extra], runs=runs, warmup=1, cwd=work)

        plain = os.path.join(work, "test_plain.py")
        # Alternate the two so that both see the same machine load.
        pairs = [(timed(plain, runs=1), timed(plain, "-p", "no:wsgidoctor", runs=1))
                 for _ in range(max(args.runs, 15))]
        with_plugin = statistics.median(a for a, _ in pairs)
        without = statistics.median(b for _, b in pairs)
        print(f"trivial test, plugin loaded:   {with_plugin * 1000:7.0f} ms (median of {len(pairs)} alternated pairs)")
        print(f"trivial test, plugin blocked:  {without * 1000:7.0f} ms")
        overhead = statistics.median(a - b for a, b in pairs)
        print(f"plugin overhead when unused:   {overhead * 1000:7.0f} ms (median of the pairwise differences)")
        report = timed(os.path.join(work, "test_report.py"), "--wsgidoctor-config", args.config)
        print(f"one test using the report:     {report * 1000:7.0f} ms "
              f"(report: ~{(report - with_plugin) * 1000:.0f} ms)")
        server = timed(os.path.join(work, "test_server.py"), "--wsgidoctor-config", args.config)
        print(f"one test using the live server:{server * 1000:7.0f} ms "
              f"(server start+stop: ~{(server - report) * 1000:.0f} ms)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
