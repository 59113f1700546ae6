"""Probe "selinux": when SELinux is enforcing, the booleans, the labels of the paths the
configuration uses and recent AVC denials for httpd, as raw outputs for the parsers of
:mod:`wsgidoctor.sandbox.parse_selinux` (the same parsers read pasted outputs in ``analyze``).
Nothing is run where ``getenforce`` is absent or says Disabled."""

from __future__ import annotations

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput
from wsgidoctor.core.model import RawOutput
from wsgidoctor.sandbox.probe import config_paths


def run(ctx: ProbeContext) -> ProbeOutput:
    getenforce = commands.which("getenforce")
    if not getenforce:  # no SELinux userland: nothing confines Apache this way
        return ProbeOutput(facts={"selinux": {"mode": None}})
    res = ctx.run([getenforce], timeout=10)
    mode = res.stdout.strip() or None
    out = ProbeOutput(facts={"selinux": {"mode": mode}})
    if mode not in ("Enforcing", "Permissive"):
        return out
    for argv, kind in ((["getsebool", "-a"], "getsebool"),
                       (["ausearch", "-m", "avc", "-ts", "recent", "-c", "httpd"], "avc")):
        if commands.which(argv[0]):
            r = ctx.run(argv, timeout=20)
            out.raw.append(RawOutput(kind=kind, source=r.display, text=r.stdout, exit_code=r.returncode))
    paths = sorted({p["path"] for p in config_paths(ctx.fact("config") or {})})
    if paths:
        r = ctx.run(["ls", "-dZ", *paths], timeout=10)
        out.raw.append(RawOutput(kind="ls-Z", source="ls -dZ <the configuration's paths>", text=r.stdout,
                                 exit_code=r.returncode))
    return out


PROBE = Probe(name="selinux", run=run, needs=("config",), timeout=40.0,
              description="SELinux mode, httpd booleans, labels of the configuration's paths, AVC denials")
