"""Mach-O reading and dyld resolution.

macOS cannot run here and there is no Apple linker, so the Mach-O files are written by
fixtures/linkage/make_macho.py with struct, following <mach-o/loader.h>: real headers, load
commands and symbol tables, but no code. They are parsed by the same macholib code path as real
modules. What dyld would do is asserted from dyld(1), not observed.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.linkage import examine, macho
from wsgidoctor.areas import derive_all, diagnose

_spec = importlib.util.spec_from_file_location("make_macho", FIXTURES / "linkage" / "make_macho.py")
mm = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mm)

FRAMEWORK = "/Library/Frameworks/Python.framework/Versions/3.12/Python"


def write(tmp_path, name, data):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return str(p)


def run(tmp_path, module, httpd=None, start_env=None, user_env=None, load_files=()):
    facts = examine.examine(examine.Inputs(module=module, httpd=httpd, start_env=start_env or {},
                                           start_env_source="envvars", user_env=user_env or {},
                                           load_files=load_files))
    facts = derive_all(facts)
    return facts, {f.id: f for f in diagnose(facts)}


def test_framework_dependency_and_version(tmp_path):
    mod = write(tmp_path, "mod_wsgi.so", mm.thin(dylibs=[("load", "/usr/lib/libSystem.B.dylib"), ("load", FRAMEWORK)]))
    facts, found = run(tmp_path, mod)
    lib = facts["linkage"]["python_library"]
    assert (lib["name"], lib["python_version"]) == (FRAMEWORK, "3.12")
    assert lib["found"] is False and "libpython-not-found" in found  # no such framework on this machine


def test_rpath_without_any_lc_rpath_is_the_xcode_python_failure(tmp_path):
    name = "@rpath/Python3.framework/Versions/3.9/Python3"
    mod = write(tmp_path, "mod_wsgi.so", mm.thin(dylibs=[("load", name)]))
    facts, found = run(tmp_path, mod)
    assert "no LC_RPATH's found" in facts["linkage"]["resolutions"]["apache"]["error"]
    assert "libpython-not-found" in found


def test_rpath_stack_uses_the_module_then_httpd_with_loader_and_executable_path(tmp_path):
    name = "@rpath/libpython3.12.dylib"
    mod = write(tmp_path, "modules/mod_wsgi.so", mm.thin(dylibs=[("load", name)], rpaths=["@loader_path/../nolib"]))
    httpd = write(tmp_path, "bin/httpd", mm.thin(filetype=mm.MH_EXECUTE, rpaths=["@executable_path/../lib"]))
    write(tmp_path, "lib/libpython3.12.dylib", mm.thin(filetype=mm.MH_DYLIB, install_name=name))
    facts, found = run(tmp_path, mod, httpd=httpd)
    res = facts["linkage"]["resolutions"]["apache"]
    assert res["path"] == str(tmp_path / "lib" / "libpython3.12.dylib") and res["via"] == "LC_RPATH of httpd"
    assert [t["source"] for t in res["tried"]] == ["LC_RPATH of the module", "LC_RPATH of httpd"]
    assert "libpython-not-found" not in found


def test_dyld_library_path_of_the_user_differs_from_apache(tmp_path):
    name = "@rpath/libpython3.12.dylib"
    mod = write(tmp_path, "m/mod_wsgi.so", mm.thin(dylibs=[("load", name)], rpaths=["@loader_path/lib"]))
    write(tmp_path, "m/lib/libpython3.12.dylib", mm.thin(filetype=mm.MH_DYLIB))
    write(tmp_path, "alt/libpython3.12.dylib", mm.thin(filetype=mm.MH_DYLIB))
    facts, found = run(tmp_path, mod, user_env={"DYLD_LIBRARY_PATH": str(tmp_path / "alt")})
    res = facts["linkage"]["resolutions"]
    assert res["user"]["via"] == "DYLD_LIBRARY_PATH" and res["apache"]["via"] == "LC_RPATH of the module"
    assert "libpython-resolution-differs" in found


def test_sip_protected_system_httpd_ignores_dyld_variables(tmp_path):
    ctx = macho.DyldContext("/usr/sbin/httpd", env={"DYLD_LIBRARY_PATH": str(tmp_path)}, sip_protected=True)
    (tmp_path / "libpython3.12.dylib").write_bytes(b"x")
    res = macho.resolve_name("/opt/py/lib/libpython3.12.dylib", str(tmp_path / "m.so"), (), ctx)
    assert res["found"] is False and all(t["source"] != "DYLD_LIBRARY_PATH" for t in res["tried"])


def test_system_framework_path_is_unknown_off_macos(tmp_path):
    res = macho.resolve_name("/System/Library/Frameworks/Python.framework/Versions/2.7/Python", str(tmp_path / "m.so"),
                             (), macho.DyldContext(on_macos=False))
    assert res["found"] is None and res["tried"][0]["outcome"] == "system"


def test_dynamic_lookup_module_needs_loadfile(tmp_path):
    mod = write(tmp_path, "mod_wsgi.so", mm.thin(undefined=[("_Py_Initialize", mm.DYNAMIC_LOOKUP), ("_PyList_New", mm.DYNAMIC_LOOKUP)]))
    facts, found = run(tmp_path, mod)
    assert facts["linkage"]["dynamic_lookup"] and "libpython-needs-loadfile" in found
    _, found = run(tmp_path, mod, load_files=[("/opt/py/lib/libpython3.12.dylib", "httpd.conf", 10)])
    assert "libpython-needs-loadfile" not in found


def test_static_python_in_a_bundle(tmp_path):
    mod = write(tmp_path, "mod_wsgi.so", mm.thin(defined=["_Py_Initialize", "_wsgi_module"]))
    facts, found = run(tmp_path, mod)
    assert facts["linkage"]["static"] and "libpython-static" in found


def test_fat_binary_slices_and_architecture_mismatch(tmp_path):
    mod = write(tmp_path, "mod_wsgi.so", mm.fat([("x86_64", mm.thin("x86_64", dylibs=[("load", FRAMEWORK)])),
                                                 ("i386", mm.thin("i386", dylibs=[("weak", FRAMEWORK)]))]))
    httpd = write(tmp_path, "httpd", mm.thin("arm64", filetype=mm.MH_EXECUTE))
    facts, found = run(tmp_path, mod, httpd=httpd)
    assert facts["linkage"]["macho"]["archs"] == ["x86_64", "i386"]
    assert "module-wrong-architecture" in found and "arm64" in found["module-wrong-architecture"].detail


@pytest.mark.parametrize("data", [b"\xcf\xfa\xed\xfe", b"\xcf\xfa\xed\xfe" + b"\xff" * 40, b"\xca\xfe\xba\xbe" + b"\x00\x00\x00\x09" + b"\x01" * 30])
def test_truncated_or_corrupt_macho_is_a_finding(tmp_path, data):
    mod = write(tmp_path, "mod_wsgi.so", data)
    facts, found = run(tmp_path, mod)
    assert "module-not-loadable" in found, facts["linkage"]


def test_unknown_load_commands_are_tolerated(tmp_path):
    data = bytearray(mm.thin(dylibs=[("load", FRAMEWORK)]))
    # Rewrite the LC_LOAD_DYLIB's neighbour? Simplest: append a command macholib has never heard of.
    import struct
    ncmds, sizeofcmds = struct.unpack_from("<II", data, 16)
    unknown = struct.pack("<II", 0x7777, 16) + b"\0" * 8
    header_len = 32
    data[header_len + sizeofcmds:header_len + sizeofcmds] = unknown
    struct.pack_into("<II", data, 16, ncmds + 1, sizeofcmds + 16)
    # symbol table offsets moved by 16 bytes
    path = write(tmp_path, "mod_wsgi.so", bytes(data))
    slices = macho.read_macho(path)
    assert slices[0].python_dylib == FRAMEWORK
