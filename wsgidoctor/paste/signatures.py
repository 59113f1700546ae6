"""Which kind of output one clean line can belong to, from its shape alone.

:func:`signature` answers with a kind (``"httpd-V"``, ``"ldd"``...), ``"c"`` for a C preprocessor
or comment line (apr.h's filler), ``"blank"``, or ``None`` for a line that says nothing by itself
(prose, a module's own message). Message kinds (``errorlog``, ``httpd-t``, ``traceback``...) mark
lines that are diagnostics; the segmenter decides the kind of a run of them.
"""

from __future__ import annotations

import re
from typing import Optional

_V = re.compile(
    r"^(?:Server version|(?:.*\s)?Server built|Server's Module Magic Number|Server loaded|Compiled using"
    r"|Architecture|Server MPM|threaded|forked)\s*:|^Server compiled with|^-D [A-Z_][A-Z0-9_]*(?:=|\s|$)")
_L = re.compile(r"^Compiled[ -]in modules:$|^[a-z][\w-]*\.c$")
_M = re.compile(r"^Loaded Modules:$|^\w+_module\s+\((?:static|shared)\)$")
_M_NAME = re.compile(r"^[a-z]\w*_module$")
_LDD = re.compile(
    r"^(?:\S+\s+=>\s+(?:not found|(?:\S.*?\s+)?\(0x[0-9a-fA-F]+\)|\S+)"
    r"|\S+\s+\(0x[0-9a-fA-F]+\)|statically linked|not a dynamic executable)$")
_LDD_LEFT = re.compile(r"\.so\b|\$\{PLATFORM\}|linux-vdso|linux-gate|ld-linux")
_OTOOL_L = re.compile(r"^\S.*\s\(compatibility version [\d.]+, current version [\d.]+\)$")
_OTOOL_HEADER = re.compile(r"^\S[^:()]*:$")
_OTOOL_l = re.compile(r"^Load command \d+$|^cmd LC_\w+$|^cmdsize \d+$|^(?:name|path) \S.* \(offset \d+\)$"
                      r"|^time stamp \d+|^(?:current|compatibility) version [\d.]+$")
_OBJDUMP = re.compile(
    r"file format (?:elf|mach-?o|pe|coff)[\w-]*$|^Dynamic Section:$|^Program Header:$|^Version References:$"
    r"|^(?:NEEDED|RPATH|RUNPATH|SONAME|FLAGS(?:_1)?|INIT(?:_ARRAY(?:SZ)?)?|FINI(?:_ARRAY(?:SZ)?)?|GNU_HASH"
    r"|STRTAB|SYMTAB|STRSZ|SYMENT|PLTGOT|PLTRELSZ|PLTREL|JMPREL|RELA(?:SZ|ENT|COUNT)?|VERSYM|VERNEED(?:NUM)?"
    r"|VERDEF(?:NUM)?)\s+\S+$|^required from \S+:$")
_APR_H = re.compile(r"^#\s*(?:define|undef)\s+APR_\w+")
_C = re.compile(r"^#\s*(?:if|ifdef|ifndef|else|elif|endif|include|define|undef|error|pragma)\b|^/\*|^\*/|^\*(?:\s|$)"
                r"|^(?:typedef|extern|struct|#)\b")
_CONFIG_NICE = re.compile(r'^"?(?:\./)?configure"?\s+\\$|^"--[\w-]+(?:=.*)?"\s*\\?$|^"\$@"$|^# Created by configure'
                          r'|^#!\s*/bin/sh$|^[A-Z_]+=".*"; export [A-Z_]+$')
_CONFIG_VARS = re.compile(
    r"^(?:exp_\w+|rel_\w+|APR_\w+|APU_\w+|MPM_\w+|AP_\w+|HTTPD_\w+|installbuilddir|sysconfdir|libexecdir|prefix"
    r"|exec_prefix|bindir|sbindir|cgidir|logfiledir|datadir|localstatedir|includedir|errordir|iconsdir"
    r"|htdocsdir|manualdir|proxycachedir|runtimedir|mandir|other_targets|progname|OS|OS_DIR|OS_TYPE|CC|CPP"
    r"|CFLAGS|CPPFLAGS|LDFLAGS|LIBS|LTFLAGS|EXTRA_\w+|NOTEST_\w+|LIBTOOL|SH_\w+|SHLTCFLAGS|DSO_MODULES"
    r"|MODULE_\w+|BUILTIN_LIBS|INSTALL_\w+|MK_IMPLIB|SHELL|PICFLAGS|LT_LDFLAGS|abs_\w+|MOD_\w+|INCLUDES"
    r"|HTTPD_LDFLAGS|UTIL_LDFLAGS|LIBTOOL|LIBNSL|DISTCLEAN_TARGETS|PLATFORM_OS|SUEXEC_\w+)\s*=(?:\s|$)")
_EXPRESS = re.compile(
    r"^(?:Server URL|Server Root|Server Conf|Error Log File|Access Log File|Startup Log File|Environ Variables"
    r"|Rewrite Rules|Request Capacity|Request Timeout|Startup Timeout|Queue Backlog|Queue Timeout"
    r"|Server Capacity|Server Backlog|Locale Setting|Operating Mode|Daemon Processes|Python Home"
    r"|Python Path|Virtual Host|Server Name|Keep Alive|Connect Timeout|Socket Timeout|Shutdown Timeout"
    r"|Graceful Timeout|Restart Interval|Maximum Requests|Inactivity Timeout|Deadlock Timeout"
    r"|Worker Processes|Worker Threads|Proxy [\w ]+?|Document Root|Server Aliases|Application Type"
    r"|Application|Daemon Process|Process Name|Startup Script)\s*: |^Successfully ran command\.$")
_ENVIRON_WSGI = re.compile(r"""^[{,]?\s*['"]?(?:wsgi|mod_wsgi)\.(?!so\b)[\w.]+['"]?\s*(?::|=|=>)\s*\S""")
_ENVIRON_CGI = re.compile(
    r"""^[{,]?\s*['"]?(?:HTTP_\w+|SERVER_\w+|SCRIPT_\w+|REQUEST_\w+|PATH_INFO|PATH_TRANSLATED|QUERY_STRING"""
    r"""|REMOTE_\w+|CONTENT_\w+|GATEWAY_INTERFACE|DOCUMENT_ROOT|CONTEXT_\w+|apache\.version|UNIQUE_ID"""
    r"""|PATH|LANG|LC_ALL)['"]?\s*(?::|=|=>)\s*""")

_ERRORLOG = re.compile(r"^\[(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:.]+ \d{4}|[\w.-]*:\w+)\]")
_TRACEBACK = re.compile(
    r"^Traceback \(most recent call last\):|^File \".*\", line \d+|^[\w.]*(?:Error|Exception|Warning|Exit"
    r"|Interrupt)(?::\s|$)|^Current thread 0x|^Thread 0x|^Fatal Python error:|^Python path configuration:")
_CONFIGTEST = re.compile(
    r"Syntax error on line \d+|^Syntax OK$|AH00526|Invalid command '|^Action '[^']+' failed|^The Apache error log"
    r"|Cannot load .+ into server|^Configuration problem detected|^\d+\s*===>|Invalid option to WSGI daemon"
    r"|Name duplicates previous WSGI daemon|^(?:\S+: )?Could not open configuration file|Invalid Mutex"
    r"|is an invalid mutex mechanism|Accept mutex lock mechanism|^Configuration error|^httpd \(pid \d+\)"
    r"|DocumentRoot \S+ does not exist")
_AH_MESSAGE = re.compile(r"^(?:\S+: )?AH\d{5}: ")
_INIT = re.compile(
    r"^(?:Starting|Stopping|Restarting|Reloading) .*(?:web server|httpd|apache)|configtest failed|^Output of config test"
    r"|failed!$|^Job for \S+ failed|^See \"systemctl status|^httpd not running, trying to start"
    r"|^(?:Starting|Stopping) web server")
_SYSTEMCTL = re.compile(r"^[●○×*]?\s*\S+\.service(?:\s+-\s.*)?$|^(?:Loaded|Active|Process|Main PID|Docs|CGroup"
                        r"|Tasks|Memory|CPU|Status|Drop-In|Invocation|TriggeredBy):\s")

#: Kinds of lines that are output of a program with a parser (or a reader of their own).
STRUCTURED = ("httpd-V", "httpd-l", "httpd-M", "ldd", "otool-L", "otool-l", "llvm-objdump", "apr.h",
              "config.nice", "config_vars.mk", "express-startup", "wsgi-environ")


def signature(text: str, wrapper: Optional[str] = None) -> Optional[str]:
    """The kind ``text`` (one clean line) belongs to; see the module docstring."""
    s = text.strip()
    if not s:
        return "blank"
    if wrapper == "elision" or s == "…":
        return "elision"
    if _ERRORLOG.match(s):
        return "errorlog"
    if _V.match(s):
        return "httpd-V"
    if _M.match(s):
        return "httpd-M"
    if _L.match(s):
        return "httpd-l"
    if _LDD.match(s) and (s in ("statically linked", "not a dynamic executable")
                          or _LDD_LEFT.search(s.split("=>")[0])):
        return "ldd"
    if _OTOOL_L.match(s):
        return "otool-L"
    if _OTOOL_l.match(s):
        return "otool-l"
    if _OBJDUMP.search(s):
        return "llvm-objdump"
    if _APR_H.match(s):
        return "apr.h"
    if _CONFIG_NICE.match(s):
        return "config.nice"
    if _CONFIG_VARS.match(s):
        return "config_vars.mk"
    if _EXPRESS.match(s):
        return "express-startup"
    if _ENVIRON_WSGI.match(s):
        return "wsgi-environ"
    if _CONFIGTEST.search(s):
        return "httpd-t"
    if _AH_MESSAGE.match(s):
        return "ah-message"
    if _TRACEBACK.match(s):
        return "traceback"
    if _SYSTEMCTL.match(s):
        return "systemctl-status"
    if _INIT.search(s):
        return "init-script"
    if _C.match(s):
        return "c"
    if _M_NAME.match(s):
        return "module-name"
    if _ENVIRON_CGI.match(s):
        return "environ-cgi"
    if _OTOOL_HEADER.match(s):
        return "header"
    if wrapper == "journal":
        return "journal"
    return None
