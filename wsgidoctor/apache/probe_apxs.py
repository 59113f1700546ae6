"""apxs: how Apache was built — its build variables, apr.h, and config.nice.

apr.h is found through APR_INCLUDEDIR (then ``apr-1-config --includedir``); config.nice through
installbuilddir. Debian ships no config.nice: its build/config_vars.mk is read instead.
"""

from __future__ import annotations

import os
from typing import Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.model import RawOutput
from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput

VARIABLES = ("APR_INCLUDEDIR", "APU_INCLUDEDIR", "installbuilddir", "LIBEXECDIR", "SBINDIR",
             "BINDIR", "SYSCONFDIR", "TARGET", "PROGNAME", "INCLUDEDIR", "APR_CONFIG", "MPM_NAME")
APR_CONFIGS = ("apr-1-config", "apr-config")


def query(ctx: ProbeContext, apxs: str, names: tuple[str, ...]) -> tuple[dict[str, Optional[str]], list[str]]:
    """apxs variables by name (None for names this apxs does not know) and problems met.

    One name per call: ``apxs -q A B`` fails whole on an unknown name and silently drops empty
    values, so its answers cannot be matched to the names. The calls run concurrently.
    """
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: ctx.run([apxs, "-q", n]), names))
    values = {n: (r.stdout.strip() or None) if r.ok else None for n, r in zip(names, results)}
    problems = sorted({f"{r.display}: {r.error}" for r in results if r.error})
    return values, problems


def find_apr_h(ctx: ProbeContext, includedir: Optional[str], apr_config: Optional[str]) -> Optional[str]:
    dirs = [includedir] if includedir else []
    tools = [apr_config] if apr_config else []
    tools += [t for t in (commands.which(n) for n in APR_CONFIGS) if t]
    for tool in tools:
        res = ctx.run([tool, "--includedir"], timeout=5.0)
        if res.ok and res.stdout.strip():
            dirs.append(res.stdout.strip())
    for d in dirs:
        path = os.path.join(d, "apr.h")
        if os.path.isfile(path):
            return path
    return None


def run(ctx: ProbeContext) -> ProbeOutput:
    apxs = ctx.fact("install.apxs")
    if not apxs:
        raise NotApplicable("apxs is not installed (Debian: apache2-dev; RHEL: httpd-devel), "
                            "so apr.h and config.nice cannot be located")
    out = ProbeOutput()
    values, problems = query(ctx, apxs, VARIABLES)
    out.notes.extend(problems)
    out.facts["apxs"] = {"path": apxs, "variables": values}

    apr_h = find_apr_h(ctx, values.get("APR_INCLUDEDIR"), values.get("APR_CONFIG"))
    if apr_h:
        text, why = ctx.read_text(apr_h)
        if text is not None:
            out.raw.append(RawOutput("apr.h", apr_h, text))
        else:
            out.notes.append(why or f"cannot read {apr_h}")
    else:
        out.notes.append("apr.h not found (APR_INCLUDEDIR from apxs, apr-1-config --includedir)")

    builddir = values.get("installbuilddir")
    if builddir:
        for name, kind in (("config.nice", "config.nice"), ("config_vars.mk", "config_vars.mk")):
            path = os.path.join(builddir, name)
            if os.path.isfile(path):
                text, why = ctx.read_text(path)
                if text is not None:
                    out.raw.append(RawOutput(kind, path, text))
                    break
                out.notes.append(why or f"cannot read {path}")
    return out


PROBE = Probe(
    name="apxs",
    description="apxs -q build variables; apr.h; config.nice or build/config_vars.mk",
    needs=("discovery",),
    run=run,
    timeout=30.0,
)
