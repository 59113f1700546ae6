"""Throwaway Apache + mod_wsgi installations for the scenario tests.

An :class:`Installation` is a copy of Debian's default apache2 layout in a temporary directory
(``apache2.conf``, ``envvars``, ``ports.conf``, ``mods-enabled``, ``conf-enabled``,
``sites-enabled``), with everything Apache writes - pid file, runtime directory, lock
directory, logs, mod_wsgi's sockets - inside that directory, listening on 127.0.0.1 on a free
port. Scenarios break it the way people do (a line in ``envvars``, a directive in the site, a
module enabled beside mod_wsgi, a different mod_wsgi.so), then:

- :meth:`Installation.start` starts Debian's ``/usr/sbin/apache2 -f <apache2.conf>`` through
  :mod:`wsgidoctor.live.launcher` (the one place that starts httpd) as pid 1 of a PID namespace of its own, with the environment the control script would give
  it (``envvars`` sourced in a clean environment), and observes whether it comes up;
- :meth:`Installation.get` makes a request to it;
- :meth:`Installation.doctor` runs ``wsgidoctor report --json --no-redact --httpd
  /usr/sbin/apache2 --config <apache2.conf> --no-plugins`` inside that namespace (so the
  scenario's server is the only one it sees) and returns the parsed report;
- :meth:`Installation.stop` stops the server by its pid and kills the namespace, which takes
  every process the server started with it, within a couple of seconds (embedded Python under
  the event MPM would otherwise hold a stop for ~10 s).

Why not ``wsgidoctor.live.server``: that server runs a *plan* derived from a configuration (the
WSGI directives only, the probe application in place of the user's scripts); a scenario must run
the installation's whole configuration as it is, envvars, broken directives and all: it gives
the launcher its own configuration file.

Nothing outside the temporary directory is written; the system's /etc/apache2 is only read (the
``*-available`` files are copied from it, as a2enmod would link them).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from wsgidoctor.live.launcher import ApacheProcess

APACHE2 = "/usr/sbin/apache2"
DEBIAN_CONFDIR = Path("/etc/apache2")
MODULES_DIR = Path("/usr/lib/apache2/modules")
DEBIAN_MOD_WSGI = MODULES_DIR / "mod_wsgi.so"
#: The PATH systemd gives a service (what Apache started by systemd sees).
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Debian's default set (a fresh `apt-get install apache2 libapache2-mod-wsgi-py3`).
DEFAULT_MODULES = ("access_compat", "alias", "auth_basic", "authn_core", "authn_file", "authz_core",
                   "authz_host", "authz_user", "autoindex", "deflate", "dir", "env", "filter", "mime",
                   "mpm_event", "negotiation", "reqtimeout", "setenvif", "status", "wsgi")
DEFAULT_CONFS = ("charset", "localized-error-pages", "other-vhosts-access-log", "security",
                 "serve-cgi-bin")
START_TIMEOUT = 20.0
STOP_GRACE = 1.0
DOCTOR_TIMEOUT = 180.0

#: Debian's apache2.conf without its comments; ServerRoot is set because the server is started
#: with -f only, so nothing falls back to the compiled-in /etc/apache2.
APACHE2_CONF = """\
ServerRoot "{root}"
DefaultRuntimeDir ${{APACHE_RUN_DIR}}
PidFile ${{APACHE_PID_FILE}}
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
User ${{APACHE_RUN_USER}}
Group ${{APACHE_RUN_GROUP}}
HostnameLookups Off
ErrorLog ${{APACHE_LOG_DIR}}/error.log
LogLevel warn
IncludeOptional mods-enabled/*.load
IncludeOptional mods-enabled/*.conf
Include ports.conf
<Directory />
\tOptions FollowSymLinks
\tAllowOverride None
\tRequire all denied
</Directory>
<Directory /usr/share>
\tAllowOverride None
\tRequire all granted
</Directory>
<Directory /var/www/>
\tOptions Indexes FollowSymLinks
\tAllowOverride None
\tRequire all granted
</Directory>
AccessFileName .htaccess
<FilesMatch "^\\.ht">
\tRequire all denied
</FilesMatch>
LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" vhost_combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
LogFormat "%h %l %u %t \\"%r\\" %>s %O" common
LogFormat "%{{Referer}}i -> %U" referer
LogFormat "%{{User-agent}}i" agent
IncludeOptional conf-enabled/*.conf
IncludeOptional sites-enabled/*.conf
"""

ENVVARS = """\
# envvars - default environment variables for apache2ctl (Debian's, with every path in {top})
unset HOME
export APACHE_RUN_USER={user}
export APACHE_RUN_GROUP={group}
export APACHE_PID_FILE={top}/run/apache2.pid
export APACHE_RUN_DIR={top}/run
export APACHE_LOCK_DIR={top}/lock
export APACHE_LOG_DIR={top}/log
export LANG=C
export LANG
"""

#: The application every scenario mounts: it reports where it runs, as JSON.
APP = '''\
import json, sys

def application(environ, start_response):
    try:
        import mod_wsgi
        group = (mod_wsgi.process_group, mod_wsgi.application_group)
    except ImportError:
        group = (None, None)
    body = json.dumps({
        "version": "%d.%d.%d" % sys.version_info[:3],
        "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "path": sys.path, "executable": sys.executable,
        "process_group": group[0], "application_group": group[1],
        "multithread": environ.get("wsgi.multithread"),
        "multiprocess": environ.get("wsgi.multiprocess"),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
'''


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def apache_user() -> tuple[str, str]:
    """Who the children run as: www-data when we are root (as Debian), else ourselves."""
    if os.geteuid() == 0:
        return "www-data", "www-data"
    import grp

    return pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name


@dataclass
class Response:
    """What a request got: an HTTP status and body, or the reason there was none."""

    status: Optional[int]
    body: str = ""
    error: Optional[str] = None

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Start:
    """What happened when the server was started."""

    running: bool
    pid: Optional[int]
    exit_code: Optional[int]
    output: str
    seconds: float


@dataclass
class Doctor:
    """One wsgidoctor run: its exit code and JSON report."""

    argv: list[str]
    exit_code: int
    report: dict[str, Any]
    stderr: str

    def findings(self, *severities: str) -> list[dict[str, Any]]:
        wanted = severities or ("error", "warning", "info")
        return [f for f in self.report.get("findings", []) if f.get("severity") in wanted]

    def ids(self, *severities: str) -> set[str]:
        return {f["id"] for f in self.findings(*severities)}

    def summary(self) -> str:
        lines = [f"{' '.join(self.argv)} -> exit {self.exit_code}"]
        for f in self.findings():
            lines.append(f"  [{f['severity']}] {f['id']}: {f['detail'][:300]}")
        for p in self.report.get("probes", []):
            if p.get("status") not in ("ok", "skipped"):
                lines.append(f"  probe {p['name']}: {p['status']} {p.get('error') or ''}")
        lines.extend(f"  note: {n}" for n in self.report.get("notes", []))
        if self.stderr.strip():
            lines.append("  stderr: " + self.stderr.strip()[-800:])
        return "\n".join(lines)


@dataclass
class Installation:
    """A Debian-style Apache + mod_wsgi installation in a temporary directory (see module doc)."""

    top: Path
    port: int = field(default_factory=free_port)
    server_name: str = "scenario.test"
    modules: list[str] = field(default_factory=lambda: list(DEFAULT_MODULES))
    confs: list[str] = field(default_factory=lambda: list(DEFAULT_CONFS))
    #: Extra shell lines appended to envvars (e.g. ``export LD_LIBRARY_PATH=...``).
    envvars_extra: list[str] = field(default_factory=list)
    #: Directives at server level (a conf-enabled/scenario.conf file).
    server_directives: list[str] = field(default_factory=list)
    #: Directives inside the site's <VirtualHost>.
    vhost_directives: list[str] = field(default_factory=list)
    #: The URL the application is mounted at.
    mount_url: str = "/app"
    #: The WSGI script's source (default: the application reporting where it runs).
    app_source: str = APP
    #: The LoadModule target for wsgi_module.
    mod_wsgi_so: Path = DEBIAN_MOD_WSGI
    #: Where the WSGI script lives, relative to the top directory.
    app_subdir: str = "app"
    #: Whether the site grants access to the script's directory (``<Directory> Require all granted``).
    grant_app: bool = True
    #: A directory bind-mounted on /tmp in the server's mount namespace, as systemd's
    #: PrivateTmp=true does (the installation must then live outside /tmp).
    private_tmp: Optional[Path] = None
    #: Run the doctor in this machine's namespaces, as an administrator would (it finds the server
    #: by --config), rather than inside the server's.
    doctor_outside: bool = False
    process: Optional[subprocess.Popen] = None  # the unshare process
    apache: Optional[ApacheProcess] = None  # the launcher's handle on it
    server_pid: Optional[int] = None  # Apache's parent (pid 1 of its namespace), as seen from here
    namespace: Optional[str] = None  # its PID namespace (``pid:[inode]``)
    started: Optional[Start] = None

    # -- layout ---------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        """ServerRoot and APACHE_CONFDIR (Debian's /etc/apache2)."""
        return self.top / "apache2"

    @property
    def config(self) -> Path:
        return self.root / "apache2.conf"

    @property
    def error_log(self) -> Path:
        return self.top / "log" / "error.log"

    @property
    def app_dir(self) -> Path:
        return self.top / self.app_subdir

    @property
    def script(self) -> Path:
        return self.app_dir / "app.wsgi"

    def write(self) -> None:
        """Write the whole layout from the current settings (idempotent)."""
        user, group = apache_user()
        for d in ("run", "lock", "log", "www", self.app_subdir):
            (self.top / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.top, 0o755)
        for sub in ("mods-available", "conf-available", "mods-enabled", "conf-enabled", "sites-enabled"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("mods-available", "conf-available"):
            src = DEBIAN_CONFDIR / sub
            for f in src.iterdir():
                dst = self.root / sub / f.name
                if f.is_file() and not dst.exists():
                    shutil.copyfile(f, dst)
        (self.root / "mods-available" / "wsgi.load").write_text(
            f"LoadModule wsgi_module {self.mod_wsgi_so}\n")
        for sub in ("mods-enabled", "conf-enabled"):
            for f in (self.root / sub).iterdir():
                f.unlink()
        for mod in self.modules:
            for ext in (".load", ".conf"):
                f = self.root / "mods-available" / f"{mod}{ext}"
                if f.exists():
                    (self.root / "mods-enabled" / f.name).symlink_to(f"../mods-available/{f.name}")
                elif ext == ".load":
                    raise FileNotFoundError(f"{f}: no such module in Debian's mods-available")
        for conf in self.confs:
            (self.root / "conf-enabled" / f"{conf}.conf").symlink_to(f"../conf-available/{conf}.conf")
        if self.server_directives:
            (self.root / "conf-enabled" / "scenario.conf").write_text("\n".join(self.server_directives) + "\n")
        self.config.write_text(APACHE2_CONF.format(root=self.root))
        (self.root / "envvars").write_text(ENVVARS.format(top=self.top, user=user, group=group)
                                           + "".join(line + "\n" for line in self.envvars_extra))
        (self.root / "ports.conf").write_text(f"Listen 127.0.0.1:{self.port}\n")
        (self.top / "www" / "index.html").write_text("<html><body>It works</body></html>\n")
        self.script.write_text(self.app_source)
        alias = f"WSGIScriptAlias {self.mount_url} {self.script}"
        site = [f"<VirtualHost *:{self.port}>",
                f"\tServerName {self.server_name}",
                "\tServerAdmin webmaster@localhost",
                f"\tDocumentRoot {self.top / 'www'}",
                "\tErrorLog ${APACHE_LOG_DIR}/error.log",
                "\tCustomLog ${APACHE_LOG_DIR}/access.log combined",
                *("\t" + d for d in self.vhost_directives),
                f"\t{alias}",
                f"\t<Directory {self.top / 'www'}>",
                "\t\tRequire all granted",
                "\t</Directory>",
                *([f"\t<Directory {self.app_dir}>",
                   "\t\tRequire all granted",
                   "\t</Directory>"] if self.grant_app else []),
                "</VirtualHost>"]
        (self.root / "sites-enabled" / "000-default.conf").write_text("\n".join(site) + "\n")

    # -- environment ----------------------------------------------------------------------------

    def start_environment(self) -> dict[str, str]:
        """envvars sourced in a clean environment holding only systemd's PATH (as apache2ctl)."""
        out = subprocess.run(["/bin/sh", "-c", '. "$1" >/dev/null 2>&1; exec env -0', "sh",
                              str(self.root / "envvars")],
                             env={"PATH": SYSTEMD_PATH}, capture_output=True, timeout=10, check=True)
        env = dict(item.split("=", 1) for item in out.stdout.decode().split("\0") if "=" in item)
        for k in ("PWD", "SHLVL", "_"):
            env.pop(k, None)
        return env

    # -- running --------------------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT) -> Start:
        """Start the server and wait until it listens, or exits (it may refuse to start).

        The server runs as pid 1 of a PID namespace of its own (``unshare --pid --fork
        --mount-proc``, plus ``--ipc`` so its SysV semaphores are its alone): the doctor, run
        inside the same namespace, sees this server and nothing else. On a shared machine other people's throwaway servers (and their unreaped zombies)
        would otherwise be candidates for "the running server". Killing the namespace's pid 1
        makes the kernel kill and reap everything else in it, so a stop leaves nothing behind.
        """
        self.write()
        assert self.process is None, "already started"
        began = time.monotonic()
        out_path = self.top / "log" / "stdout-stderr.txt"
        out_path.write_bytes(b"")
        self.apache = ApacheProcess(
            APACHE2, str(self.config), self.start_environment(), ports=[self.port], output=str(out_path),
            wrapper=["unshare", "--pid", "--ipc", "--fork", "--mount-proc", "--kill-child", "--",
                     *(["/bin/sh", "-c", 'mount --bind "$0" /tmp && exec "$@"', str(self.private_tmp)]
                       if self.private_tmp else [])])
        problem = self.apache.start()
        assert problem is None, problem
        self.process = self.apache.proc
        running = False
        while time.monotonic() - began < timeout:
            if self.server_pid is None:
                self.server_pid = self.apache.server_pid()
                if self.server_pid is not None:
                    self.namespace = _pid_namespace(self.server_pid)
            if self.process.poll() is not None:
                break
            if self._listening() and (self.top / "run" / "apache2.pid").exists():
                running = True
                break
            time.sleep(0.05)
        exit_code = self.process.poll()
        self.started = Start(running=running and exit_code is None, pid=self.server_pid,
                             exit_code=exit_code, output=out_path.read_text(errors="replace"),
                             seconds=time.monotonic() - began)
        return self.started

    def _listening(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def get(self, path: str = "/app", timeout: float = 10.0) -> Response:
        """A GET request to the server; connection failures and timeouts come back as errors."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as r:
                return Response(r.status, r.read().decode(errors="replace"))
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode(errors="replace"))
        except (urllib.error.URLError, OSError) as exc:
            return Response(None, error=str(getattr(exc, "reason", exc)))

    def log_text(self) -> str:
        try:
            return self.error_log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text: str, timeout: float = 10.0) -> bool:
        """Wait until the error log contains ``text``."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if text in self.log_text():
                return True
            time.sleep(0.1)
        return False

    def own_processes(self) -> list[int]:
        """Pids (as seen from here) of the live processes in the server's PID namespace."""
        if self.namespace is None:
            return []
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and _pid_namespace(int(entry)) == self.namespace:
                try:
                    with open(f"/proc/{entry}/stat", "rb") as fh:
                        state = fh.read().rsplit(b")", 1)[1].split()[0]
                except (OSError, IndexError):
                    continue
                if state not in (b"Z", b"X"):
                    pids.append(int(entry))
        return pids

    def wait_exit(self, within: float) -> bool:
        """Whether the server (the unshare process) has exited, waiting up to ``within`` s."""
        try:
            self.process.wait(within)  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            return False
        return True

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.server_pid is not None

    def stop(self) -> None:
        """Stop the server: SIGTERM to its parent, a short grace, then SIGKILL to the namespace's
        pid 1 (the kernel kills and reaps the rest; embedded Python under the event MPM would
        otherwise hold a graceful stop for ~10 s)."""
        if self.process is None:
            return
        self.apache.stop(grace=STOP_GRACE)
        end = time.monotonic() + 5
        while self.own_processes() and time.monotonic() < end:
            time.sleep(0.05)

    # -- the doctor -----------------------------------------------------------------------------

    def wsgidoctor(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``python -m wsgidoctor ARGS`` against this installation, as root from a clean
        environment (``APACHE_CONFDIR`` names its envvars, as for Debian's apache2ctl), with no
        user settings file, inside the server's PID namespace (an empty one if it is not
        running)."""
        settings = self.top / "wsgidoctor.ini"
        settings.write_text("")  # no user settings: nothing silenced by a file on this machine
        argv = [sys.executable, "-m", "wsgidoctor", *args]
        env = {"PATH": SYSTEMD_PATH, "HOME": str(self.top), "LANG": "C.UTF-8",
               "APACHE_CONFDIR": str(self.root), "WSGIDOCTOR_CONFIG": str(settings)}
        inside = self.running()
        if inside and self.doctor_outside:
            prefix = []
        elif inside:
            # Into the server's PID and mount namespaces: it is the only server the doctor sees.
            prefix = ["nsenter", f"--target={self.server_pid}", "--pid", "--mount", "--"]
        else:  # an empty namespace: no server runs, as on a machine where Apache refused to start
            prefix = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "--"]
        proc = subprocess.run(prefix + argv, env=env, cwd=str(self.top), capture_output=True,
                              text=True, timeout=DOCTOR_TIMEOUT)
        if inside and proc.returncode == -signal.SIGKILL and self.wait_exit(5.0):
            # The server exited meanwhile, and the end of its namespace killed the doctor too.
            return self.wsgidoctor(*args)
        return proc

    def target(self) -> list[str]:
        """The options that point wsgidoctor at this installation."""
        return ["--httpd", APACHE2, "--config", str(self.config), "--no-plugins"]

    def doctor(self, *extra: str, live: bool = False) -> Doctor:
        """``wsgidoctor report --json --no-redact`` on this installation, parsed."""
        args = ["report", "--json", "--no-redact", *self.target(), *extra] + (["--live"] if live else [])
        proc = self.wsgidoctor(*args)
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"wsgidoctor printed no JSON report (exit {proc.returncode}):\n"
                                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}") from None
        return Doctor(["wsgidoctor", *args], proc.returncode, report, proc.stderr)


def _pid_namespace(pid: int) -> Optional[str]:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def new_top(prefix: str = "wsgidoctor-scenario-", parent: str = "/tmp") -> Path:
    """A fresh temporary directory Apache's user can traverse (pytest's own is 0700 under /tmp)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def make_venv(python: Path, target: Path) -> Path:
    """A virtual environment made by ``python -m venv --without-pip`` (no network, ~0.1 s)."""
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(target)], check=True,
                   capture_output=True, timeout=120)
    return target
