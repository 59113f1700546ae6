"""Throughput and memory of the streaming error-log analysis.

Generates a large Apache error log in a temporary directory (default 1 GiB): request noise -
application tracebacks and warnings on [wsgi:error], missing files, TLS and proxy messages - with
about one line in a hundred an event the analysis must catch (denied clients, daemon timeouts,
import errors, crashes) and a start-up with a Python path-configuration dump at the end. Then
analyses it in a fresh process, as ``wsgidoctor analyze`` does, and prints the throughput (MB/s)
and the peak resident memory of that process, and beside it searches for the same needles over the
same file (the speed of merely finding the candidate lines): ``grep -F`` (how the analysis used to
search), ``grep -E`` and ``rg -F``, and ``rg -e`` with the analysis' own expression (ripgrep when
installed, else ``grep -E``: the searchers it uses). The
analysis is measured with each searcher installed, the default (the first) first. Targets: 500 MB/s,
under 100 MB peak.

    python benchmarks/bench_analyze.py [--size-mb 1024] [--log existing.log] [--keep] [--runs N]

The file is read right after being written, so it is usually in the page cache: the figure is
the analysis' own speed, not the disk's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

TS = "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026]"
NOISE = [
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}] Traceback (most recent call last):",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}]   File \"/srv/shop/views.py\", line {c}, in checkout",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}]     from shop.models import Basket",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}] KeyError: 'basket'",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}] WARNING:django.request:Not Found: /robots.txt",
    "{ts} [core:info] [pid {p}:tid 1400000{t}] [client 10.0.{a}.{b}:5{c}] AH00128: File does not exist: /var/www/html/favicon.ico",
    "{ts} [ssl:info] [pid {p}:tid 1400000{t}] [client 10.0.{a}.{b}:5{c}] AH01964: Connection to child {a} established (server shop.example.org:443)",
    "{ts} [proxy_http:error] [pid {p}:tid 1400000{t}] (70007)The timeout specified has expired: [client 10.0.{a}.{b}:5{c}] AH01102: error reading status line from remote server 127.0.0.1:8080",
    "{ts} [mpm_event:debug] [pid {p}:tid 1400000{t}] event.c(2315): AH02471: start_threads: Using epoll (wakeable)",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}] /srv/venv/lib/python3.11/site-packages/django/db/models/fields/__init__.py:1595: RuntimeWarning: DateTimeField received a naive datetime",
]
EVENTS = [
    "{ts} [authz_core:error] [pid {p}:tid 1400000{t}] [client 10.0.{a}.{b}:5{c}] AH01630: client denied by server configuration: /srv/shop/.git",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [client 10.0.{a}.{b}:5{c}] Timeout when reading response headers from daemon process 'shop': /srv/shop/shop.wsgi",
    "{ts} [wsgi:error] [pid {p}:tid 1400000{t}] [remote 10.0.{a}.{b}:5{c}] ModuleNotFoundError: No module named 'stripe'",
    "{ts} [core:notice] [pid 1000:tid 1000] AH00052: child pid {p} exit signal Segmentation fault (11)",
]
STARTUP = """{ts} [mpm_event:notice] [pid 1000:tid 1000] AH00493: SIGUSR1 received.  Doing graceful restart
{ts} [mpm_event:notice] [pid 1000:tid 1000] AH00489: Apache/2.4.71 (Debian) mod_wsgi/4.9.4 Python/3.11 configured -- resuming normal operations
{ts} [core:notice] [pid 1000:tid 1000] AH00094: Command line: '/usr/sbin/apache2'
{ts} [wsgi:warn] [pid 1001:tid 1001] (2)No such file or directory: mod_wsgi (pid=1001): Unable to stat Python home /srv/venv-old. Python interpreter may not be able to be initialized correctly. Verify the supplied path and access permissions for whole of the path.
Python path configuration:
  PYTHONHOME = '/srv/venv-old'
  program name = 'python3'
  sys.prefix = '/srv/venv-old'
Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding
ModuleNotFoundError: No module named 'encodings'
"""


def make_block(target: int, seed: int = 1) -> bytes:
    """About ``target`` bytes of log lines: noise with one event line in a hundred."""
    rnd = random.Random(seed)
    out, size, i = [], 0, 0
    while size < target:
        i += 1
        template = rnd.choice(EVENTS) if i % 100 == 0 else NOISE[i % len(NOISE)]
        line = template.format(ts=TS.format(s=i % 60, us=i % 1000000), p=1000 + i % 50, t=i % 97,
                               a=i % 250, b=i % 13, c=i % 9999) + "\n"
        out.append(line)
        size += len(line)
    return "".join(out).encode()


def generate(path: str, size: int) -> int:
    """Write a log of about ``size`` bytes, ending with a start-up; returns its size."""
    block = make_block(8 << 20)
    with open(path, "wb") as fh:
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
        fh.write(STARTUP.format(ts=TS.format(s=59, us=0)).encode())
    return os.path.getsize(path)


_CHILD = """
import json, resource, sys, time
from wsgidoctor.errorlog import prefilter, scan_file
prefilter.ENGINES = (sys.argv[2],)
def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
start, cpu, kids = time.perf_counter(), time.process_time(), children_cpu()
facts = scan_file(sys.argv[1])
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu + children_cpu() - kids  # grep's share included
print(json.dumps({"elapsed": elapsed, "cpu": cpu, "rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "lines": facts["lines_read"], "bytes": facts["bytes_read"],
                  "events": {k: v["count"] for k, v in facts["events"].items()},
                  "banner": (facts["banner"] or {}).get("description"),
                  "home": (facts["path_config"] or {}).get("pythonhome")}))
"""


def _search_seconds(path: str, runs: int, how: str) -> float:
    """Best wall time of one search for the analysis' needles over ``path`` with ``how`` ("grep -F",
    "grep -E", "rg -F" or "rg -e": ripgrep with the analysis' own expression), printing the
    matching lines' count; 0 when that searcher is missing."""
    from wsgidoctor.errorlog.prefilter import alternation, factored
    from wsgidoctor.messages.signatures import NEEDLES

    tool = shutil.which(how.split()[0])
    if not tool:
        return 0.0
    argv: list = [tool, "-c", "-a"]
    if how == "grep -E":
        argv += ["-E", "-e", alternation(NEEDLES)]
    elif how == "rg -e":
        argv += ["-e", factored(NEEDLES)]
    else:
        argv += ["-F"] + [arg for needle in NEEDLES for arg in ("-e", needle)]
    if how.startswith("rg"):
        argv += ["--no-config", "--encoding", "none"]
    best = 0.0
    for _ in range(max(1, runs)):
        t = time.perf_counter()
        # Not to /dev/null: GNU grep stops at the first match when its output goes nowhere.
        done = subprocess.run([*argv, path], stdout=subprocess.PIPE, env={"LC_ALL": "C"})
        took = time.perf_counter() - t
        if done.returncode not in (0, 1):
            return 0.0
        best = took if not best else min(best, took)
    return best


def _analyse(path: str, runs: int, engine: str) -> dict:
    """The best of ``runs`` analyses of ``path`` in a fresh process searching with ``engine``."""
    best = None
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _CHILD, path, engine], capture_output=True, text=True,
                             check=True)
        result = json.loads(out.stdout)
        if best is None or result["elapsed"] < best["elapsed"]:
            best = result
    assert best is not None
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the generated log (MiB)")
    parser.add_argument("--log", help="analyse this existing log instead of generating one")
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--runs", type=int, default=1, help="analyse this many times, report the best")
    args = parser.parse_args()
    tmp = None
    if args.log:
        path = args.log
    else:
        tmp = tempfile.mkdtemp(prefix="wsgidoctor-bench-")
        path = os.path.join(tmp, "error.log")
        t = time.perf_counter()
        generate(path, args.size_mb << 20)
        print(f"generated {os.path.getsize(path) / 1e6:.0f} MB in {time.perf_counter() - t:.1f} s: {path}")
    try:
        from wsgidoctor.errorlog.prefilter import ENGINES

        engines = [e for e in ENGINES if shutil.which(e)] or ["none"]
        results = {engine: _analyse(path, args.runs, engine) for engine in engines}
        searches = {how: _search_seconds(path, args.runs, how) for how in ("grep -F", "grep -E", "rg -F", "rg -e")}
        first = results[engines[0]]
        mb = first["bytes"] / 1e6
        for engine, best in results.items():
            label = "analysed" if engine == engines[0] else "    with"
            print(f"{label} {mb:.0f} MB, {best['lines']} lines in {best['elapsed']:.2f} s searching with "
                  f"{engine}: {mb / best['elapsed']:.0f} MB/s, {best['lines'] / best['elapsed'] / 1e6:.2f} M lines/s "
                  f"({mb / best['cpu']:.0f} MB/s of CPU time, grep's included; peak RSS "
                  f"{best['rss_kib'] / 1024:.1f} MB)")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; target: at least 500 MB/s, "
              f"under 100 MB peak")
        for how, seconds in searches.items():
            if seconds:
                ratios = ", ".join(f"analysis with {e} / {how}: {(mb / results[e]['elapsed']) / (mb / seconds):.2f}x"
                                   for e in engines)
                print(f"{how} of the same needles: {mb / seconds:.0f} MB/s; {ratios}")
        print(f"peak RSS of the analysing process: {first['rss_kib'] / 1024:.1f} MB")
        print(f"events: {first['events']}")
        print(f"last banner: {first['banner']}; Python home in the last dump: {first['home']}")
        if any(r["events"] != first["events"] or r["lines"] != first["lines"] for r in results.values()):
            print("DIFFERENT RESULTS between searchers")
            return 1
    finally:
        if tmp and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
