"""Linkage rules from facts alone (as in `wsgidoctor analyze`), the stale-cache check on a real
cache, and the probe wired to the discovery and config facts."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import FIXTURES, read_fixture
from wsgidoctor.linkage import examine, glibc
from wsgidoctor.linkage import parse_ldd as ldd
from wsgidoctor.areas import derive_all, diagnose

SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"


def findings(facts):
    facts = derive_all(facts)
    return {f.id: f for f in diagnose(facts)}


def test_pasted_ldd_with_not_found_is_an_error_citing_the_line():
    facts = ldd.parse(read_fixture("corpus/ldd/rhel6-anaconda-python3.4-libpython-not-found.txt"))
    found = findings(facts)
    assert found["libpython-not-found"].severity.value == "error"
    assert "libpython3.4m.so.1.0 => not found" in found["libpython-not-found"].evidence[0].text


def test_pasted_ldd_that_finds_libpython_gives_no_linkage_error():
    facts = ldd.parse(read_fixture("corpus/ldd/linux-x86_64-python2.5-usr-local-shared.txt"))
    assert not [f for f in findings(facts).values() if f.section == "linkage"]


def test_user_finding_a_copy_apache_does_not_is_explained_in_the_not_found_detail():
    apache = {"name": "libpython3.9.so.1.0", "path": None, "found": False, "via": None,
              "error": "libpython3.9.so.1.0: cannot open shared object file: No such file or directory",
              "tried": [], "ld_library_path": None, "env_source": "envvars"}
    user = dict(apache, path="/opt/py39/lib/libpython3.9.so.1.0", found=True, via="LD_LIBRARY_PATH",
                error=None, ld_library_path="/opt/py39/lib")
    facts = {"linkage": {"module": "/m/mod_wsgi.so", "resolutions": {"apache": apache, "user": user, "none": apache},
                         "python_library": {"name": "libpython3.9.so.1.0", "path": None, "found": False}}}
    found = findings(facts)
    assert "LoadFile /opt/py39/lib/libpython3.9.so.1.0" in found["libpython-not-found"].fix
    assert "LD_LIBRARY_PATH=/opt/py39/lib" in found["libpython-resolution-differs"].detail


@pytest.mark.skipif(not os.path.exists(SYSTEM_LIB), reason="needs libpython3.11")
def test_library_in_a_conf_directory_missing_from_the_real_cache_is_stale(tmp_path):
    libdir = tmp_path / "local" / "lib"
    libdir.mkdir(parents=True)
    shutil.copy(SYSTEM_LIB, libdir / "libpython3.11.so.1.0")  # a `make install`ed copy, not a link
    (tmp_path / "ld.so.conf").write_text(f"{libdir}\n")
    stale = examine.stale_cache_entries("libpython3.11.so.1.0", glibc.Resolver(), conf=str(tmp_path / "ld.so.conf"))
    assert stale == [{"dir": str(libdir), "path": str(libdir / "libpython3.11.so.1.0")}]
    facts = {"linkage": {"stale_cache": stale, "python_library": {"name": "libpython3.11.so.1.0", "path": None,
                                                                  "found": False}}}
    assert "ldconfig" in findings(facts)["ld-so-cache-stale"].fix


def test_running_process_with_a_deleted_or_other_library_is_reported():
    base = {"python_library": {"path": "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"}}
    deleted = {"linkage": dict(base, running=[{"pid": 10, "path": "/opt/py/lib/libpython3.11.so.1.0", "deleted": True,
                                              "same_as_prediction": None}])}
    assert "(deleted)" in findings(deleted)["libpython-running-differs"].detail
    other = {"linkage": dict(base, running=[{"pid": 10, "path": "/opt/py/lib/libpython3.11.so.1.0", "deleted": False,
                                            "same_as_prediction": False}])}
    assert "libpython-running-differs" in findings(other)
    same = {"linkage": dict(base, running=[{"pid": 10, "path": "/x", "deleted": False, "same_as_prediction": True}])}
    assert "libpython-running-differs" not in findings(same)


@pytest.mark.skipif(not (os.path.exists(SYSTEM_LIB) and os.path.exists("/usr/sbin/apache2")), reason="needs Debian's apache2")
def test_probe_uses_the_loadmodule_line_apaches_environment_and_the_user_directive(tmp_path):
    from wsgidoctor.core.hookspec import Options, ProbeContext
    from wsgidoctor.linkage import probe

    module = tmp_path / "mod_wsgi.so"
    shutil.copy(FIXTURES / "linkage" / "mod_dyn311.so", module)
    facts = {
        "install": {"httpd": "/usr/sbin/apache2", "server_root": str(tmp_path), "start_env_source": "envvars",
                    "start_env": {"LD_LIBRARY_PATH": str(tmp_path / "nothing-here")}, "user": "www-data",
                    "running": []},
        "config": {"directives": [
            {"name": "User", "args": ["nobody"], "file": "/etc/httpd.conf", "line": 1, "sections": []},
            {"name": "LoadFile", "args": [SYSTEM_LIB], "file": "/etc/httpd.conf", "line": 2, "sections": []},
            {"name": "LoadModule", "args": ["wsgi_module", "mod_wsgi.so"], "file": "/etc/httpd.conf", "line": 3,
             "sections": []}]},
    }
    out = probe.run(ProbeContext(Options(), facts, environ={}))
    linkage = out.facts["linkage"]
    assert linkage["module"] == str(module) and linkage["module_source"]["line"] == 3
    apache = linkage["resolutions"]["apache"]
    assert apache["ld_library_path"] == str(tmp_path / "nothing-here") and apache["env_source"] == "envvars"
    assert apache["via"] == "already-loaded" and apache["path"] == SYSTEM_LIB
    assert linkage["apache_user"] == "nobody" and linkage["loadfile"][0]["soname"] == "libpython3.11.so.1.0"
