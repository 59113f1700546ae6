"""Discovery: which Apache is this, how is it started, and with what environment.

Finds the httpd binary (a ``--httpd`` flag, else the running server's executable, else PATH and
the usual install places), its control script and apxs, the envvars file Apache's start-up
sources, the environment Apache really starts with, the server root and configuration file, and
the running httpd processes, and the argv that runs this httpd as the server was (or would be)
started. ``httpd -V`` is run by the next probe (install/probe_version.py), at the same time as
``-l``, ``-M`` and apxs, which need only what this one finds.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.core.hookspec import Probe, ProbeContext, ProbeOutput
from wsgidoctor.install import express
from wsgidoctor.core import lifetime

HTTPD_NAMES = ("apache2", "httpd", "httpd2")
CTL_NAMES = ("apache2ctl", "apachectl", "apachectl2")
APXS_NAMES = ("apxs", "apxs2")
#: Where httpd lives when it is not on PATH (root's PATH usually has sbin; users' often not).
USUAL_DIRS = (
    "/usr/sbin", "/usr/local/sbin", "/usr/local/apache2/bin", "/usr/local/apache/bin",
    "/opt/apache2/bin", "/opt/homebrew/bin", "/opt/homebrew/sbin", "/usr/local/opt/httpd/bin",
    "/usr/local/bin", "/usr/bin", "/opt/rh/httpd24/root/usr/sbin",
)
#: The PATH systemd gives services; Apache started by systemd sees exactly this.
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_USERS = {"debian": ("www-data", "www-data"), "rhel": ("apache", "apache"),
                 "macos": ("_www", "_www"), "suse": ("wwwrun", "www")}
UNIT_FILES = ("/lib/systemd/system/apache2.service", "/usr/lib/systemd/system/apache2.service",
              "/usr/lib/systemd/system/httpd.service", "/lib/systemd/system/httpd.service",
              "/etc/systemd/system/apache2.service", "/etc/systemd/system/httpd.service")


#: httpd options that print something and exit: such a process is a command, not a server.
ONE_SHOT_FLAGS = frozenset({"-V", "-v", "-M", "-l", "-L", "-t", "-S", "-h", "-?"})


def _is_one_shot(cmdline: list[str]) -> bool:
    """``apache2 -V``, ``httpd -t -D DUMP_MODULES`` and friends, run by apachectl or a doctor."""
    return any(a in ONE_SHOT_FLAGS or a.startswith("DUMP_") for a in cmdline[1:])


def _is_httpd_name(name: str) -> bool:
    base = os.path.basename(name or "")
    return base in HTTPD_NAMES or base.startswith(("httpd.", "httpd-", "apache2."))


def find_running() -> list[dict[str, Any]]:
    """The running httpd processes, parents first (needs psutil; empty when unavailable)."""
    candidate_pids = _candidate_pids()
    if candidate_pids == []:  # nothing looks like httpd: psutil (tens of milliseconds to import) is not needed
        return []
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is a dependency
        return []
    found = []
    for proc in _candidates(psutil, candidate_pids):
        try:
            info = proc.as_dict(["pid", "ppid", "name", "exe", "cmdline", "username"])
        except psutil.Error:  # gone meanwhile
            continue
        cmdline = info.get("cmdline") or []
        exe = info.get("exe") or ""
        if not cmdline or _is_one_shot(cmdline):  # a zombie, or a command that prints and exits
            continue
        if not (_is_httpd_name(info.get("name") or "") or _is_httpd_name(exe)
                or (cmdline and _is_httpd_name(cmdline[0]))):
            continue
        found.append({"pid": info["pid"], "ppid": info.get("ppid"), "exe": exe or None,
                      "cmdline": list(cmdline), "username": info.get("username")})
    pids = {p["pid"] for p in found}
    for p in found:
        p["role"] = "child" if p["ppid"] in pids else "parent"
    found.sort(key=lambda p: (p["role"] != "parent", p["pid"]))
    return found


def _candidate_pids() -> Optional[list[int]]:
    """Processes whose command name or first argument looks like httpd; None without /proc.

    One small read per process (its ``comm``, then ``cmdline`` only where needed), so that a
    machine with thousands of processes is scanned quickly; psutil then reads the few candidates
    in full.
    """
    try:
        pids = [int(d) for d in os.listdir("/proc") if d.isdigit()]
    except OSError:  # no /proc (a bare chroot; macOS)
        return None
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/comm", "rb") as fh:
                comm = fh.read().strip().decode("utf-8", "replace")
            if not _is_httpd_name(comm):
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    first = fh.read(4096).split(b"\0", 1)[0].decode("utf-8", "replace")
                if not _is_httpd_name(first):
                    continue
            out.append(pid)
        except OSError:
            continue
    return out


def _candidates(psutil: Any, pids: Optional[list[int]]) -> list[Any]:
    """psutil's view of the candidate ``pids``; every process where /proc cannot be listed."""
    if pids is None:  # psutil may know another way than /proc, or nothing
        try:
            return list(psutil.process_iter())
        except Exception:  # noqa: BLE001 - psutil without /proc: no processes can be seen
            return []
    out = []
    for pid in pids:
        try:
            out.append(psutil.Process(pid))
        except (OSError, psutil.Error):  # gone meanwhile
            continue
    return out


def _arg_after(cmdline: list[str], flag: str) -> Optional[str]:
    for i, arg in enumerate(cmdline):
        if arg == flag and i + 1 < len(cmdline):
            return cmdline[i + 1]
        if arg.startswith(flag) and len(arg) > len(flag):
            return arg[len(flag):]
    return None


def _defines(cmdline: list[str]) -> list[str]:
    out = []
    for i, arg in enumerate(cmdline):
        if arg == "-D" and i + 1 < len(cmdline):
            out.append(cmdline[i + 1])
        elif arg.startswith("-D") and len(arg) > 2:
            out.append(arg[2:])
    return out


def detect_distribution() -> Optional[str]:
    if sys.platform == "darwin":
        return "macos"
    if os.path.exists("/etc/debian_version"):
        return "debian"
    if os.path.exists("/etc/redhat-release") or os.path.exists("/etc/fedora-release"):
        return "rhel"
    if os.path.exists("/etc/SuSE-release") or os.path.exists("/etc/SUSE-brand"):
        return "suse"
    return None


def find_envvars(httpd: str) -> Optional[str]:
    """The envvars file the control script sources before starting this httpd."""
    candidates = [os.path.join(os.path.dirname(httpd), "envvars")]
    if os.path.basename(httpd) == "apache2":
        confdir = os.environ.get("APACHE_CONFDIR", "/etc/apache2")
        candidates.insert(0, os.path.join(confdir, "envvars"))
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


def unit_environment(ctx: ProbeContext) -> dict[str, str]:
    """Environment= and EnvironmentFile= settings of Apache's systemd unit."""
    env: dict[str, str] = {}
    for unit in UNIT_FILES:
        text, _ = ctx.read_text(unit, limit=256 * 1024)
        if text is None:
            continue
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("Environment="):
                for item in _split_unit_words(line[len("Environment="):]):
                    if "=" in item:
                        k, v = item.split("=", 1)
                        env[k] = v
            elif line.startswith("EnvironmentFile="):
                path = line[len("EnvironmentFile="):].lstrip("-")
                body, _ = ctx.read_text(path, limit=256 * 1024)
                for raw in (body or "").splitlines():
                    raw = raw.strip()
                    if raw and not raw.startswith("#") and "=" in raw:
                        k, v = raw.split("=", 1)
                        env[k.strip()] = v.strip().strip('"').strip("'")
        break
    return env


def _split_unit_words(value: str) -> list[str]:
    import shlex

    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def source_envvars(ctx: ProbeContext, envvars: str, base: dict[str, str]) -> tuple[dict[str, str], Optional[str]]:
    """The environment after sourcing ``envvars`` in a clean shell started with ``base``."""
    result = ctx.run(["/bin/sh", "-c", '. "$1" >/dev/null 2>&1; exec env -0', "sh", envvars],
                     env=base, timeout=min(ctx.options.command_timeout, 10.0))
    if not result.ok:
        return dict(base), result.error or f"sourcing {envvars} failed (exit {result.returncode})"
    env: dict[str, str] = {}
    for item in result.stdout.split("\0"):
        if "=" in item:
            k, v = item.split("=", 1)
            env[k] = v
    env.pop("PWD", None)
    env.pop("SHLVL", None)
    env.pop("_", None)
    return lifetime.strip_mark(env), None


def read_process_environ(pid: int) -> Optional[dict[str, str]]:
    """``/proc/PID/environ`` of a process, or None when it cannot be read (not root)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as fh:
            data = fh.read(1024 * 1024)
    except OSError:
        return None
    env = {}
    for item in data.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode("utf-8", "replace")] = v.decode("utf-8", "replace")
    return lifetime.strip_mark(env)


def httpd_args(httpd: str, server_root: Optional[str], config_file: Optional[str],
               defines: list[str]) -> list[str]:
    """The argv prefix that runs this httpd the way the server was (or would be) started."""
    argv = [httpd]
    if server_root:
        argv += ["-d", server_root]
    if config_file:
        argv += ["-f", config_file]
    for d in defines:
        argv += ["-D", d]
    return argv


def _same_file(a: Optional[str], b: Optional[str]) -> bool:
    try:
        return bool(a and b) and os.path.samefile(a, b)  # type: ignore[arg-type]
    except OSError:
        return False


def _uses_config(cmdline: list[str], config: str) -> bool:
    """Whether a server started with ``cmdline`` reads ``config``.

    Without -f and -d it reads the compiled-in default, which ``--config`` is taken to name; a
    relative -f is relative to -d (the server root).
    """
    conf, root = _arg_after(cmdline, "-f"), _arg_after(cmdline, "-d")
    if conf is None:
        return root is None
    if not os.path.isabs(conf) and root:
        conf = os.path.join(root, conf)
    return _same_file(conf, config)


def choose_parent(running: list[dict[str, Any]], httpd: Optional[str],
                  config: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The running server this report is about.

    With ``--httpd``, only servers of that binary count. Among several, the one started without
    ``-f``/``-d`` (the distribution's service with its default configuration) is preferred: the
    others are usually private instances (mod_wsgi-express, test servers). With ``--config``,
    only a server that reads that file counts.
    """
    parents = [p for p in running if p["role"] == "parent"]
    if config:
        parents = [p for p in parents if _uses_config(p["cmdline"], config)]
    if httpd:
        parents = [p for p in parents if _same_file(p["exe"] or (p["cmdline"] or [None])[0], httpd)]
    parents.sort(key=lambda p: (_arg_after(p["cmdline"], "-f") is not None
                                or _arg_after(p["cmdline"], "-d") is not None, p["pid"]))
    return parents[0] if parents else None


def _express_environment(ctx: ProbeContext, found: express.ExpressRoot,
                         base: dict[str, str]) -> tuple[dict[str, str], Optional[str]]:
    """The environment express's apachectl gives httpd (its assignments, then its envvars)."""
    result = ctx.run(["/bin/sh", "-c", express.environment_script(found)], env=base,
                     cwd=found.root, timeout=min(ctx.options.command_timeout, 10.0))
    if not result.ok:
        return dict(base), result.error or f"sourcing {found.apachectl} failed (exit {result.returncode})"
    env = dict(item.split("=", 1) for item in result.stdout.split("\0") if "=" in item)
    for key in ("PWD", "OLDPWD", "SHLVL", "_"):
        env.pop(key, None)
    return env, None


def _express_for(opts: Any, parent: Optional[dict[str, Any]]) -> Optional[express.ExpressRoot]:
    """The mod_wsgi-express root this report is about: --server-root, --config, else the running one."""
    for path in (opts.server_root, opts.config):
        found = express.express_root(path)
        if found is not None:
            return found
    if parent and not (opts.server_root or opts.config):
        return express.from_cmdline(parent["cmdline"])
    return None


def run(ctx: ProbeContext) -> ProbeOutput:
    out = ProbeOutput()
    opts = ctx.options
    running = find_running()
    given = express.express_root(opts.server_root or opts.config)
    parent = choose_parent(running, opts.httpd, given.config_file if given else opts.config)
    if len([p for p in running if p["role"] == "parent"]) > 1 and parent:
        out.notes.append(f"several Apache servers are running; examining pid {parent['pid']} "
                         f"({' '.join(parent['cmdline'])})")
    distribution = detect_distribution()
    found_express = given or _express_for(opts, parent)

    httpd: Optional[str] = None
    source = None
    if opts.httpd:
        httpd, source = opts.httpd, "flag"
    elif found_express and found_express.httpd and not parent:
        httpd, source = found_express.httpd, "mod_wsgi-express apachectl"
    elif parent and (parent["exe"] or (parent["cmdline"] and os.path.isabs(parent["cmdline"][0]))):
        httpd, source = parent["exe"] or parent["cmdline"][0], "running-process"
    else:
        for name in HTTPD_NAMES:
            httpd = commands.which(name, USUAL_DIRS)
            if httpd:
                source = "path"
                break
    bindir = os.path.dirname(httpd) if httpd else None
    ctl = None
    for name in CTL_NAMES:
        ctl = (commands.which(name, path=bindir) if bindir else None) or commands.which(name, USUAL_DIRS)
        if ctl:
            break
    if found_express is not None:
        ctl = found_express.apachectl
    apxs = opts.apxs
    if not apxs:
        for name in APXS_NAMES:
            apxs = commands.which(name, ([bindir] if bindir else []) + list(USUAL_DIRS))
            if apxs:
                break

    cmdline = parent["cmdline"] if parent else []
    server_root = _arg_after(cmdline, "-d")
    config_file = opts.config or _arg_after(cmdline, "-f")
    defines = _defines(cmdline)
    if found_express is not None:
        server_root = server_root or found_express.root
        config_file = found_express.config_file
        if not parent:  # started by its apachectl: the same -D flags
            defines = found_express.defines
    elif opts.server_root:
        server_root = opts.server_root

    envvars = find_envvars(httpd) if httpd else None
    if found_express is not None:
        envvars = found_express.envvars
    start_env: dict[str, str] = {}
    env_source = "none"
    if parent:
        proc_env = read_process_environ(parent["pid"])
        if proc_env is not None:
            start_env, env_source = proc_env, "running-process"
    if env_source == "none":
        base = {"PATH": SYSTEMD_PATH}
        if found_express is None:
            base.update(unit_environment(ctx))
        if found_express is not None:
            start_env, problem = _express_environment(ctx, found_express, base)
            env_source = "mod_wsgi-express apachectl"
            if problem:
                out.notes.append(problem)
        elif envvars:
            start_env, problem = source_envvars(ctx, envvars, base)
            env_source = "envvars"
            if problem:
                out.notes.append(problem)
        else:
            start_env = base
            env_source = "defaults"

    user, group = DEFAULT_USERS.get(distribution or "", (None, None))
    user = start_env.get("APACHE_RUN_USER", user)
    group = start_env.get("APACHE_RUN_GROUP", group)

    install: dict[str, Any] = {
        "httpd": httpd, "httpd_source": source, "examined_pid": parent["pid"] if parent else None, "apachectl": ctl, "apxs": apxs,
        "envvars": envvars, "start_env": start_env, "start_env_source": env_source,
        "defines": defines, "user": user, "group": group, "running": running,
        "distribution": distribution, "server_root": server_root, "config_file": config_file,
        "express": found_express.to_json() if found_express else None,
    }
    out.facts["install"] = install
    if not httpd:
        out.notes.append("no Apache httpd binary found on PATH or in the usual places; "
                         "use --httpd PATH to name it")
        return out
    if not os.path.exists(httpd):
        install["version_command"] = {"command": httpd, "exit_code": None,
                                      "error": "no such file", "output_head": []}
        return out

    install["httpd_argv"] = httpd_args(httpd, server_root, config_file, defines)
    return out


PROBE = Probe(
    name="discovery",
    description="find httpd, apachectl, apxs, envvars, Apache's start environment and running servers",
    run=run,
    timeout=30.0,
)
