"""The accept mutex: which cross-process lock Apache's children and mod_wsgi's daemon process
groups use, which ones this APR offers, and findings when the configuration asks for one that is
not available.

Derived facts (see docs/facts.md, "mutex"):

- ``mutex.default``: APR's default mechanism, the first cross-process ``APR_USE_*_SERIALIZE``
  that ``httpd -V`` lists (``PROC_PTHREAD`` → ``pthread``), else from ``apr.h``'s ``apr.use``.
- ``mutex.available[]``: ``apr.h``'s ``APR_HAS_*_SERIALIZE`` = 1 in the order flock, fcntl,
  sysvsem, posixsem, pthread; else the list an invalid ``Mutex``/``AcceptMutex``/
  ``WSGIAcceptMutex`` made httpd print.
- ``mutex.configured{apache, wsgi}``: the ``Mutex`` (mpm-accept or default) or ``AcceptMutex``
  and the ``WSGIAcceptMutex`` directive from ``config.directives``, with file and line.
- ``mutex.effective{apache, wsgi}`` with ``mutex.effective_source``: what each will really use.

mod_wsgi's documentation says daemon process groups use Apache's default mechanism (and on
Apache 2.2 AcceptMutex's, unless WSGIAcceptMutex is set). Its source says otherwise: from 3.0 to
6.x the server configuration is zero-allocated and ``lock_mechanism`` is only assigned in the
WSGIAcceptMutex handler, and 0 is ``APR_LOCK_FCNTL`` in apr_proc_mutex.h. Without
WSGIAcceptMutex, mod_wsgi uses fcntl on every Apache version; AcceptMutex never reaches it.
``mutex.effective.wsgi`` records the source's answer, ``mutex.wsgi_documented`` the docs', and
``mutex.wsgi_default_note`` explains the difference.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import derivation, finding, rule
from wsgidoctor.core.lazyre import lazy_re

#: Cross-process mechanisms in the order the facts list them.
ORDER = ("flock", "fcntl", "sysvsem", "posixsem", "pthread")
#: The order APR's proc_mutex_choose_method() tries for APR_LOCK_DEFAULT.
APR_DEFAULT_ORDER = ("flock", "sysvsem", "fcntl", "pthread", "posixsem")

WSGI_DEFAULT_NOTE = (
    "mod_wsgi's documentation says daemon process groups use Apache's default accept mutex (on "
    "Apache 2.2 also AcceptMutex's, unless WSGIAcceptMutex is set). Its source (3.0 to 6.x) "
    "zero-allocates the server configuration and assigns lock_mechanism only in the "
    "WSGIAcceptMutex handler; 0 is APR_LOCK_FCNTL, so without WSGIAcceptMutex mod_wsgi uses fcntl "
    "whatever Apache's version or AcceptMutex say. The mutex exists only for daemon process groups "
    "with processes > 1.")

MUTEX_UNAVAILABLE = finding(
    "mutex-unavailable", Severity.ERROR, "mutex",
    "A configured mutex mechanism is not available on this platform",
    """Apache's children take turns accepting connections under a cross-process lock (the accept
    mutex), and each mod_wsgi daemon process group with more than one process has one too. The
    mechanisms (flock, fcntl, sysvsem, posixsem, pthread) that can back it are fixed when APR is
    built: apr.h's APR_HAS_*_SERIALIZE macros say which exist. Naming another one in Mutex (2.4),
    AcceptMutex (2.2) or WSGIAcceptMutex makes the configuration test fail with an "invalid
    mutex mechanism" error listing the valid ones, and Apache does not start. Such settings are
    usually copied from a guide written for another operating system.""",
    "Remove the directive to use the platform default, or pick a mechanism from the list of "
    "available ones shown in the detail.",
)

MUTEX_TYPE_UNKNOWN = finding(
    "mutex-type-unknown", Severity.ERROR, "mutex",
    "Mutex names a mutex type no loaded module registered",
    """Apache 2.4's `Mutex mechanism [type ...]` applies to the named mutex types only: those the
    core and the loaded modules registered (mpm-accept, rewrite-map, ssl-cache, ...). A name that
    nobody registered fails the configuration test with "Mutex type <name> is not valid". mod_wsgi
    registers no type with the Mutex directive at all (not in 4.9, 5.0 or 6.0): its daemon
    process groups take their lock from WSGIAcceptMutex.""",
    "Remove the unknown type from the Mutex line; for mod_wsgi daemon processes use "
    "`WSGIAcceptMutex <mechanism>` instead.",
)

MUTEX_DIRECTORY = finding(
    "mutex-directory-invalid", Severity.ERROR, "mutex",
    "The directory given to Mutex does not exist",
    """For the file-based mechanisms (file, fcntl, flock) Apache 2.4's Mutex directive takes the
    directory the lock files go in (`Mutex file:/var/run/apache2 default`). Apache checks that the
    directory exists when it reads the configuration and refuses to start with "Invalid Mutex
    directory in argument ..." otherwise. Directories under /run are often missing after a
    reboot (tmpfs) unless a tmpfiles.d rule or the init script creates them.""",
    "Create the directory (and make it survive reboots: a systemd tmpfiles.d entry, or the "
    "distribution's init script), or point Mutex at an existing one such as the runtime directory.",
)
SEMAPHORES_EXHAUSTED = finding(
    "sysv-semaphores-exhausted", Severity.ERROR, "mutex",
    "The system has no SysV semaphores left for Apache's locks",
    """"(28)No space left on device: Couldn't create accept lock" (2.4: "AH00023: Couldn't create the
    mpm-accept mutex"; mod_wsgi: "Couldn't create accept lock") does not mean the disk is full:
    semget() returns ENOSPC when the system-wide limit of SysV semaphore sets is reached. Each
    Apache start creates semaphores for its mutexes and removes them at a clean stop; an Apache
    (or mod_wsgi daemon) killed with SIGKILL, crashing or restarted in a loop leaves them behind
    until the limit (kernel.sem) is used up, and then Apache cannot start. The mechanism itself is
    available; it is exhausted.""",
    "List the leftovers with `ipcs -s` and remove those owned by Apache's user (`ipcs -s | awk "
    "'$3==\"www-data\" {print $2}' | xargs -n1 ipcrm -s`, user apache on RHEL), then start Apache. "
    "To stop it recurring, stop Apache cleanly, or use a mechanism without SysV semaphores: `Mutex "
    "posixsem` (or `Mutex fcntl:${APACHE_LOCK_DIR}`) at server level and `WSGIAcceptMutex posixsem`.",
)


# --- derivation --------------------------------------------------------------------------------


def _normalise(value: str, available: Optional[list[str]]) -> Optional[str]:
    """Apache's reading of a Mutex/AcceptMutex/WSGIAcceptMutex argument (``file:/dir`` → fcntl)."""
    meth = value.strip().strip("\"'").split(":", 1)[0].lower()
    if meth in ("yes",):
        return "default"
    if meth in ("no",):
        return "none"
    if meth == "file":  # ap_parse_mutex tries fcntl before flock
        return "flock" if available and "fcntl" not in available and "flock" in available else "fcntl"
    if meth == "sem":  # and posixsem before sysvsem
        return "sysvsem" if available and "posixsem" not in available and "sysvsem" in available else "posixsem"
    return meth or None


def _default(facts: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    serialize = F.get(facts, "apache.serialize_use")
    if isinstance(serialize, list) and serialize:
        return str(serialize[0]), "httpd -V (first APR_USE_*_SERIALIZE)"
    use = F.get(facts, "apr.use")
    if isinstance(use, dict):
        for mech in APR_DEFAULT_ORDER:
            if use.get(mech) is True:
                return mech, "apr.h (APR_USE_*_SERIALIZE)"
    return None, None


def _available(facts: dict[str, Any]) -> tuple[Optional[list[str]], Optional[str]]:
    has = F.get(facts, "apr.has")
    if isinstance(has, dict) and any(has.get(m) is not None for m in ORDER):
        return [m for m in ORDER if has.get(m) is True], "apr.h (APR_HAS_*_SERIALIZE)"
    for path, source in (("apache.mutex_test.mechanisms", "httpd -t on a test configuration"),
                         ("apache.configtest.mutex_mechanisms", "httpd -t")):
        lists = F.get(facts, path)
        if not isinstance(lists, dict):
            continue
        for key, label in (("mutex", "Mutex"), ("acceptmutex", "AcceptMutex"),
                           ("wsgiacceptmutex", "WSGIAcceptMutex")):
            items = lists.get(key)
            if isinstance(items, list) and items:
                return ([m for m in ORDER if m in items], f"{source} (the list printed for an invalid {label})")
    return None, None


def _older_than_24(family: Optional[str]) -> bool:
    m = re.match(r"(\d+)\.(\d+)", family or "")
    return bool(m) and (int(m.group(1)), int(m.group(2))) < (2, 4)


def _configured(directives: list[Any], family: Optional[str],
                available: Optional[list[str]]) -> dict[str, Optional[dict[str, Any]]]:
    apache_mutex: Optional[dict[str, Any]] = None
    apache_default: Optional[dict[str, Any]] = None
    accept_mutex: Optional[dict[str, Any]] = None
    wsgi: Optional[dict[str, Any]] = None
    for d in directives:
        if not isinstance(d, dict):
            continue
        name = str(d.get("name") or "")
        args = [str(a) for a in d.get("args") or []]
        if not args:
            continue
        entry = {"directive": name, "value": args[0], "mechanism": _normalise(args[0], available),
                 "file": d.get("file"), "line": d.get("line")}
        lname = name.lower()
        if lname == "mutex":
            types = [t for t in args[1:] if t.lower() != "omitpid"] or ["default"]
            if "mpm-accept" in types:
                apache_mutex = {**entry, "mutex_type": "mpm-accept"}
            if "default" in types:
                apache_default = {**entry, "mutex_type": "default"}
        elif lname == "acceptmutex":
            accept_mutex = entry
        elif lname == "wsgiacceptmutex":
            wsgi = entry
    if _older_than_24(family):
        apache = accept_mutex
    else:
        apache = apache_mutex or apache_default or (accept_mutex if family is None else None)
    return {"apache": apache, "wsgi": wsgi}


@derivation(order=40)
def derive_mutex(facts: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """``mutex.*`` (see the module docstring), from whatever Apache/APR facts exist."""
    directives = F.get(facts, "config.directives")
    if not any(F.get(facts, p) is not None for p in (
            "apache.serialize_use", "apr.has", "apr.use", "apache.configtest.mutex_mechanisms",
            "apache.mutex_test.mechanisms")) \
            and not isinstance(directives, list):
        return None
    default, default_source = _default(facts)
    available, available_source = _available(facts)
    family = F.get(facts, "apache.family")
    mutex: dict[str, Any] = {
        "default": default, "default_source": default_source,
        "available": available, "available_source": available_source,
        "configured": None, "effective": {"apache": None, "wsgi": None},
        "effective_source": {"apache": None, "wsgi": None},
        "wsgi_default_note": WSGI_DEFAULT_NOTE, "wsgi_documented": None,
    }
    configured = _configured(directives, family, available) if isinstance(directives, list) else None
    mutex["configured"] = configured
    apache_conf = (configured or {}).get("apache")
    wsgi_conf = (configured or {}).get("wsgi")

    def usable(conf: dict[str, Any]) -> bool:
        return available is None or conf["mechanism"] in available or conf["mechanism"] == "none"

    def where(conf: dict[str, Any]) -> str:
        return f"{conf['directive']} {conf['value']} at {conf['file']}:{conf['line']}"

    if apache_conf and apache_conf["mechanism"] not in (None, "default"):
        if usable(apache_conf):
            mutex["effective"]["apache"] = apache_conf["mechanism"]
            mutex["effective_source"]["apache"] = where(apache_conf)
        else:
            mutex["effective_source"]["apache"] = f"{where(apache_conf)} is not available: Apache does not start"
    elif default and F.get(facts, "apache.mpm.name") != "winnt":
        mutex["effective"]["apache"] = default
        mutex["effective_source"]["apache"] = "APR default" + (
            f" (set explicitly by {apache_conf['directive']} default)" if apache_conf else "")

    if wsgi_conf and wsgi_conf["mechanism"] not in (None, "default"):
        if usable(wsgi_conf):
            mutex["effective"]["wsgi"] = wsgi_conf["mechanism"]
            mutex["effective_source"]["wsgi"] = where(wsgi_conf)
        else:
            mutex["effective_source"]["wsgi"] = f"{where(wsgi_conf)} is not available: Apache does not start"
    elif wsgi_conf:
        mutex["effective"]["wsgi"] = default
        mutex["effective_source"]["wsgi"] = "APR default (WSGIAcceptMutex default)"
    else:
        mutex["effective"]["wsgi"] = "fcntl"
        mutex["effective_source"]["wsgi"] = ("mod_wsgi built-in: lock_mechanism is zero-initialised "
                                             "(APR_LOCK_FCNTL) when WSGIAcceptMutex is not set")

    # What mod_wsgi's documentation would predict, kept for comparison.
    if wsgi_conf:
        documented = mutex["effective"]["wsgi"]
    elif _older_than_24(family) and apache_conf and apache_conf["directive"] == "AcceptMutex":
        documented = apache_conf["mechanism"] if apache_conf["mechanism"] != "default" else default
    else:
        documented = default
    mutex["wsgi_documented"] = documented

    daemons = F.get(facts, "config.daemons")
    if isinstance(daemons, list):
        mutex["wsgi_locking_groups"] = [str(d.get("name")) for d in daemons
                                        if isinstance(d, dict) and isinstance(d.get("processes"), int)
                                        and d["processes"] > 1]
    return {"mutex": mutex}


# --- rules -------------------------------------------------------------------------------------

_INVALID_MECHANISM = lazy_re(
    r"^Invalid Mutex argument|is an invalid mutex mechanism|^Accept mutex lock mechanism '|"
    r"^Invalid AcceptMutex argument|^None is not allowed for mutex type", re.I)
_TYPE_INVALID = lazy_re(r"^Mutex type (?P<type>\S+) is not valid", re.I)
_DIRECTORY_INVALID = lazy_re(r"^Invalid Mutex directory in argument (?P<arg>\S+)", re.I)


def explains_configtest_error(err: dict[str, Any]) -> bool:
    """True when :func:`configured_mechanisms_available` reports ``err``."""
    message = str(err.get("message") or "")
    return bool(_INVALID_MECHANISM.search(message) or _TYPE_INVALID.search(message)
                or _DIRECTORY_INVALID.search(message))


def _mechanism_list(facts: dict[str, Any]) -> str:
    available = F.get(facts, "mutex.available")
    if isinstance(available, list) and available:
        return ", ".join(available)
    return "unknown"


@rule
def configured_mechanisms_available(facts: dict[str, Any]) -> Iterable[Finding]:
    seen: set[tuple[Any, Any]] = set()
    for err in F.get(facts, "apache.configtest.errors") or []:
        if not isinstance(err, dict):
            continue
        message = str(err.get("message") or "")
        where = f"{err.get('file')}:{err.get('line')}" if err.get("line") else str(err.get("file") or "the configuration")
        evidence = [Evidence(str(err.get("file") or "httpd -t"), message, err.get("line"))]
        if _INVALID_MECHANISM.search(message):
            seen.add((err.get("file"), err.get("line")))
            yield MUTEX_UNAVAILABLE.make(
                f"The configuration test fails at {where} ({err.get('directive') or 'mutex directive'}): "
                f"{message} Available here: {_mechanism_list(facts)}.", evidence)
        elif _TYPE_INVALID.search(message):
            kind = _TYPE_INVALID.search(message).group("type")
            extra = (" mod_wsgi registers no mutex type; its daemon processes use WSGIAcceptMutex."
                     if kind.lower().startswith("wsgi") else "")
            yield MUTEX_TYPE_UNKNOWN.make(f"The configuration test fails at {where}: {message}.{extra}", evidence)
        elif _DIRECTORY_INVALID.search(message):
            arg = _DIRECTORY_INVALID.search(message).group("arg")
            directory = arg.split(":", 1)[1] if ":" in arg else arg
            yield MUTEX_DIRECTORY.make(
                f"The configuration test fails at {where}: {message}. The directory {directory} does "
                "not exist (or is not a directory) when Apache reads its configuration.", evidence,
                fix=f"Create {directory} (`mkdir -p {directory}`, and a tmpfiles.d entry if it is under "
                    "/run), or point the Mutex line at an existing directory.")

    available = F.get(facts, "mutex.available")
    if not isinstance(available, list):
        return
    source = F.get(facts, "mutex.available_source") or "apr.h"
    for role in ("apache", "wsgi"):
        conf = F.get(facts, f"mutex.configured.{role}")
        if not isinstance(conf, dict):
            continue
        mechanism = conf.get("mechanism")
        if mechanism in (None, "default", "none") or mechanism in available:
            continue
        if (conf.get("file"), conf.get("line")) in seen:
            continue
        text = f"{conf.get('directive')} {conf.get('value')}"
        default = F.get(facts, "mutex.default")
        yield MUTEX_UNAVAILABLE.make(
            f"`{text}` at {conf.get('file')}:{conf.get('line')} asks for {mechanism}, but this APR offers "
            f"only: {', '.join(available) or 'none'} (from {source}).",
            [Evidence(str(conf.get("file") or "configuration"), text, conf.get("line"))],
            fix=f"Delete the line to use the default ({default or 'APR default'}), or use one of: "
                f"{', '.join(available)}.")

    # mod_wsgi's built-in fcntl where fcntl does not exist breaks multi-process daemon groups.
    groups = F.get(facts, "mutex.wsgi_locking_groups")
    if (F.get(facts, "mutex.configured.wsgi") is None and "fcntl" not in available and available
            and isinstance(groups, list) and groups):
        yield MUTEX_UNAVAILABLE.make(
            "No WSGIAcceptMutex is set, so mod_wsgi uses its built-in fcntl lock for daemon process "
            f"groups with several processes ({', '.join(groups)}), but this APR has no fcntl locking "
            f"(available: {', '.join(available)}). Those groups fail with \"Couldn't create accept lock\".",
            [Evidence("mutex.available", ", ".join(available))],
            fix=f"Add `WSGIAcceptMutex {available[0]}` (or `WSGIAcceptMutex default`) at server level.",
            title="mod_wsgi's default accept mutex (fcntl) is not available here")
