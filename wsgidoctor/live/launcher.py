"""The one place that starts a throwaway Apache: start, wait until ready, ask, stop, clean up.

Live mode, the pytest plugin's server and every test that needs a real Apache start it here;
the caller decides the configuration (live mode writes a plan of the user's WSGI directives, the
scenario tests run a whole Debian layout as it is). What this module guarantees:

- httpd runs in the foreground (``-DFOREGROUND``) as our child, in a session of its own, so
  every process it forks shares its session id; it carries wsgidoctor's mark
  (:mod:`wsgidoctor.core.lifetime`), so even a descendant that left the session, or one left
  after wsgidoctor itself was killed, is ended by the watchdog;
- it is ready once it listens on its ports (and, when asked, has written its pid file);
- it is stopped by its own pid: SIGTERM, a short grace, then SIGKILL to every process of its
  session (an embedded-mode child under the event MPM can spend ~10 s in ``Py_EndInterpreter``);
- :func:`launch` makes a short private directory (AF_UNIX socket paths hold 107 bytes), writes
  the configuration the caller renders for the ports chosen, retries with other ports when one
  was taken meanwhile, and removes the directory when the server is stopped, or when wsgidoctor
  ends in any other way.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional, Sequence
from urllib.parse import quote

from wsgidoctor.core import lifetime

STARTUP_TIMEOUT = 8.0
REQUEST_TIMEOUT = 8.0
STOP_GRACE = 0.05
MAX_BODY = 4 * 1024 * 1024
MAX_LOG_LINES = 400
#: Each process of the throwaway server may map this much (RLIMIT_AS, inherited by its children):
#: threads' stacks count, so it is more than a one-shot command gets.
MEMORY_LIMIT = 4 * 1024 * 1024 * 1024
#: A temporary directory longer than this is not used for sockets (mod_wsgi's socket names add
#: about 30 characters to it; AF_UNIX allows 107).
MAX_DIR_LENGTH = 48
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PORT_TAKEN = "Address already in use"


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
    """Pids of the live (not zombie) processes whose session id is ``sid``."""
    out = []
    for pid in lifetime.all_pids():
        fields = lifetime.stat_fields(pid)
        if len(fields) > 3 and fields[0] not in (b"Z", b"X") and int(fields[3]) == sid:
            out.append(pid)
    return out


def url_path(path: str) -> str:
    """A URL path as it goes on the request line: non-ASCII and spaces percent-encoded."""
    return quote(path, safe="/!$&'()*+,;=:@~%?")


def fetch(port: int, path: str, host: str, timeout: float = REQUEST_TIMEOUT) -> tuple[Optional[int], bytes, Optional[str]]:
    """GET ``path`` from 127.0.0.1:port with this Host header: ``(status, body, error)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", url_path(path), headers={"Host": host.encode("idna").decode("ascii")
                                                     if not host.isascii() else host,
                                                     "Connection": "close", "User-Agent": "wsgidoctor-live"})
        lifetime.checkpoint("request:" + path)  # sent, the server working on it
        resp = conn.getresponse()
        return resp.status, resp.read(MAX_BODY), None
    except socket.timeout:
        return None, b"", f"no answer within {timeout:g}s"
    except (OSError, http.client.HTTPException, ValueError, UnicodeError) as exc:
        return None, b"", f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def short_private_dir(prefix: str = "wsgidoctor-", chroot: Optional[str] = None) -> str:
    """A new 0700 directory with a path short enough for AF_UNIX sockets inside it.

    $TMPDIR when its path is short, else /tmp, /var/tmp or /dev/shm (those of ``chroot``, when
    given: the server sees the path without the chroot's prefix); registered with
    :mod:`wsgidoctor.core.lifetime` so that it is removed however wsgidoctor ends.
    """
    if chroot:
        return lifetime.make_dir(os.path.join(chroot, "tmp"), prefix)
    candidates = [tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"]
    base = next((c for c in candidates if len(c) + len(prefix) + 8 <= MAX_DIR_LENGTH
                 and os.path.isdir(c) and os.access(c, os.W_OK | os.X_OK)), None)
    return lifetime.make_dir(base, prefix)


#: Removing a directory of :func:`short_private_dir` is lifetime's (the tests import it from here).
remove_dir = lifetime.remove_dir


@dataclass
class ApacheProcess:
    """One httpd started in the foreground from a configuration file (see the module docstring).

    ``wrapper`` goes before httpd on the command line and forks it (the scenario tests run it as
    pid 1 of a PID namespace of its own with ``unshare --fork``); ``chroot`` runs httpd inside that
    directory (``chroot DIR httpd ...``: httpd keeps the pid; ``config`` and ``server_root`` are
    then paths as httpd sees them, ``ready_file`` and ``output`` as seen from here);
    ``ready_file`` is a file httpd writes once every listener is bound (its pid file).
    """

    httpd: str
    config: str
    env: Mapping[str, str]
    ports: Sequence[int] = ()
    server_root: Optional[str] = None
    cwd: str = "/"
    ready_file: Optional[str] = None
    output: Optional[str] = None  # where httpd's own stdout/stderr go (default: discarded)
    wrapper: Sequence[str] = ()
    control: Sequence[str] = ()  # a control script's start command instead of ``httpd -f config`` (express)
    extra_args: Sequence[str] = ()  # after -DFOREGROUND: more -D defines, as a real server's command line has
    chroot: Optional[str] = None
    memory_limit: Optional[int] = MEMORY_LIMIT
    proc: Optional[subprocess.Popen] = field(default=None, init=False)
    mark: str = field(default_factory=lifetime.new_mark, init=False)
    leftovers: list[int] = field(default_factory=list, init=False)

    @property
    def argv(self) -> list[str]:
        inside = ["chroot", self.chroot] if self.chroot else []
        if self.control:
            return [*self.wrapper, *inside, *self.control, "-DFOREGROUND", *self.extra_args]
        root = ["-d", self.server_root] if self.server_root else []
        return [*self.wrapper, *inside, self.httpd, *root, "-f", self.config, "-DFOREGROUND", *self.extra_args]

    @property
    def pid(self) -> Optional[int]:
        return self.proc.pid if self.proc else None

    def start(self) -> Optional[str]:
        """Start httpd; None, or why it could not run at all."""
        from wsgidoctor.core.subprocesses import limit_memory, with_memory_limit

        env = dict(self.env)
        env.setdefault("PATH", DEFAULT_PATH)
        out = (os.fdopen(os.open(self.output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640), "ab")
               if self.output else subprocess.DEVNULL)
        try:
            # umask 027: the logs and locks httpd writes are not for other users either
            self.proc = lifetime.spawn(with_memory_limit(self.argv, self.memory_limit, env), marks=(self.mark,), stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=out, env=env, cwd=self.cwd, start_new_session=True, umask=0o027)
        except FileNotFoundError:
            return f"could not run {self.argv[0]}: no such file"
        except PermissionError:
            return f"could not run {self.argv[0]}: permission denied"
        except (OSError, ValueError, lifetime.Stopping) as exc:
            return f"could not run {self.httpd}: {getattr(exc, 'strerror', None) or exc}"
        finally:
            if self.output:
                out.close()  # type: ignore[union-attr]
        limit_memory(self.proc.pid, self.memory_limit)
        return None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self) -> Optional[int]:
        return self.proc.poll() if self.proc else None

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> Optional[str]:
        """Wait until httpd listens on its first port (and wrote ``ready_file``); else why not."""
        assert self.proc is not None
        lifetime.checkpoint("launcher-waiting")
        deadline = time.monotonic() + timeout
        name = os.path.basename(self.httpd)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"{name} exited with status {self.proc.returncode} while starting"
            if self.ready_file is None or self._ready_file_written():
                if not self.ports or self._listening(self.ports[0]):
                    lifetime.checkpoint("launcher-ready")
                    return None
            time.sleep(0.01)
        return f"the server did not start within {timeout:g}s"

    def _ready_file_written(self) -> bool:
        try:
            with open(self.ready_file) as fh:  # type: ignore[arg-type]
                text = fh.read().strip()
        except OSError:
            return False
        return bool(text) and (self.wrapper or text == str(self.proc.pid))  # type: ignore[union-attr]

    @staticmethod
    def _listening(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    def members(self) -> list[int]:
        """The server's live processes (its session)."""
        return session_members(self.proc.pid) if self.proc else []

    def stop(self, grace: float = STOP_GRACE) -> None:
        """SIGTERM to httpd, up to ``grace`` seconds for it to stop, then SIGKILL to its session."""
        proc = self.proc
        if proc is None:
            return
        lifetime.checkpoint("launcher-stopping")
        target = self.server_pid()
        if proc.poll() is None and target is not None:
            try:
                os.kill(target, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Everything the server holds is in its directory or dies with its processes (anonymous
        # shared memory, fcntl locks), so killing the session outright is safe.
        deadline = time.monotonic() + 5
        while True:
            left = session_members(proc.pid)
            if proc.poll() is None and proc.pid not in left:
                left.append(proc.pid)
            if not left or time.monotonic() > deadline:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                proc.wait(0.02)
            except subprocess.TimeoutExpired:
                pass
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:  # pragma: no cover - stuck in the kernel
            pass
        lifetime.end_orphans(self.mark)  # whatever left the session (a daemonizing application)
        self.leftovers = session_members(proc.pid)

    def server_pid(self) -> Optional[int]:
        """httpd's pid as seen from here (with a wrapper: the wrapper's only child; chroot execs)."""
        assert self.proc is not None
        if not self.wrapper:
            return self.proc.pid
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as fh:
                children = fh.read().split()
        except OSError:
            return None
        return int(children[0]) if children else None


ConfigFor = Callable[[str, dict[str, int]], str]


@dataclass
class Throwaway:
    """A running throwaway server from :func:`launch`: its directory, ports and configuration."""

    process: ApacheProcess
    dir: str
    ports: dict[str, int]
    config_text: str
    error_log: str

    @property
    def port(self) -> int:
        return next(iter(self.ports.values()))

    def get(self, path: str, host: Optional[str] = None, port: Optional[int] = None,
            timeout: float = REQUEST_TIMEOUT) -> tuple[Optional[int], bytes, Optional[str]]:
        port = port or self.port
        return fetch(port, path, host or f"localhost:{port}", timeout)

    def read_logs(self, max_lines: int = MAX_LOG_LINES) -> list[str]:
        """What httpd printed and its error log (the last ``max_lines`` lines)."""
        lines: list[str] = []
        for path in (self.process.output, self.error_log):
            if not path:
                continue
            try:
                with open(path, "rb") as fh:
                    lines += fh.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
        return lines[-max_lines:]

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop the server and remove its directory (idempotent)."""
        try:
            self.process.stop(grace)
            lifetime.checkpoint("launcher-stopped")  # its processes gone, its directory not yet
        finally:
            remove_dir(self.dir)

    def __enter__(self) -> "Throwaway":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LaunchFailed(Exception):
    """The server did not start; ``server`` is the last attempt (stopped, its logs kept)."""

    def __init__(self, message: str, logs: list[str], config_text: str, ports: dict[str, int],
                 attempts: int):
        super().__init__(message)
        self.logs = logs
        self.config_text = config_text
        self.ports = ports
        self.attempts = attempts


def launch(httpd: str, config_for: ConfigFor, *, env: Mapping[str, str], port_keys: Sequence[str] = ("main",),
           ports: Optional[dict[str, int]] = None, avoid_ports: Sequence[int] = (),
           prepare: Optional[Callable[[str], None]] = None, check: Optional[Callable[[str, dict[str, int]], None]] = None,
           error_log: str = "error.log", pid_file: Optional[str] = "run/httpd.pid",
           attempts: int = 3, startup_timeout: float = STARTUP_TIMEOUT, prefix: str = "wsgidoctor-",
           dir_mode: int = 0o700, group: Optional[str] = None,
           ready: Optional[Callable[[ApacheProcess], Optional[str]]] = None,
           extra_args: Sequence[str] = (), chroot: Optional[str] = None) -> Throwaway:
    """Start a throwaway httpd with the configuration ``config_for(dir, ports)``.

    A fresh short private directory per attempt (``dir_mode``, group ``group`` when given and we
    are root, so that Apache's user reaches what it must and nobody else does); ``prepare(dir)``
    writes the caller's files; ``check(text, ports)`` may raise to refuse a configuration;
    ``error_log`` and ``pid_file`` are relative to the directory. When a port was taken
    meanwhile the server is started again on other ports (unless ``ports`` were given). Raises
    :class:`LaunchFailed` with the logs when it does not start. ``extra_args`` follow httpd's own
    arguments on its command line. With ``chroot`` (an installation of another system, root
    only), httpd runs inside that directory and the private directory is made in its /tmp:
    ``config_for`` then gets the directory as httpd sees it, ``prepare`` and the result as seen
    from here.
    """
    last: Optional[LaunchFailed] = None
    for attempt in range(attempts):
        try:
            tmp = short_private_dir(prefix, chroot)
        except lifetime.Stopping as exc:
            raise LaunchFailed(str(exc), [], "", dict(ports or {}), attempt + 1) from None
        chosen = dict(ports) if ports else dict(zip(port_keys, free_ports(len(port_keys), avoid_ports)))
        process = None
        text = ""
        try:
            own(tmp, dir_mode, group)
            if prepare is not None:
                prepare(tmp)
            seen = tmp[len(chroot.rstrip("/")):] if chroot else tmp
            text = config_for(seen, chosen)
            if check is not None:
                check(text, chosen)
            conf = os.path.join(tmp, "httpd.conf")
            fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # secrets may be in it
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            lifetime.checkpoint("launcher-configured")
            # in "/", as httpd started as a service runs (it detaches with chdir("/"); systemd's
            # default): a relative WSGIPythonHome or python-path means there what it means here
            process = ApacheProcess(httpd, os.path.join(seen, "httpd.conf"), env, ports=list(chosen.values()),
                                    server_root=seen, cwd="/",
                                    ready_file=os.path.join(tmp, pid_file) if pid_file else None,
                                    output=os.path.join(tmp, "stderr.log"), extra_args=tuple(extra_args),
                                    chroot=chroot)
            problem = process.start() or process.wait_ready(startup_timeout)
            if problem is None and ready is not None:
                problem = ready(process)
        except BaseException:
            if process is not None:
                process.stop()
            remove_dir(tmp)
            raise
        server = Throwaway(process, tmp, chosen, text, os.path.join(tmp, error_log))
        if problem is None:
            return server
        logs = server.read_logs()
        server.stop()
        last = LaunchFailed(problem, logs, text, chosen, attempt + 1)
        if ports or not any(PORT_TAKEN in line for line in logs):
            break
    assert last is not None
    raise last


def own(path: str, mode: int, group: Optional[str]) -> None:
    """``path`` with ``mode``, group ``group`` (when root: Apache's user must reach it, nobody else).

    As root without a known group, others get what the group would have had (Apache's user is
    then unknown); as another user, Apache runs as that user and the owner's bits are enough.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        gid = None
        if group:
            import grp

            try:
                gid = grp.getgrnam(group).gr_gid
                os.chown(path, 0, gid)
            except (KeyError, OSError):
                gid = None
        if gid is None:
            mode |= (mode & 0o070) >> 3
    os.chmod(path, mode)
