"""Rules for file permissions: a path Apache's user (or a daemon group's user) must reach, but
cannot. Facts come from the permissions probe (``permissions.checks``)."""

from __future__ import annotations

import os
from typing import Any, Iterable

from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import finding, rule
from wsgidoctor.core.model import Evidence, Finding, Severity

SECTION = "permissions"

_WHAT = {"wsgi-script": "the WSGI script", "python-home": "the Python home",
         "python-path": "a python-path directory", "static": "an Alias'd directory"}

PATH_BLOCKED = finding(
    "path-not-accessible", Severity.ERROR, SECTION,
    "Apache's user cannot reach a path the configuration needs",
    """Apache's children run as its User (www-data, apache), and daemon process groups as their
    user=; neither is root. To read a file, that user needs search (x) permission on every
    directory from / down to it, and read (r) on the file; to import from a directory, read and
    search on it. A project or virtual environment under a home directory created 0700 (or 0750)
    is the classic case: the configuration test passes, but requests fail with 403 and "(13)
    Permission denied: ... access to / denied (filesystem path ...) because search permissions
    are missing on a component of the path", with "Target WSGI script ... unable to stat", with
    "Unable to stat Python home", or the application dies with ImportError. Mode bits and POSIX
    ACLs are both evaluated for the user's uid and groups; SELinux labels are examined
    separately. Run as root, wsgidoctor also tries each path as that user: a refusal that mode
    bits and ACLs do not explain comes from the file system (NFS root_squash, a FUSE mount without
    allow_other) or a security module.""",
    "Give that user search permission on the blocking directory and no more: `setfacl -m "
    "u:www-data:x <dir>` (or `chmod o+x <dir>`), read on the files it needs, or move the project "
    "out of the home directory (e.g. under /srv).",
)


def fix_command(item: dict[str, Any]) -> str:
    """The narrowest shell command that unblocks ``item`` (an ACL entry for that user)."""
    blocked = item["blocked"]
    perm = "x" if "search" in blocked["reason"] else ("rx" if item["kind"] != "wsgi-script" and os.path.isdir(blocked["path"]) else "r")
    return f"setfacl -m u:{item['user']}:{perm} {blocked['path']}"


def _covered_elsewhere(f: dict[str, Any], item: dict[str, Any]) -> bool:
    """Already reported by linkage's libpython-unreadable (same blocking path)."""
    unreadable = F.get(f, "linkage.unreadable")
    return bool(unreadable) and unreadable.get("path") == item["blocked"]["path"]


@rule
def paths_not_accessible(f: dict[str, Any]) -> Iterable[Finding]:
    for item in F.get(f, "permissions.checks") or ():
        blocked = item.get("blocked")
        if not blocked and item.get("as_user") == "denied":
            yield _refused_by_the_kernel(item)
            continue
        if not blocked or _covered_elsewhere(f, item):
            continue
        acl = f" (ACL {blocked['acl']})" if blocked.get("acl") else ""
        who = item["user"] + (" (the daemon group's user=)" if item.get("runner") == "daemon" else "")
        detail = (f"{who} cannot reach {_WHAT.get(item['kind'], item['kind'])} {item['path']} "
                  f"({item['directive']} at {item['where']}): {blocked['path']} is {blocked['mode']}{acl}, "
                  f"{blocked['reason']}.")
        file, _, line = item["where"].rpartition(":")
        fix = (f"`{fix_command(item)}` (or `chmod o+{'x' if 'search' in blocked['reason'] else 'r'} "
               f"{blocked['path']}`), or move {item['path']} out of {os.path.dirname(blocked['path']) or '/'}"
               f" to a directory {item['user']} can reach, such as /srv.")
        yield PATH_BLOCKED.make(detail=detail, fix=fix, evidence=[
            Evidence(source=file, line=int(line) if line.isdigit() else None, text=item["directive"])])


def _refused_by_the_kernel(item: dict[str, Any]) -> Finding:
    """A path the mode bits and ACLs open to the user, which the kernel refused when tried as it."""
    who = item["user"] + (" (the daemon group's user=)" if item.get("runner") == "daemon" else "")
    file, _, line = item["where"].rpartition(":")
    return PATH_BLOCKED.make(
        detail=(f"{who} cannot reach {_WHAT.get(item['kind'], item['kind'])} {item['path']} ({item['directive']} "
                f"at {item['where']}): the mode bits and ACLs along the path allow it, but the kernel refused it "
                f"when wsgidoctor tried as {item['user']}. Something other than permissions refuses: the file "
                "system (NFS with root_squash, a FUSE mount without allow_other), a /proc link, or a security "
                "module."),
        fix=(f"Find what refuses: `setpriv --reuid={item['user']} --regid={item['user']} --init-groups ls -ld "
             f"{item['path']}` shows the error; move {item['path']} to a local directory {item['user']} can "
             "reach (such as /srv), or mount the file system so that this user may read it."),
        evidence=[Evidence(source=file, line=int(line) if line.isdigit() else None, text=item["directive"])])
