"""Rules for the Apache build and its modules: can httpd load modules at all, is it a version
mod_wsgi supports, is mod_wsgi loaded, does the APR it runs with match the one it was built with,
and are 2.2-only directives left in a 2.4 configuration.

Also completes the build facts when ``httpd -V`` could not show them: ``apache.family`` from the
module magic number or apxs, and ``apache.mpm`` from ``httpd -l`` (a static MPM), the ``-M``
module list (``mpm_event_module``) or config.nice's ``--with-mpm``.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.core import facts as F
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.apache.text import MPM_NATURE, apache_family, mpm_from_name
from wsgidoctor.core.catalogue import derivation, fallback_rule, finding, rule

# --- catalogue ---------------------------------------------------------------------------------

NO_MOD_SO = finding(
    "no-mod-so", Severity.ERROR, "modules",
    "This httpd cannot load modules at all (no mod_so)",
    """Apache loads every module that is not compiled into the binary, mod_wsgi included, with the
    LoadModule directive, and LoadModule is provided by mod_so. This httpd was built without mod_so
    (it is missing from `httpd -l`, or `httpd -M` printed no module list at all, which is what an
    httpd without mod_so does because the module dump is part of mod_so). No configuration change
    can make such a binary load mod_wsgi.so: LoadModule is not even a known directive, so the
    configuration fails with "Invalid command 'LoadModule'".""",
    "Use an httpd built with mod_so: your distribution's Apache package (Debian/Ubuntu `apache2`, "
    "RHEL `httpd`), or rebuild from source with `./configure --enable-so` (and without "
    "`--enable-so=no`), then install mod_wsgi for it.",
)

UNSUPPORTED_VERSION = finding(
    "apache-unsupported-version", Severity.ERROR, "apache",
    "This Apache version is too old for current mod_wsgi",
    """mod_wsgi 4.x and 5.x build against Apache 2.2 and 2.4; mod_wsgi 6.x requires Apache 2.4.
    Apache 2.0 and 1.3 are supported by no maintained mod_wsgi release (only the long-abandoned 3.x
    series built for them), and Apache 2.2 itself has been end-of-life since 2017 and gets no
    security fixes. Builds for an old Apache are also where the accept-mutex and directive
    differences between 2.2 and 2.4 (AcceptMutex, LockFile vs Mutex) come from.""",
    "Move to Apache 2.4 (your distribution's package, or a 2.4 source build) and rebuild mod_wsgi "
    "against it (`pip install mod_wsgi` with APXS pointing at the new apxs, or the distribution's "
    "mod_wsgi package).",
)

WSGI_NOT_LOADED = finding(
    "wsgi-module-not-loaded", Severity.ERROR, "modules",
    "mod_wsgi is not loaded by this configuration",
    """`httpd -M` lists every module the configuration loads, and wsgi_module is not among them
    (or the configuration uses a WSGI* directive that httpd does not know, which means the same
    thing at that point of the configuration). Without the LoadModule line for mod_wsgi, WSGI
    directives are rejected as "Invalid command" and no WSGI application is served. On Debian and
    Ubuntu the module is installed but only enabled by `a2enmod wsgi`; on RHEL the package drops a
    file into conf.modules.d; pip installs of mod_wsgi need the LoadModule line added by hand.""",
    "Add `LoadModule wsgi_module /path/to/mod_wsgi.so` to the main configuration, before the first "
    "WSGI* directive (`mod_wsgi-express module-config` prints the exact line for a pip-installed "
    "mod_wsgi), then restart Apache.",
)

APR_SKEW = finding(
    "apr-version-skew", Severity.WARNING, "apache",
    "httpd runs with a different APR than it was compiled with",
    """`httpd -V` prints both the APR (and APR-util) version httpd was compiled against
    ("Compiled using") and the one the dynamic loader gave it ("Server loaded"). APR keeps its ABI
    within a major version, so a different patch level is harmless. A different minor version
    means httpd (and every module built with the same headers, mod_wsgi included) runs against a
    library it was not built for: an older APR than the headers can lack functions modules call,
    and the default lock mechanisms listed by -V are those of the compile-time APR. It usually
    means a second APR installation is found first (LD_LIBRARY_PATH in envvars, /usr/local/lib,
    an RPATH) or packages were upgraded separately.""",
    "Make httpd load the APR it was built with: check LD_LIBRARY_PATH in Apache's envvars and "
    "`ldd $(which httpd) | grep apr`, remove or move the stray APR, or rebuild httpd (and then "
    "mod_wsgi) against the APR it loads.",
)

REMOVED_DIRECTIVE = finding(
    "removed-directive", Severity.ERROR, "config",
    "The configuration uses a directive Apache 2.4 removed",
    """Apache 2.4 replaced the per-purpose lock directives of 2.2 (AcceptMutex, LockFile,
    RewriteLock, SSLMutex, SSLStaplingMutex, WatchdogMutexPath) with one `Mutex` directive that
    takes a mechanism and the names of the mutexes it applies to (mpm-accept, rewrite-map,
    ssl-cache, ssl-stapling, watchdog-callback, ...). A 2.2 directive left in a 2.4 configuration
    makes the configuration test fail with "Invalid command '<name>', perhaps misspelled or
    defined by a module not included in the server configuration", so Apache does not start.
    Configurations copied from 2.2-era guides (including old mod_wsgi advice to set AcceptMutex)
    are the usual source.""",
    "Replace the directive with its 2.4 form, e.g. `AcceptMutex flock` → `Mutex flock mpm-accept`, "
    "`SSLMutex default` → `Mutex default ssl-cache`; or delete it to keep the default.",
)

NO_MPM = finding(
    "no-mpm-loaded", Severity.ERROR, "apache",
    "The configuration loads no MPM",
    """Since Apache 2.4 the MPM (prefork, worker or event) can be a loadable module, and the
    configuration must load exactly one with LoadModule. When none is loaded, httpd stops at once
    with "AH00534: Configuration error: No MPM loaded." and `httpd -V` shows an empty "Server
    MPM:". It typically follows `a2dismod` of the active MPM without enabling another, or a
    conf.modules.d/00-mpm.conf with every LoadModule line commented out. The MPM matters to
    mod_wsgi too: embedded mode inherits its threading (prefork: one thread per process).""",
    "Load one MPM. Debian/Ubuntu: `sudo a2enmod mpm_event` (or mpm_prefork if a module such as "
    "mod_php needs it). RHEL: uncomment one LoadModule line in /etc/httpd/conf.modules.d/00-mpm.conf. "
    "Source builds: `LoadModule mpm_event_module modules/mod_mpm_event.so` in httpd.conf.",
)

MODULES_FAILED = finding(
    "httpd-modules-failed", Severity.ERROR, "modules",
    "httpd -M failed: the configuration does not load",
    """`httpd -M` reads the whole configuration, loads every module and lists them; the server
    itself runs the same steps when it starts. It failed (or printed nothing), so the server would
    not start with this configuration either, and which modules are loaded is unknown. The
    message it printed names the file and line.""",
    "Run the command shown in the evidence yourself and fix the configuration error it reports; if "
    "wsgidoctor examined the wrong configuration, name the right one with --config or --server-root.",
)

#: 2.2 directive → (the 2.4 mutex name it configured, what to write instead)
REMOVED_IN_24 = {
    "AcceptMutex": ("mpm-accept", "Mutex {value} mpm-accept"),
    "LockFile": ("mpm-accept", "Mutex file:{dir} mpm-accept"),
    "RewriteLock": ("rewrite-map", "Mutex file:{dir} rewrite-map"),
    "SSLMutex": ("ssl-cache", "Mutex {value} ssl-cache"),
    "SSLStaplingMutex": ("ssl-stapling", "Mutex {value} ssl-stapling"),
    "WatchdogMutexPath": ("watchdog-callback", "Mutex file:{dir} watchdog-callback"),
}

# --- helpers -----------------------------------------------------------------------------------


def _command(facts: dict[str, Any], flag: str) -> str:
    """How the output behind a fact was obtained, for evidence (``/usr/sbin/apache2 -M``)."""
    if flag == "-V":
        cmd = F.get(facts, "install.version_command.command")
        if isinstance(cmd, str) and cmd:
            return cmd
    argv = F.get(facts, "install.httpd_argv")
    if isinstance(argv, list) and argv:
        return " ".join(str(a) for a in argv[:1]) + f" {flag}"
    return f"httpd {flag}"


def _version_tuple(version: Optional[str]) -> Optional[tuple[int, ...]]:
    if not isinstance(version, str):
        return None
    parts = re.findall(r"\d+", version)
    return tuple(int(p) for p in parts[:3]) if parts else None


def _family(facts: dict[str, Any]) -> Optional[str]:
    family = F.get(facts, "apache.family")
    if family:
        return family
    mmn = F.get(facts, "apache.mmn.major") or F.get(facts, "apache.configure.mmn_major")
    return apache_family(F.get(facts, "apache.version") or F.get(facts, "apache.configure.httpd_version"),
                         mmn if isinstance(mmn, int) else None)


def _is_debian_like(facts: dict[str, Any]) -> bool:
    vendor = str(F.get(facts, "apache.vendor") or "")
    return F.get(facts, "install.distribution") == "debian" or vendor in ("Debian", "Ubuntu", "Raspbian")


def _is_rhel_like(facts: dict[str, Any]) -> bool:
    vendor = str(F.get(facts, "apache.vendor") or "")
    return F.get(facts, "install.distribution") == "rhel" or any(
        k in vendor for k in ("Red Hat", "CentOS", "Fedora", "Rocky", "AlmaLinux", "Amazon", "Oracle"))


def _configtest_errors(facts: dict[str, Any]) -> list[dict[str, Any]]:
    errors = F.get(facts, "apache.configtest.errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _where(file: Any, line: Any) -> str:
    if file and line:
        return f"{file}:{line}"
    return str(file or "the configuration")


def where_included(err: dict[str, Any]) -> str:
    """``/etc/x/site.conf:3 (included from /etc/apache2/apache2.conf:225)`` for a configtest error."""
    chain = [_where(c.get("file"), c.get("line")) for c in err.get("included_from") or () if isinstance(c, dict)]
    here = _where(err.get("file"), err.get("line"))
    return here + (f" (included from {' <- '.join(reversed(chain))})" if chain else "")


#: mod_wsgi 6 directives that the configuration reader's list does not hold yet.
_WSGI_6_DIRECTIVES = frozenset({"wsgiperinterpretergil", "wsgifreethreading", "wsgiswitchinterval",
                                "wsgiinterpreteroptions"})


def _wsgi_directive_unknown(err: dict[str, Any]) -> bool:
    """An "Invalid command" for a real mod_wsgi directive: mod_wsgi is not loaded at that line.
    A name no mod_wsgi has (a misspelling) is the generic refusal's, with that cause."""
    from wsgidoctor.config.names import WSGI_DIRECTIVES

    name = str(err.get("directive") or "").lower()
    return err.get("event") == "invalid-command" and (
        name in {d.lower() for d in WSGI_DIRECTIVES} or name in _WSGI_6_DIRECTIVES)


def explains_configtest_error(err: dict[str, Any]) -> bool:
    """True when a rule of this area reports ``err`` (so the generic refusal finding does not)."""
    message = str(err.get("message") or "")
    directive = str(err.get("directive") or "")
    if _wsgi_directive_unknown(err):
        return True  # wsgi_module_loaded
    if directive in REMOVED_IN_24 and "Invalid command" in message:
        return True  # removed_directives
    return bool(re.search(r"No MPM loaded", message, re.I))  # an_mpm_is_loaded


# --- derivations -------------------------------------------------------------------------------


@derivation(order=20)
def complete_apache_build(facts: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """``apache.family`` and ``apache.mpm`` from the other Apache sources (-l, -M, config.nice)
    when -V did not give them, and the MPM's known nature when no source said it."""
    apache = facts.get("apache")
    if not isinstance(apache, dict):
        return None
    derived: dict[str, Any] = {}
    if not apache.get("family"):
        family = _family(facts)
        if family:
            derived["family"] = family
    given = apache.get("mpm")
    mpm: dict[str, Any] = {}
    if not isinstance(given, dict):
        given = {}
        mpm = {"name": None, "threaded": None, "forked": None, "source": None}
    if not given.get("name"):
        name, source = None, None
        if apache.get("static_mpm"):
            name, source = apache["static_mpm"], "httpd -l"
        else:
            for module in apache.get("modules") or ():
                m = re.fullmatch(r"mpm_(\w+)_module", str(module.get("name", "")))
                if m:
                    name, source = mpm_from_name(m.group(1)), "httpd -M"
                    break
        if not name:
            configure = apache.get("configure") or {}
            if configure.get("mpm") and not configure.get("mpms_shared"):
                name, source = mpm_from_name(configure["mpm"]), "config.nice --with-mpm"
        if name:
            mpm["name"], mpm["source"] = name, source
    name = mpm.get("name") or given.get("name")
    if name in MPM_NATURE and (given.get("threaded") is None or given.get("forked") is None):
        threaded, forked = MPM_NATURE[name]
        if given.get("threaded") is None:
            mpm["threaded"] = threaded
        if given.get("forked") is None:
            mpm["forked"] = forked
        mpm["nature_source"] = f"known behaviour of the {name} MPM"
    if mpm:
        derived["mpm"] = mpm
    return {"apache": derived} if derived else None


# --- rules -------------------------------------------------------------------------------------


@rule
def httpd_has_mod_so(facts: dict[str, Any]) -> Iterable[Finding]:
    compiled = F.get(facts, "apache.compiled_in")
    if F.get(facts, "apache.mod_so") is False and isinstance(compiled, list):
        cmd = _command(facts, "-l")
        yield NO_MOD_SO.make(
            f"`{cmd}` lists {len(compiled)} compiled-in modules and mod_so.c is not one of them "
            f"(static MPM: {F.get(facts, 'apache.static_mpm') or 'none'}).",
            [Evidence(cmd, "Compiled in modules: " + ", ".join(compiled))])
        return
    if (F.get(facts, "apache.modules_listed") is False and F.get(facts, "apache.mod_so") is not True
            and not _configtest_errors(facts) and F.get(facts, "apache.configtest.ok") is not False):
        cmd = _command(facts, "-M")
        shown = F.get(facts, "apache.startup_warnings") or []
        yield NO_MOD_SO.make(
            f"`{cmd}` printed no module list at all"
            + (f", only: {shown[0]}" if shown else "")
            + ". An httpd without mod_so prints none; run httpd -l to confirm that mod_so.c is missing.",
            [Evidence(cmd, text) for text in shown[:3]] or [Evidence(cmd, "(no 'Loaded Modules:' list)")])


@rule
def apache_version_supported(facts: dict[str, Any]) -> Iterable[Finding]:
    family = _family(facts)
    version = F.get(facts, "apache.version") or F.get(facts, "apache.configure.httpd_version")
    numbers = _version_tuple(version) or _version_tuple(family)
    if not numbers or numbers[:2] >= (2, 4):
        return
    shown = F.get(facts, "apache.description") or (f"Apache/{version}" if version else f"Apache {family}")
    evidence = [Evidence(_command(facts, "-V"), f"Server version: {shown}")]
    mmn = F.get(facts, "apache.mmn")
    if isinstance(mmn, dict) and mmn.get("major"):
        evidence.append(Evidence(_command(facts, "-V"),
                                 f"Server's Module Magic Number: {mmn['major']}:{mmn.get('minor')}"))
    label = version or family
    wsgi_version = _version_tuple(F.get(facts, "mod_wsgi.version"))
    if numbers[:2] < (2, 2):
        yield UNSUPPORTED_VERSION.make(
            f"This is Apache {label}. mod_wsgi 4.x and later need Apache 2.2 or newer (6.x needs "
            "2.4), so no maintained mod_wsgi can be built for it.", evidence)
    elif wsgi_version and wsgi_version[0] >= 6:
        yield UNSUPPORTED_VERSION.make(
            f"This is Apache {label} and the mod_wsgi found is {F.get(facts, 'mod_wsgi.version')}: "
            "mod_wsgi 6.x requires Apache 2.4.", evidence)
    else:
        yield UNSUPPORTED_VERSION.make(
            f"This is Apache {label}, end-of-life since 2017. mod_wsgi 4.x/5.x still build for it, "
            "but mod_wsgi 6.x requires Apache 2.4.", evidence, severity=Severity.WARNING,
            title="Apache 2.2 is end-of-life and not supported by mod_wsgi 6")


def _load_fix(facts: dict[str, Any]) -> str:
    if _is_debian_like(facts):
        return ("Run `sudo a2enmod wsgi` and restart Apache (`sudo systemctl restart apache2`). If "
                "/etc/apache2/mods-available/wsgi.load does not exist, install the module first: "
                "`sudo apt-get install libapache2-mod-wsgi-py3`. For a pip-installed mod_wsgi, put "
                "the output of `mod_wsgi-express module-config` in /etc/apache2/mods-available/wsgi.load "
                "instead and enable that.")
    if _is_rhel_like(facts):
        return ("Install the packaged module (`sudo dnf install python3-mod_wsgi`, which adds "
                "/etc/httpd/conf.modules.d/10-wsgi-python3.conf with the LoadModule line) and restart "
                "httpd. For a pip-installed mod_wsgi, put the output of `mod_wsgi-express module-config` "
                "in /etc/httpd/conf.modules.d/10-wsgi.conf.")
    module = F.get(facts, "linkage.module")
    if not module:
        libexec = F.get(facts, "apache.configure.dirs.libexecdir")
        module = f"{libexec}/mod_wsgi.so" if libexec else "modules/mod_wsgi.so"
    return (f"Add `LoadModule wsgi_module {module}` to the main configuration, before the first WSGI* "
            "directive, and restart Apache. For a pip-installed mod_wsgi, `mod_wsgi-express module-config` "
            "prints the exact lines.")


@rule
def wsgi_module_loaded(facts: dict[str, Any]) -> Iterable[Finding]:
    modules = F.get(facts, "apache.modules")
    invalid = [e for e in _configtest_errors(facts) if _wsgi_directive_unknown(e)]
    if invalid:
        err = invalid[0]
        yield WSGI_NOT_LOADED.make(
            f"Apache refuses the configuration at {where_included(err)}: "
            f"{err.get('message')}. httpd does not know {err.get('directive')} there: mod_wsgi is not "
            "loaded, or its LoadModule line comes after this directive.",
            [Evidence(str(err.get("file") or "httpd -t"), str(err.get("message")), err.get("line"))],
            fix=_load_fix(facts))
        return
    if F.get(facts, "apache.modules_listed") is not True or not isinstance(modules, list):
        return
    if F.get(facts, "apache.modules_truncated"):
        return  # the list was cut off: wsgi_module may be further down
    names = [str(m.get("name")) for m in modules if isinstance(m, dict)]
    if "wsgi_module" in names:
        return
    cmd = _command(facts, "-M")
    mpm = next((n for n in names if n.startswith("mpm_")), None)
    yield WSGI_NOT_LOADED.make(
        f"`{cmd}` lists {len(names)} modules and no wsgi_module"
        + (f" (MPM: {mpm})" if mpm else "") + ".",
        [Evidence(cmd, f"Loaded Modules: {len(names)} modules; first {', '.join(names[:3])}; "
                       "no wsgi_module")],
        fix=_load_fix(facts))


@rule
def apr_versions_match(facts: dict[str, Any]) -> Iterable[Finding]:
    for key, label in (("apr", "APR"), ("apr_util", "APR-util")):
        loaded, compiled = F.get(facts, f"apache.{key}.loaded"), F.get(facts, f"apache.{key}.compiled")
        lv, cv = _version_tuple(loaded), _version_tuple(compiled)
        if not lv or not cv or lv == cv:
            continue
        cmd = _command(facts, "-V")
        evidence = [Evidence(cmd, f"Server loaded:  {label} {loaded}"),
                    Evidence(cmd, f"Compiled using: {label} {compiled}")]
        if lv[:2] != cv[:2]:
            older = " (older than its headers: functions httpd or modules expect may be missing)" if lv < cv else ""
            yield APR_SKEW.make(
                f"httpd was compiled against {label} {compiled} but runs with {label} {loaded}{older}.",
                evidence)
        else:
            yield APR_SKEW.make(
                f"httpd was compiled against {label} {compiled} and runs with {label} {loaded}: only the "
                "patch level differs, which APR's compatibility rules allow.",
                evidence, severity=Severity.INFO,
                title=f"{label} patch level differs between build and runtime",
                fix="Nothing to do; this note explains the different numbers in httpd -V.")


def _replacement(name: str, args: list[str]) -> str:
    """What to write instead of a removed 2.2 directive, as a sentence."""
    mutex_name, template = REMOVED_IN_24[name]
    value = args[0] if args else None
    if name == "AcceptMutex" and (value is None or value.lower() == "default"):
        return ("Delete the line: Apache 2.4 picks APR's default for the mpm-accept mutex. To choose a "
                "mechanism, write `Mutex <mechanism> mpm-accept`.")
    if value is None:
        directory = "<directory>"
    elif name == "WatchdogMutexPath":
        directory = value
    else:
        directory = value.rsplit("/", 1)[0] if "/" in value else "<directory>"
    text = template.format(value=value or "<mechanism>", dir=directory)
    return (f"Replace it with `{text}` (Apache 2.4's Mutex directive configures the {mutex_name} "
            "mutex), or delete it to keep the default.")


@rule
def removed_directives(facts: dict[str, Any]) -> Iterable[Finding]:
    seen: set[tuple[str, Any, Any]] = set()
    for err in _configtest_errors(facts):
        name = err.get("directive")
        if name in REMOVED_IN_24 and "Invalid command" in str(err.get("message")):
            key = (name, err.get("file"), err.get("line"))
            seen.add(key)
            yield REMOVED_DIRECTIVE.make(
                f"{name} at {where_included(err)} no longer exists in Apache 2.4: "
                f"the configuration test fails with \"{err.get('message')}\".",
                [Evidence(str(err.get("file") or "httpd -t"), str(err.get("message")), err.get("line"))],
                fix=_replacement(name, []))
    family = _family(facts)
    numbers = _version_tuple(family)
    directives = F.get(facts, "config.directives")
    if not numbers or numbers[:2] < (2, 4) or not isinstance(directives, list):
        return
    for d in directives:
        if not isinstance(d, dict) or d.get("name") not in REMOVED_IN_24:
            continue
        name, args = d["name"], [str(a) for a in d.get("args") or []]
        key = (name, d.get("file"), d.get("line"))
        if key in seen:
            continue
        seen.add(key)
        text = " ".join([name, *args])
        yield REMOVED_DIRECTIVE.make(
            f"`{text}` at {_where(d.get('file'), d.get('line'))} is a 2.2 directive; this is Apache "
            f"{F.get(facts, 'apache.version') or family}, which rejects it as an invalid command.",
            [Evidence(str(d.get("file") or "configuration"), text, d.get("line"))],
            fix=_replacement(name, args))


@rule
def an_mpm_is_loaded(facts: dict[str, Any]) -> Iterable[Finding]:
    for err in _configtest_errors(facts):
        message = str(err.get("message") or "")
        if re.search(r"No MPM loaded", message, re.I):
            yield NO_MPM.make(f"httpd refuses the configuration at {where_included(err)}: {message}",
                              [Evidence(str(err.get("file") or "httpd -t"), message, err.get("line"))])
            return



@fallback_rule
def modules_listed(facts: dict[str, Any], found: list[Finding]) -> Iterable[Finding]:
    """httpd -M failed and no other error explains it (a specific finding says it better)."""
    cmd = F.get(facts, "apache.modules_command")
    if not isinstance(cmd, dict) or not F.get(facts, "apache.version"):
        return
    if any(f.severity is Severity.ERROR for f in found):
        return
    if F.get(facts, "apache.modules") and not cmd.get("exit_code") and not cmd.get("error"):
        return
    from wsgidoctor.apache.unreadable import unreadable_by_wsgidoctor

    if unreadable_by_wsgidoctor(facts):
        return  # wsgidoctor's user could not read a file Apache reads as root: "not examined" says so
    errors = _configtest_errors(facts)
    if errors:
        err = errors[0]
        said = f"{_where(err.get('file'), err.get('line'))}: {str(err.get('message')).splitlines()[0]}"
        evidence = [Evidence(str(err.get("file") or cmd.get("command")), str(err.get("message")), err.get("line"))]
    else:
        said = cmd.get("error") or (f"exit code {cmd.get('exit_code')}" if cmd.get("exit_code")
                                    else "it printed no module list")
        evidence = [Evidence(str(cmd.get("command")), said)]
    yield MODULES_FAILED.make(f"`{cmd.get('command')}` failed: {said}", evidence)
