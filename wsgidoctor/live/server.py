"""Run a planned throwaway Apache, ask its probes, stop it and leave nothing behind.

The server is the user's httpd started in the foreground in a session of its own, so that every
process it forks (Apache children, mod_wsgi daemons) carries its session id and can be found and
killed by pid. Stopping: SIGTERM to the parent (which stops its children cleanly), a short wait,
then SIGKILL for whatever of the session is still there — an embedded-mode child under the event
MPM can otherwise spend about 10 s in ``Py_EndInterpreter`` (notes §10). The temporary directory,
with the sockets, pid file and lock files in it, is removed; the error log is kept in memory as
evidence. Two servers can run at once: each has its own directory and ports.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from wsgidoctor.live.plan import TMP, LivePlan, LiveRequest

STARTUP_TIMEOUT = 8.0
REQUEST_TIMEOUT = 8.0
MAX_BODY = 4 * 1024 * 1024
MAX_LOG_LINES = 400
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


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


def free_ports(count: int, avoid: Sequence[int] = ()) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (bound together, then released)."""
    socks, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            port = s.getsockname()[1]
            if port not in avoid and port not in ports:
                ports.append(port)
    finally:
        for s in socks:
            s.close()
    return ports


def session_members(sid: int) -> list[int]:
    """Pids of the live (not zombie) processes whose session id is ``sid``.

    Zombies are left out: they have exited and hold nothing; whoever inherited them (init, once
    the server's parent is gone) reaps them on its own schedule.
    """
    if os.path.isdir("/proc/self"):
        out = []
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 3 and fields[0] not in (b"Z", b"X") and int(fields[3]) == sid:
                out.append(int(name))
        return out
    import psutil

    out = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and os.getsid(proc.info["pid"]) == sid:
                out.append(proc.info["pid"])
        except (OSError, psutil.Error):
            continue
    return out


def fetch(port: int, path: str, host: str, timeout: float = REQUEST_TIMEOUT) -> tuple[Optional[int], bytes, Optional[str]]:
    """GET ``path`` from 127.0.0.1:port with this Host header: ``(status, body, error)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, "Connection": "close",
                                           "User-Agent": "wsgidoctor-live"})
        resp = conn.getresponse()
        return resp.status, resp.read(MAX_BODY), None
    except socket.timeout:
        return None, b"", f"no answer within {timeout:g}s"
    except (OSError, http.client.HTTPException) as exc:
        return None, b"", f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


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
    """A throwaway httpd for one plan (use as a context manager)."""

    def __init__(self, httpd: str, plan: LivePlan, probe_source: str, *, tmp: str,
                 env: Optional[Mapping[str, str]] = None, ports: Optional[dict[str, int]] = None,
                 guard: Guard = Guard(), startup_timeout: float = STARTUP_TIMEOUT):
        self.httpd = httpd
        self.plan = plan
        self.probe_source = probe_source
        self.tmp = tmp
        self.env = dict(env or {})
        self.env.setdefault("PATH", _DEFAULT_PATH)
        self.ports = dict(ports) if ports else {}
        self.guard = guard
        self.startup_timeout = startup_timeout
        self.proc: Optional[subprocess.Popen] = None
        self.config_text = ""
        self.leftovers: list[int] = []

    # -- set up --------------------------------------------------------------------------------
    def prepare(self) -> None:
        os.chmod(self.tmp, 0o711)  # the Apache user must reach the sockets and the probe
        for sub in ("run", "root"):
            os.makedirs(os.path.join(self.tmp, sub), exist_ok=True)
        os.chmod(os.path.join(self.tmp, "run"), 0o711)
        os.chmod(os.path.join(self.tmp, "root"), 0o755)
        for script in (s.replace(TMP, self.tmp) for s in self.plan.scripts):
            os.makedirs(os.path.dirname(script), mode=0o755, exist_ok=True)
            d = os.path.dirname(script)
            while d.startswith(os.path.join(self.tmp, "root")) and len(d) > len(self.tmp):
                os.chmod(d, 0o755)
                d = os.path.dirname(d)
            shutil.copyfile(self.probe_source, script)
            os.chmod(script, 0o644)
        if not self.ports:
            self.ports = dict(zip(self.plan.listen_keys, free_ports(len(self.plan.listen_keys),
                                                                      self.guard.ports)))
        self.config_text = self.plan.render(self.ports, self.tmp)
        self.guard.check(self.config_text, self.ports.values())
        with open(os.path.join(self.tmp, "httpd.conf"), "w") as fh:
            fh.write(self.config_text)

    def start(self) -> Optional[str]:
        """Start httpd and wait until it accepts connections; the error text if it does not."""
        self.prepare()
        conf = os.path.join(self.tmp, "httpd.conf")
        out = open(os.path.join(self.tmp, "stderr.log"), "wb")
        try:
            self.proc = subprocess.Popen([self.httpd, "-d", self.tmp, "-f", conf, "-DFOREGROUND"],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         env=self.env, cwd=self.tmp, start_new_session=True)
        except OSError as exc:
            return f"could not run {self.httpd}: {exc.strerror or exc}"
        finally:
            out.close()
        # Ready once httpd wrote its pid file (it does so after binding every listener) and the
        # first port answers: a connection alone could reach someone else's socket.
        deadline = time.monotonic() + self.startup_timeout
        port = next(iter(self.ports.values()))
        pid_file = os.path.join(self.tmp, "run", "httpd.pid")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"{os.path.basename(self.httpd)} exited with status {self.proc.returncode} while starting"
            try:
                with open(pid_file) as fh:
                    written = fh.read().strip() == str(self.proc.pid)
            except OSError:
                written = False
            if written:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        return None
                except OSError:
                    pass
            time.sleep(0.01)
        return f"the server did not start within {self.startup_timeout:g}s"

    # -- ask -----------------------------------------------------------------------------------
    def ask(self, requests: Sequence[LiveRequest], timeout: float = REQUEST_TIMEOUT) -> list[LiveAnswer]:
        answers = [LiveAnswer(r) for r in requests]

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

    # -- tear down -----------------------------------------------------------------------------
    def stop(self) -> None:
        proc = self.proc
        if proc is None:
            return
        sid = proc.pid
        if proc.poll() is None:
            try:
                os.kill(sid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(0.05)
            except subprocess.TimeoutExpired:
                pass
        # Everything the server holds is in its temporary directory or dies with its processes
        # (anonymous shared memory, fcntl locks), so killing the session outright is safe and
        # avoids the parent's own reaping, which sleeps in growing steps up to seconds.
        self._kill_all(sid, keep_parent=False)
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            left = session_members(sid)
            if not left:
                break
            self._kill_all(sid, keep_parent=False)
            time.sleep(0.02)
        self.leftovers = session_members(sid)

    def _kill_all(self, sid: int, keep_parent: bool) -> None:
        for pid in session_members(sid):
            if keep_parent and pid == sid:
                continue
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def read_logs(self) -> list[str]:
        lines: list[str] = []
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.tmp, name), "rb") as fh:
                    lines += fh.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
        return lines[-MAX_LOG_LINES:]


def run_live(httpd: str, plan: LivePlan, probe_source: str, *, env: Optional[Mapping[str, str]] = None,
             guard: Guard = Guard(), ports: Optional[dict[str, int]] = None, attempts: int = 3,
             request_timeout: float = REQUEST_TIMEOUT, startup_timeout: float = STARTUP_TIMEOUT) -> LiveResult:
    """Start, ask, stop, clean up. Never raises for anything about the user's installation."""
    start = time.monotonic()
    result = LiveResult(notes=list(plan.notes))
    for attempt in range(attempts):
        tmp = tempfile.mkdtemp(prefix="wsgidoctor-live-")
        result.tmp_dirs.append(tmp)
        server = LiveServer(httpd, plan, probe_source, tmp=tmp, env=env, ports=ports, guard=guard,
                            startup_timeout=startup_timeout)
        try:
            error = server.start()
            if error is None:
                result.answers = server.ask(plan.requests, request_timeout)
                if server.proc is not None and server.proc.poll() is not None:
                    error = (f"{os.path.basename(httpd)} exited with status {server.proc.returncode} "
                             "while being asked")
            result.error = error
        except LiveError as exc:
            result.error = str(exc)
        finally:
            server.stop()
            result.error_log = server.read_logs()
            result.config_text = server.config_text
            result.ports = dict(server.ports)
            result.leftovers = server.leftovers
            shutil.rmtree(tmp, ignore_errors=True)
        port_taken = any("Address already in use" in line for line in result.error_log)
        if not (result.error and port_taken and ports is None):
            break
        result.notes.append(f"attempt {attempt + 1}: a port was taken meanwhile; trying other ports")
    if result.leftovers:
        result.notes.append(f"processes left behind: {result.leftovers}")
    result.duration_ms = (time.monotonic() - start) * 1000
    return result
