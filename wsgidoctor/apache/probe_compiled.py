"""``httpd -l``: the modules compiled into the httpd binary (is mod_so there? a static MPM?)."""

from __future__ import annotations

from wsgidoctor.core.hookspec import Probe

from wsgidoctor.apache.probe_modules import run_httpd

PROBE = Probe(
    name="httpd_compiled",
    description="httpd -l: modules compiled into the binary",
    needs=("discovery",),
    run=lambda ctx: run_httpd(ctx, "-l", "httpd-l"),
    timeout=30.0,
)
