"""Hostile Apache configurations through the config reader: loops, depth, blow-ups, odd files.

The config probe reads files as httpd would (``wsgidoctor.config.reader.read_config``), builds
the model and predicts the mounts. Whatever the files say - include loops, includes of
themselves through a glob, sections nested thousands deep, macros that use themselves,
variables that double at every line, FIFOs and devices, 10 MB lines, binary garbage - that must
end, in bounded time and memory, with notes rather than an exception.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.fuzzing import EXPLORE, SEED_LINES, TOKENS, time_limit
from wsgidoctor.config.dumps import parse_dump
from wsgidoctor.config.model import build_model
from wsgidoctor.wsgi.predict import predict_mounts
from wsgidoctor.config.reader import read_config

pytestmark = pytest.mark.slow

CONFIG_EXAMPLES = max(50, int(os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES") or 10_000) // 25)
LIMIT = 20.0


def read_everything(main: Path, root: Path, limit: float = LIMIT) -> dict[str, Any]:
    """What the config probe does with a configuration, as JSON: read, model, predictions."""
    with time_limit(limit, "read_config/build_model/predict_mounts"):
        tree = read_config(str(main), str(root), environ={"APACHE_LOG_DIR": "/var/log/apache2"},
                           defines=["FOREGROUND"], static_modules=["core.c", "mod_so.c"],
                           apache_version=(2, 4, 62))
        model = build_model(tree)
        mounts = predict_mounts(model, environ={}, local_host="localhost")
        out = {"files": tree.files, "directives": [d.to_json() for d in tree.directives],
               "notes": [n.to_json() for n in tree.notes], "servers": [s.to_json() for s in model.servers],
               "daemons": [d.to_json() for d in model.daemons], "mounts": [m.to_json() for m in mounts]}
        json.dumps(out)
    return out


def note_kinds(result: dict[str, Any]) -> set[str]:
    return {n["kind"] for n in result["notes"]}


# --- generated configurations ---------------------------------------------------------------------

FILES = ["main.conf", "a.conf", "b.conf", "conf.d/x.conf", "conf.d/y.conf"]
#: Include targets stay inside the temporary ServerRoot: "..", "/tmp" or "ServerRoot /" would read
#: whatever else is on the machine (other users' FIFOs included).
TARGETS = FILES + ["*.conf", "conf.d/*.conf", "conf.d", "conf.d/", "/nonexistent/*.conf", "missing.conf",
                   "${INC}", ".", "/dev/null", "*"]
SECTIONS = ["IfModule mod_so.c", "IfModule !mod_wsgi.c", "IfModule wsgi_module", "IfDefine FOREGROUND",
            "IfDefine !X", "VirtualHost *:80", "VirtualHost 127.0.0.1:8080", "Directory /srv/app",
            "Location /", "Files app.wsgi", "IfVersion >= 2.4", "IfVersion ~ ^2", "IfVersion /[/",
            "IfFile /etc/hostname", "IfDirective WSGIScriptAlias", "Macro M $a", "Macro N", "DirectoryMatch ^/(", "If"]
LINES = st.one_of(
    st.sampled_from(TARGETS).map(lambda t: f"Include {t}"),
    st.sampled_from(TARGETS).map(lambda t: f"IncludeOptional {t}"),
    st.sampled_from(SECTIONS).map(lambda s: f"<{s}>"),
    st.sampled_from(SECTIONS).map(lambda s: f"</{s.split()[0]}>"),
    st.sampled_from(["Use M x", "Use M", "Use N", "Use Missing 1", "Define INC a.conf", "Define V ${V}${V}",
                     "Define X", "UnDefine X", "ServerRoot conf.d", "ServerRoot ${NOPE}", "LoadModule wsgi_module mod_wsgi.so",
                     "User www-data", "ServerName ${X}:80", "Listen 80", "Listen [::]:8080",
                     "WSGIDaemonProcess app processes=2 threads=15 python-path=/srv display-name=%{GROUP}",
                     "WSGIDaemonProcess app", "WSGIProcessGroup %{ENV:GROUP}", "WSGIProcessGroup app",
                     "WSGIApplicationGroup %{GLOBAL}", "WSGIScriptAlias / /srv/app.wsgi process-group=app",
                     "WSGIScriptAliasMatch ^/(.*)$ /srv/$1.wsgi", "WSGIScriptAliasMatch ^/([ /srv/x",
                     "WSGIScriptAlias", "WSGIRestrictEmbedded On", "SetEnv GROUP app", "\\", "Foo \\", "# comment",
                     '"unterminated', "<", "</>", "<>", "ServerLimit 99999999999999999999", "StartServers -1",
                     "ThreadsPerChild abc", "MaxRequestWorkers 0"]),
    st.sampled_from(SEED_LINES).map(lambda b: b.decode("latin-1")),
    st.text(st.characters(blacklist_categories=()), max_size=80),
)


@settings(max_examples=CONFIG_EXAMPLES, deadline=None, database=None, derandomize=not EXPLORE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.fixed_dictionaries({name: st.lists(LINES, max_size=25) for name in FILES}),
       newline=st.sampled_from(["\n", "\r\n"]), encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_generated_configurations(files, newline, encoding):
    with tempfile.TemporaryDirectory(prefix="wsgidoctor-fuzz-") as tmp:
        root = Path(tmp)
        (root / "conf.d").mkdir()
        for name, lines in files.items():
            errors = "surrogatepass" if encoding.startswith("utf") else "replace"
            (root / name).write_bytes(newline.join(lines).encode(encoding, errors))
        read_everything(root / "main.conf", root)


# --- the classic attacks --------------------------------------------------------------------------

def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / next(iter(files))


def test_include_loop_between_two_files_ends_with_a_note(tmp_path):
    main = write(tmp_path, {"main.conf": "Include a.conf\n", "a.conf": "Include b.conf\n",
                            "b.conf": "Include a.conf\nServerName x\n"})
    assert "include-loop" in note_kinds(read_everything(main, tmp_path))


def test_a_glob_that_includes_its_own_file_ends(tmp_path):
    main = write(tmp_path, {"main.conf": "Include *.conf\n", "other.conf": "Include *.conf\n"})
    assert "include-loop" in note_kinds(read_everything(main, tmp_path))


def test_an_include_chain_deeper_than_httpd_allows_ends(tmp_path):
    files = {f"f{i}.conf": f"Include f{i + 1}.conf\n" for i in range(300)}
    main = write(tmp_path, files)
    result = read_everything(main, tmp_path)
    assert "include-loop" in note_kinds(result) and len(result["files"]) <= 130


def test_sections_nested_five_thousand_deep(tmp_path):
    depth = 5000
    text = "".join(f"<Directory /d{i}>\n" for i in range(depth)) + "ServerName deep\n" + "</Directory>\n" * depth
    main = write(tmp_path, {"main.conf": text})
    result = read_everything(main, tmp_path)
    assert len(result["directives"][0]["sections"]) == depth


def test_ten_thousand_unclosed_sections(tmp_path):
    main = write(tmp_path, {"main.conf": "<IfModule mod_so.c>\n<VirtualHost *:80>\n" * 5000})
    assert "unbalanced-section" in note_kinds(read_everything(main, tmp_path))


def test_closing_tags_without_openers(tmp_path):
    main = write(tmp_path, {"main.conf": "</VirtualHost>\n</Directory>\n</IfModule>\n" * 3000})
    assert "unbalanced-section" in note_kinds(read_everything(main, tmp_path))


def test_a_macro_that_uses_itself(tmp_path):
    main = write(tmp_path, {"main.conf": "<Macro Loop>\nUse Loop\n</Macro>\nUse Loop\n"})
    assert "macro-recursion" in note_kinds(read_everything(main, tmp_path))


def test_two_macros_that_use_each_other(tmp_path):
    main = write(tmp_path, {"main.conf": "<Macro A>\nUse B\n</Macro>\n<Macro B>\nUse A\n</Macro>\nUse A\n"})
    assert "macro-recursion" in note_kinds(read_everything(main, tmp_path))


def test_macros_that_double_at_every_level(tmp_path):
    levels = 24
    text = "<Macro L0>\nServerAlias x\n</Macro>\n" + "".join(
        f"<Macro L{i}>\nUse L{i - 1}\nUse L{i - 1}\n</Macro>\n" for i in range(1, levels + 1)) + f"Use L{levels}\n"
    main = write(tmp_path, {"main.conf": text})
    assert "too-large" in note_kinds(read_everything(main, tmp_path, limit=60.0))


def test_ten_megabyte_line_and_50k_directives(tmp_path):
    main = write(tmp_path, {"main.conf": "Include big.conf\nInclude many.conf\n",
                            "big.conf": "ServerAlias " + "a" * (10 * 1024 * 1024) + "\n",
                            "many.conf": "ServerAlias b\n" * 50_000})
    assert len(read_everything(main, tmp_path, limit=120.0)["directives"]) == 50_003


def test_binary_garbage_and_utf16_files(tmp_path):
    (tmp_path / "main.conf").write_bytes(os.urandom(200_000) + b"\nInclude u16.conf\n")
    (tmp_path / "u16.conf").write_bytes("ServerName ü\n<VirtualHost *:80>\n".encode("utf-16"))
    read_everything(tmp_path / "main.conf", tmp_path)


def test_include_of_dev_null_and_a_directory_of_itself(tmp_path):
    main = write(tmp_path, {"main.conf": "Include /dev/null\nIncludeOptional .\nServerName x\n"})
    read_everything(main, tmp_path)


def test_include_of_a_fifo_does_not_block(tmp_path):
    os.mkfifo(tmp_path / "pipe.conf")
    main = write(tmp_path, {"main.conf": f"Include {tmp_path}/pipe.conf\n"})
    assert "unreadable-file" in note_kinds(read_everything(main, tmp_path))


def test_include_of_a_directory_with_symlinks_to_itself(tmp_path):
    conf = tmp_path / "conf.d"
    conf.mkdir()
    (conf / "x.conf").write_text("ServerName x\n")
    os.symlink(conf, conf / "loop1")
    os.symlink(conf, conf / "loop2")
    main = write(tmp_path, {"main.conf": f"Include {conf}\n"})
    read_everything(main, tmp_path)


def _isolated(code: str, mem_mb: int, timeout: float) -> subprocess.CompletedProcess:
    """Run ``code`` in a child Python with its address space capped (a runaway cannot hurt the machine)."""
    prelude = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({mem_mb} << 20, {mem_mb} << 20))
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, cwd=str(Path(__file__).resolve().parents[2]))


def test_variables_that_double_at_every_line_stay_in_bounded_memory(tmp_path):
    lines = ["Define V0 0123456789abcdef"] + [f"Define V{i} ${{V{i - 1}}}${{V{i - 1}}}" for i in range(1, 40)]
    main = write(tmp_path, {"main.conf": "\n".join(lines) + "\nServerName ${V39}\n"})
    try:
        done = _isolated(f"""
            from wsgidoctor.config.reader import read_config
            tree = read_config({str(main)!r}, {str(tmp_path)!r})
            print(len(tree.directives))
        """, mem_mb=1024, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("reading did not end within 60 s")
    assert done.returncode == 0, done.stderr[-500:]


# --- httpd's own dump of its configuration -----------------------------------------------------------

@settings(max_examples=CONFIG_EXAMPLES, deadline=None, database=None, derandomize=not EXPLORE,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(parts=st.lists(st.one_of(st.sampled_from(SEED_LINES), st.sampled_from(TOKENS), st.sampled_from([
    b"Included configuration files:", b"  (*) /etc/apache2/apache2.conf", b"    (14) /etc/x.conf",
    b"VirtualHost configuration:", b"*:80                   is a NameVirtualHost",
    b"         default server x (/etc/apache2/sites-enabled/000-default.conf:1)",
    b"         port 80 namevhost x (/etc/x.conf:99999999999999999999)", b"                 alias y",
    b"ServerRoot: \"/etc/apache2\"", b"Define: DUMP_RUN_CFG", b"Define: A=b=c", b"Mutex default: dir=\"/x\"",
    b"User: name=\"www-data\" id=33", b"User: name=\"\" id=-99999999999999", b"Syntax OK",
    b"AH00526: Syntax error on line 99 of /etc/x.conf:"])), max_size=40),
       sep=st.sampled_from([b"\n", b"\r\n"]))
def test_httpd_dump_parser(parts, sep):
    text = sep.join(parts).decode("latin-1")
    with time_limit(LIMIT, "parse_dump"):
        result = parse_dump(text)
    assert isinstance(result, dict)
    json.dumps(result)
