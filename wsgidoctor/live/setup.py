"""From a report's facts to everything a throwaway server needs: httpd, plan, environment, guard.

Used by the live probe and by the pytest plugin's live server, so both start the same server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core import facts as factlib


class LiveUnavailable(Exception):
    """There is nothing to start (no configuration read, no httpd, no mod_wsgi)."""


@dataclass
class LiveSetup:
    """What :func:`wsgidoctor.live.server.run_live` / ``LiveServer`` take, and the predictions."""

    httpd: str
    plan: Any  # wsgidoctor.live.plan.LivePlan
    env: dict[str, str]
    guard: Any  # wsgidoctor.live.server.Guard
    mounts: list[Any] = field(default_factory=list)  # wsgidoctor.wsgi.predict.Mount
    version: tuple[int, int, int] = (0, 0, 0)


def root_relative(path: str, root: str) -> str:
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(root, path))


def model_from_facts(facts: Mapping[str, Any]) -> Any:
    """The configuration model rebuilt from ``config.*`` (None when no configuration was read)."""
    from wsgidoctor.config.model import build_model, tree_from_facts

    config = factlib.get(facts, "config")
    if not isinstance(config, dict) or not config.get("directives"):
        return None
    model = build_model(tree_from_facts(config), build_mpm=factlib.get(facts, "apache.mpm.name"))
    names = {s.get("key"): s.get("server_name") for s in config.get("servers") or () if isinstance(s, dict)}
    for server in model.servers:
        if not server.server_name and names.get(server.key):
            server.server_name = names[server.key]
    return model


def guard_for(facts: Mapping[str, Any], model: Any) -> Any:
    """The real server's pid file, logs, runtime dir, socket prefix and ports: never to be used."""
    from wsgidoctor.live.server import Guard

    root = model.tree.server_root
    paths = []
    for d in model.tree.directives:
        if d.name in ("PidFile", "ErrorLog", "DefaultRuntimeDir", "WSGISocketPrefix", "CustomLog") and d.args:
            if not d.args[0].startswith("|"):
                paths.append(root_relative(d.args[0], root))
    effective = factlib.get(facts, "config.socket_prefix.effective")
    if effective:
        paths.append(effective)
    return Guard(paths=tuple(paths), ports=tuple(model.listen))


def setup_from_facts(facts: Mapping[str, Any], *, httpd: Optional[str] = None) -> LiveSetup:
    """Plan the throwaway server for the installation these facts describe.

    Raises :class:`LiveUnavailable` when there is nothing to start.
    """
    from wsgidoctor.wsgi.predict import DEFAULT_VERSION, parse_version, predict_mounts
    from wsgidoctor.live.plan import plan

    model = model_from_facts(facts)
    if model is None:
        raise LiveUnavailable("no Apache configuration was read (see the config probe)")
    httpd = factlib.get(facts, "install.httpd") or httpd or commands.which("apache2", ("/usr/sbin",)) \
        or commands.which("httpd", ("/usr/sbin",))
    if not httpd:
        raise LiveUnavailable("no httpd binary found")
    root = model.tree.server_root
    modules = {d.args[0]: root_relative(d.args[1], root) for d in model.tree.named("LoadModule") if len(d.args) >= 2}
    if "wsgi_module" not in modules and factlib.get(facts, "linkage.module"):
        modules["wsgi_module"] = factlib.get(facts, "linkage.module")
    if "wsgi_module" not in modules:
        raise LiveUnavailable("the configuration loads no mod_wsgi (no LoadModule wsgi_module) and none was given")
    load_files = [root_relative(d.args[0], root) for d in model.tree.named("LoadFile") if d.args and not d.sections]
    version = parse_version(factlib.get(facts, "mod_wsgi.version")) or DEFAULT_VERSION
    env = {str(k): str(v) for k, v in (factlib.get(facts, "install.start_env") or {}).items()}
    directory_targets = set(factlib.get(facts, "config.directory_targets") or ())
    local_host = factlib.get(facts, "config.local_host")
    mounts = predict_mounts(model, version=version, environ=env, local_host=local_host,
                            is_dir=lambda p: p in directory_targets)
    as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    the_plan = plan(model, mounts, module_paths=modules, as_root=as_root,
                    user=factlib.get(facts, "install.user"), group=factlib.get(facts, "install.group"),
                    local_host=local_host, load_files=load_files, version=version)
    return LiveSetup(httpd=httpd, plan=the_plan, env=env, guard=guard_for(facts, model), mounts=mounts,
                     version=version)
