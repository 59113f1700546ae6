"""Run wsgidoctor's real probes as another user (``nobody``), as a user who is not root runs them.

A child interpreter runs the probes once as root, so that every module they need is imported
(the interpreter itself may live where that user cannot read, such as /root/.pyenv), then drops to
the user and runs them again; what the second run gathered comes back as JSON. Needs root.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from typing import Any

from wsgidoctor import areas
from wsgidoctor.core.model import RawOutput, Report

_CHILD = r"""
import importlib, json, os, sys
from wsgidoctor.core import facts as F
from wsgidoctor.core.hookspec import Options, ProbeContext
import encodings.idna  # looked up lazily by getaddrinfo
# imported only on paths a root run never takes (root passes every permission check)
import wsgidoctor.apache.unreadable, wsgidoctor.linkage.access, wsgidoctor.permissions.acl

spec = json.loads(sys.argv[1])
runs = []
for target in spec["probes"]:
    module, _, function = target.partition(":")
    runs.append(getattr(importlib.import_module(module), function))
options = Options(**spec["options"])


def probe_all():
    facts = json.loads(json.dumps(spec["facts"]))
    outs = []
    for run in runs:
        out = run(ProbeContext(options, facts))
        F.merge(facts, out.facts)
        outs.append(out)
    return outs


probe_all()  # as root first: every module the probes need is imported
os.setgroups([]); os.setgid(spec["gid"]); os.setuid(spec["uid"])
outs = probe_all()
print(json.dumps({"facts": [o.facts for o in outs], "notes": [n for o in outs for n in o.notes],
                  "raw": [r.to_json() for o in outs for r in o.raw]}))
"""


def can_switch_user() -> bool:
    """Whether this process may become another user (it is root, on a system with uids)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def probe_as(user: str, probes: list[str], facts: dict[str, Any], **options: Any) -> Report:
    """Run ``probes`` (``"module:function"``, in order, each seeing the facts of the ones before)
    as ``user``; return their facts and raw outputs absorbed, derived and diagnosed."""
    entry = pwd.getpwnam(user)
    spec = {"probes": probes, "facts": facts, "options": options, "uid": entry.pw_uid, "gid": entry.pw_gid}
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(spec)], capture_output=True, text=True,
                          timeout=120, cwd="/")
    if done.returncode != 0:
        raise AssertionError(f"the probes failed as {user}:\n{done.stderr}")
    data = json.loads(done.stdout)
    report = Report(mode="check")
    areas.absorb(report, facts, [RawOutput.from_json(r) for r in data["raw"]])
    for fragment in data["facts"]:
        areas.absorb(report, fragment)
    report.notes.extend(data["notes"])
    return areas.finish(report)
