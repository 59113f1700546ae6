"""On this machine's Debian apache2 + mod_wsgi, the report agrees with what Apache itself says.

The expected values are read here, independently of wsgidoctor's parsers, from the real
`apache2ctl -V`, `apache2ctl -M` and apr.h.
"""

import json
import re
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.apache

CONFIG = "/etc/apache2/apache2.conf"


@pytest.fixture(scope="module")
def report():
    assert shutil.which("apache2ctl"), "Debian's apache2 must be installed (scripts/test.sh installs it)"
    # --config pins the system configuration, so throwaway test servers running on this machine
    # are not mistaken for the system's server.
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", "report", "--json", "--no-redact",
                          "--config", CONFIG, "--no-plugins"], capture_output=True, text=True, timeout=120)
    assert out.returncode in (0, 1, 2), out.stderr
    return json.loads(out.stdout)


def apache2ctl(flag):
    return subprocess.run(["apache2ctl", flag], capture_output=True, text=True, timeout=60)


def test_version_mpm_and_magic_number_match_apache2ctl_V(report):
    v = apache2ctl("-V").stdout
    version = re.search(r"Server version: Apache/(\S+) \((\w+)\)", v)
    mmn = re.search(r"Module Magic Number: (\d+):(\d+)", v)
    mpm = re.search(r"Server MPM:\s+(\w+)", v)
    apache = report["facts"]["apache"]
    assert (apache["version"], apache["vendor"]) == (version.group(1), version.group(2))
    assert apache["mmn"] == {"major": int(mmn.group(1)), "minor": int(mmn.group(2))}
    assert apache["mpm"]["name"] == mpm.group(1).lower()
    assert apache["mpm"]["threaded"] is ("threaded:     yes" in v)


def test_module_list_matches_apache2ctl_M(report):
    m = apache2ctl("-M").stdout
    expected = [{"name": n, "origin": o} for n, o in re.findall(r"^ (\w+) \((static|shared)\)$", m, re.M)]
    assert expected, m
    assert report["facts"]["apache"]["modules"] == expected
    assert {"name": "wsgi_module", "origin": "shared"} in expected


def test_mutex_default_and_available_match_apr_h(report):
    text = open("/usr/include/apr-1.0/apr.h").read()
    order = ["FLOCK", "SYSVSEM", "POSIXSEM", "FCNTL", "PROC_PTHREAD"]
    use = {n for n in order if re.search(rf"#define APR_USE_{n}_SERIALIZE\s+1", text)}
    has = {n for n in order if re.search(rf"#define APR_HAS_{n}_SERIALIZE\s+1", text)}
    spell = {"PROC_PTHREAD": "pthread"}
    assert report["facts"]["mutex"]["default"] in {spell.get(n, n.lower()) for n in use}
    assert set(report["facts"]["mutex"]["available"]) == {spell.get(n, n.lower()) for n in has}


def test_the_report_keeps_the_raw_outputs_and_validates(report):
    import jsonschema

    from wsgidoctor.render.json import schema

    jsonschema.validate(report, schema())
    kinds = {r["kind"] for r in report["raw"]}
    assert {"httpd-V", "httpd-M", "httpd-l", "apr.h"} <= kinds
    ran = {p["name"]: p["status"] for p in report["probes"]}
    assert ran.pop("live", "skipped") == "skipped"  # opt-in: only with --live or --url
    assert ran.pop("mutex_test") == "not_applicable"  # apr.h was read: httpd is not asked
    assert set(ran.values()) == {"ok"}, report["probes"]


def test_no_errors_or_warnings_on_the_default_debian_installation(report):
    assert [(f["id"], f["severity"]) for f in report["findings"] if f["severity"] != "info"] == []
