"""Rules for the "Python installation in use" section: what the libpython mod_wsgi loads makes
of the python-home, Apache's PATH and environment when it starts, as the hosting program saw it
(``hosting.*``, ``python.*``; probes/hosting.py) plus the file-system look at each home.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import finding, rule

SECTION = "python"

INIT_FAILED = finding(
    "python-init-failed", Severity.ERROR, SECTION,
    "Python cannot start in mod_wsgi's processes",
    """Started the way mod_wsgi starts it - the same library, python-home, Apache's environment
    and user - Python stopped during initialisation. In Apache every child (embedded mode) or
    daemon process hits the same error: the text below is what appears, without a timestamp, in
    Apache's error log, usually "Fatal Python error: init_fs_encoding" (3.8+), "initfsencoding"
    (3.7) or "Py_Initialize: Unable to get the locale encoding" (3.5/3.6) followed by
    "No module named 'encodings'": Python found no standard library for its version under the
    prefix it computed. Daemon processes are restarted about once a second and requests time out.""",
    "Make the prefix Python computes hold its standard library: set WSGIPythonHome (or "
    "python-home= on the WSGIDaemonProcess) to the installation or virtual environment of the "
    "same Python version as the library mod_wsgi loads (what `sys.prefix` prints in that Python), "
    "make every directory on the way readable by Apache's user, and remove stray PYTHONHOME / "
    "PYTHONPATH from Apache's environment.",
)
HOME_INVALID = finding(
    "python-home-invalid", Severity.ERROR, SECTION,
    "The python-home does not hold a Python installation for the library mod_wsgi loads",
    """WSGIPythonHome / python-home= must name the prefix of a Python installation (the directory
    that holds lib/pythonX.Y) or a virtual environment (holding pyvenv.cfg), for the X.Y of the
    libpython mod_wsgi is linked against. Common mistakes are the python executable, the
    lib/pythonX.Y or site-packages directory, a path Apache's user cannot traverse, a directory
    that no longer exists, and an installation of another Python version. Python then cannot
    find its standard library ("No module named 'encodings'") or silently runs with another one.""",
    "Set the home to the value of `sys.prefix` printed by the intended Python (for a virtual "
    "environment, the environment's own directory), created with the same Python X.Y as the "
    "library mod_wsgi loads, and readable by Apache's user.",
)
VERSION_MISMATCH = finding(
    "python-home-version-mismatch", Severity.ERROR, SECTION,
    "The python-home is a virtual environment of another Python version",
    """mod_wsgi can only use a virtual environment created by the same Python X.Y as the library it
    is linked against. With another version nothing is logged: Python keeps its own standard
    library, sys.prefix points at the environment, but the environment's
    lib/pythonX.Y/site-packages is for the other version and is left out of sys.path. The
    application then fails later with "ModuleNotFoundError" for packages that are installed in
    the environment.""",
    "Recreate the virtual environment with the Python that matches mod_wsgi (`pythonX.Y -m venv`, "
    "X.Y as in the libpython mod_wsgi loads) and reinstall the application's requirements, or "
    "install a mod_wsgi built for the environment's Python (`pip install mod_wsgi` inside it and "
    "`mod_wsgi-express module-config`).",
)
FOUND_VIA_PATH = finding(
    "python-found-via-path", Severity.WARNING, SECTION,
    "No python-home is set and Python took its installation from a python3 on Apache's PATH",
    """Without WSGIPythonHome (or python-home=) mod_wsgi sets neither home nor program name, so
    CPython looks for "python3" on the PATH of Apache's environment and uses the installation
    around the first one that has a matching lib/pythonX.Y. That installation is not the one the
    library mod_wsgi loads belongs to: the interpreter runs another installation's standard
    library and site-packages, silently, or fails to start if that installation is incomplete.""",
    "Set WSGIPythonHome to the prefix of the installation the library belongs to (or to the "
    "virtual environment you want), so that the result no longer depends on Apache's PATH.",
)
PATCH_MISMATCH = finding(
    "python-patch-mismatch", Severity.WARNING, SECTION,
    "The Python library runs with the standard library of another build of the same version",
    """Python's shared library and its standard library are one build: compiled modules in
    lib-dynload and the pure-Python modules are expected to match the interpreter. Here the
    library mod_wsgi loads (X.Y.Z) runs with sys.base_prefix pointing at another installation of
    the same X.Y, typically because the python-home is a virtual environment made by another
    Python X.Y (a pyenv or /usr/local build next to the system's). Nothing is logged; subtle
    failures follow (missing or mismatched C extension modules, different OpenSSL). A mod_wsgi
    compiled for another patch level of the same installation is normal and only noted.""",
    "Use one installation throughout: create the virtual environment with the Python whose "
    "library mod_wsgi loads, or make mod_wsgi load the other installation's library (build "
    "mod_wsgi with that Python, or `LoadFile` its libpython before LoadModule).",
)
LOCALE_ASCII_ERROR = finding(
    "python-locale-ascii-error", Severity.ERROR, "python",
    "Requests fail with UnicodeEncodeError: Python in Apache runs with an ASCII locale",
    """"UnicodeEncodeError: 'ascii' codec can't encode character" (or UnicodeDecodeError with the
    'ascii' codec) while handling a request means Python chose ASCII as its default encoding for
    files, file names or output, because Apache runs with the C/POSIX locale (Debian's envvars set
    LANG=C; systemd units start with no LANG at all). Opening a file or a path with non-ASCII
    characters, printing such text, or a library writing to a file without an explicit encoding
    then fails, although the same code works from a shell with a UTF-8 locale.""",
    "Give Apache a UTF-8 locale: Debian/Ubuntu: uncomment `. /etc/default/locale` in "
    "/etc/apache2/envvars or add `export LANG=C.UTF-8 LC_ALL=C.UTF-8`; systemd: "
    "`Environment=LANG=C.UTF-8` in a drop-in. For daemon mode add `lang='C.UTF-8' "
    "locale='C.UTF-8'` to WSGIDaemonProcess. Then restart Apache.",
)
PY2_NO_SITE = finding(
    "python2-no-module-site", Severity.ERROR, "python",
    "Python 2 inside Apache cannot find its standard library (No module named site)",
    """"ImportError: No module named site" is how a Python 2 interpreter fails to start when the
    directory it takes as its prefix holds no standard library: mod_wsgi was built for a Python 2
    whose installation was moved or removed, WSGIPythonHome/python-home points at a virtualenv or
    directory of another Python, or PYTHONHOME in Apache's environment is wrong. Every process
    then fails to start Python and every request fails. Python 2 is unsupported since 2020, and
    mod_wsgi 4.x builds for Python 2 are no longer maintained.""",
    "Build or install a mod_wsgi for a supported Python 3 (Debian/Ubuntu: "
    "libapache2-mod-wsgi-py3; otherwise `pip install mod_wsgi` in that Python). Until then, set "
    "WSGIPythonHome to the prefix of the Python 2 mod_wsgi was built for (`python2 -c 'import sys; "
    "print(sys.prefix)'`) and remove PYTHONHOME from Apache's environment.",
)


def _xy(version: Any) -> Optional[tuple[int, int]]:
    from wsgidoctor.python.hosting.homes import split_version

    v = split_version(version)
    return (v[0], v[1]) if v and len(v) >= 2 else None


def _same_path(a: Optional[str], b: Optional[str]) -> bool:
    if not a or not b:
        return False
    return os.path.normpath(a) == os.path.normpath(b) or os.path.realpath(a) == os.path.realpath(b)


def _home_evidence(home: dict[str, Any]) -> list[Evidence]:
    directive = home.get("directive") or "python-home"
    if directive == "PYTHONHOME":
        return [Evidence("Apache's start environment", f"PYTHONHOME={home.get('path')}")]
    text = f"{directive} {home.get('path')}" if directive == "WSGIPythonHome" else f"python-home={home.get('path')}"
    return [Evidence(home.get("file") or "Apache configuration", text, home.get("line"))]


def _homes_for(f: dict[str, Any], process_group: str) -> list[dict[str, Any]]:
    return [h for h in F.get(f, "hosting.homes") or [] if process_group in (h.get("process_groups") or [])]


def _group_label(pg: str) -> str:
    return "embedded mode" if pg == "" else f"daemon process group '{pg}'"


def _stderr_evidence(proc: dict[str, Any]) -> list[Evidence]:
    source = f"hosting program stderr ({_group_label(proc.get('process_group') or '')})"
    failure = proc.get("startup_failure") or {}
    out = []
    lines = failure.get("config_lines") or {}
    config = failure.get("config") or {}
    for key in ("PYTHONHOME", "program name", "sys.prefix"):
        if key in config:
            out.append(Evidence(source, f"{key} = {config[key]!r}", lines.get(key)))
    if failure.get("fatal"):
        out.append(Evidence(source, f"Fatal Python error: {failure['fatal']}", failure.get("fatal_line")))
    if failure.get("exception"):
        out.append(Evidence(source, failure["exception"], failure.get("exception_line")))
    if not out and proc.get("stderr"):
        tail = [line for line in str(proc["stderr"]).splitlines() if line.strip()][-6:]
        out.append(Evidence(source, "\n".join(tail)))
    return out


@rule
def python_init_failed(f: dict[str, Any]) -> Iterable[Finding]:
    lib = F.get(f, "hosting.libpython")
    for proc in F.get(f, "hosting.processes") or []:
        state = proc.get("state")
        if state not in ("init-failed", "crashed", "load-failed", "not-libpython", "timeout"):
            continue
        pg = proc.get("process_group") or ""
        who = (proc.get("user") or {}).get("name")
        home = proc.get("python_home")
        setup = (f"python-home {home}" if home else "no python-home") + (f", as user {who}" if who else "")
        failure = proc.get("startup_failure") or {}
        if state in ("load-failed", "not-libpython"):
            err = (proc.get("error") or {}).get("message") or "unknown error"
            detail = f"{_group_label(pg)}: the library {lib} could not be used: {err}."
            yield INIT_FAILED.make(detail=detail, evidence=[Evidence(str(lib), err)],
                                   title="The Python library mod_wsgi loads cannot be loaded")
            continue
        if state == "timeout":
            detail = f"{_group_label(pg)}: Python ({setup}) did not finish starting and serving the probe in time."
            yield INIT_FAILED.make(detail=detail, evidence=_stderr_evidence(proc), severity=Severity.WARNING,
                                   title="Python did not finish starting in time")
            continue
        said = []
        if failure.get("fatal"):
            said.append(f"Fatal Python error: {failure['fatal']}")
        if failure.get("exception"):
            said.append(failure["exception"])
        prefix = (failure.get("config") or {}).get("sys.prefix")
        text = "; ".join(said) or "no message"
        detail = (f"{_group_label(pg)}: libpython {lib} started with {setup} "
                  f"{proc.get('how_it_ended')} before serving a request. Python said: {text}"
                  + (f" (sys.prefix = {prefix!r})" if prefix else "") + ".")
        if state == "crashed":
            detail = (f"{_group_label(pg)}: after starting ({setup}), the process {proc.get('how_it_ended')} "
                      f"while serving the probe application. Last output: {text}.")
        evidence = _stderr_evidence(proc)
        for h in _homes_for(f, pg):
            evidence += _home_evidence(h)
        fix = None
        unreadable = F.get(f, "linkage.unreadable")
        if unreadable:
            fix = (f"Apache's user {unreadable.get('user')} cannot reach {unreadable.get('path')} "
                   f"(see libpython-unreadable): make it readable, or use a Python installed outside "
                   f"private home directories. " + INIT_FAILED.fix)
        yield INIT_FAILED.make(detail=detail, evidence=evidence, fix=fix,
                               title="Python crashed in the emulated mod_wsgi process" if state == "crashed" else None)


def _home_problem(home: dict[str, Any], proc: Optional[dict[str, Any]], lib_xy: Optional[tuple[int, int]]) -> Optional[str]:
    path = home.get("path")
    check = (proc or {}).get("home_check") or {}
    if check.get("problem") == "cannot-stat" or not home.get("exists"):
        why = check.get("error") or "no such file or directory"
        return f"{path} cannot be reached by Apache's user ({why})" if home.get("exists") else f"{path} does not exist"
    if check.get("problem") == "not-a-directory" or not home.get("is_dir"):
        return f"{path} is not a directory" + (f": it {home['suspicious']}" if home.get("suspicious") else "")
    if check.get("problem") == "not-accessible":
        return f"Apache's user cannot enter {path} ({check.get('error') or 'permission denied'})"
    if home.get("suspicious"):
        return f"{path} {home['suspicious']}"
    if home.get("pyvenv_cfg"):
        venv_xy = _xy(home.get("venv_version"))
        if lib_xy and venv_xy == lib_xy and home.get("base_prefix") and not home.get("base_stdlib"):
            return (f"{path} is a virtual environment whose base installation {home['base_prefix']} has no "
                    f"lib/python{lib_xy[0]}.{lib_xy[1]}/os.py any more")
        return None
    if lib_xy and not home.get("stdlib"):
        return f"{path} has no lib/python{lib_xy[0]}.{lib_xy[1]}/os.py (the standard library for the linked Python)"
    return None


def _process_of(f: dict[str, Any], pg: str) -> Optional[dict[str, Any]]:
    return next((p for p in F.get(f, "hosting.processes") or [] if (p.get("process_group") or "") == pg), None)


@rule
def python_home_invalid(f: dict[str, Any]) -> Iterable[Finding]:
    lib_xy = _xy(F.get(f, "hosting.library_version")) or _xy(F.get(f, "linkage.python_library.python_version"))
    for home in F.get(f, "hosting.homes") or []:
        groups = home.get("process_groups") or [""]
        proc = _process_of(f, groups[0])
        problem = _home_problem(home, proc, lib_xy)
        if not problem:
            continue
        evidence = _home_evidence(home)
        if proc:
            evidence += _stderr_evidence(proc) if proc.get("state") != "ok" else []
        outcome = ""
        if proc and proc.get("state") == "ok":
            outcome = " Python still started, with sys.prefix from its built-in default."
        elif proc and proc.get("state") == "init-failed":
            outcome = " Python fails to start with it (see python-init-failed)."
        yield HOME_INVALID.make(
            detail=f"{home.get('directive')} for {', '.join(_group_label(g) for g in groups)}: {problem}.{outcome}",
            evidence=evidence)


def _run_python(f: dict[str, Any], pg: str) -> Optional[dict[str, Any]]:
    for run in F.get(f, "hosting.runs") or []:
        if (run.get("process_group") or "") == pg and run.get("python"):
            return run["python"]
    return None


@rule
def python_home_version_mismatch(f: dict[str, Any]) -> Iterable[Finding]:
    runtime = F.get(f, "hosting.library_version") or F.get(f, "linkage.python_library.python_version")
    lib_xy = _xy(runtime)
    if not lib_xy:
        return
    for home in F.get(f, "hosting.homes") or []:
        cfg = home.get("pyvenv_cfg")
        venv_xy = _xy(home.get("venv_version"))
        if not cfg or not venv_xy or venv_xy == lib_xy:
            continue
        groups = home.get("process_groups") or [""]
        lines = (cfg.get("lines") or {})
        key = "version" if "version" in lines else "version_info"
        evidence = [Evidence(cfg.get("path") or "pyvenv.cfg", f"{key} = {home.get('venv_version')}", lines.get(key)),
                    Evidence(str(F.get(f, "hosting.libpython")), f"Python {str(runtime).split()[0]}")]
        evidence += _home_evidence(home)
        missing = home.get("venv_site_packages")
        py = _run_python(f, groups[0])
        seen = ""
        if py and isinstance(py.get("path"), list):
            present = missing in py["path"]
            evidence.append(Evidence(f"sys.path in the hosting program ({_group_label(groups[0])})",
                                     "\n".join(str(p) for p in py["path"])))
            seen = (f" The hosting program's sys.path {'does' if present else 'does not'} contain {missing}"
                    f" (sys.prefix {py.get('prefix')}, sys.base_prefix {py.get('base_prefix')}).")
        yield VERSION_MISMATCH.make(
            detail=(f"{home.get('path')} was created by Python {home.get('venv_version')} but mod_wsgi loads "
                    f"Python {lib_xy[0]}.{lib_xy[1]} ({F.get(f, 'hosting.libpython')}), so its site-packages "
                    f"{missing} is ignored.{seen}"),
            evidence=evidence)


@rule
def python_found_via_path(f: dict[str, Any]) -> Iterable[Finding]:
    lib_prefix = F.get(f, "hosting.library_prefix")
    if not lib_prefix:
        return
    env = F.get(f, "hosting.start_env") or {}
    if env.get("PYTHONHOME"):
        return
    for proc in F.get(f, "hosting.processes") or []:
        if proc.get("python_home"):
            continue
        pg = proc.get("process_group") or ""
        py = _run_python(f, pg)
        failure = proc.get("startup_failure") or {}
        prefix = (py or {}).get("prefix") or (failure.get("config") or {}).get("sys.prefix")
        if not prefix or _same_path(prefix, lib_prefix):
            continue
        first = F.get(f, "hosting.path_python")
        evidence = [Evidence("Apache's start environment", f"PATH={env.get('PATH')}")]
        if first:
            evidence.append(Evidence("first python3 on that PATH", first))
        source = "the hosting program" if py else "Python's start-up dump"
        evidence.append(Evidence(f"sys.prefix from {source} ({_group_label(pg)})", str(prefix)))
        evidence.append(Evidence(str(F.get(f, "hosting.libpython")), f"belongs to the installation at {lib_prefix}"))
        outcome = ("and Python failed to start with it" if not py
                   else f"and runs Python {str(F.get(f, 'hosting.library_version') or '').split(' ')[0]} on it")
        yield FOUND_VIA_PATH.make(
            detail=(f"{_group_label(pg)}: no WSGIPythonHome, python-home= or PYTHONHOME is set, so Python searched "
                    f"Apache's PATH ({env.get('PATH')})" + (f", met {first}" if first else "")
                    + f" and took sys.prefix = {prefix}, {outcome}. The library mod_wsgi loads "
                    f"({F.get(f, 'hosting.libpython')}) belongs to {lib_prefix}."),
            evidence=evidence,
            fix=f"Add `WSGIPythonHome {lib_prefix}` (or a virtual environment made by that Python) to the "
                f"server configuration, outside any VirtualHost, or python-home= on the daemon process group.")


@rule
def python_patch_mismatch(f: dict[str, Any]) -> Iterable[Finding]:
    runtime = F.get(f, "hosting.library_version")
    lib_prefix = F.get(f, "hosting.library_prefix")
    lib_xy = _xy(runtime)
    if not runtime or not lib_xy:
        return
    runtime_v = str(runtime).split()[0]
    reported = False
    for run in F.get(f, "hosting.runs") or []:
        py = run.get("python") or {}
        base = py.get("base_prefix")
        pg = run.get("process_group") or ""
        proc = _process_of(f, pg) or {}
        if not base or not lib_prefix or _same_path(base, lib_prefix) or not proc.get("python_home"):
            continue
        homes = _homes_for(f, pg)
        other = next((h for h in homes if h.get("pyvenv_cfg")), None)
        if other and _xy(other.get("venv_version")) not in (None, lib_xy):
            continue  # another X.Y: python-home-version-mismatch says it
        evidence = [Evidence(f"sys.base_prefix in the hosting program ({_group_label(pg)})", str(base)),
                    Evidence(str(F.get(f, "hosting.libpython")), f"Python {runtime_v}, installation {lib_prefix}")]
        made_by = ""
        if other:
            cfg = other["pyvenv_cfg"]
            lines = cfg.get("lines") or {}
            evidence.insert(0, Evidence(cfg.get("path") or "pyvenv.cfg", f"version = {other.get('venv_version')}",
                                        lines.get("version")))
            made_by = f" The virtual environment {other.get('path')} was made by Python {other.get('venv_version')}."
        for h in homes:
            evidence += _home_evidence(h)
        yield PATCH_MISMATCH.make(
            detail=(f"{_group_label(pg)}: libpython {runtime_v} from {lib_prefix} runs with the standard library of "
                    f"{base}, another installation of Python {lib_xy[0]}.{lib_xy[1]}.{made_by}"),
            evidence=evidence)
        reported = True
        break
    compiled = F.get(f, "mod_wsgi.python_compiled")
    if reported or not compiled or str(compiled) == runtime_v or _xy(compiled) != lib_xy:
        return
    loaded = F.get(f, "linkage.python_library.path")
    if any(i.get("version") == compiled and not _same_path(i.get("path"), loaded)
           for i in F.get(f, "linkage.python_installations") or []):
        return  # built against another installation: libpython-version-mismatch says so, as a warning
    yield PATCH_MISMATCH.make(
        detail=(f"mod_wsgi was compiled for Python {compiled} and runs the library's Python {runtime_v}. Within one "
                f"installation a patch-level difference like this is normal for a shared libpython and needs no action."),
        evidence=[Evidence(str(F.get(f, "linkage.module") or "mod_wsgi.so"), f"PY_VERSION {compiled}"),
                  Evidence(str(F.get(f, "hosting.libpython")), f"Py_GetVersion() {runtime_v}")],
        severity=Severity.INFO, title="mod_wsgi was compiled for another patch level of this Python",
        fix="Nothing to do while both belong to the same installation; rebuild mod_wsgi after a minor upgrade.")


FS_ENCODING_ASCII = finding(
    "python-filesystem-encoding-ascii", Severity.INFO, SECTION,
    "Python inside Apache uses ASCII for file names",
    """Started with Apache's environment, the embedded Python reports sys.getfilesystemencoding()
    as ascii. That happens when Apache runs with LANG=C or no locale at all (Debian's envvars sets
    LANG=C) and mod_wsgi starts Python without the locale coercion the python command does. It is
    harmless until the application meets a file name, an upload or a path outside ASCII: then
    open() and os.listdir() raise UnicodeEncodeError. Reported as a note because it is the
    distribution's default and many sites never meet such a name.""",
    "Give Apache a UTF-8 locale. Debian/Ubuntu: in /etc/apache2/envvars uncomment the line\n"
    "`. /etc/default/locale` (or add `export LANG=C.UTF-8`), then restart Apache.\n"
    "Daemon mode: add `lang='C.UTF-8' locale='C.UTF-8'` to the WSGIDaemonProcess line.",
)


@rule
def python_filesystem_encoding(f: dict[str, Any]) -> Iterable[Finding]:
    encoding = F.get(f, "python.filesystem_encoding")
    if not isinstance(encoding, str) or encoding.lower().replace("-", "_") not in ("ascii", "ansi_x3.4_1968", "us_ascii"):
        return
    env = F.get(f, "hosting.start_env") or {}
    locale = ", ".join(f"{k}={env.get(k)}" for k in ("LANG", "LC_ALL") if env.get(k)) or "no LANG or LC_ALL"
    yield FS_ENCODING_ASCII.make(
        f"sys.getfilesystemencoding() is {encoding!r} in the embedded Python, started with Apache's "
        f"environment ({locale}).",
        [Evidence("hosting program", f"sys.getfilesystemencoding() = {encoding!r}"),
         Evidence("Apache start environment", locale)])


HOSTING_NOT_BUILT = finding(
    "hosting-program-not-built", Severity.INFO, "general",
    "wsgidoctor's hosting program is not installed: sys.prefix and sys.path inside Apache were not checked",
    """wsgidoctor answers "which Python installation will mod_wsgi use" by loading the libpython
    mod_wsgi links to with a small C program shipped in its wheel (or compiled when installing
    from the sources). This installation of wsgidoctor has none - it was installed from the
    sources without a C compiler, with WSGIDOCTOR_SKIP_NATIVE=1, or the file was removed - so the
    Python section (python-home, sys.prefix, sys.path, the file-system encoding) is unchecked.
    Apache itself is not affected.""",
    "Install wsgidoctor's prebuilt wheel (`pip install --force-reinstall --only-binary wsgidoctor "
    "wsgidoctor`), or install a C compiler and reinstall from the sources; until then "
    "`wsgidoctor check --live` asks a throwaway copy of the server instead.",
)


@rule
def hosting_program_not_built(f: dict[str, Any]) -> Iterable[Finding]:
    from wsgidoctor.python.hosting.program import NOT_BUILT

    error = F.get(f, "hosting.error")
    if isinstance(error, str) and error.startswith(NOT_BUILT):
        yield HOSTING_NOT_BUILT.make(detail=error, evidence=[Evidence("hosting.error", error)])
