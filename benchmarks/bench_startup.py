"""Fixed start-up costs: the interpreter, `wsgidoctor --version`, and importing the CLI and each area.

Every figure comes from a fresh interpreter (medians of several), so nothing is already imported.
An area's figure is what importing its probe, parser and rule modules (wsgidoctor/areas.py) adds
once the CLI and the core are imported: the price of that report section's code before any of
it runs. CPU time is printed beside wall time because the machine may be shared. Target:
`wsgidoctor --version` < 80 ms; `import wsgidoctor` stays a few milliseconds.

    python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _util import median_wall  # noqa: E402

#: Run in a fresh interpreter: import ``before`` (not timed), then time importing ``modules``.
_TIMER = """
import sys, time
before, modules = sys.argv[1], sys.argv[2]
for name in filter(None, before.split(",")):
    __import__(name)
wall, cpu = time.perf_counter(), time.process_time()
for name in filter(None, modules.split(",")):
    __import__(name)
print(time.perf_counter() - wall, time.process_time() - cpu)
"""

#: What every verb imports before it does anything (argument parsing, the verbs, the registry).
CLI = ("wsgidoctor.cli.main", "wsgidoctor.cli.verbs", "wsgidoctor.areas", "wsgidoctor.core.pipeline")


def import_time(modules: list[str], before: tuple[str, ...] = (), runs: int = 7) -> tuple[float, float]:
    """Median wall and CPU seconds of importing ``modules`` in a fresh interpreter."""
    walls, cpus = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _TIMER, ",".join(before), ",".join(modules)],
                             capture_output=True, text=True, check=True).stdout.split()
        walls.append(float(out[0]))
        cpus.append(float(out[1]))
    return statistics.median(walls), statistics.median(cpus)


def area_modules() -> dict[str, list[str]]:
    """Each area's probe, parser and rule modules, by area, in report order."""
    from wsgidoctor import areas

    found: dict[str, list[str]] = {}
    for name in (*areas.PROBE_MODULES, *areas.PARSER_MODULES, *areas.RULE_MODULES):
        area = name.split(".")[0] if "." in name else name
        found.setdefault(area, []).append(f"wsgidoctor.{name}")
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    exe = os.path.join(os.path.dirname(sys.executable), "wsgidoctor")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "wsgidoctor"]

    def row(label: str, wall: float, cpu: float = float("nan"), note: str = "") -> None:
        cpu_text = "" if cpu != cpu else f"   cpu {cpu * 1000:6.1f} ms"
        print(f"{label:40s} wall {wall * 1000:6.1f} ms{cpu_text}{note}")

    row("python -c pass (this venv)", median_wall([sys.executable, "-c", "pass"], runs=max(args.runs, 15)))
    row("wsgidoctor --version", median_wall([*cmd, "--version"], runs=max(args.runs, 15)),
        note="   (target < 80 ms)")
    row("import wsgidoctor", *import_time(["wsgidoctor"], runs=args.runs))
    row("import the CLI (main, verbs, areas)", *import_time(list(CLI), runs=args.runs))
    every: list[str] = []
    for area, modules in area_modules().items():
        every.extend(modules)
        row(f"  + area {area} ({len(modules)} modules)", *import_time(modules, before=CLI, runs=args.runs))
    row("  + every area", *import_time(every, before=CLI, runs=args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
