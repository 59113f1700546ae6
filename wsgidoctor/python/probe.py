"""Probe "hosting": start the libpython mod_wsgi would load, as mod_wsgi starts it, and run the
probe WSGI application in every process and application group the configuration uses.

The native program ``wsgidoctor-host`` does the work (native/README.md); this probe chooses the
library (the linkage probe's resolution), builds the request from the configuration's
predictions (``config.mounts``) and Apache's start environment and user, runs it as that user
when we are root, and records ``python.*``, ``wsgi.*`` (source ``emulated``) and ``hosting.*``.
"""

from __future__ import annotations

import os
from typing import Any

from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput


def probe_script() -> tuple[str, str]:
    """The shared probe application's path and text (sent to the program, so that its own
    readability by Apache's user is not what gets diagnosed)."""
    from wsgidoctor.live.probe import PROBE_SCRIPT

    with open(PROBE_SCRIPT, encoding="utf-8") as fh:
        return PROBE_SCRIPT, fh.read()


def run(ctx: ProbeContext) -> ProbeOutput:
    from wsgidoctor.python.hosting import homes as homelib
    from wsgidoctor.python.hosting.execute import run_host
    from wsgidoctor.python.hosting.facts import build_facts
    from wsgidoctor.python.hosting.libpython import choose_library, default_runner
    from wsgidoctor.python.hosting.plan import build_plan
    from wsgidoctor.python.hosting.program import find_program

    facts = {name: ctx.fact(name) for name in ("install", "apache", "mod_wsgi", "linkage", "config")}
    out = ProbeOutput()
    choice = choose_library(facts, run=default_runner)
    if choice.note:
        out.notes.append(choice.note)
    if choice.path is None:
        raise NotApplicable(choice.note or "no libpython to host")

    location = find_program(ctx.environ)
    script, source = probe_script()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    local_host = ctx.fact("config.local_host") or "localhost"
    plan = build_plan(facts, libpython=choice.path, script=script, script_source=source,
                      run_as_user=as_root, local_host=str(local_host))
    notes = list(plan.notes)
    if choice.note:
        notes.append(choice.note)
    if not as_root:
        notes.append("wsgidoctor is not running as root: the hosting program ran as the current user, so "
                     "file permissions are not those Apache's user has")

    xy = homelib.xy_of(homelib.split_version(ctx.fact("linkage.python_library.python_version")))
    if not location.found:
        out.facts = {"hosting": {"program": None, "error": location.reason, "libpython": choice.path,
                                 "libpython_source": choice.source, "notes": notes}}
        out.notes.append(location.reason)
        return out

    execution = run_host(location.path, plan.spec)
    record = execution.record
    runtime = next((p.runtime_version for p in record.processes if p.runtime_version), None)
    loaded = next((p.event("loaded") for p in record.processes if p.event("loaded")), None) or {}
    # X.Y from the running interpreter, else the linkage probe, else what the program read from
    # the library (Py_Version or its file name) when Python did not start.
    xy = homelib.xy_of(homelib.split_version(runtime)) or xy or (
        (loaded["major"], loaded["minor"]) if isinstance(loaded.get("minor"), int) and loaded["minor"] >= 0 else None)
    home_facts: list[dict[str, Any]] = []
    for source in plan.homes:
        home_facts.append({**source.to_json(), **homelib.inspect_home(source.path, xy)})
    out.facts = build_facts(plan, record, program=location.path, libpython=choice.path,
                            libpython_source=choice.source,
                            library_prefix=homelib.library_prefix(choice.path, xy),
                            homes=home_facts, notes=notes)
    first_python = homelib.first_on_path("python3" if not xy or xy[0] >= 3 else "python",
                                         (plan.spec.env or {}).get("PATH"))
    out.facts["hosting"]["path_python"] = first_python
    if record.error:
        out.notes.append(f"hosting program: {record.error}")
    return out


PROBE = Probe(
    name="hosting",
    description="start the libpython mod_wsgi loads the way mod_wsgi does (python-home, python-path, "
                "Apache's environment and user) and run the probe application in each process and "
                "application group",
    needs=("discovery", "httpd_version", "linkage", "config"),
    run=run,
    timeout=90.0,
)
