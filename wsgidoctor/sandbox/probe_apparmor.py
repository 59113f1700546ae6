"""Probe "apparmor": the loaded AppArmor profile confining Apache (apache2, httpd) and its mode,
and the kernel's recent denials as a raw output for :mod:`wsgidoctor.sandbox.parse_apparmor`."""

from __future__ import annotations

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput
from wsgidoctor.core.model import RawOutput

PROFILES = "/sys/kernel/security/apparmor/profiles"


def apparmor_profiles(ctx: ProbeContext) -> list[dict[str, str]]:
    """The loaded AppArmor profiles that confine Apache (apache2, httpd), with their mode."""
    from wsgidoctor.sandbox.parse_apparmor import parse_profiles

    text, _ = ctx.read_text(PROFILES, limit=1024 * 1024)
    return [p for p in parse_profiles(text or "")
            if any(k in p["name"] for k in ("apache2", "httpd"))]


def run(ctx: ProbeContext) -> ProbeOutput:
    profiles = apparmor_profiles(ctx)
    out = ProbeOutput(facts={"apparmor": {"profiles": profiles}})
    if not profiles:  # no profile confines Apache: nothing to look for in the kernel log
        return out
    if commands.which("journalctl"):
        r = ctx.run(["journalctl", "-k", "--since", "-1d", "--no-pager", "-g", 'apparmor="DENIED"'], timeout=20)
        out.raw.append(RawOutput(kind="apparmor", source=r.display, text=r.stdout, exit_code=r.returncode))
    return out


PROBE = Probe(name="apparmor", run=run, needs=(), timeout=30.0,
              description="AppArmor profile confining Apache, and its recent denials")
