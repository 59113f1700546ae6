"""Rules for service sandboxing: a path the configuration uses that systemd's sandbox of the
Apache unit hides or makes read-only. Facts: ``sandbox.*`` (wsgidoctor/sandbox/probe.py)."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import finding, rule
from wsgidoctor.core.model import Evidence, Finding, Severity

SECTION = "sandbox"

HIDDEN = finding(
    "service-sandbox-hides-path", Severity.ERROR, SECTION,
    "systemd's sandbox of the Apache service hides a path the configuration uses",
    """systemd can give a service its own view of the filesystem. Debian's and Ubuntu's
    apache2.service (and RHEL's httpd.service) set PrivateTmp=true: Apache gets a /tmp and
    /var/tmp of its own, empty at start, so a WSGI script, virtual environment or socket
    directory that you created under /tmp is not there for Apache, although `ls` shows it to you
    (and `apache2ctl configtest` run from your shell passes). The daemon processes then fail with
    "Couldn't bind unix domain socket" or requests with "Unable to connect to WSGI daemon
    process"; a script gives 404. ProtectHome=yes hides /home, /root and /run/user the same way;
    ProtectSystem=strict (full) makes the whole filesystem (/usr, /boot, /etc) read-only except
    ReadWritePaths=, so a socket directory there cannot be written.""",
    "Keep what Apache needs out of /tmp and the home directories: sockets in `WSGISocketPrefix "
    "${APACHE_RUN_DIR}/wsgi` (Debian) or `run/wsgi` (RHEL), applications under /srv or /var/www. "
    "Only if that is impossible, relax the unit with a drop-in (`systemctl edit apache2`: "
    "`[Service]` `PrivateTmp=false`, or `ReadWritePaths=<dir>`).",
)

_TMP = ("/tmp/", "/var/tmp/")
_HOME = ("/home/", "/root/", "/run/user/")


def _under(path: str, prefixes: Iterable[str]) -> bool:
    return any(path.rstrip("/") + "/" == p or path.startswith(p) for p in prefixes)


def _at(unit: dict[str, Any], key: str) -> str:
    return (unit.get("where") or {}).get(key) or unit.get("name") or "the unit"


def _why(item: dict[str, Any], unit: dict[str, Any], observed: dict[str, Any], managed: bool) -> Optional[tuple[str, str]]:
    """(setting, explanation) when ``item`` is hidden or read-only for the service."""
    values = unit.get("values") or {}
    path = item["path"]
    if _under(path, _TMP) and path.rstrip("/") not in ("/tmp", "/var/tmp"):
        if observed.get("private_tmp") and item.get("exists_here") and item.get("seen_by_server") is False:
            return "PrivateTmp", (f"the running server (pid {observed.get('pid')}) has a /tmp of its own "
                                  f"(PrivateTmp=true at {_at(unit, 'PrivateTmp')}) where {path} does not exist")
        if managed and values.get("PrivateTmp") and observed.get("pid") is None:
            return "PrivateTmp", (f"PrivateTmp=true at {_at(unit, 'PrivateTmp')} gives Apache an empty /tmp "
                                  f"of its own: {path} will not be there")
    if not managed:
        return None
    home = values.get("ProtectHome")
    if _under(path, _HOME) and (home in ("yes", "tmpfs") or (home == "read-only" and item.get("write"))):
        return "ProtectHome", f"ProtectHome={home} at {_at(unit, 'ProtectHome')} {'hides' if home != 'read-only' else 'makes read-only'} {path}"
    system = values.get("ProtectSystem")
    if item.get("write") and system in ("strict", "full", "yes"):
        writable = [p.rstrip("/") + "/" for p in values.get("ReadWritePaths") or ()]
        protected = {"strict": ("/",), "full": ("/usr/", "/boot/", "/efi/", "/etc/"), "yes": ("/usr/", "/boot/", "/efi/")}[system]
        if _under(path, protected) and not _under(path, writable) and not _under(path, ("/dev/", "/proc/", "/sys/")):
            return "ProtectSystem", (f"ProtectSystem={system} at {_at(unit, 'ProtectSystem')} makes {path} read-only "
                                     f"for Apache (not in ReadWritePaths)")
    return None


@rule
def sandbox_hides_paths(f: dict[str, Any]) -> Iterable[Finding]:
    unit = F.get(f, "sandbox.unit") or {}
    observed = F.get(f, "sandbox.observed") or {}
    managed = bool(F.get(f, "sandbox.managed"))
    for item in F.get(f, "sandbox.paths") or ():
        why = _why(item, unit, observed, managed)
        if why is None:
            continue
        setting, text = why
        file, _, line = str(item.get("where") or "").rpartition(":")
        evidence = [Evidence(source=file or str(item.get("where")), line=int(line) if line.isdigit() else None,
                             text=item["what"])]
        at = (unit.get("where") or {}).get(setting, "")
        ufile, _, uline = at.rpartition(":")
        if ufile:
            evidence.append(Evidence(source=ufile, line=int(uline) if uline.isdigit() else None, text=setting))
        yield HIDDEN.make(detail=f"The {item['what']} {item['path']} ({item['where']}): {text}.", evidence=evidence)
