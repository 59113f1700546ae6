"""The servers a configuration defines: the main server and each <VirtualHost>.

Each :class:`Server` knows its name and port as httpd computes them (``ServerName host:port``
sets both; ``ServerName host`` resets the port to 0; a <VirtualHost> address port is the default
before that), its aliases, ``UseCanonicalName`` and the directives written directly in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.config.lexer import split_words
from wsgidoctor.config.reader import ConfigTree, Directive, Section


@dataclass
class Server:
    """The main server (``section`` None) or one <VirtualHost>."""

    section: Optional[Section]
    addresses: tuple[str, ...] = ()  # <VirtualHost> arguments as written
    server_name: Optional[str] = None  # host part of ServerName (None: not set here)
    server_port: int = 0  # httpd's server_rec->port
    aliases: tuple[str, ...] = ()
    use_canonical_name: Optional[str] = None  # On / Off / DNS, as set in this server
    ssl: bool = False
    name_at: Optional[Directive] = None
    directives: list[Directive] = field(default_factory=list)  # in this server, any section level

    @property
    def is_main(self) -> bool:
        return self.section is None

    @property
    def key(self) -> str:
        return "main" if self.section is None else f"{self.section.file}:{self.section.line}"

    @property
    def address_ports(self) -> list[Optional[int]]:
        """The port of each <VirtualHost> address (None for ``*`` or no port)."""
        return [_port_of(a) for a in self.addresses]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "addresses": list(self.addresses), "server_name": self.server_name,
            "server_port": self.server_port, "aliases": list(self.aliases),
            "use_canonical_name": self.use_canonical_name, "ssl": self.ssl,
            "file": self.section.file if self.section else None,
            "line": self.section.line if self.section else None,
        }


def _port_of(address: str) -> Optional[int]:
    """``*:8080`` -> 8080, ``[::1]:80`` -> 80, ``example.com`` -> None."""
    if address.startswith("["):
        end = address.find("]")
        rest = address[end + 1:] if end >= 0 else ""
        return int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if ":" in address:
        tail = address.rsplit(":", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


def parse_server_name(value: str) -> tuple[str, int]:
    """``ServerName`` value -> (host, port); the port is 0 when not given (httpd's rule)."""
    part = value.split("://", 1)[1] if "://" in value else value
    if part.startswith("["):  # IPv6 literal
        end = part.find("]")
        host, rest = part[: end + 1], part[end + 1:]
        port = rest[1:] if rest.startswith(":") else ""
    elif ":" in part:
        host, port = part.split(":", 1)
    else:
        host, port = part, ""
    return host, int(port) if port.isdigit() and 0 < int(port) < 65536 else 0


def servers(tree: ConfigTree) -> list[Server]:
    """The main server first, then each <VirtualHost> in configuration order."""
    main = Server(section=None)
    by_key: dict[str, Server] = {}
    out = [main]
    for d in tree.directives:
        vh = d.in_section("virtualhost")
        if vh is None:
            server = main
        else:
            key = f"{vh.file}:{vh.line}"
            server = by_key.get(key)
            if server is None:
                addrs = tuple(split_words(vh.args))
                server = Server(section=vh, addresses=addrs)
                ports = [p for p in server.address_ports if p]
                server.server_port = ports[0] if ports else 0
                by_key[key] = server
                out.append(server)
        server.directives.append(d)
        at_server_level = all(s.kind == "virtualhost" for s in d.sections)
        name = d.name.lower()
        if not at_server_level or not d.args:
            continue
        if name == "servername":
            server.server_name, server.server_port = parse_server_name(d.args[0])
            server.name_at = d
        elif name == "serveralias":
            server.aliases = server.aliases + tuple(d.args)
        elif name == "usecanonicalname":
            server.use_canonical_name = d.args[0].capitalize()
        elif name == "sslengine":
            server.ssl = d.args[0].lower() == "on"
    for s in tree.sections:  # vhosts holding no directive still count
        if s.kind == "virtualhost" and f"{s.file}:{s.line}" not in by_key:
            srv = Server(section=s, addresses=tuple(split_words(s.args)))
            ports = [p for p in srv.address_ports if p]
            srv.server_port = ports[0] if ports else 0
            by_key[srv.key] = srv
            out.append(srv)
    order = {f"{s.file}:{s.line}": i for i, s in enumerate(tree.sections)}
    out[1:] = sorted(out[1:], key=lambda srv: order.get(srv.key, 0))
    return out


def listen_ports(tree: ConfigTree) -> list[int]:
    """Ports of the ``Listen`` directives, in order (``Listen [addr:]port [protocol]``)."""
    ports = []
    for d in tree.named("Listen"):
        if d.args:
            p = _port_of(d.args[0]) if ":" in d.args[0] else (int(d.args[0]) if d.args[0].isdigit() else None)
            if p and p not in ports:
                ports.append(p)
    return ports


def effective_canonical_name(server: Server, main: Server) -> str:
    """``UseCanonicalName`` in force for a server (a vhost inherits the main server's)."""
    return server.use_canonical_name or main.use_canonical_name or "Off"
