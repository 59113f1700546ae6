"""A WSGIHandlerScript mount is asked the way a request reaches it: through its RewriteRule (with
its RewriteCond and RewriteEngine) under the mirrored DocumentRoot, to the handler script in its
daemon group. The input is a real mod_wsgi-express 6.1.1 root (fixtures/express/); a real server
asks it in tests/platforms (express-live) and tests/integration/test_express.py."""

from __future__ import annotations

import re
from pathlib import Path

from tests.install.test_express_root import read_root, root  # noqa: F401 - root: the captured root, a fixture
from wsgidoctor.config.model import build_model
from wsgidoctor.live.plan import TMP, plan
from wsgidoctor.wsgi.predict import predict_mounts

MIRROR = f"{TMP}/root"


def _plan(root: Path, text_edit=lambda t: t):
    (root / "httpd.conf").write_text(text_edit((root / "httpd.conf").read_text()))
    tree = read_root(root)
    model = build_model(tree)
    modules = {d.args[0]: d.args[1] for d in tree.named("LoadModule")}
    return model, plan(model, predict_mounts(model, local_host="localhost"), module_paths=modules,
                       as_root=True, user="www-data", group="www-data", local_host="localhost")


def test_the_express_mount_is_asked_through_its_rewrite_rule_to_the_handler_script(root):  # noqa: F811
    model, p = _plan(root)
    port = next(iter(model.listen))
    text = p.template
    htdocs = f"{MIRROR}{root}/htdocs"
    assert 'LoadModule rewrite_module "/usr/lib/apache2/modules/mod_rewrite.so"' in text
    assert f'DocumentRoot "{htdocs}"' in text
    # the engine where express turns it on, the rule with its condition where express puts it
    assert f'<Directory "{htdocs}">\n  RewriteEngine On\n</Directory>' in text
    assert re.search(rf'<Directory "{re.escape(htdocs)}/app">\n  RewriteCond %{{REQUEST_FILENAME}} !-f\n'
                     r"  RewriteRule \.\* - \[H=wsgi-handler\]\n</Directory>", text), text
    assert (f'WSGIHandlerScript "wsgi-handler" "{MIRROR}{root}/handler.wsgi" process-group="127.0.0.1:{port}" '
            'application-group="%{GLOBAL}"') in text
    assert "WSGIScriptAlias" not in text
    assert p.scripts == [f"{MIRROR}{root}/handler.wsgi"]
    assert f"{htdocs}/app" in p.directories
    [request] = p.requests
    # /app is a directory under the document root: a browser is redirected to /app/ and asks that
    assert (request.path, request.url) == ("/app/", "/app")
    assert request.expected["process_group"] == f"127.0.0.1:{port}"
    assert p.notes == []


def test_a_route_that_cannot_be_reproduced_falls_back_to_a_script_alias_and_says_so(root):  # noqa: F811
    # rewrite_module not loaded: the RewriteRule cannot run in the throwaway server
    _, p = _plan(root, lambda t: t.replace("LoadModule rewrite_module", "#LoadModule rewrite_module"))
    assert "WSGIHandlerScript" not in p.template and 'WSGIScriptAlias "/app"' in p.template
    assert [r.path for r in p.requests] == ["/app"]
    assert any("asked through a WSGIScriptAlias /app" in n and "rewrite_module" in n for n in p.notes), p.notes


def test_a_handler_mount_is_asked_besides_a_script_alias_in_the_same_groups(root):  # noqa: F811
    def add_alias(text: str) -> str:
        return text + (f"\nWSGIScriptAlias /extra {root}/handler.wsgi process-group=127.0.0.1:8732 "
                       "application-group=%{GLOBAL}\n")

    _, p = _plan(root, add_alias)
    assert sorted(r.url for r in p.requests) == ["/app", "/extra"]
