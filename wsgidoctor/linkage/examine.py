"""Examine one mod_wsgi module file and produce the ``linkage`` and ``mod_wsgi`` facts.

Pure reading of files: no command is run here. The probe gathers the inputs (where the module
is, httpd, Apache's start environment, LoadFile lines, the Apache user) and calls
:func:`examine`; the rules turn the facts into findings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from wsgidoctor.linkage import access, glibc, installations, ldcache
from wsgidoctor.linkage.elf import (
    BinaryError, ElfInfo, LIBPYTHON_RE, PYTHON_RUNTIME_SYMBOLS, SymbolReader, classify_versions,
    hex_version, library_python_version, read_elf, soname_python_xy, version_strings,
)

MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")


@dataclass
class Inputs:
    """Everything :func:`examine` needs to know besides the files themselves."""

    module: str
    httpd: Optional[str] = None
    start_env: Optional[Mapping[str, str]] = None  # None: Apache's start environment is unknown
    start_env_source: Optional[str] = None
    user_env: Mapping[str, str] = field(default_factory=dict)
    load_files: Sequence[tuple[str, Optional[str], Optional[int]]] = ()
    apache_user: Optional[str] = None
    symbol: str = "wsgi_module"
    platform: Optional[glibc.Platform] = None
    scan_installations: bool = True


def file_format(path: str) -> Optional[str]:
    """``"elf"``, ``"mach-o"`` or None, from the magic number (never raises)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return None
    if head == b"\x7fELF":
        return "elf"
    if head in MACHO_MAGICS:
        return "mach-o"
    return None


def _problem(exc: BinaryError) -> dict[str, Any]:
    return {"kind": exc.kind, "path": exc.path, "detail": exc.reason}


def examine(inputs: Inputs) -> dict[str, Any]:
    """Facts about the module in ``inputs`` (a fragment with ``linkage`` and ``mod_wsgi``)."""
    path = inputs.module
    linkage: dict[str, Any] = {"module": path, "format": None, "problem": None}
    facts: dict[str, Any] = {"linkage": linkage}
    fmt = file_format(path)
    linkage["format"] = fmt
    if fmt == "mach-o":
        from wsgidoctor.linkage import macho

        return macho.examine(inputs, facts)
    try:
        info = read_elf(path)
    except BinaryError as exc:
        linkage["problem"] = _problem(exc)
        return facts
    if info.etype not in ("ET_DYN",):
        linkage["problem"] = {"kind": "not-shared-object", "path": path,
                              "detail": f"is an ELF {info.etype} file, not a shared object Apache can load"}
    return _examine_elf(inputs, info, facts)


def _httpd_info(httpd: Optional[str]) -> tuple[Optional[ElfInfo], Optional[str]]:
    if not httpd:
        return None, None
    try:
        return read_elf(httpd), None
    except BinaryError as exc:
        return None, exc.reason


def _examine_elf(inputs: Inputs, info: ElfInfo, facts: dict[str, Any]) -> dict[str, Any]:
    linkage = facts["linkage"]
    httpd, httpd_problem = _httpd_info(inputs.httpd)
    linkage["elf"] = {
        "class": info.elfclass, "machine": info.machine,
        "httpd": inputs.httpd, "httpd_class": httpd.elfclass if httpd else None,
        "httpd_machine": httpd.machine if httpd else None, "httpd_problem": httpd_problem,
    }
    linkage["needed"] = list(info.needed)
    linkage["rpath"] = list(info.rpath)
    linkage["runpath"] = list(info.runpath)
    name = info.libpython_needed

    # Symbols and strings: static libpython, host-provided Python, versions, module struct.
    with SymbolReader(info.path) as reader:
        defined = [s for s in PYTHON_RUNTIME_SYMBOLS if reader.defined(s) is not None]
        undefined_count, undefined_names = reader.undefined_python_symbols()
        strings = version_strings(reader.rodata())
        embedded = None
        raw = reader.symbol_bytes("Py_Version", 4)
        if raw is not None:
            embedded = hex_version(int.from_bytes(raw, "little" if info.little_endian else "big"))
    static = name is None and bool(defined)
    python_compiled, modwsgi_version = classify_versions(strings, soname_python_xy(name) if name else None)
    if static and embedded is None and python_compiled:
        embedded = python_compiled
    linkage["static"] = static
    linkage["static_python_version"] = embedded if static else None
    linkage["undefined_python_symbols"] = {"count": undefined_count, "examples": undefined_names}
    facts["mod_wsgi"] = {"version": modwsgi_version, "python_compiled": python_compiled}
    linkage["python_compiled"] = python_compiled
    linkage["size"] = info.size

    try:
        from wsgidoctor.linkage.elf import module_magic

        magic = module_magic(info.path, inputs.symbol)
    except BinaryError:
        magic = None
    linkage["module_magic"] = None if magic is None else {
        "symbol": magic.symbol, "major": magic.major, "minor": magic.minor,
        "cookie": f"0x{magic.cookie:08x}", "cookie_name": magic.cookie_text,
    }

    platform = inputs.platform or glibc.detect_platform(info.elfclass, info.machine)
    resolver = glibc.Resolver(platform)
    linkage["platform"] = platform.to_json()

    # What is in the process before the module: httpd's tree and LoadFile'd libraries.
    load_files = []
    extra: list[ElfInfo] = []
    for lf_path, lf_file, lf_line in inputs.load_files:
        entry: dict[str, Any] = {"path": lf_path, "file": lf_file, "line": lf_line, "soname": None,
                                 "problem": None}
        try:
            lf = read_elf(lf_path)
            entry["soname"] = lf.soname
            extra.append(lf)
        except BinaryError as exc:
            entry["problem"] = exc.reason
            if exc.kind == "not-binary" and _is_archive(lf_path):
                entry["problem"] = "is a static archive (!<arch>), which dlopen cannot load"
        entry["provides_libpython"] = bool(
            (entry["soname"] and LIBPYTHON_RE.match(entry["soname"])) or LIBPYTHON_RE.match(os.path.basename(lf_path)))
        load_files.append(entry)
    linkage["loadfile"] = load_files

    envs = {
        "apache": dict(inputs.start_env) if inputs.start_env is not None else {},
        "user": dict(inputs.user_env),
        "none": {},
    }
    resolutions: dict[str, Any] = {}
    loaded_by_llp: dict[Optional[str], dict[str, str]] = {}
    for label, env in envs.items():
        llp = env.get("LD_LIBRARY_PATH")
        if llp not in loaded_by_llp:
            loaded_by_llp[llp] = _already_loaded(resolver, httpd, extra, llp)
        loaded = loaded_by_llp[llp]
        state = glibc.LoadState(executable=httpd, loaded=loaded, ld_library_path=llp,
                                as_root=(label == "apache"))
        if name:
            res = resolver.resolve(name, info, info.path, state).to_json()
        else:
            res = {"name": None, "path": None, "found": False, "via": None, "error": None, "tried": []}
            provider = next((p for n, p in loaded.items() if LIBPYTHON_RE.match(os.path.basename(n))), None)
            res["provided_by"] = provider
        res["ld_library_path"] = llp
        resolutions[label] = res
    resolutions["apache"]["env_source"] = inputs.start_env_source if inputs.start_env is not None else "unknown"
    resolutions["winner"] = "apache"
    linkage["resolutions"] = resolutions

    apache = resolutions["apache"]
    version = None
    if apache["found"]:
        version = library_python_version(apache["path"], soname_python_xy(name) if name else None)
    linkage["python_library"] = {
        "name": name, "path": apache["path"], "found": apache["found"] if name else None,
        "python_version": version, "resolution": "apache", "via": apache["via"],
    }
    provider = apache.get("provided_by")
    loaded_python = _loadfile_python(load_files, provider) if name is None and not static else None
    if loaded_python is not None:
        # mod_wsgi.so names no libpython: its Python symbols bind to the LoadFile'd one
        path, soname = loaded_python
        linkage["python_library"] = {
            "name": soname, "path": path, "found": True,
            "python_version": library_python_version(path, soname_python_xy(soname)),
            "resolution": "apache", "via": "LoadFile",
        }
    linkage["needs_loadfile"] = name is None and not static and undefined_count > 0
    linkage["loadfile_provides_python"] = bool(provider) or any(lf["provides_libpython"] and not lf["problem"] for lf in load_files)

    if name:
        linkage["stale_cache"] = stale_cache_entries(name, resolver)
        if inputs.scan_installations:
            extra_dirs = [os.path.dirname(apache["path"])] if apache["path"] else []
            extra_dirs += [d for d in info.rpath + info.runpath if d and "$" not in d]
            linkage["python_installations"] = installations.same_soname(name, extra_dirs)
    linkage["apache_user"] = inputs.apache_user
    linkage["unreadable"] = None
    if inputs.apache_user and apache["path"]:
        who = access.Identity.for_user(inputs.apache_user)
        if who is not None:
            blocked = access.first_blocked(apache["path"], who)
            if blocked is None and name:
                stdlib = os.path.join(os.path.dirname(os.path.realpath(apache["path"])), f"python{soname_python_xy(name)}")
                if os.path.isdir(stdlib):
                    blocked = access.first_blocked(stdlib, who, want_dir=True)
            if blocked is not None and blocked.checked:
                linkage["unreadable"] = {"user": who.name, **blocked.to_json(), "library": apache["path"]}
    return facts


def _already_loaded(resolver: glibc.Resolver, httpd: Optional[ElfInfo], extra: Sequence[ElfInfo],
                    llp: Optional[str]) -> dict[str, str]:
    """Names already in Apache's process when the module is loaded (httpd's tree, LoadFile)."""
    if httpd is not None:
        return glibc.loaded_objects(resolver, httpd, glibc.LoadState(executable=httpd, ld_library_path=llp), extra)
    loaded: dict[str, str] = {}
    for lf in extra:
        loaded[lf.path] = lf.path
        if lf.soname:
            loaded[lf.soname] = lf.path
    return loaded


def _loadfile_python(load_files: Sequence[dict[str, Any]], provider: Optional[str]
                     ) -> Optional[tuple[str, str]]:
    """(path, soname) of the libpython a LoadFile puts into the process, else None."""
    for lf in load_files:
        if lf.get("provides_libpython") and not lf.get("problem"):
            return str(lf["path"]), str(lf.get("soname") or os.path.basename(str(lf["path"])))
    if provider:
        return provider, os.path.basename(provider)
    return None


def _is_archive(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == b"!<arch>\n"
    except OSError:
        return False


def stale_cache_entries(soname: str, resolver: glibc.Resolver, conf: str = "/etc/ld.so.conf") -> list[dict[str, str]]:
    """Copies of ``soname`` in ld.so.conf directories that ``/etc/ld.so.cache`` does not list.

    ld.so never reads ld.so.conf; only ``ldconfig`` does, when it rebuilds the cache. A library
    installed there afterwards (``make install`` of Python into /usr/local/lib) stays invisible
    until ``ldconfig`` runs again.
    """
    listed = {os.path.realpath(e.path) for e in resolver.cache.entries if e.soname == soname}
    system = {os.path.realpath(d) for d in resolver.platform.system_dirs}
    out = []
    for d in ldcache.conf_dirs(conf):
        candidate = os.path.join(d, soname)
        if os.path.exists(candidate) and os.path.realpath(candidate) not in listed \
                and os.path.realpath(d) not in system:
            out.append({"dir": d, "path": candidate})
    return out
