"""The glibc emulation against the real loader on this machine.

Every case builds a small tree of real files (the committed fake modules, re-tagged with
patchelf, and copies of this machine's libpython3.11) and checks that the emulation picks the
same file as ``ldd`` and tries the same existing paths, in the same order, as ``LD_DEBUG=libs``
shows. ``ldd`` loads the module as the main program, so these cases use no httpd context; the
integration tests cover the module loaded by a real apache2.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.linkage import glibc
from wsgidoctor.linkage.access import Identity
from wsgidoctor.linkage.elf import read_elf
from wsgidoctor.linkage import parse_ldd as ldd_parser

SYSTEM_LIB = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
LDSO = "/lib64/ld-linux-x86-64.so.2"
NAME = "libpython3.11.so.1.0"

needs_tools = pytest.mark.skipif(
    not (os.path.exists(SYSTEM_LIB) and os.path.exists(LDSO) and shutil.which("patchelf") and shutil.which("ldd")),
    reason="needs Debian's libpython3.11, ldd and patchelf on x86_64")


@pytest.fixture(scope="module")
def resolver() -> glibc.Resolver:
    return glibc.Resolver()


def _env(llp: str | None) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    if llp is not None:
        env["LD_LIBRARY_PATH"] = llp
    return env


def ldd_answer(module: Path, llp: str | None = None, cwd: str | None = None) -> tuple[str | None, str]:
    """(path or None, raw output) of libpython as the real ``ldd`` reports it."""
    out = subprocess.run(["ldd", str(module)], capture_output=True, text=True, env=_env(llp), cwd=cwd)
    text = out.stdout + out.stderr
    lib = (ldd_parser.parse(out.stdout).get("linkage") or {}).get("python_library") or {}
    if lib.get("path") is None and re.search(rf"^\s+{re.escape(NAME)} \(0x", out.stdout, re.M):
        # Found through an empty LD_LIBRARY_PATH entry: opened by its bare name, relative to cwd.
        return os.path.join(cwd or os.getcwd(), NAME), text
    return lib.get("path"), text


def ld_debug_tries(module: Path, llp: str | None = None, cwd: str | None = None) -> list[str]:
    """The existing-directory paths ld.so tried for libpython, from ``LD_DEBUG=libs``."""
    env = _env(llp)
    env["LD_DEBUG"] = "libs"
    out = subprocess.run([LDSO, "--list", str(module)], capture_output=True, text=True, env=env, cwd=cwd)
    tries, inside = [], False
    for line in out.stderr.splitlines():
        body = line.split(":", 1)[1].strip() if ":" in line else ""
        if body.startswith("find library="):
            inside = body.startswith(f"find library={NAME}")
            continue
        if inside:
            if not body:
                break
            m = re.match(r"trying file=(.*)$", body)
            if m:
                tries.append(os.path.join(cwd or os.getcwd(), m.group(1)))
    return [t for t in tries if os.path.isdir(os.path.dirname(t))]


def ours(resolver: glibc.Resolver, module: Path, llp: str | None = None, cwd: str = "/") -> glibc.Resolution:
    info = read_elf(str(module))
    return resolver.resolve(NAME, info, str(module), glibc.LoadState(ld_library_path=llp, cwd=cwd))


def assert_same_as_loader(resolver, module: Path, llp: str | None = None, cwd: str | None = None) -> glibc.Resolution:
    res = ours(resolver, module, llp, cwd or "/")
    truth, raw = ldd_answer(module, llp, cwd)
    assert res.path == truth, raw
    assert [a.path for a in res.tried if os.path.isdir(os.path.dirname(a.path))] == ld_debug_tries(module, llp, cwd)
    return res


def make_module(tmp: Path, *, runpath: str | None = None, rpath: str | None = None, needed: str | None = None) -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    module = tmp / "mod_wsgi.so"
    shutil.copy(FIXTURES / "linkage" / "mod_dyn311.so", module)
    if runpath is not None:
        subprocess.run(["patchelf", "--set-rpath", runpath, str(module)], check=True)
    if rpath is not None:
        subprocess.run(["patchelf", "--force-rpath", "--set-rpath", rpath, str(module)], check=True)
    if needed is not None:
        subprocess.run(["patchelf", "--replace-needed", NAME, needed, str(module)], check=True)
    return module


def put_library(directory: Path, source: str = SYSTEM_LIB) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / NAME
    os.symlink(source, target)
    return target


@needs_tools
def test_no_paths_no_environment_takes_the_cache_entry(resolver, tmp_path):
    res = assert_same_as_loader(resolver, make_module(tmp_path))
    assert res.via == "ld.so.cache"


@needs_tools
def test_ld_library_path_wins_over_the_cache(resolver, tmp_path):
    put_library(tmp_path / "alt")
    res = assert_same_as_loader(resolver, make_module(tmp_path / "m"), llp=str(tmp_path / "alt"))
    assert res.via == "LD_LIBRARY_PATH"


@needs_tools
def test_runpath_with_origin_and_ld_library_path_beats_runpath(resolver, tmp_path):
    module = make_module(tmp_path, runpath="$ORIGIN/lib")
    put_library(tmp_path / "lib")
    put_library(tmp_path / "alt")
    assert assert_same_as_loader(resolver, module).via == "RUNPATH"
    assert assert_same_as_loader(resolver, module, llp=str(tmp_path / "alt")).via == "LD_LIBRARY_PATH"


@needs_tools
def test_rpath_beats_ld_library_path(resolver, tmp_path):
    module = make_module(tmp_path, rpath=str(tmp_path / "rp"))
    put_library(tmp_path / "rp")
    put_library(tmp_path / "alt")
    res = assert_same_as_loader(resolver, module, llp=str(tmp_path / "alt"))
    assert res.via == "RPATH"


@needs_tools
def test_wrong_class_candidate_is_skipped_like_glibc(resolver, tmp_path):
    module = make_module(tmp_path, rpath=f"{tmp_path / 'bad'}:{tmp_path / 'good'}")
    put_library(tmp_path / "bad", str(FIXTURES / "linkage" / "elf32" / NAME))
    put_library(tmp_path / "good")
    res = assert_same_as_loader(resolver, module)
    assert [a.outcome for a in res.tried] == ["wrong-class", "loaded"]


@needs_tools
def test_foreign_machine_candidate_is_skipped(resolver, tmp_path):
    module = make_module(tmp_path, runpath=f"{tmp_path / 'arm'}:{tmp_path / 'good'}")
    put_library(tmp_path / "arm", str(FIXTURES / "linkage" / "elf_aarch64_libpython3.11.so.1.0"))
    put_library(tmp_path / "good")
    res = assert_same_as_loader(resolver, module)
    assert [a.outcome for a in res.tried] == ["wrong-machine", "loaded"]


@needs_tools
@pytest.mark.parametrize("content", [b"this is not a library\n", b"", b"\x7fELF\x02\x01\x01" + b"\x00" * 20,
                                     b"!<arch>\n" + b"x" * 200])
def test_a_junk_candidate_stops_the_search_as_glibc_does(resolver, tmp_path, content):
    module = make_module(tmp_path, rpath=f"{tmp_path / 'junk'}:{tmp_path / 'good'}")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / NAME).write_bytes(content)
    put_library(tmp_path / "good")
    res = ours(resolver, module)
    truth, raw = ldd_answer(module)
    assert truth is None and res.path is None
    reason = res.error.split(": ", 1)[1]
    assert reason in raw, raw  # e.g. "file too short" / "invalid ELF header"


@needs_tools
def test_dollar_lib_expands_to_the_multiarch_directory(resolver, tmp_path):
    module = make_module(tmp_path, runpath="$ORIGIN/$LIB:${ORIGIN}/lib64")
    put_library(tmp_path / "lib64")
    put_library(tmp_path / resolver.platform.lib)
    res = assert_same_as_loader(resolver, module)
    assert res.path == str(tmp_path / resolver.platform.lib / NAME)


@needs_tools
def test_semicolon_and_empty_entry_in_ld_library_path(resolver, tmp_path):
    put_library(tmp_path / "cwd")
    module = make_module(tmp_path / "m")
    res = assert_same_as_loader(resolver, module, llp=f"{tmp_path / 'nothing'};", cwd=str(tmp_path / "cwd"))
    assert res.via == "LD_LIBRARY_PATH" and res.path == f"{tmp_path / 'cwd'}/{NAME}"


@needs_tools
def test_library_only_in_a_directory_outside_the_cache_is_not_found(resolver, tmp_path):
    pyenv312 = "/root/.pyenv/versions/3.12.1/lib"
    if not os.path.exists(f"{pyenv312}/libpython3.12.so.1.0"):
        pytest.skip("needs the pyenv 3.12.1 build")
    module = make_module(tmp_path, needed="libpython3.12.so.1.0")
    info = read_elf(str(module))
    res = resolver.resolve("libpython3.12.so.1.0", info, str(module), glibc.LoadState())
    out = subprocess.run(["ldd", str(module)], capture_output=True, text=True, env=_env(None)).stdout
    assert "libpython3.12.so.1.0 => not found" in out
    assert not res.found and "cannot open shared object file" in res.error
    with_llp = resolver.resolve("libpython3.12.so.1.0", info, str(module), glibc.LoadState(ld_library_path=pyenv312))
    out = subprocess.run(["ldd", str(module)], capture_output=True, text=True, env=_env(pyenv312)).stdout
    assert f"libpython3.12.so.1.0 => {with_llp.path}" in out


@needs_tools
def test_already_loaded_soname_wins_before_any_search(resolver, tmp_path):
    module = make_module(tmp_path, runpath=str(tmp_path / "lib"))
    put_library(tmp_path / "lib")
    info = read_elf(str(module))
    res = resolver.resolve(NAME, info, str(module), glibc.LoadState(loaded={NAME: "/opt/x/libpython3.11.so.1.0"}))
    assert res.via == "already-loaded" and res.path == "/opt/x/libpython3.11.so.1.0"


@needs_tools
def test_runpath_module_ignores_httpds_rpath_but_an_rpath_module_uses_it(resolver, tmp_path):
    put_library(tmp_path / "httpd-lib")
    put_library(tmp_path / "own")
    httpd = tmp_path / "httpd"
    shutil.copy("/bin/true", httpd)
    subprocess.run(["patchelf", "--force-rpath", "--set-rpath", str(tmp_path / "httpd-lib"), str(httpd)], check=True)
    state = glibc.LoadState(executable=read_elf(str(httpd)))
    plain = make_module(tmp_path / "a")
    assert resolver.resolve(NAME, read_elf(str(plain)), str(plain), state).via == "RPATH of the executable"
    runpath = make_module(tmp_path / "b", runpath=str(tmp_path / "own"))
    assert resolver.resolve(NAME, read_elf(str(runpath)), str(runpath), state).via == "RUNPATH"


@needs_tools
def test_unreadable_candidate_is_skipped_for_www_data_as_ldd_run_as_www_data_shows(resolver):
    who = Identity.for_user("www-data")
    if who is None or os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root, runuser and the www-data user")
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="wsgidoctor-eacces-"))  # outside pytest's 0700 tree
    try:
        base.chmod(0o755)
        private = base / "private"
        put_library(private / "lib")
        private.chmod(0o700)
        module = make_module(base / "pub", runpath=str(private / "lib"))
        (base / "pub").chmod(0o755)
        info = read_elf(str(module))
        as_www = resolver.resolve(NAME, info, str(module), glibc.LoadState(as_root=False, identity=who))
        as_root = resolver.resolve(NAME, info, str(module), glibc.LoadState())
        out = subprocess.run([shutil.which("runuser"), "-u", "www-data", "--", "/usr/bin/ldd", str(module)],
                             capture_output=True, text=True, env=_env(None))
        assert as_root.via == "RUNPATH"
        assert as_www.tried[0].outcome == "unreadable" and as_www.via == "ld.so.cache"
        assert f"{NAME} => {as_www.path}" in out.stdout, out.stdout + out.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_legacy_hwcaps_subdirectories_follow_ld_debug_order():
    assert glibc.legacy_subdirs(("tls", "x86_64", "x86_64")) == (
        "tls/x86_64/x86_64", "tls/x86_64", "tls/x86_64", "tls", "x86_64/x86_64", "x86_64", "x86_64")


def test_platform_read_from_ld_so_diagnostics_matches_the_file_system_guess():
    if not os.path.exists(LDSO):
        pytest.skip("x86_64 glibc only")
    diag = subprocess.run([LDSO, "--list-diagnostics"], capture_output=True, text=True)
    helptext = subprocess.run([LDSO, "--help"], capture_output=True, text=True)
    from_ldso = glibc.platform_from_ldso(diag.stdout, helptext.stdout)
    if from_ldso is None:
        pytest.skip("ld.so too old for --list-diagnostics")
    guess = glibc.detect_platform()
    assert (from_ldso.system_dirs, from_ldso.lib, from_ldso.platform, from_ldso.legacy_subdirs) == \
        (guess.system_dirs, guess.lib, guess.platform, guess.legacy_subdirs)
    assert set(from_ldso.hwcaps_subdirs) <= {"x86-64-v2", "x86-64-v3", "x86-64-v4"}


def test_split_search_path_keeps_empty_entries():
    assert glibc.split_search_path("/a:;/b;") == ["/a", "", "/b", ""]
    assert glibc.expand_tokens("$ORIGIN/../${LIB}/$PLATFORM", "/m", glibc.Platform((), "lib64", "x86_64")) == \
        "/m/../lib64/x86_64"


INTEL = "GenuineIntel"
HASWELL_FLAGS = {"avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "popcnt", "sse4_2"}


@pytest.mark.parametrize("vendor, flags, expected", [
    # glibc's sysdeps/x86/cpu-features.c: only Intel CPUs get another AT_PLATFORM.
    (INTEL, HASWELL_FLAGS, ("haswell", False)),
    (INTEL, HASWELL_FLAGS | {"avx512cd", "avx512bw", "avx512dq", "avx512vl"}, ("haswell", True)),
    (INTEL, HASWELL_FLAGS | {"avx512cd", "avx512er", "avx512pf"}, ("xeon_phi", False)),
    (INTEL, HASWELL_FLAGS - {"abm"}, ("x86_64", False)),  # no LZCNT: not haswell
    (INTEL, {"sse2", "popcnt"}, ("x86_64", False)),
    ("AuthenticAMD", HASWELL_FLAGS | {"avx512cd", "avx512bw", "avx512dq", "avx512vl"}, ("x86_64", False)),
    ("HygonGenuine", HASWELL_FLAGS, ("x86_64", False)),
    (None, set(), ("unknown", False)),  # /proc/cpuinfo unreadable: it cannot be known
])
def test_x86_64_platform_follows_glibc_on_intel_and_amd(vendor, flags, expected):
    assert glibc.x86_64_platform(vendor, flags) == expected


def test_x86_64_platform_before_glibc_2_26_is_always_x86_64():
    assert glibc.x86_64_platform(INTEL, HASWELL_FLAGS, (2, 24)) == ("x86_64", False)


def test_platform_guess_names_what_ld_so_expands_platform_to_on_this_cpu(tmp_path):
    """$PLATFORM as the real loader expands it (an RPATH of $PLATFORM), on whatever CPU this is."""
    if not os.path.exists(LDSO) or os.uname().machine != "x86_64":
        pytest.skip("x86_64 glibc only")
    guess = glibc.detect_platform().platform
    lib = tmp_path / guess
    lib.mkdir()
    src = tmp_path / "probe.c"
    src.write_text("int main(void){return 0;}\n")
    shared = tmp_path / "libwsgidoctorplat.c"
    shared.write_text("int wsgidoctor_plat(void){return 1;}\n")
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.fail("a C compiler is needed (scripts/test.sh installs gcc)")
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib / "libwsgidoctorplat.so"), str(shared)], check=True)
    subprocess.run([cc, "-o", str(tmp_path / "probe"), str(src), "-Wl,--no-as-needed", f"-L{lib}",
                    "-lwsgidoctorplat", "-Wl,--disable-new-dtags", "-Wl,-rpath,$ORIGIN/$PLATFORM"],
                   check=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    ldd = subprocess.run(["ldd", str(tmp_path / "probe")], capture_output=True, text=True, env=env)
    assert f"{lib}/libwsgidoctorplat.so" in ldd.stdout, ldd.stdout
