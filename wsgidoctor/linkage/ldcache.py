"""Read glibc's ``/etc/ld.so.cache``: the list ld.so consults instead of ``ld.so.conf``.

Three layouts exist (glibc ``sysdeps/generic/dl-cache.h``): the old ``ld.so-1.7.0`` table alone,
the old table followed by the new ``glibc-ld.so.cache1.1`` one, and the new one alone (what
current ldconfig writes). In the new format the string offsets count from the new header; in the
old one from the start of the string table that follows the entries.

Entries are kept in file order, which is ldconfig's sort order; the loader takes the first entry
for a name whose flags fit the requesting object, so a dict of lists gives the same answer as
glibc's binary search. Also here: the ``ld.so.conf`` reader used only to spot a stale cache
(ld.so never reads the conf file at run time).
"""

from __future__ import annotations

import glob
import os
import struct
from dataclasses import dataclass, field
from typing import Optional

OLD_MAGIC = b"ld.so-1.7.0"
NEW_MAGIC = b"glibc-ld.so.cache1.1"
_EXT_MAGIC = 0xEAA42174
_HWCAP_EXTENSION = 1 << 62

FLAG_ELF_LIBC6 = 3
#: (class, machine) -> the ABI byte ldconfig stores in an entry's flags (``FLAG_*_LIB64`` ...).
_ABI_FLAGS: dict[tuple[int, str], tuple[int, ...]] = {
    (64, "EM_X86_64"): (0x0300,),
    (32, "EM_X86_64"): (0x0800,),  # x32
    (32, "EM_386"): (0x0000,),
    (64, "EM_AARCH64"): (0x0A00,),
    (64, "EM_PPC64"): (0x0500,),
    (64, "EM_S390"): (0x0400,),
    (64, "EM_SPARCV9"): (0x0100,),
    (64, "EM_IA_64"): (0x0200,),
    (64, "EM_RISCV"): (0x1000, 0x0F00),
    (32, "EM_ARM"): (0x0900, 0x0000),
    (64, "EM_MIPS"): (0x0700, 0x0600),
    (32, "EM_MIPS"): (0x0000, 0x0600),
    (64, "EM_LOONGARCH"): (0x1300, 0x1200),
}


@dataclass(frozen=True)
class CacheEntry:
    """One line of ``ldconfig -p``."""

    soname: str
    path: str
    flags: int
    hwcap: int = 0
    hwcaps_subdir: Optional[str] = None  # glibc-hwcaps subdirectory name for extension entries

    @property
    def abi(self) -> int:
        return self.flags & 0xFF00


@dataclass
class LdCache:
    """The parsed cache: entries in file order, and an index by soname."""

    path: str
    layout: str  # "new", "old", "old+new", "empty"
    entries: list[CacheEntry] = field(default_factory=list)
    generator: Optional[str] = None
    _by_name: dict[str, list[CacheEntry]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for e in self.entries:
            self._by_name.setdefault(e.soname, []).append(e)

    def lookup(self, soname: str, elfclass: int, machine: str,
               hwcaps_subdirs: tuple[str, ...] = ()) -> list[CacheEntry]:
        """Entries for ``soname`` that a loader of this class/machine accepts, best first."""
        wanted = _ABI_FLAGS.get((elfclass, machine))
        out = []
        for e in self._by_name.get(soname, ()):
            if e.flags & 0xFF != FLAG_ELF_LIBC6 and e.flags & 0xFF != 1:
                continue
            if wanted is not None and e.abi not in wanted:
                continue
            if e.hwcaps_subdir is not None and e.hwcaps_subdir not in hwcaps_subdirs:
                continue
            out.append(e)
        # glibc-hwcaps entries in the loader's priority order, then the plain ones.
        rank = {name: i for i, name in enumerate(hwcaps_subdirs)}
        out.sort(key=lambda e: rank.get(e.hwcaps_subdir, len(rank)) if e.hwcaps_subdir else len(rank) + 1)
        return out


def _cstr(data: bytes, offset: int) -> Optional[str]:
    if not 0 <= offset < len(data):
        return None
    end = data.find(b"\x00", offset)
    if end < 0:
        return None
    return data[offset:end].decode("utf-8", "surrogateescape")


def parse(data: bytes, path: str = "/etc/ld.so.cache") -> LdCache:
    """Parse cache bytes; a corrupt or foreign file gives an empty cache, never an exception."""
    try:
        return _parse(data, path)
    except (struct.error, IndexError, ValueError):
        return LdCache(path, "empty")


def _parse(data: bytes, path: str) -> LdCache:
    if data.startswith(NEW_MAGIC):
        return _parse_new(data, 0, path, "new")
    if not data.startswith(OLD_MAGIC):
        return LdCache(path, "empty")
    (nlibs,) = struct.unpack_from("<I", data, 12)
    table_end = 16 + 12 * nlibs
    new_at = (table_end + 7) & ~7
    if data[new_at:new_at + len(NEW_MAGIC)] == NEW_MAGIC:
        return _parse_new(data, new_at, path, "old+new")
    entries = []
    for i in range(nlibs):
        flags, key, value = struct.unpack_from("<iII", data, 16 + 12 * i)
        name, target = _cstr(data, table_end + key), _cstr(data, table_end + value)
        if name and target:
            entries.append(CacheEntry(name, target, flags))
    return LdCache(path, "old", entries)


def _parse_new(data: bytes, base: int, path: str, layout: str) -> LdCache:
    endian = data[base + 28] if len(data) > base + 28 else 0
    order = ">" if endian == 3 else "<"
    nlibs, _len_strings = struct.unpack_from(order + "II", data, base + 20)
    (ext_offset,) = struct.unpack_from(order + "I", data, base + 32)
    hwcaps_names = _hwcaps_extension(data, base, ext_offset, order)
    generator = _generator(data, base, ext_offset, order)
    entries = []
    for i in range(nlibs):
        flags, key, value, _osv, hwcap = struct.unpack_from(order + "iIIIQ", data, base + 48 + 24 * i)
        name, target = _cstr(data, base + key), _cstr(data, base + value)
        if not (name and target):
            continue
        subdir = None
        if hwcap & _HWCAP_EXTENSION:
            index = hwcap & 0xFFFFFFFF
            subdir = hwcaps_names[index] if index < len(hwcaps_names) else f"#{index}"
        entries.append(CacheEntry(name, target, flags, hwcap, subdir))
    return LdCache(path, layout, entries, generator)


def _extension_sections(data: bytes, base: int, ext_offset: int, order: str):
    if not ext_offset:
        return
    at = base + ext_offset
    magic, count = struct.unpack_from(order + "II", data, at)
    if magic != _EXT_MAGIC:
        return
    for i in range(min(count, 64)):
        tag, _flags, offset, size = struct.unpack_from(order + "IIII", data, at + 8 + 16 * i)
        yield tag, base + offset, size


def _hwcaps_extension(data: bytes, base: int, ext_offset: int, order: str) -> list[str]:
    for tag, offset, size in _extension_sections(data, base, ext_offset, order) or ():
        if tag == 1:  # cache_extension_tag_glibc_hwcaps: array of u32 string offsets
            return [(_cstr(data, base + off) or "") for off in struct.unpack_from(order + f"{size // 4}I", data, offset)]
    return []


def _generator(data: bytes, base: int, ext_offset: int, order: str) -> Optional[str]:
    for tag, offset, size in _extension_sections(data, base, ext_offset, order) or ():
        if tag == 0:
            return data[offset:offset + size].decode("utf-8", "replace")
    return None


_CACHE: dict[tuple[str, int, int, int], LdCache] = {}


def load(path: str = "/etc/ld.so.cache") -> LdCache:
    """Read and parse the cache file (memoised on its identity and mtime); empty if unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return LdCache(path, "empty")
    key = (path, st.st_ino, st.st_mtime_ns, st.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        with open(path, "rb") as fh:
            data = fh.read(64 * 1024 * 1024)
    except OSError:
        return LdCache(path, "empty")
    cache = parse(data, path)
    _CACHE.clear()
    _CACHE[key] = cache
    return cache


def conf_dirs(conf: str = "/etc/ld.so.conf", _depth: int = 0) -> list[str]:
    """The directories ldconfig would scan, from ``ld.so.conf`` and its ``include`` globs."""
    out: list[str] = []
    try:
        with open(conf, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return out
    base = os.path.dirname(conf)
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("hwcap "):
            continue
        if line.startswith("include") and line[7:8].isspace():
            if _depth > 8:
                continue
            for pattern in line[8:].split():
                pattern = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
                for inc in sorted(glob.glob(pattern)):
                    out.extend(d for d in conf_dirs(inc, _depth + 1) if d not in out)
            continue
        for word in line.replace(",", " ").split():
            d = word.split("=", 1)[0].rstrip("/") or "/"
            if d.startswith("/") and d not in out:
                out.append(d)
    return out
