"""A site whose error log is 1 GiB of real Apache lines (tests only).

The lines are the error-log benchmark's (benchmarks/bench_analyze.py): request noise, one event
line in a hundred, and a start-up with a failed Python initialisation. The last start-up comes
early, so a whole busy day of traffic follows it, as on a server that has not restarted.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GIB = 1 << 30

CONFIG = """\
ServerRoot "{root}"
Listen 127.0.0.1:8
ServerName busy.example
PidFile "{root}/httpd.pid"
ErrorLog "{root}/error.log"
DefaultRuntimeDir "{root}/run"
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so
WSGIDaemonProcess shop processes=1 threads=4 python-home=/srv/venv-old
WSGIScriptAlias /shop "{root}/shop.wsgi" process-group=shop application-group=%{{GLOBAL}}
"""


def _bench():
    spec = importlib.util.spec_from_file_location("bench_analyze", REPO / "benchmarks" / "bench_analyze.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_busy_log(path: Path, size: int = GIB) -> int:
    """Traffic, a start-up, then traffic up to ``size`` bytes; the file's size."""
    bench = _bench()
    block = bench.make_block(8 << 20)
    with open(path, "wb") as fh:
        fh.write(block[: block.rindex(b"\n", 0, 4 << 20) + 1])
        fh.write(bench.STARTUP.format(ts=bench.TS.format(s=0, us=0)).encode())
        while fh.tell() + len(block) <= size:
            fh.write(block)
        rest = size - fh.tell()
        fh.write(block[: block.rindex(b"\n", 0, rest) + 1] if rest > 0 else b"")
        return fh.tell()


def make_site(root: Path, size: int = GIB) -> Path:
    """Configuration and error log of the busy site in ``root``; the configuration's path."""
    (root / "run").mkdir(parents=True, exist_ok=True)
    (root / "shop.wsgi").write_text("def application(environ, start_response):\n"
                                    "    start_response('200 OK', [])\n    return [b'ok']\n")
    conf = root / "httpd.conf"
    conf.write_text(CONFIG.format(root=root))
    write_busy_log(root / "error.log", size)
    return conf
