"""Redaction speed: a report whose raw outputs hold an error log of N MB, with secrets in it.

Builds the planted-secret report of the test suite (tests/redaction/test_redact_planted.py) and adds
a generated Apache error log of ``--size-mb`` (request noise, one line in fifty carrying a
credential URL, an Authorization header or a token), then times ``redact_report`` with the
default rules and with ``hosts=True, users=True``. Prints MB/s of raw text redacted.

    python benchmarks/bench_redact.py [--size-mb 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NOISE = [
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [wsgi:error] [pid {p}:tid 1400{t}] [remote 10.0.{a}.{b}:5{c}] "
    "File \"/home/deploy/sites/shop/shop/views.py\", line {c}, in checkout",
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [core:error] [pid {p}:tid 1400{t}] [client 192.0.2.{a}:5{c}] "
    "AH00128: File does not exist: /var/www/html/favicon.ico",
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [ssl:info] [pid {p}:tid 1400{t}] [client 198.51.100.{b}:4{c}] "
    "AH01964: Connection to child {t} established (server shop.example-corp.de:443)",
]
SECRETS = [
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [wsgi:error] [pid {p}] OperationalError: "
    "postgres://shop:pw-{p}-{c}@db.internal:5432/shop",
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [wsgi:error] [pid {p}] Authorization: Bearer tok{p}x{c}abcdefghij",
    "[Sun Nov 22 16:31:{s:02d}.{us:06d} 2026] [wsgi:error] [pid {p}] settings API_KEY={p}{c}deadbeefcafe",
]


def error_log(size: int) -> str:
    rnd = random.Random(11)
    lines, total = [], 0
    while total < size:
        pool = SECRETS if rnd.random() < 0.02 else NOISE
        line = rnd.choice(pool).format(s=rnd.randrange(60), us=rnd.randrange(10**6), p=rnd.randrange(1000, 99999),
                                       t=rnd.randrange(10**6), a=rnd.randrange(256), b=rnd.randrange(256),
                                       c=rnd.randrange(1000))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=16)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from tests.redaction.test_redact_planted import planted_report
    from wsgidoctor.core.model import RawOutput
    from wsgidoctor.redaction.redact import Identity, redact_report

    report = planted_report()
    log = error_log(int(args.size_mb * 2**20))
    report.raw.append(RawOutput("errorlog", "/var/log/apache2/error.log", log))
    size_mb = sum(len(r.text) for r in report.raw) / 2**20
    print(f"report: {size_mb:.1f} MB of raw text, {len(report.findings)} findings")
    for label, kwargs in (("secrets only", {}), ("secrets + hosts + users", {"hosts": True, "users": True})):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            out = redact_report(report, identity=Identity(), **kwargs)
            times.append(time.perf_counter() - start)
        t = statistics.median(times)
        print(f"{label:26s} {t:6.2f} s  {size_mb / t:6.1f} MB/s  ({out.redaction['replacements']} replacements)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
