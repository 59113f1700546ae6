"""Read what the loader and Apache care about from an ELF file, without executing it.

Two levels:

* :func:`read_ident` reads only the first 64 bytes (``e_ident``, ``e_type``, ``e_machine``), which
  is all glibc's ``open_verify`` looks at when it decides whether a candidate library is usable.
* :func:`read_elf` reads the dynamic section (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH,
  DF_1_NODEFLIB) and PT_INTERP straight from the program headers, as the loader does.
* :class:`SymbolReader` reads .dynsym once and looks names up in its string table (no name is
  decoded unless asked for), and reads symbol bytes and .rodata, all with
  ``struct`` through a read-only mapping (no ELF library: they are slow to import and to parse).

Problems with the file (missing, a directory, a symlink loop, unreadable, not ELF, truncated)
raise :class:`BinaryError` with a ``kind`` and a human reason; nothing else escapes.
"""

from __future__ import annotations

import errno
import os
import re
import struct
from dataclasses import dataclass
from typing import Any, Iterable, Optional

ELF_MAGIC = b"\x7fELF"

#: e_machine numbers worth naming; anything else is shown as its number.
MACHINES = {
    2: "EM_SPARC", 3: "EM_386", 8: "EM_MIPS", 20: "EM_PPC", 21: "EM_PPC64", 22: "EM_S390",
    40: "EM_ARM", 43: "EM_SPARCV9", 50: "EM_IA_64", 62: "EM_X86_64", 183: "EM_AARCH64",
    243: "EM_RISCV", 258: "EM_LOONGARCH",
}
#: The same machines as people call them (uname -m / Debian architectures).
MACHINE_WORDS = {
    "EM_386": "i386", "EM_X86_64": "x86_64", "EM_ARM": "arm", "EM_AARCH64": "aarch64",
    "EM_PPC": "ppc", "EM_PPC64": "ppc64", "EM_S390": "s390x", "EM_MIPS": "mips",
    "EM_RISCV": "riscv", "EM_SPARCV9": "sparc64", "EM_LOONGARCH": "loongarch", "EM_IA_64": "ia64",
}
ET_NAMES = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}

#: ``libpython3.11.so.1.0``, ``libpython3.6m.so.rh-python36-1.0``, ``libpython3.13t.so``,
#: ``libpython3.so`` (the stable-ABI stub), ``libpython2.7.so``.
LIBPYTHON_RE = re.compile(r"^libpython(\d+)(?:\.(\d+))?([a-z]*)\.so(?:\.[\w.+-]*)?$")

#: Symbols only a real CPython runtime defines.
PYTHON_RUNTIME_SYMBOLS = ("Py_Initialize", "Py_IsInitialized", "PyEval_SaveThread", "Py_InitializeEx")


class BinaryError(Exception):
    """The file cannot be read as an executable object.

    ``kind`` is one of ``missing``, ``directory``, ``symlink-loop``, ``unreadable``,
    ``not-binary``, ``truncated``, ``corrupt``.
    """

    def __init__(self, kind: str, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.kind = kind
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ElfIdent:
    """The fixed-size head of an ELF file."""

    elfclass: int  # 32 or 64
    little_endian: bool
    version: int
    osabi: int
    abiversion: int
    etype: int
    machine: int

    @property
    def machine_name(self) -> str:
        return MACHINES.get(self.machine, f"EM_{self.machine}")


@dataclass(frozen=True)
class ElfInfo:
    """The dynamic-linking facts of one ELF object."""

    path: str
    elfclass: int
    little_endian: bool
    machine: str  # "EM_X86_64"
    etype: str  # "ET_DYN"
    soname: Optional[str]
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    nodeflib: bool
    interp: Optional[str]
    size: int

    @property
    def libpython_needed(self) -> Optional[str]:
        """The first DT_NEEDED entry that names a libpython, or None."""
        return next((n for n in self.needed if LIBPYTHON_RE.match(n)), None)


def open_binary(path: str):
    """Open ``path`` for reading, turning every OS problem into a :class:`BinaryError`."""
    try:
        if os.path.isdir(path):
            raise BinaryError("directory", path, "is a directory, not a file")
        return open(path, "rb")
    except BinaryError:
        raise
    except FileNotFoundError:
        if os.path.islink(path):
            raise BinaryError("missing", path, f"is a dangling symlink (to {os.readlink(path)})") from None
        raise BinaryError("missing", path, "no such file") from None
    except PermissionError:
        raise BinaryError("unreadable", path, "permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise BinaryError("symlink-loop", path, "too many levels of symbolic links (a symlink loop)") from None
        if exc.errno == errno.EISDIR:
            raise BinaryError("directory", path, "is a directory, not a file") from None
        raise BinaryError("unreadable", path, exc.strerror or str(exc)) from None


def parse_ident(head: bytes) -> Optional[ElfIdent]:
    """Decode the first bytes of a file; None unless it starts with a usable ELF header."""
    if len(head) < 20 or not head.startswith(ELF_MAGIC):
        return None
    cls = {1: 32, 2: 64}.get(head[4])
    if cls is None or head[5] not in (1, 2):
        return None
    little = head[5] == 1
    etype, machine = struct.unpack_from("<HH" if little else ">HH", head, 16)
    return ElfIdent(cls, little, head[6], head[7], head[8], etype, machine)


def read_ident(path: str) -> ElfIdent:
    """Read the ELF identification of ``path`` (raises :class:`BinaryError`)."""
    with open_binary(path) as fh:
        try:
            head = fh.read(64)
        except OSError as exc:
            raise BinaryError("unreadable", path, exc.strerror or str(exc)) from None
    if not head.startswith(ELF_MAGIC[: len(head)]) or len(head) < 4:
        if not head:
            raise BinaryError("truncated", path, "is empty")
        raise BinaryError("not-binary", path, f"is not an ELF file (starts with {head[:8]!r})")
    ident = parse_ident(head)
    if ident is None:
        if len(head) < 20:
            raise BinaryError("truncated", path, f"ELF header truncated ({len(head)} bytes)")
        raise BinaryError("corrupt", path, "invalid ELF class or data encoding in e_ident")
    need = 52 if ident.elfclass == 32 else 64
    if len(head) < need:
        raise BinaryError("truncated", path, f"ELF header truncated ({len(head)} of {need} bytes)")
    return ident


def _split_paths(value: Any) -> tuple[str, ...]:
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value)
    return tuple(text.split(":"))


def read_elf(path: str) -> ElfInfo:
    """Parse the dynamic-linking facts of ``path`` (raises :class:`BinaryError`).

    Read with ``struct`` straight from the program headers, as the loader does (PT_INTERP,
    PT_DYNAMIC, string offsets mapped through PT_LOAD): about a hundred times faster than a
    general ELF library, which matters because Apache and every library it maps are read.
    """
    import mmap

    ident = read_ident(path)
    with open_binary(path) as fh:
        try:
            data: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # not a regular file: read what there is
            try:
                data = fh.read(_MAX_READ)
            except OSError as exc:
                raise BinaryError("unreadable", path, exc.strerror or str(exc)) from None
    try:
        return _collect(data, ident, path)
    except BinaryError:
        raise
    except (struct.error, IndexError, ValueError, OverflowError) as exc:
        raise BinaryError("corrupt", path, f"cannot read the dynamic section ({type(exc).__name__}: {exc})") from None
    finally:
        if hasattr(data, "close"):
            data.close()


#: What is read of a file that cannot be mapped (a FIFO, a device).
_MAX_READ = 64 * 1024 * 1024
_PT_LOAD, _PT_DYNAMIC, _PT_INTERP = 1, 2, 3
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_SONAME, _DT_RPATH, _DT_RUNPATH = 0, 1, 5, 14, 15, 29
_DT_FLAGS_1, _DF_1_NODEFLIB = 0x6FFFFFFB, 0x800


def _program_headers(data: bytes, ident: ElfIdent, path: str) -> list[tuple[int, int, int, int]]:
    """``(p_type, p_offset, p_vaddr, p_filesz)`` of every program header."""
    e = "<" if ident.little_endian else ">"
    if ident.elfclass == 64:
        phoff, = struct.unpack_from(e + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 54)
        layout, fields = e + "IIQQQQ", (0, 2, 3, 5)
    else:
        phoff, = struct.unpack_from(e + "I", data, 28)
        phentsize, phnum = struct.unpack_from(e + "HH", data, 42)
        layout, fields = e + "IIIII", (0, 1, 2, 4)
    if phnum and (phentsize < struct.calcsize(layout) or phoff + phentsize * phnum > len(data)):
        raise BinaryError("truncated" if phoff < (1 << 40) else "corrupt", path,
                          "the program headers lie outside the file")
    out = []
    for i in range(phnum):
        raw = struct.unpack_from(layout, data, phoff + i * phentsize)
        out.append(tuple(raw[f] for f in fields))
    return out


def _collect(data: bytes, ident: ElfIdent, path: str) -> ElfInfo:
    headers = _program_headers(data, ident, path)
    loads = [(off, vaddr, filesz) for t, off, vaddr, filesz in headers if t == _PT_LOAD]
    for ptype, off, _vaddr, filesz in headers:
        if ptype in (_PT_LOAD, _PT_DYNAMIC, _PT_INTERP) and off + filesz > len(data):
            # The loader maps these from the file: past its end the mapping fails (or faults).
            raise BinaryError("truncated", path, f"a segment ends at byte {off + filesz}, past the end "
                              f"of the file ({len(data)} bytes): the file is truncated or corrupt")

    def file_offset(vaddr: int) -> Optional[int]:
        for off, start, filesz in loads:
            if start <= vaddr < start + filesz:
                return off + vaddr - start
        return None

    def c_string(at: Optional[int]) -> Optional[str]:
        if at is None or not 0 <= at < len(data):
            return None
        end = data.find(b"\0", at)
        return data[at:end if end >= 0 else len(data)].decode("utf-8", "surrogateescape")

    interp = None
    tags: list[tuple[int, int]] = []
    e = "<" if ident.little_endian else ">"
    entry = e + ("qQ" if ident.elfclass == 64 else "iI")
    step = struct.calcsize(entry)
    for ptype, off, _vaddr, filesz in headers:
        if ptype == _PT_INTERP and off + filesz <= len(data):
            interp = data[off:off + filesz].split(b"\0", 1)[0].decode("utf-8", "surrogateescape")
        elif ptype == _PT_DYNAMIC:
            for at in range(off, min(off + filesz, len(data)) - step + 1, step):
                tag, value = struct.unpack_from(entry, data, at)
                if tag == _DT_NULL:
                    break
                tags.append((tag, value))
    strtab = next((file_offset(v) for t, v in tags if t == _DT_STRTAB), None)

    def string(value: int) -> Optional[str]:
        return c_string(strtab + value) if strtab is not None else None

    needed = tuple(n for n in (string(v) for t, v in tags if t == _DT_NEEDED) if n is not None)
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    soname = None
    nodeflib = False
    for tag, value in tags:
        if tag == _DT_RPATH:
            rpath = _split_paths(string(value) or "")
        elif tag == _DT_RUNPATH:
            runpath = _split_paths(string(value) or "")
        elif tag == _DT_SONAME:
            soname = string(value)
        elif tag == _DT_FLAGS_1:
            nodeflib = bool(value & _DF_1_NODEFLIB)
    try:
        size = os.stat(path).st_size
    except OSError:
        size = len(data)
    return ElfInfo(path=path, elfclass=ident.elfclass, little_endian=ident.little_endian,
                   machine=ident.machine_name, etype=ET_NAMES.get(ident.etype, str(ident.etype)),
                   soname=soname, needed=needed, rpath=rpath, runpath=runpath,
                   nodeflib=nodeflib, interp=interp, size=size)


@dataclass(frozen=True)
class Symbol:
    """A dynamic symbol: its name, value (virtual address), size and section index (0: undefined)."""

    name: str
    value: int
    size: int
    shndx: int


@dataclass(frozen=True)
class _Section:
    name: str
    type: int
    offset: int
    size: int
    link: int
    entsize: int


_SHT_DYNSYM, _SHT_NOBITS = 11, 8


class SymbolReader:
    """Symbol and data lookups on one ELF file, read with ``struct`` through a read-only mapping.

    Use as a context manager. A corrupt table reads as "not there"; problems opening the file
    raise :class:`BinaryError`.
    """

    def __init__(self, path: str):
        import mmap

        self.path = path
        self.ident = read_ident(path)
        self._e = "<" if self.ident.little_endian else ">"
        with open_binary(path) as fh:
            try:
                self._data: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                self._data = fh.read(_MAX_READ)
        self._sections: Optional[list[_Section]] = None
        self._dynsym: Optional[tuple[list[tuple[int, int, int, int]], int, int]] = None

    def __enter__(self) -> "SymbolReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if hasattr(self._data, "close"):
            self._data.close()

    def _read_sections(self) -> list[_Section]:
        if self._sections is None:
            try:
                self._sections = _section_headers(self._data, self.ident, self._e)
            except (struct.error, IndexError, ValueError, OverflowError):
                self._sections = []
        return self._sections

    def _section(self, name: str) -> Optional[_Section]:
        return next((sec for sec in self._read_sections() if sec.name == name), None)

    def _table(self) -> tuple[list[tuple[int, int, int, int]], int, int]:
        """.dynsym as ``(st_name, st_value, st_size, st_shndx)`` rows, and its string table's span."""
        if self._dynsym is None:
            self._dynsym = ([], 0, 0)
            try:
                self._dynsym = self._read_dynsym()
            except (struct.error, IndexError, ValueError, OverflowError):
                pass
        return self._dynsym

    def _read_dynsym(self) -> tuple[list[tuple[int, int, int, int]], int, int]:
        sections = self._read_sections()
        table = next((sec for sec in sections if sec.type == _SHT_DYNSYM), None)
        if table is None or not 0 <= table.link < len(sections):
            return [], 0, 0
        strings = sections[table.link]
        wide = self.ident.elfclass == 64
        layout = self._e + ("IBBHQQ" if wide else "IIIBBH")
        width = struct.calcsize(layout)
        step = max(table.entsize, width)
        layout += f"{step - width}x" if step > width else ""
        end = min(table.offset + table.size, len(self._data))
        count = max(0, (end - table.offset) // step)
        raw = bytes(self._data[table.offset: table.offset + count * step])
        pick = (lambda f: (f[0], f[4], f[5], f[3])) if wide else (lambda f: (f[0], f[1], f[2], f[5]))
        rows = [pick(f) for f in struct.iter_unpack(layout, raw)]
        return rows, strings.offset, strings.offset + strings.size

    def _name(self, start: int) -> str:
        stop = self._data.find(b"\0", start)
        return bytes(self._data[start:stop if stop >= 0 else start]).decode("utf-8", "surrogateescape")

    def _dynsym_layout(self) -> Optional[tuple[_Section, _Section, str, int]]:
        """(.dynsym, its string table, the row's struct layout, the row's size), or None."""
        sections = self._read_sections()
        table = next((sec for sec in sections if sec.type == _SHT_DYNSYM), None)
        if table is None or not 0 <= table.link < len(sections):
            return None
        wide = self.ident.elfclass == 64
        layout = self._e + ("IBBHQQ" if wide else "IIIBBH")
        return table, sections[table.link], layout, max(table.entsize, struct.calcsize(layout))

    def defined(self, name: str) -> Optional[Symbol]:
        """The defined dynamic symbol ``name``, or None.

        Looks the name up in the string table, then looks for rows naming that offset in the raw
        symbol table (each row starts with its name's offset), instead of unpacking all rows: a
        libpython has some ten thousand of them.
        """
        try:
            found = self._dynsym_layout()
            if found is None:
                return None
            table, strings, layout, step = found
            lo, hi = strings.offset, strings.offset + strings.size
            wanted = name.encode("utf-8", "surrogateescape") + b"\0"
            end = min(table.offset + table.size, len(self._data))
            data = self._data
            wide = self.ident.elfclass == 64
            # Every place the string table holds the name (the linker shares string tails, so a
            # symbol's name may also be the end of a longer one).
            at = data.find(wanted, lo, hi)
            while at >= 0:
                key = struct.pack(self._e + "I", at - lo)
                row = data.find(key, table.offset, end)
                while row >= 0:
                    if (row - table.offset) % step == 0 and row + struct.calcsize(layout) <= end:
                        f = struct.unpack_from(layout, data, row)
                        value, size, shndx = (f[4], f[5], f[3]) if wide else (f[1], f[2], f[5])
                        if shndx:
                            return Symbol(name, value, size, shndx)
                    row = data.find(key, row + 1, end)
                at = data.find(wanted, at + 1, hi)
        except (struct.error, IndexError, ValueError, OverflowError):
            return None
        return None

    def undefined_python_symbols(self, limit: int = 5) -> tuple[int, list[str]]:
        """How many ``Py*``/``_Py*`` dynamic symbols are undefined, and the first few names."""
        rows, lo, _hi = self._table()
        data = self._data
        count, names = 0, []
        for name_off, _value, _size, shndx in rows:
            if shndx or not name_off:
                continue
            head = data[lo + name_off: lo + name_off + 3]
            if head[:2] == b"Py" or head == b"_Py":
                count += 1
                if len(names) < limit:
                    names.append(self._name(lo + name_off))
        return count, names

    def read_at(self, vaddr: int, size: int) -> Optional[bytes]:
        """``size`` bytes at virtual address ``vaddr``, read through the PT_LOAD that maps it."""
        try:
            for ptype, off, start, filesz in _program_headers(self._data, self.ident, self.path):
                if ptype == _PT_LOAD and start <= vaddr and vaddr + size <= start + filesz:
                    raw = bytes(self._data[off + vaddr - start: off + vaddr - start + size])
                    return raw if len(raw) == size else None
        except (BinaryError, struct.error, IndexError, ValueError, OverflowError):
            return None
        return None

    def symbol_bytes(self, name: str, size: Optional[int] = None) -> Optional[bytes]:
        """The bytes of the defined symbol ``name`` (``size`` of them, else its own size), or None."""
        sym = self.defined(name)
        if sym is None:
            return None
        return self.read_at(sym.value, size if size is not None else sym.size)

    def rodata(self, limit: int = 8 * 1024 * 1024) -> bytes:
        """The .rodata section (at most ``limit`` bytes), or nothing."""
        sec = self._section(".rodata")
        if sec is None or sec.type == _SHT_NOBITS:
            return b""
        return bytes(self._data[sec.offset: sec.offset + min(sec.size, limit)])


def _section_headers(data: Any, ident: ElfIdent, e: str) -> list[_Section]:
    if ident.elfclass == 64:
        shoff, = struct.unpack_from(e + "Q", data, 40)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 58)
        layout = e + "IIQQQQIIQQ"
    else:
        shoff, = struct.unpack_from(e + "I", data, 32)
        shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", data, 46)
        layout = e + "IIIIIIIIII"
    if not shoff or shentsize < struct.calcsize(layout):
        return []
    raw = [struct.unpack_from(layout, data, shoff + i * shentsize) for i in range(shnum)]
    names_at = raw[shstrndx][4] if shstrndx < len(raw) else None

    def name(off: int) -> str:
        if names_at is None:
            return ""
        stop = data.find(b"\0", names_at + off)
        return bytes(data[names_at + off: stop if stop >= 0 else names_at + off]).decode("latin-1")

    # (sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_link, sh_info, sh_addralign, sh_entsize)
    return [_Section(name(h[0]), h[1], h[4], h[5], h[6], h[9]) for h in raw]


_VERSION_STRING = re.compile(rb"(?<=\x00)(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?(?:(?:a|b|rc)\d+|\+)?)\x00")


def version_strings(rodata: bytes) -> list[str]:
    """Stand-alone ``X.Y[.Z]`` strings in read-only data, in order, without repeats."""
    out: list[str] = []
    for m in _VERSION_STRING.finditer(rodata):
        text = m.group(1).decode("ascii")
        if text not in out:
            out.append(text)
    return out


def classify_versions(strings: Iterable[str], python_xy: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """Split mod_wsgi's version strings into ``(python_compiled, mod_wsgi_version)``.

    mod_wsgi keeps two such strings: ``PY_VERSION`` and its own ``MOD_WSGI_VERSION_STRING``.
    The Python one starts with the X.Y of the libpython it needs when that is known; otherwise it
    is the one with major 2 or 3 (mod_wsgi releases since 2014 are 4.x and later).
    """
    items = [s for s in strings if s.count(".") == 2]
    python = None
    if python_xy:
        python = next((s for s in items if s.startswith(python_xy + ".")), None)
    if python is None:
        python = next((s for s in items if s.split(".")[0] in ("2", "3")), None)
    rest = [s for s in items if s != python]
    modwsgi = next((s for s in rest if s.split(".")[0] not in ("2",)), None)
    return python, modwsgi


def hex_version(value: int) -> str:
    """``0x030b02f0`` -> ``"3.11.2"`` (PY_VERSION_HEX; release level shown when not final)."""
    major, minor, micro = (value >> 24) & 0xFF, (value >> 16) & 0xFF, (value >> 8) & 0xFF
    level, serial = (value >> 4) & 0xF, value & 0xF
    base = f"{major}.{minor}.{micro}"
    return base + {0xA: f"a{serial}", 0xB: f"b{serial}", 0xC: f"rc{serial}"}.get(level, "")


def library_python_version(path: str, soname_xy: Optional[str] = None) -> Optional[str]:
    """The CPython version a libpython (or a static build) carries, or None.

    Python 3.11+ exports ``Py_Version`` (PY_VERSION_HEX). Older libraries keep the version as a
    stand-alone string in ``.rodata``; the one starting with the soname's X.Y is taken.
    """
    try:
        with SymbolReader(path) as reader:
            raw = reader.symbol_bytes("Py_Version", 4)
            if raw is not None:
                order = "<I" if reader.ident.little_endian else ">I"
                return hex_version(struct.unpack(order, raw)[0])
            if soname_xy:
                return _embedded_version(reader.rodata(), soname_xy)
    except BinaryError:
        return None
    return None


def _embedded_version(rodata: bytes, xy: str) -> Optional[str]:
    """PY_VERSION inside an older libpython's read-only data.

    The linker merges string tails, so ``"3.8.18"`` often survives only as the end of a longer
    string such as the install prefix ``/opt/python/3.8.18``; a string *ending* in the version is
    accepted when no stand-alone one exists.
    """
    for s in version_strings(rodata):
        if s.startswith(xy + ".") and s.count(".") == 2:
            return s
    pattern = re.compile(rb"(?<![0-9.])(" + re.escape(xy.encode()) + rb"\.\d{1,3}(?:(?:a|b|rc)\d+)?)\x00")
    m = pattern.search(rodata)
    return m.group(1).decode("ascii") if m else None


def soname_python_xy(name: str) -> Optional[str]:
    """``libpython3.11.so.1.0`` -> ``"3.11"``; ``libpython3.so`` -> ``"3"``; None for others."""
    m = LIBPYTHON_RE.match(os.path.basename(name))
    if not m:
        return None
    return m.group(1) + (f".{m.group(2)}" if m.group(2) else "")


@dataclass(frozen=True)
class ModuleMagic:
    """The first fields of an Apache ``module`` struct, as compiled into the file."""

    symbol: str
    major: int
    minor: int
    module_index: int
    cookie: int

    @property
    def cookie_text(self) -> str:
        raw = self.cookie.to_bytes(4, "big", signed=False) if 0 <= self.cookie < 2**32 else b""
        return raw.decode("ascii", "replace") if raw and all(32 <= b < 127 for b in raw) else hex(self.cookie)


#: MODULE_MAGIC_COOKIE of each Apache series.
COOKIES = {0x41503232: "AP22", 0x41503234: "AP24", 0x41503235: "AP25", 0x41503230: "AP20"}


def module_magic(path: str, symbol: str = "wsgi_module") -> Optional[ModuleMagic]:
    """Read MMN major/minor and the magic cookie from the module struct ``symbol``.

    Layout (httpd ``http_config.h``): three ``int`` (version, minor_version, module_index), then
    three pointers (name, dynamic_load_handle, next), then ``unsigned long magic``: offset 40 on
    LP64, 24 on ILP32. These bytes are constants in the file, not relocated.
    """
    with SymbolReader(path) as reader:
        wide = reader.ident.elfclass == 64
        offset, width = (40, 8) if wide else (24, 4)
        raw = reader.symbol_bytes(symbol, offset + width)
        if raw is None:
            return None
        e = "<" if reader.ident.little_endian else ">"
        major, minor, index = struct.unpack_from(e + "iii", raw, 0)
        (cookie,) = struct.unpack_from(e + ("Q" if wide else "I"), raw, offset)
        return ModuleMagic(symbol, major, minor, index, cookie)
