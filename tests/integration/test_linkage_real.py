"""The linkage probe on real modules of this machine, checked against ldd and a real apache2.

Builds (cached under ~/.cache/wsgidoctor-linkage, or $WSGIDOCTOR_TEST_CACHE, so reruns are fast):
PyPI's mod_wsgi 5.0.2 compiled with pyenv's 3.11.7 (RUNPATH into the pyenv prefix, same soname
as the system library), the same module with its RUNPATH removed, and a module linked
statically against Debian's libpython3.11-pic.a. Apache servers started here listen on
127.0.0.1 on a free port, live in a temporary directory and are stopped by their own pid.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.linkage import examine, running
from wsgidoctor.linkage import parse_ldd as ldd_parser
from wsgidoctor.areas import derive_all, diagnose
from wsgidoctor.live.launcher import ApacheProcess

pytestmark = pytest.mark.apache

APACHE2 = "/usr/sbin/apache2"
DEBIAN_MODULE = "/usr/lib/apache2/modules/mod_wsgi.so"
SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
PYENV = Path("/root/.pyenv/versions/3.11.7")
PYENV_LIB = PYENV / "lib" / "libpython3.11.so.1.0"
STATIC_ARCHIVE = "/usr/lib/python3.11/config-3.11-x86_64-linux-gnu/libpython3.11-pic.a"
CACHE = Path(os.environ.get("WSGIDOCTOR_TEST_CACHE", Path.home() / ".cache" / "wsgidoctor-linkage"))

needs_debian = pytest.mark.skipif(not (os.path.exists(APACHE2) and os.path.exists(DEBIAN_MODULE)),
                                  reason="needs Debian's apache2 and libapache2-mod-wsgi-py3")


def probe(module: str, start_env=None, user_env=None, load_files=(), scan=True):
    facts = examine.examine(examine.Inputs(module=module, httpd=APACHE2, start_env=start_env or {},
                                           start_env_source="envvars", user_env=user_env or {},
                                           load_files=load_files, apache_user="www-data",
                                           scan_installations=scan))
    facts["apache"] = {"mmn": {"major": 20120211, "minor": 142}}
    facts = derive_all(facts)
    return facts, {f.id: f for f in diagnose(facts)}


def ldd_path(module: str, llp: str | None = None) -> str | None:
    env = {"PATH": "/usr/bin:/bin"}
    if llp:
        env["LD_LIBRARY_PATH"] = llp
    out = subprocess.run(["ldd", module], capture_output=True, text=True, env=env).stdout
    return ldd_parser.parse(out)["linkage"]["python_library"]["path"]


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and os.path.samefile(a, b)


@pytest.fixture(scope="session")
def pip_module() -> str:
    """PyPI's mod_wsgi 5.0.2 built by pyenv's 3.11.7 (its setup.py adds RUNPATH <prefix>/lib)."""
    target = CACHE / "mod_wsgi-5.0.2-pyenv-3.11.7.so"
    if target.exists():
        return str(target)
    if not (PYENV / "bin" / "python3.11").exists() or not shutil.which("apxs", path="/usr/bin:/usr/sbin"):
        pytest.skip("needs pyenv 3.11.7 and apache2-dev")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        build = subprocess.run([str(PYENV / "bin" / "python3.11"), "-m", "pip", "wheel", "--no-deps", "-w", tmp,
                                "mod_wsgi==5.0.2"], capture_output=True, text=True, timeout=900)
        wheels = list(Path(tmp).glob("mod_wsgi-*.whl"))
        if build.returncode != 0 or not wheels:
            pytest.skip(f"could not build mod_wsgi 5.0.2 from PyPI: {build.stderr[-500:]}")
        with zipfile.ZipFile(wheels[0]) as zf:
            so = next(n for n in zf.namelist() if n.endswith(".so"))
            target.write_bytes(zf.read(so))
    return str(target)


@pytest.fixture(scope="session")
def no_runpath_module(pip_module, tmp_path_factory) -> str:
    if not shutil.which("patchelf"):
        pytest.skip("needs patchelf")
    copy = tmp_path_factory.mktemp("norunpath") / "mod_wsgi.so"
    shutil.copy(pip_module, copy)
    subprocess.run(["patchelf", "--remove-rpath", str(copy)], check=True)
    return str(copy)


@pytest.fixture(scope="session")
def static_module() -> str:
    target = CACHE / "mod_static_libpython3.11.so"
    if target.exists():
        return str(target)
    if not os.path.exists(STATIC_ARCHIVE) or not shutil.which("gcc"):
        pytest.skip("needs gcc and libpython3.11-dev's libpython3.11-pic.a")
    CACHE.mkdir(parents=True, exist_ok=True)
    src = FIXTURES / "linkage" / "src" / "fakemod.c"
    cmd = ["gcc", "-O1", "-fPIC", "-shared", "-I/usr/include/python3.11", "-I/usr/include/apache2",
           "-I/usr/include/apr-1.0", "-DWITH_APACHE_HEADERS", "-o", str(target), str(src), STATIC_ARCHIVE,
           "-lm", "-lz", "-lexpat", "-lpthread", "-ldl", "-lutil"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip(f"static link failed: {out.stderr[-400:]}")
    return str(target)


@needs_debian
def test_debian_module_loads_the_system_libpython_and_its_patch_difference_is_not_reported():
    facts, found = probe(DEBIAN_MODULE)
    lib = facts["linkage"]["python_library"]
    assert same(lib["path"], ldd_path(DEBIAN_MODULE)) and lib["via"] == "ld.so.cache"
    assert facts["mod_wsgi"]["version"] == "4.9.4"
    compiled, loaded = facts["mod_wsgi"]["python_compiled"], lib["python_version"]
    assert compiled.startswith("3.11.") and loaded.startswith("3.11.") and compiled != loaded  # 3.11.1 vs 3.11.2
    assert "libpython-version-mismatch" not in found
    magic = facts["linkage"]["module_magic"]
    assert (magic["major"], magic["cookie_name"]) == (20120211, "AP24") and "module-magic-mismatch" not in found


@needs_debian
def test_pip_module_takes_its_runpath_and_www_data_cannot_reach_it(pip_module):
    facts, found = probe(pip_module)
    lib = facts["linkage"]["python_library"]
    assert lib["via"] == "RUNPATH" and same(lib["path"], str(PYENV_LIB)) and same(lib["path"], ldd_path(pip_module))
    assert facts["mod_wsgi"] == {"version": "5.0.2", "python_compiled": "3.11.7"} and lib["python_version"] == "3.11.7"
    assert "libpython-version-mismatch" not in found
    if oct(os.stat("/root").st_mode & 0o777) == "0o700":
        assert found["libpython-unreadable"].evidence[0].source == "/root"


@needs_debian
def test_runpath_removed_the_system_copy_wins_silently_and_is_reported(no_runpath_module):
    facts, found = probe(no_runpath_module)
    lib = facts["linkage"]["python_library"]
    assert same(lib["path"], SYSTEM_LIB) and same(lib["path"], ldd_path(no_runpath_module))
    finding = found["libpython-version-mismatch"]
    assert finding.severity.value == "warning"
    assert "3.11.7" in finding.detail and lib["python_version"] in finding.detail and str(PYENV_LIB) in finding.fix
    # The user's LD_LIBRARY_PATH pointing at pyenv hides it from a manual ldd, not from Apache.
    facts, found = probe(no_runpath_module, user_env={"LD_LIBRARY_PATH": str(PYENV_LIB.parent)})
    assert same(facts["linkage"]["resolutions"]["user"]["path"], ldd_path(no_runpath_module, str(PYENV_LIB.parent)))
    assert "libpython-resolution-differs" in found


@needs_debian
def test_static_libpython_is_detected_with_its_embedded_version(static_module):
    facts, found = probe(static_module, scan=False)
    assert facts["linkage"]["static"] and facts["linkage"]["static_python_version"].startswith("3.11.")
    assert "libpython-static" in found and "libpython-needs-loadfile" not in found
    out = subprocess.run(["ldd", static_module], capture_output=True, text=True).stdout
    assert "libpython" not in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Apache:
    """A throwaway apache2 loading one module, started as root from a temporary directory."""

    def __init__(self, root: Path, module: str, load_file: str | None = None):
        self.root = root
        port = _free_port()
        lines = [f"ServerRoot {root}", f"DefaultRuntimeDir {root}", f"PidFile {root}/httpd.pid",
                 f"ErrorLog {root}/error.log", f"Listen 127.0.0.1:{port}", "ServerName localhost",
                 "User nobody", "Group nogroup",
                 "LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so",
                 "LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so",
                 "StartServers 1", "MinSpareServers 1", "MaxSpareServers 1"]
        if load_file:
            lines.append(f"LoadFile {load_file}")
        lines.append(f"LoadModule wsgi_module {module}")
        self.conf = root / "httpd.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.directives = [{"name": l.split()[0], "args": l.split()[1:], "file": str(self.conf), "line": i + 1,
                            "sections": []} for i, l in enumerate(lines)]
        self.pid: int | None = None

    def start(self) -> int:
        self.server = ApacheProcess(APACHE2, str(self.conf), env={"PATH": "/usr/bin:/bin:/usr/sbin"},
                                    ready_file=str(self.root / "httpd.pid"), output=str(self.root / "stderr.log"))
        problem = self.server.start() or self.server.wait_ready(10)
        if problem is None:
            self.pid = self.server.pid
            return self.pid
        log = (self.root / "error.log").read_text() if (self.root / "error.log").exists() else ""
        self.server.stop()
        raise AssertionError(f"apache2 did not start: {problem}\n{log}")

    def stop(self) -> None:
        if self.pid is not None:
            self.server.stop(grace=10)


@needs_debian
@pytest.mark.skipif(os.geteuid() != 0, reason="reading Apache's /proc/PID/maps needs root")
@pytest.mark.parametrize("with_loadfile", [False, True])
def test_running_apache_maps_the_predicted_libpython(no_runpath_module, tmp_path, with_loadfile):
    load_file = str(PYENV_LIB) if with_loadfile else None
    server = Apache(tmp_path, no_runpath_module, load_file)
    from wsgidoctor.linkage import modwsgi_so
    location = modwsgi_so.from_directives(server.directives, str(tmp_path))
    load_files = modwsgi_so.load_files_before(server.directives, str(tmp_path), location)
    facts, found = probe(location.path, load_files=load_files)
    predicted = facts["linkage"]["python_library"]
    try:
        pid = server.start()
        maps, problem = running.read_maps(pid)
        assert maps, problem
        assert running.same_file(predicted["path"], maps[0]) is True
        assert running.maps_module(pid, no_runpath_module)
        procs = running.httpd_processes(None, no_runpath_module)
        assert pid in [p["pid"] for p in procs]
    finally:
        server.stop()
    if with_loadfile:
        assert predicted["via"] == "already-loaded" and same(predicted["path"], str(PYENV_LIB))
        assert "libpython-version-mismatch" not in found
    else:
        assert predicted["via"] == "ld.so.cache" and "libpython-version-mismatch" in found


@needs_debian
def test_apache2_configtest_searches_libpython_as_predicted(no_runpath_module, tmp_path):
    """LD_DEBUG=libs of the real apache2 -t: the module is dlopen()ed by httpd, not run by ldd."""
    server = Apache(tmp_path, no_runpath_module)
    env = {"PATH": "/usr/bin:/bin", "LD_DEBUG": "libs", "LD_LIBRARY_PATH": f"{tmp_path}/none;{PYENV_LIB.parent}"}
    out = subprocess.run([APACHE2, "-t", "-f", str(server.conf)], capture_output=True, text=True, env=env, timeout=60)
    assert "Syntax OK" in out.stdout + out.stderr
    facts, _ = probe(no_runpath_module, start_env={"LD_LIBRARY_PATH": env["LD_LIBRARY_PATH"]}, scan=False)
    res = facts["linkage"]["resolutions"]["apache"]
    assert res["via"] == "LD_LIBRARY_PATH" and same(res["path"], str(PYENV_LIB))
    lines = out.stderr.splitlines()
    start = next(i for i, l in enumerate(lines) if "find library=libpython3.11.so.1.0" in l)
    tried = []
    for line in lines[start + 1:]:
        body = line.split(":", 1)[1].strip() if ":" in line else ""
        if not body:
            break
        if body.startswith("trying file="):
            tried.append(body[len("trying file="):])
    existing = [t for t in tried if os.path.isdir(os.path.dirname(t))]
    assert existing == [t["path"] for t in res["tried"] if os.path.isdir(os.path.dirname(t["path"]))]
