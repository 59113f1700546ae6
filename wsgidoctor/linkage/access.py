"""Can a given user read a file? Evaluated from the mode bits, as that user, not as ourselves.

The doctor usually runs as root, for whom ``os.access`` always says yes, while the question that
matters is whether Apache's ``User`` (www-data, apache, _www...) can reach a library or a Python
installation. Every directory on the way needs search (x) permission and the file read (r).
POSIX access ACLs are evaluated (``wsgidoctor.permissions.acl``); SELinux labels are not.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass
from typing import Optional

#: Who Apache's children run as when neither the configuration nor envvars say.
DEFAULT_USERS = {"debian": "www-data", "rhel": "apache", "macos": "_www", "source": "daemon"}


@dataclass(frozen=True)
class Identity:
    """A user and the groups it belongs to."""

    name: str
    uid: int
    gids: frozenset[int]

    @classmethod
    def for_user(cls, name: str) -> Optional["Identity"]:
        """The identity of a user name or ``#uid``; None when the system does not know it."""
        try:
            entry = pwd.getpwuid(int(name[1:])) if name.startswith("#") else pwd.getpwnam(name)
        except (KeyError, ValueError):
            return None
        try:
            groups = os.getgrouplist(entry.pw_name, entry.pw_gid)
        except OSError:
            groups = [entry.pw_gid] + [g.gr_gid for g in grp.getgrall() if entry.pw_name in g.gr_mem]
        return cls(entry.pw_name, entry.pw_uid, frozenset(groups))

    @classmethod
    def root(cls) -> "Identity":
        return cls("root", 0, frozenset({0}))


def default_apache_user(distribution: Optional[str]) -> Optional[str]:
    """The distribution's default ``User`` for Apache, or the first such user that exists."""
    if distribution in DEFAULT_USERS:
        return DEFAULT_USERS[distribution]
    for name in ("www-data", "apache", "_www", "daemon"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return None


def allowed(st: os.stat_result, who: Identity, want: int, path: Optional[str] = None) -> bool:
    """Whether ``who`` gets ``want`` (4 read, 1 search/execute) on a file with stat ``st``; with
    ``path``, its POSIX access ACL (if any) is evaluated in place of the mode bits."""
    if who.uid == 0:
        return want != 1 or stat.S_ISDIR(st.st_mode) or bool(st.st_mode & 0o111)
    if path is not None:
        from wsgidoctor.permissions import acl

        entries = acl.read(path)
        if acl.extended(entries):
            return acl.permits(entries or [], st.st_uid, st.st_gid, who.uid, who.gids, want)
    if st.st_uid == who.uid:
        bits = (st.st_mode >> 6) & 7
    elif st.st_gid in who.gids:
        bits = (st.st_mode >> 3) & 7
    else:
        bits = st.st_mode & 7
    return bool(bits & want)


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) for i in range(0, len(parts))]


@dataclass(frozen=True)
class Blocked:
    """Where access stops: the path that cannot be passed, and why.

    ``checked`` is False when wsgidoctor's own user could not look at ``path`` (a directory above
    it is closed to that user): whether the other user can pass is then unknown, not denied.
    """

    path: str
    reason: str  # "no search permission on directory" / "no read permission"
    mode: str  # "drwx------ root:root"
    checked: bool = True

    def to_json(self) -> dict:
        return {"path": self.path, "reason": self.reason, "mode": self.mode, "checked": self.checked}


#: Why a path could not be checked (see :attr:`Blocked.checked`).
UNSEEN = "wsgidoctor's user may not look at this path, so whether that user can reach it is unknown"


def _describe(st: os.stat_result) -> str:
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"{stat.filemode(st.st_mode)} {owner}:{group}"


def first_blocked(path: str, who: Identity, want_dir: bool = False) -> Optional[Blocked]:
    """The first directory or file on ``path`` that ``who`` cannot pass, or None; a result with
    ``checked`` False where wsgidoctor's own user could not look (root always can).

    Both the path as written and its symlink-resolved form are walked, since the kernel traverses
    the directories of each symlink's target too.
    """
    absolute = os.path.abspath(path)
    routes = [absolute]
    try:
        real = os.path.realpath(absolute)
    except OSError:  # a link wsgidoctor itself may not follow (/proc/<pid>/root of another process)
        real = absolute
    if real != absolute:
        routes.append(real)
    for route in routes:
        for directory in _prefixes(route):
            try:
                st = os.stat(directory)
            except PermissionError:
                return Blocked(directory, UNSEEN, "?", checked=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode) and not allowed(st, who, 1, directory):
                return Blocked(directory, "no search (x) permission on this directory", _describe(st))
        try:
            st = os.stat(route)
        except PermissionError:
            return Blocked(route, UNSEEN, "?", checked=False)
        except OSError:
            continue
        if not allowed(st, who, 4, route):
            return Blocked(route, "no read (r) permission", _describe(st))
        if want_dir and stat.S_ISDIR(st.st_mode) and not allowed(st, who, 1, route):
            return Blocked(route, "no search (x) permission on this directory", _describe(st))
    return None
