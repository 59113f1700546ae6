"""The real installations tests/platforms examines, and what each real server answers.

Each installation is started with a throwaway configuration (two mounts: ``/embedded`` and
``/daemon`` in daemon group ``shop``; express roots use express's own configuration), asked by
``answer_app.wsgi`` and through /proc, then examined by ``wsgidoctor report --json`` run the way a
user of that system would run it. The gathered ``Observation`` is compared by the tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from tests.support import chroots, platform_servers, source_builds

HERE = Path(__file__).resolve().parent
APP = HERE / "answer_app.wsgi"
DEBIAN_MODULES = "/usr/lib/apache2/modules"
HOST_WSGIDOCTOR = str(Path(sys.executable).with_name("wsgidoctor"))
PLAIN_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}

BASE = """\
ServerRoot "{root}"
Listen 127.0.0.1:{port}
ServerName localhost
ServerTokens Full
PidFile "{root}/run/httpd.pid"
ErrorLog "{root}/error.log"
LogLevel info
DefaultRuntimeDir "{root}/run"
Mutex file:{root}/run default
%(load)s
User %(user)s
Group %(user)s
WSGISocketPrefix "{root}/run/wsgi"
WSGIDaemonProcess shop processes=2 threads=4
WSGIScriptAlias /embedded "{root}/app/answer.wsgi"
WSGIScriptAlias /daemon "{root}/app/answer.wsgi" process-group=shop application-group=%%{GLOBAL}
<Directory "{root}/app">
    Require all granted
</Directory>
"""
MOUNTS = ("/embedded", "/daemon")


@dataclass
class Installation:
    """One real installation: where its httpd is and how a throwaway server of it is loaded."""

    name: str
    description: str
    httpd: str  # as the installation sees it
    load: str  # LoadModule/LoadFile/WSGIPythonHome lines
    user: str = "www-data"
    chroot: Optional[Path] = None
    env: dict[str, str] = field(default_factory=lambda: dict(PLAIN_ENV))
    #: Puts what the load lines name under ``{root}`` into the server's fresh directory.
    prepare: Optional[Callable[[Path], None]] = None

    def host_path(self, seen: str) -> Path:
        return Path(str(self.chroot) + seen) if self.chroot else Path(seen)

    def strip(self) -> str:
        return str(self.chroot) if self.chroot else ""

    def command(self, argv: list[str], timeout: float = 180) -> subprocess.CompletedProcess:
        """Run a command as a user of this installation would: inside its chroot if it has one."""
        if self.chroot:
            return chroots.run(self.chroot, argv, timeout=timeout)
        return subprocess.run(argv, capture_output=True, text=True, env=dict(PLAIN_ENV), timeout=timeout)

    def prepare_root(self, root: Path) -> None:
        """Fill a fresh server directory: the answering application, and what ``prepare`` puts."""
        install_app(root)
        if self.prepare is not None:
            self.prepare(root)

    def wsgidoctor(self) -> str:
        return "wsgidoctor" if self.chroot else HOST_WSGIDOCTOR


@dataclass
class Observation:
    """What the real server answered, and what wsgidoctor reported about it."""

    installation: Installation
    server_header: str
    answers: dict[str, dict[str, Any]]  # mount -> the app's JSON
    parent_maps: list[str]  # files mapped in httpd's parent
    worker_libpython: dict[str, list[str]]  # mount -> libpython files mapped in the answering process
    httpd_l: str
    error_log: str
    report: dict[str, Any]
    report_rc: int
    live_report: dict[str, Any]
    check_live: subprocess.CompletedProcess
    config_seen: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def facts(self) -> dict[str, Any]:
        return self.report["facts"]


def mapped_files(pid: int, strip: str = "") -> list[str]:
    out: list[str] = []
    try:
        text = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].startswith("/"):
            path = parts[5].strip()
            if strip and path.startswith(strip + "/"):
                path = path[len(strip):]
            if path not in out:
                out.append(path)
    return out


def server_header_at(server: platform_servers.Server, path: str) -> str:
    """The Server header the real server sends (ServerTokens Full: Apache/X.Y.Z (...) mod_wsgi/...)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.getheader("Server") or ""
    finally:
        conn.close()


def parse_json(proc: subprocess.CompletedProcess) -> dict[str, Any]:
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError(f"no JSON (exit {proc.returncode}): {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def observe(inst: Installation, mounts: tuple[str, ...] = MOUNTS) -> Observation:
    """Start the installation's server, ask it, run wsgidoctor against it, stop it; the server's
    directory is removed whatever happens."""
    text = BASE % {"load": inst.load, "user": inst.user}
    server = platform_servers.start(inst.httpd, text, env=inst.env, chroot=inst.chroot, prepare=inst.prepare_root)
    try:
        conf = f"{server.seen_root}/httpd.conf"
        argv = [inst.wsgidoctor(), "report", "--json", "--no-redact", "--httpd", inst.httpd, "--config", conf]
        try:
            header = server_header_at(server, mounts[0])
            answers = {m: server.ask(m) for m in mounts}
            parent_maps = mapped_files(server.pid, inst.strip())
            libs = {m: platform_servers.mapped_libpython(a["pid"], inst.strip()) for m, a in answers.items()}
            report_proc = inst.command(argv)
            report = parse_json(report_proc)
        finally:
            server.stop()
        log = server.error_log()
        live = parse_json(inst.command(argv + ["--live"]))
        check = inst.command([inst.wsgidoctor(), "check", "--live", "--httpd", inst.httpd, "--config", conf])
        httpd_l = inst.command([inst.httpd, "-l"]).stdout
    finally:
        server.remove()
    return Observation(inst, header, answers, parent_maps, libs, httpd_l, log, report, report_proc.returncode,
                       live, check, conf)


def install_app(root: Path) -> None:
    """The answering application in the server's ``app/``, readable by Apache's user."""
    shutil.copyfile(APP, root / "app" / "answer.wsgi")
    os.chmod(root / "app" / "answer.wsgi", 0o644)


def modules_from_maps(maps: list[str]) -> set[str]:
    """Module names of the shared modules mapped in httpd's parent (mod_X.so -> X_module)."""
    names = set()
    for path in maps:
        base = os.path.basename(path)
        if base.startswith("mod_wsgi"):
            names.add("wsgi_module")
            continue
        m = re.fullmatch(r"mod_(\w+)\.so", base)
        if m and "/modules/" in path:
            names.add(f"{m.group(1)}_module")
    return names


def mpm_from_server(obs: Observation) -> Optional[str]:
    """The MPM the running server really has: a mapped mod_mpm_X.so, else the compiled-in one."""
    for path in obs.parent_maps:
        m = re.fullmatch(r"mod_mpm_(\w+)\.so", os.path.basename(path))
        if m:
            return m.group(1)
    m = re.search(r"^\s*(prefork|worker|event)\.c$", obs.httpd_l, re.M)
    return m.group(1) if m else None


# -- the installations ------------------------------------------------------------------------

def debian12(mpm: str) -> Installation:
    load = "\n".join([
        f"LoadModule mpm_{mpm}_module {DEBIAN_MODULES}/mod_mpm_{mpm}.so",
        f"LoadModule authz_core_module {DEBIAN_MODULES}/mod_authz_core.so",
        f"LoadModule wsgi_module {DEBIAN_MODULES}/mod_wsgi.so",
    ])
    return Installation(f"debian12-{mpm}", f"Debian 12 apache2 + libapache2-mod-wsgi-py3, {mpm} MPM",
                        "/usr/sbin/apache2", load)


def debian_chroot(name: str, module: str, description: str) -> Optional[Installation]:
    root = chroots.chroot_dir(name)
    if root is None:
        return None
    load = "\n".join([
        f"LoadModule mpm_event_module {DEBIAN_MODULES}/mod_mpm_event.so",
        f"LoadModule authz_core_module {DEBIAN_MODULES}/mod_authz_core.so",
        f"LoadModule wsgi_module {DEBIAN_MODULES}/{module}",
    ])
    return Installation(name, description, "/usr/sbin/apache2", load, chroot=root, env=dict(chroots.ENV))


def source_httpd() -> Optional[Installation]:
    prefix = source_builds.source_httpd()
    venv = source_builds.pip_venv("source")
    if prefix is None or venv is None:
        return None
    load = "\n".join([
        f"LoadModule unixd_module {prefix}/modules/mod_unixd.so",
        f"LoadModule authz_core_module {prefix}/modules/mod_authz_core.so",
        source_builds.module_config(venv).strip(),
    ])
    return Installation("source-httpd", "httpd from the upstream tarball in Debian's source package, static "
                        "prefork, /usr/local/apache2; mod_wsgi from PyPI with a pyenv Python",
                        f"{prefix}/bin/httpd", load, user="daemon")


def module_config() -> Optional[Installation]:
    venv = source_builds.pip_venv("debian")
    if venv is None:
        return None
    load = "\n".join([
        f"LoadModule mpm_event_module {DEBIAN_MODULES}/mod_mpm_event.so",
        f"LoadModule authz_core_module {DEBIAN_MODULES}/mod_authz_core.so",
        source_builds.module_config(venv).strip(),
    ])
    return Installation("module-config", "pip's mod_wsgi wired into Debian 12's apache2 with the lines "
                        "`mod_wsgi-express module-config` prints", "/usr/sbin/apache2", load)


def module_config_loadfile() -> Optional[Installation]:
    """pip's mod_wsgi wired with what `module-config` prints where the module relies on the host
    for Python (macOS framework builds, conda): LoadFile libpython + LoadModule + WSGIPythonHome.
    On Linux module-config prints no LoadFile (the module names its libpython), so the module is
    made such here: pip's build with its DT_NEEDED libpython and run path removed (patchelf), in
    the server's directory; only the LoadFile then provides Python."""
    venv = source_builds.pip_venv("debian")
    if venv is None or shutil.which("patchelf") is None:
        return None
    printed = source_builds.module_config(venv)
    module = re.search(r'^LoadModule wsgi_module "?([^"\n]+)"?$', printed, re.M)
    home = re.search(r"^WSGIPythonHome .*$", printed, re.M)
    assert module and home, printed
    lib = subprocess.run([str(venv / "bin" / "python"), "-c",
                          "import sysconfig, os; print(os.path.join(sysconfig.get_config_var('LIBDIR'),"
                          " sysconfig.get_config_var('INSTSONAME')))"],
                         capture_output=True, text=True, check=True).stdout.strip()

    def prepare(root: Path) -> None:
        target = root / "mod_wsgi-hostpython.so"
        shutil.copyfile(module.group(1), target)
        subprocess.run(["patchelf", "--remove-needed", os.path.basename(lib), "--remove-rpath", str(target)],
                       check=True)
        os.chmod(target, 0o644)

    load = "\n".join([
        f"LoadModule mpm_event_module {DEBIAN_MODULES}/mod_mpm_event.so",
        f"LoadModule authz_core_module {DEBIAN_MODULES}/mod_authz_core.so",
        f'LoadFile "{lib}"',
        'LoadModule wsgi_module "{root}/mod_wsgi-hostpython.so"',
        home.group(0),
    ])
    return Installation("module-config-loadfile", "pip's mod_wsgi (no DT_NEEDED libpython) wired into Debian "
                        "12's apache2 with LoadFile libpython + LoadModule + WSGIPythonHome", "/usr/sbin/apache2",
                        load, prepare=prepare)
