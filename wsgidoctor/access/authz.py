"""Would Apache let a request through to a WSGI mount? Access control evaluated from the
configuration, the way httpd merges it (mod_authz_core's Require, mod_access_compat's
Order/Allow/Deny/Satisfy).

For a mount, the sections that apply are those of the main server and of the mount's virtual
host whose <Directory>/<DirectoryMatch> contains the script, whose <Files>/<FilesMatch> matches
its name, and whose <Location>/<LocationMatch> matches its URL, merged in httpd's order:
non-regex <Directory> shortest first, then regex directories, then <Files>, then <Location>;
within each, main server before the virtual host, then in configuration order. With the default
``AuthMerging Off``, the last section holding Require decides for authz_core; mod_access_compat
has no merge function, so the last section holding Order/Allow/Deny decides for it. With
``Satisfy All`` (the default) both must let the request through.

The client is a generic remote one: a Require or Allow naming hosts, users or environment is
"depends" (neither granted nor denied for sure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

GRANTED, DENIED, DEPENDS = "granted", "denied", "depends"
_CONTAINERS = {"directory", "directorymatch", "files", "filesmatch", "location", "locationmatch"}
_AUTHZ = {"require"}
_COMPAT = {"order", "allow", "deny", "satisfy"}
_GROUPS = {"requireall", "requireany", "requirenone"}


@dataclass
class Block:
    """One access section: where it is, what it matches, and its access directives."""

    kind: str  # directory, directorymatch, files, filesmatch, location, locationmatch
    arg: str
    regex: bool
    where: str  # file:line of its opener
    in_vhost: Optional[str]
    order: int
    directives: list[dict[str, Any]] = field(default_factory=list)
    opener: str = ""  # as written, e.g. "<Directory />"

    @property
    def group(self) -> int:
        if self.kind == "directory" and not self.regex:
            return 0
        return {"directory": 1, "directorymatch": 1, "files": 2, "filesmatch": 2}.get(self.kind, 3)

    @property
    def depth(self) -> int:
        return len([p for p in self.arg.split("/") if p]) if self.group == 0 else 0

    def has(self, names: set[str]) -> bool:
        return any(d["name"].lower() in names for d in self.directives)


@dataclass(frozen=True)
class Decision:
    """The verdict for one mount, and the directives that decided it (file:line)."""

    result: str
    authz: str
    compat: str
    because: tuple[str, ...]
    section: Optional[str]  # the opener of the deciding section, e.g. "<Directory />"
    section_where: Optional[str]


def _opener(text: str) -> tuple[str, str]:
    body = text.strip()
    if body.startswith("<"):
        body = body[1:]
    if body.endswith(">"):
        body = body[:-1]
    name, _, arg = body.partition(" ")
    return name.lower(), arg.strip()


def _unquote(arg: str) -> str:
    arg = arg.strip()
    if len(arg) >= 2 and arg[0] == arg[-1] and arg[0] in "\"'":
        return arg[1:-1]
    return arg


def blocks(directives: Iterable[dict[str, Any]]) -> list[Block]:
    """The access sections of a configuration with their Require/Order/Allow/Deny/Satisfy."""
    found: dict[str, Block] = {}
    for d in directives:
        name = str(d.get("name", "")).lower()
        if name not in _AUTHZ | _COMPAT:
            continue
        sections = list(d.get("sections") or ())
        lines = list(d.get("section_lines") or ())
        idx = next((i for i in range(len(sections) - 1, -1, -1)
                    if _opener(sections[i])[0] in _CONTAINERS), None)
        if idx is None or any(_opener(s)[0] == "if" or _opener(s)[0] == "elseif" or _opener(s)[0] == "else"
                              for s in sections):
            continue  # server-level access directives are errors in httpd; <If> is not evaluated
        kind, raw = _opener(sections[idx])
        regex = raw.startswith("~")
        arg = _unquote(raw[1:] if regex else raw)
        vhost = next((lines[i] for i, s in enumerate(sections) if _opener(s)[0] == "virtualhost"
                      and i < len(lines)), None)
        where = lines[idx] if idx < len(lines) else ""
        key = f"{where}|{sections[idx]}"
        if key not in found:
            found[key] = Block(kind, arg, regex or kind.endswith("match"), where, vhost, len(found),
                               opener=sections[idx])
        inner = [_opener(s)[0] for s in sections[idx + 1:]]
        found[key].directives.append({**d, "group": inner})
    return list(found.values())


def _dir_matches(b: Block, directory: str) -> bool:
    if b.regex:
        try:
            return re.search(b.arg, directory + "/") is not None or re.search(b.arg, directory) is not None
        except re.error:
            return False
    base = b.arg.rstrip("/")
    return base == "" or directory == base or directory.startswith(base + "/")


def applies(b: Block, script_dir: str, filename: str, url: str) -> bool:
    """Whether section ``b`` applies to a request for ``url`` mapped to ``script_dir/filename``."""
    try:
        if b.kind in ("directory", "directorymatch"):
            return _dir_matches(b, script_dir)
        if b.kind in ("files", "filesmatch"):
            return re.search(b.arg, filename) is not None if b.regex else _glob(b.arg, filename)
        if b.regex:
            return re.search(b.arg, url) is not None
        return url.startswith(b.arg) or (b.arg.endswith("/") and url + "/" == b.arg)
    except re.error:
        return False


def _glob(pattern: str, name: str) -> bool:
    import fnmatch

    return fnmatch.fnmatchcase(name, pattern)


def merged(all_blocks: list[Block], vhost: Optional[str], script_dir: str, filename: str, url: str) -> list[Block]:
    """The sections that apply to the mount, in httpd's merge order."""
    mine = [b for b in all_blocks if (b.in_vhost is None or b.in_vhost == vhost)
            and applies(b, script_dir, filename, url)]
    return sorted(mine, key=lambda b: (b.group, b.depth, b.in_vhost is not None, b.order))


def _require(args: list[str]) -> str:
    words = [a.lower() for a in args]
    negate = bool(words) and words[0] == "not"
    if negate:
        words = words[1:]
    if words[:2] == ["all", "granted"]:
        verdict = GRANTED
    elif words[:2] == ["all", "denied"]:
        verdict = DENIED
    else:
        return DEPENDS
    return (DENIED if verdict == GRANTED else GRANTED) if negate else verdict


def _combine_any(values: list[str]) -> str:
    if GRANTED in values:
        return GRANTED
    if values and all(v == DENIED for v in values):
        return DENIED
    return DEPENDS if values else GRANTED


def _combine_all(values: list[str]) -> str:
    if DENIED in values:
        return DENIED
    return GRANTED if all(v == GRANTED for v in values) else DEPENDS


def authz_of(b: Block) -> str:
    """The verdict of a section's Require lines: an implicit RequireAny of its direct Requires
    and of its <RequireAll>/<RequireNone> groups (nested groups beyond one level: depends)."""
    direct: list[str] = []
    groups: dict[str, list[str]] = {}
    for d in b.directives:
        if d["name"].lower() != "require":
            continue
        inner = d.get("group") or []
        value = _require([str(a) for a in d.get("args") or ()])
        if not inner:
            direct.append(value)
        elif len(inner) == 1 and inner[0] in _GROUPS:
            groups.setdefault(inner[0], []).append(value)
        else:
            direct.append(DEPENDS)
    values = direct[:]
    for kind, vals in groups.items():
        if kind == "requireall":
            values.append(_combine_all(vals))
        elif kind == "requireany":
            values.append(_combine_any(vals))
        else:  # RequireNone: granted never, denied when any matches
            values.append(DENIED if GRANTED in vals else DEPENDS)
    return _combine_any(values)


def _from_all(d: dict[str, Any]) -> Optional[bool]:
    args = [str(a).lower() for a in d.get("args") or ()]
    if args[:1] == ["from"]:
        args = args[1:]
    return True if args == ["all"] else None


def compat_of(b: Block) -> str:
    """mod_access_compat's verdict for a section with Order/Allow/Deny."""
    order = "deny,allow"
    allows: list[Optional[bool]] = []
    denies: list[Optional[bool]] = []
    for d in b.directives:
        name = d["name"].lower()
        if name == "order" and d.get("args"):
            order = str(d["args"][0]).lower().replace(" ", "")
        elif name == "allow":
            allows.append(_from_all(d))
        elif name == "deny":
            denies.append(_from_all(d))
    allow = True if True in allows else (None if allows else False)
    deny = True if True in denies else (None if denies else False)
    if order == "deny,allow":
        if allow is True or deny is False:
            return GRANTED
        return DENIED if deny is True and allow is False else DEPENDS
    # allow,deny and mutual-failure: allowed only when an Allow matches and no Deny does
    if allow is False or deny is True:
        return DENIED
    return GRANTED if allow is True and deny is False else DEPENDS


def decide(all_blocks: list[Block], vhost: Optional[str], script_dir: str, filename: str, url: str,
           compat_loaded: bool) -> Decision:
    """Whether a request for ``url`` (mapped into ``script_dir``) is granted, denied, or depends."""
    chain = merged(all_blocks, vhost, script_dir, filename, url)
    authz_block = next((b for b in reversed(chain) if b.has(_AUTHZ)), None)
    compat_block = next((b for b in reversed(chain) if b.has(_COMPAT - {"satisfy"})), None) if compat_loaded else None
    satisfy_block = next((b for b in reversed(chain) if b.has({"satisfy"})), None) if compat_loaded else None
    authz = authz_of(authz_block) if authz_block else GRANTED
    compat = compat_of(compat_block) if compat_block else GRANTED
    satisfy_any = bool(satisfy_block) and any(
        d["name"].lower() == "satisfy" and [str(a).lower() for a in d.get("args") or ()] == ["any"]
        for d in satisfy_block.directives)  # type: ignore[union-attr]
    result = _combine_any([authz, compat]) if satisfy_any else _combine_all([authz, compat])
    because: list[str] = []
    deciding: Optional[Block] = None
    for verdict, b, names in ((authz, authz_block, _AUTHZ), (compat, compat_block, _COMPAT)):
        if b is not None and verdict == result:
            deciding = deciding or b
            because += [f"{d['file']}:{d['line']}" for d in b.directives if d["name"].lower() in names]
    return Decision(result, authz, compat, tuple(because), deciding.opener if deciding else None,
                    deciding.where if deciding else None)
