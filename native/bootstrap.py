# wsgidoctor-host bootstrap: the Python side of the hosting program.
#
# Compiled into the executable and run inside every interpreter it creates (the main one for
# application group '' and one sub-interpreter per other group), on Python 2.7 and 3.6-3.13.
# setup() does to the interpreter what mod_wsgi 4.9/5.0 does when it creates one (sys.argv,
# sys.stdout/sys.stderr, python-path through site.addsitedir() moved to the front, the daemon
# home= at sys.path[0], the mod_wsgi and apache modules); handle() serves one request to a WSGI
# script the way mod_wsgi loads and calls it, and returns a JSON line describing the response.
# Keep this file ASCII-only and importing only what mod_wsgi itself would have imported: the
# probe reports loaded C extensions, so anything imported here shows up in its answer.
import io
import os
import sys
import threading
import time

PY2 = sys.version_info[0] == 2
_state = {}
_lock = threading.Lock()


# JSON in and out without the json module: json imports re, enum and collections, which mod_wsgi
# itself does not load, and which cost a third of a hosting run. What comes in is written by the
# program (native/json.c) and what goes out is read by wsgidoctor; both are plain values.
_TEXT = type(u"")
_ESCAPED = {u'"': u'"', u"\\": u"\\", u"/": u"/", u"b": u"\b", u"f": u"\f", u"n": u"\n",
            u"r": u"\r", u"t": u"\t"}
_LITERALS = ((u"true", True), (u"false", False), (u"null", None))
_NUMBER = frozenset(u"+-0123456789.eE")


def json_load(text):
    """The value of the JSON document ``text`` (bytes in UTF-8, or text)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    value, end = _value(text, _skip(text, 0))
    if _skip(text, end) != len(text):
        raise ValueError("extra data at %d" % end)
    return value


def _skip(text, i):
    while i < len(text) and text[i] in u" \t\r\n":
        i += 1
    return i


def _value(text, i):
    ch = text[i:i + 1]
    if ch == u'"':
        return _string(text, i + 1)
    if ch == u"{":
        out, i = {}, _skip(text, i + 1)
        if text[i:i + 1] == u"}":
            return out, i + 1
        while True:
            if text[i:i + 1] != u'"':
                raise ValueError("expected a key at %d" % i)
            key, i = _string(text, i + 1)
            i = _skip(text, i)
            if text[i:i + 1] != u":":
                raise ValueError("expected ':' at %d" % i)
            out[key], i = _value(text, _skip(text, i + 1))
            i = _skip(text, i)
            if text[i:i + 1] == u"}":
                return out, i + 1
            if text[i:i + 1] != u",":
                raise ValueError("expected ',' at %d" % i)
            i = _skip(text, i + 1)
    if ch == u"[":
        items, i = [], _skip(text, i + 1)
        if text[i:i + 1] == u"]":
            return items, i + 1
        while True:
            item, i = _value(text, i)
            items.append(item)
            i = _skip(text, i)
            if text[i:i + 1] == u"]":
                return items, i + 1
            if text[i:i + 1] != u",":
                raise ValueError("expected ',' at %d" % i)
            i = _skip(text, i + 1)
    for word, value in _LITERALS:
        if text.startswith(word, i):
            return value, i + len(word)
    end = i
    while end < len(text) and text[end] in _NUMBER:
        end += 1
    number = text[i:end]
    if not number:
        raise ValueError("unexpected %r at %d" % (ch, i))
    if any(c in number for c in u".eE"):
        return float(number), end
    return int(number), end


def _string(text, i):
    """The string starting after the quote at ``i - 1``, and the index after its closing quote."""
    parts = []
    while True:
        quote = text.find(u'"', i)
        slash = text.find(u"\\", i, quote if quote >= 0 else len(text))
        if quote < 0:
            raise ValueError("unterminated string")
        if slash < 0:
            parts.append(text[i:quote])
            return u"".join(parts), quote + 1
        parts.append(text[i:slash])
        kind = text[slash + 1:slash + 2]
        if kind == u"u":
            code = int(text[slash + 2:slash + 6], 16)
            i = slash + 6
            if 0xD800 <= code < 0xDC00 and text[i:i + 2] == u"\\u":
                low = int(text[i + 2:i + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
            parts.append(_char(code))
        elif kind in _ESCAPED:
            parts.append(_ESCAPED[kind])
            i = slash + 2
        else:
            raise ValueError("bad escape at %d" % slash)


def _char(code):
    try:
        return unichr(code)  # noqa: F821 - Python 2
    except NameError:
        return chr(code)
    except ValueError:  # a narrow Python 2 build: outside the BMP as its surrogate pair
        code -= 0x10000
        return unichr(0xD800 | (code >> 10)) + unichr(0xDC00 | (code & 0x3FF))  # noqa: F821


_ESCAPES = dict((i, u"\\u%04x" % i) for i in range(0x20))
_ESCAPES.update({ord(u'"'): u'\\"', ord(u"\\"): u"\\\\", ord(u"\n"): u"\\n", ord(u"\r"): u"\\r",
                 ord(u"\t"): u"\\t", 0x7F: u"\\u007f"})


def json_dump(value):
    """``value`` (None, bools, numbers, text, lists, dicts) as ASCII JSON, keys sorted."""
    if value is None:
        return u"null"
    if value is True:
        return u"true"
    if value is False:
        return u"false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return u"null"
        return _TEXT(repr(value))
    if isinstance(value, _INTEGERS):
        return _TEXT(value)
    if isinstance(value, dict):
        items = sorted(((_as_text(k), v) for k, v in value.items()), key=lambda item: item[0])
        return u"{" + u", ".join(_dump_string(k) + u": " + json_dump(v) for k, v in items) + u"}"
    if isinstance(value, (list, tuple)):
        return u"[" + u", ".join(json_dump(v) for v in value) + u"]"
    return _dump_string(_as_text(value))


try:
    _INTEGERS = (int, long)  # noqa: F821 - Python 2
except NameError:
    _INTEGERS = (int,)


def _as_text(value):
    if isinstance(value, _TEXT):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return _TEXT(value)


def _dump_string(text):
    escaped = text.translate(_ESCAPES)
    try:
        escaped.encode("ascii")
    except UnicodeError:  # non-ASCII (lone surrogates included) as \u escapes, as json.dumps does
        out = []
        for ch in escaped:
            code = ord(ch)
            if code < 0x80:
                out.append(ch)
            elif code > 0xFFFF:
                code -= 0x10000
                out.append(u"\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF)))
            else:
                out.append(u"\\u%04x" % code)
        escaped = u"".join(out)
    return u'"' + escaped + u'"'


class _Failure(Exception):
    """A request that failed the way mod_wsgi fails it (500 plus an error log entry)."""

    def __init__(self, stage, message, trace=None, exc_type=None):
        Exception.__init__(self, message)
        self.info = {"stage": stage, "message": message, "traceback": trace, "type": exc_type}


class _Log(object):
    """sys.stdout, sys.stderr and wsgi.errors: mod_wsgi sends them to the error log; we to fd 2."""

    def __init__(self, name):
        self.name = name
        self.closed = False
        self.encoding = "utf-8"
        self.errors = "backslashreplace"
        self.softspace = 0

    def write(self, text):
        if not PY2 and isinstance(text, str):
            data = text.encode("utf-8", "backslashreplace")
        elif PY2 and isinstance(text, unicode):  # noqa: F821 - Python 2 only
            data = text.encode("utf-8", "replace")
        else:
            data = bytes(text)
        while data:
            written = os.write(2, data)
            data = data[written:]

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def flush(self):
        pass

    def isatty(self):
        return False


def _native(text):
    """A JSON string as the interpreter's native str (bytes on Python 2)."""
    if PY2 and isinstance(text, unicode):  # noqa: F821
        return text.encode("utf-8")
    return text


def _cgi_value(text):
    """A CGI variable as mod_wsgi passes it: raw bytes on 2.x, bytes decoded as Latin-1 on 3.x."""
    if PY2:
        return _native(text)
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _log(message):
    spec = _state.get("spec") or {}
    sys.stderr.write("mod_wsgi (pid=%d, process='%s', application='%s'): %s\n" % (
        os.getpid(), spec.get("process_group", ""), spec.get("application_group", ""), message))


def _format_exception():
    """(type name, message, traceback text) of the exception being handled, without this
    file's own frames (mod_wsgi calls the application from C, so its tracebacks start there)."""
    import traceback
    exc_type, exc, tb = sys.exc_info()
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename == "<string>":
        tb = tb.tb_next
    return (exc_type.__name__ if exc_type else "Exception", str(exc),
            "".join(traceback.format_exception(exc_type, exc, tb)))


def _addsitedir(site, entry, stopping):
    try:
        site.addsitedir(_native(entry))
        return True
    except Exception:
        _, message, _ = _format_exception()
        sys.stderr.write("mod_wsgi (pid=%d): Call to 'site.addsitedir()' failed for '%s'%s.\n%s\n"
                         % (os.getpid(), entry, ", stopping" if stopping else "", message))
        return False


def _add_python_path(value):
    """WSGIPythonPath / python-path=: site.addsitedir() each entry, then move new entries first.

    mod_wsgi stops after a failing entry and then adds the rest of the string as one entry,
    so that quirk is kept.
    """
    if not value:
        return
    import site
    old = list(sys.path)
    entries = value.split(":")
    index = 0
    ok = True
    while ok and index < len(entries) - 1:
        ok = _addsitedir(site, entries[index], True)
        index += 1
    _addsitedir(site, ":".join(entries[index:]), False)
    new = []
    for item in list(sys.path):
        if item not in old:
            new.append(item)
            try:
                del sys.path[sys.path.index(item)]
            except ValueError:
                pass
    sys.path[0:0] = new


def _install_modules(spec):
    """The built-in mod_wsgi and apache modules (mod_wsgi first imports a mod_wsgi package)."""
    import types
    module = None
    try:
        import mod_wsgi as module
    except ImportError:
        module = None
    except Exception:
        sys.stderr.write(_format_exception()[2])
        sys.modules.pop("mod_wsgi", None)
        module = None
    if module is None:
        module = types.ModuleType("mod_wsgi")
        sys.modules["mod_wsgi"] = module
    info = spec.get("mod_wsgi") or {}
    if info.get("version"):
        module.version = tuple(info["version"])
    module.process_group = _native(spec.get("process_group", ""))
    module.application_group = _native(spec.get("application_group", ""))
    for key in ("maximum_processes", "threads_per_process"):
        if info.get(key) is not None:
            setattr(module, key, info[key])
    apache_info = spec.get("apache") or {}
    if apache_info:
        apache = types.ModuleType("apache")
        for key, value in apache_info.items():
            if isinstance(value, list):
                value = tuple(value)
            setattr(apache, _native(key), _native(value))
        sys.modules["apache"] = apache


def setup(setup_json):
    """Prepare this interpreter as mod_wsgi prepares a new one."""
    spec = json_load(setup_json)
    _state["spec"] = spec
    _state["requests"] = 0
    sys.argv = ["mod_wsgi"]
    sys.stderr = _Log("<stderr>")
    sys.stdout = _Log("<stdout>")
    for name, value in (spec.get("restore_environ") or {}).items():
        if value is None:
            os.environ.pop(_native(name), None)
        else:
            os.environ[_native(name)] = _native(value)
    _add_python_path(spec.get("python_path"))
    if spec.get("home"):
        sys.path.insert(0, _native(spec["home"]))
    _install_modules(spec)


def _load_script(run):
    """Import the WSGI script as mod_wsgi does: module _mod_wsgi_<md5 of path>, once per interpreter."""
    import types
    script = run["script"]
    name = run.get("module_name")
    if not name:
        # mod_wsgi uses the MD5 of the path (the caller passes that name); without it, the path's
        # bytes in hex keep one module per script without importing hashlib here.
        if PY2:
            raw = script.encode("utf-8") if isinstance(script, unicode) else script  # noqa: F821
        else:
            raw = script.encode("utf-8", "surrogateescape")
        name = "_mod_wsgi_" + "".join("%02x" % b for b in bytearray(raw))
    name = _native(name)
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            source = run.get("source")
            try:
                if source is None:
                    with open(_native(script), "rb") as fh:
                        data = fh.read()
                else:
                    data = source.encode("utf-8")
                code = compile(data, _native(script), "exec")
            except Exception:
                exc_type, message, trace = _format_exception()
                _log("Could not read/compile source file '%s'." % script)
                sys.stderr.write(trace)
                raise _Failure("load", message, trace, exc_type)
            module = types.ModuleType(name)
            module.__file__ = _native(script)
            sys.modules[name] = module
            try:
                exec(code, module.__dict__)
            except BaseException:  # SystemExit too: a script must not end the process
                sys.modules.pop(name, None)
                exc_type, message, trace = _format_exception()
                _log("Failed to exec Python script file '%s'." % script)
                _log("Exception occurred processing WSGI script '%s'." % script)
                sys.stderr.write(trace)
                raise _Failure("load", message, trace, exc_type)
    callable_name = run.get("callable") or "application"
    app = getattr(module, _native(callable_name), None)
    if app is None:
        message = "Target WSGI script '%s' does not contain WSGI application '%s'." % (script, callable_name)
        _log(message)
        raise _Failure("callable", message)
    return app


class _FileWrapper(object):
    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        while True:
            data = self.filelike.read(self.blksize)
            if not data:
                return
            yield data


def _environ(run, meta):
    environ = {}
    for key, value in (run.get("environ") or {}).items():
        if isinstance(value, (list, tuple)):
            value = tuple(value)
        elif not isinstance(value, (bool, int, float)) and value is not None:
            value = _cgi_value(value)
        environ[_native(key)] = value
    spec = _state.get("spec") or {}
    environ.setdefault("mod_wsgi.process_group", _native(spec.get("process_group", "")))
    environ.setdefault("mod_wsgi.application_group", _native(spec.get("application_group", "")))
    flags = run.get("wsgi") or {}
    https = environ.pop("HTTPS", None)
    environ["wsgi.version"] = (1, 0)
    environ["wsgi.multithread"] = bool(flags.get("multithread"))
    environ["wsgi.multiprocess"] = bool(flags.get("multiprocess"))
    environ["wsgi.run_once"] = bool(flags.get("run_once"))
    environ["wsgi.url_scheme"] = "https" if https in ("on", "On", "1") else "http"
    environ["wsgi.input"] = io.BytesIO(b"")
    environ["wsgi.input_terminated"] = True
    environ["wsgi.errors"] = sys.stderr
    environ["wsgi.file_wrapper"] = _FileWrapper
    _state["requests"] = _state.get("requests", 0) + 1
    environ["mod_wsgi.total_requests"] = _state["requests"]
    environ["mod_wsgi.thread_id"] = int(meta.get("thread_id") or 0)
    environ["mod_wsgi.thread_requests"] = 1
    environ["mod_wsgi.script_start"] = _native(str(int(time.time() * 1000000)))
    for key in run.get("environ_drop") or ():
        environ.pop(_native(key), None)
    return environ


def _call(app, environ, script):
    state = {"status": None, "headers": None}
    chunks = []

    def write(data):
        if state["status"] is None:
            raise AssertionError("write() before start_response()")
        chunks.append(data)

    def start_response(status, headers, exc_info=None):
        if exc_info is not None:
            try:
                if chunks:
                    raise exc_info[1]
            finally:
                exc_info = None
        state["status"] = status
        state["headers"] = headers
        return write

    try:
        result = app(environ, start_response)
        try:
            for chunk in result:
                if not isinstance(chunk, bytes):
                    raise TypeError("sequence of byte string values expected, value of type %s found"
                                    % type(chunk).__name__)
                chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except BaseException:  # SystemExit too, as mod_wsgi logs it instead of exiting
        exc_type, message, trace = _format_exception()
        _log("Exception occurred processing WSGI script '%s'." % script)
        sys.stderr.write(trace)
        raise _Failure("application", message, trace, exc_type)
    if state["status"] is None:
        message = "Response headers not specified."
        _log(message)
        raise _Failure("response", message)
    return state["status"], state["headers"], b"".join(chunks)


def _thread_info(meta):
    current = threading.current_thread()
    main = getattr(threading, "main_thread", None)
    is_main = current is main() if main else isinstance(current, threading._MainThread)
    return {"name": current.name, "ident": current.ident, "main": is_main,
            "number": meta.get("thread_id")}


def _text(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def handle(run_json, meta_json):
    """Serve one request; return the JSON line (bytes) describing what the application did."""
    started = time.time()
    run = json_load(run_json)
    meta = json_load(meta_json)
    spec = _state.get("spec") or {}
    out = {"kind": "response", "run": meta.get("run"), "request": meta.get("request"),
           "process_group": spec.get("process_group", ""),
           "application_group": spec.get("application_group", ""),
           "script": run.get("script"), "pid": os.getpid(), "thread": _thread_info(meta),
           "status": None, "headers": [], "body": None, "error": None}
    try:
        app = _load_script(run)
        status, headers, body = _call(app, _environ(run, meta), run.get("script"))
        out["status"] = _text(status)
        out["headers"] = [[_text(k), _text(v)] for k, v in headers]
        try:
            out["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            import base64
            out["body_base64"] = base64.b64encode(body).decode("ascii")
    except _Failure as failure:
        out["status"] = "500 Internal Server Error"
        out["error"] = failure.info
    except BaseException:
        exc_type, message, trace = _format_exception()
        out["error"] = {"stage": "host", "message": message, "traceback": trace, "type": exc_type}
    out["duration_ms"] = round((time.time() - started) * 1000.0, 3)
    return json_dump(out).encode("ascii")
