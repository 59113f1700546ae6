"""Where mod_wsgi puts its daemon sockets and whether Apache's user can reach them.

The prefix is ``WSGISocketPrefix`` (relative to ServerRoot) or mod_wsgi's compiled-in default,
``DEFAULT_REL_RUNTIMEDIR "/wsgi"`` — a string in ``mod_wsgi.so`` (Debian: ``/var/run/apache2/wsgi``,
httpd's default layout: ``logs/wsgi``). Sockets are ``<prefix>.<pid>.<generation>.<id>.sock``
(notes §5.3); the Apache child user connects to them, so it must be able to search every
directory on the way, and the path must fit ``sun_path`` (108 bytes on Linux, with its NUL).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
from dataclasses import dataclass
from typing import Any, Optional

#: sizeof(sockaddr_un.sun_path) on Linux; the path and its terminating NUL must fit.
SUN_PATH_MAX = 108
#: Stands for the suffix mod_wsgi appends, ".<pid>.<generation>.<id>.sock": 16 bytes, about
#: what a 5-digit pid, generation 0 and a one-digit group id take.
EXAMPLE_SUFFIX = ".pid.gen.id.sock"

_PREFIX_STRING = re.compile(rb"\x00([A-Za-z0-9_./-]{0,200}/wsgi)\x00")


def default_prefix_from_module(data: bytes) -> Optional[str]:
    """The compiled-in socket prefix found in a mod_wsgi.so's bytes, or None."""
    for m in _PREFIX_STRING.finditer(data):
        text = m.group(1).decode("ascii", "replace")
        if "//" not in text and not text.startswith("http"):
            return text
    return None


def effective_prefix(configured: Optional[str], default: Optional[str], server_root: str) -> Optional[str]:
    """The absolute socket prefix in force."""
    value = configured or default
    if not value:
        return None
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(server_root, value))


def socket_path_length(prefix: str) -> int:
    """Bytes of a socket path for this prefix, its terminating NUL included (must be <= 108)."""
    return len((prefix + EXAMPLE_SUFFIX).encode("utf-8")) + 1


@dataclass(frozen=True)
class DirAccess:
    """One directory on the way to the socket and whether the user may search it."""

    path: str
    exists: bool
    is_dir: bool
    mode: Optional[str]  # "drwx--x--x"
    owner: Optional[str]
    group: Optional[str]
    searchable: Optional[bool]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "exists": self.exists, "is_dir": self.is_dir, "mode": self.mode,
                "owner": self.owner, "group": self.group, "searchable": self.searchable}


def user_credentials(user: str, group: Optional[str] = None) -> Optional[tuple[int, set[int]]]:
    """(uid, gids) of a user name or ``#uid``, with its supplementary groups; None if unknown."""
    try:
        entry = pwd.getpwuid(int(user[1:])) if user.startswith("#") else pwd.getpwnam(user)
    except (KeyError, ValueError):
        return None
    gids = {entry.pw_gid}
    if group:
        try:
            gids.add(grp.getgrgid(int(group[1:])).gr_gid if group.startswith("#")
                     else grp.getgrnam(group).gr_gid)
        except (KeyError, ValueError):
            pass
    try:
        gids |= set(os.getgrouplist(entry.pw_name, entry.pw_gid))
    except OSError:
        pass
    return entry.pw_uid, gids


def _name(fn: Any, ident: int) -> Optional[str]:
    try:
        return fn(ident)[0]
    except KeyError:
        return str(ident)


def can_search(st: os.stat_result, uid: int, gids: set[int], path: Optional[str] = None) -> bool:
    """Search (x) permission on a directory for ``uid``/``gids`` (its ACL too, given ``path``)."""
    from wsgidoctor.linkage.access import Identity, allowed

    return allowed(st, Identity(str(uid), uid, frozenset(gids)), 1, path)


def directories_access(prefix: str, uid: int, gids: set[int]) -> list[DirAccess]:
    """Every directory from ``/`` to the socket directory, checked for search permission."""
    directory = os.path.dirname(prefix) or "/"
    parts = [p for p in directory.split("/") if p]
    paths = ["/"] + ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]
    out = []
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            out.append(DirAccess(path, False, False, None, None, None, None))
            break
        except OSError:
            out.append(DirAccess(path, True, False, None, None, None, None))
            break
        is_dir = stat.S_ISDIR(st.st_mode)
        out.append(DirAccess(path, True, is_dir, stat.filemode(st.st_mode), _name(pwd.getpwuid, st.st_uid),
                             _name(grp.getgrgid, st.st_gid), can_search(st, uid, gids, path) if is_dir else False))
    return out
