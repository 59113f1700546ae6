"""Read the hosting program's JSON record (schema 1) into dataclasses. Never raises.

The record holds one entry per emulated process: how it ended (exit code, signal, time-out), the
text it wrote to stderr (CPython's path dump and "Fatal Python error" land there) and the JSON
lines it reported: ``loaded``, ``user``, ``home``, ``initialising``, ``initialised``,
``interpreter``, ``response``, ``error``, ``done``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

RECORD_SCHEMA = 1


@dataclass(frozen=True)
class Response:
    """What one request to a WSGI script returned."""

    run: Optional[int]
    request: Optional[int]
    application_group: Optional[str]
    status: Optional[str]
    headers: tuple[tuple[str, str], ...] = ()
    body: Optional[str] = None
    error: Optional[dict[str, Any]] = None
    thread: dict[str, Any] = field(default_factory=dict)
    duration_ms: Optional[float] = None

    @property
    def ok(self) -> bool:
        return bool(self.status) and self.status.startswith("200") and self.error is None

    def payload(self) -> Optional[dict[str, Any]]:
        """The body as JSON (what the probe application answers), or None."""
        if not self.body:
            return None
        try:
            value = json.loads(self.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class ProcessResult:
    """How one emulated mod_wsgi process went."""

    index: int
    process_group: str
    pid: Optional[int] = None
    exit_code: Optional[int] = None
    signal: Optional[int] = None
    signal_name: Optional[str] = None
    timed_out: bool = False
    duration_ms: Optional[float] = None
    stderr: str = ""
    stderr_truncated: bool = False
    events: tuple[dict[str, Any], ...] = ()
    responses: tuple[Response, ...] = ()
    garbled_lines: int = 0

    def event(self, kind: str) -> Optional[dict[str, Any]]:
        """The first reported line of this kind."""
        return next((e for e in self.events if e.get("kind") == kind), None)

    @property
    def error(self) -> Optional[dict[str, Any]]:
        return self.event("error")

    @property
    def state(self) -> str:
        """ok | timeout | load-failed | not-libpython | user-failed | spec-invalid | init-failed | crashed."""
        if self.timed_out:
            return "timeout"
        err = self.error or {}
        stage = err.get("stage")
        if stage in ("load", "symbols", "user", "spec"):
            return {"load": "load-failed", "symbols": "not-libpython", "user": "user-failed",
                    "spec": "spec-invalid"}[stage]
        if self.event("initialised") is None:
            return "init-failed"
        if self.event("done") is None or self.exit_code != 0:
            return "crashed"
        return "ok"

    @property
    def runtime_version(self) -> Optional[str]:
        """``sys.version`` of the library once initialised (``Py_GetVersion()``)."""
        ev = self.event("initialised")
        return ev.get("version") if ev else None

    @property
    def how_it_ended(self) -> str:
        if self.timed_out:
            return "did not finish in time and was killed"
        if self.signal:
            return f"was killed by signal {self.signal_name or self.signal}"
        return f"exited with status {self.exit_code}"


@dataclass(frozen=True)
class HostRecord:
    """The whole record; ``error`` is set when the program could not run the spec at all."""

    schema: Optional[int]
    program_version: Optional[str] = None
    error: Optional[str] = None
    processes: tuple[ProcessResult, ...] = ()
    duration_ms: Optional[float] = None
    uid: Optional[int] = None
    euid: Optional[int] = None

    @property
    def responses(self) -> list[Response]:
        return [r for p in self.processes for r in p.responses]


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _response(data: dict[str, Any]) -> Response:
    headers = []
    for item in data.get("headers") or ():
        if isinstance(item, (list, tuple)) and len(item) == 2:
            headers.append((str(item[0]), str(item[1])))
    error = data.get("error")
    thread = data.get("thread")
    return Response(run=_int(data.get("run")), request=_int(data.get("request")),
                    application_group=_str(data.get("application_group")), status=_str(data.get("status")),
                    headers=tuple(headers), body=_str(data.get("body")),
                    error=error if isinstance(error, dict) else None,
                    thread=thread if isinstance(thread, dict) else {},
                    duration_ms=_float(data.get("duration_ms")))


def _process(data: dict[str, Any], index: int) -> ProcessResult:
    events: list[dict[str, Any]] = []
    responses: list[Response] = []
    messages = data.get("messages")
    for msg in messages if isinstance(messages, list) else ():
        if not isinstance(msg, dict):
            continue
        if msg.get("kind") == "response":
            responses.append(_response(msg))
        else:
            events.append(msg)
    idx = _int(data.get("index"))
    return ProcessResult(
        index=idx if idx is not None else index, process_group=_str(data.get("process_group")) or "",
        pid=_int(data.get("pid")), exit_code=_int(data.get("exit_code")), signal=_int(data.get("signal")),
        signal_name=_str(data.get("signal_name")), timed_out=data.get("timed_out") is True,
        duration_ms=_float(data.get("duration_ms")), stderr=_str(data.get("stderr")) or "",
        stderr_truncated=data.get("stderr_truncated") is True, events=tuple(events),
        responses=tuple(responses), garbled_lines=_int(data.get("garbled_lines")) or 0)


def parse_record(text: str | bytes) -> HostRecord:
    """The record in ``text``; a record with ``error`` set when the text is not one."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        return HostRecord(schema=None, error="the hosting program wrote no record")
    try:
        data = json.loads(stripped)
    except ValueError as exc:
        return HostRecord(schema=None, error=f"the hosting program's record is not JSON ({exc})")
    if not isinstance(data, dict):
        return HostRecord(schema=None, error="the hosting program's record is not a JSON object")
    schema = _int(data.get("schema"))
    if schema != RECORD_SCHEMA:
        return HostRecord(schema=schema, error=f"unsupported hosting record schema {data.get('schema')!r} "
                                               f"(this wsgidoctor reads schema {RECORD_SCHEMA})")
    procs = data.get("processes")
    processes = tuple(_process(p, i) for i, p in enumerate(procs if isinstance(procs, list) else ())
                      if isinstance(p, dict))
    return HostRecord(schema=schema, program_version=_str(data.get("program_version")),
                      error=_str(data.get("error")), processes=processes,
                      duration_ms=_float(data.get("duration_ms")), uid=_int(data.get("uid")),
                      euid=_int(data.get("euid")))
