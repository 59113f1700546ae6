"""Read the active Apache configuration as httpd would, keeping file:line for every directive.

What httpd does while *reading* (the ``EXEC_ON_READ`` directives of httpd 2.4) is done here too:
``Include``/``IncludeOptional`` (globs, directories, relative to ``ServerRoot``), ``Define`` /
``UnDefine`` and ``${VAR}`` (from Defines, then the start environment), ``ServerRoot``,
``LoadModule`` (so later ``<IfModule>`` tests see it), ``<IfModule>``, ``<IfDefine>``,
``<IfVersion>``, ``<IfFile>``, ``<IfDirective>``/``<IfSection>`` and mod_macro's
``<Macro>``/``Use``. Everything else is kept as a :class:`Directive` with the enclosing sections.

Problems that would stop httpd (an include loop, a missing or unreadable file, unbalanced
sections) become :class:`Note` values; reading never raises for anything in the files.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from wsgidoctor.config import lexer, names
from wsgidoctor.core import lifetime

#: httpd's AP_MAX_INCLUDE_DEPTH.
MAX_INCLUDE_DEPTH = 128
#: A safety cap: a glob that matches a whole file system is not a configuration.
MAX_FILES = 10000
#: httpd's VARBUF_MAX_LEN: the longest line it reads (also after ${VAR} expansion here).
MAX_LINE = 16 * 1024 * 1024
#: The most bytes read of one file (httpd has no limit; a configuration is never this big).
MAX_FILE = 64 * 1024 * 1024
#: The most lines mod_macro expansions may add in all (httpd would take forever, or run out).
MAX_MACRO_LINES = 50_000
_VAR = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Section:
    """An enclosing section: ``<VirtualHost *:80>`` opened at file:line."""

    name: str  # documented spelling: VirtualHost, Directory...
    args: str
    file: str
    line: int

    @property
    def kind(self) -> str:
        return self.name.lower()

    @property
    def opener(self) -> str:
        return f"<{self.name} {self.args}>" if self.args else f"<{self.name}>"


@dataclass(frozen=True)
class Directive:
    """One directive as httpd sees it after reading: name, arguments, place and sections."""

    name: str  # documented spelling when known (see names.canonical)
    args: tuple[str, ...]
    raw: str  # argument text after ${VAR} expansion, before word splitting
    file: str
    line: int
    sections: tuple[Section, ...] = ()

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def in_section(self, kind: str) -> Optional[Section]:
        """The innermost enclosing section of this kind (lower case), if any."""
        for s in reversed(self.sections):
            if s.kind == kind:
                return s
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "args": list(self.args), "raw": self.raw, "file": self.file,
            "line": self.line, "sections": [s.opener for s in self.sections],
            "section_lines": [f"{s.file}:{s.line}" for s in self.sections],
        }


@dataclass(frozen=True)
class Note:
    """Something about the configuration files themselves; ``fatal`` when httpd would not start."""

    kind: str  # include-loop, missing-file, unreadable-file, unbalanced-section, undefined-variable...
    text: str
    file: Optional[str] = None
    line: Optional[int] = None
    fatal: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "file": self.file, "line": self.line,
                "fatal": self.fatal}


@dataclass
class ConfigTree:
    """The result of reading: files in order, directives in order, notes."""

    config_file: str
    server_root: str  # the final ServerRoot
    files: list[str] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    defines: list[str] = field(default_factory=list)  # -D plus Define, at the end of reading
    variables: dict[str, str] = field(default_factory=dict)  # Define NAME VALUE
    modules: list[str] = field(default_factory=list)  # LoadModule identifiers, in order
    sections: list[Section] = field(default_factory=list)  # every section opened, in order

    def named(self, *wanted: str) -> list[Directive]:
        """Directives with any of these names (case-insensitive), in order."""
        keys = {w.lower() for w in wanted}
        return [d for d in self.directives if d.name.lower() in keys]


Reader = Callable[[str], tuple[Optional[bytes], Optional[str]]]


def read_bytes(path: str, limit: int = MAX_FILE) -> tuple[Optional[bytes], Optional[str]]:
    """Read a file: ``(data, None)`` or ``(None, reason)``.

    Like httpd (``ap_pcfg_openfile``), only regular files and /dev/null are read: a FIFO or a
    device is refused instead of blocking or streaming forever.
    """
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            if path == "/dev/null":
                return b"", None
            if stat.S_ISDIR(st.st_mode):
                return None, "Is a directory"
            return None, "Access to file denied by server: not a regular file"
        with open(path, "rb") as fh:
            return fh.read(limit), None
    except FileNotFoundError:
        return None, "No such file or directory"
    except PermissionError:
        return None, "Permission denied"
    except OSError as exc:
        return None, exc.strerror or str(exc)
    except ValueError as exc:  # a NUL byte or an unencodable character in the name
        return None, f"invalid file name ({exc})"


def config_location(config_file: str, server_root: Optional[str] = None) -> tuple[str, str]:
    """``(server_root, config_file)`` as httpd takes them: the root defaults to the file's
    directory, and a relative file is relative to the root."""
    root = (server_root or os.path.dirname(config_file) or "/").rstrip("/") or "/"
    return root, config_file if os.path.isabs(config_file) else os.path.join(root, config_file)


def read_config(
    config_file: str,
    server_root: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    defines: Iterable[str] = (),
    static_modules: Iterable[str] = (),
    apache_version: Optional[Sequence[int]] = None,
    reader: Reader = read_bytes,
) -> ConfigTree:
    """Read ``config_file`` (relative to ``server_root`` if not absolute) and all it includes.

    ``environ`` is the environment httpd starts with (for ``${VAR}``), ``defines`` the ``-D``
    names of its command line, ``static_modules`` the compiled-in modules (``httpd -l`` names such
    as ``mod_so.c``, or identifiers), ``apache_version`` e.g. ``(2, 4, 71)`` for ``<IfVersion>``.
    """
    root, path = config_location(config_file, server_root)
    state = _State(root, dict(environ or {}), list(defines), static_modules, apache_version, reader)
    tree = ConfigTree(config_file=path, server_root=root)
    state.tree = tree
    state.read_file(path, via=None)
    tree.server_root = state.server_root
    tree.defines = list(state.defines)
    tree.variables = dict(state.variables)
    return tree


class _State:
    """The mutable state of one read (what httpd keeps while reading)."""

    def __init__(self, server_root: str, environ: dict[str, str], defines: list[str],
                 static_modules: Iterable[str], version: Optional[Sequence[int]], reader: Reader):
        self.server_root = server_root
        self.environ = environ
        self.defines = defines
        self.variables: dict[str, str] = {}
        self.modules: set[str] = set()
        for m in static_modules:
            self.modules |= names.module_aliases(m)
        self.version = tuple(version) if version else None
        self.reader = reader
        self.tree: ConfigTree
        self.stack: list[Section] = []  # open sections, conditionals included
        self.chain: list[str] = []  # files being read (for loops)
        self.macros: dict[str, tuple[list[str], list[lexer.LogicalLine], str]] = {}
        self.macro_stack: list[str] = []
        self.macro_lines = 0
        self.undefined: set[str] = set()

    # -- notes ---------------------------------------------------------------------------------
    def note(self, kind: str, text: str, file: Optional[str] = None, line: Optional[int] = None,
             fatal: bool = False) -> None:
        self.tree.notes.append(Note(kind, text, file, line, fatal))

    # -- files ---------------------------------------------------------------------------------
    def read_file(self, path: str, via: Optional[tuple[str, int]]) -> None:
        where = via or (None, None)
        try:
            real = os.path.realpath(path)
        except (OSError, ValueError):
            real = path
        if real in self.chain:
            loop = " -> ".join([*self.chain[self.chain.index(real):], real])
            self.note("include-loop", f"include loop: {loop}; httpd stops with 'Exceeded maximum "
                      f"include depth of {MAX_INCLUDE_DEPTH}'", *where, fatal=True)
            return
        if len(self.chain) >= MAX_INCLUDE_DEPTH:
            self.note("include-loop", f"includes nested deeper than {MAX_INCLUDE_DEPTH}", *where, fatal=True)
            return
        if len(self.tree.files) >= MAX_FILES:
            self.note("too-many-files", f"stopped after {MAX_FILES} files", *where)
            return
        lifetime.checkpoint("reading:config")
        data, error = self.reader(path)
        if data is None:
            kind = "missing-file" if error and "No such file" in error else "unreadable-file"
            self.note(kind, f"could not open configuration file {path}: {error}", *where, fatal=True)
            return
        if len(data) >= MAX_FILE:
            self.note("too-large", f"{path} is larger than {MAX_FILE >> 20} MB; only the start was read",
                      *where)
        self.tree.files.append(path)
        self.chain.append(real)
        depth = len(self.stack)
        self.run_lines(list(lexer.logical_lines(data)), path)
        while len(self.stack) > depth:
            s = self.stack.pop()
            self.note("unbalanced-section", f"<{s.name}> opened at {s.file}:{s.line} is not closed "
                      f"before the end of {path}", s.file, s.line, fatal=True)
        self.chain.pop()

    def run_lines(self, lines: list[lexer.LogicalLine], path: str) -> None:
        depth = len(self.stack)
        i = 0
        while i < len(lines):
            i = self.run_line(lines, i, path, depth)

    def run_line(self, lines: list[lexer.LogicalLine], i: int, path: str, depth: int) -> int:
        """Process ``lines[i]``; return the index of the next line to process."""
        ll = lines[i]
        text = self.expand(ll.text, path, ll.line)
        if len(text) > MAX_LINE:
            self.note("too-large", f"line longer than {MAX_LINE >> 20} MB after ${{VAR}} expansion; "
                      "httpd refuses it", path, ll.line, fatal=True)
            return i + 1
        tag = lexer.parse_tag(text)
        if tag is not None and tag.closing:
            self.close_section(tag, path, ll.line, depth)
            return i + 1
        if tag is not None:
            kind = tag.name.lower()
            if not tag.well_formed:
                self.note("syntax", f"<{tag.name} directive missing closing '>'", path, ll.line, fatal=True)
            if kind == "macro":
                return self.define_macro(lines, i, tag, path)
            if kind in names.CONDITIONALS:
                keep = self.test_condition(kind, tag.args, path, ll.line)
                if not keep:
                    return self.skip_section(lines, i, tag.name, path)
            section = Section(names.section_name(tag.name), tag.args, path, ll.line)
            self.stack.append(section)
            if kind not in names.CONDITIONALS:
                self.tree.sections.append(section)
            return i + 1
        name, raw = lexer.split_directive(text)
        self.directive(names.canonical(name), raw, path, ll.line)
        return i + 1

    def close_section(self, tag: lexer.Tag, path: str, line: int, depth: int) -> None:
        open_here = self.stack[depth:]
        if not open_here:
            self.note("unbalanced-section", f"</{tag.name}> without matching <{tag.name}> section",
                      path, line, fatal=True)
            return
        if open_here[-1].kind == tag.name.lower():
            self.stack.pop()
            return
        self.note("unbalanced-section", f"Expected </{open_here[-1].name}> but saw </{tag.name}>",
                  path, line, fatal=True)
        for back in range(len(open_here) - 1, -1, -1):  # recover: close up to a matching opener
            if open_here[back].kind == tag.name.lower():
                del self.stack[depth + back:]
                return

    def skip_section(self, lines: list[lexer.LogicalLine], i: int, name: str, path: str) -> int:
        """Skip a false conditional the way ``ap_soak_end_container`` does (nested ones too)."""
        wanted = [name.lower()]
        j = i + 1
        while j < len(lines):
            tag = lexer.parse_tag(lines[j].text)
            if tag is not None:
                if tag.closing and tag.name.lower() == wanted[-1]:
                    wanted.pop()
                    if not wanted:
                        return j + 1
                elif not tag.closing:
                    wanted.append(tag.name.lower())
            j += 1
        self.note("unbalanced-section", f"Expected </{name}> before end of {path}", path,
                  lines[i].line, fatal=True)
        return j

    # -- ${VAR} --------------------------------------------------------------------------------
    def expand(self, text: str, path: str, line: int) -> str:
        if "${" not in text:
            return text

        budget = [MAX_LINE + 1 - len(text)]

        def sub(m: re.Match[str]) -> str:
            name = m.group(1)
            if budget[0] <= 0:  # already too long: stop growing it (the line will be refused)
                return m.group(0)
            value = self.variables.get(name, self.environ.get(name))
            if value is not None:
                budget[0] -= len(value)
                return value
            if ":" not in name and name not in self.undefined:
                self.undefined.add(name)
                self.note("undefined-variable", f"Config variable ${{{name}}} is not defined "
                          "(httpd keeps the text as written)", path, line)
            return m.group(0)

        return _VAR.sub(sub, text)

    # -- conditionals --------------------------------------------------------------------------
    def test_condition(self, kind: str, args: str, path: str, line: int) -> bool:
        if kind == "ifversion":
            return self.test_version(args, path, line)
        negate = args.startswith("!")
        word = lexer.split_words(args[1:] if negate else args)
        arg = word[0] if word else ""
        if kind == "ifmodule":
            result = arg in self.modules
        elif kind == "ifdefine":
            result = arg in self.defines
        elif kind == "iffile":
            result = os.path.exists(self.root_relative(arg))
        else:  # IfDirective / IfSection: only mod_wsgi's directives are known here
            target = arg.lstrip("<")
            if target in names.WSGI_DIRECTIVES or target.lower() in {n.lower() for n in names.WSGI_DIRECTIVES}:
                result = bool({"wsgi_module", "mod_wsgi.c"} & self.modules)
            else:
                self.note("assumed-condition", f"<{kind} {args}> assumed true", path, line)
                result = True
        return result != negate

    def test_version(self, args: str, path: str, line: int) -> bool:
        if self.version is None:
            self.note("assumed-condition", f"<IfVersion {args}> assumed true (Apache version unknown)",
                      path, line)
            return True
        words = args.split()
        op, value = ("=", words[0]) if len(words) == 1 else (words[0], " ".join(words[1:]))
        negate = op.startswith("!")
        op = op[1:] if negate and len(op) > 1 else op
        full = ".".join(str(v) for v in (list(self.version) + [0, 0, 0])[:3])
        try:
            if op == "~" or (op in ("=", "==") and value.startswith("/")):
                pattern = value.strip("/") if op != "~" else value
                result = re.search(pattern, full) is not None
            else:
                want = [int(x) for x in re.findall(r"\d+", value)[:3]] + [0, 0, 0]
                have = (list(self.version) + [0, 0, 0])[:3]
                cmp = (have > want[:3]) - (have < want[:3])
                result = {"=": cmp == 0, "==": cmp == 0, "<": cmp < 0, "<=": cmp <= 0,
                          ">": cmp > 0, ">=": cmp >= 0}.get(op, True)
        except (re.error, ValueError):
            self.note("syntax", f"<IfVersion {args}> could not be evaluated", path, line, fatal=True)
            result = False
        return result != negate

    # -- mod_macro -----------------------------------------------------------------------------
    def define_macro(self, lines: list[lexer.LogicalLine], i: int, tag: lexer.Tag, path: str) -> int:
        words = lexer.split_words(tag.args)
        end = self.skip_section(lines, i, tag.name, path)
        body = lines[i + 1:end - 1] if end <= len(lines) else lines[i + 1:]
        if words:
            self.macros[words[0].lower()] = (words[1:], body, path)
        return end

    def use_macro(self, args: Sequence[str], path: str, line: int) -> None:
        if not args or args[0].lower() not in self.macros:
            self.note("unknown-macro", f"Use of undefined macro {args[0] if args else ''!r}", path,
                      line, fatal=True)
            return
        name = args[0].lower()
        if name in (m.lower() for m in self.macro_stack):
            self.note("macro-recursion", f"recursive use of macro '{args[0]}' (via "
                      f"{' -> '.join(self.macro_stack)}): mod_macro refuses it", path, line, fatal=True)
            return
        params, body, mpath = self.macros[name]
        if self.macro_lines + len(body) > MAX_MACRO_LINES:
            if self.macro_lines <= MAX_MACRO_LINES:
                self.note("too-large", f"macro expansion stopped after {MAX_MACRO_LINES} lines", path, line)
                self.macro_lines = MAX_MACRO_LINES + 1
            return
        self.macro_lines += len(body)
        values = list(args[1:])
        if len(values) != len(params):
            self.note("macro-arguments", f"macro {args[0]!r} takes {len(params)} arguments, "
                      f"{len(values)} given", path, line, fatal=True)
            return
        order = sorted(zip(params, values), key=lambda pv: -len(pv[0]))  # longest names first
        expanded = []
        for ll in body:
            text = ll.text
            for p, v in order:
                text = text.replace(p, v)
            expanded.append(lexer.LogicalLine(text, ll.line, ll.end_line))
        self.macro_stack.append(args[0])
        try:
            self.run_lines(expanded, mpath)
        finally:
            self.macro_stack.pop()

    # -- directives ----------------------------------------------------------------------------
    def root_relative(self, name: str) -> str:
        return name if os.path.isabs(name) else os.path.normpath(os.path.join(self.server_root, name))

    def directive(self, name: str, raw: str, path: str, line: int) -> None:
        args = tuple(lexer.split_words(raw))
        key = name.lower()
        sections = tuple(s for s in self.stack if s.kind not in names.CONDITIONALS)
        self.tree.directives.append(Directive(name, args, raw.strip(), path, line, sections))
        if key in ("include", "includeoptional"):
            if not args:
                self.note("syntax", f"{name} takes one argument", path, line, fatal=True)
                return
            self.include(args[0], key == "includeoptional", path, line)
        elif key == "define" and args:
            if args[0] not in self.defines:
                self.defines.append(args[0])
            if len(args) > 1:
                self.variables[args[0]] = args[1]
        elif key == "undefine" and args:
            if args[0] in self.defines:
                self.defines.remove(args[0])
            self.variables.pop(args[0], None)
        elif key == "serverroot" and args:
            self.server_root = args[0].rstrip("/") or "/"
        elif key == "loadmodule" and args:
            self.modules |= names.module_aliases(args[0])
            self.tree.modules.append(args[0])
        elif key == "use":
            self.use_macro(args, path, line)

    def include(self, pattern: str, optional: bool, path: str, line: int) -> None:
        target = self.root_relative(pattern)
        files, error = expand_include(target, optional)
        if error:
            self.note("missing-file", f"{'IncludeOptional' if optional else 'Include'} {pattern}: {error}",
                      path, line, fatal=not optional)
        for f in files:
            self.read_file(f, via=(path, line))


def _has_wildcard(text: str) -> bool:
    return any(c in text for c in "*?[")


def _walk_directory(path: str, out: list[str], depth: int = 0,
                    seen: Optional[list[str]] = None) -> Optional[str]:
    """All files under a directory, sorted per level, recursively (``ap_dir_nofnmatch``).

    httpd follows symbolic links to directories and gives up 128 levels down; a directory that
    contains a link to itself (or an ancestor) is reported at once here instead.
    """
    seen = [] if seen is None else seen
    try:
        real = os.path.realpath(path)
        entries = sorted(os.listdir(path))
    except OSError as exc:
        return f"Could not open directory {path}: {exc.strerror}"
    except ValueError as exc:
        return f"Could not open directory {path}: {exc}"
    if depth > 128 or real in seen:
        return (f"Directory '{path}' exceeds the maximum include directory nesting level of 128. "
                "You have probably a recursion somewhere.")
    seen.append(real)
    try:
        for name in entries:
            full = os.path.join(path, name)
            if os.path.isdir(full):
                err = _walk_directory(full, out, depth + 1, seen)
                if err:
                    return err
            else:
                out.append(full)
                if len(out) > MAX_FILES:
                    return f"more than {MAX_FILES} files under {path}"
    finally:
        seen.pop()
    return None


def expand_include(target: str, optional: bool) -> tuple[list[str], Optional[str]]:
    """The files an ``Include``/``IncludeOptional`` of absolute ``target`` reads, in order.

    Mirrors ``ap_process_fnmatch_configs``: no wildcard -> the file, or every file under the
    directory; wildcards in any path component, sorted matches, ``*`` not matching a leading
    dot, components before the last matching directories only. A non-optional pattern that
    matches nothing is an error; a missing non-wildcard path is read (and reported) later.
    """
    if not _has_wildcard(target):
        if os.path.isdir(target):
            out: list[str] = []
            return out, _walk_directory(target, out)
        if optional and not os.path.exists(target):
            return [], None
        return [target], None
    parts = [p for p in target.split("/") if p]
    out = []
    error = _fnmatch_walk("/", parts, optional, out)
    return out, error


def _fnmatch_walk(base: str, parts: list[str], optional: bool, out: list[str]) -> Optional[str]:
    head, rest = parts[0], parts[1:]
    if not _has_wildcard(head):
        path = os.path.join(base, head)
        if rest:
            return _fnmatch_walk(path, rest, optional, out)
        if os.path.isdir(path):
            return _walk_directory(path, out)
        if optional and not os.path.exists(path):
            return None
        out.append(path)
        return None
    try:
        entries = sorted(os.listdir(base))
    except FileNotFoundError:
        return None if optional else f"Could not open directory {base}: No such file or directory"
    except OSError as exc:
        return f"Could not open directory {base}: {exc.strerror}"
    except ValueError as exc:
        return f"Could not open directory {base}: {exc}"
    matches = [e for e in entries if fnmatch.fnmatchcase(e, head)
               and not (e.startswith(".") and not head.startswith("."))]
    if rest:
        matches = [m for m in matches if os.path.isdir(os.path.join(base, m))]
    if not matches:
        return None if optional else f"No matches for the wildcard '{head}' in '{base}', failing"
    for m in matches:
        full = os.path.join(base, m)
        err = (_fnmatch_walk(full, rest, optional, out) if rest
               else (_walk_directory(full, out) if os.path.isdir(full) else (out.append(full) or None)))
        if err:
            return err
    return None
