"""Turn the facts gathered so far into a request spec for the hosting program. Pure.

One emulated process per process group in use: embedded mode ("" — the Apache children) and
each daemon process group a mount delegates to. Each serves one run per application group,
with the names and threading flags the configuration engineer's predictions give per mount
(``config.mounts``, from ``wsgidoctor.wsgi.predict``). Without a configuration the default is
one embedded run in the main interpreter (``%{GLOBAL}``) with the MPM's threading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from wsgidoctor.core import facts as factlib
from wsgidoctor.wsgi.predict import parse_version
from wsgidoctor.python.hosting import environ as envlib
from wsgidoctor.python.hosting.spec import HostSpec, Process, Run, module_name

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Concurrent requests per multithreaded run: enough to show several threads, cheap to run.
THREADED_REQUESTS = 3

Version = tuple[int, int, int]


@dataclass
class HomeSource:
    """Where a python-home comes from, for evidence."""

    path: str
    directive: str  # "WSGIPythonHome", "WSGIDaemonProcess python-home=", "PYTHONHOME"
    file: Optional[str] = None
    line: Optional[int] = None
    process_groups: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "directive": self.directive, "file": self.file, "line": self.line,
                "process_groups": list(self.process_groups)}


@dataclass
class Plan:
    """The spec plus what each run stands for and how the settings were chosen."""

    spec: HostSpec
    runs: list[dict[str, Any]] = field(default_factory=list)  # one per spec run, in order
    homes: list[HomeSource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    mod_wsgi_version: Optional[Version] = None


def init_api_for(mod_wsgi_version: Optional[Version]) -> str:
    """mod_wsgi switched to the PyConfig API for Python >= 3.8 in 5.0.1."""
    if mod_wsgi_version is None:
        return "auto"
    return "pyconfig" if mod_wsgi_version >= (5, 0, 1) else "legacy"


def _where(text: Any) -> tuple[Optional[str], Optional[int]]:
    """``"/etc/apache2/apache2.conf:12"`` -> (file, 12)."""
    if not isinstance(text, str) or ":" not in text:
        return None, None
    file, _, line = text.rpartition(":")
    return (file, int(line)) if line.isdigit() else (text, None)


def _globals_from_directives(directives: Any) -> dict[str, Any]:
    """WSGIPythonHome/Path/Optimize from ``config.directives`` when ``config.wsgi`` is absent
    (server level only: mod_wsgi refuses them inside sections)."""
    out: dict[str, Any] = {"set_at": {}}
    keys = {"wsgipythonhome": "python_home", "wsgipythonpath": "python_path", "wsgipythonoptimize": "python_optimize"}
    for d in directives if isinstance(directives, list) else ():
        if not isinstance(d, dict) or d.get("sections") or not d.get("args"):
            continue
        key = keys.get(str(d.get("name", "")).lower())
        if key is None:
            continue
        value: Any = str(d["args"][0])
        if key == "python_optimize":
            value = int(value) if value.isdigit() else 0
        out[key] = value
        out["set_at"][str(d["name"])] = f"{d.get('file')}:{d.get('line')}"
    return out


def _default_threading(facts: Mapping[str, Any], version: Optional[Version]) -> tuple[bool, bool]:
    """Embedded-mode flags when no mount says: the configuration engineer's rule on the MPM."""
    mpm_conf = factlib.get(facts, "config.mpm") or {}
    name = mpm_conf.get("name") if isinstance(mpm_conf, dict) else None
    name = name or factlib.get(facts, "apache.mpm.name")
    try:
        from wsgidoctor.config.mpm import MpmSettings
        from wsgidoctor.wsgi.predict import DEFAULT_VERSION, embedded_threading

        values = mpm_conf.get("settings") if isinstance(mpm_conf, dict) else None
        mpm = MpmSettings(name=str(name).lower() if name else None, source="facts",
                          values={k: v for k, v in (values or {}).items() if isinstance(v, int)})
        mt, mp = embedded_threading(mpm, version or DEFAULT_VERSION)
        if mt is not None and mp is not None:
            return mt, mp
    except Exception:  # noqa: BLE001 - predictions unavailable: fall back to the MPM's flags
        pass
    threaded = factlib.get(facts, "apache.mpm.threaded")
    forked = factlib.get(facts, "apache.mpm.forked")
    return bool(threaded), forked is not False


def _requests(multithread: bool, threads: Optional[int]) -> int:
    if not multithread:
        return 1
    if isinstance(threads, int) and threads > 1:
        return min(THREADED_REQUESTS, threads)
    return THREADED_REQUESTS


def build_plan(facts: Mapping[str, Any], *, libpython: str, script: str, script_source: Optional[str],
               run_as_user: bool, local_host: str = "localhost") -> Plan:
    """The spec for these facts; ``run_as_user``: switch to Apache's user (we are root)."""
    notes: list[str] = []
    version = parse_version(factlib.get(facts, "mod_wsgi.version"))
    apache_version = parse_version(factlib.get(facts, "apache.version"))
    start_env = factlib.get(facts, "install.start_env")
    if isinstance(start_env, dict) and start_env:
        env = {str(k): str(v) for k, v in start_env.items()}
    else:
        env = {"PATH": DEFAULT_PATH}
        notes.append(f"Apache's start environment is unknown: the hosting program ran with PATH={DEFAULT_PATH} "
                     "and no PYTHONHOME/PYTHONPATH")
    if version is None:
        notes.append("mod_wsgi's version is unknown: Python was started with the PyConfig API where the "
                     "library has it (as mod_wsgi 5.0.1+ does)")

    glob = factlib.get(facts, "config.wsgi") or {}
    glob = glob if isinstance(glob, dict) and glob else _globals_from_directives(factlib.get(facts, "config.directives"))
    set_at = glob.get("set_at") if isinstance(glob.get("set_at"), dict) else {}
    global_home = glob.get("python_home") if isinstance(glob.get("python_home"), str) else None
    global_path = glob.get("python_path") if isinstance(glob.get("python_path"), str) else None
    optimize = glob.get("python_optimize") if isinstance(glob.get("python_optimize"), int) else 0

    user = group = None
    if run_as_user:
        user = factlib.get(facts, "install.user") or None
        group = factlib.get(facts, "install.group") or None

    mpm_conf = factlib.get(facts, "config.mpm") or {}
    mpm_conf = mpm_conf if isinstance(mpm_conf, dict) else {}
    apache_module: dict[str, Any] = {}
    if apache_version:
        apache_module["version"] = list(apache_version)
    if factlib.get(facts, "apache.mpm.name"):
        apache_module["mpm_name"] = factlib.get(facts, "apache.mpm.name")
    software = f"Apache/{'.'.join(map(str, apache_version))}" if apache_version else "Apache"

    processes: dict[str, Process] = {}
    homes: dict[str, HomeSource] = {}
    runs_meta: list[tuple[Process, Run, dict[str, Any]]] = []

    def note_home(path: Optional[str], directive: str, where: tuple[Optional[str], Optional[int]], pg: str) -> None:
        if not path:
            return
        src = homes.setdefault(f"{directive}|{path}", HomeSource(path, directive, where[0], where[1]))
        if pg not in src.process_groups:
            src.process_groups.append(pg)

    def process_for(pg: str, daemon: Optional[dict[str, Any]], mount: Optional[dict[str, Any]]) -> Process:
        if pg in processes:
            return processes[pg]
        if daemon is None:
            home = mount.get("python_home") if mount and "python_home" in mount else global_home
            ppath = mount.get("python_path") if mount and "python_path" in mount else global_path
            proc = Process(process_group="", python_home=home, python_path=ppath, optimize=optimize,
                           user=user, group=group, cwd="/")
            note_home(home, "WSGIPythonHome", _where(set_at.get("WSGIPythonHome")), "")
            proc.mod_wsgi = {"maximum_processes": mpm_conf.get("daemons_limit"),
                             "threads_per_process": mpm_conf.get("threads_per_child")}
        else:
            opts = daemon.get("options") if isinstance(daemon.get("options"), dict) else {}
            own_home = daemon.get("python_home") or opts.get("python-home")
            home = mount.get("python_home") if mount and mount.get("python_home") else (own_home or global_home)
            ppath = mount.get("python_path") if mount and "python_path" in mount else (
                daemon.get("python_path") or opts.get("python-path"))
            dhome = opts.get("home") if isinstance(opts.get("home"), str) else None
            duser = daemon.get("user") or opts.get("user")
            dgroup = daemon.get("group") or opts.get("group")
            # mod_wsgi: home= is the working directory; else a daemon running as another user
            # than Apache's starts in that user's home directory ("~" to the program).
            cwd = dhome or ("~" if duser and duser != factlib.get(facts, "install.user") else "/")
            proc = Process(process_group=pg, python_home=home, python_path=ppath, home=dhome,
                           optimize=optimize, user=(duser or user) if run_as_user else None,
                           group=(dgroup or group) if run_as_user else None, cwd=cwd)
            if own_home:
                note_home(home, "WSGIDaemonProcess python-home=", (daemon.get("file"), daemon.get("line")), pg)
            else:
                note_home(home, "WSGIPythonHome", _where(set_at.get("WSGIPythonHome")), pg)
            proc.mod_wsgi = {"maximum_processes": daemon.get("processes"),
                             "threads_per_process": daemon.get("threads")}
        if version:
            proc.mod_wsgi["version"] = list(version)
        proc.mod_wsgi["process_group"] = pg
        proc.apache = dict(apache_module)
        processes[pg] = proc
        return proc

    mounts = factlib.get(facts, "config.mounts")
    seen: set[tuple[str, str]] = set()
    for mount in mounts if isinstance(mounts, list) else ():
        if not isinstance(mount, dict):
            continue
        pg, ag = mount.get("process_group"), mount.get("application_group")
        where = f"{mount.get('file')}:{mount.get('line')}"
        if not isinstance(pg, str) or not isinstance(ag, str):
            notes.append(f"mount {mount.get('url')!r} ({where}): its process or application group depends on "
                         "the request, so the hosting program did not emulate it")
            continue
        daemon = mount.get("daemon") if isinstance(mount.get("daemon"), dict) else None
        if pg and daemon is None:
            notes.append(f"mount {mount.get('url')!r} ({where}): daemon process group {pg!r} is not defined; "
                         "not emulated")
            continue
        if (pg, ag) in seen:
            continue
        seen.add((pg, ag))
        proc = process_for(pg, daemon, mount)
        multithread = bool(mount.get("multithread"))
        multiprocess = bool(mount.get("multiprocess"))
        threads = daemon.get("threads") if daemon else mpm_conf.get("threads_per_child")
        url = str(mount.get("url") or "/")
        request_path = mount.get("request_path") if isinstance(mount.get("request_path"), str) else url
        script_name = "" if request_path == "/" else request_path
        path_info = "/" if request_path == "/" else ""
        port = mount.get("port") if isinstance(mount.get("port"), int) else 80
        user_script = str(mount.get("script") or script)
        run = Run(application_group=ag, script=script, source=script_source,
                  module_name=module_name(user_script), requests=_requests(multithread, threads),
                  main_thread=(pg == "" and not multithread), multithread=multithread,
                  multiprocess=multiprocess,
                  environ=envlib.request_environ(
                      server_name=str(mount.get("server_name") or local_host), port=port,
                      script_name=script_name, path_info=path_info, script_filename=user_script,
                      process_group=pg, application_group=ag, mod_wsgi_version=version,
                      apache_version=apache_version, server_software=software),
                  environ_drop=envlib.dropped_keys(version),
                  label=f"{mount.get('url')} ({where})")
        proc.runs.append(run)
        runs_meta.append((proc, run, {"mount": {k: mount.get(k) for k in ("url", "vhost", "script", "file", "line")},
                                      "process_group": pg, "application_group": ag}))

    if not runs_meta:
        mt, mp = _default_threading(facts, version)
        proc = process_for("", None, None)
        run = Run(application_group="", script=script, source=script_source, module_name=module_name(script),
                  requests=_requests(mt, mpm_conf.get("threads_per_child")), main_thread=not mt,
                  multithread=mt, multiprocess=mp,
                  environ=envlib.request_environ(
                      server_name=local_host, port=80, script_name="", path_info="/",
                      script_filename=script, process_group="", application_group="",
                      mod_wsgi_version=version, apache_version=apache_version, server_software=software),
                  environ_drop=envlib.dropped_keys(version), label="default (embedded, %{GLOBAL})")
        proc.runs.append(run)
        runs_meta.append((proc, run, {"mount": None, "process_group": "", "application_group": ""}))
        if not mounts:
            notes.append("no WSGIScriptAlias found: emulated the default, embedded mode in the main "
                         "interpreter with the MPM's threading")

    pythonhome_env = env.get("PYTHONHOME")
    if pythonhome_env:
        for pg in processes:
            if not processes[pg].python_home:
                note_home(pythonhome_env, "PYTHONHOME", (None, None), pg)

    load_files = [str(lf["path"]) for lf in factlib.get(facts, "linkage.loadfile") or ()
                  if isinstance(lf, dict) and lf.get("path")]
    spec = HostSpec(libpython=libpython, load_files=load_files, env=env, init_api=init_api_for(version),
                    processes=list(processes.values()))
    ordered = []
    for pi, proc in enumerate(spec.processes):
        for ri, run in enumerate(proc.runs):
            meta = next(m for p, r, m in runs_meta if r is run)
            ordered.append({**meta, "process_index": pi, "run_index": ri, "label": run.label,
                            "multithread": run.multithread,
                            "multiprocess": run.multiprocess, "requests": run.requests,
                            "main_thread": run.main_thread})
    return Plan(spec=spec, runs=ordered, homes=list(homes.values()), notes=notes, mod_wsgi_version=version)
