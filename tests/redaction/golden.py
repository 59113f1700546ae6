"""Reports whose redacted JSON is pinned byte for byte (fixtures/redaction/golden/).

Each case is a real report or a real set of inputs: a ``report --json --no-redact`` of a stock Debian
Apache (fixtures/redaction/debian-local-report.json), the two saved reports of fixtures/reports/, the
planted-secret report of test_redact_planted.py, and every capture of fixtures/corpus and
fixtures/secrets as the raw outputs of one report, and the planted report with a generated error log
(one line in ten holding a credential). Each is redacted with the default rules and with
``hosts=True, users=True``; the goldens were written by the redaction of main before it was made
faster, so any change to what is blanked (or how it is counted) shows up as a difference.

    python -m tests.redaction.golden --write   # only when a change of output is intended
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path
from typing import Any, Callable

from tests.conftest import CORPUS, FIXTURES
from wsgidoctor.core.model import Finding, ProbeRun, ProbeStatus, RawOutput, Report

GOLDEN = FIXTURES / "redaction" / "golden"
#: A machine identity to redact host and user names with (the goldens must not depend on this machine).
HOSTS = ("vm", "shop-prod-01")
USERS = ("deployer", "alice")
MODES = {"default": {}, "hosts-users": {"hosts": True, "users": True}}


def report_from_saved(path: Path) -> Report:
    """A saved ``report --json`` back as a Report, as it was (not re-diagnosed)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Report(
        mode=data["mode"], facts=data["facts"], generated_at=data.get("generated_at") or "",
        findings=[Finding.from_json(f) for f in data["findings"]],
        probes=[ProbeRun(p["name"], ProbeStatus(p["status"]), p.get("duration_ms") or 0.0, p.get("error"))
                for p in data["probes"]],
        raw=[RawOutput.from_json(r) for r in data["raw"]],
        notes=list(data["notes"]),
    )


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


def error_log(size: int, secret_share: float = 0.02) -> str:
    """An Apache error log of about ``size`` characters: request noise, ``secret_share`` of the
    lines carrying a credential URL, an Authorization header or a token (the same for a given size)."""
    rnd = random.Random(11)
    lines, total = [], 0
    while total < size:
        pool = SECRETS if rnd.random() < secret_share else NOISE
        line = rnd.choice(pool).format(s=rnd.randrange(60), us=rnd.randrange(10**6), p=rnd.randrange(1000, 99999),
                                       t=rnd.randrange(10**6), a=rnd.randrange(256), b=rnd.randrange(256),
                                       c=rnd.randrange(1000))
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def _noisy_log() -> Report:
    report = _planted()
    report.raw.append(RawOutput("errorlog", "/var/log/apache2/error.log", error_log(64 * 1024, 0.1)))
    return report


def _captures() -> Report:
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".json")
    files += sorted(p for p in (FIXTURES / "secrets").iterdir() if p.is_file())
    return Report(mode="analyze", raw=[RawOutput(p.parent.name, str(p.relative_to(FIXTURES)),
                                                 p.read_text(encoding="utf-8", errors="replace")) for p in files])


#: Where the checkout stands in the goldens: the planted report names fixture files by their path,
#: and neither the goldens nor what is redacted may depend on where the checkout is.
CHECKOUT = "/checkout"


def _relocated(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace(root, CHECKOUT)
    if isinstance(value, list):
        return [_relocated(v, root) for v in value]
    if isinstance(value, dict):
        return {_relocated(k, root): _relocated(v, root) for k, v in value.items()}
    return value


def _planted() -> Report:
    from tests.redaction.test_redact_planted import planted_report

    report = planted_report()
    root = str(FIXTURES.parent)
    report.facts = _relocated(report.facts, root)
    report.raw = [RawOutput(r.kind, _relocated(r.source, root), r.text, r.exit_code, r.truncated)
                  for r in report.raw]
    report.findings = [Finding.from_json(_relocated(f.to_json(), root)) for f in report.findings]
    return report


CASES: dict[str, Callable[[], Report]] = {
    "debian-local": lambda: report_from_saved(FIXTURES / "redaction" / "debian-local-report.json"),
    "debian12-live": lambda: report_from_saved(FIXTURES / "reports" / "debian12-live.json"),
    "analyze-corpus": lambda: report_from_saved(FIXTURES / "reports" / "analyze-corpus.json"),
    "planted": _planted,
    "captures": _captures,
    "noisy-log": _noisy_log,
}


def redacted_json(case: str, mode: str) -> str:
    """The redacted report of ``case`` as JSON (the tool's version left out: it is not redaction's)."""
    from wsgidoctor.redaction.redact import Identity, redact_report
    from wsgidoctor.render.json import report_to_dict

    out = redact_report(CASES[case](), identity=Identity(hostnames=HOSTS, users=USERS), **MODES[mode])
    data: dict[str, Any] = report_to_dict(out)
    del data["tool"]
    return json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n"


def golden_path(case: str, mode: str) -> Path:
    return GOLDEN / f"{case}.{mode}.json.gz"


def read_golden(case: str, mode: str) -> str:
    return gzip.decompress(golden_path(case, mode).read_bytes()).decode("utf-8")


def write_goldens() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        for mode in MODES:
            # mtime=0: the same output gives the same bytes, so git sees no change
            golden_path(case, mode).write_bytes(gzip.compress(redacted_json(case, mode).encode("utf-8"), mtime=0))


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    write_goldens()
