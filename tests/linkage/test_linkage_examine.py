"""From a module file to findings: examine() on the committed fixtures and bad files, then the rules."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.linkage import examine
from wsgidoctor.areas import derive_all, diagnose

L = FIXTURES / "linkage"
HTTPD = shutil.which("apache2", path="/usr/sbin") or shutil.which("httpd", path="/usr/sbin:/usr/local/apache2/bin")
SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
needs_debian = pytest.mark.skipif(not (HTTPD and os.path.exists(SYSTEM_LIB)), reason="needs Debian's apache2 and libpython3.11")


def run(module, server_mmn=None, **kw):
    kw.setdefault("httpd", HTTPD)
    kw.setdefault("start_env", {})
    kw.setdefault("start_env_source", "envvars")
    kw.setdefault("scan_installations", False)
    facts = examine.examine(examine.Inputs(module=str(module), **kw))
    if server_mmn:
        facts["apache"] = {"mmn": {"major": server_mmn[0], "minor": server_mmn[1]}}
    facts = derive_all(facts)
    return facts, {f.id: f for f in diagnose(facts)}


@needs_debian
def test_healthy_fixture_gives_no_linkage_finding():
    facts, found = run(L / "mod_dyn311.so", server_mmn=(20120211, 142))
    lib = facts["linkage"]["python_library"]
    assert lib["found"] and lib["python_version"] == "3.11.2" and lib["via"] == "ld.so.cache"
    assert facts["mod_wsgi"] == {"version": "4.9.4", "python_compiled": "3.11.2"}
    assert not [i for i, f in found.items() if f.section == "linkage"]


@needs_debian
def test_host_provided_python_needs_a_loadfile_until_one_is_configured():
    facts, found = run(L / "mod_hostpython.so")
    assert facts["linkage"]["needs_loadfile"] and "libpython-needs-loadfile" in found
    assert "PyRun_SimpleString" in found["libpython-needs-loadfile"].detail or "Py_" in found["libpython-needs-loadfile"].detail
    facts, found = run(L / "mod_hostpython.so", load_files=[(SYSTEM_LIB, "/etc/apache2/mods-enabled/wsgi.load", 1)])
    assert "libpython-needs-loadfile" not in found


@needs_debian
def test_a_static_archive_in_loadfile_is_called_out(tmp_path):
    archive = tmp_path / "libpython3.11.a"
    archive.write_bytes(b"!<arch>\n" + b"\0" * 64)
    facts, found = run(L / "mod_hostpython.so", load_files=[(str(archive), "/etc/httpd/conf.d/wsgi.conf", 3)])
    assert "static archive" in found["libpython-needs-loadfile"].detail


@needs_debian
@pytest.mark.parametrize("module, mmn, severity", [
    ("mod_apache22.so", (20120211, 142), "error"),
    ("mod_newminor.so", (20120211, 142), "warning"),
    ("mod_badcookie.so", (20120211, 142), "error"),
])
def test_module_magic(module, mmn, severity):
    _, found = run(L / module, server_mmn=mmn)
    assert found["module-magic-mismatch"].severity.value == severity


@needs_debian
@pytest.mark.parametrize("module", ["mod_i386.so", "mod_aarch64.so"])
def test_wrong_architecture_is_an_error_not_a_traceback(module):
    facts, found = run(L / module)
    assert found["module-wrong-architecture"].severity.value == "error"
    assert facts["linkage"]["elf"]["httpd_class"] == 64


@needs_debian
def test_ld_library_path_in_apaches_environment_overriding_runpath_is_reported(tmp_path):
    import subprocess
    module = tmp_path / "mod_wsgi.so"
    shutil.copy(L / "mod_dyn311.so", module)
    pyenv = "/root/.pyenv/versions/3.11.7/lib"
    if not os.path.exists(f"{pyenv}/libpython3.11.so.1.0") or not shutil.which("patchelf"):
        pytest.skip("needs pyenv 3.11.7 and patchelf")
    subprocess.run(["patchelf", "--set-rpath", pyenv, str(module)], check=True)
    facts, found = run(module, start_env={"LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu"}, user_env={})
    res = facts["linkage"]["resolutions"]
    assert res["apache"]["via"] == "LD_LIBRARY_PATH" and res["user"]["via"] == "RUNPATH"
    assert "libpython-resolution-differs" in found
    assert "LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu" in found["libpython-resolution-differs"].detail


@pytest.mark.parametrize("content", [b"#!/bin/sh\necho hi\n", b"", b"\x7fELF\x02", b"\xca\xfe\xba\xbe\x00\x00\x00\x05"])
def test_garbage_module_is_a_finding(tmp_path, content):
    module = tmp_path / "mod_wsgi.so"
    module.write_bytes(content)
    facts, found = run(module)
    assert "module-not-loadable" in found, facts["linkage"]


def test_directory_and_symlink_loop_modules_are_findings(tmp_path):
    (tmp_path / "dir.so").mkdir()
    os.symlink(tmp_path / "loop2.so", tmp_path / "loop1.so")
    os.symlink(tmp_path / "loop1.so", tmp_path / "loop2.so")
    for name, word in (("dir.so", "directory"), ("loop1.so", "symlink loop"), ("absent.so", "no such file")):
        _, found = run(tmp_path / name)
        assert word in found["module-not-loadable"].detail
