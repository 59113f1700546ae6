"""``httpd -M``: the modules this configuration loads (and whether the configuration parses).

Run with the same environment and arguments as the server itself (see the discovery probe), so
Debian's ${APACHE_*} variables resolve. ``-M`` reads and checks the whole configuration as ``-t``
does, so its errors are kept in the raw output for the configtest parser, and its exit status is
recorded as ``apache.config_read{command, exit_code, output_tail}``: a non-zero status means
httpd refuses the configuration even when no message could be parsed, unless wsgidoctor's user,
not being root, could not reach a file the errors name (``config_read.unreadable``, see
:mod:`wsgidoctor.apache.unreadable`): Apache reads those as root.
"""

from __future__ import annotations

from wsgidoctor.core.model import RawOutput
from wsgidoctor.core.subprocesses import CommandResult
from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput


def run_flag(ctx: ProbeContext, flag: str) -> CommandResult:
    """The discovered httpd run with one more flag, as its server is started (argv, environment,
    in /); :class:`NotApplicable` when no httpd was found."""
    argv = ctx.fact("install.httpd_argv")
    if not argv:
        raise NotApplicable("no httpd binary was found")
    return ctx.run([*argv, flag], env=ctx.fact("install.start_env") or None, cwd="/")


def run_httpd(ctx: ProbeContext, flag: str, kind: str) -> ProbeOutput:
    """Run the discovered httpd with one more flag and return its output as ``kind``."""
    result = run_flag(ctx, flag)
    out = ProbeOutput(raw=[RawOutput(kind, result.display, result.output, result.returncode,
                                     result.truncated)])
    if flag == "-M":  # whether -M itself worked: a failure here is an error, not an unknown
        out.facts["apache"] = {"modules_command": {
            "command": result.display, "exit_code": result.returncode, "error": result.error,
            "printed": bool(result.output.strip())}}
    if result.error:
        out.notes.append(f"{result.display}: {result.error}")
    return out


def run_modules(ctx: ProbeContext) -> ProbeOutput:
    """``httpd -M``, plus whether httpd accepted the configuration (its exit status)."""
    out = run_httpd(ctx, "-M", "httpd-M")
    raw = out.raw[0]
    if raw.exit_code is not None:
        tail = [line for line in raw.text.splitlines() if line.strip()][-3:]
        read = out.facts.setdefault("apache", {})["config_read"] = {
            "command": raw.source, "exit_code": raw.exit_code, "output_tail": tail}
        if raw.exit_code != 0:
            from wsgidoctor.apache.unreadable import current_identity, unreadable_paths

            who = current_identity()
            read["as_root"] = None if who is None else who.uid == 0
            read["unreadable"] = unreadable_paths(raw.text, who)
    return out


PROBE = Probe(
    name="httpd_modules",
    description="httpd -M: loaded modules, static or shared",
    needs=("discovery",),
    run=run_modules,
    timeout=30.0,
)
