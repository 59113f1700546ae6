"""Benchmark: resolving libpython in pure Python for three environments vs running ldd twice.

The manual procedure runs ``ldd mod_wsgi.so`` with and without LD_LIBRARY_PATH. wsgidoctor
answers for Apache's environment, the user's and an empty one, reading files only. This prints
medians (ms) of both; the target is that the pure-Python answer for all three environments is
cheaper than the two ldd runs. Figures, not assertions.

    /work/venv/bin/python benchmarks/bench_linkage.py [MODULE] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="?", default="/usr/lib/apache2/modules/mod_wsgi.so")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--llp", default="/usr/local/lib:/opt/python/lib", help="the 'user' LD_LIBRARY_PATH")
    args = parser.parse_args()
    if not os.path.exists(args.module):
        print(f"no module at {args.module}", file=sys.stderr)
        return 2

    from wsgidoctor.linkage import glibc, ldcache
    from wsgidoctor.linkage.elf import read_elf

    httpd = next((p for p in ("/usr/sbin/apache2", "/usr/sbin/httpd") if os.path.exists(p)), None)
    envs = {"apache": None, "user": args.llp, "none": None}

    def pure_cold() -> None:
        ldcache._CACHE.clear()  # parse /etc/ld.so.cache again: nothing carried over between runs
        resolver = glibc.Resolver(glibc.detect_platform())
        info = read_elf(args.module)
        exe = read_elf(httpd) if httpd else None
        for llp in envs.values():
            resolver.resolve(info.libpython_needed, info, args.module,
                             glibc.LoadState(executable=exe, ld_library_path=llp))

    resolver = glibc.Resolver(glibc.detect_platform())
    info = read_elf(args.module)
    exe = read_elf(httpd) if httpd else None

    def pure_warm() -> None:
        for llp in envs.values():
            resolver.resolve(info.libpython_needed, info, args.module,
                             glibc.LoadState(executable=exe, ld_library_path=llp))

    def pure_with_httpd_tree() -> None:
        for llp in envs.values():
            state = glibc.LoadState(executable=exe, ld_library_path=llp)
            loaded = glibc.loaded_objects(resolver, exe, state) if exe else {}
            resolver.resolve(info.libpython_needed, info, args.module,
                             glibc.LoadState(executable=exe, loaded=loaded, ld_library_path=llp))

    def pure_with_httpd_tree_cold() -> None:
        glibc._ELF_CACHE.clear()
        ldcache._CACHE.clear()
        pure_with_httpd_tree()

    base = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}

    def ldd_twice() -> None:
        subprocess.run(["ldd", args.module], capture_output=True, env={**base, "LD_LIBRARY_PATH": args.llp})
        subprocess.run(["ldd", args.module], capture_output=True, env=base)

    pure_cold()  # import the linkage modules once: their import is a start-up cost, not a resolution cost
    rows = [
        ("pure Python, 3 environments, cache re-read (cold)", median_ms(pure_cold, args.runs)),
        ("pure Python, 3 environments, warm", median_ms(pure_warm, args.runs)),
        ("pure Python, 3 environments + httpd's dependency tree", median_ms(pure_with_httpd_tree, args.runs)),
        ("  the same with every ELF and the cache re-read (cold)", median_ms(pure_with_httpd_tree_cold, args.runs)),
        ("ldd twice (with and without LD_LIBRARY_PATH)", median_ms(ldd_twice, args.runs)),
    ]
    print(f"module: {args.module}  httpd: {httpd}  runs: {args.runs}")
    for label, ms in rows:
        print(f"  {label:<58} {ms:8.2f} ms")
    print(f"  load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"  ratio cold / ldd twice: {rows[0][1] / rows[-1][1]:.2f}  (target < 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
