"""The reader against httpd itself: same files, same Defines, same virtual hosts and names.

A configuration using every reading feature is read by wsgidoctor and dumped by Debian's real
apache2 (``-t -D DUMP_INCLUDES -D DUMP_VHOSTS -D DUMP_RUN_CFG``); the two must agree.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.live_helpers import HTTPD, MODULES, needs_apache
from wsgidoctor.config.dumps import parse_dump
from wsgidoctor.config.model import build_model
from wsgidoctor.config.reader import read_config

pytestmark = [pytest.mark.apache, needs_apache]

STATIC = ["core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c", "mod_logio.c",
          "mod_version.c", "mod_unixd.c"]


def test_reader_and_httpd_agree_on_a_configuration_using_every_reading_feature(tmp_path):
    root = tmp_path
    (root / "conf.d").mkdir()
    (root / "sites").mkdir()
    (root / "sites" / "deep").mkdir()
    (root / "httpd.conf").write_text(f"""\
ServerRoot {root}
ErrorLog {root}/error.log
PidFile {root}/httpd.pid
Define SITE_DIR sites
Define FROM_ENV ${{WSGIDOCTOR_TEST_VAR}}
LoadModule mpm_event_module {MODULES}/mod_mpm_event.so
<IfModule mod_wsgi.c>
    Define WSGI_TOO_EARLY
</IfModule>
LoadModule \\
    wsgi_module {MODULES}/mod_wsgi.so
<IfModule wsgi_module>
    Define WSGI_LOADED
    <IfDefine !NOT_SET>
        Define NESTED_NEGATION
    </IfDefine>
</IfModule>
<IfVersion >= 2.4.10>
    Define VERSION_OK
</IfVersion>
<IfVersion < 2.4>
    Define TOO_OLD
</IfVersion>
<IfFile conf.d>
    Define HAS_CONF_D
</IfFile>
Define TEMPORARY
UnDefine TEMPORARY
Include conf.d/*.conf
IncludeOptional nothing-here/*.conf
Include ${{SITE_DIR}}
Listen 18301
Listen 18302
""")
    (root / "conf.d" / "b.conf").write_text("<IfDefine WSGI_LOADED>\n  Define FROM_B\n</IfDefine>\n")
    (root / "conf.d" / "a.conf").write_text("ServerName main.example\n")
    (root / "sites" / "one.conf").write_text(
        "<VirtualHost *:18301>\n  ServerName one.example\n  ServerAlias www.one.example\n</VirtualHost>\n"
        "<VirtualHost *:18301>\n  ServerName two.example\n</VirtualHost>\n")
    (root / "sites" / "deep" / "three.conf").write_text(
        "<IfDefine VERSION_OK>\n<VirtualHost 127.0.0.1:18302>\n  ServerName three.example:18302\n"
        "</VirtualHost>\n</IfDefine>\n<IfDefine TOO_OLD>\n<VirtualHost *:18303>\n</VirtualHost>\n</IfDefine>\n")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "WSGIDOCTOR_TEST_VAR": "from-the-environment"}
    tree = read_config(str(root / "httpd.conf"), str(root), environ=env, static_modules=STATIC,
                       apache_version=(2, 4, 71))
    res = subprocess.run([HTTPD, "-d", str(root), "-f", str(root / "httpd.conf"), "-t", "-D", "DUMP_INCLUDES",
                          "-D", "DUMP_VHOSTS", "-D", "DUMP_RUN_CFG"], env=env, capture_output=True, text=True,
                         timeout=30)
    dump = parse_dump(res.stdout + res.stderr)
    assert res.returncode == 0, res.stderr

    assert [i["path"] for i in dump["includes"]] == tree.files
    httpd_defines = {k: v for k, v in dump["defines"].items() if not k.startswith("DUMP_")}
    mine = {d: tree.variables.get(d, True) for d in tree.defines}
    assert mine == httpd_defines
    assert httpd_defines["FROM_ENV"] == "from-the-environment" and "TEMPORARY" not in httpd_defines

    model = build_model(tree)
    httpd_vhosts = sorted((v["file"], v["line"], v["server_name"]) for v in dump["vhosts"])
    my_vhosts = sorted((s.section.file, s.section.line, s.server_name) for s in model.servers[1:])
    assert my_vhosts == httpd_vhosts
    aliases = {v["server_name"]: v["aliases"] for v in dump["vhosts"]}
    by_name = {s.server_name: s for s in model.servers[1:]}
    assert aliases["one.example"] == list(by_name["one.example"].aliases) == ["www.one.example"]
    # a directory include reads sub-directories in name order too: deep/ before one.conf
    assert os.path.basename(model.servers[1].section.file) == "three.conf"
    assert by_name["three.example"].server_port == 18302
