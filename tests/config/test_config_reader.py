"""Reading configurations as httpd does: includes, variables, conditionals, sections, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from wsgidoctor.config.reader import read_config

DEBIAN_STATIC = ["core.c", "mod_so.c", "mod_watchdog.c", "http_core.c", "mod_log_config.c",
                 "mod_logio.c", "mod_version.c", "mod_unixd.c"]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def where(tree, name):
    return [(os.path.relpath(d.file, tree.server_root), d.line, d.args) for d in tree.named(name)]


def test_includes_globs_relative_to_server_root_in_sorted_order(tmp_path):
    write(tmp_path, "main.conf", "Include conf.d/*.conf\nIncludeOptional nothing/*.conf\nInclude sites\nUser a\n")
    write(tmp_path, "conf.d/20-b.conf", "Listen 2\n")
    write(tmp_path, "conf.d/10-a.conf", "Listen 1\n")
    write(tmp_path, "conf.d/.hidden.conf", "Listen 99\n")
    write(tmp_path, "conf.d/notes.txt", "Listen 98\n")
    write(tmp_path, "sites/b/x.conf", "Listen 4\n")
    write(tmp_path, "sites/a.conf", "Listen 3\n")
    tree = read_config("main.conf", str(tmp_path))
    assert where(tree, "Listen") == [("conf.d/10-a.conf", 1, ("1",)), ("conf.d/20-b.conf", 1, ("2",)),
                                     ("sites/a.conf", 1, ("3",)), ("sites/b/x.conf", 1, ("4",))]
    assert tree.notes == []
    assert [os.path.relpath(f, tmp_path) for f in tree.files] == [
        "main.conf", "conf.d/10-a.conf", "conf.d/20-b.conf", "sites/a.conf", "sites/b/x.conf"]


def test_wildcards_in_directory_components(tmp_path):
    write(tmp_path, "httpd.conf", "Include vhosts/*/site.conf\n")
    write(tmp_path, "vhosts/one/site.conf", "ServerAlias one\n")
    write(tmp_path, "vhosts/two/site.conf", "ServerAlias two\n")
    write(tmp_path, "vhosts/file.conf", "ServerAlias never\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [d.args[0] for d in tree.named("ServerAlias")] == ["one", "two"]


def test_define_variables_and_start_environment(tmp_path):
    write(tmp_path, "httpd.conf", "Define APP /srv/app\nUser ${APACHE_RUN_USER}\n"
                                  "WSGIScriptAlias / ${APP}/wsgi.py\nGroup ${NOT_SET}\n")
    tree = read_config("httpd.conf", str(tmp_path), environ={"APACHE_RUN_USER": "www-data"})
    assert tree.named("User")[0].args == ("www-data",)
    assert tree.named("WSGIScriptAlias")[0].args == ("/", "/srv/app/wsgi.py")
    assert tree.named("Group")[0].args == ("${NOT_SET}",)  # httpd keeps it literally
    assert [(n.kind, n.line, n.fatal) for n in tree.notes] == [("undefined-variable", 4, False)]


def test_ifmodule_sees_static_modules_and_loadmodule_lines_read_so_far(tmp_path):
    write(tmp_path, "httpd.conf", """\
<IfModule mod_wsgi.c>
  Define EARLY
</IfModule>
LoadModule wsgi_module /usr/lib/apache2/modules/mod_wsgi.so
<IfModule mod_wsgi.c>
  WSGIPythonHome /srv/venv
</IfModule>
<IfModule !wsgi_module>
  WSGIPythonHome /never
</IfModule>
<IfModule version_module>
  <IfVersion >= 2.4.60>
    Define NEW_APACHE
  </IfVersion>
  <IfVersion < 2.4>
    Define OLD_APACHE
  </IfVersion>
</IfModule>
<IfModule mod_python.c>
  <VirtualHost *:80>
    PythonHandler never
  </VirtualHost>
</IfModule>
""")
    tree = read_config("httpd.conf", str(tmp_path), static_modules=DEBIAN_STATIC, apache_version=(2, 4, 71))
    assert [d.args for d in tree.named("WSGIPythonHome")] == [("/srv/venv",)]
    assert tree.named("WSGIPythonHome")[0].sections == ()  # conditionals are not sections
    assert "EARLY" not in tree.defines
    assert "NEW_APACHE" in tree.defines and "OLD_APACHE" not in tree.defines
    assert tree.named("PythonHandler") == []
    assert tree.notes == []


def test_ifdefine_uses_command_line_defines_and_define_directives(tmp_path):
    write(tmp_path, "httpd.conf", """\
<IfDefine WITH_DAEMON>
  WSGIDaemonProcess cli
</IfDefine>
Define LATER
<IfDefine LATER>
  WSGIDaemonProcess from_define
</IfDefine>
<IfDefine !LATER>
  WSGIDaemonProcess never
</IfDefine>
UnDefine LATER
<IfDefine LATER>
  WSGIDaemonProcess never2
</IfDefine>
""")
    tree = read_config("httpd.conf", str(tmp_path), defines=["WITH_DAEMON"])
    assert [d.args[0] for d in tree.named("WSGIDaemonProcess")] == ["cli", "from_define"]


def test_sections_are_recorded_outermost_first_with_case_insensitive_names(tmp_path):
    write(tmp_path, "httpd.conf", """\
<virtualhost *:8080>
    servername app.example
    Include app.conf
    <location /app>
        wsgiprocessgroup app
    </LOCATION>
</VirtualHost>
""")
    write(tmp_path, "app.conf", "<Directory /srv/app>\n  WSGIApplicationGroup %{GLOBAL}\n</Directory>\n")
    tree = read_config("httpd.conf", str(tmp_path))
    ag = tree.named("WSGIApplicationGroup")[0]
    assert [s.opener for s in ag.sections] == ["<VirtualHost *:8080>", "<Directory /srv/app>"]
    assert (os.path.basename(ag.file), ag.line) == ("app.conf", 2)
    pg = tree.named("WSGIProcessGroup")[0]
    assert pg.name == "WSGIProcessGroup"  # documented spelling whatever the case written
    assert pg.to_json()["sections"] == ["<VirtualHost *:8080>", "<Location /app>"]
    assert tree.named("ServerName")[0].name == "ServerName"


def test_include_loop_is_a_note_not_an_exception(tmp_path):
    write(tmp_path, "httpd.conf", "Include a.conf\nUser after\n")
    write(tmp_path, "a.conf", "Listen 1\nInclude b.conf\n")
    write(tmp_path, "b.conf", "Include a.conf\nListen 2\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [d.args[0] for d in tree.named("Listen")] == ["1", "2"]
    assert tree.named("User")[0].args == ("after",)
    loops = [n for n in tree.notes if n.kind == "include-loop"]
    assert len(loops) == 1 and loops[0].fatal
    assert (os.path.basename(loops[0].file), loops[0].line) == ("b.conf", 1)


def test_a_file_including_itself(tmp_path):
    write(tmp_path, "httpd.conf", "Listen 1\nInclude httpd.conf\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [n.kind for n in tree.notes] == ["include-loop"]


def test_missing_files_are_notes(tmp_path):
    write(tmp_path, "httpd.conf", "Include missing.conf\nInclude none/*.conf\nIncludeOptional none/*.conf\n"
                                  "IncludeOptional gone.conf\nUser x\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [(n.kind, n.line, n.fatal) for n in tree.notes] == [
        ("missing-file", 1, True), ("missing-file", 2, True)]
    assert tree.named("User")[0].args == ("x",)
    missing_root = read_config("nowhere.conf", str(tmp_path))
    assert missing_root.directives == [] and missing_root.notes[0].kind == "missing-file"


def test_unbalanced_sections_are_notes(tmp_path):
    write(tmp_path, "httpd.conf", """\
<VirtualHost *:80>
  ServerName a
</Directory>
  ServerAlias b
</VirtualHost>
</VirtualHost>
Include open.conf
User x
""")
    write(tmp_path, "open.conf", "<Directory /srv>\n  Require all granted\n")
    tree = read_config("httpd.conf", str(tmp_path))
    kinds = [(n.kind, os.path.basename(n.file), n.line) for n in tree.notes]
    assert kinds == [("unbalanced-section", "httpd.conf", 3), ("unbalanced-section", "httpd.conf", 6),
                     ("unbalanced-section", "open.conf", 1)]
    assert tree.named("ServerAlias")[0].sections[0].name == "VirtualHost"
    assert tree.named("User")[0].sections == ()  # the unclosed <Directory> ends with its file


def test_unknown_directives_are_kept_as_written(tmp_path):
    write(tmp_path, "httpd.conf", "FrobnicateWidgets on 3\nWSGIScriptAlais / /x.wsgi\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [(d.name, d.args) for d in tree.directives] == [
        ("FrobnicateWidgets", ("on", "3")), ("WSGIScriptAlais", ("/", "/x.wsgi"))]


def test_server_root_directive_changes_later_relative_includes(tmp_path):
    write(tmp_path, "etc/httpd.conf", f"ServerRoot {tmp_path}/other\nInclude conf/x.conf\n")
    write(tmp_path, "other/conf/x.conf", "Listen 7\n")
    tree = read_config(str(tmp_path / "etc/httpd.conf"), str(tmp_path / "etc"))
    assert tree.named("Listen")[0].args == ("7",)
    assert tree.server_root == str(tmp_path / "other")


def test_macros_are_expanded_where_used(tmp_path):
    write(tmp_path, "httpd.conf", """\
<Macro App $name $port>
<VirtualHost *:$port>
  ServerName $name.example
  WSGIDaemonProcess $name
</VirtualHost>
</Macro>
Use App shop 8081
Use App blog 8082
""")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [(d.args[0], d.sections[0].args) for d in tree.named("WSGIDaemonProcess")] == [
        ("shop", "*:8081"), ("blog", "*:8082")]


def test_debian_configuration_matches_httpds_own_include_dump():
    """The reader finds the files httpd itself reports, in the same order."""
    if not os.path.isfile("/etc/apache2/apache2.conf") or not shutil.which("apache2"):
        pytest.skip("Debian apache2 not installed")
    env = dict(line.split("=", 1) for line in subprocess.run(
        ["env", "-i", "sh", "-c", ". /etc/apache2/envvars; env"], capture_output=True, text=True
    ).stdout.splitlines() if "=" in line)
    tree = read_config("/etc/apache2/apache2.conf", "/etc/apache2", environ=env,
                       static_modules=DEBIAN_STATIC, apache_version=(2, 4, 71))
    dump = subprocess.run([shutil.which("apache2"), "-d", "/etc/apache2", "-f", "apache2.conf", "-t", "-D", "DUMP_INCLUDES"],
                          env=env, capture_output=True, text=True).stdout
    from wsgidoctor.config.dumps import parse_dump

    assert [i["path"] for i in parse_dump(dump)["includes"]] == tree.files
    assert tree.notes == []


def test_unreadable_file_is_a_note(tmp_path_factory):
    """Run as an unprivileged user (root reads everything) against a file it may not read."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv or not os.path.exists("/usr/bin/python3"):
        pytest.skip("needs root, setpriv and /usr/bin/python3")
    base = Path(tempfile.mkdtemp(prefix="wsgidoctor-unreadable-"))
    try:
        base.chmod(0o755)
        write(base, "httpd.conf", "Include secret.conf\nUser x\n")
        secret = write(base, "secret.conf", "WSGIPythonHome /srv\n")
        secret.chmod(0o600)
        (base / "httpd.conf").chmod(0o644)
        code = ("import json,sys; sys.path.insert(0, sys.argv[1]);"
                "from wsgidoctor.config.reader import read_config;"
                "t = read_config(sys.argv[2]);"
                "print(json.dumps([n.to_json() for n in t.notes] + [[d.name for d in t.directives]]))")
        root = str(Path(__file__).resolve().parents[2])
        res = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                              "/usr/bin/python3", "-c", code, root, str(base / "httpd.conf")],
                             capture_output=True, text=True, timeout=30)
        if res.returncode != 0 and "Permission denied" in res.stderr and "wsgidoctor" in res.stderr:
            pytest.skip("the source tree is not readable by nobody")
        *notes, names = json.loads(res.stdout)
        assert names == ["Include", "User"]
        assert [(n["kind"], n["line"], n["fatal"]) for n in notes] == [("unreadable-file", 1, True)]
        assert "Permission denied" in notes[0]["text"]
    finally:
        shutil.rmtree(base)


def test_only_regular_files_are_read_as_httpd_does(tmp_path):
    os.mkfifo(tmp_path / "pipe.conf")
    write(tmp_path, "httpd.conf", "Include pipe.conf\nInclude /dev/null\nUser x\n")
    tree = read_config("httpd.conf", str(tmp_path))  # a FIFO would block a naive reader forever
    assert [(n.kind, n.line) for n in tree.notes] == [("unreadable-file", 1)]
    assert "not a regular file" in tree.notes[0].text
    assert tree.named("User")[0].args == ("x",)


def test_a_directory_that_links_to_itself(tmp_path):
    write(tmp_path, "conf.d/x.conf", "Listen 1\n")
    os.symlink(tmp_path / "conf.d", tmp_path / "conf.d" / "again")
    write(tmp_path, "httpd.conf", "Include conf.d\nUser x\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [n.kind for n in tree.notes] == ["missing-file"]
    assert "maximum include directory nesting level" in tree.notes[0].text


def test_recursive_macros_and_runaway_expansion_are_stopped(tmp_path):
    write(tmp_path, "httpd.conf", "<Macro A>\nUse B\n</Macro>\n<Macro B>\nUse A\n</Macro>\nUse A\nUser x\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert [n.kind for n in tree.notes] == ["macro-recursion"] and "A -> B" in tree.notes[0].text
    doubling = "<Macro L0>\nServerAlias x\n</Macro>\n" + "".join(
        f"<Macro L{i}>\nUse L{i - 1}\nUse L{i - 1}\n</Macro>\n" for i in range(1, 30)) + "Use L29\n"
    write(tmp_path, "httpd.conf", doubling)
    tree = read_config("httpd.conf", str(tmp_path))
    assert [n.kind for n in tree.notes] == ["too-large"] and len(tree.directives) < 100_000


def test_variables_doubling_at_every_line_stop_at_httpds_line_limit(tmp_path):
    lines = ["Define V0 0123456789abcdef"] + [f"Define V{i} ${{V{i - 1}}}${{V{i - 1}}}" for i in range(1, 40)]
    write(tmp_path, "httpd.conf", "\n".join(lines) + "\nServerName ${V39}\n")
    tree = read_config("httpd.conf", str(tmp_path))
    assert max(len(v) for v in tree.variables.values()) <= 16 * 1024 * 1024
    assert "too-large" in {n.kind for n in tree.notes}
