"""Emulate glibc's ld.so: where does a DT_NEEDED name resolve when httpd dlopen()s a module?

The order (glibc ``elf/dl-load.c`` ``_dl_map_object``; see the project's linkage notes §1):

0. an object already in the process whose name or DT_SONAME matches (httpd's own dependencies,
   ``LoadFile`` libraries, earlier modules): no search at all;
1. a name with a ``/`` is opened as a path after expanding $ORIGIN/$LIB/$PLATFORM;
2. only when the requester has no DT_RUNPATH: its DT_RPATH, then the main executable's (httpd's)
   DT_RPATH, unless httpd has a DT_RUNPATH (``dlopen`` leaves the module without a loader chain);
3. LD_LIBRARY_PATH (``:`` and ``;`` separate, an empty entry is the current directory), unless
   the process runs in secure-execution mode;
4. the requester's DT_RUNPATH;
5. ``/etc/ld.so.cache`` (entries filtered by class/machine);
6. the built-in system directories; steps 5-6 are skipped for DF_1_NODEFLIB objects.

Every directory of steps 2-4 and 6 is tried first with its glibc-hwcaps (and, before glibc 2.37,
legacy hwcaps) subdirectories. A candidate that is missing, unreadable or of the wrong ELF
class/machine is skipped; one that is too short, not ELF or otherwise invalid ends the search
with an error, exactly as ``open_verify`` does. Each try is kept, so the answer can be explained.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from wsgidoctor.linkage import ldcache
from wsgidoctor.linkage.elf import ElfInfo, parse_ident
from wsgidoctor.core.lazyre import lazy_re

_TRIPLETS = {
    (64, "EM_X86_64"): "x86_64-linux-gnu", (32, "EM_386"): "i386-linux-gnu",
    (64, "EM_AARCH64"): "aarch64-linux-gnu", (32, "EM_ARM"): "arm-linux-gnueabihf",
    (64, "EM_PPC64"): "powerpc64le-linux-gnu", (64, "EM_S390"): "s390x-linux-gnu",
    (64, "EM_RISCV"): "riscv64-linux-gnu", (32, "EM_X86_64"): "x86_64-linux-gnux32",
}
_MACHINE_FOR_UNAME = {
    "x86_64": (64, "EM_X86_64"), "aarch64": (64, "EM_AARCH64"), "i686": (32, "EM_386"),
    "i386": (32, "EM_386"), "armv7l": (32, "EM_ARM"), "armv6l": (32, "EM_ARM"),
    "ppc64le": (64, "EM_PPC64"), "s390x": (64, "EM_S390"), "riscv64": (64, "EM_RISCV"),
}
_X86_LEVELS = (
    ("x86-64-v4", {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"}),
    ("x86-64-v3", {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"}),
    ("x86-64-v2", {"cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3"}),
)


@dataclass(frozen=True)
class Platform:
    """What this system's ld.so has compiled in or detects at start-up."""

    system_dirs: tuple[str, ...]
    lib: str  # what $LIB expands to, e.g. "lib/x86_64-linux-gnu" on Debian, "lib64" upstream
    platform: str  # what $PLATFORM expands to (AT_PLATFORM)
    hwcaps_subdirs: tuple[str, ...] = ()  # active glibc-hwcaps subdirectories, best first
    legacy_subdirs: tuple[str, ...] = ()  # "tls/x86_64/x86_64", ... (glibc < 2.37)
    cache_path: str = "/etc/ld.so.cache"
    source: str = "defaults"  # "ld.so --list-diagnostics" when read from the loader itself

    def to_json(self) -> dict[str, Any]:
        return {"system_dirs": list(self.system_dirs), "lib": self.lib, "platform": self.platform,
                "hwcaps_subdirs": list(self.hwcaps_subdirs), "source": self.source}


def _glibc_version() -> Optional[tuple[int, int]]:
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return None
    m = re.search(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _cpu_info() -> tuple[Optional[str], set[str]]:
    """The CPU's vendor id and flags from /proc/cpuinfo: ``(None, set())`` when unreadable."""
    vendor: Optional[str] = None
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("vendor_id") and vendor is None:
                    vendor = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    return vendor, set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return vendor, set()


# glibc's sysdeps/x86/cpu-features.c (2.26 and later) renames AT_PLATFORM on Intel CPUs only
# (vendor "GenuineIntel"; AMD, Hygon, Zhaoxin keep "x86_64"). Linux's /proc/cpuinfo calls LZCNT "abm".
_XEON_PHI = {"avx512cd", "avx512er", "avx512pf"}
_AVX512_1 = {"avx512cd", "avx512bw", "avx512dq", "avx512vl"}
_HASWELL = {"avx2", "fma", "bmi1", "bmi2", "abm", "movbe", "popcnt"}


def x86_64_platform(vendor: Optional[str], flags: set[str],
                    glibc_version: Optional[tuple[int, int]] = (2, 36)) -> tuple[str, bool]:
    """What 64-bit glibc sets $PLATFORM to on this CPU, and whether the avx512_1 hwcap is set.

    "xeon_phi" (AVX512ER+PF) or "haswell" (AVX2, FMA, BMI1/2, LZCNT, MOVBE, POPCNT) on Intel,
    "x86_64" otherwise; "unknown" when the CPU's vendor and flags cannot be read.
    """
    if glibc_version is not None and glibc_version < (2, 26):
        return "x86_64", False
    if vendor is None or not flags:
        return "unknown", False
    if vendor != "GenuineIntel":
        return "x86_64", False
    if "avx512cd" in flags and "avx512er" in flags:
        if _XEON_PHI <= flags:
            return "xeon_phi", False
        avx512_1 = False
    else:
        avx512_1 = _AVX512_1 <= flags
    return ("haswell" if _HASWELL <= flags else "x86_64"), avx512_1


def legacy_subdirs(components: Sequence[str]) -> tuple[str, ...]:
    """glibc < 2.37 legacy hwcaps: every ordered subset of the components, largest first.

    With components ``("tls", "x86_64", "x86_64")`` this is the list ``LD_DEBUG=libs`` shows:
    ``tls/x86_64/x86_64, tls/x86_64, tls/x86_64, tls, x86_64/x86_64, x86_64, x86_64``.
    """
    n = len(components)
    out = []
    for mask in range((1 << n) - 1, 0, -1):
        out.append("/".join(components[i] for i in range(n) if mask & (1 << (n - 1 - i))))
    return tuple(out)


def detect_platform(elfclass: int = 0, machine: str = "") -> Platform:
    """Work the platform out from the file system and the CPU, without running anything."""
    uname = os.uname().machine
    if not machine:
        elfclass, machine = _MACHINE_FOR_UNAME.get(uname, (64, "EM_X86_64"))
    plat = uname[3:] if uname.startswith("armv") else uname
    triplet = _TRIPLETS.get((elfclass, machine))
    multiarch = triplet and (os.path.isdir(f"/lib/{triplet}") or os.path.isdir(f"/usr/lib/{triplet}"))
    if multiarch:
        dirs: tuple[str, ...] = (f"/lib/{triplet}", f"/usr/lib/{triplet}", "/lib", "/usr/lib")
        lib = f"lib/{triplet}"
    elif elfclass == 64 and os.path.isdir("/lib64") and not os.path.islink("/usr/lib64"):
        dirs, lib = ("/lib64", "/usr/lib64"), "lib64"
    else:
        dirs, lib = ("/lib", "/usr/lib"), "lib"
    hw: tuple[str, ...] = ()
    legacy: tuple[str, ...] = ()
    version = _glibc_version()
    if machine == "EM_X86_64" and elfclass == 64:
        vendor, flags = _cpu_info()
        hw = tuple(name for name, need in _X86_LEVELS if need <= flags) if version and version >= (2, 33) else ()
        if uname == "x86_64":
            plat, avx512_1 = x86_64_platform(vendor, flags, version)
            if version and version < (2, 37):
                # ld.so --help's order: tls, AT_PLATFORM, then the hwcap bits (avx512_1, x86_64).
                legacy = legacy_subdirs(("tls", plat) + (("avx512_1",) if avx512_1 else ()) + ("x86_64",))
        elif version and version < (2, 37):
            legacy = legacy_subdirs(("tls", plat, plat))
    elif version and version < (2, 37):
        legacy = legacy_subdirs(("tls", plat))
    return Platform(dirs, lib, plat, hw, legacy)


def platform_from_ldso(diagnostics: str, help_text: str = "") -> Optional[Platform]:
    """Read the platform from ``ld.so --list-diagnostics`` (and ``--help`` for legacy hwcaps)."""
    dirs = re.findall(r'^path\.system_dirs\[0x[0-9a-f]+\]="([^"]*)"', diagnostics, re.M)
    if not dirs:
        return None
    plat = re.search(r'^dl_platform="([^"]*)"', diagnostics, re.M)
    subdirs = re.search(r'^dl_hwcaps_subdirs="([^"]*)"', diagnostics, re.M)
    active = re.search(r"^dl_hwcaps_subdirs_active=0x([0-9a-f]+)", diagnostics, re.M)
    names = [s for s in (subdirs.group(1).split(":") if subdirs else []) if s]
    count = bin(int(active.group(1), 16)).count("1") if active else len(names)
    # The active levels are the lowest ones (a CPU with v3 also has v2): the tail of the list.
    hw = tuple(names[len(names) - count:]) if count else ()
    legacy: tuple[str, ...] = ()
    if help_text and "Legacy HWCAP subdirectories" in help_text:
        section = help_text.split("Legacy HWCAP subdirectories", 1)[1]
        searched = re.findall(r"^\s+(\S+) \((AT_PLATFORM; )?supported, searched\)", section, re.M)
        platform_names = [n for n, is_plat in searched if is_plat]
        others = [n for n, is_plat in searched if not is_plat]
        comps = [c for c in others if c == "tls"] + platform_names + [c for c in others if c != "tls"]
        legacy = legacy_subdirs(comps)
    clean = tuple(d.rstrip("/") or "/" for d in dirs)
    lib = clean[0].lstrip("/") if clean else "lib"
    return Platform(clean, lib, plat.group(1) if plat else os.uname().machine, hw, legacy,
                    source="ld.so --list-diagnostics")


@dataclass(frozen=True)
class Attempt:
    """One path the loader tried, and what happened."""

    path: str
    source: str  # "RPATH", "RPATH of httpd", "LD_LIBRARY_PATH", "RUNPATH", "ld.so.cache", "system directory", "already-loaded", "path"
    outcome: str  # "loaded", "missing", "unreadable", "wrong-class", "wrong-machine", "fatal", "unverified"
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "source": self.source, "outcome": self.outcome, "detail": self.detail}


@dataclass(frozen=True)
class Resolution:
    """Where a name resolved (``path``) or why not (``error``), with the trail of tries."""

    name: str
    path: Optional[str]
    via: Optional[str]
    tried: tuple[Attempt, ...] = ()
    error: Optional[str] = None

    @property
    def found(self) -> bool:
        return self.path is not None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "found": self.found, "via": self.via,
                "error": self.error, "tried": [a.to_json() for a in self.tried]}


@dataclass(frozen=True)
class LoadState:
    """The process that does the loading: what it already has and how it was started."""

    executable: Optional[ElfInfo] = None  # httpd; its DT_RPATH takes part in the search
    loaded: Mapping[str, str] = field(default_factory=dict)  # name or DT_SONAME -> path
    ld_library_path: Optional[str] = None
    secure: bool = False
    cwd: str = "/"
    as_root: bool = True  # the loader runs as root (Apache's parent); EACCES then cannot happen
    identity: Optional[Any] = None  # an access.Identity to evaluate permissions as (not root)


_DST = lazy_re(r"\$(\{)?(ORIGIN|LIB|PLATFORM)(?(1)\})")


def expand_tokens(entry: str, origin: str, platform: Platform) -> str:
    """Expand $ORIGIN, $LIB and $PLATFORM (and their ``${...}`` forms) in one path entry."""
    values = {"ORIGIN": origin, "LIB": platform.lib, "PLATFORM": platform.platform}
    return _DST.sub(lambda m: values[m.group(2)], entry)


def split_search_path(value: str) -> list[str]:
    """LD_LIBRARY_PATH entries: ``:`` and ``;`` both separate; an empty entry is kept."""
    return re.split(r"[:;]", value)


_FATAL = object()


class Resolver:
    """Resolve DT_NEEDED names the way glibc would, for one platform and cache."""

    def __init__(self, platform: Optional[Platform] = None, cache: Optional[ldcache.LdCache] = None):
        self.platform = platform or detect_platform()
        self.cache = cache if cache is not None else ldcache.load(self.platform.cache_path)

    def check(self, path: str, elfclass: int, machine: str, as_root: bool,
              identity: Optional[Any] = None) -> tuple[str, str]:
        """Classify one candidate as ``open_verify`` would: (outcome, detail).

        With an ``identity`` other than root, the mode bits are checked as that user first, so
        that a root doctor can answer for www-data: EACCES makes glibc skip the candidate.
        """
        if identity is not None and identity.uid != 0 and os.path.lexists(path):
            from wsgidoctor.linkage.access import first_blocked

            blocked = first_blocked(path, identity)
            if blocked is not None and blocked.checked:
                return "unreadable", f"permission denied for {identity.name} at {blocked.path} (EACCES): skipped"
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return "missing", ""
        except NotADirectoryError:
            return "missing", "a directory on the way is not a directory"
        except PermissionError:
            if as_root and os.geteuid() != 0:
                # Apache's parent runs as root and would open it; we cannot look inside.
                return "unverified", "not readable by this user; assumed readable by root"
            return "unreadable", "permission denied (EACCES): skipped"
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "fatal", "cannot open shared object file: Too many levels of symbolic links"
            return "fatal", f"cannot open shared object file: {exc.strerror}"
        try:
            try:
                head = os.read(fd, 64)
            except IsADirectoryError:
                return "fatal", "cannot read file data: Is a directory"
            except OSError as exc:
                return "fatal", f"cannot read file data: {exc.strerror}"
        finally:
            os.close(fd)
        # open_verify reads one Ehdr of the loader's own class before looking at anything.
        if len(head) < (64 if elfclass == 64 else 52):
            return "fatal", "file too short"
        if not head.startswith(b"\x7fELF"):
            return "fatal", "invalid ELF header"
        if head[4] in (1, 2) and head[4] != (2 if elfclass == 64 else 1):
            return "wrong-class", f"wrong ELF class: ELFCLASS{32 if head[4] == 1 else 64}: skipped"
        ident = parse_ident(head)
        if ident is None:
            return "fatal", "invalid ELF header"
        if not ident.little_endian:  # every glibc target this doctor meets is little-endian
            return "fatal", "ELF file data encoding not little-endian"
        if ident.version != 1:
            return "fatal", "ELF file version does not match current one"
        if ident.osabi not in (0, 3):
            return "fatal", "ELF file OS ABI invalid"
        if ident.machine_name != machine:
            return "wrong-machine", f"incompatible ELF machine {ident.machine_name}: skipped"
        if ident.etype not in (2, 3):
            return "fatal", "only ET_DYN and ET_EXEC can be loaded"
        return "loaded", ""

    def _dirs_with_hwcaps(self, directory: str) -> list[str]:
        p = self.platform
        subs = [f"{directory}/glibc-hwcaps/{s}" for s in p.hwcaps_subdirs]
        subs += [f"{directory}/{s}" for s in p.legacy_subdirs]
        return subs + [directory]

    def _search(self, name: str, dirs: Sequence[str], source: str, want: ElfInfo, state: LoadState,
                tried: list[Attempt], seen: set[str], flags: dict[str, bool]) -> Any:
        for directory in dirs:
            key = directory or "."
            if key in seen:
                continue
            seen.add(key)
            base = directory if directory else state.cwd
            for d in self._dirs_with_hwcaps(base.rstrip("/") or ""):
                candidate = f"{d}/{name}"
                if d != base.rstrip("/") and not os.path.isdir(d):
                    continue  # a hwcaps subdirectory that does not exist: nothing to try
                outcome, detail = self.check(candidate, want.elfclass, want.machine, state.as_root, state.identity)
                tried.append(Attempt(candidate, source, outcome, detail))
                if outcome in ("loaded", "unverified"):
                    return candidate
                if outcome == "wrong-class":
                    flags["other_class"] = True
                if outcome == "fatal":
                    return _FATAL
        return None

    def resolve(self, name: str, requester: ElfInfo, requester_path: Optional[str] = None,
                state: Optional[LoadState] = None) -> Resolution:
        """Resolve ``name``, needed by ``requester`` (loaded from ``requester_path``)."""
        state = state or LoadState()
        origin = os.path.dirname(os.path.abspath(requester_path or requester.path))
        tried: list[Attempt] = []
        if name in state.loaded:
            path = state.loaded[name]
            tried.append(Attempt(path, "already-loaded", "loaded", "an object with this name or DT_SONAME is already in the process"))
            return Resolution(name, path, "already-loaded", tuple(tried))
        if "/" in name:
            path = expand_tokens(name, origin, self.platform)
            outcome, detail = self.check(path, requester.elfclass, requester.machine, state.as_root, state.identity)
            tried.append(Attempt(path, "path", outcome, detail))
            if outcome in ("loaded", "unverified"):
                return Resolution(name, path, "path", tuple(tried))
            return Resolution(name, None, None, tuple(tried), f"{path}: {detail or 'cannot open shared object file: No such file or directory'}")

        seen: set[str] = set()
        flags = {"other_class": False}

        def run(dirs: Sequence[str], source: str, origin_dir: str) -> Any:
            expanded = [expand_tokens(d, origin_dir, self.platform) for d in dirs]
            return self._search(name, expanded, source, requester, state, tried, seen, flags)

        steps: list[tuple[Sequence[str], str, str]] = []
        if not requester.runpath:
            if requester.rpath:
                steps.append((requester.rpath, "RPATH", origin))
            exe = state.executable
            if exe is not None and exe.rpath and not exe.runpath:
                steps.append((exe.rpath, "RPATH of the executable", os.path.dirname(exe.path)))
        if state.ld_library_path and not state.secure:
            exe_dir = os.path.dirname(state.executable.path) if state.executable else state.cwd
            steps.append((split_search_path(state.ld_library_path), "LD_LIBRARY_PATH", exe_dir))
        if requester.runpath:
            steps.append((requester.runpath, "RUNPATH", origin))
        for dirs, source, origin_dir in steps:
            found = run(dirs, source, origin_dir)
            if found is _FATAL:
                last = tried[-1]
                return Resolution(name, None, None, tuple(tried), f"{last.path}: {last.detail}")
            if found:
                return Resolution(name, found, source, tuple(tried))

        if not requester.nodeflib:
            for entry in self.cache.lookup(name, requester.elfclass, requester.machine, self.platform.hwcaps_subdirs):
                outcome, detail = self.check(entry.path, requester.elfclass, requester.machine, state.as_root, state.identity)
                tried.append(Attempt(entry.path, "ld.so.cache", outcome, detail))
                if outcome in ("loaded", "unverified"):
                    return Resolution(name, entry.path, "ld.so.cache", tuple(tried))
                if outcome == "fatal":
                    return Resolution(name, None, None, tuple(tried), f"{entry.path}: {detail}")
                if outcome == "wrong-class":
                    flags["other_class"] = True
                break  # glibc takes the first acceptable cache entry only
            found = run(self.platform.system_dirs, "system directory", origin)
            if found is _FATAL:
                last = tried[-1]
                return Resolution(name, None, None, tuple(tried), f"{last.path}: {last.detail}")
            if found:
                return Resolution(name, found, "system directory", tuple(tried))
        if flags["other_class"]:
            other = 32 if requester.elfclass == 64 else 64
            error = f"{name}: wrong ELF class: ELFCLASS{other}"
        else:
            error = f"{name}: cannot open shared object file: No such file or directory"
        return Resolution(name, None, None, tuple(tried), error)


def loaded_objects(resolver: Resolver, executable: ElfInfo, state: LoadState,
                   extra: Sequence[ElfInfo] = (), limit: int = 200) -> dict[str, str]:
    """Names and sonames of everything loaded with ``executable`` (breadth first) and ``extra``.

    ``extra`` are objects loaded later but before the module (``LoadFile``, earlier modules);
    their own dependencies are followed too.
    """
    from wsgidoctor.linkage.elf import BinaryError

    loaded: dict[str, str] = {}
    queue: list[tuple[ElfInfo, str]] = [(executable, executable.path)]
    for obj in extra:
        queue.append((obj, obj.path))
        loaded.setdefault(obj.path, obj.path)
        if obj.soname:
            loaded.setdefault(obj.soname, obj.path)
    if executable.interp:
        loaded.setdefault(executable.interp, executable.interp)
        loaded.setdefault(os.path.basename(executable.interp), executable.interp)
    local_state = LoadState(executable, loaded, state.ld_library_path, state.secure, state.cwd, state.as_root,
                            state.identity)
    while queue and len(loaded) < limit:
        obj, path = queue.pop(0)
        for need in obj.needed:
            if need in loaded:
                continue
            res = resolver.resolve(need, obj, path, local_state)
            if not res.found:
                continue
            loaded[need] = res.path  # type: ignore[assignment]
            try:
                info = _read_elf_cached(res.path)  # type: ignore[arg-type]
            except BinaryError:
                continue
            if info.soname:
                loaded.setdefault(info.soname, res.path)  # type: ignore[arg-type]
            queue.append((info, res.path))  # type: ignore[arg-type]
    return loaded


_ELF_CACHE: dict[tuple[str, int, int, int], ElfInfo] = {}


def _read_elf_cached(path: str) -> ElfInfo:
    """read_elf, remembered per file identity: httpd's tree is walked once per environment."""
    from wsgidoctor.linkage.elf import read_elf

    try:
        st = os.stat(path)
        key = (path, st.st_ino, st.st_mtime_ns, st.st_size)
    except OSError:
        return read_elf(path)
    info = _ELF_CACHE.get(key)
    if info is None:
        if len(_ELF_CACHE) > 512:
            _ELF_CACHE.clear()
        info = _ELF_CACHE[key] = read_elf(path)
    return info
