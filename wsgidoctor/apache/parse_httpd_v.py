"""Parser for ``httpd -V`` / ``apache2ctl -V`` (the build settings) and the two-line ``-v``.

Produces ``apache.{version, vendor, built, mmn, apr, apr_util, pcre, architecture, mpm, defines,
serialize_use, ...}``. Copes with what people paste: markdown bullets and ``&nbsp;``, collapsed or
tab-flattened alignment, vendor rebrandings ("Apache Lounge VC15 Server built:"), extra lines
(cPanel's "Cpanel::Easy::Apache v3.2.0"), grep-filtered and truncated outputs, and Debian's
``apache2 -V`` run without ``/etc/apache2/envvars`` (an AH00111 warning, a syntax error and an
empty ``Server MPM:``).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from wsgidoctor.core.parsing import Parser
from wsgidoctor.apache.text import (
    apache_family, is_startup_warning, mpm_from_name, strip_decoration, strip_log_prefix)
from wsgidoctor.core.textnorm import clean_lines

#: Every name ``show_compile_settings()`` in httpd's server/main.c can print after ``-D``;
#: used to recognise a define cut off mid-name at the end of a truncated paste.
KNOWN_DEFINES = frozenset({
    "BIG_SECURITY_HOLE", "SECURITY_HOLE_PASS_AUTHORIZATION", "OS", "APACHE_MPM_DIR",
    "HAVE_SHMGET", "APR_FILE_BASED_SHM", "APR_HAS_SENDFILE", "APR_HAS_MMAP", "NO_WRITEV",
    "NO_LINGCLOSE", "APR_HAVE_IPV6", "APR_USE_FLOCK_SERIALIZE", "APR_USE_SYSVSEM_SERIALIZE",
    "APR_USE_POSIXSEM_SERIALIZE", "APR_USE_FCNTL_SERIALIZE", "APR_USE_PROC_PTHREAD_SERIALIZE",
    "APR_USE_PTHREAD_SERIALIZE", "APR_PROCESS_LOCK_IS_GLOBAL", "SINGLE_LISTEN_UNSERIALIZED_ACCEPT",
    "APR_HAS_OTHER_CHILD", "AP_HAVE_RELIABLE_PIPED_LOGS", "BUFFERED_LOGS", "PIPE_BUF",
    "DYNAMIC_MODULE_LIMIT", "APR_CHARSET_EBCDIC", "NEED_HASHBANG_EMUL", "SHARED_CORE",
    "HTTPD_ROOT", "SUEXEC_BIN", "SHARED_CORE_DIR", "DEFAULT_PIDLOG", "DEFAULT_SCOREBOARD",
    "DEFAULT_LOCKFILE", "DEFAULT_ERRORLOG", "AP_TYPES_CONFIG_FILE", "SERVER_CONFIG_FILE",
})

#: APR_USE_<X>_SERIALIZE → Apache's name for the cross-process mechanism. APR_USE_PTHREAD_SERIALIZE
#: is the thread mutex inside one process, so it is deliberately absent.
SERIALIZE_NAMES = {
    "FLOCK": "flock",
    "SYSVSEM": "sysvsem",
    "POSIXSEM": "posixsem",
    "FCNTL": "fcntl",
    "PROC_PTHREAD": "pthread",
}

_VERSION = re.compile(r"^Server version:\s*(?P<desc>.*)$", re.I)
_PRODUCT = re.compile(r"^(?P<product>[^\s/]+)/(?P<version>\d+(?:\.\d+)*)(?P<suffix>\S*)"
                      r"(?:\s+\((?P<vendor>[^()]*)\))?")
_BUILT = re.compile(r"^(?:.*\s)?Server built:\s*(?P<built>.*)$", re.I)
_MMN = re.compile(r"^Server's Module Magic Number:\s*(?P<major>\d+)(?::(?P<minor>\d+))?", re.I)
_LOADED = re.compile(r"^(?P<which>Server loaded|Compiled using):\s*(?P<rest>.*)$", re.I)
_LIB = re.compile(r"(?P<name>APR-UTIL|APR|PCRE2?)\s+(?P<version>\d[\w.+-]*)", re.I)
_ARCH = re.compile(r"^Architecture:\s*(?P<arch>\S.*)$", re.I)
_MPM = re.compile(r"^Server MPM:\s*(?P<name>.*)$", re.I)
_NATURE = re.compile(r"^(?P<which>threaded|forked):\s*(?P<value>.*)$", re.I)
_COMPILED_WITH = re.compile(r"^Server compiled with\.*", re.I)
_DEFINE = re.compile(r"^-D\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:=(?P<value>.*)|\s+(?P<note>\(.*\)?)|\s*)$")
_YES_NO = re.compile(r"^(?P<yn>yes|no)\b\s*(?:\((?P<detail>[^)]*)\)?)?", re.I)
#: The "Syntax error on line N of F: message" line httpd prints when it cannot read its
#: configuration before showing -V (program-name prefixed, one line).
_SYNTAX = re.compile(r"Syntax error on line \d+ of ", re.I)
#: Where a new -V line starts, for pastes that lost their line breaks.
_LABEL = re.compile(r"\s(?=(?:Server version|Server built|Server's Module Magic Number|Server loaded|"
                    r"Compiled using|Architecture|Server MPM|threaded|forked):\s|Server compiled with\.|-D [A-Z_])")


def _split_run_together(lines: list[str]) -> list[str]:
    """Split lines holding several -V lines (a paste whose line breaks were lost)."""
    out: list[str] = []
    for line in lines:
        if len(_LABEL.findall(line)) >= 2:
            out.extend(part for part in _LABEL.split(line) if part.strip())
        else:
            out.append(line)
    return out


def _empty() -> dict[str, Any]:
    return {
        "version": None, "vendor": None, "description": None, "family": None, "built": None,
        "mmn": None,
        "apr": {"loaded": None, "compiled": None},
        "apr_util": {"loaded": None, "compiled": None},
        "pcre": {"loaded": None, "compiled": None},
        "architecture": None,
        "mpm": {"name": None, "threaded": None, "forked": None, "threaded_detail": None,
                "forked_detail": None, "source": None, "mpm_dir": None},
        "defines": None,
        "serialize_use": None,
        "ipv4_mapped": None,
    }


def _yes_no(value: str) -> tuple[Optional[bool], Optional[str]]:
    m = _YES_NO.match(value.strip())
    if not m:
        return None, None
    detail = (m.group("detail") or "").strip() or None
    return m.group("yn").lower() == "yes", detail


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value.strip('"')


def parse(text: str) -> dict[str, Any]:
    """Parse ``httpd -V`` output into an ``apache`` facts fragment (see the module docstring)."""
    lines = _split_run_together(clean_lines(text))
    apache = _empty()
    notes: list[str] = []
    warnings: list[str] = []
    startup_errors: list[str] = []
    defines: dict[str, Any] = {}
    serialize: list[str] = []
    saw_compiled_with = False
    saw_mpm_line = False
    body_started = False
    undefined_vars: list[str] = []

    for index, raw in enumerate(lines):
        line = strip_decoration(raw)
        if not line:
            continue
        is_last = index == len(lines) - 1
        m = _VERSION.match(line)
        if m:
            body_started = True
            desc = m.group("desc").strip()
            apache["description"] = desc or None
            pm = _PRODUCT.match(desc)
            if pm:
                if pm.group("product").lower() == "apache":
                    apache["version"] = pm.group("version")
                else:  # IBM_HTTP_Server/9.0.5.7, Oracle-HTTP-Server/...: not an Apache version number
                    apache["product"] = pm.group("product")
                    apache["product_version"] = pm.group("version")
                apache["vendor"] = (pm.group("vendor") or "").strip() or None
            continue
        m = _BUILT.match(line)
        if m:
            apache["built"] = m.group("built").strip() or None
            continue
        m = _MMN.match(line)
        if m:
            apache["mmn"] = {"major": int(m.group("major")),
                             "minor": int(m.group("minor")) if m.group("minor") else None}
            continue
        m = _LOADED.match(line)
        if m:
            slot = "loaded" if m.group("which").lower().startswith("server") else "compiled"
            for lib in _LIB.finditer(m.group("rest")):
                name = lib.group("name").lower()
                key = "apr_util" if name == "apr-util" else ("pcre" if name.startswith("pcre") else "apr")
                apache[key][slot] = lib.group("version")
            continue
        m = _ARCH.match(line)
        if m:
            apache["architecture"] = m.group("arch").strip()
            continue
        m = _MPM.match(line)
        if m:
            saw_mpm_line = True
            name = m.group("name").strip()
            if name:
                apache["mpm"]["name"] = mpm_from_name(name)
                apache["mpm"]["source"] = "Server MPM"
            continue
        m = _NATURE.match(line)
        if m:
            flag, detail = _yes_no(m.group("value"))
            which = m.group("which").lower()
            apache["mpm"][which] = flag
            apache["mpm"][f"{which}_detail"] = detail
            continue
        if _COMPILED_WITH.match(line):
            saw_compiled_with = True
            continue
        m = _DEFINE.match(line)
        if m:
            name = m.group("name")
            if is_last and name not in KNOWN_DEFINES and any(k.startswith(name) for k in KNOWN_DEFINES):
                notes.append(f"httpd -V output is cut off in its last line ('-D {name}'); "
                             "the settings after it are unknown")
                continue
            if m.group("value") is not None:
                defines[name] = _unquote(m.group("value"))
            else:
                defines[name] = True
                if name == "APR_HAVE_IPV6" and m.group("note"):
                    apache["ipv4_mapped"] = "enabled" in m.group("note").lower()
            sm = re.fullmatch(r"APR_USE_(\w+)_SERIALIZE", name)
            if sm and sm.group(1) in SERIALIZE_NAMES:
                serialize.append(SERIALIZE_NAMES[sm.group(1)])
            continue
        message = strip_log_prefix(line)
        if _SYNTAX.search(message):
            startup_errors.append(message)
            continue
        if not body_started and is_startup_warning(line):
            warnings.append(message)
            for var in re.findall(r"Config variable \$\{(\w+)\} is not defined", message):
                undefined_vars.append(var)
            continue
        # Anything else (cPanel's "Cpanel::Easy::Apache v3.2.0 rev4899", banners) is kept verbatim.
        apache.setdefault("extra_lines", []).append(line)

    if saw_compiled_with or defines:
        apache["defines"] = defines
        # A real -V always lists some APR_* feature; none at all means the list was filtered
        # (grep) or cut, so the absence of APR_USE_* lines proves nothing.
        if any(k.startswith("APR_") for k in defines):
            apache["serialize_use"] = serialize
        elif defines:
            notes.append("the 'Server compiled with' list shows no APR_* settings (filtered or cut "
                         "off), so the default accept mutex cannot be read from it")

    mpm_dir = defines.get("APACHE_MPM_DIR")
    if isinstance(mpm_dir, str) and mpm_dir:
        dir_mpm = mpm_from_name(mpm_dir.rstrip("/").rsplit("/", 1)[-1])
        apache["mpm"]["mpm_dir"] = mpm_dir
        if apache["mpm"]["name"] is None and dir_mpm:
            apache["mpm"]["name"] = dir_mpm
            apache["mpm"]["source"] = "APACHE_MPM_DIR"

    if saw_mpm_line and apache["mpm"]["name"] is None:
        if undefined_vars:
            notes.append(
                "'Server MPM:' is empty because httpd could not read its configuration: "
                f"{', '.join('${' + v + '}' for v in undefined_vars)} not defined (AH00111). The MPM is a "
                "loadable module here; run apache2ctl -V (it sources /etc/apache2/envvars) to see it")
        else:
            notes.append("'Server MPM:' is empty: the MPM is a loadable module and httpd could not "
                         "load the configuration that names it")
    elif apache["version"] and not saw_mpm_line and apache["mpm"]["name"] is None and not defines:
        notes.append("only the version lines (httpd -v) are present; httpd -V also shows the MPM, "
                     "the module magic number and the APR versions")

    if startup_errors:
        if undefined_vars:
            notes.append("httpd reported a configuration error while printing -V ("
                         + startup_errors[0] + "); it follows from the undefined "
                         "environment variables, not necessarily from the configuration itself")
        apache["startup_errors"] = startup_errors
    if warnings:
        apache["startup_warnings"] = warnings

    mmn_major = apache["mmn"]["major"] if apache["mmn"] else None
    apache["family"] = apache_family(apache["version"], mmn_major)

    fragment: dict[str, Any] = {"apache": apache}
    if notes:
        fragment["_notes"] = notes
    return fragment


def detect(lines: list[str]) -> float:
    """Confidence that ``lines`` are ``httpd -V`` (or ``-v``) output."""
    score = 0.0
    for raw in lines[:200]:
        line = strip_decoration(raw)
        if _VERSION.match(line) and "/" in line:
            score += 0.55
        elif _BUILT.match(line):
            score += 0.15
        elif _MMN.match(line):
            score += 0.3
        elif _COMPILED_WITH.match(line):
            score += 0.3
        elif _MPM.match(line):
            score += 0.2
        elif line.startswith("-D APR_") or line.startswith("-D HTTPD_ROOT"):
            score += 0.05
    return min(score, 1.0)


PARSER = Parser(kind="httpd-V", description="httpd -V (build settings)", parse=parse, detect=detect)
