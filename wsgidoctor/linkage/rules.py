"""Rules for the "Python shared library" section: which libpython mod_wsgi.so loads, and whether
the module can be loaded by this Apache at all. Facts come from ``probes/linkage.py`` (or from a
pasted ``ldd``/``otool -L``, which fills ``linkage.python_library`` only).
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.core.catalogue import finding, rule

SECTION = "linkage"

MODULE_UNUSABLE = finding(
    "module-not-loadable", Severity.ERROR, SECTION,
    "mod_wsgi.so cannot be read as a loadable module",
    """The file Apache is told to load as mod_wsgi is missing, is a directory, is a symlink loop,
    cannot be read, or is not a shared object of a format this system loads (ELF on Linux, Mach-O
    on macOS). Apache stops at the LoadModule line with "Cannot load ... into server".""",
    "Point LoadModule (or --module) at the real mod_wsgi.so: `mod_wsgi-express module-location` "
    "prints it for pip installs; reinstall the package that provides it if the file is damaged.",
)
NOT_FOUND = finding(
    "libpython-not-found", Severity.ERROR, SECTION,
    "mod_wsgi.so needs a libpython that Apache's loader cannot find",
    """mod_wsgi.so names its Python library (DT_NEEDED, e.g. libpython3.11.so.1.0) and the dynamic
    loader searches for it in the module's RPATH/RUNPATH, LD_LIBRARY_PATH of Apache's environment,
    /etc/ld.so.cache and the system directories. None of them has it, so Apache fails with
    "Cannot load mod_wsgi.so into server: libpythonX.Y.so.1.0: cannot open shared object file".
    A manual ldd may still find it through your shell's LD_LIBRARY_PATH, which Apache does not
    inherit.""",
    "Rebuild mod_wsgi with the Python library directory recorded in it (LD_RUN_PATH=<python>/lib "
    "when building, or pip install mod_wsgi with that Python), or register the directory with the "
    "loader (a file in /etc/ld.so.conf.d/ and `ldconfig`), or add `LoadFile <path to libpython>` "
    "before LoadModule, or set LD_LIBRARY_PATH in Apache's envvars.",
)
DIFFERS = finding(
    "libpython-resolution-differs", Severity.WARNING, SECTION,
    "Apache and your shell resolve libpython differently",
    """The library the module loads depends on the environment: LD_LIBRARY_PATH is searched before
    the module's RUNPATH and the system cache. Apache starts with its own environment (envvars,
    the service unit), not yours, so an ldd in your shell can show a different libpython, or one
    Apache will not find. The resolution with Apache's environment is the one that counts.""",
    "Trust the 'apache' resolution. To make Apache use the library you expect, record it in the "
    "module (rebuild with LD_RUN_PATH or rpath), add `LoadFile <library>` before LoadModule, or "
    "set LD_LIBRARY_PATH in Apache's envvars; remove stray LD_LIBRARY_PATH settings that "
    "override the RUNPATH.",
)
STATIC = finding(
    "libpython-static", Severity.WARNING, SECTION,
    "mod_wsgi.so has Python linked in statically",
    """The module needs no libpython shared library and defines the Python runtime itself
    (Py_Initialize is defined in its symbol table): it was linked against libpythonX.Y.a. Each
    Apache process then carries its own copy of the interpreter (more memory), Python patch
    upgrades are silently ignored until mod_wsgi is rebuilt, and it conflicts with other modules
    that embed Python.""",
    "Rebuild mod_wsgi against a Python built with --enable-shared (pyenv: "
    "PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install X.Y.Z), then reinstall the module.",
)
VERSION = finding(
    "libpython-version-mismatch", Severity.WARNING, SECTION,
    "mod_wsgi was compiled for one Python installation but loads another",
    """mod_wsgi records the Python version it was compiled against (PY_VERSION). The library the
    loader resolves belongs to a different installation of that Python series: same soname, other
    files. mod_wsgi does not check this at run time, so it silently runs another interpreter and
    standard library than the one it was built and tested with, and C extensions built for the
    other installation may misbehave. A patch-level difference within one installation (a
    distribution's module built for 3.11.1 running the system's 3.11.2) is normal and not
    reported.""",
    "Make the module load the installation it was built for: keep or restore its RUNPATH "
    "(rebuild with LD_RUN_PATH=<prefix>/lib), or add `LoadFile <prefix>/lib/libpythonX.Y.so.1.0` "
    "before LoadModule; or rebuild mod_wsgi against the Python it actually loads.",
)
NEEDS_LOADFILE = finding(
    "libpython-needs-loadfile", Severity.ERROR, SECTION,
    "mod_wsgi.so uses Python but names no Python library",
    """The module has undefined Py* symbols and no libpython among its dependencies: it expects
    the Python library to be in the process already. Without a LoadFile of libpython before the
    LoadModule line, Apache fails with "undefined symbol: Py...".""",
    "Add `LoadFile /path/to/libpythonX.Y.so.1.0` before `LoadModule wsgi_module ...` "
    "(`mod_wsgi-express module-config` prints the right lines), or rebuild mod_wsgi so that it "
    "links libpython.",
)
MAGIC = finding(
    "module-magic-mismatch", Severity.ERROR, SECTION,
    "mod_wsgi.so was built for a different Apache",
    """Every Apache module carries the module magic number (MMN) of the httpd headers it was
    compiled with, and a cookie naming the Apache series (AP22, AP24). httpd refuses a module
    whose MMN major differs ("is not compatible with this version of Apache") or whose cookie is
    wrong ("garbled"). A module minor newer than the server's loads, but may use functions this
    older httpd lacks ("undefined symbol" at start-up).""",
    "Rebuild mod_wsgi with this Apache's apxs (`pip install --force-reinstall --no-binary :all: "
    "mod_wsgi` with APXS pointing at it, or the distribution's package for this httpd).",
)
ARCH = finding(
    "module-wrong-architecture", Severity.ERROR, SECTION,
    "mod_wsgi.so is for another architecture than httpd",
    """A process can only load objects of its own ELF class (32/64-bit) and machine. This module
    was built for another one, so Apache fails with "wrong ELF class" or "cannot open shared
    object file".""",
    "Install or build mod_wsgi for httpd's architecture (same toolchain and Python architecture "
    "as Apache).",
)
UNREADABLE = finding(
    "libpython-unreadable", Severity.ERROR, SECTION,
    "Apache's user cannot read the Python installation mod_wsgi loads",
    """Apache's parent loads mod_wsgi and libpython as root, so loading succeeds; but Python is
    initialised in the child processes, which run as the User of the configuration. They must be
    able to reach the library's directory and read the standard library next to it. A Python
    under a private home directory (mode 0700, e.g. pyenv in /root or /home/user) then either
    fails to start ("Fatal Python error: ... No module named 'encodings'", when python-home
    points there) or, with no python-home, silently runs on the standard library of whatever
    other Python it finds on Apache's PATH (see python-found-via-path).""",
    "Install Python outside private home directories (e.g. /opt/python or /usr/local), or give "
    "Apache's user search permission on each directory on the way (chmod o+x, or an ACL: "
    "setfacl -m u:www-data:x DIR), then restart Apache.",
)
STALE_CACHE = finding(
    "ld-so-cache-stale", Severity.WARNING, SECTION,
    "libpython is in a loader directory but missing from /etc/ld.so.cache",
    """ld.so does not read /etc/ld.so.conf; it reads the cache that ldconfig builds from it. A
    library installed into a configured directory after the last ldconfig run (a Python built
    with --enable-shared and `make install`ed into /usr/local/lib) is invisible to the loader,
    although tools that read ld.so.conf directly (lddtree) report it as found.""",
    "Run `ldconfig` (as root) to rebuild the cache, then check again.",
)
RUNNING = finding(
    "libpython-running-differs", Severity.WARNING, SECTION,
    "The running Apache has another libpython mapped than predicted",
    """The libpython each running Apache process really has mapped (/proc/PID/maps) is not the
    file the loader would pick now. Either Apache was started with another environment or
    configuration, or the library was replaced after Apache started ("(deleted)").""",
    "Restart Apache so that it loads the library the current configuration resolves; if the "
    "difference persists, compare Apache's start environment with the one wsgidoctor used.",
)
LIBRARY_NOT_LOADED = finding(
    "dyld-library-not-loaded", Severity.ERROR, "linkage",
    "macOS cannot find a library mod_wsgi.so depends on (dyld: Library not loaded)",
    """On macOS, "Cannot load mod_wsgi.so into server: dlopen(...): Library not loaded:
    @rpath/libX.dylib ... Reason: image not found" means the dynamic loader could not find a
    library the module was linked against. Paths starting with @rpath are searched in the run
    paths recorded in mod_wsgi.so (otool -l shows LC_RPATH); Anaconda, pyenv and framework builds
    of Python often record none that Apache can use, and Apache started by launchd gets no
    DYLD_LIBRARY_PATH. Libraries from a conda build directory (/opt/conda/conda-bld/...) are
    paths of the machine that built the package.""",
    "Rebuild mod_wsgi against a Python whose library is found from Apache (`pip install mod_wsgi` "
    "with Homebrew's or python.org's Python) and use `mod_wsgi-express module-config` for the "
    "LoadModule line, or add the missing run path: `install_name_tool -add_rpath <dir of the "
    "library> mod_wsgi.so` (re-sign it afterwards where code signing is enforced).",
)
CODE_SIGNING = finding(
    "macos-code-signing", Severity.ERROR, "linkage",
    "macOS refuses to load an unsigned module into the system Apache",
    """macOS's own Apache (/usr/sbin/httpd) is signed and runs with library validation: from macOS
    12 it refuses modules that are not signed with a trusted identity ("AH06665: Code signing
    absent - not loading module at: .../mod_wsgi.so"), and earlier versions refuse libraries such
    as an Anaconda libpython whose "code signature ... not valid for use in process using Library
    Validation". A mod_wsgi built with pip is unsigned, and so are most third-party Pythons.""",
    "Use Homebrew's httpd (`brew install httpd`) or mod_wsgi-express instead of the system Apache, "
    "or sign the module with a Developer ID and name the signer in LoadModule (`LoadModule "
    "wsgi_module /path/mod_wsgi.so \"Developer ID\"`, see `man codesign`).",
)
WINDOWS_DLL = finding(
    "windows-dll-not-found", Severity.ERROR, "linkage",
    "Windows cannot find a DLL that mod_wsgi needs (The specified module could not be found)",
    """"Cannot load ... mod_wsgi...pyd into server: The specified module could not be found." names
    the module, but the file missing is usually a DLL it depends on: python3X.dll of the Python
    it was built with (not on PATH for the Apache service, or a Microsoft Store Python whose DLL
    Apache may not load), or the Visual C++ runtime. The message is the same when the module path
    itself is wrong.""",
    "Load the Python DLL before the module: `LoadFile \"C:/Path/To/Python3X/python3X.dll\"` then "
    "LoadModule (`mod_wsgi-express module-config` prints both lines for the Python that built it); "
    "use a python.org install, not the Store app; install the VC++ redistributable Apache Lounge "
    "names.",
)
WINDOWS_WIN32 = finding(
    "windows-architecture-mismatch", Severity.ERROR, "linkage",
    "Windows: mod_wsgi and Apache (or Python) are of different bitness (%1 is not a valid Win32 application)",
    """"Cannot load ... into server: %1 is not a valid Win32 application." means Windows' loader
    refused the module or a DLL it needs because it is for another architecture: a 32-bit Python
    (and the mod_wsgi built by it) with a 64-bit Apache, or the reverse. Apache, Python and
    mod_wsgi must all be 32-bit or all 64-bit, built with compatible Visual C++ versions.""",
    "Install a Python of the same bitness as Apache (Win64 Apache Lounge: 64-bit python.org "
    "Python), rebuild mod_wsgi with it (`pip install mod_wsgi`) and use `mod_wsgi-express "
    "module-config` for the LoadFile/LoadModule lines.",
)
NEEDS_IBT = finding(
    "module-needs-ibt", Severity.ERROR, "linkage",
    "The module was built without CET/IBT support that this httpd requires",
    """"Cannot load mod_wsgi.so into server: ...: rebuild shared object with IBT support enabled"
    comes from glibc when the process runs with Intel CET indirect-branch tracking enforced (an
    httpd built with -fcf-protection on a CPU and kernel that enforce it) and a shared object it
    loads was not built with IBT markers. A mod_wsgi (or libpython) compiled with another compiler
    or older flags than httpd cannot be loaded into it.""",
    "Rebuild mod_wsgi (and a self-built Python) with the distribution's compiler flags "
    "(`CFLAGS=-fcf-protection pip install mod_wsgi`), or use the distribution's mod_wsgi package.",
)


def _resolution_lines(res: dict[str, Any], limit: int = 8) -> str:
    tried = res.get("tried") or []
    lines = [f"{t['path']} [{t['source']}]: {t['outcome']}" + (f" ({t['detail']})" if t.get("detail") else "")
             for t in tried[:limit]]
    if len(tried) > limit:
        lines.append(f"... {len(tried) - limit} more")
    return "\n".join(lines) or "(nothing to try)"


def _module_evidence(f: dict[str, Any]) -> list[Evidence]:
    src = F.get(f, "linkage.module_source") or {}
    out = []
    if src.get("file"):
        out.append(Evidence(src["file"], f"LoadModule {src.get('symbol') or 'wsgi_module'} {src.get('path')}", src.get("line")))
    return out


def _describe_result(res: dict[str, Any]) -> str:
    if res.get("found"):
        return f"{res['path']} (via {res.get('via')})"
    return "not found" + (f" ({res['error']})" if res.get("error") else "")


@rule
def module_unusable(f: dict[str, Any]) -> Iterable[Finding]:
    problem = F.get(f, "linkage.problem")
    if not problem or problem.get("kind") == "wrong-slice":
        return
    module = F.get(f, "linkage.module")
    yield MODULE_UNUSABLE.make(
        detail=f"{problem.get('path') or module}: {problem.get('detail')}.",
        evidence=[Evidence(problem.get("path") or module or "mod_wsgi.so", problem.get("detail") or ""), *_module_evidence(f)],
    )


@rule
def libpython_not_found(f: dict[str, Any]) -> Iterable[Finding]:
    lib = F.get(f, "linkage.python_library") or {}
    if not lib.get("name") or lib.get("found") is not False:
        return
    apache = F.get(f, "linkage.resolutions.apache") or {}
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    if apache:
        detail = (f"{module} needs {lib['name']}; with Apache's start environment "
                  f"(LD_LIBRARY_PATH={apache.get('ld_library_path') or 'unset'}) the loader finds nothing: "
                  f"{apache.get('error') or 'not found'}. Tried:\n{_resolution_lines(apache)}")
        evidence = [Evidence(f"{module} (DT_NEEDED)", lib["name"]),
                    Evidence("ld.so emulation, Apache's environment", _resolution_lines(apache))]
    else:
        detail = f"{module} needs {lib['name']} and ldd shows \"{lib['name']} => not found\"."
        evidence = [Evidence(lib.get("source") or "ldd", f"{lib['name']} => not found", lib.get("line"))]
    fix = None
    stale = F.get(f, "linkage.stale_cache") or []
    if stale:
        fix = f"Run `ldconfig`: {stale[0]['path']} is in an ld.so.conf directory but not in the cache. " + NOT_FOUND.fix
    user = F.get(f, "linkage.resolutions.user") or {}
    if user.get("found"):
        detail += (f"\nYour shell's LD_LIBRARY_PATH ({user.get('ld_library_path')}) finds {user['path']}, "
                   "which is why a manual ldd looks fine.")
        fix = (fix or "") + (f" For example: `LoadFile {user['path']}` before LoadModule, or rebuild with "
                             f"LD_RUN_PATH={os.path.dirname(user['path'])}.")
    yield NOT_FOUND.make(detail=detail, evidence=evidence + _module_evidence(f), fix=fix or None)


def _same_target(a: Optional[str], b: Optional[str]) -> bool:
    if a == b:
        return True
    if not a or not b:
        return False
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


@rule
def resolution_differs(f: dict[str, Any]) -> Iterable[Finding]:
    res = F.get(f, "linkage.resolutions") or {}
    apache = res.get("apache")
    if not apache or not apache.get("name"):
        return
    for other, label in (("user", "your shell's environment"), ("none", "an empty environment")):
        o = res.get(other)
        if not o or (o.get("found") == apache.get("found") and _same_target(o.get("path"), apache.get("path"))):
            continue
        if other == "none" and res.get("user") and not (
                res["user"].get("found") == apache.get("found") and _same_target(res["user"].get("path"), apache.get("path"))):
            continue  # already reported against the user's environment
        detail = (f"{apache['name']}: with Apache's start environment (LD_LIBRARY_PATH="
                  f"{apache.get('ld_library_path') or 'unset'}, from {apache.get('env_source') or 'unknown'}) "
                  f"the loader takes {_describe_result(apache)}; with {label} (LD_LIBRARY_PATH="
                  f"{o.get('ld_library_path') or 'unset'}) it takes {_describe_result(o)}. Apache's answer is the one that counts.")
        yield DIFFERS.make(detail=detail, evidence=[
            Evidence("ld.so emulation, Apache's environment", _resolution_lines(apache)),
            Evidence(f"ld.so emulation, {label}", _resolution_lines(o)),
        ])
        return


@rule
def libpython_static(f: dict[str, Any]) -> Iterable[Finding]:
    if not F.get(f, "linkage.static"):
        return
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    version = F.get(f, "linkage.static_python_version")
    size = F.get(f, "linkage.size")
    detail = (f"{module} has no libpython dependency but defines Py_Initialize itself"
              + (f" (embedded Python {version})" if version else "")
              + (f"; it is {size / 1e6:.1f} MB where a shared build is under 0.5 MB" if size else "") + ".")
    yield STATIC.make(detail=detail, evidence=[Evidence(module, "DT_NEEDED: " + ", ".join(F.get(f, "linkage.needed") or []))])


def _xy(version: Optional[str]) -> Optional[str]:
    return ".".join(version.split(".")[:2]) if version else None


@rule
def version_mismatch(f: dict[str, Any]) -> Iterable[Finding]:
    compiled = F.get(f, "mod_wsgi.python_compiled")
    lib = F.get(f, "linkage.python_library") or {}
    loaded = lib.get("python_version")
    if not compiled or not loaded or compiled == loaded or not lib.get("path"):
        return
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    evidence = [Evidence(f"{module} (PY_VERSION string)", compiled), Evidence(lib["path"], f"Python {loaded}")]
    if _xy(compiled) != _xy(loaded):
        yield VERSION.make(
            detail=f"{module} was compiled for Python {compiled} but loads {lib['path']}, which is Python {loaded}.",
            evidence=evidence, severity=Severity.ERROR,
            title="mod_wsgi was compiled for another Python version than it loads")
        return
    others = [i for i in F.get(f, "linkage.python_installations") or []
              if i.get("version") == compiled and not _same_target(i.get("path"), lib["path"])]
    if not others:
        return  # a patch update inside the installation it was built with (Debian's 3.11.1 -> 3.11.2)
    home = others[0]["path"]
    detail = (f"{module} was compiled for Python {compiled}, and {home} is a Python {compiled} library, "
              f"but the loader (via {lib.get('via') or 'ldd'}) gives it {lib['path']}, Python {loaded} "
              f"from another installation. mod_wsgi runs that interpreter without any warning.")
    fix = (f"Add `LoadFile {home}` before LoadModule, or rebuild the module with "
           f"LD_RUN_PATH={os.path.dirname(home)} so that its RUNPATH points there; or rebuild mod_wsgi "
           f"against the Python at {lib['path']}.")
    yield VERSION.make(detail=detail, evidence=evidence + [Evidence(home, f"Python {compiled}")], fix=fix)


@rule
def needs_loadfile(f: dict[str, Any]) -> Iterable[Finding]:
    if not F.get(f, "linkage.needs_loadfile") or F.get(f, "linkage.loadfile_provides_python"):
        return
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    und = F.get(f, "linkage.undefined_python_symbols") or {}
    examples = ", ".join(und.get("examples") or [])
    detail = (f"{module} has {und.get('count')} undefined Python symbols ({examples}) and no libpython "
              f"among its dependencies ({', '.join(F.get(f, 'linkage.needed') or []) or 'none'}); no LoadFile "
              "of a libpython comes before it.")
    bad = [lf for lf in F.get(f, "linkage.loadfile") or [] if lf.get("problem")]
    evidence = [Evidence(module, f"undefined: {examples}")]
    for lf in bad:
        detail += f"\nLoadFile {lf['path']} ({lf.get('file')}:{lf.get('line')}) {lf['problem']}."
        evidence.append(Evidence(lf.get("file") or "configuration", f"LoadFile {lf['path']}", lf.get("line")))
    yield NEEDS_LOADFILE.make(detail=detail, evidence=evidence + _module_evidence(f))


@rule
def module_magic(f: dict[str, Any]) -> Iterable[Finding]:
    magic = F.get(f, "linkage.module_magic")
    if not magic:
        return
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    ev = [Evidence(f"{module} ({magic.get('symbol')} struct)",
                   f"MMN {magic['major']}:{magic['minor']}, cookie {magic.get('cookie')} ({magic.get('cookie_name')})")]
    if magic.get("cookie_name") not in ("AP20", "AP22", "AP24", "AP25"):
        yield MAGIC.make(detail=f"{module}: the module struct's magic cookie is {magic.get('cookie')}, not an "
                                "Apache cookie; httpd will report it as garbled.", evidence=ev)
        return
    server = F.get(f, "apache.mmn") or F.get(f, "linkage.server_mmn") or {}
    smaj, smin = server.get("major"), server.get("minor")
    if smaj is None:
        return
    ev.append(Evidence("httpd -V", f"Server's Module Magic Number: {smaj}:{smin}"))
    if int(magic["major"]) != int(smaj):
        yield MAGIC.make(detail=f"{module} was built with MMN {magic['major']}:{magic['minor']} ({magic.get('cookie_name')}); "
                                f"this httpd is {smaj}:{smin}. httpd refuses it: \"is not compatible with this "
                                f"version of Apache (found {magic['major']}, need {smaj})\".", evidence=ev)
    elif smin is not None and int(magic["minor"]) > int(smin):
        yield MAGIC.make(detail=f"{module} was built against newer Apache headers (MMN {magic['major']}:{magic['minor']}) "
                                f"than this httpd ({smaj}:{smin}); it may need functions this httpd lacks.",
                         evidence=ev, severity=Severity.WARNING,
                         title="mod_wsgi.so was built against newer Apache headers than this httpd")


@rule
def wrong_architecture(f: dict[str, Any]) -> Iterable[Finding]:
    elf = F.get(f, "linkage.elf") or {}
    macho = F.get(f, "linkage.macho") or {}
    module = F.get(f, "linkage.module") or "mod_wsgi.so"
    if macho.get("httpd_arch") and macho.get("archs") and macho["httpd_arch"] not in macho["archs"]:
        yield ARCH.make(detail=f"{module} contains {', '.join(macho['archs'])}; httpd ({macho.get('httpd')}) is {macho['httpd_arch']}.",
                        evidence=[Evidence(module, "architectures: " + ", ".join(macho["archs"]))])
        return
    if not elf.get("class"):
        return
    hclass, hmach = elf.get("httpd_class"), elf.get("httpd_machine")
    if hclass is None:
        arch = str(F.get(f, "apache.architecture") or "")
        if arch.startswith(("32", "64")) and int(arch[:2]) != elf["class"]:
            yield ARCH.make(detail=f"{module} is a {elf['class']}-bit {elf['machine']} object; httpd -V says "
                                   f"Architecture: {arch}.",
                            evidence=[Evidence(module, f"ELFCLASS{elf['class']} {elf['machine']}"),
                                      Evidence("httpd -V", f"Architecture: {arch}")])
        return
    if (hclass, hmach) != (elf["class"], elf["machine"]):
        yield ARCH.make(detail=f"{module} is a {elf['class']}-bit {elf['machine']} object; {elf.get('httpd')} is "
                               f"{hclass}-bit {hmach}.",
                        evidence=[Evidence(module, f"ELFCLASS{elf['class']} {elf['machine']}"),
                                  Evidence(elf.get("httpd") or "httpd", f"ELFCLASS{hclass} {hmach}")])


#: Directories that are private on every Linux distribution (Debian 0700, RHEL 0550, owner root):
#: no other user may enter them, whatever this machine's modes are.
_PRIVATE_DIRS = ("/root/",)


def _pasted_unreadable(f: dict[str, Any]) -> Optional[dict[str, str]]:
    """``linkage.unreadable`` for a pasted ldd/otool output (not examined on this machine): a
    libpython resolved inside a directory that is private everywhere."""
    if not isinstance(f.get("linkage"), dict) or "unreadable" in f["linkage"]:
        return None  # examined on this machine: the probe's answer stands
    path = F.get(f, "linkage.python_library.path")
    if not isinstance(path, str):
        return None
    private = next((d for d in _PRIVATE_DIRS if path.startswith(d)), None)
    if private is None:
        return None
    return {"user": None, "path": private.rstrip("/"), "library": path,
            "mode": "drwx------ root (dr-xr-x--- on RHEL), as distributions create it",
            "reason": "no search permission on that directory for any user but root"}


@rule
def libpython_unreadable(f: dict[str, Any]) -> Iterable[Finding]:
    u = F.get(f, "linkage.unreadable") or _pasted_unreadable(f)
    if not u:
        return
    user = u.get("user")
    who = f"Apache's user {user}" if user else "Apache's user"
    detail = (f"{who} cannot get to {u['library']}: {u['path']} ({u['mode']}) — "
              f"{u['reason']}. The library loads in the root parent, but Python initialises in the "
              "children as that user and cannot read its standard library.")
    user = user or "www-data"  # a pasted output does not say; Debian's name, RHEL's is apache
    fix = (f"Move the Python installation out of {u['path']}, or allow Apache's user ({user}) through: "
           f"`setfacl -m u:{user}:x {u['path']}` (or chmod o+x), then restart Apache.")
    yield UNREADABLE.make(detail=detail, evidence=[Evidence(u["path"], u["mode"])], fix=fix)


@rule
def stale_cache(f: dict[str, Any]) -> Iterable[Finding]:
    stale = F.get(f, "linkage.stale_cache") or []
    lib = F.get(f, "linkage.python_library") or {}
    for s in stale:
        if lib.get("path") and _same_target(lib["path"], s["path"]):
            continue
        yield STALE_CACHE.make(
            detail=f"{s['path']} is in {s['dir']} (listed in ld.so.conf) but /etc/ld.so.cache has no entry for it; "
                   f"the loader {('takes ' + lib['path']) if lib.get('path') else 'cannot find ' + str(lib.get('name'))} instead.",
            evidence=[Evidence(s["path"], "present on disk"), Evidence("/etc/ld.so.cache", f"no entry for {s['path']}")])


@rule
def running_differs(f: dict[str, Any]) -> Iterable[Finding]:
    lib = F.get(f, "linkage.python_library") or {}
    for r in F.get(f, "linkage.running") or []:
        if r.get("deleted"):
            yield RUNNING.make(detail=f"Apache process {r['pid']} has {r['path']} (deleted) mapped: the library was "
                                      "replaced after Apache started.",
                               evidence=[Evidence(f"/proc/{r['pid']}/maps", f"{r['path']} (deleted)")])
            return
        if r.get("path") and r.get("same_as_prediction") is False:
            yield RUNNING.make(detail=f"Apache process {r['pid']} has {r['path']} mapped; the loader would now "
                                      f"take {lib.get('path') or 'nothing'}.",
                               evidence=[Evidence(f"/proc/{r['pid']}/maps", r["path"])])
            return


FOREIGN_LIBRARY = finding(
    "foreign-library", Severity.WARNING, SECTION,
    "Apache maps a shared library from another installation instead of the system's copy",
    """One process holds one copy of each shared library. When Apache's start environment puts
    another installation's lib directory first (LD_LIBRARY_PATH in envvars or the unit, often
    added for Anaconda, a venv or a /usr/local build), every library found there - libz,
    OpenSSL, libstdc++, libexpat, libffi - replaces the system's for httpd, every module and every
    Python extension, not just the one it was meant for. Apache and its modules were built
    against the system's versions: symbol version errors at start ("version `OPENSSL_3.0.0' not
    found", "GLIBCXX_3.4.30 not found"), crashes in mod_ssl or in an extension, or silently
    different behaviour follow. The libraries were resolved as glibc's loader would, for Apache's
    start environment and for none.""",
    "Remove LD_LIBRARY_PATH from Apache's environment (envvars, the unit's Environment=); "
    "point mod_wsgi at its Python with WSGIPythonHome / python-home= instead, and let an "
    "extension find its own libraries through its RUNPATH.",
)


@rule
def foreign_library(f: dict[str, Any]) -> Iterable[Finding]:
    found = F.get(f, "libraries.foreign") or []
    if not found:
        return
    names = "; ".join(f"{x['name']} from {x['installation']} ({x['path']}) instead of {x['system_path']}"
                      for x in found[:8])
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    detail = (f"With Apache's LD_LIBRARY_PATH={found[0]['ld_library_path']}, the loader maps {names}{more}.")
    envvars = F.get(f, "install.envvars")
    evidence = [Evidence(envvars or "Apache's start environment", f"LD_LIBRARY_PATH={found[0]['ld_library_path']}")]
    evidence += [Evidence(x["path"], x["name"]) for x in found[:3]]
    yield FOREIGN_LIBRARY.make(detail=detail, evidence=evidence)
