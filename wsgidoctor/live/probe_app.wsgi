# wsgidoctor probe application: answers, as JSON, what the seed's checks ask of a running
# mod_wsgi - sys.version, sys.prefix, sys.path, process group, application group, threading - and
# more. It is a plain WSGI application that works unchanged under a real mod_wsgi (Python 2.7 and
# 3.x), under wsgidoctor's hosting program, or under any WSGI server. Mount it yourself with e.g.
#     WSGIScriptAlias /wsgidoctor-probe /path/to/wsgidoctor_probe.wsgi
# and run `wsgidoctor check --url http://your-site/wsgidoctor-probe`. It reveals paths: mount it
# only while diagnosing, behind access control.
import os
import sys
import threading

SCHEMA = 1
_ENVIRON_KEYS = (
    "wsgi.version", "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "wsgi.url_scheme",
    "mod_wsgi.version", "mod_wsgi.process_group", "mod_wsgi.application_group",
    "mod_wsgi.callable_object", "mod_wsgi.request_handler", "mod_wsgi.script_reloading",
    "mod_wsgi.listener_host", "mod_wsgi.listener_port", "mod_wsgi.thread_id",
    "apache.version", "SCRIPT_NAME", "PATH_INFO", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST",
    "SERVER_SOFTWARE",
)


def _plain(value):
    """Make an environ value JSON-friendly (tuples to lists, bytes to text, objects to repr)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("latin-1")
    try:
        text_type = unicode  # noqa: F821 - Python 2
    except NameError:
        text_type = str
    if isinstance(value, (str, text_type)):
        return value
    return repr(value)


def _site_packages():
    try:
        import site
        paths = list(getattr(site, "getsitepackages", lambda: [])())
    except Exception:
        paths = []
    return [p for p in paths if p in sys.path] or [p for p in sys.path if p.endswith("-packages")]


def _extensions():
    """Paths of the C extension modules loaded in this interpreter."""
    out = []
    for name, module in sorted(list(sys.modules.items())):
        path = getattr(module, "__file__", None) or ""
        if path.endswith((".so", ".pyd", ".dylib")):
            out.append({"module": name, "path": path})
    return out


def _mod_wsgi_module():
    try:
        import mod_wsgi  # the built-in module exists only inside mod_wsgi
    except ImportError:
        return None
    keys = ("version", "process_group", "application_group", "maximum_processes",
            "threads_per_process")
    info = dict((k, _plain(getattr(mod_wsgi, k))) for k in keys if hasattr(mod_wsgi, k))
    return info or None


def _apache_module():
    try:
        import apache  # built-in module provided by mod_wsgi
    except ImportError:
        return None
    keys = ("version", "description", "mpm_name", "build_date", "maximum_processes",
            "threads_per_process")
    return dict((k, _plain(getattr(apache, k))) for k in keys if hasattr(apache, k)) or None


def describe(environ):
    """Everything the probe reports, as a dict."""
    venv_cfg = os.path.join(sys.prefix, "pyvenv.cfg")
    base_prefix = getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix))
    return {
        "schema": SCHEMA,
        "python": {
            "version": sys.version,
            "version_info": list(sys.version_info[:3]),
            "prefix": sys.prefix,
            "base_prefix": base_prefix,
            "exec_prefix": sys.exec_prefix,
            "executable": sys.executable,
            "path": list(sys.path),
            "site_packages": _site_packages(),
            "venv": sys.prefix if (sys.prefix != base_prefix or os.path.exists(venv_cfg)) else None,
            "filesystem_encoding": sys.getfilesystemencoding(),
            "flags_optimize": getattr(sys.flags, "optimize", None),
            "extensions": _extensions(),
        },
        "environ": dict((k, _plain(environ[k])) for k in _ENVIRON_KEYS if k in environ),
        "mod_wsgi_module": _mod_wsgi_module(),
        "apache_module": _apache_module(),
        "process": {"pid": os.getpid(), "uid": os.getuid() if hasattr(os, "getuid") else None,
                    "thread": threading.current_thread().name},
    }


# JSON is written here rather than with the json module: importing json brings in re, enum and
# collections, a third of the hosting program's run, and the probe needs only plain values.
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _json_string(text):
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code > 0xFFFF:  # outside the BMP: a surrogate pair, as json.dumps writes it
            code -= 0x10000
            out.append("\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)))
        else:
            out.append("\\u%04x" % code)
    return '"' + "".join(out) + '"'


def to_json(value):
    """``value`` (made of None, bools, numbers, text, lists and dicts) as ASCII JSON, keys sorted."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, _INTEGERS):
        return str(value)
    if isinstance(value, dict):
        items = sorted(((_text(k), v) for k, v in value.items()), key=lambda item: item[0])
        return "{" + ", ".join(_json_string(k) + ": " + to_json(v) for k, v in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return _json_string(_text(value))


_TEXT = type(u"")
try:
    _INTEGERS = (int, long)  # noqa: F821 - Python 2
except NameError:
    _INTEGERS = (int,)


def _text(value):
    if isinstance(value, _TEXT):
        return value
    if isinstance(value, bytes):  # Python 2's str; never met on Python 3 (_plain decodes bytes)
        return value.decode("utf-8", "replace")
    return _TEXT(value)


def application(environ, start_response):
    body = to_json(describe(environ)).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body))),
                              ("Cache-Control", "no-store")])
    return [body]


# mod_wsgi calls a WSGIHandlerScript's 'handle_request' (mod_wsgi-express mounts its application
# that way): the probe answers there too.
handle_request = application
