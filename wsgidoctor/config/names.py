"""Directive names and where each may appear.

httpd matches directive names case-insensitively, so the model stores each known directive under
its documented spelling (``wsgiscriptalias`` becomes ``WSGIScriptAlias``) and other readers can
compare names exactly. The mod_wsgi contexts come from the ``command_rec`` table of mod_wsgi
4.9.4 ``src/server/mod_wsgi.c`` and the ``ap_check_cmd_context(cmd, GLOBAL_ONLY)`` calls in its
handlers (see notes §4.3).
"""

from __future__ import annotations

from typing import Optional

#: mod_wsgi directives that only the main server configuration may hold (GLOBAL_ONLY): httpd
#: refuses them inside <VirtualHost> and inside <Directory>/<Location>/<Files>.
WSGI_GLOBAL_ONLY = frozenset({
    "WSGIPythonHome", "WSGIPythonPath", "WSGIPythonOptimize", "WSGIPythonEggs",
    "WSGIPythonHashSeed", "WSGIPythonWarnings", "WSGIPy3kWarningFlag", "WSGIDontWriteBytecode",
    "WSGISocketPrefix", "WSGISocketRotation", "WSGIAcceptMutex", "WSGILazyInitialization",
    "WSGIRestrictEmbedded", "WSGIRestrictStdin", "WSGIRestrictStdout", "WSGIRestrictSignal",
    "WSGIDestroyInterpreter", "WSGICaseSensitivity", "WSGIVerboseDebugging",
    "WSGIServerMetrics", "WSGINewRelicConfigFile", "WSGINewRelicEnvironment",
})

#: mod_wsgi directives allowed in the server config and <VirtualHost> only (RSRC_CONF): httpd
#: says "not allowed here" inside <Directory>/<Location>/<Files>.
WSGI_SERVER_ONLY = frozenset({
    "WSGIScriptAlias", "WSGIScriptAliasMatch", "WSGIDaemonProcess", "WSGIImportScript",
}) | WSGI_GLOBAL_ONLY

#: mod_wsgi directives allowed at server, virtual host and directory level.
WSGI_ANY_LEVEL = frozenset({
    "WSGIProcessGroup", "WSGIApplicationGroup", "WSGIRestrictProcess", "WSGIDispatchScript",
    "WSGIPassApacheRequest", "WSGIHandlerScript", "WSGICallableObject", "WSGIPassAuthorization",
    "WSGIScriptReloading", "WSGIErrorOverride", "WSGIChunkedRequest", "WSGIMapHEADToGET",
    "WSGIIgnoreActivity", "WSGITrustedProxyHeaders", "WSGITrustedProxies", "WSGIEnableSendfile",
    "WSGIAccessScript", "WSGIAuthUserScript", "WSGIAuthGroupScript", "WSGIUserAuthoritative",
    "WSGIGroupAuthoritative",
})

WSGI_DIRECTIVES = WSGI_SERVER_ONLY | WSGI_ANY_LEVEL

#: Directives of httpd and its common modules that wsgidoctor reads or shows; the list only
#: fixes spelling, it is not a validity check.
_APACHE = (
    "AcceptFilter AcceptMutex AccessFileName Action AddDefaultCharset AddHandler AddType Alias "
    "AliasMatch AllowOverride AllowOverrideList AuthName AuthType AuthUserFile CoreDumpDirectory "
    "CustomLog Define DefaultRuntimeDir DefaultType DirectoryIndex DocumentRoot EnableMMAP "
    "EnableSendfile Error ErrorDocument ErrorLog ErrorLogFormat ExtendedStatus FileETag "
    "GracefulShutdownTimeout Group HostnameLookups Include IncludeOptional KeepAlive "
    "KeepAliveTimeout Listen ListenBacklog ListenCoresBucketsRatio LoadFile LoadModule LockFile "
    "LogFormat LogLevel MaxClients MaxConnectionsPerChild MaxKeepAliveRequests MaxMemFree "
    "MaxRequestWorkers MaxRequestsPerChild MaxSpareServers MaxSpareThreads MinSpareServers "
    "MinSpareThreads Mutex NameVirtualHost Options PassEnv PidFile Protocols Redirect "
    "RedirectMatch Require RewriteCond RewriteEngine RewriteRule ScoreBoardFile ScriptAlias "
    "ServerAdmin ServerAlias ServerLimit ServerName ServerPath ServerRoot ServerSignature "
    "ServerTokens SetEnv SetEnvIf SetHandler SSLCertificateFile SSLCertificateKeyFile SSLEngine "
    "StartServers StartThreads ThreadLimit ThreadStackSize ThreadsPerChild Timeout TraceEnable "
    "TypesConfig UnDefine UnsetEnv Use UseCanonicalName UseCanonicalPhysicalPort User "
    "PythonHandler PythonPath PythonInterpreter PythonOption"
).split()

#: Section (container) names, by lower case.
SECTIONS = {n.lower(): n for n in (
    "VirtualHost Directory DirectoryMatch Location LocationMatch Files FilesMatch If ElseIf Else "
    "Proxy ProxyMatch Limit LimitExcept RequireAll RequireAny RequireNone AuthnProviderAlias "
    "AuthzProviderAlias Macro MDomainSet ManagedDomain IfModule IfDefine IfVersion IfFile "
    "IfDirective IfSection"
).split()}

#: Sections whose content is read or skipped while the configuration is read.
CONDITIONALS = frozenset({"ifmodule", "ifdefine", "ifversion", "iffile", "ifdirective", "ifsection"})

#: Sections that make their directives per-directory (``cmd->path`` set in httpd).
DIRECTORY_LEVEL = frozenset({
    "directory", "directorymatch", "location", "locationmatch", "files", "filesmatch", "if",
    "elseif", "else", "proxy", "proxymatch", "limit", "limitexcept",
})

_CANONICAL = {n.lower(): n for n in (*_APACHE, *WSGI_DIRECTIVES)}


def canonical(name: str) -> str:
    """The documented spelling of a directive name; unknown names are returned as written."""
    return _CANONICAL.get(name.lower(), name)


def section_name(name: str) -> str:
    """The documented spelling of a section name (``virtualhost`` -> ``VirtualHost``)."""
    return SECTIONS.get(name.lower(), name)


def module_aliases(name: str) -> set[str]:
    """The names ``<IfModule>`` accepts for a module known by identifier or source file.

    httpd matches the module's source file name (``mod_wsgi.c``) and its symbol
    (``wsgi_module``), case-sensitively. Both are derived here from either form; the MPMs and a
    few core modules do not follow the ``mod_X.c`` / ``X_module`` pattern.
    """
    special = {
        "core.c": "core_module", "http_core.c": "http_module", "event.c": "mpm_event_module",
        "worker.c": "mpm_worker_module", "prefork.c": "mpm_prefork_module",
        "mpm_winnt.c": "mpm_winnt_module", "motorz.c": "mpm_motorz_module",
    }
    reverse = {v: k for k, v in special.items()}
    out = {name}
    if name in special:
        out.add(special[name])
    elif name in reverse:
        out.add(reverse[name])
    elif name.endswith(".c"):
        base = name[:-2]
        out.add((base[4:] if base.startswith("mod_") else base) + "_module")
    elif name.endswith("_module"):
        out.add("mod_" + name[: -len("_module")] + ".c")
    return out


def mpm_from_module(name: str) -> Optional[str]:
    """``mpm_event_module`` / ``event.c`` -> ``event``; None for other modules."""
    for alias in module_aliases(name):
        if alias.startswith("mpm_") and alias.endswith("_module"):
            return alias[4:-7]
    return None
