"""Run a planned throwaway Apache, ask its probes, stop it and leave nothing behind.

The server is started, waited on, stopped and cleaned up by :mod:`wsgidoctor.live.launcher`
(the one place that starts httpd); this module gives it the live plan: the rendered
configuration, the probe application at every mount, the real server's paths and ports kept
out. The error log is kept in memory as evidence. Two servers can run at once: each has its own
directory and ports.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from wsgidoctor.core import lifetime
from wsgidoctor.live.launcher import (REQUEST_TIMEOUT, STARTUP_TIMEOUT, LaunchFailed, Throwaway, fetch,
                                      launch, own)
from wsgidoctor.live.plan import TMP, LivePlan, LiveRequest

MAX_LOG_LINES = 400


class LiveError(Exception):
    """The throwaway server could not be set up safely (never raised for the user's problems)."""


@dataclass(frozen=True)
class Guard:
    """What belongs to the real server and must never be used by the throwaway one."""

    paths: tuple[str, ...] = ()  # pid file, socket prefix, error logs, runtime dir...
    ports: tuple[int, ...] = ()

    def check(self, config_text: str, ports: Iterable[int]) -> None:
        for p in ports:
            if p in self.ports:
                raise LiveError(f"port {p} belongs to the real server")
        for path in self.paths:
            if path and len(path) > 1 and f'"{path}"' in config_text:
                raise LiveError(f"{path} belongs to the real server")


@dataclass
class LiveAnswer:
    """What one request got back."""

    request: LiveRequest
    status: Optional[int] = None
    body: Optional[dict[str, Any]] = None
    text: str = ""
    error: Optional[str] = None
    duration_ms: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = self.request.to_json()
        out.update({"status": self.status, "answer": self.body, "error": self.error,
                    "duration_ms": round(self.duration_ms, 1)})
        if self.body is None and self.text:
            out["text"] = self.text[:2000]
        return out


@dataclass
class LiveResult:
    """The outcome of one live check."""

    answers: list[LiveAnswer] = field(default_factory=list)
    error: Optional[str] = None
    error_log: list[str] = field(default_factory=list)
    config_text: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    leftovers: list[int] = field(default_factory=list)  # pids still alive after stop (should be [])
    tmp_dirs: list[str] = field(default_factory=list)  # the temporary directories used (all removed)


def decode_answer(status: Optional[int], body: bytes) -> tuple[Optional[dict[str, Any]], str]:
    text = body.decode("utf-8", "replace")
    if status == 200:
        try:
            data = json.loads(text)
            if isinstance(data, dict):
                return data, text
        except ValueError:
            pass
    return None, text


class LiveServer:
    """A throwaway httpd for one plan: :meth:`start`, :meth:`ask`, :meth:`stop`."""

    def __init__(self, httpd: str, plan: LivePlan, probe_source: str, *,
                 env: Optional[Mapping[str, str]] = None, ports: Optional[dict[str, int]] = None,
                 guard: Guard = Guard(), startup_timeout: float = STARTUP_TIMEOUT, attempts: int = 3,
                 prefix: str = "wsgidoctor-live-", ready: Any = None):
        self.httpd = httpd
        self.plan = plan
        self.probe_source = probe_source
        self.env = dict(env or {})
        self.given_ports = dict(ports) if ports else None
        self.ports: dict[str, int] = dict(ports) if ports else {}
        self.guard = guard
        self.startup_timeout = startup_timeout
        self.attempts = attempts
        self.prefix = prefix
        self.ready = ready
        self.server: Optional[Throwaway] = None
        self.config_text = ""
        self.leftovers: list[int] = []
        self.tmp_dirs: list[str] = []
        self.attempts_made = 0
        self._logs: list[str] = []

    @property
    def tmp(self) -> Optional[str]:
        return self.server.dir if self.server else None

    @property
    def proc(self) -> Any:
        return self.server.process.proc if self.server else None

    def _prepare(self, tmp: str) -> None:
        """The probe application at every mount's script path, readable by Apache's user only."""
        self.tmp_dirs.append(tmp)
        group = self.plan.group
        for sub in ("run", "root"):
            os.makedirs(os.path.join(tmp, sub), exist_ok=True)
            own(os.path.join(tmp, sub), 0o750, group)
        for script in (s.replace(TMP, tmp) for s in self.plan.scripts):
            self._make_dir(os.path.dirname(script), tmp)
            shutil.copyfile(self.probe_source, script)
            if self.plan.callables:  # the probe answers as the callable the configuration names
                with open(script, "a", encoding="utf-8") as fh:
                    fh.write("".join(f"\n{name} = application\n" for name in self.plan.callables))
            own(script, 0o640, group)
        for directory in self.plan.directories:
            self._make_dir(directory.replace(TMP, tmp), tmp)

    def _make_dir(self, d: str, tmp: str) -> None:
        """A directory under the throwaway mirror, it and its parents there readable by Apache's group."""
        os.makedirs(d, exist_ok=True)
        while d.startswith(os.path.join(tmp, "root")) and len(d) > len(tmp):
            own(d, 0o750, self.plan.group)
            d = os.path.dirname(d)

    def start(self) -> Optional[str]:
        """Start httpd and wait until it accepts connections; the error text if it does not."""
        try:
            self.server = launch(
                self.httpd, lambda tmp, ports: self.plan.render(ports, tmp), env=self.env,
                port_keys=self.plan.listen_keys, ports=self.given_ports, avoid_ports=self.guard.ports,
                prepare=self._prepare, check=self.guard.check, attempts=self.attempts,
                startup_timeout=self.startup_timeout, prefix=self.prefix, dir_mode=0o710,
                group=self.plan.group, ready=self.ready)
        except LaunchFailed as exc:
            self.config_text, self.ports, self._logs = exc.config_text, exc.ports, exc.logs
            self.attempts_made = exc.attempts
            return str(exc)
        self.attempts_made = len(self.tmp_dirs)
        self.config_text, self.ports = self.server.config_text, dict(self.server.ports)
        return None

    def ask(self, requests: Sequence[LiveRequest], timeout: float = REQUEST_TIMEOUT) -> list[LiveAnswer]:
        answers = [LiveAnswer(r) for r in requests]
        lifetime.checkpoint("live-asking")

        def one(a: LiveAnswer) -> None:
            t0 = time.monotonic()
            status, body, error = fetch(self.ports[a.request.listen_key], a.request.path,
                                        a.request.host, timeout)
            a.status, a.error = status, error
            a.body, a.text = decode_answer(status, body)
            if status is not None and a.body is None and not error:
                a.error = f"HTTP {status}" if status != 200 else "the answer is not the probe's JSON"
            a.duration_ms = (time.monotonic() - t0) * 1000

        threads = [threading.Thread(target=one, args=(a,), daemon=True) for a in answers[:8]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout + 2)
        for a in answers[8:]:
            one(a)
        return answers

    def read_logs(self) -> list[str]:
        if self.server is not None:
            return self.server.read_logs(MAX_LOG_LINES)
        return self._logs[-MAX_LOG_LINES:]

    def stop(self) -> None:
        """Stop the server and remove its directory (the logs are read first; idempotent)."""
        if self.server is None:
            return
        self.server.process.stop()
        self._logs = self.server.read_logs(MAX_LOG_LINES)
        self.leftovers = self.server.process.leftovers
        self.server.stop()
        self.server = None


def run_live(httpd: str, plan: LivePlan, probe_source: str, *, env: Optional[Mapping[str, str]] = None,
             guard: Guard = Guard(), ports: Optional[dict[str, int]] = None, attempts: int = 3,
             request_timeout: float = REQUEST_TIMEOUT, startup_timeout: float = STARTUP_TIMEOUT) -> LiveResult:
    """Start, ask, stop, clean up. Never raises for anything about the user's installation."""
    start = time.monotonic()
    result = LiveResult(notes=list(plan.notes))
    server = LiveServer(httpd, plan, probe_source, env=env, ports=ports, guard=guard,
                        startup_timeout=startup_timeout, attempts=attempts)
    try:
        error = server.start()
        if error is None:
            result.answers = server.ask(plan.requests, request_timeout)
            proc = server.proc
            if proc is not None and proc.poll() is not None:
                error = f"{os.path.basename(httpd)} exited with status {proc.returncode} while being asked"
        result.error = error
    except LiveError as exc:
        result.error = str(exc)
    finally:
        server.stop()
    result.error_log = server.read_logs()
    result.config_text = server.config_text
    result.ports = dict(server.ports)
    result.leftovers = server.leftovers
    result.tmp_dirs = list(server.tmp_dirs)
    for attempt in range(1, len(server.tmp_dirs)):
        result.notes.append(f"attempt {attempt}: a port was taken meanwhile; trying other ports")
    if result.leftovers:
        result.notes.append(f"processes left behind: {result.leftovers}")
    result.duration_ms = (time.monotonic() - start) * 1000
    return result
