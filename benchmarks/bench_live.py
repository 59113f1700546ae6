"""Time of a live check: `wsgidoctor check --live` with this machine's Apache and mod_wsgi.

Prints the median wall time of the whole command (target: under 3 s with Debian's packages),
and, from one `report --json --live`, how long the throwaway server took (start, ask, stop) and
how many mounts it asked. Also times a live check of a configuration with daemon groups, a
virtual host and embedded mounts (--case), built in a temporary directory.

    python benchmarks/bench_live.py [--runs N] [--case] [extra wsgidoctor args...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _util import median_wall  # noqa: E402

MODULES = "/usr/lib/apache2/modules"
CASE = """\
ServerRoot {root}
ErrorLog {root}/error.log
User www-data
Group www-data
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule wsgi_module {mods}/mod_wsgi.so
Listen 18180
ServerName bench.example
WSGIDaemonProcess d1 processes=2 threads=1
WSGIDaemonProcess d2 threads=4
WSGIScriptAlias /a {root}/srv/a.wsgi process-group=d1
WSGIScriptAlias /b {root}/srv/b.wsgi process-group=d2 application-group=%{{GLOBAL}}
WSGIScriptAlias /embedded {root}/srv/c.wsgi
Listen 18181
<VirtualHost *:18181>
    ServerName other.example
    WSGIDaemonProcess v
    WSGIScriptAlias /v {root}/srv/v.wsgi process-group=v
</VirtualHost>
"""


def wsgidoctor_cmd() -> list[str]:
    exe = shutil.which("wsgidoctor", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return [exe] if exe else [sys.executable, "-m", "wsgidoctor"]


def one_report(cmd: list[str], extra: list[str]) -> dict:
    res = subprocess.run([*cmd, "report", "--json", "--live", "--no-redact", *extra],
                         capture_output=True, text=True)
    try:
        return json.loads(res.stdout)
    except ValueError:
        return {}


def measure(label: str, cmd: list[str], extra: list[str], runs: int) -> None:
    report = one_report(cmd, extra)
    live = (report.get("facts") or {}).get("live") or {}
    mounts = live.get("mounts") or []
    answered = sum(1 for m in mounts if m.get("answer"))
    agree = sum(1 for m in mounts if m.get("answer") and not m.get("mismatches"))
    wall = median_wall([*cmd, "check", "--live", *extra], runs=runs, warmup=1)
    print(f"{label}:")
    print(f"  wsgidoctor check --live      {wall:6.2f} s  (median of {runs}; target < 3 s)")
    print(f"  throwaway server (live.duration_ms) {float(live.get('duration_ms') or 0) / 1000:6.2f} s")
    print(f"  mounts asked / answered / as predicted  {len(mounts)} / {answered} / {agree}")
    if live.get("error"):
        print(f"  error: {live['error']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--case", action="store_true", help="also time a multi-mount configuration")
    args, extra = ap.parse_known_args()
    cmd = wsgidoctor_cmd()
    measure("this machine's configuration", cmd, extra, args.runs)
    if args.case and os.path.exists(f"{MODULES}/mod_wsgi.so"):
        root = tempfile.mkdtemp(prefix="wsgidoctor-bench-")
        os.chmod(root, 0o755)
        try:
            conf = os.path.join(root, "httpd.conf")
            with open(conf, "w") as fh:
                fh.write(CASE.format(root=root, mods=MODULES))
            measure("4 daemon/embedded mounts, 2 virtual hosts", cmd, ["--config", conf, *extra], args.runs)
        finally:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
