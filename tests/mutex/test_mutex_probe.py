"""The available mutex mechanisms without apr.h, asked from Debian's real httpd with ``-t``."""

from __future__ import annotations

import glob
import tempfile

import pytest

from tests.support.express import report
from tests.support.live_helpers import write_case

pytestmark = [pytest.mark.apache]


def test_without_apr_h_httpd_t_on_our_own_config_gives_the_same_list_as_apr_h(tmp_path):
    conf = write_case(tmp_path / "etc", "WSGIScriptAlias /x /nonexistent/app.wsgi\n")
    before = set(glob.glob(f"{tempfile.gettempdir()}/wsgidoctor-mutex-*"))
    with_apr_h, _ = report("--config", str(conf))
    without, _ = report("--config", str(conf), "--skip-probe", "apxs")  # as without apache2-dev

    assert with_apr_h["facts"]["mutex"]["available_source"].startswith("apr.h")
    assert without["facts"]["mutex"]["available_source"].startswith("httpd -t on a test configuration")
    assert without["facts"]["mutex"]["available"] == with_apr_h["facts"]["mutex"]["available"]
    assert without["facts"]["mutex"]["effective"] == with_apr_h["facts"]["mutex"]["effective"]
    assert "mutex" not in (without["facts"].get("incomplete") or {})
    tested = without["facts"]["apache"]["mutex_test"]
    assert tested["mechanisms"]["wsgiacceptmutex"]  # mod_wsgi's own list, with the module loaded
    # only our temporary configuration was given to httpd, only with -t, and it is gone
    for cmd in tested["commands"]:
        assert " -t -f " in cmd["command"] and str(conf) not in cmd["command"]
    assert set(glob.glob(f"{tempfile.gettempdir()}/wsgidoctor-mutex-*")) == before


def test_with_apr_h_httpd_is_not_asked(tmp_path):
    conf = write_case(tmp_path / "etc", "")
    data, _ = report("--config", str(conf))
    run = next(p for p in data["probes"] if p["name"] == "mutex_test")
    assert run["status"] == "not_applicable"
    assert "mutex_test" not in data["facts"]["apache"]
