"""Which files named in httpd's own errors wsgidoctor's user could not reach.

Apache reads its configuration, certificates and keys as root when it starts. wsgidoctor, run by
a user who is not root, runs ``httpd -M`` as that user: a file only root may read (an Include in
a 0700 directory, a key under Debian's /etc/ssl/private) then makes httpd fail with "Permission
denied" or "does not exist or is empty", although the server itself starts. Such an error says
nothing about the configuration: it says what could not be examined. This module finds, for the
paths in an output's error lines, the first directory or file on the way that the user cannot
pass (mode bits and ACLs, as :mod:`wsgidoctor.linkage.access` evaluates them).
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.lazyre import lazy_re
from wsgidoctor.linkage.access import Identity, first_blocked

#: Words of httpd's messages about a file it could not open or find.
_SIGNS = ("Permission denied", "does not exist", "Could not open", "No such file", "Unable to",
          "unable to", "Cannot", "cannot", "Can't", "can't")
_PATH = lazy_re(r"(?<![\w.])(/[^\s:'\"`(),]+)")


def current_identity() -> Optional[Identity]:
    """The user wsgidoctor runs as (effective uid and groups); None where there are no uids."""
    if not hasattr(os, "geteuid"):
        return None
    uid = os.geteuid()
    try:
        import pwd

        name = pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        name = f"#{uid}"
    return Identity(name, uid, frozenset({os.getegid(), *os.getgroups()}))


def unreadable_paths(text: str, who: Optional[Identity]) -> list[dict[str, Any]]:
    """``[{path, blocked_at, reason, mode}]`` for each path in ``text``'s error lines that ``who``
    cannot reach; empty for root (who reads what Apache reads) or when ``who`` is unknown."""
    if who is None or who.uid == 0:
        return []
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line in text.splitlines():
        if not any(sign in line for sign in _SIGNS):
            continue
        for path in _PATH.findall(line):
            path = path.rstrip(".")
            if path in seen:
                continue
            seen.add(path)
            blocked = first_blocked(path, who)
            if blocked is not None:
                found.append({"path": path, "blocked_at": blocked.path, "reason": blocked.reason,
                              "mode": blocked.mode})
    return found


def unreadable_by_wsgidoctor(facts: Mapping[str, Any]) -> list[str]:
    """The paths of ``apache.config_read.unreadable``: named in httpd's errors, and out of reach
    of wsgidoctor's user. Apache reads them as root, so their errors say what was not examined."""
    return [str(u["path"]) for u in F.get(facts, "apache.config_read.unreadable") or ()
            if isinstance(u, Mapping) and u.get("path")]


def refusing_errors(facts: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``apache.configtest.errors`` without those about a file wsgidoctor's user could not reach:
    the errors that say Apache itself refuses the configuration."""
    unreadable = unreadable_by_wsgidoctor(facts)
    return [e for e in F.get(facts, "apache.configtest.errors") or () if isinstance(e, Mapping)
            and not any(path in str(e.get("message") or "") for path in unreadable)]
