"""The pytest plugin's live server: the live mode's throwaway Apache, kept running for a session.

:func:`start_live` plans the server exactly as ``wsgidoctor check --live`` does (the user's httpd,
mod_wsgi.so and WSGI directives; 127.0.0.1, ports and a temporary directory of its own; the probe
application at every WSGI mount) with :mod:`wsgidoctor.live`, starts it, waits until it answers
HTTP, and returns a :class:`LiveClient`. Each call has its own directory and ports, so pytest-xdist
workers can each run one at the same time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from wsgidoctor.live.plan import LivePlan, LiveRequest
    from wsgidoctor.live.server import LiveServer
    from wsgidoctor.core.model import Report
    from wsgidoctor.core.hookspec import Options

#: Lines of the throwaway server's error log shown when it fails.
LOG_LINES_SHOWN = 40
#: Attempts when another process takes a port between choosing and binding it.
START_ATTEMPTS = 3


class LiveStartError(Exception):
    """The throwaway server could not be started; the message carries its error log."""


class LiveUnavailable(Exception):
    """There is nothing to start (no configuration read, no mod_wsgi loaded); the reason."""


@dataclass(frozen=True)
class LiveResponse:
    """What one GET returned: ``status`` is None when no HTTP answer came (``error`` says why)."""

    status: Optional[int]
    body: bytes
    error: Optional[str] = None
    url: str = ""
    host: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.text)


@dataclass
class _Setup:
    """The live mode's plan, plus the report's ``config.mounts`` the client exposes."""

    httpd: str
    plan: "LivePlan"
    env: dict[str, str]
    guard: Any
    mounts: list[dict[str, Any]] = field(default_factory=list)


def _setup(report: "Report", options: "Options") -> _Setup:
    """Plan the throwaway server from a finished report's facts, exactly as the live probe does."""
    from wsgidoctor.live import setup as live_setup

    try:
        planned = live_setup.setup_from_facts(report.facts, httpd=options.httpd)
    except live_setup.LiveUnavailable as exc:
        raise LiveUnavailable(str(exc)) from None
    return _Setup(planned.httpd, planned.plan, planned.env, planned.guard,
                  [m for m in report.facts.get("config", {}).get("mounts") or [] if isinstance(m, dict)])


def _tail(lines: list[str], count: int = LOG_LINES_SHOWN) -> str:
    shown = lines[-count:]
    skipped = len(lines) - len(shown)
    head = f"  ({skipped} earlier lines not shown)\n" if skipped else ""
    return head + "\n".join(f"  {line}" for line in shown) if shown else "  (the error log is empty)"


class LiveClient:
    """A running throwaway server and a small HTTP client for it.

    ``get(path, host=...)`` sends a GET with the Host header of one of your virtual hosts. At every
    WSGIScriptAlias of your configuration the throwaway server runs wsgidoctor's probe
    application in place of your script, in the same process group and application group, so
    ``probe("/app")`` returns what mod_wsgi really gives the application mounted at ``/app``:
    ``environ`` (``mod_wsgi.process_group``, ``mod_wsgi.application_group``, ``wsgi.multithread``...),
    ``python`` (``version``, ``prefix``, ``path``...), ``process`` and more.
    """

    def __init__(self, server: "LiveServer", setup: _Setup, tmp: str) -> None:
        self._server = server
        self._setup = setup
        self.tmp = tmp
        self.ports: dict[str, int] = dict(server.ports)
        self.config_text: str = server.config_text
        self._stopped = False

    @property
    def port(self) -> int:
        """The port of the main server (the first one)."""
        return next(iter(self.ports.values()))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list["LiveRequest"]:
        """One planned request per mount (path, Host header, virtual host, URL, what is predicted)."""
        return list(self._setup.plan.requests)

    @property
    def mounts(self) -> list[dict[str, Any]]:
        """The configuration's WSGI mounts (``config.mounts`` of the report)."""
        return list(self._setup.mounts)

    def _route(self, path: str, host: Optional[str]) -> "tuple[int, str]":
        """The port and Host header for a request to ``path`` (for ``host``, a name or name:port)."""
        candidates = self._setup.plan.requests
        if host is not None:
            name = host.split(":")[0].lower()
            for r in candidates:
                if r.host == host or r.host.split(":")[0] == name or r.vhost.split(":")[0].lower() == name:
                    return self.ports.get(r.listen_key, self.port), host
            return self.port, host
        best = None
        for r in candidates:
            url = r.url.rstrip("/")
            if path == r.url or path.startswith(url + "/") or r.url == "/" or path == url:
                if best is None or len(r.url) > len(best.url):
                    best = r
        if best is not None:
            return self.ports.get(best.listen_key, self.port), best.host
        return self.port, "localhost"

    def get(self, path: str = "/", *, host: Optional[str] = None, timeout: float = 10.0) -> LiveResponse:
        """GET ``path``; ``host`` is the Host header (default: that of the mount serving ``path``)."""
        from wsgidoctor.live.launcher import fetch

        if not path.startswith("/"):
            path = "/" + path
        port, host_header = self._route(path, host)
        status, body, error = fetch(port, path, host_header, timeout)
        return LiveResponse(status, body, error, f"http://127.0.0.1:{port}{path}", host_header)

    def probe(self, url: Optional[str] = None, *, host: Optional[str] = None, timeout: float = 10.0) -> dict[str, Any]:
        """The probe application's answer at mount ``url`` (default: the first planned mount).

        Raises :class:`AssertionError` with the error log when the answer is not the probe's JSON.
        """
        __tracebackhide__ = True
        if url is None:
            first = self._setup.plan.requests[0]
            url, host = first.path, host or first.host
        response = self.get(url, host=host, timeout=timeout)
        answer = None
        if response.status == 200:
            try:
                answer = response.json()
            except ValueError:
                answer = None
        if not isinstance(answer, dict) or "environ" not in answer:
            why = response.error or (f"HTTP {response.status}" if response.status != 200
                                     else "the answer is not the probe's JSON")
            raise AssertionError(f"GET {response.url} (Host: {response.host}) on the throwaway server: {why}.\n"
                                 f"Its error log:\n{_tail(self.error_log())}")
        answer["_request"] = {"url": response.url, "host": response.host}
        return answer

    def error_log(self) -> list[str]:
        """The throwaway server's error log (and what httpd printed), so far."""
        return self._server.read_logs()

    def stop(self) -> None:
        """Stop the server and remove its directory (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.stop()

    def __repr__(self) -> str:
        return f"LiveClient({self.base_url}, {len(self._setup.plan.requests)} mount(s))"


def _wait_for_http(plan: "LivePlan", start_timeout: float) -> Any:
    """A readiness check: the server answers HTTP at all (any status)."""
    from wsgidoctor.live.launcher import fetch

    def ready(process: Any) -> Optional[str]:
        port = process.ports[0]
        host = plan.requests[0].host if plan.requests else "localhost"
        deadline = time.monotonic() + start_timeout
        last = "no answer"
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return f"it did not answer HTTP in time ({last})"
            if not process.running():
                return f"httpd exited with status {process.returncode}"
            status, _, error = fetch(port, "/", host, timeout=max(0.2, min(remaining, 2.0)))
            if status is not None:
                return None
            last = error or last
            time.sleep(0.05)

    return ready


def start_live(report: "Report", options: "Options", start_timeout: float, *, label: str = "") -> LiveClient:
    """Start a throwaway server for the installation in ``report`` and wait until it answers.

    Raises :class:`LiveUnavailable` when there is nothing to start and :class:`LiveStartError`
    (with the error log) when it does not start within ``start_timeout`` seconds.
    """
    from wsgidoctor.live.server import LiveError, LiveServer
    from wsgidoctor.live.probe import PROBE_SCRIPT

    setup = _setup(report, options)
    server = LiveServer(setup.httpd, setup.plan, PROBE_SCRIPT, env=setup.env, guard=setup.guard,
                        startup_timeout=start_timeout, attempts=START_ATTEMPTS,
                        prefix=f"wsgidoctor-live-{label[:8] + '-' if label else ''}",
                        ready=_wait_for_http(setup.plan, start_timeout))
    try:
        error = server.start()
    except LiveError as exc:
        error = str(exc)
    if error is None:
        return LiveClient(server, setup, server.tmp or "")
    raise LiveStartError(f"the throwaway server ({setup.httpd}) did not start: {error}.\n"
                         f"Its error log:\n{_tail(server.read_logs())}\n"
                         f"Its configuration (generated from yours):\n{_tail(server.config_text.splitlines(), 200)}")
