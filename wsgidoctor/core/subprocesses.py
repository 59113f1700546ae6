"""Run external commands safely: bounded time, bounded output, never a hang, never a traceback.

Every command wsgidoctor runs goes through :func:`run`. A missing program, a permission problem, a
command that never exits or one that prints gigabytes all come back as a :class:`CommandResult`
describing what happened; nothing here raises for a problem with the command itself.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

from wsgidoctor.core import lifetime

#: Default cap on what is kept of each stream. Apache's -V/-M outputs are a few KiB.
DEFAULT_OUTPUT_LIMIT = 4 * 1024 * 1024
DEFAULT_TIMEOUT = 20.0
#: Address space allowed to each command (RLIMIT_AS). ``apache2 -t`` of a normal configuration
#: uses well under 200 MiB; one ``Define`` doubled 30 times made it take 8.4 GB.
DEFAULT_MEMORY_LIMIT = 2 * 1024 * 1024 * 1024
#: httpd commands that read the whole configuration (and so can be made to use any amount of
#: memory by it) run at most two at a time: -M and -t overlap, and the worst case stays bounded at
#: twice the per-command limit.
_HTTPD_NAMES = ("httpd", "apache2", "apachectl", "apache2ctl", "httpd2")
#: ``-V`` too: with the MPM a loadable module (Debian, most distributions) httpd reads the whole
#: configuration to load it before it prints its build settings.
_CONFIG_READING = ("-t", "-M", "-S", "-T", "-V", "configtest")
MAX_HUNGRY_AT_ONCE = 2
_hungry_slots = threading.BoundedSemaphore(MAX_HUNGRY_AT_ONCE)


@dataclass(frozen=True)
class CommandResult:
    """What a command did. ``error`` is set when it could not run or did not finish."""

    argv: tuple[str, ...]
    returncode: Optional[int] = None
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    timed_out: bool = False
    truncated: bool = False
    error: Optional[str] = None
    env_note: str = field(default="", compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None and self.returncode == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, stderr first (Apache prints warnings there first)."""
        if self.stderr and self.stdout:
            return self.stderr.rstrip("\n") + "\n" + self.stdout
        return self.stdout or self.stderr

    @property
    def display(self) -> str:
        """The command line as a person would type it."""
        return " ".join(_quote(a) for a in self.argv)


def _quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./=:@%+," for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


#: After the command itself has exited, how long to keep reading output that a background
#: descendant may still be holding the pipes open for.
EXIT_GRACE = 0.2


def _decode(data: bytes) -> str:
    """UTF-8, else Latin-1; a UTF-8 character cut at the output cap is dropped, not mojibake."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            try:
                return data[:exc.start].decode("utf-8")
            except UnicodeDecodeError:
                pass
        return data.decode("latin-1")


def run(
    argv: Sequence[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    env: Optional[Mapping[str, str]] = None,
    cwd: Optional[str] = None,
    input_data: Optional[bytes] = None,
    output_limit: int = DEFAULT_OUTPUT_LIMIT,
    memory_limit: Optional[int] = DEFAULT_MEMORY_LIMIT,
) -> CommandResult:
    """Run ``argv`` and return what happened.

    The child runs in its own session so that on timeout the whole process group (apachectl's
    shell and the httpd it started) is killed and reaped; it carries wsgidoctor's mark, so that
    whatever it leaves, even outside its session, is ended with wsgidoctor (see
    :mod:`wsgidoctor.core.lifetime`). Output beyond ``output_limit`` bytes per stream is read and
    discarded, and the address space is capped at ``memory_limit`` bytes, so a runaway command
    cannot exhaust memory. httpd commands that read the configuration run at most two at a time.
    """
    argv = tuple(str(a) for a in argv)
    if os.environ.get("WSGIDOCTOR_TRACE_COMMANDS"):
        _trace(argv, env, cwd, input_data)
    if memory_hungry(argv):
        with _hungry_slots:
            return _run(argv, timeout, env, cwd, input_data, output_limit, memory_limit, True)
    return _run(argv, timeout, env, cwd, input_data, output_limit, memory_limit, False)


class Pending:
    """A command started in the background by :func:`start`; :meth:`result` waits for it."""

    def __init__(self, argv: Sequence[str], kwargs: dict) -> None:
        self._box: list[CommandResult] = []
        self._argv = tuple(str(a) for a in argv)
        self._thread = threading.Thread(target=self._work, args=(kwargs,),
                                        name=f"command-{os.path.basename(self._argv[0]) if self._argv else ''}",
                                        daemon=True)
        self._thread.start()

    def _work(self, kwargs: dict) -> None:
        try:
            self._box.append(run(self._argv, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - reported by result(), never lost in a thread
            self._box.append(CommandResult(self._argv, error=f"could not run: {type(exc).__name__}: {exc}"))

    def result(self) -> CommandResult:
        """What the command did (waits for it; :func:`run`'s own time limit bounds the wait)."""
        self._thread.join()
        return self._box[0] if self._box else CommandResult(self._argv, error="did not finish")


def start(argv: Sequence[str], **kwargs) -> Pending:
    """Start :func:`run` of ``argv`` in the background, so that a probe can work meanwhile."""
    return Pending(argv, kwargs)


def memory_hungry(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is an httpd command that reads the whole configuration."""
    return (any(os.path.basename(a) in _HTTPD_NAMES for a in argv)
            and any(a in _CONFIG_READING or "DUMP_" in a for a in argv[1:]))


_PRLIMIT = next((p for p in ("/usr/bin/prlimit", "/bin/prlimit") if os.access(p, os.X_OK)), None)


def with_memory_limit(argv: Sequence[str], limit: Optional[int], env: Optional[Mapping[str, str]] = None) -> list[str]:
    """``argv`` started through util-linux's ``prlimit --as``, so that the limit is in place before
    the command's first instruction (and inherited by its children).

    The program is looked up here first (with ``env``'s PATH), so that a missing one is still
    reported as such and not as prlimit's failure. Without prlimit, ``argv`` unchanged (the limit
    is then set right after the start, see :func:`limit_memory`).
    """
    if not limit or _PRLIMIT is None:
        return list(argv)
    program = argv[0]
    if os.sep not in program:
        path = (env if env is not None else os.environ).get("PATH", os.defpath)
        program = which(program, path=path) or program
    if os.path.isdir(program):
        raise PermissionError(argv[0])
    if not os.path.isfile(program):
        raise FileNotFoundError(argv[0])
    if not os.access(program, os.X_OK):
        raise PermissionError(argv[0])
    return [_PRLIMIT, f"--as={limit}", "--", program, *argv[1:]]


def limit_memory(pid: int, limit: Optional[int], force: bool = False) -> None:
    """Cap ``pid``'s address space right after its start (where it was not started through prlimit)."""
    if not limit or (_PRLIMIT is not None and not force):
        return
    try:
        import resource

        resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux, or the process is already gone


def _out_of_memory(returncode: Optional[int], stderr: bytes, limit: Optional[int]) -> Optional[str]:
    """The message for a command that hit the memory limit, else None."""
    if not limit or returncode is None or returncode == 0:
        return None
    text = stderr[-4096:].lower()
    if any(sign in text for sign in (b"out of memory", b"cannot allocate memory", b"memoryerror",
                                      b"memory exhausted", b"could not allocate",
                                      b"memory allocation failed")):
        return (f"stopped at wsgidoctor's memory limit of {limit // (1024 * 1024)} MiB "
                "(the command tried to use more memory than that)")
    return None


def _run(argv: tuple[str, ...], timeout: float, env: Optional[Mapping[str, str]], cwd: Optional[str],
         input_data: Optional[bytes], output_limit: int, memory_limit: Optional[int], hungry: bool) -> CommandResult:
    # Commands that read the configuration get the limit before they start (through prlimit, one
    # exec more); the others right after their start, which costs nothing.
    wrapped = hungry and _PRLIMIT is not None
    start = time.monotonic()
    mark = lifetime.new_mark()
    try:
        proc = lifetime.spawn(
            with_memory_limit(argv, memory_limit, env) if wrapped else list(argv),
            marks=(mark,),
            stdin=subprocess.PIPE if input_data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    except lifetime.Stopping as exc:
        return CommandResult(argv, error=str(exc))
    except FileNotFoundError:
        return CommandResult(argv, error=f"command not found: {argv[0]}")
    except PermissionError:
        return CommandResult(argv, error=f"permission denied running {argv[0]}")
    except OSError as exc:
        return CommandResult(argv, error=f"cannot run {argv[0]}: {exc.strerror or exc}")
    except ValueError as exc:  # e.g. a NUL byte in an argument or the environment
        return CommandResult(argv, error=f"cannot run {argv[0]}: {exc}")
    if not wrapped:
        limit_memory(proc.pid, memory_limit, force=True)
    if os.environ.get(lifetime.PAUSE_ENV):
        name = "command:" + os.path.basename(argv[0])
        lifetime.checkpoint(name, *(f"{name} {arg}" for arg in argv[1:] if arg.startswith("-")))

    pending_input = memoryview(input_data or b"")
    buffers = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    truncated = False
    timed_out = False
    deadline = start + timeout
    exited_at: Optional[float] = None
    with selectors.DefaultSelector() as sel:
        for stream in buffers:
            sel.register(stream, selectors.EVENT_READ)
        if proc.stdin is not None:
            # Fed from the loop, never by a blocking write: a child that does not read its
            # input must not hold us past the deadline.
            os.set_blocking(proc.stdin.fileno(), False)
            sel.register(proc.stdin, selectors.EVENT_WRITE)
        while any(k.fileobj is not proc.stdin for k in sel.get_map().values()):
            now = time.monotonic()
            if now >= deadline:
                timed_out = exited_at is None
                break
            if exited_at is None and _has_exited(proc):
                exited_at = now
            if exited_at is not None and now - exited_at > EXIT_GRACE:
                break  # the command is done; a background descendant still holds its pipes
            for key, _ in sel.select(timeout=min(deadline - now, 0.05 if exited_at else 0.5)):
                if key.fileobj is proc.stdin:
                    try:
                        written = os.write(key.fd, pending_input[:65536])
                    except BlockingIOError:
                        written = 0  # the pipe filled between select and write: try again
                    except OSError:  # the child closed its end (EPIPE): it will read no more
                        written = len(pending_input)
                    pending_input = pending_input[written:]
                    if not pending_input:
                        sel.unregister(proc.stdin)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                buf = buffers[key.fileobj]
                room = output_limit - len(buf)
                if room > 0:
                    buf += chunk[:room]
                if len(chunk) > room:
                    truncated = True
    pause = 0.001
    while not timed_out and exited_at is None and not _has_exited(proc):
        if time.monotonic() >= deadline:
            timed_out = True
            break
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    # The child is exited or killed here but not yet reaped, so its pid (the group id) cannot
    # have been reused: kill whatever it left in its process group, then reap it.
    _kill_group(proc, mark)
    for stream in (*buffers, proc.stdin):
        if stream is not None and not stream.closed:
            stream.close()
    duration = (time.monotonic() - start) * 1000
    out, err = (_decode(bytes(buffers[proc.stdout])), _decode(bytes(buffers[proc.stderr])))
    error = f"timed out after {timeout:g}s: {argv[0]}" if timed_out else None
    returncode = None if timed_out else proc.returncode
    if returncode in (126, 127) and err.startswith("prlimit: failed to execute"):
        # the exec itself failed (a script whose interpreter is missing...): as Popen would say
        error, returncode = f"cannot run {argv[0]}: {err.rsplit(': ', 1)[-1].strip()}", None
    if error is None:
        error = _out_of_memory(proc.returncode, bytes(buffers[proc.stderr]) + bytes(buffers[proc.stdout]),
                               memory_limit)
    return CommandResult(argv, returncode=returncode, stdout=out,
                         stderr=err, duration_ms=duration, timed_out=timed_out,
                         truncated=truncated, error=error)


def _trace(argv: tuple[str, ...], env: Optional[Mapping[str, str]], cwd: Optional[str],
           input_data: Optional[bytes]) -> None:
    """Append the command to $WSGIDOCTOR_TRACE_COMMANDS (JSON lines), for benchmarks/.

    What the command was given on stdin goes with it (base64), so that a replay does the same work.
    """
    import base64
    import json

    try:
        with open(os.environ["WSGIDOCTOR_TRACE_COMMANDS"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"argv": argv, "env": dict(env) if env is not None else None,
                                 "cwd": cwd,
                                 "stdin": base64.b64encode(input_data).decode() if input_data else None}) + "\n")
    except OSError:
        pass


def _has_exited(proc: subprocess.Popen) -> bool:
    """Whether the child has exited, without reaping it (its pid stays ours until wait())."""
    try:
        info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:  # already reaped elsewhere
        return True
    return info is not None


def _kill_group(proc: subprocess.Popen, mark: str) -> None:
    """Kill the child's whole process group, end what left it, and reap the child.

    Called only while the child is unreaped, so the group id is still the child's own; the
    orphans are ended before the child is reaped for the same reason.
    """
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while not _has_exited(proc) and time.monotonic() < deadline:
        time.sleep(0.001)
    lifetime.end_orphans(mark, session=proc.pid)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process stuck in the kernel
        pass


def which(name: str, extra_dirs: Sequence[str] = (), path: Optional[str] = None) -> Optional[str]:
    """Find an executable on ``path`` (default $PATH) and then in ``extra_dirs``."""
    dirs = (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep)
    for d in [*dirs, *extra_dirs]:
        if not d:
            continue
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
