"""The probe plugin interface.

A probe gathers facts about the installation. It is a :class:`Probe` value: a name, the names of
the probes whose facts it reads (``needs``), a time limit, and a ``run(ctx)`` function returning a
:class:`ProbeOutput`. A probe never prints and never decides what is wrong: rules do that.

Built-in probes are the modules listed in ``wsgidoctor.areas.PROBE_MODULES`` (each defines ``PROBE``). Third-party
probes register under the ``wsgidoctor.probes`` entry-point group; the entry point may name a
:class:`Probe` or a module defining ``PROBE``::

    [project.entry-points."wsgidoctor.probes"]
    selinux = "mypkg.selinux_probe:PROBE"

A probe that finds nothing to look at raises :class:`NotApplicable` with the reason. Any other
exception, or running past ``timeout``, is recorded in the report and the other probes go on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Mapping, Optional, Sequence

from wsgidoctor.core import lifetime
from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core import facts as factlib
from wsgidoctor.core.model import RawOutput


class NotApplicable(Exception):
    """Raised by a probe when there is nothing for it to examine (the reason is the message)."""


@dataclass
class ProbeOutput:
    """What a probe found: facts (a fragment merged into the report's facts) and raw outputs.

    Raw outputs whose ``kind`` has a parser are parsed by the runner, so a probe that only runs a
    command returns the output and lets the same parser serve ``wsgidoctor analyze``.
    """

    facts: dict[str, Any] = field(default_factory=dict)
    raw: list[RawOutput] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """What the user told us on the command line (or the pytest plugin passed in)."""

    httpd: Optional[str] = None
    apxs: Optional[str] = None
    config: Optional[str] = None
    #: ``--server-root``: a server root (a mod_wsgi-express root holds httpd.conf and apachectl).
    server_root: Optional[str] = None
    module: Optional[str] = None
    live: bool = False
    url: Optional[str] = None
    command_timeout: float = commands.DEFAULT_TIMEOUT
    skip_probes: tuple[str, ...] = ()
    load_plugins: bool = True
    extra: Mapping[str, Any] = field(default_factory=dict)


class ProbeContext:
    """What a probe may use: the options, the facts so far, and safe command/file access."""

    def __init__(self, options: Options, facts: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None):
        self.options = options
        self._facts = facts
        self.environ: Mapping[str, str] = dict(os.environ if environ is None else environ)

    def fact(self, path: str, default: Any = None) -> Any:
        """A fact gathered by an earlier probe (one named in ``needs``)."""
        return factlib.get(self._facts, path, default)

    def run(self, argv: Sequence[str], *, timeout: Optional[float] = None,
            env: Optional[Mapping[str, str]] = None, **kwargs: Any) -> commands.CommandResult:
        """Run a command with the user's time limit (see :func:`wsgidoctor.core.subprocesses.run`)."""
        return commands.run(argv, timeout=timeout or self.options.command_timeout, env=env, **kwargs)

    def start(self, argv: Sequence[str], *, timeout: Optional[float] = None,
              env: Optional[Mapping[str, str]] = None, **kwargs: Any) -> commands.Pending:
        """Start :meth:`run` in the background; ``.result()`` gives its CommandResult later."""
        return commands.start(argv, timeout=timeout or self.options.command_timeout, env=env, **kwargs)

    def open_binary(self, path: str) -> tuple[Optional[IO[bytes]], Optional[str]]:
        """Open a file for streaming reads: ``(file, None)`` or ``(None, reason)``.

        For inputs too large for :meth:`read_text` (error logs); the caller closes the file.
        """
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            return None, f"{path}: no such file"
        except IsADirectoryError:
            return None, f"{path}: is a directory"
        except PermissionError:
            return None, f"{path}: permission denied"
        except OSError as exc:
            return None, f"{path}: {exc.strerror or exc}"
        lifetime.checkpoint("reading:" + os.path.basename(path))
        return fh, None

    def read_text(self, path: str, limit: int = 4 * 1024 * 1024) -> tuple[Optional[str], Optional[str]]:
        """Read at most ``limit`` bytes of a text file: ``(text, None)`` or ``(None, reason)``."""
        from wsgidoctor.core.textnorm import decode

        fh, why = self.open_binary(path)
        if fh is None:
            return None, why
        try:
            with fh:
                return decode(fh.read(limit)), None
        except OSError as exc:  # e.g. EISDIR on read, EIO
            return None, f"{path}: {exc.strerror or exc}"


@dataclass(frozen=True)
class Probe:
    """A probe plugin. See the module docstring."""

    name: str
    run: Callable[[ProbeContext], ProbeOutput]
    description: str = ""
    needs: tuple[str, ...] = ()
    timeout: float = 60.0
    #: False for probes that start servers or are otherwise intrusive; they run only when asked.
    default: bool = True
