"""Turn a hosting plan and the program's record into facts (``python.*``, ``wsgi.*``, ``hosting.*``).

Pure: the file-system look at each python-home is passed in (``homes``) so that this module can
be tested on canned records.
"""

from __future__ import annotations

from typing import Any, Optional

from wsgidoctor.python.hosting.pathdump import parse_startup_failure
from wsgidoctor.python.hosting.plan import Plan
from wsgidoctor.python.hosting.record import HostRecord, ProcessResult, Response

STDERR_KEEP = 20000
_ENV_KEYS = ("PATH", "PYTHONHOME", "PYTHONPATH", "LD_LIBRARY_PATH", "LANG", "LC_ALL")
_PYTHON_KEYS = ("version", "version_info", "prefix", "base_prefix", "exec_prefix", "executable", "path",
                "site_packages", "venv", "filesystem_encoding", "flags_optimize", "extensions")


def _process_facts(proc: ProcessResult, requested: dict[str, Any]) -> dict[str, Any]:
    failure = parse_startup_failure(proc.stderr)
    init = proc.event("initialising") or {}
    home = proc.event("home")
    user = proc.event("user")
    stderr = proc.stderr
    return {
        "process_group": proc.process_group, "state": proc.state, "how_it_ended": proc.how_it_ended,
        "exit_code": proc.exit_code, "signal": proc.signal_name or proc.signal, "timed_out": proc.timed_out,
        "pid": proc.pid, "duration_ms": proc.duration_ms,
        "python_home": requested.get("python_home"), "python_path": requested.get("python_path"),
        "home": requested.get("home"),
        "init_api": init.get("api"), "set_home": init.get("python_home"),
        "program_name": init.get("program_name"), "pyvenv": init.get("pyvenv"),
        "uid": init.get("uid"),
        "user": {"name": user.get("name"), "switched": user.get("switched"), "reason": user.get("reason")}
        if user else None,
        "home_check": {k: home.get(k) for k in ("path", "problem", "errno", "error", "pyvenv")} if home else None,
        "runtime_version": proc.runtime_version,
        "error": proc.error,
        "stderr": stderr[:STDERR_KEEP], "stderr_truncated": proc.stderr_truncated or len(stderr) > STDERR_KEEP,
        "startup_failure": {
            "fatal": failure.fatal, "fatal_line": failure.fatal_line,
            "exception": failure.exception, "exception_line": failure.exception_line,
            "config": failure.config, "config_lines": failure.config_lines, "sys_path": failure.sys_path,
        } if failure.found else None,
    }


def _response_facts(resp: Response) -> dict[str, Any]:
    return {"status": resp.status, "thread": resp.thread.get("name"), "main_thread": resp.thread.get("main"),
            "error": resp.error, "duration_ms": resp.duration_ms}


def _run_facts(meta: dict[str, Any], responses: list[Response], proc: Optional[ProcessResult]) -> dict[str, Any]:
    payload = next((r.payload() for r in responses if r.ok and r.payload()), None)
    python = {k: (payload.get("python") or {}).get(k) for k in _PYTHON_KEYS} if payload else None
    observed_environ = payload.get("environ") if payload else None
    if proc is None or not responses:
        state = "not-run"
    elif all(r.ok for r in responses):
        state = "ok"
    else:
        state = "failed"
    return {
        "label": meta.get("label"), "mount": meta.get("mount"),
        "process_group": meta.get("process_group"), "application_group": meta.get("application_group"),
        "multithread": meta.get("multithread"), "multiprocess": meta.get("multiprocess"),
        "requests": meta.get("requests"), "main_thread": meta.get("main_thread"),
        "state": state, "responses": [_response_facts(r) for r in responses],
        "threads": sorted({str(r.thread.get("name")) for r in responses if r.thread.get("name")}),
        "python": python, "environ": observed_environ,
        "mod_wsgi_module": payload.get("mod_wsgi_module") if payload else None,
    }


def build_facts(plan: Plan, record: HostRecord, *, program: Optional[str], libpython: str,
                libpython_source: str, library_prefix: Optional[str], homes: list[dict[str, Any]],
                notes: list[str]) -> dict[str, Any]:
    """The facts fragment for one hosting run."""
    requested = [p.to_json() for p in plan.spec.processes]
    processes = []
    for i, proc in enumerate(record.processes):
        processes.append(_process_facts(proc, requested[i] if i < len(requested) else {}))
    runs = []
    for meta in plan.runs:
        pi, ri = meta.get("process_index"), meta.get("run_index")
        proc = record.processes[pi] if isinstance(pi, int) and pi < len(record.processes) else None
        responses = [r for r in proc.responses if r.run == ri] if proc else []
        runs.append(_run_facts(meta, responses, proc))

    runtime = next((p.runtime_version for p in record.processes if p.runtime_version), None)
    env = plan.spec.env or {}
    hosting: dict[str, Any] = {
        "program": program, "program_version": record.program_version,
        "libpython": libpython, "libpython_source": libpython_source, "library_prefix": library_prefix,
        "library_version": runtime, "init_api": plan.spec.init_api,
        "mod_wsgi_version": ".".join(map(str, plan.mod_wsgi_version)) if plan.mod_wsgi_version else None,
        "python_home": requested[0].get("python_home") if requested else None,
        "start_env": {k: env.get(k) for k in _ENV_KEYS},
        "homes": homes, "processes": processes, "runs": runs,
        "error": record.error, "duration_ms": record.duration_ms, "notes": list(notes),
    }
    out: dict[str, Any] = {"hosting": hosting}
    first = next((r for r in runs if r["python"]), None)
    if first is not None:
        py = first["python"]
        out["python"] = {**py, "source": "emulated", "process_group": first["process_group"],
                         "application_group": first["application_group"]}
        env_seen = first.get("environ") or {}
        out["wsgi"] = {
            "process_group": {"value": env_seen.get("mod_wsgi.process_group", first["process_group"]),
                              "source": "emulated"},
            "application_group": {"value": env_seen.get("mod_wsgi.application_group", first["application_group"]),
                                  "source": "emulated"},
            "multithread": {"value": env_seen.get("wsgi.multithread", first["multithread"]), "source": "emulated"},
            "multiprocess": {"value": env_seen.get("wsgi.multiprocess", first["multiprocess"]), "source": "emulated"},
        }
    return out
