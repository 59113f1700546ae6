"""``httpd -V``, run the way the control script would run it.

Same environment and the same ``-d``/``-f``/``-D`` arguments as the running server (discovery
works them out), because with the MPM a loadable module httpd reads the configuration before it
prints its build settings. The output is parsed by apache/parse_httpd_v.py like any other ``-V``;
this probe also records how the command went (``install.version_command``) and, where neither the
running server nor the options said, the server root and configuration file ``-V`` names.
It runs beside ``-l``, ``-M`` and apxs, which need only discovery's argv.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from wsgidoctor.apache.probe_modules import run_flag
from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput
from wsgidoctor.core.model import RawOutput


def root_and_conf(v_output: str) -> tuple[Optional[str], Optional[str]]:
    """HTTPD_ROOT and SERVER_CONFIG_FILE from ``httpd -V`` (a small, local read of two lines)."""
    root = conf = None
    for line in v_output.splitlines():
        line = line.strip()
        if line.startswith("-D HTTPD_ROOT="):
            root = line.split("=", 1)[1].strip().strip('"')
        elif line.startswith("-D SERVER_CONFIG_FILE="):
            conf = line.split("=", 1)[1].strip().strip('"')
    return root, conf


def run(ctx: ProbeContext) -> ProbeOutput:
    result = run_flag(ctx, "-V")
    out = ProbeOutput(raw=[RawOutput("httpd-V", result.display, result.output, result.returncode,
                                     result.truncated)])
    install: dict[str, Any] = {"version_command": {
        "command": result.display, "exit_code": result.returncode, "error": result.error,
        "output_head": result.output.strip().splitlines()[:6]}}
    out.facts["install"] = install
    if result.error:
        return out
    root, conf = root_and_conf(result.stdout)
    known_root = ctx.fact("install.server_root")
    if not known_root and root:
        install["server_root"] = root
    if not ctx.fact("install.config_file") and conf:
        base_root = known_root or root or "/"
        install["config_file"] = conf if os.path.isabs(conf) else os.path.join(base_root, conf)
    return out


PROBE = Probe(
    name="httpd_version",
    description="httpd -V: version, build settings, MPM, server root and configuration file",
    needs=("discovery",),
    run=run,
    timeout=30.0,
)
