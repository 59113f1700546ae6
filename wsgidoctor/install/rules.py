"""Findings about finding the installation at all."""

from __future__ import annotations

from typing import Any, Iterable

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import finding, rule

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
    "The httpd binary could not be run",
    """Running the httpd binary with -V (as the control script would, with Apache's start
    environment) failed. Nothing else about the build can be read until it runs. A missing shared
    library, a binary for another architecture or a permission problem are the usual causes.""",
    "Run the command shown in the evidence yourself and fix what it reports.",
)


@rule
def apache_found(facts: dict[str, Any]) -> Iterable[Finding]:
    install = facts.get("install")
    if install is None or facts.get("apache"):
        return
    if not install.get("httpd"):
        yield APACHE_NOT_FOUND.make("Searched: the running processes, PATH, /usr/sbin, /usr/local/apache2/bin, "
                                    "/opt/homebrew/bin, /usr/local/opt/httpd/bin and similar.")


@rule
def httpd_runs(facts: dict[str, Any]) -> Iterable[Finding]:
    cmd = F.get(facts, "install.version_command")
    if not cmd or F.get(facts, "apache.version"):
        return
    if cmd.get("error") or cmd.get("exit_code"):
        why = cmd.get("error") or f"exit code {cmd.get('exit_code')}"
        head = cmd.get("output_head") or []
        yield HTTPD_FAILED.make(f"`{cmd['command']}` failed ({why})" + (": " + head[0] if head else "."),
                                [Evidence(cmd["command"], line) for line in head])
    elif not head_is_version(cmd.get("output_head") or []):
        # it ran and exited 0 but is no httpd (--httpd /bin/true): nothing was examined
        head = cmd.get("output_head") or []
        said = f"; it printed: {head[0]}" if head else " and printed nothing"
        yield HTTPD_FAILED.make(f"`{cmd['command']}` gave no Apache build information{said}. "
                                "It is not an Apache httpd binary.",
                                [Evidence(cmd["command"], line) for line in head],
                                fix="Name the real Apache binary: `wsgidoctor check --httpd /usr/sbin/apache2` "
                                    "(or /usr/sbin/httpd, /usr/local/apache2/bin/httpd).")


def head_is_version(head: list[str]) -> bool:
    """Whether the first lines of an ``httpd -V`` look like Apache's (a "Server version:" line)."""
    return any(line.strip().lower().startswith("server version") for line in head)
