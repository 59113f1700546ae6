"""Reports of remote hosts for the ``wsgidoctor_host_report`` fixture (testinfra).

testinfra's ``host`` fixture reaches a host by ssh, Ansible, docker, kubectl, Salt...; this runs
the wsgidoctor installed there (``wsgidoctor report --json``) through it, once per host and test
process, and hands back the JSON report: the assertion helpers of
:mod:`wsgidoctor.pytest_plugin.assertions` take it as it is. wsgidoctor's exit codes 0, 1 and 2 come
with a report (findings are data); anything else fails the test with what the host said.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Optional

DEFAULT_REMOTE_COMMAND = "wsgidoctor report --json"
REPORT_CODES = (0, 1, 2)
NOT_FOUND_CODES = (126, 127)


class HostReportError(Exception):
    """The host gave no report; the message says why and what to do."""


def host_name(host: Any) -> str:
    """A testinfra host's name as its backend knows it (the inventory name for Ansible)."""
    backend = getattr(host, "backend", None)
    for attr in ("hostname", "host", "name"):
        value = getattr(backend, attr, None)
        if isinstance(value, str) and value:
            return value
        name = getattr(value, "name", None)  # testinfra's HostSpec
        if isinstance(name, str) and name:
            return name
    return repr(host)


def run_report(host: Any, command: str = DEFAULT_REMOTE_COMMAND) -> dict[str, Any]:
    """Run wsgidoctor on ``host`` and return its JSON report."""
    name = host_name(host)
    result = host.run(command)
    rc = result.rc
    if rc in NOT_FOUND_CODES:
        raise HostReportError(f"{name}: `{command}` was not found there (exit {rc}): install wsgidoctor on the "
                              "host (pip install wsgidoctor), or name the command with "
                              "--wsgidoctor-remote-command")
    if rc not in REPORT_CODES:
        raise HostReportError(f"{name}: `{command}` could not examine the host (exit {rc}): "
                              f"{(result.stderr or '').strip()[-2000:]}")
    try:
        report = json.loads(result.stdout)
    except ValueError as exc:
        raise HostReportError(f"{name}: `{command}` printed no JSON report ({exc}): "
                              f"{(result.stdout or '')[:500]}") from None
    if not isinstance(report, dict) or "schema_version" not in report:
        raise HostReportError(f"{name}: `{command}` printed JSON that is not a wsgidoctor report")
    return report


def save_report(directory: str, name: str, report: dict[str, Any]) -> Optional[str]:
    """Keep ``report`` as ``DIRECTORY/<name>.json`` for ``wsgidoctor fleet DIRECTORY``."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, re.sub(r"[^\w.@-]+", "_", name) + ".json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(report, fh)
    return path
