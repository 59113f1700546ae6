"""Small helpers shared by the benchmark scripts: medians of wall-clock runs."""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import Sequence


def median_wall(argv: Sequence[str], runs: int = 15, warmup: int = 2, **kwargs) -> float:
    """Median wall time in seconds of running ``argv`` (output discarded)."""
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def side_by_side(commands: dict[str, Sequence[str]], runs: int = 9, warmup: int = 1) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds (user + system, children included) of each command.

    The commands take turns, run by run, so a change in the machine's load hits them alike.
    """
    import resource

    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if i >= warmup:
                walls[name].append(wall)
                cpus[name].append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in commands}
