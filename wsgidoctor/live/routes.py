"""How the throwaway server reaches a ``WSGIHandlerScript`` mount: the way a request reaches it
on the real server. Pure.

mod_wsgi-express mounts its application with ``WSGIHandlerScript wsgi-handler handler.wsgi
process-group=... application-group=...`` and ``RewriteRule .* - [H=wsgi-handler]`` inside the
<Directory> of its document root (or of a mount point under it). Asking such a mount through a
``WSGIScriptAlias`` would confirm the groups but not the route, so the throwaway server gets the
route itself: the handler script (the probe, at the mirrored path), the routing directive with the
``RewriteCond`` lines before it and the ``RewriteEngine`` that governs it, inside copies of its
sections, and the DocumentRoot or Alias that places its <Directory> in URL space, mirrored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from wsgidoctor.config import lexer, names
from wsgidoctor.config.model import ConfigModel
from wsgidoctor.config.reader import Directive
from wsgidoctor.config.wsgi import ScriptAlias, route_mapping
from wsgidoctor.live.conftext import directive_line, emit_scoped, mirror, quote, scoped_lines


@dataclass
class HandlerRoute:
    """Configuration lines that route a request to a handler script, and the request to send."""

    lines: list[str]  # at the level of the server that declares the WSGIHandlerScript
    ask_path: str  # the URL path a browser ends up asking (with the slash mod_dir redirects to)
    script: str  # where the probe goes (the mirrored handler script)
    directories: list[str] = field(default_factory=list)  # to make under the mirror
    modules: tuple[str, ...] = ()  # LoadModule identifiers it needs


class NoRoute(Exception):
    """The route cannot be reproduced; the message says why."""


def _directory_of(d: Directive) -> Optional[str]:
    """The path of a directive's innermost <Directory> (not a regex one)."""
    section = d.in_section("directory")
    words = lexer.split_words(section.args) if section is not None else []
    return (words[0].rstrip("/") or "/") if words and words[0] != "~" else None


def _scoped(d: Directive) -> tuple[object, ...]:
    return tuple(s for s in d.sections if s.kind in names.DIRECTORY_LEVEL)


def _conditions(model: ConfigModel, rule: Directive) -> list[Directive]:
    """The RewriteCond lines that belong to a RewriteRule: those right before it, in its sections."""
    directives = model.tree.directives
    i = next(n for n, d in enumerate(directives) if d is rule)
    out: list[Directive] = []
    while i > 0 and directives[i - 1].name.lower() == "rewritecond" and directives[i - 1].sections == rule.sections:
        i -= 1
        out.insert(0, directives[i])
    return out


def _governing_engines(model: ConfigModel, rule: Directive) -> list[Directive]:
    """The RewriteEngine directives that apply where the rule is: at its server's level, in its own
    sections, or in a <Directory> above its own (per-directory engine state is inherited)."""
    server = model.server_of(rule)
    here = _directory_of(rule)
    out = []
    for d in model.tree.named("RewriteEngine"):
        if model.server_of(d) is not server:
            continue
        scoped = _scoped(d)
        there = _directory_of(d)
        if (not scoped or d.sections == rule.sections
                or (len(scoped) == 1 and there is not None and here is not None
                    and (here == there or here.startswith(there.rstrip("/") + "/")))):
            out.append(d)
    return out


def handler_route(model: ConfigModel, alias: ScriptAlias, mirror_root: str,
                  module_paths: dict[str, str]) -> HandlerRoute:
    """The route of a WSGIHandlerScript mount for the throwaway server; raises :class:`NoRoute`."""
    via = alias.via
    if alias.handler is None or via is None:
        raise NoRoute("not a WSGIHandlerScript mount")
    kind = via.name.lower()
    if kind not in ("rewriterule", "sethandler"):
        raise NoRoute(f"routed by {via.name} at {via.where}, which is not reproduced")
    if model.server_of(via) is not model.server_of(alias.directive) and not model.server_of(via).is_main:
        raise NoRoute(f"routed from another virtual host ({via.where})")
    modules: tuple[str, ...] = ()
    if kind == "rewriterule":
        if "rewrite_module" not in module_paths:
            raise NoRoute("the configuration does not load rewrite_module")
        modules = ("rewrite_module",)
    url, placed_by = route_mapping(via, model.tree)
    directory = _directory_of(via)
    lines: list[str] = []
    directories: list[str] = []
    if placed_by is not None and placed_by.name.lower() == "documentroot":
        root = mirror(mirror_root, placed_by.args[0])
        lines.append(f"DocumentRoot {quote(root)}")
        directories.append(root)
    elif placed_by is not None:  # an Alias
        target = mirror(mirror_root, placed_by.args[1])
        lines.append(f"Alias {quote(placed_by.args[0])} {quote(target)}")
        directories.append(target)
    if directory is not None:
        directories.append(mirror(mirror_root, directory))
    notes: list[str] = []
    if kind == "rewriterule":
        emit_scoped(lines, _governing_engines(model, via), mirror_root, notes)
    body = [directive_line(d) for d in [*(_conditions(model, via) if kind == "rewriterule" else []), via]]
    routed = scoped_lines(via, mirror_root, body=body)
    if routed is None or notes:
        raise NoRoute(f"{via.name} at {via.where} is inside a section that cannot be reproduced")
    lines += routed
    script = mirror(mirror_root, alias.target)
    options = " ".join(f"{k}={quote(v)}" for k, v in alias.options.items())
    lines.append(f"WSGIHandlerScript {quote(alias.handler)} {quote(script)} {options}".rstrip())
    # a URL of a directory without its slash is redirected there (mod_dir): a browser asks this
    ask = url.rstrip("/") + "/" if directory is not None else url
    return HandlerRoute(lines=lines, ask_path=ask, script=script, directories=directories, modules=modules)
