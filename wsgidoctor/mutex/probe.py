"""Probe "mutex_test": the mutex mechanisms this httpd accepts, asked from httpd itself.

Without apr.h (a default install without apache2-dev/httpd-devel) the available mechanisms are
read as mod_wsgi's "Checking Your Installation" shows: give httpd an invalid mechanism and read
the list of valid ones from its error. Made safe: the configuration is a small one of ours in a
temporary directory (never the user's), httpd only runs ``-t`` (never starts), and the directory
is removed afterwards. Apache 2.4 is asked with ``Mutex``, 2.2 with ``AcceptMutex``; where the
mod_wsgi module is known, also ``WSGIAcceptMutex`` with that module loaded (mod_wsgi's own list).

Facts: ``apache.mutex_test = {mechanisms: {mutex, acceptmutex, wsgiacceptmutex}, commands[]}``.
"""

from __future__ import annotations

import os
import re
from typing import Any, Optional

from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput
from wsgidoctor.core import lifetime
from wsgidoctor.core.model import RawOutput

INVALID = "wsgidoctor-invalid"
_STATIC_MPMS = ("prefork.c", "worker.c", "event.c", "mpmt_os2.c", "mpm_winnt.c")


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _server_relative(path: str, root: Optional[str]) -> str:
    return path if os.path.isabs(path) or not root else os.path.join(root, path)


def mpm_module(ctx: ProbeContext) -> Optional[tuple[str, str]]:
    """(identifier, path) of the MPM the user's configuration loads; None when it is compiled in."""
    compiled = ctx.fact("apache.compiled_in") or []
    if any(str(c) in _STATIC_MPMS for c in compiled):
        return None
    root = ctx.fact("config.server_root") or ctx.fact("install.server_root")
    for d in ctx.fact("config.directives") or ():
        args = d.get("args") or []
        if str(d.get("name", "")).lower() == "loadmodule" and len(args) >= 2 and str(args[0]).startswith("mpm_"):
            return str(args[0]), _server_relative(str(args[1]), root)
    return None


def test_config(tmp: str, mpm: Optional[tuple[str, str]], body: list[str]) -> str:
    """Our configuration: paths inside ``tmp`` only, an MPM (httpd checks for one first), ``body``."""
    lines = [f"ServerRoot {_q(tmp)}", f"PidFile {_q(os.path.join(tmp, 'httpd.pid'))}",
             f"DefaultRuntimeDir {_q(tmp)}", f"ErrorLog {_q(os.path.join(tmp, 'error.log'))}"]
    if mpm:
        lines.append(f"LoadModule {mpm[0]} {_q(mpm[1])}")
    return "\n".join(lines + body) + "\n"


def _family(version: Any) -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", str(version or ""))
    return (int(m.group(1)), int(m.group(2))) if m else (2, 4)


def run(ctx: ProbeContext) -> ProbeOutput:
    from wsgidoctor.apache.parse_configtest import parse

    if ctx.fact("apr.has"):
        raise NotApplicable("apr.h was read: it lists the mechanisms")
    httpd = ctx.fact("install.httpd")
    if not httpd or not ctx.fact("apache.version"):
        raise NotApplicable("no working httpd to ask")
    mpm = mpm_module(ctx)
    older = _family(ctx.fact("apache.version")) < (2, 4)
    tests = [("acceptmutex" if older else "mutex",
              [f"AcceptMutex {INVALID}" if older else f"Mutex {INVALID}"])]
    module = ctx.fact("config.module") or ctx.fact("linkage.module")
    if module and os.path.isfile(str(module)):
        preload = [f"LoadFile {_q(str(lf['path']))}" for lf in ctx.fact("linkage.loadfile") or ()
                   if isinstance(lf, dict) and lf.get("path") and not lf.get("problem")]
        tests.append(("wsgiacceptmutex", preload + [f"LoadModule wsgi_module {_q(str(module))}",
                                                    f"WSGIAcceptMutex {INVALID}"]))
    out = ProbeOutput()
    found: dict[str, Optional[list[str]]] = {"mutex": None, "acceptmutex": None, "wsgiacceptmutex": None}
    commands = []
    env = ctx.fact("install.start_env") or None
    # removed however wsgidoctor ends (a signal included), like every directory of ours
    tmp = lifetime.make_dir(None, "wsgidoctor-mutex-")
    try:
        for key, body in tests:
            conf = os.path.join(tmp, f"{key}.conf")
            with open(conf, "w", encoding="utf-8") as fh:
                fh.write(test_config(tmp, mpm, body))
            result = ctx.run([httpd, "-t", "-f", conf], env=env, cwd=tmp, timeout=min(ctx.options.command_timeout, 10.0))
            out.raw.append(RawOutput("httpd-t-mutex", result.display, result.output, result.returncode, result.truncated))
            lists = (parse(result.output).get("apache") or {}).get("configtest", {}).get("mutex_mechanisms") or {}
            found[key] = lists.get(key)
            commands.append({"command": result.display, "exit_code": result.returncode, "error": result.error,
                             "found": bool(found[key])})
    finally:
        lifetime.remove_dir(tmp)
    out.facts["apache"] = {"mutex_test": {"mechanisms": found, "commands": commands}}
    return out


PROBE = Probe(
    name="mutex_test",
    description="without apr.h: httpd -t on a small temporary configuration of ours with an invalid "
                "Mutex/AcceptMutex/WSGIAcceptMutex, reading the valid mechanisms from the error",
    needs=("discovery", "httpd_version", "apxs", "httpd_compiled", "config", "linkage"),
    run=run,
    timeout=30.0,
)
