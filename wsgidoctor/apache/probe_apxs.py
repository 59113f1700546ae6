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

    One ``apxs -q A B ... SENTINEL`` call answers them all: apxs joins the values with ``;;`` and
    drops only a trailing empty one, hence the sentinel (a name every apxs knows, asked last).
    After the first name apxs looks only at config_vars.mk, so a name it knows only internally
    is skipped silently: TARGET is one (apxs defines it as PROGNAME, so it is not asked), and an
    unknown name makes apxs fail (first name) or skip it. When the answer does not have one field
    per name, the names are asked one at a time, concurrently. Names often unknown
    (:data:`_OFTEN_UNKNOWN`) are asked on their own from the start.
    """
    together = tuple(n for n in names if n != "TARGET" and n not in _OFTEN_UNKNOWN)
    alone = tuple(n for n in names if n in _OFTEN_UNKNOWN)
    asked = (*together, _SENTINEL)
    separate = [ctx.start([apxs, "-q", n]) for n in alone]
    res = ctx.run([apxs, "-q", *asked])
    values, problems = _answers(alone, [p.result() for p in separate])
    fields = res.stdout.rstrip("\n").split(";;") if res.ok else []
    if len(fields) != len(asked) or not fields[-1].strip():
        return _query_one_by_one(ctx, apxs, names)
    values.update({n: (v.strip() or None) for n, v in zip(together, fields)})
    if "TARGET" in names:
        values["TARGET"] = values.get("PROGNAME")
    return {n: values.get(n) for n in names}, problems


#: Build variables some apxs do not have (Debian's, for MPM_NAME): asked on their own, at the same time.
_OFTEN_UNKNOWN = frozenset({"MPM_NAME"})
#: Asked last in the one-call query: a build variable every apxs has (it locates config_vars.mk).
_SENTINEL = "installbuilddir"


def _query_one_by_one(ctx: ProbeContext, apxs: str,
                      names: tuple[str, ...]) -> tuple[dict[str, Optional[str]], list[str]]:
    results: list[commands.CommandResult] = []
    for first in range(0, len(names), _AT_ONCE):  # a few at a time: each is a Perl start
        pending = [ctx.start([apxs, "-q", n]) for n in names[first:first + _AT_ONCE]]
        results += [p.result() for p in pending]
    return _answers(names, results)


#: How many one-name apxs queries run at once.
_AT_ONCE = 4


def _answers(names: tuple[str, ...],
             results: list[commands.CommandResult]) -> tuple[dict[str, Optional[str]], list[str]]:
    """Each name's value from its own ``apxs -q NAME`` (None where it failed), and the problems."""
    values = {n: (r.stdout.strip() or None) if r.ok else None for n, r in zip(names, results)}
    problems = sorted({f"{r.display}: {r.error}" for r in results if r.error})
    return values, problems


def find_apr_h(ctx: ProbeContext, includedir: Optional[str], apr_config: Optional[str]) -> Optional[str]:
    """apr.h in APR_INCLUDEDIR, else in what apr-config says (asked only when needed)."""
    def in_dir(d: Optional[str]) -> Optional[str]:
        path = os.path.join(d, "apr.h") if d else None
        return path if path and os.path.isfile(path) else None

    found = in_dir(includedir)
    if found:
        return found
    tools = [apr_config] if apr_config else []
    tools += [t for t in (commands.which(n) for n in APR_CONFIGS) if t and t not in tools]
    for tool in tools:
        res = ctx.run([tool, "--includedir"], timeout=5.0)
        found = in_dir(res.stdout.strip()) if res.ok else None
        if found:
            return found
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
