"""mod_wsgi-express roots: `setup-server` with daemon mode and several mounts, run by
`start-server` (pip's mod_wsgi against Debian's Apache), asked and examined like the others."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional

from tests.platforms import installations as inst
from tests.support import platform_servers, source_builds

MOUNTS = {"/shop": "/shop/", "/extra": "/extra"}  # mount -> the path asked (express redirects /shop)


def installation() -> Optional[inst.Installation]:
    venv = source_builds.pip_venv("debian")
    if venv is None:
        return None
    return inst.Installation("express", "mod_wsgi-express setup-server/start-server root (pip's mod_wsgi, "
                             "Debian 12's apache2), daemon mode, mounts /shop and /extra, a url-alias",
                             "/usr/sbin/apache2", "")


def express_args(app: Path, root: Path, port: int, extra_conf: Path, static: Path) -> list[str]:
    return [str(app), "--server-root", str(root), "--host", "127.0.0.1", "--port", str(port),
            "--user", "www-data", "--group", "www-data", "--processes", "2", "--threads", "3",
            "--mount-point", "/shop", "--url-alias", "/static", str(static), "--include-file", str(extra_conf),
            "--log-level", "info"]


def observe(installation: inst.Installation) -> inst.Observation:
    venv = source_builds.pip_venv("debian")
    assert venv is not None
    work = Path(tempfile.mkdtemp(prefix="wsgidoctor-express-"))
    os.chmod(work, 0o755)
    for sub in ("app", "static"):
        (work / sub).mkdir()
        os.chmod(work / sub, 0o755)
    app = work / "app" / "answer.wsgi"
    shutil.copyfile(inst.APP, app)
    os.chmod(app, 0o644)
    (work / "static" / "hello.txt").write_text("hello\n")
    root = work / "server"
    port = platform_servers.free_port()
    # A second WSGI mount, in express's own daemon group (named after the host and port).
    extra = work / "extra.conf"
    extra.write_text(f'WSGIScriptAlias /extra "{app}" process-group=127.0.0.1:{port} application-group=%{{GLOBAL}}\n'
                     f'<Directory "{work}/app">\n    Require all granted\n</Directory>\n')
    env = {"PATH": f"{venv}/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": "/root"}
    conf = str(root / "httpd.conf")
    report_argv = [installation.wsgidoctor(), "report", "--json", "--no-redact", "--config", conf]
    try:
        # what `start-server` does: setup-server, then the root's apachectl start in the foreground
        setup = source_builds.express(venv, "setup-server", *express_args(app, root, port, extra, work / "static"))
        assert setup.returncode == 0, setup.stdout + setup.stderr
        server = platform_servers.start_control(root / "apachectl", root=work, port=port, env=env,
                                                pid_file=root / "httpd.pid", log_name="server/error_log", wait=60)
        try:
            header = inst.server_header_at(server, "/shop/")
            answers = {m: server.ask(path) for m, path in MOUNTS.items()}
            static_status = server.get("/static/hello.txt")[0]
            parent_maps = inst.mapped_files(server.pid)
            libs = {m: platform_servers.mapped_libpython(a["pid"]) for m, a in answers.items()}
            report_proc = installation.command(report_argv)
            report = inst.parse_json(report_proc)
        finally:
            server.stop()
        log = server.error_log()
        live = inst.parse_json(installation.command(report_argv + ["--live"]))
        check = installation.command([installation.wsgidoctor(), "check", "--live", "--config", conf])
        httpd_l = installation.command([installation.httpd, "-l"]).stdout
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return inst.Observation(installation, header, answers, parent_maps, libs, httpd_l, log, report,
                            report_proc.returncode, live, check, conf, extra={"static_status": static_status})


def capture(venv: Path, target: Path) -> None:
    """Write a setup-server root's httpd.conf, apachectl and envvars into ``target`` (fixtures)."""
    work = Path(tempfile.mkdtemp(prefix="wsgidoctor-express-"))
    try:
        (work / "static").mkdir()
        app = work / "answer.wsgi"
        shutil.copyfile(inst.APP, app)
        extra = work / "extra.conf"
        extra.write_text(f'WSGIScriptAlias /extra "{app}" process-group=127.0.0.1:8051 application-group=%{{GLOBAL}}\n')
        root = work / "server"
        out = source_builds.express(venv, "setup-server", *express_args(app, root, 8051, extra, work / "static"))
        assert out.returncode == 0, out.stderr
        target.mkdir(parents=True, exist_ok=True)
        for name in ("httpd.conf", "apachectl", "envvars"):
            shutil.copyfile(root / name, target / name)
        (target / "setup-server.txt").write_text(out.stdout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
