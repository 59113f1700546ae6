"""Probe "libraries": the shared libraries Apache maps from another installation than the
system's (see :mod:`wsgidoctor.linkage.foreign`). Facts: ``libraries.foreign``,
``libraries.objects`` (how many modules and extensions were followed)."""

from __future__ import annotations

from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput
from wsgidoctor.linkage import foreign


def run(ctx: ProbeContext) -> ProbeOutput:
    httpd = ctx.fact("install.httpd")
    if not httpd:
        raise NotApplicable("no httpd binary")
    env = ctx.fact("install.start_env") or {}
    objects = [str(lf["path"]) for lf in ctx.fact("linkage.loadfile") or () if isinstance(lf, dict) and lf.get("path")]
    module = ctx.fact("linkage.module")
    if module:
        objects.append(str(module))
    dirs: list[str] = []
    for m in ctx.fact("packages.mounts") or ():
        for d in m.get("import_path") or ():
            if d not in dirs:
                dirs.append(d)
    extensions = foreign.extension_modules(dirs)
    found = foreign.foreign_libraries(str(httpd), objects + extensions, {str(k): str(v) for k, v in env.items()})
    return ProbeOutput(facts={"libraries": {"foreign": found, "modules": len(objects),
                                            "extensions": len(extensions)}})


PROBE = Probe(name="libraries", run=run, needs=("discovery", "linkage", "packages"), timeout=30.0,
              description="shared libraries Apache maps from another installation (Anaconda, a venv, /usr/local)")
