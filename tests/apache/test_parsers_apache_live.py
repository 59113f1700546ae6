"""The Apache build parsers on what this machine's real apache2 prints now, with a throwaway
configuration in a temporary directory (nothing under /etc/apache2 is used, no server starts)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from wsgidoctor.core import facts as F
from wsgidoctor.areas import parsers as registry
from wsgidoctor.areas import derive_all, diagnose

pytestmark = pytest.mark.apache

APACHE2 = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
APR_H = "/usr/include/apr-1.0/apr.h"


def _need(*paths: str) -> None:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        pytest.skip(f"needs Debian's apache2 (missing: {', '.join(missing)})")


def run(tmp_path: Path, flag: str, *extra: str, mpm: str = "prefork") -> str:
    """``apache2 <flag> -f <tmp>/httpd.conf`` with a minimal configuration plus ``extra`` lines."""
    _need(APACHE2, f"{MODULES}/mod_wsgi.so")
    lines = [f"ServerRoot {tmp_path}", "ServerName localhost", "Listen 127.0.0.1:59999",
             f"PidFile {tmp_path}/httpd.pid", f"ErrorLog {tmp_path}/error.log",
             f"LoadModule mpm_{mpm}_module {MODULES}/mod_mpm_{mpm}.so",
             f"LoadModule authz_core_module {MODULES}/mod_authz_core.so",
             f"LoadModule wsgi_module {MODULES}/mod_wsgi.so", *extra]
    conf = tmp_path / "httpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    env = {"PATH": "/usr/sbin:/usr/bin:/bin", "LANG": "C"}
    out = subprocess.run([APACHE2, flag, "-f", str(conf)], capture_output=True, text=True, env=env, timeout=60)
    return (out.stderr + out.stdout) if out.stderr else out.stdout


def parse(kind: str, text: str) -> dict[str, Any]:
    return registry()[kind].parse(text)


def test_V_reports_the_mpm_the_configuration_loads(tmp_path):
    for mpm in ("prefork", "event"):
        apache = parse("httpd-V", run(tmp_path, "-V", mpm=mpm))["apache"]
        assert apache["mpm"]["name"] == mpm and apache["mpm"]["source"] == "Server MPM"
        assert apache["family"] == "2.4" and apache["mmn"]["major"] == 20120211
        assert apache["serialize_use"] and apache["defines"]["SERVER_CONFIG_FILE"]
    version = subprocess.run([APACHE2, "-v"], capture_output=True, text=True).stdout
    assert apache["version"] == re.search(r"Apache/(\S+)", version).group(1)


def test_l_has_mod_so_and_no_static_mpm():
    _need(APACHE2)
    out = subprocess.run([APACHE2, "-l"], capture_output=True, text=True, timeout=30).stdout
    apache = parse("httpd-l", out)["apache"]
    assert apache["mod_so"] is True and apache["static_mpm"] is None
    assert apache["compiled_in"][0] == "core.c"


def test_M_lists_the_loaded_modules_in_order(tmp_path):
    modules = parse("httpd-M", run(tmp_path, "-M"))["apache"]["modules"]
    names = [m["name"] for m in modules]
    assert names[0] == "core_module"
    assert names[-3:] == ["mpm_prefork_module", "authz_core_module", "wsgi_module"]
    assert {m["origin"] for m in modules if m["name"] == "wsgi_module"} == {"shared"}


def test_mutex_lists_printed_by_apache_agree_with_apr_h(tmp_path):
    """The mechanisms the real Mutex and WSGIAcceptMutex errors list are apr.h's HAS_* = 1."""
    _need(APR_H)
    from_apr_h: dict[str, Any] = {}
    F.merge(from_apr_h, parse("apr.h", Path(APR_H).read_text()))
    from_apr_h = derive_all(from_apr_h)
    for line in ("Mutex xxx", "WSGIAcceptMutex xxx"):
        from_error: dict[str, Any] = {}
        F.merge(from_error, parse("httpd-t", run(tmp_path, "-t", line)))
        from_error = derive_all(from_error)
        assert from_error["mutex"]["available"] == from_apr_h["mutex"]["available"], line
        assert "mutex-unavailable" in {f.id for f in diagnose(from_error)}


def test_default_mechanism_of_V_is_apr_h_use(tmp_path):
    _need(APR_H)
    facts: dict[str, Any] = {}
    F.merge(facts, parse("httpd-V", run(tmp_path, "-V")))
    only_apr: dict[str, Any] = {}
    F.merge(only_apr, parse("apr.h", Path(APR_H).read_text()))
    facts = derive_all(facts)
    only_apr = derive_all(only_apr)
    assert facts["mutex"]["default"] == only_apr["mutex"]["default"]


def test_configuration_error_in_M_output(tmp_path):
    apache = parse("httpd-M", run(tmp_path, "-M", "AcceptMutex flock"))["apache"]
    assert apache["modules_listed"] is False
    (err,) = apache["configtest"]["errors"]
    assert (err["file"], err["line"], err["directive"]) == (str(tmp_path / "httpd.conf"), 9, "AcceptMutex")

