"""Nothing wsgidoctor starts outlives it: every child is marked, and a watchdog sweeps them.

Every process wsgidoctor starts (commands, the throwaway Apache) gets ``WSGIDOCTOR_OWNER`` in its
environment, holding this run's token after any token inherited from an enclosing run. The
environment is inherited by every descendant, including one that called ``setsid()`` or was
re-parented to init, so "ours" is decided by reading ``/proc/PID/environ``; no process without
the token is ever signalled. Killing goes through a pidfd opened before the environment is
checked, so a pid that was reused in between cannot be hit.

Two paths end what is ours:

- in-process, :func:`shutdown` (the CLI's signal handlers and ``finally`` call it): no new
  process may start, every marked process is killed, registered directories are removed;
- the watchdog, a tiny process started with the first child and holding the read end of a pipe
  whose only write end is ours. When wsgidoctor ends in any way, SIGKILL included, the kernel
  closes that end; the watchdog then does the same sweep and exits. It runs in a session of its
  own, so a Ctrl-C to the terminal's process group does not reach it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import Iterable, Iterator, Mapping, Optional

#: The environment variable that marks wsgidoctor's descendants (``token[:token...]``).
MARK = "WSGIDOCTOR_OWNER"
#: Test hook: pause at the named stage (see :func:`checkpoint`).
PAUSE_ENV = "WSGIDOCTOR_PAUSE_AT"
PAUSE_FILE_ENV = "WSGIDOCTOR_PAUSE_FILE"
#: How long a sweep keeps looking for marked processes (a fork between scan and kill).
SWEEP_ROUNDS = 200


class Stopping(RuntimeError):
    """wsgidoctor is shutting down: no new process may be started."""


_lock = threading.RLock()
_token: Optional[str] = None
_scopes: list[str] = []  # tokens of the guarded() blocks under way (innermost last)
_dirs: dict[str, Optional[str]] = {}  # directory -> the scope that registered it
_closing = False
_watchdog: Optional[subprocess.Popen] = None
_watchdog_pipe: Optional[int] = None
_spawned: list[subprocess.Popen] = []  # children not yet seen to be reaped


def _token_hex(nbytes: int) -> str:
    """``secrets.token_hex``, without importing secrets (hmac, hashlib, OpenSSL) at every start."""
    return os.urandom(nbytes).hex()


def token() -> str:
    """This process's token (made on first use; a fork gets a new one)."""
    global _token
    if _token is None or not _token.startswith(f"{os.getpid()}."):
        _token = f"{os.getpid()}.{_token_hex(6)}"
    return _token


def new_mark() -> str:
    """A mark for one child and its descendants (see :func:`end_orphans`)."""
    return f"{token()}.{_token_hex(4)}"


def child_env(env: Optional[Mapping[str, str]], marks: Iterable[str] = ()) -> dict[str, str]:
    """``env`` (default: ours) plus this run's marks, kept after any mark it already had."""
    out = dict(os.environ if env is None else env)
    inherited = os.environ.get(MARK, "")
    mine = [token(), *_scopes, *marks]
    marks = [m for m in (out.get(MARK, "") + ":" + inherited).split(":") if m and m not in mine]
    out[MARK] = ":".join(dict.fromkeys([*marks, *mine]))
    return out


def strip_mark(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the mark (for environments shown in a report)."""
    env.pop(MARK, None)
    return env


def is_closing() -> bool:
    return _closing


def spawn(argv: list[str], marks: Iterable[str] = (), **popen_args) -> subprocess.Popen:
    """``subprocess.Popen`` with the mark added; refused once :func:`shutdown` has begun.

    The lock makes a start and a sweep mutually exclusive: a process is either started before
    the sweep (and found by it) or not at all.
    """
    popen_args["env"] = child_env(popen_args.get("env"), marks)
    with _lock:
        if _closing:
            raise Stopping("wsgidoctor is stopping")
        _ensure_watchdog()
        proc = subprocess.Popen(argv, **popen_args)
        _spawned[:] = [p for p in _spawned if p.returncode is None]
        _spawned.append(proc)
        return proc


def register_dir(path: str) -> None:
    """Remove ``path`` when wsgidoctor ends, however it ends (unless :func:`forget_dir` first)."""
    with _lock:
        _dirs[path] = _scopes[-1] if _scopes else None
        _tell(f"dir\t{path}\n")


def make_dir(base: Optional[str], prefix: str) -> str:
    """A new 0700 directory under ``base``, removed when wsgidoctor ends, however it ends.

    The watchdog is told before the directory exists, and the start of a sweep is excluded
    meanwhile, so that no end of wsgidoctor falls between its creation and its registration.
    """
    if not base:
        import tempfile  # only here: it brings in shutil, bz2 and lzma

        base = tempfile.gettempdir()
    for _ in range(100):
        path = os.path.join(base, prefix + _token_hex(4))
        with _lock:
            if _closing:
                raise Stopping("wsgidoctor is stopping")
            register_dir(path)
            try:
                os.mkdir(path, 0o700)
                return path
            except FileExistsError:
                forget_dir(path)
            except OSError:
                forget_dir(path)
                raise
    raise FileExistsError(f"no free name for {prefix}* in {base}")


def forget_dir(path: str) -> None:
    with _lock:
        _dirs.pop(path, None)
        _tell(f"undir\t{path}\n")


def remove_dir(path: str) -> None:
    """Remove a directory of :func:`make_dir` now, and stop watching it."""
    import shutil  # only here: it brings in bz2 and lzma

    shutil.rmtree(path, ignore_errors=True)
    forget_dir(path)


def _tell(line: str) -> None:
    if _watchdog_pipe is None:
        _ensure_watchdog()
    if _watchdog_pipe is not None:
        try:
            os.write(_watchdog_pipe, line.encode("utf-8", "surrogateescape"))
        except OSError:
            pass


def _ensure_watchdog() -> None:
    """Start the watchdog once per process (a no-op where /proc does not exist)."""
    global _watchdog, _watchdog_pipe
    if _watchdog is not None and _watchdog_pid_is_ours():
        return
    if not os.path.isdir("/proc/self") or os.environ.get("WSGIDOCTOR_NO_WATCHDOG"):
        return
    read_end, write_end = os.pipe()  # both non-inheritable: no child keeps the write end open
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = (f"import sys; sys.path.insert(0, {package_parent!r}); "
            "from wsgidoctor.core.lifetime import _watchdog_main; _watchdog_main()")
    env = dict(os.environ)  # an enclosing run's mark stays: that run's sweep ends this watchdog too
    env[MARK + "_WATCHED"] = token()
    try:
        _watchdog = subprocess.Popen([sys.executable, "-I", "-S", "-c", code], stdin=read_end,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=env, cwd="/", start_new_session=True)
    except OSError:
        os.close(write_end)
        return
    finally:
        os.close(read_end)
    _watchdog_pipe = write_end
    _watchdog._wsgidoctor_owner = os.getpid()  # type: ignore[attr-defined]


def _watchdog_pid_is_ours() -> bool:
    return getattr(_watchdog, "_wsgidoctor_owner", None) == os.getpid()


# -- finding and ending what is ours ------------------------------------------------------------

#: How long a process may stay between two programs (inside execve) before its environment is
#: taken to be empty: far more than an exec takes, even preempted on a loaded machine.
EXEC_SETTLE_SECONDS = 2.0
# /proc/PID/stat fields, counted from the state (see stat_fields): vsize, env_start and env_end.
_VSIZE, _ENV_START, _ENV_END = 20, 47, 48


def _image(pid: int) -> Optional[tuple[bytes, bytes, bytes]]:
    """Where ``pid``'s memory and environment are (vsize, env_start, env_end); None once it is
    gone or a zombie. vsize is 0 without any memory (a kernel thread, a process past exit_mm),
    env_end is 0 while execve builds the new image."""
    fields = stat_fields(pid)
    if len(fields) <= _ENV_END or fields[0] in (b"Z", b"X"):
        return None
    return fields[_VSIZE], fields[_ENV_START], fields[_ENV_END]


def environment(pid: int) -> Optional[bytes]:
    """``pid``'s environment as /proc shows it (NUL-separated); None when it cannot be read.

    A process inside execve has, for a moment, its new image's memory without the environment
    in it yet, and a read begun on one image and finished after the next exec finds the first
    gone: both read as empty, for a process that is alive and may be ours. So an empty read is
    only believed from a process without memory (a kernel thread, a dying one) or from one whose
    image was the same, settled, before and after the read; else it is read again.
    """
    before: Optional[tuple[bytes, bytes, bytes]] = None
    deadline: Optional[float] = None
    while True:
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        if data:
            return data
        after = _image(pid)
        if after is None or after[0] == b"0" or (after == before and after[2] != b"0"):
            return data
        now = time.monotonic()
        deadline = deadline or now + EXEC_SETTLE_SECONDS
        if now > deadline:
            return data
        if after[2] == b"0":  # between two programs: give execve time to finish
            time.sleep(0.001)
        before = after


def _marked(pid: int, tok: str) -> bool:
    data = environment(pid)
    if not data:
        return False
    needle = tok.encode()
    for item in data.split(b"\0"):
        if item.startswith(MARK.encode() + b"="):
            return needle in item[len(MARK) + 1:].split(b":")
    return False


def all_pids() -> list[int]:
    """Every pid in /proc (none where there is no /proc)."""
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def stat_fields(pid: int) -> list[bytes]:
    """``/proc/PID/stat`` after the command name: state, ppid, pgrp, session... ([] if gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return []


def owned_pids(tok: Optional[str] = None) -> list[int]:
    """Live processes carrying ``tok`` (default: ours), this process excluded."""
    tok = tok or token()
    me = os.getpid()
    return [pid for pid in all_pids() if pid != me and _marked(pid, tok)]


def _kill(pid: int, tok: str) -> None:
    """SIGKILL ``pid`` if it still carries ``tok`` (checked through a pidfd: no reused pid)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    try:
        if not _marked(pid, tok):
            return
        if fd is not None:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass
    finally:
        if fd is not None:
            os.close(fd)


def sweep(tok: str, dirs: Iterable[str] = ()) -> int:
    """Kill every process carrying ``tok``, then remove ``dirs``; how many were killed."""
    killed: set[int] = set()
    for _ in range(SWEEP_ROUNDS):
        found = owned_pids(tok)
        if not found:
            break
        for pid in found:
            _kill(pid, tok)
            killed.add(pid)
        time.sleep(0.01)
    if dirs:
        import shutil

        for d in dirs:
            shutil.rmtree(d, ignore_errors=True)
    return len(killed)


def shutdown() -> int:
    """Refuse new processes, kill every one of ours, remove registered directories."""
    global _closing
    with _lock:
        _closing = True
        dirs = list(_dirs)
        _dirs.clear()
    killed = sweep(token(), dirs)
    _reap_children()
    return killed


def reopen() -> None:
    """Allow processes again after :func:`shutdown` (tests)."""
    global _closing
    _closing = False


@contextmanager
def guarded(final: bool = False) -> Iterator[None]:
    """One wsgidoctor run: whatever it started is ended, and its directories removed, on the way out.

    Its children carry a token of their own besides the process's, so that only they are swept
    (a test calling the CLI in-process keeps its own servers). SIGINT, SIGTERM and SIGHUP raise
    :class:`Interrupted` meanwhile. ``final`` (the real command line): no process may start
    after the sweep, the interpreter is about to exit.
    """
    global _closing
    scope = f"{token()}.{_token_hex(4)}"
    if final:
        enable_subreaper()
    previous = install_signal_handlers()
    _scopes.append(scope)
    clean = False
    try:
        yield
        clean = True
    finally:
        ignore_signals()
        with _lock:
            _closing = True
            _scopes.remove(scope)
            dirs = [d for d, owner in _dirs.items() if owner == scope]
            for d in dirs:
                _dirs.pop(d, None)
        try:
            # A /proc-wide sweep costs tens of ms: skipped when the run ended normally with every
            # child reaped by its owner (what left a child's session was ended with it, see
            # end_orphans). Never reaped here: that is the owner's, who may still signal its group.
            if dirs or not clean or any(p.returncode is None for p in list(_spawned)):
                sweep(scope, dirs)  # the watchdog keeps them too: removed again at the very end
        finally:
            if not final:
                _closing = False
            restore_signal_handlers(previous)


_subreaper = False


def enable_subreaper() -> None:
    """Orphaned descendants (one that called setsid() and whose parent died) come back to us,
    where :func:`end_orphans` finds them as soon as their command ends, instead of going to init.

    The command line does this; a library user (a test suite) does not get it by default, as
    every orphan of every descendant would then become its child: there, such an escaped
    descendant is ended when the process ends (by :func:`guarded` or the watchdog).
    """
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    _subreaper = True
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _children() -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/children") as fh:
                out += [int(p) for p in fh.read().split()]
        except OSError:
            continue
    return out


def _session_of(pid: int) -> Optional[int]:
    fields = stat_fields(pid)
    return int(fields[3]) if len(fields) > 3 else None


def end_orphans(mark: str, session: Optional[int] = None) -> int:
    """Kill and reap the orphans that came back to us from one child; how many.

    They carry ``mark``, or are still in ``session`` (the child's own, while the child is not yet
    reaped, so that id cannot have been reused; the child itself is left to its owner). Called once that child has exited: whatever of
    its descendants survived is then our child (we are a subreaper), so no /proc-wide scan is
    needed, and those that died meanwhile are reaped rather than left as zombies.
    """
    ended = 0
    for _ in range(50):
        found = [pid for pid in _children() if pid != session
                 and ((session is not None and _session_of(pid) == session) or _marked(pid, mark))]
        if not found:
            return ended
        for pid in found:
            _kill(pid, mark)
            if session is not None and _session_of(pid) == session:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
            ended += 1
    return ended


def _reap_children() -> None:
    """Reap our own exited children, so that no zombie of ours waits for our exit."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# -- signals ------------------------------------------------------------------------------------

class Interrupted(KeyboardInterrupt):
    """wsgidoctor was told to stop by a signal; ``exit_code`` is 128 + its number."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + signum


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def install_signal_handlers() -> dict[int, object]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Interrupted` in the main thread; the old handlers."""
    def handler(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    previous: dict[int, object] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous
    for sig in _SIGNALS:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):
            pass
    return previous


def restore_signal_handlers(previous: dict[int, object]) -> None:
    for sig, old in previous.items():
        try:
            signal.signal(sig, old)  # type: ignore[arg-type]
        except (ValueError, OSError, TypeError):
            pass


def ignore_signals() -> None:
    """While cleaning up: a second Ctrl-C must not cut the cleanup short."""
    if threading.current_thread() is threading.main_thread():
        for sig in _SIGNALS:
            try:
                signal.signal(sig, signal.SIG_IGN)
            except (ValueError, OSError):
                pass


# -- test hook ----------------------------------------------------------------------------------

def checkpoint(*stages: str) -> None:
    """Pause forever when $WSGIDOCTOR_PAUSE_AT names one of ``stages`` (the interruption tests).

    Several names for one moment: a general one and a precise one (``command:apache2`` and
    ``command:apache2 -M``). The stage is appended to $WSGIDOCTOR_PAUSE_FILE first, so a test
    knows when to signal.
    """
    wanted = os.environ.get(PAUSE_ENV)
    if not wanted or wanted not in stages:
        return
    stage = wanted
    path = os.environ.get(PAUSE_FILE_ENV)
    if path:
        with open(path, "a") as fh:
            fh.write(stage + "\n")
    while True:
        time.sleep(3600)


# -- the watchdog process -----------------------------------------------------------------------

def _watchdog_main() -> None:
    """Read registrations from stdin until EOF (wsgidoctor ended), then sweep and exit."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    tok = os.environ.get(MARK + "_WATCHED", "")
    dirs: set[str] = set()
    pending = b""
    while True:
        try:
            chunk = os.read(0, 65536)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            verb, _, path = line.decode("utf-8", "surrogateescape").partition("\t")
            if verb == "dir":
                dirs.add(path)
            elif verb == "undir":
                dirs.discard(path)
    if tok:
        sweep(tok, sorted(dirs))
