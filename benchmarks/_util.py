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
