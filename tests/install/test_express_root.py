"""A real mod_wsgi-express 6.1.1 root (setup-server --processes 2 --threads 3 --mount-point /app,
captured in fixtures/express/, its directory written as @WHERE@): how its apachectl runs httpd, and
the mount its httpd.conf makes through WSGIHandlerScript and a RewriteRule [H=wsgi-handler]."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.config.model import build_model
from wsgidoctor.config.reader import ConfigTree, read_config
from wsgidoctor.install import express
from wsgidoctor.wsgi.predict import predict_mounts

CAPTURED = FIXTURES / "express" / "setup-server-6.1.1"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The captured root, placed at tmp_path/root (as if setup-server had written it there)."""
    where = tmp_path / "root"
    where.mkdir()
    for f in CAPTURED.iterdir():
        (where / f.name).write_text(f.read_text().replace("@WHERE@", str(tmp_path)))
    (where / "apachectl").chmod(0o755)
    (where / "htdocs" / "app").mkdir(parents=True)
    return where


def test_the_apachectl_says_which_httpd_config_and_defines(root):
    found = express.express_root(str(root))
    assert found is not None and found == express.express_root(str(root / "httpd.conf"))
    assert found.httpd == "/usr/sbin/apache2"
    assert found.config_file == str(root / "httpd.conf")
    assert {"MOD_WSGI_MULTIPROCESS", "MOD_WSGI_MPM_ENABLE_EVENT_MODULE", "MOD_WSGI_WITH_LISTENER_HOST"} <= set(found.defines)
    assert express.from_cmdline(["apache2 (mod_wsgi-express)", "-f", str(root / "httpd.conf"), "-k", "start"]) == found


def test_an_ordinary_apachectl_is_not_an_express_root(tmp_path):
    (tmp_path / "apachectl").write_text("#!/bin/sh\nHTTPD=/usr/sbin/httpd\nexec $HTTPD \"$@\"\n")
    assert express.express_root(str(tmp_path)) is None
    assert express.express_root(str(tmp_path / "missing")) is None


def test_its_environment_is_sourced_without_running_httpd(root, tmp_path):
    marker = tmp_path / "httpd-ran"
    text = (root / "apachectl").read_text().replace('HTTPD="/usr/sbin/apache2"', f'HTTPD="touch {marker}"')
    (root / "apachectl").write_text(text)
    found = express.express_root(str(root))
    done = subprocess.run(["/bin/sh", "-c", express.environment_script(found)], capture_output=True,
                          env={"PATH": "/usr/bin:/bin"}, cwd=str(root), check=True)
    env = dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)
    assert env["MOD_WSGI_MODULES_DIRECTORY"] == "/usr/lib/apache2/modules"
    assert env["MOD_WSGI_SERVER_ROOT"] == str(root)
    assert env["MOD_WSGI_USER"] == "www-data"
    assert not marker.exists()


def read_root(root: Path) -> ConfigTree:
    """The root's httpd.conf read as its apachectl has httpd read it (its environment and -D flags)."""
    found = express.express_root(str(root))
    env = {"MOD_WSGI_MODULES_DIRECTORY": "/usr/lib/apache2/modules", "MOD_WSGI_USER": "www-data",
           "MOD_WSGI_GROUP": "www-data", "MOD_WSGI_SERVER_ROOT": str(root)}
    return read_config(found.config_file, str(root), environ=env, defines=found.defines,
                       static_modules=["core.c", "mod_so.c"], apache_version=(2, 4, 62))


def test_the_express_mount_is_predicted_in_its_daemon_group(root):
    model = build_model(read_root(root))
    handler = [a for a in model.aliases if a.handler]
    assert [(a.handler, a.url, a.via.name) for a in handler] == [("wsgi-handler", "/app", "RewriteRule")]
    mounts = predict_mounts(model, local_host="localhost")
    assert len(mounts) == 1
    m = mounts[0]
    port = next(p for p in model.listen)
    assert (m.process_group, m.application_group) == (f"127.0.0.1:{port}", "")
    assert (m.multithread, m.multiprocess) == (True, True)
    assert m.daemon is not None and m.daemon.threads == 3
    assert m.script == str(root / "handler.wsgi")
