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


SELINUX_DENIAL = finding(
    "selinux-denial", Severity.ERROR, SECTION,
    "SELinux denied Apache (httpd_t) an access",
    """On RHEL, CentOS, Fedora and their rebuilds SELinux confines Apache to the httpd_t domain,
    whatever the file modes say: httpd may read only files labelled for it (httpd_sys_content_t,
    lib_t...), may not read home directories (user_home_t) unless httpd_read_user_content or
    httpd_enable_homedirs is on, may not open network connections (a database, an API) unless
    httpd_can_network_connect(_db) is on, and may not make memory executable (some C extensions,
    cffi, JITs) unless httpd_execmem is on. Each denial is an AVC record in the audit log;
    mod_wsgi only sees "Permission denied" (loading mod_wsgi.so, reading the WSGI script,
    importing from a virtual environment under /home) or a connection error.""",
    "Label what Apache must read (`semanage fcontext -a -t httpd_sys_content_t '/srv/app(/.*)?'` then "
    "`restorecon -Rv /srv/app`), or turn on the boolean the denial names (`setsebool -P <boolean> 1`); "
    "`audit2why` explains each denial. Do not disable SELinux.",
)
SELINUX_LABEL = finding(
    "selinux-label-unreadable", Severity.WARNING, SECTION,
    "A path the configuration uses carries an SELinux label httpd may not read",
    """Files keep the label of where they were created: a project created in a home directory
    and moved (not copied) to /srv stays user_home_t, a virtual environment built in /tmp stays
    tmp_t, a directory created under / is default_t. Under an enforcing policy Apache (httpd_t)
    cannot read them, although the modes allow it.""",
    "Give the path a label httpd may read: `semanage fcontext -a -t httpd_sys_content_t '<dir>(/.*)?'` "
    "then `restorecon -Rv <dir>` (httpd_sys_rw_content_t where the application writes).",
)

#: Label types httpd_t may not read under the targeted policy (without a boolean).
UNREADABLE_TYPES = {"user_home_t", "user_home_dir_t", "admin_home_t", "tmp_t", "user_tmp_t", "default_t",
                    "unlabeled_t", "container_file_t", "samba_share_t", "nfs_t"}
_HOME_TYPES = {"user_home_t", "user_home_dir_t", "admin_home_t"}


def denial_fix(d: dict[str, Any], booleans: dict[str, bool]) -> str:
    """The narrowest change that would allow this denial."""
    perms = set(d.get("permissions") or ())
    target = d.get("target_type") or ""

    def boolean(name: str) -> str:
        state = booleans.get(name)
        return f"`setsebool -P {name} 1`" + (" (it is off)" if state is False else "")
    if "name_connect" in perms:
        return boolean("httpd_can_network_connect_db" if d.get("dest") in ("5432", "3306") else "httpd_can_network_connect")
    if "execmem" in perms:
        return boolean("httpd_execmem")
    if target in _HOME_TYPES:
        return boolean("httpd_read_user_content") + ", or move the files out of the home directory and label them"
    where = d.get("path") or d.get("name") or "<dir>"
    return (f"`semanage fcontext -a -t httpd_sys_content_t '{where}(/.*)?'` then `restorecon -Rv {where}` "
            f"(it is {target}); check with `audit2why`")


@rule
def selinux_denials(f: dict[str, Any]) -> Iterable[Finding]:
    booleans = F.get(f, "selinux.booleans") or {}
    seen: set[tuple[str, str, str]] = set()
    for d in F.get(f, "selinux.denials") or ():
        if not str(d.get("source_type") or "").startswith("httpd"):
            continue
        key = (" ".join(d.get("permissions") or ()), str(d.get("target_type")), str(d.get("name")))
        if key in seen:
            continue
        seen.add(key)
        what = d.get("path") or d.get("name") or d.get("dest") or "?"
        mode = " (permissive: logged, not enforced)" if d.get("permissive") else ""
        detail = (f"{d.get('comm')} ({d.get('source_type')}) was denied {{ {key[0]} }} on {d.get('tclass')} "
                  f"{what} labelled {d.get('target_type')}{mode}.")
        yield SELINUX_DENIAL.make(detail=detail, fix=denial_fix(d, booleans),
                                  evidence=[Evidence(source="audit log (AVC)", text=str(d.get("line")))])


@rule
def selinux_labels(f: dict[str, Any]) -> Iterable[Finding]:
    for label in F.get(f, "selinux.labels") or ():
        if label.get("type") in UNREADABLE_TYPES:
            path = label["path"]
            yield SELINUX_LABEL.make(
                detail=f"{path} is labelled {label['context']}: httpd_t may not read {label['type']}.",
                fix=(f"`semanage fcontext -a -t httpd_sys_content_t '{path}(/.*)?'` then `restorecon -Rv {path}`"
                     + (" (or `setsebool -P httpd_read_user_content 1`)" if label["type"] in _HOME_TYPES else "")),
                evidence=[Evidence(source="ls -Z", text=f"{label['context']} {path}")])


APPARMOR_DENIAL = finding(
    "apparmor-denial", Severity.ERROR, SECTION,
    "AppArmor denied Apache an access",
    """On Ubuntu, Debian and SUSE an AppArmor profile may confine Apache (usr.sbin.apache2,
    shipped by apache2's apparmor package or by an application). A profile allows only the paths
    and programs it lists: a WSGI script, virtual environment or static file elsewhere, or a
    program the application runs (uname, file, git), is denied whatever the file modes say. The
    kernel logs `apparmor="DENIED" ... profile="/usr/sbin/apache2"`; Apache only sees "(13)Permission
    denied" (AH00132, AH00035) and Python a PermissionError.""",
    "Add the path to the profile's local override (`/etc/apparmor.d/local/usr.sbin.apache2`, e.g. "
    "`/srv/app/** r,` or `/usr/bin/uname ix,`) and reload it (`apparmor_parser -r "
    "/etc/apparmor.d/usr.sbin.apache2`); `aa-logprof` proposes the rules from the log.",
)

_MASK = {"r": "r", "w": "rw", "x": "ix", "c": "w", "a": "w"}


@rule
def apparmor_denials(f: dict[str, Any]) -> Iterable[Finding]:
    seen: set[tuple[str, str]] = set()
    for d in F.get(f, "apparmor.denials") or ():
        profile = str(d.get("profile") or "")
        if not any(k in profile for k in ("apache2", "httpd")):
            continue
        key = (str(d.get("operation")), str(d.get("name")))
        if key in seen:
            continue
        seen.add(key)
        mask = "".join(sorted({_MASK.get(c, c) for c in str(d.get("denied") or "r")}))
        if "x" in mask:
            mask = "ix"
        yield APPARMOR_DENIAL.make(
            detail=(f"The profile {profile} denied {d.get('comm')} (fsuid {d.get('fsuid')}) {d.get('operation')} "
                    f"{d.get('name')} (requested {d.get('requested')})."),
            fix=(f"Add `{d.get('name')} {mask},` to /etc/apparmor.d/local/usr.sbin.apache2 and reload the profile "
                 f"(`apparmor_parser -r /etc/apparmor.d/usr.sbin.apache2`)."),
            evidence=[Evidence(source="kernel log (AppArmor)", text=str(d.get("line")))])
