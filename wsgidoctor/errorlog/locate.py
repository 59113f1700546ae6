"""Work out which file is the server's main error log.

In order of trust:

1. the standard error (``/proc/PID/fd/2``) of the running parent that discovery examines
   (``install.examined_pid``): Apache points it at the main ErrorLog once the log is open, so
   this is the file it really writes;
2. the last server-level ``ErrorLog`` of the configuration (``${VAR}`` expanded from Apache's
   start environment, relative paths taken from ServerRoot, ``|rotatelogs`` targets resolved to the
   newest file);
3. the compiled-in ``DEFAULT_ERRORLOG`` of ``httpd -V``, relative to ServerRoot;
4. ``${APACHE_LOG_DIR}/error.log`` (Debian's envvars), then the distributions' usual places.

Everything here is a pure function of the facts gathered so far, plus ``os.path`` checks.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional
from wsgidoctor.core.lazyre import lazy_re

#: Where distributions and source builds put the main error log when nothing else says.
WELL_KNOWN = (
    ("/var/log/apache2/error.log", "Debian/Ubuntu default"),
    ("/var/log/httpd/error_log", "RHEL/Fedora default"),
    ("/var/log/httpd24/error_log", "RHEL Software Collections default"),
    ("/usr/local/apache2/logs/error_log", "source build / Docker httpd image default"),
    ("/opt/homebrew/var/log/httpd/error_log", "Homebrew (Apple Silicon) default"),
    ("/usr/local/var/log/httpd/error_log", "Homebrew (Intel) default"),
)

_VAR = lazy_re(r"\$\{(\w+)\}")
_STRFTIME = lazy_re(r"%[a-zA-Z%]")


@dataclass(frozen=True)
class Candidate:
    """A possible main error log and where the idea came from."""

    path: str
    source: str
    config_file: Optional[str] = None
    config_line: Optional[int] = None
    #: The server certainly logs here (given, its stderr, its configuration): when such a file is
    #: missing, guessing further would read another server's log.
    certain: bool = False


def expand(value: str, env: Mapping[str, str]) -> str:
    """Replace ``${NAME}`` by its value in Apache's start environment (unknown names stay)."""
    return _VAR.sub(lambda m: env.get(m.group(1), m.group(0)), value)


def absolute(path: str, server_root: Optional[str]) -> str:
    """A path as Apache resolves it: relative paths are relative to ServerRoot."""
    if os.path.isabs(path) or not server_root:
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(server_root, path))


def piped_target(command: str, server_root: Optional[str]) -> Optional[str]:
    """The newest file a piped logger (``|rotatelogs /var/log/x.%Y%m%d 86400``) writes."""
    words = command.lstrip("|$ ").split()
    for word in words[1:]:
        if word.startswith("-") or "/" not in word:
            continue
        pattern = absolute(_STRFTIME.sub("*", word), server_root)
        matches = [p for p in glob.glob(pattern + "*") if os.path.isfile(p)]
        if matches:
            return max(matches, key=lambda p: os.stat(p).st_mtime)
        return pattern
    return None


def process_stderr(pid: Any, readlink: Callable[[str], str] = os.readlink) -> Optional[str]:
    """The file a process's standard error points at, if it is a plain file."""
    try:
        target = readlink(f"/proc/{int(pid)}/fd/2")
    except (OSError, ValueError, TypeError):
        return None
    if target.startswith("/") and not target.startswith(("/dev/", "/proc/")):
        return target.removesuffix(" (deleted)")
    return None


def _server_level(directive: Mapping[str, Any]) -> bool:
    return not any(str(s).lower().startswith("<virtualhost") for s in directive.get("sections") or ())


def candidates(fact: Callable[[str], Any], *, user_path: Optional[str] = None,
               readlink: Callable[[str], str] = os.readlink) -> list[Candidate]:
    """Every plausible main error log, most trusted first (duplicates removed).

    ``fact(path)`` reads a gathered fact (``ProbeContext.fact``).
    """
    env = fact("install.start_env") or {}
    root = fact("install.server_root")
    out: list[Candidate] = []
    if user_path:
        out.append(Candidate(user_path, "given on the command line", certain=True))
    pid = fact("install.examined_pid")  # the running parent discovery chose, if any
    stderr = process_stderr(pid, readlink) if pid else None
    if stderr:
        out.append(Candidate(stderr, "the running server's standard error", certain=True))
    server_level = [d for d in fact("config.directives") or ()
                    if isinstance(d, Mapping) and str(d.get("name", "")).lower() == "errorlog"
                    and d.get("args") and _server_level(d)]
    if server_level:
        d = server_level[-1]
        value = expand(str(d["args"][0]), env)
        where = f"ErrorLog at {d.get('file')}:{d.get('line')}"
        if value.startswith("|"):
            target = piped_target(value, root)
            if target:
                out.append(Candidate(target, where + " (piped logger)", d.get("file"), d.get("line"), True))
        elif not value.startswith("syslog"):
            out.append(Candidate(absolute(value, root), where, d.get("file"), d.get("line"), True))
    default = (fact("apache.defines") or {}).get("DEFAULT_ERRORLOG")
    if isinstance(default, str) and default:
        # Without an ErrorLog directive in a configuration that was read, Apache uses this one.
        certain = fact("config.directives") is not None and bool(root)
        out.append(Candidate(absolute(default.strip('"'), root), "DEFAULT_ERRORLOG of httpd -V", certain=certain))
    if env.get("APACHE_LOG_DIR"):
        out.append(Candidate(os.path.join(env["APACHE_LOG_DIR"], "error.log"), "${APACHE_LOG_DIR}/error.log"))
    out.extend(Candidate(path, why) for path, why in WELL_KNOWN)
    seen: set[str] = set()
    unique = []
    for c in out:
        if c.path not in seen:
            seen.add(c.path)
            unique.append(c)
    return unique


def syslog_target(fact: Callable[[str], Any]) -> Optional[str]:
    """``syslog[:facility]`` when the server-level ErrorLog sends the log to syslog."""
    for d in reversed(fact("config.directives") or ()):
        if (isinstance(d, Mapping) and str(d.get("name", "")).lower() == "errorlog" and d.get("args")
                and _server_level(d)):
            value = str(d["args"][0])
            return value if value.startswith("syslog") else None
    return None


def other_logs(fact: Callable[[str], Any]) -> list[str]:
    """The ErrorLog files of virtual hosts (request errors of those hosts are written there)."""
    env = fact("install.start_env") or {}
    root = fact("install.server_root")
    found = []
    for d in fact("config.directives") or ():
        if (isinstance(d, Mapping) and str(d.get("name", "")).lower() == "errorlog" and d.get("args")
                and not _server_level(d)):
            value = expand(str(d["args"][0]), env)
            if not value.startswith(("|", "syslog")):
                path = absolute(value, root)
                if path not in found:
                    found.append(path)
    return found
