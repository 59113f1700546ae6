"""Mach-O (macOS): which Python mod_wsgi.so loads, following dyld's rules, read with macholib.

dyld (``dyld(1)``) resolves each LC_LOAD_DYLIB install name: DYLD_FRAMEWORK_PATH (framework
names) and DYLD_LIBRARY_PATH (leaf name) first, then the name itself with ``@loader_path`` (the
module's directory), ``@executable_path`` (httpd's directory, not Python's) and ``@rpath`` (each
LC_RPATH of the loader chain: the module, then httpd) expanded, then the fallback paths. SIP
strips DYLD_* variables for Apple's own /usr/sbin/httpd. Every slice of a universal binary is
read; the one matching httpd's architecture is the one that loads.

macholib is always opened with ``allow_unknown_load_commands=True``: newer linkers emit load
commands older macholib releases do not know.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from wsgidoctor.linkage.elf import BinaryError, open_binary

_FRAMEWORK = re.compile(r"(?:^|/)(Python3?)\.framework/(?:Versions/(\d+\.\d+)/)?(Python3?)$")
_DYLIB = re.compile(r"(?:^|/)libpython(\d+\.\d+)[a-z]*\.dylib$")
_LOAD_KINDS = {0xC: "load", 0x80000018: "weak", 0x8000001F: "reexport", 0x80000023: "upward", 0x20: "lazy"}
LC_RPATH, LC_ID_DYLIB = 0x8000001C, 0xD
_ARCH_NAMES = {7: "i386", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64", 18: "ppc", 0x01000012: "ppc64"}
SYSTEM_PREFIXES = ("/usr/lib/", "/System/")


@dataclass(frozen=True)
class Slice:
    """One architecture of a Mach-O file."""

    arch: str
    filetype: str
    dylibs: tuple[tuple[str, str], ...]  # (kind, install name)
    rpaths: tuple[str, ...]
    install_name: Optional[str]
    defines_python: bool
    undefined_python: int
    dynamic_lookup: bool

    @property
    def python_dylib(self) -> Optional[str]:
        return next((n for _, n in self.dylibs if _FRAMEWORK.search(n) or _DYLIB.search(n)), None)


def python_version_of(name: str) -> Optional[str]:
    m = _FRAMEWORK.search(name)
    if m and m.group(2):
        return m.group(2)
    m = _DYLIB.search(name)
    return m.group(1) if m else None


def read_macho(path: str) -> list[Slice]:
    """All slices of ``path`` (raises :class:`BinaryError` on anything unreadable)."""
    with open_binary(path) as fh:
        head = fh.read(8)
    if len(head) < 8:
        raise BinaryError("truncated", path, f"Mach-O header truncated ({len(head)} bytes)")
    try:
        from macholib.MachO import MachO
        from macholib.SymbolTable import SymbolTable

        macho = MachO(path, allow_unknown_load_commands=True)
    except Exception as exc:  # noqa: BLE001 - macholib raises ValueError, struct.error, EOFError...
        raise BinaryError("corrupt", path, f"cannot parse Mach-O headers ({type(exc).__name__}: {exc})") from None
    slices = []
    for h in macho.headers:
        dylibs, rpaths, install = [], [], None
        for lc, _cmd, data in h.commands:
            text = data.split(b"\0", 1)[0].decode("utf-8", "surrogateescape") if isinstance(data, bytes) else ""
            if lc.cmd in _LOAD_KINDS:
                dylibs.append((_LOAD_KINDS[lc.cmd], text))
            elif lc.cmd == LC_RPATH:
                rpaths.append(text)
            elif lc.cmd == LC_ID_DYLIB:
                install = text
        defines, undefined, lookup = False, 0, False
        try:
            table = SymbolTable(macho, header=h)
            for _nl, name in getattr(table, "extdefsyms", []):
                if name in (b"_Py_Initialize", b"_Py_IsInitialized"):
                    defines = True
            for nl, name in getattr(table, "undefsyms", []):
                if name.startswith((b"_Py", b"__Py")):
                    undefined += 1
                    if (nl.n_desc >> 8) & 0xFF == 0xFE:
                        lookup = True
        except Exception:  # noqa: BLE001 - a stripped or damaged symbol table reads as "no symbols"
            pass
        slices.append(Slice(
            arch=_ARCH_NAMES.get(h.header.cputype, str(h.header.cputype)), filetype=str(h.filetype),
            dylibs=tuple(dylibs), rpaths=tuple(rpaths), install_name=install, defines_python=defines,
            undefined_python=undefined, dynamic_lookup=lookup))
    return slices


@dataclass(frozen=True)
class DyldContext:
    """The loading process: httpd's path and run paths, and the DYLD_* environment."""

    executable: Optional[str] = None
    executable_rpaths: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    sip_protected: bool = False  # Apple's /usr/sbin/httpd: DYLD_* are stripped
    on_macos: bool = False  # only then can the dyld shared cache be asked about system paths


def _expand(entry: str, loader_dir: str, exe_dir: Optional[str]) -> Optional[str]:
    if entry.startswith("@loader_path"):
        return os.path.normpath(loader_dir + entry[len("@loader_path"):])
    if entry.startswith("@executable_path"):
        return os.path.normpath(exe_dir + entry[len("@executable_path"):]) if exe_dir else None
    return entry


def _exists(path: str, ctx: DyldContext) -> tuple[str, str]:
    if os.path.exists(path):
        return "loaded", ""
    if path.startswith(SYSTEM_PREFIXES) and not ctx.on_macos:
        return "system", "a system path: on macOS 11+ it may live only in the dyld shared cache"
    return "missing", ""


def resolve_name(name: str, module_path: str, module_rpaths: Sequence[str], ctx: DyldContext) -> dict[str, Any]:
    """Resolve one install name the way dyld would: ``{name, path, found, via, error, tried}``."""
    loader_dir = os.path.dirname(os.path.abspath(module_path))
    exe_dir = os.path.dirname(ctx.executable) if ctx.executable else None
    tried: list[dict[str, str]] = []
    env = {} if ctx.sip_protected else dict(ctx.env)

    def attempt(path: Optional[str], source: str) -> Optional[dict[str, Any]]:
        if not path:
            return None
        outcome, detail = _exists(path, ctx)
        tried.append({"path": path, "source": source, "outcome": outcome, "detail": detail})
        if outcome in ("loaded", "system"):
            return {"name": name, "path": path, "found": True if outcome == "loaded" else None,
                    "via": source, "error": None, "tried": tried}
        return None

    leaf = name.rsplit("/", 1)[-1]
    fw = re.search(r"([^/]+\.framework/.*)$", name)
    if fw:
        for d in filter(None, env.get("DYLD_FRAMEWORK_PATH", "").split(":")):
            if (hit := attempt(os.path.join(d, fw.group(1)), "DYLD_FRAMEWORK_PATH")):
                return hit
    for d in filter(None, env.get("DYLD_LIBRARY_PATH", "").split(":")):
        if (hit := attempt(os.path.join(d, leaf), "DYLD_LIBRARY_PATH")):
            return hit
    error = None
    if name.startswith("@rpath/"):
        stack = [(r, loader_dir, "LC_RPATH of the module") for r in module_rpaths]
        stack += [(r, exe_dir or "", "LC_RPATH of httpd") for r in ctx.executable_rpaths]
        if not stack:
            error = f"Library not loaded: {name}: no LC_RPATH's found"
        for entry, owner_dir, source in stack:
            base = _expand(entry, owner_dir, exe_dir)
            if (hit := attempt(os.path.join(base, name[len("@rpath/"):]) if base else None, source)):
                return hit
    elif name.startswith(("@loader_path/", "@executable_path/")):
        if (hit := attempt(_expand(name, loader_dir, exe_dir), "install name")):
            return hit
    else:
        if (hit := attempt(name, "install name")):
            return hit
    fallback_fw = env.get("DYLD_FALLBACK_FRAMEWORK_PATH", "")
    fallback_lib = env.get("DYLD_FALLBACK_LIBRARY_PATH", "")
    if fw:
        for d in filter(None, fallback_fw.split(":")):
            if (hit := attempt(os.path.join(d, fw.group(1)), "DYLD_FALLBACK_FRAMEWORK_PATH")):
                return hit
    for d in filter(None, fallback_lib.split(":")):
        if (hit := attempt(os.path.join(d, leaf), "DYLD_FALLBACK_LIBRARY_PATH")):
            return hit
    return {"name": name, "path": None, "found": False, "via": None, "tried": tried,
            "error": error or f"Library not loaded: {name}: image not found"}


def examine(inputs: Any, facts: dict[str, Any]) -> dict[str, Any]:
    """Fill the linkage facts for a Mach-O module (see :func:`wsgidoctor.linkage.examine.examine`)."""
    linkage = facts["linkage"]
    try:
        slices = read_macho(inputs.module)
    except BinaryError as exc:
        linkage["problem"] = {"kind": exc.kind, "path": exc.path, "detail": exc.reason}
        return facts
    httpd_arch, httpd_rpaths = None, ()
    if inputs.httpd:
        try:
            hs = read_macho(inputs.httpd)
            httpd_arch, httpd_rpaths = hs[0].arch, hs[0].rpaths
        except BinaryError:
            pass
    chosen = next((s for s in slices if s.arch == httpd_arch), slices[0] if slices else None)
    linkage["macho"] = {"archs": [s.arch for s in slices], "httpd": inputs.httpd, "httpd_arch": httpd_arch,
                        "slices": [{"arch": s.arch, "filetype": s.filetype, "python": s.python_dylib,
                                    "rpaths": list(s.rpaths), "dylibs": [n for _, n in s.dylibs]} for s in slices]}
    if chosen is None:
        linkage["problem"] = {"kind": "corrupt", "path": inputs.module, "detail": "no Mach-O slice found"}
        return facts
    name = chosen.python_dylib
    linkage["needed"] = [n for _, n in chosen.dylibs]
    linkage["rpath"] = list(chosen.rpaths)
    linkage["static"] = name is None and chosen.defines_python
    linkage["needs_loadfile"] = name is None and not chosen.defines_python and chosen.undefined_python > 0
    linkage["dynamic_lookup"] = chosen.dynamic_lookup
    linkage["undefined_python_symbols"] = {"count": chosen.undefined_python, "examples": []}
    sip = (inputs.httpd or "").startswith("/usr/sbin/")
    envs = {"apache": dict(inputs.start_env or {}), "user": dict(inputs.user_env), "none": {}}
    resolutions: dict[str, Any] = {}
    for label, env in envs.items():
        ctx = DyldContext(inputs.httpd, tuple(httpd_rpaths), {k: v for k, v in env.items() if k.startswith("DYLD_")},
                          sip_protected=sip, on_macos=os.uname().sysname == "Darwin")
        if name:
            resolutions[label] = resolve_name(name, inputs.module, chosen.rpaths, ctx)
        else:
            resolutions[label] = {"name": None, "path": None, "found": False, "via": None, "error": None, "tried": []}
        resolutions[label]["ld_library_path"] = None
        resolutions[label]["dyld_env"] = {k: v for k, v in env.items() if k.startswith("DYLD_")}
    resolutions["apache"]["env_source"] = inputs.start_env_source if inputs.start_env is not None else "unknown"
    resolutions["winner"] = "apache"
    linkage["resolutions"] = resolutions
    apache = resolutions["apache"]
    linkage["python_library"] = {"name": name, "path": apache["path"], "found": apache["found"] if name else None,
                                 "python_version": python_version_of(name) if name else None,
                                 "resolution": "apache", "via": apache["via"]}
    linkage["loadfile"] = []
    linkage["loadfile_provides_python"] = any(
        _DYLIB.search(p) or _FRAMEWORK.search(p) for p, _f, _l in inputs.load_files)
    facts.setdefault("mod_wsgi", {"version": None, "python_compiled": None})
    return facts
