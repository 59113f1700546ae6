# The real server's own answers, for tests/platforms: what mod_wsgi set up for this request.
import json
import os
import sys


def application(environ, start_response):
    try:
        import mod_wsgi
        group, version = mod_wsgi.process_group, ".".join(map(str, mod_wsgi.version))
        app_group = mod_wsgi.application_group
    except (ImportError, AttributeError):
        group = environ.get("mod_wsgi.process_group")
        app_group = environ.get("mod_wsgi.application_group")
        version = None
    body = json.dumps({
        "pid": os.getpid(),
        "prefix": sys.prefix,
        "base_prefix": getattr(sys, "base_prefix", sys.prefix),
        "path": sys.path,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "process_group": group,
        "application_group": app_group,
        "multithread": environ["wsgi.multithread"],
        "multiprocess": environ["wsgi.multiprocess"],
        "mod_wsgi_version": version,
        # how the request reached the application: 'wsgi-script' (WSGIScriptAlias) or the
        # WSGIHandlerScript's handler name (mod_wsgi-express: RewriteRule [H=wsgi-handler])
        "request_handler": environ.get("mod_wsgi.request_handler"),
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(len(body)))])
    return [body]
