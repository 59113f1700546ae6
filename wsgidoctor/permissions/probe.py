"""Probe "permissions": can Apache's user (and each daemon group's user=/group=) reach every path
the configuration makes it read?

For each WSGI mount: the script (Apache's child stats it, the process that runs it reads it),
python-home and each python-path entry (read by the process running Python); for each ``Alias``
to a directory: the directory (Apache's child serves its files). Each path is walked from ``/``
with the mode bits and POSIX ACLs of every directory evaluated for that user's uid and groups
(:mod:`wsgidoctor.linkage.access`). Run as root, each path is then also tried as that user
(``setpriv`` to its uid and groups, then ``cd``/``ls`` or an open for reading, in one shell per
user): the kernel's answer (``as_user``) catches what mode bits and ACLs cannot show (NFS
root_squash, FUSE without allow_other, /proc's magic links). The socket prefix, mod_wsgi.so and
libpython are not repeated here: the config and linkage areas examine them (mod_wsgi.so and
libpython are mapped by the root parent before it switches user).
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
from typing import Any, Iterable, Optional

from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput
from wsgidoctor.linkage import access


def identity(user: Optional[str], group: Optional[str]) -> Optional[access.Identity]:
    """The uid and groups a process gets from ``User``/``Group`` (or user=/group=): the group's
    gid plus the user's supplementary groups (initgroups)."""
    if not user:
        return None
    base = access.Identity.for_user(user)
    if base is None:
        return None
    gids = set(base.gids)
    if group:
        try:
            gid = grp.getgrgid(int(group[1:])).gr_gid if group.startswith("#") else grp.getgrnam(group).gr_gid
            gids = {gid} | set(os.getgrouplist(base.name, gid))
        except (KeyError, ValueError, OSError):
            pass
    return access.Identity(base.name, base.uid, frozenset(gids))


def _resolve_user(value: Optional[str], env: dict[str, str]) -> Optional[str]:
    """``${APACHE_RUN_USER}``-style values resolved with the start environment."""
    if value and value.startswith("${") and value.endswith("}"):
        return env.get(value[2:-1])
    return value


def _targets(config: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """(kind, path, want_dir, where, runner-user, runner-group) of every path to check."""
    wsgi_at = (config.get("wsgi") or {}).get("set_at") or {}
    for m in config.get("mounts") or ():
        daemon = m.get("daemon") or {}
        d_user, d_group = daemon.get("user"), daemon.get("group")
        where = f"{m.get('file')}:{m.get('line')}"
        script = m.get("script") or m.get("target")
        if script and not m.get("match"):
            yield {"kind": "wsgi-script", "path": script, "dir": bool(m.get("script_is_directory")),
                   "where": where, "directive": "WSGIScriptAlias", "runner": "apache"}
            if d_user or d_group:
                yield {"kind": "wsgi-script", "path": script, "dir": bool(m.get("script_is_directory")),
                       "where": where, "directive": "WSGIScriptAlias", "runner": "daemon",
                       "user": d_user, "group": d_group}
        runner = {"runner": "daemon", "user": d_user, "group": d_group} if (d_user or d_group) else {"runner": "apache"}
        home = m.get("python_home")
        if home:
            home_at = (f"{daemon.get('file')}:{daemon.get('line')}" if daemon.get("python_home")
                       else wsgi_at.get("WSGIPythonHome", where))
            yield {"kind": "python-home", "path": home, "dir": True, "where": home_at,
                   "directive": "python-home=" if daemon.get("python_home") else "WSGIPythonHome", **runner}
        path = m.get("python_path")
        if path:
            path_at = (f"{daemon.get('file')}:{daemon.get('line')}" if daemon.get("python_path")
                       else wsgi_at.get("WSGIPythonPath", where))
            for entry in str(path).split(":"):
                if entry:
                    yield {"kind": "python-path", "path": entry, "dir": True, "where": path_at,
                           "directive": "python-path=" if daemon.get("python_path") else "WSGIPythonPath",
                           **runner}
    for d in config.get("directives") or ():
        if d.get("name", "").lower() == "alias" and len(d.get("args") or ()) >= 2:
            target = d["args"][1]
            if os.path.isdir(target):
                yield {"kind": "static", "path": target, "dir": True, "where": f"{d.get('file')}:{d.get('line')}",
                       "directive": "Alias", "runner": "apache"}


def examine(config: dict[str, Any], apache_user: Optional[str], apache_group: Optional[str]) -> list[dict[str, Any]]:
    """Every target checked for the identity that needs it; the first blocking path of each."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for t in _targets(config):
        user = t.pop("user", None) or apache_user
        group = t.pop("group", None) or (apache_group if user == apache_user else None)
        who = identity(user, group)
        if who is None:
            continue
        key = (t["kind"], t["path"], who.name)
        if key in seen:
            continue
        seen.add(key)
        blocked = access.first_blocked(t["path"], who, want_dir=t.pop("dir"))
        if blocked is not None and not blocked.checked:
            # wsgidoctor's user cannot look there: unknown, neither allowed nor denied
            out.append({**t, "user": who.name, "uid": who.uid, "exists": None, "blocked": None,
                        "unchecked": blocked.to_json()})
            continue
        exists = os.path.exists(t["path"])
        item = {**t, "user": who.name, "uid": who.uid, "exists": exists,
                "blocked": blocked.to_json() if blocked else None}
        if blocked is not None:
            from wsgidoctor.permissions import acl

            item["blocked"]["acl"] = acl.describe(acl.read(blocked.path))
        out.append(item)
    return out


#: Prints, for each path given, whether this process reaches it: a directory entered and listed,
#: a file opened for reading (the kernel decides, with every mount option and security module).
_TRY_PATHS = ('for p do if [ -d "$p" ]; then (cd "$p" && ls . >/dev/null 2>&1) 2>/dev/null; '
              'else (: < "$p") 2>/dev/null; fi && echo reachable || echo denied; done')


def _setpriv_argv(user: str, group: Optional[str]) -> Optional[list[str]]:
    """``setpriv`` switching to the uid, gid and groups ``identity`` gives (None if unknown)."""
    setpriv = shutil.which("setpriv", path="/usr/bin:/bin:/usr/sbin:/sbin")
    who = identity(user, group)
    if setpriv is None or who is None:
        return None
    try:
        gid = (grp.getgrgid(int(group[1:])).gr_gid if group.startswith("#") else grp.getgrnam(group).gr_gid) \
            if group else pwd.getpwnam(who.name).pw_gid
    except (KeyError, ValueError):
        return None
    groups = ",".join(str(g) for g in sorted(who.gids))
    return [setpriv, f"--reuid={who.uid}", f"--regid={gid}", f"--groups={groups}" if groups else "--clear-groups",
            "--", "/bin/sh", "-c", _TRY_PATHS, "sh"]


def try_as_users(ctx: ProbeContext, checks: list[dict[str, Any]], groups: dict[str, Optional[str]]) -> None:
    """As root, set ``as_user`` (``reachable``/``denied``, the kernel's answer) on every check of a
    path that exists, trying each user's paths in one command as that user; left unset otherwise."""
    if os.geteuid() != 0:
        return
    by_user: dict[str, list[dict[str, Any]]] = {}
    for item in checks:
        if item.get("exists"):
            by_user.setdefault(item["user"], []).append(item)
    for user, items in by_user.items():
        argv = _setpriv_argv(user, groups.get(user))
        if argv is None:
            continue
        result = ctx.run([*argv, *(i["path"] for i in items)], env={"PATH": "/usr/bin:/bin"}, cwd="/")
        answers = result.stdout.split() if not result.error and result.returncode == 0 else []
        if len(answers) == len(items):
            for item, answer in zip(items, answers):
                item["as_user"] = answer


def run(ctx: ProbeContext) -> ProbeOutput:
    config = ctx.fact("config")
    if not isinstance(config, dict) or not config.get("files"):
        raise NotApplicable("no configuration was read")
    env = ctx.fact("install.start_env") or {}
    user = _resolve_user(ctx.fact("install.user"), env) or access.default_apache_user(ctx.fact("install.distribution"))
    group = _resolve_user(ctx.fact("install.group"), env)
    if user is None:
        raise NotApplicable("Apache's user is unknown")
    try:
        pwd.getpwnam(user) if not user.startswith("#") else None
    except KeyError:
        raise NotApplicable(f"Apache's user {user!r} does not exist on this machine") from None
    checks = examine(config, user, group)
    try_as_users(ctx, checks, _groups_of(config, user, group))
    return ProbeOutput(facts={"permissions": {"user": user, "group": group, "checks": checks}})


def _groups_of(config: dict[str, Any], user: str, group: Optional[str]) -> dict[str, Optional[str]]:
    """The group each checked user runs with: Apache's Group, a daemon group's group=."""
    found: dict[str, Optional[str]] = {}
    for t in _targets(config):
        if t.get("user") or t.get("group"):
            name = identity(t.get("user") or user, None)
            if name is not None:
                found.setdefault(name.name, t.get("group"))
    apache = identity(user, None)
    if apache is not None:
        found[apache.name] = group
    return found


PROBE = Probe(name="permissions", run=run, needs=("discovery", "config"), timeout=30.0,
              description="file permissions (modes and ACLs) along every path Apache's user needs")
