"""Everything read from one configuration, bundled: files, servers, WSGI settings, MPM.

:func:`build_model` is pure given a :class:`~wsgidoctor.config.reader.ConfigTree`; the tree can
come from reading files or from a saved report (:func:`tree_from_facts`), so ``analyze`` and
the live run make the same predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from wsgidoctor.config.mpm import MpmSettings, mpm_settings
from wsgidoctor.config.reader import ConfigTree, Directive, Note, Section
from wsgidoctor.config.servers import Server, listen_ports, servers
from wsgidoctor.config.wsgi import (DaemonProcess, GlobalSettings, ScriptAlias, daemon_processes,
                                    global_settings, script_aliases)


@dataclass
class ConfigModel:
    """A read configuration and what it says about servers, mod_wsgi and the MPM."""

    tree: ConfigTree
    servers: list[Server]
    settings: GlobalSettings
    aliases: list[ScriptAlias]
    daemons: list[DaemonProcess]
    mpm: MpmSettings
    listen: list[int]

    def __post_init__(self) -> None:
        self._by_key = {s.key: s for s in self.servers}  # first: server_of() below needs it
        self._daemons: dict[str, DaemonProcess] = {}
        for dp in self.daemons:
            self._daemons.setdefault(dp.name, dp)  # httpd refuses a second one of the same name
        self._by_name: dict[str, list[tuple[int, Directive]]] = {}
        self._by_name_server: dict[tuple[str, str], list[tuple[int, Directive]]] = {}
        for index, d in enumerate(self.tree.directives):
            self._by_name.setdefault(d.name.lower(), []).append((index, d))
            key = (d.name.lower(), self.server_of(d).key)
            self._by_name_server.setdefault(key, []).append((index, d))

    @property
    def main(self) -> Server:
        return self.servers[0]

    def server_of(self, d: Directive) -> Server:
        """The server a directive belongs to."""
        vh = d.in_section("virtualhost")
        if vh is None:
            return self.main
        return self._by_key.get(f"{vh.file}:{vh.line}", self.main)

    def indexed(self, name: str, server: Optional[Server] = None) -> list[tuple[int, Directive]]:
        """(position, directive) of every directive with this name (case-insensitive), in order;
        with ``server``, only those of that server and of the main server (which it inherits)."""
        if server is None:
            return self._by_name.get(name.lower(), [])
        mine = self._by_name_server.get((name.lower(), server.key), [])
        if server.is_main:
            return mine
        return sorted(self._by_name_server.get((name.lower(), "main"), []) + mine, key=lambda e: e[0])

    def daemon(self, name: str) -> Optional[DaemonProcess]:
        return self._daemons.get(name)


def build_model(tree: ConfigTree, build_mpm: Optional[str] = None) -> ConfigModel:
    return ConfigModel(tree=tree, servers=servers(tree), settings=global_settings(tree),
                       aliases=script_aliases(tree), daemons=daemon_processes(tree),
                       mpm=mpm_settings(tree, build_mpm), listen=listen_ports(tree))


def _split_where(where: str) -> tuple[str, int]:
    file, _, line = where.rpartition(":")
    return (file, int(line)) if line.isdigit() else (where, 0)


def directive_from_json(data: Mapping[str, Any]) -> Directive:
    """Rebuild a :class:`Directive` from its ``config.directives`` entry."""
    openers = list(data.get("sections") or [])
    lines = list(data.get("section_lines") or [])
    sections = []
    for i, opener in enumerate(openers):
        body = str(opener).strip()[1:-1] if str(opener).startswith("<") else str(opener)
        name, _, args = body.partition(" ")
        file, line = _split_where(lines[i]) if i < len(lines) else ("", 0)
        sections.append(Section(name, args.strip(), file, line))
    args = tuple(str(a) for a in data.get("args") or ())
    raw = data.get("raw")
    if raw is None:
        raw = " ".join(_quote(a) for a in args)
    return Directive(str(data.get("name", "")), args, str(raw), str(data.get("file") or ""),
                     int(data.get("line") or 0), tuple(sections))


def _quote(arg: str) -> str:
    if arg and not any(c.isspace() or c in "\"'\\" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tree_from_facts(config: Mapping[str, Any]) -> ConfigTree:
    """Rebuild a :class:`ConfigTree` from the ``config`` facts of a report."""
    directives = [directive_from_json(d) for d in config.get("directives") or () if isinstance(d, Mapping)]
    tree = ConfigTree(config_file=str(config.get("config_file") or ""),
                      server_root=str(config.get("server_root") or ""),
                      files=list(config.get("files") or ()), directives=directives)
    seen: set[tuple[str, int]] = set()
    for d in directives:
        for s in d.sections:
            if (s.file, s.line) not in seen:
                seen.add((s.file, s.line))
                tree.sections.append(s)
    for n in config.get("notes") or ():
        if isinstance(n, Mapping):
            tree.notes.append(Note(str(n.get("kind", "")), str(n.get("text", "")), n.get("file"),
                                   n.get("line"), bool(n.get("fatal"))))
    return tree
