"""The MPM in use and its process/thread limits, computed as the MPM's check_config does.

Sources: httpd 2.4 ``server/mpm/{event,worker,prefork}/*.c``: defaults (ServerLimit 16,
ThreadLimit 64, ThreadsPerChild 25 for event/worker; ServerLimit 256 for prefork), the clamping
of ThreadsPerChild to ThreadLimit, of MaxRequestWorkers to a multiple of ThreadsPerChild, and of
the daemon count to ServerLimit. mod_wsgi reads ``AP_MPMQ_MAX_THREADS`` (ThreadsPerChild, 1 for
prefork) and ``AP_MPMQ_MAX_DAEMONS`` (the clamped daemon count) from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from wsgidoctor.config import names
from wsgidoctor.config.reader import ConfigTree, Directive
from wsgidoctor.config.wsgi import _atoi

_SETTINGS = ("StartServers", "MinSpareServers", "MaxSpareServers", "MinSpareThreads",
             "MaxSpareThreads", "ServerLimit", "ThreadLimit", "ThreadsPerChild",
             "MaxRequestWorkers", "MaxConnectionsPerChild")
_ALIASES = {"maxclients": "MaxRequestWorkers", "maxrequestsperchild": "MaxConnectionsPerChild"}

#: Settings an untouched installation has: httpd's compiled defaults and the values the
#: distributions ship (Debian's mods-available/mpm_*.conf). Used to tell "left as shipped".
SHIPPED = {
    "prefork": [
        {"StartServers": 5, "MinSpareServers": 5, "MaxSpareServers": 10, "MaxRequestWorkers": 256,
         "MaxConnectionsPerChild": 0},
        {"StartServers": 5, "MinSpareServers": 5, "MaxSpareServers": 10, "MaxRequestWorkers": 150,
         "MaxConnectionsPerChild": 0},
    ],
}


@dataclass
class MpmSettings:
    """The MPM's name and every sizing directive found at server level."""

    name: Optional[str]  # event, worker, prefork, winnt... (lower case)
    source: str  # "config" (LoadModule), "build" (compiled in), "unknown"
    values: dict[str, int] = field(default_factory=dict)
    at: dict[str, Directive] = field(default_factory=dict)

    @property
    def threaded(self) -> Optional[bool]:
        if self.name in ("event", "worker", "winnt", "motorz"):
            return True
        return False if self.name == "prefork" else None

    def threads_per_child(self) -> int:
        """``AP_MPMQ_MAX_THREADS`` after clamping (1 for prefork)."""
        if self.name == "prefork":
            return 1
        limit = self.values.get("ThreadLimit", 64)
        tpc = self.values.get("ThreadsPerChild", 25)
        return max(1, min(tpc, max(1, limit)))

    def daemons_limit(self) -> int:
        """``AP_MPMQ_MAX_DAEMONS``: how many child processes the MPM may run at once."""
        if self.name == "prefork":
            server_limit = max(1, self.values.get("ServerLimit", 256))
            workers = self.values.get("MaxRequestWorkers", 256)  # set before directives are read
            return max(1, min(workers, server_limit))
        server_limit = max(1, self.values.get("ServerLimit", 16))
        tpc = self.threads_per_child()
        workers = self.values.get("MaxRequestWorkers", 16 * 25)  # pre_config: default limits
        workers = max(workers, tpc)
        return max(1, min(workers // tpc, server_limit))

    def shipped_defaults(self) -> bool:
        """True when the sizing is httpd's or the distribution's as shipped (not tuned)."""
        candidates = SHIPPED.get(self.name or "", [])
        mine = {k: self.values.get(k) for k in ("StartServers", "MinSpareServers", "MaxSpareServers",
                                                  "MaxRequestWorkers", "MaxConnectionsPerChild")}
        for shipped in candidates:
            if all(mine[k] is None or mine[k] == v for k, v in shipped.items()):
                return True
        return False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "source": self.source, "settings": dict(self.values),
            "threads_per_child": self.threads_per_child() if self.name else None,
            "daemons_limit": self.daemons_limit() if self.name else None,
            "set_at": {k: f"{d.file}:{d.line}" for k, d in self.at.items()},
        }


def mpm_settings(tree: ConfigTree, build_mpm: Optional[str] = None) -> MpmSettings:
    """The MPM loaded by the configuration (or compiled in) and its sizing directives."""
    name, source = None, "unknown"
    for d in tree.named("LoadModule"):
        if d.args:
            mpm = names.mpm_from_module(d.args[0])
            if mpm:
                name, source = mpm, "config"
    if name is None and build_mpm:
        name, source = build_mpm.lower(), "build"
    settings = MpmSettings(name=name, source=source)
    wanted = {s.lower(): s for s in _SETTINGS}
    for d in tree.directives:
        key = d.name.lower()
        canonical = wanted.get(key) or _ALIASES.get(key)
        if canonical is None or not d.args or d.in_section("virtualhost"):
            continue
        if any(s.kind in names.DIRECTORY_LEVEL for s in d.sections):
            continue
        settings.values[canonical] = _atoi(d.args[0])
        settings.at[canonical] = d
    return settings
