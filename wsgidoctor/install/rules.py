"""Findings about finding the installation at all."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import derivation, finding, rule

APACHE_NOT_FOUND = finding(
    "apache-not-found", Severity.ERROR, "install",
    "No Apache httpd binary was found",
    """wsgidoctor looks for the httpd binary of a running server first, then for apache2, httpd and
    httpd2 on PATH and in the usual install places (/usr/sbin, /usr/local/apache2/bin, Homebrew's
    bin directories). None was found, so nothing about Apache could be checked. Either Apache is
    not installed, or it lives somewhere unusual.""",
    "Install Apache (Debian/Ubuntu: `apt-get install apache2`; RHEL: `dnf install httpd`), or "
    "name the binary: `wsgidoctor check --httpd /path/to/httpd`.",
)

HTTPD_FAILED = finding(
    "httpd-command-failed", Severity.ERROR, "install",
    "The httpd binary could not be run as Apache httpd",
    """Running the httpd binary with -V (as the control script would, with Apache's start
    environment) did not give Apache's build information. Either the binary is not Apache httpd at
    all (--httpd naming another program), or it could not run: a missing shared library, a binary
    for another architecture or a permission problem are the usual causes. Nothing that depends on
    httpd (its build, its modules, its configuration, its accept mutex) can be examined until it
    runs, and what the program printed or its exit status says nothing about Apache's
    configuration.""",
    "Run the command shown in the evidence yourself and fix what it reports.",
)


#: How a command stopped at wsgidoctor's memory limit is described (core.subprocesses): httpd was
#: reading a configuration that needs too much memory, which is Apache at work.
MEMORY_LIMIT_HIT = "stopped at wsgidoctor's memory limit"


@derivation(order=10)
def httpd_identified(facts: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """``install.httpd_identified``: whether the binary examined answered as Apache httpd.

    Only for this machine (``install.version_command``). Apache identifies itself by the
    ``Server version:`` line of ``-V`` (printed even when its configuration is broken), or by a
    module list; a ``-V`` stopped at the memory limit was httpd reading its configuration. Anything
    else (/bin/false, a script, python3, a loader error) is not Apache answering: nothing it printed
    or its exit status says anything about Apache or its configuration.
    """
    cmd = F.get(facts, "install.version_command")
    if not isinstance(cmd, dict) or not isinstance(facts.get("install"), dict):
        return None
    return {"install": {"httpd_identified": bool(
        F.get(facts, "apache.version") or F.get(facts, "apache.modules")
        or head_is_version(cmd.get("output_head") or []) or MEMORY_LIMIT_HIT in str(cmd.get("error") or ""))}}


@rule
def httpd_runs(facts: dict[str, Any]) -> Iterable[Finding]:
    cmd = F.get(facts, "install.version_command")
    if not cmd or F.get(facts, "apache.version"):
        return
    head = [str(line) for line in cmd.get("output_head") or []]
    evidence = [Evidence(cmd["command"], line) for line in head]
    if F.get(facts, "install.httpd_identified") is False:
        yield HTTPD_FAILED.make(not_httpd_detail(cmd) + " It did not answer as Apache httpd does (no "
                                "`Server version:` line), so nothing that depends on httpd (its build, "
                                "modules, configuration, accept mutex) was examined.",
                                evidence or [Evidence(cmd["command"], "")], fix=NOT_HTTPD_FIX)
    elif cmd.get("error") or cmd.get("exit_code"):
        why = cmd.get("error") or f"exit code {cmd.get('exit_code')}"
        yield HTTPD_FAILED.make(f"`{cmd['command']}` failed ({why})" + (": " + head[0] if head else "."), evidence)


#: What to do when the binary given or found is not (or could not be run as) Apache httpd.
NOT_HTTPD_FIX = ("Name the real Apache binary: `wsgidoctor check --httpd /usr/sbin/apache2` (or /usr/sbin/httpd, "
                 "/usr/local/apache2/bin/httpd). If this is your Apache, run the command shown yourself and "
                 "fix what stops it (a missing shared library, a binary for another architecture).")


def not_httpd_detail(cmd: dict[str, Any]) -> str:
    """How ``httpd -V`` went when it did not answer as Apache: run or not, exit status, first line."""
    binary = str(cmd.get("command") or "").rsplit(" -V", 1)[0] or "the binary"
    head = [str(line) for line in cmd.get("output_head") or []]
    if cmd.get("error"):
        how = f": `{cmd.get('command')}` failed" if cmd.get("command") != binary else ""
        ran = f"`{binary}` could not be run as Apache httpd{how} ({cmd['error']})"
    else:
        status = f"exited with status {cmd['exit_code']}" if cmd.get("exit_code") else "exited with status 0"
        ran = f"`{binary}` is not Apache httpd, or could not be run as it: `{cmd.get('command')}` {status}"
    return ran + (f" and printed: {head[0]}." if head else " and printed nothing." if not cmd.get("error") else ".")


def head_is_version(head: list[str]) -> bool:
    """Whether the first lines of an ``httpd -V`` look like Apache's (a "Server version:" line)."""
    return any(line.strip().lower().startswith("server version") for line in head)
