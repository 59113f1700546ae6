"""Benchmark: the hosting program's start-up plus the probe application in three application groups.

One emulated embedded process: load the library, start Python as mod_wsgi does, serve the probe
in the main interpreter and in two sub-interpreters (three requests each from native threads in
the sub-interpreters, as a threaded MPM would). Prints the median and spread of the program's
wall time (ms) and the part of it each stage took; the target is a median under 150 ms.
Figures, not assertions.

    /work/venv/bin/python benchmarks/bench_hosting.py [LIBPYTHON ...] [--runs N] [--api legacy|pyconfig|auto]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)
TARGET_MS = 150.0


def spec_for(lib: str, api: str) -> bytes:
    path = os.path.join(ROOT, "wsgidoctor", "live", "probe_app.wsgi")
    with open(path, encoding="utf-8") as fh:
        source = fh.read()

    def run(group: str, threaded: bool) -> dict:
        return {"application_group": group, "script": path, "source": source, "requests": 3 if threaded else 1,
                "main_thread": not threaded, "wsgi": {"multithread": threaded, "multiprocess": True}}

    return json.dumps({"schema": 1, "libpython": lib, "init_api": api,
                       "env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C"},
                       "runs": [run("", False), run("bench.example|/a", True), run("bench.example|/b", True)]}).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libraries", nargs="*", default=["/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--api", default="auto")
    args = parser.parse_args()

    from wsgidoctor.python.hosting.program import find_program

    program = find_program().path
    if program is None:
        build = os.path.join(ROOT, "native", "build_host.py")
        target = tempfile.mkdtemp(prefix="bench-hosting-")
        subprocess.run([sys.executable, build, target], check=True, capture_output=True)
        program = os.path.join(target, "wsgidoctor-host")
    print(f"program: {program}")
    print(f"{'library':<58} {'median':>8} {'min':>7} {'max':>7}   stages (median ms)")
    failed = False
    for lib in args.libraries:
        if not os.path.exists(lib):
            print(f"{lib:<58} (missing)")
            continue
        spec = spec_for(lib, args.api)
        walls, stages = [], {"load": [], "init": [], "interpreters+requests": []}
        for i in range(args.runs + 2):
            start = time.perf_counter()
            out = subprocess.run([program], input=spec, capture_output=True)
            wall = (time.perf_counter() - start) * 1000
            record = json.loads(out.stdout)
            msgs = record["processes"][0]["messages"]
            answered = sum(1 for m in msgs if m.get("kind") == "response" and str(m.get("status")).startswith("200"))
            if out.returncode != 0 or answered != 7:
                print(f"{lib}: run failed ({out.returncode}, {answered}/7 answers)")
                failed = True
                break
            if i < 2:
                continue  # warm-up: page cache
            walls.append(wall)
            by_kind = {m["kind"]: m for m in msgs if m["kind"] != "interpreter"}
            stages["load"].append(by_kind["loaded"]["ms"])
            stages["init"].append(by_kind["initialised"]["ms"])
            stages["interpreters+requests"].append(by_kind["done"]["ms"] - by_kind["loaded"]["ms"]
                                                   - by_kind["initialised"]["ms"])
        if not walls:
            continue
        med = statistics.median(walls)
        parts = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in stages.items())
        flag = "ok" if med < TARGET_MS else "OVER TARGET"
        print(f"{lib:<58} {med:8.1f} {min(walls):7.1f} {max(walls):7.1f}   {parts}   [{flag} < {TARGET_MS:.0f}]")
    return 1 if failed else 0  # a failed run, not a slow one, fails the smoke check


if __name__ == "__main__":
    sys.exit(main())
