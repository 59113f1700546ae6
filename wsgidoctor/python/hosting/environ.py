"""The WSGI environ mod_wsgi builds for a GET of a mount, minus what only a live request has.

mod_wsgi 4.x/5.0 start from Apache's CGI variables (``ap_add_common_vars`` and
``ap_add_cgi_vars``: ``SERVER_*``, ``REMOTE_*``, ``REQUEST_*``, ``SCRIPT_NAME``, ``PATH_INFO``,
``HTTP_*`` headers; ``PATH`` is removed) and add the ``mod_wsgi.*`` keys as strings and the
``mod_wsgi.version`` / ``apache.version`` tuples (notes §3.1). 6.0 hides the ``mod_wsgi.x-``
carriers (``script_reloading``, ``enable_sendfile``, ``ignore_activity``, ``daemon_connects``,
``daemon_restarts``), dropped ``total_requests``/``thread_requests``, and uses float seconds for
the time stamps (§3.2). The ``wsgi.*`` keys and the per-request counters are added inside the
interpreter by the hosting program's bootstrap; this module returns only what is known here.
"""

from __future__ import annotations

import base64
import os
import time
from typing import Any, Optional

Version = tuple[int, int, int]

#: Keys 6.0 no longer shows to applications (added by the bootstrap for 4.x/5.x only).
DROPPED_IN_6 = ("mod_wsgi.total_requests", "mod_wsgi.thread_requests")


def _log_id() -> str:
    """Something shaped like httpd's request/connection log id."""
    return base64.b64encode(os.urandom(9)).decode("ascii").replace("+", "@").replace("/", "-")


def host_header(server_name: str, port: int, https: bool) -> str:
    default = 443 if https else 80
    return server_name if port == default else f"{server_name}:{port}"


def request_environ(*, server_name: str, port: int, script_name: str, path_info: str = "",
                    script_filename: str, process_group: str, application_group: str,
                    mod_wsgi_version: Optional[Version] = None,
                    apache_version: Optional[Version] = None,
                    server_software: str = "Apache", document_root: str = "",
                    https: bool = False, remote_addr: str = "127.0.0.1",
                    now: Optional[float] = None) -> dict[str, Any]:
    """The environ of ``GET <script_name><path_info>`` with ``Host: server_name[:port]``."""
    started = time.time() if now is None else now
    uri = (script_name + path_info) or "/"
    scheme = "https" if https else "http"
    env: dict[str, Any] = {
        "HTTP_HOST": host_header(server_name, port, https),
        "HTTP_USER_AGENT": "wsgidoctor-host",
        "HTTP_ACCEPT": "*/*",
        "SERVER_SIGNATURE": "",
        "SERVER_SOFTWARE": server_software,
        "SERVER_NAME": server_name,
        "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": str(port),
        "REMOTE_ADDR": remote_addr,
        "DOCUMENT_ROOT": document_root,
        "REQUEST_SCHEME": scheme,
        "CONTEXT_PREFIX": "",
        "CONTEXT_DOCUMENT_ROOT": document_root,
        "SERVER_ADMIN": "[no address given]",
        "SCRIPT_FILENAME": script_filename,
        "REMOTE_PORT": "40000",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": "",
        "REQUEST_URI": uri,
        "SCRIPT_NAME": script_name,
        "PATH_INFO": path_info,
        "mod_wsgi.script_name": script_name,
        "mod_wsgi.path_info": path_info,
        "mod_wsgi.process_group": process_group,
        "mod_wsgi.application_group": application_group,
        "mod_wsgi.callable_object": "application",
        "mod_wsgi.request_handler": "wsgi-script",
        "mod_wsgi.handler_script": "",
        "mod_wsgi.listener_host": "127.0.0.1",
        "mod_wsgi.listener_port": str(port),
        "mod_wsgi.request_id": _log_id(),
        "mod_wsgi.connection_id": _log_id(),
    }
    if https:
        env["HTTPS"] = "on"
    six = mod_wsgi_version is not None and mod_wsgi_version >= (6, 0, 0)
    if six:
        env["mod_wsgi.request_start"] = started
        env["mod_wsgi.queue_start"] = started if process_group else 0.0
        env["mod_wsgi.daemon_start"] = started if process_group else 0.0
        env["mod_wsgi.server_pid"] = os.getpid()
        for key in ("GATEWAY_INTERFACE", "SERVER_SIGNATURE"):
            env.pop(key, None)
    else:
        env["mod_wsgi.request_start"] = str(int(started * 1_000_000))
        env["mod_wsgi.script_reloading"] = "1"
        env["mod_wsgi.enable_sendfile"] = "0"
        env["mod_wsgi.ignore_activity"] = "0"
        if process_group:
            env["mod_wsgi.daemon_connects"] = "1"
            env["mod_wsgi.daemon_restarts"] = "0"
            env["mod_wsgi.queue_start"] = str(int(started * 1_000_000))
            env["mod_wsgi.daemon_start"] = str(int(started * 1_000_000))
    if mod_wsgi_version is not None:
        env["mod_wsgi.version"] = list(mod_wsgi_version)
    if apache_version is not None:
        env["apache.version"] = list(apache_version)
    return env


def dropped_keys(mod_wsgi_version: Optional[Version]) -> list[str]:
    """Keys the bootstrap adds that this mod_wsgi version does not have."""
    if mod_wsgi_version is not None and mod_wsgi_version >= (6, 0, 0):
        return list(DROPPED_IN_6)
    return []
