"""The planted-secret test: no secret from fixtures/secrets reaches any output format.

A report is built the way probes would build it from the planted configuration, envvars, error
log, environment and key file: facts (start environment, defines, directive records, daemon
options, argument lists), raw outputs, findings quoting the offending lines, notes and probe
errors. After redaction, no planted secret - nor any 12-character piece of one - may appear in
the JSON dump or in any renderer's output, while what a maintainer needs to diagnose stays.
"""

from __future__ import annotations

import importlib
import io
import json
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.core.model import Evidence, Finding, ProbeRun, ProbeStatus, RawOutput, Report, Severity
from wsgidoctor.redaction.redact import MARKER, Identity, redact_report

SECRETS_DIR = FIXTURES / "secrets"
PLANTED = json.loads((SECRETS_DIR / "planted.json").read_text())
TEXT_FILES = ("apache2.conf", "envvars", "error.log", "site.key")
WINDOW = 12


def _directives(path: Path) -> list[dict[str, Any]]:
    """The directive records the config probe puts in ``config.directives`` (the real reader)."""
    from wsgidoctor.config.reader import read_config

    tree = read_config(str(path), str(path.parent), environ={"APACHE_LOG_DIR": "/var/log/apache2"})
    return [d.to_json() for d in tree.directives]


def planted_report() -> Report:
    """A report holding every planted secret in every place a report can hold text."""
    conf = SECRETS_DIR / "apache2.conf"
    env = json.loads((SECRETS_DIR / "environment.json").read_text())
    directives = _directives(conf)
    facts: dict[str, Any] = {
        "install": {
            "start_env": env, "start_env_source": "envvars", "user": "deployer",
            "envvars": str(SECRETS_DIR / "envvars"), "config_file": str(conf),
            "running": [{"pid": 4242, "ppid": 1, "exe": "/usr/sbin/apache2", "username": "deployer",
                         "role": "parent",
                         "cmdline": ["/usr/sbin/apache2", "-k", "start", "-D",
                                     "SHOP_TOKEN=Planted-Cmdline-Define-5f5f"]}],
        },
        "apache": {"defines": {d["args"][0]: (d["args"][1] if len(d["args"]) > 1 else True)
                               for d in directives if d["name"] == "Define"}},
        "config": {
            "files": [str(conf)],
            "directives": directives,
            "mounts": [{"vhost": "10.20.30.40:8080", "server_name": "shop.planted-internal.lan",
                        "url": "/", "script": "/home/deployer/sites/shop/shop/wsgi.py",
                        "process_group": "shop", "application_group": "%{GLOBAL}",
                        "daemon": {"user": "deployer", "python-path": "/home/deployer/sites/shop",
                                   "lang": "en_US.UTF-8", "db-password": "Planted-Daemon-Option-9f0d"},
                        "file": str(conf), "line": 24}],
        },
        "hosting": {"argv": ["mod_wsgi-express", "start-server", "--setenv", "DB_PASSWORD",
                             "Planted-DB-Password-4a9b", "--db-password", "Planted-Argv-Password-6h6h",
                             "wsgi.py"]},
    }
    raw = [RawOutput(kind=name, source=str(SECRETS_DIR / name), text=(SECRETS_DIR / name).read_text())
           for name in TEXT_FILES]
    raw.append(RawOutput(kind="environment", source="/proc/4242/environ",
                         text="\n".join(f"{k}={v}" for k, v in env.items())))
    findings = []
    for name in TEXT_FILES:
        path = SECRETS_DIR / name
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(s[:WINDOW] in line or s in line for s in PLANTED["secrets"]):
                findings.append(Finding(
                    id="planted-line", severity=Severity.WARNING, title=f"planted: {line.strip()[:60]}",
                    detail=f"{path}:{number}: {line.strip()}", fix=f"Remove `{line.strip()}` from {path}.",
                    section="config", evidence=(Evidence(str(path), line, number),)))
    findings.append(Finding(
        id="planted-env", severity=Severity.INFO, title="start environment",
        detail="Apache starts with " + ", ".join(f"{k}={v}" for k, v in env.items()),
        fix="Run `mod_wsgi-express start-server --setenv DB_PASSWORD Planted-DB-Password-4a9b`.",
        section="install", evidence=(Evidence("install.start_env", json.dumps(env)),)))
    notes = ["envvars exported DATABASE_URL=postgres://shop:Planted-Url-Password-3c8d@db.planted-internal.lan:5432/shop",
             "the environment had REDIS_URL=redis://:Planted-Redis-Pass-6e1f@10.20.30.41:6379/0"]
    probes = [ProbeRun("discovery", ProbeStatus.OK, 12.0),
              ProbeRun("live", ProbeStatus.FAILED, 3.0,
                       "RuntimeError: could not start mod_wsgi-express --setenv DB_PASSWORD Planted-DB-Password-4a9b")]
    return Report(mode="report", facts=facts, findings=findings, probes=probes, raw=raw, notes=notes,
                  generated_at="2026-11-21T10:00:00Z")


def dump_json(report: Report) -> str:
    """The report as JSON, the way ``report --json`` will serialise it (until render_json exists)."""
    return json.dumps({
        "mode": report.mode, "generated_at": report.generated_at, "redaction": report.redaction,
        "facts": report.facts, "findings": [f.to_json() for f in report.findings],
        "probes": [p.to_json() for p in report.probes], "raw": [r.to_json() for r in report.raw],
        "notes": report.notes,
    }, indent=2, ensure_ascii=False)


def all_strings(report: Report) -> str:
    """Every string of the report, unescaped, one per line (JSON escaping cannot hide a leak)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(k)
                walk(v)
        elif isinstance(node, (list, tuple)):
            for v in node:
                walk(v)

    walk(json.loads(dump_json(report)))
    return "\n".join(out)


def leaks(output: str, values: list[str]) -> list[str]:
    """The planted values found in ``output``, whole or as any WINDOW-character piece."""
    found = []
    for value in values:
        pieces = {value} | {value[i:i + WINDOW] for i in range(max(0, len(value) - WINDOW + 1))}
        hit = next((p for p in sorted(pieces) if p in output), None)
        if hit is not None:
            found.append(f"{value!r} (as {hit!r})")
    return found


def _renderer(fmt: str) -> Optional[Callable[[Report], str]]:
    """``render_<fmt>`` from ``wsgidoctor.render.<fmt>`` as a report -> str function, if it exists."""
    try:
        fn = getattr(importlib.import_module(f"wsgidoctor.render.{fmt}"), f"render_{fmt}", None)
    except ImportError:
        return None
    if fn is None or fmt != "text":
        return fn

    def text(report: Report) -> str:  # render_text writes to a stream; no wrapping, all detail
        stream = io.StringIO()
        fn(report, stream, verbose=True, color=False, width=100_000)
        return stream.getvalue()
    return text


NO_MACHINE = Identity()


def test_the_unredacted_report_does_hold_every_planted_secret():
    """Guard for the tests below: they could not fail if the report did not carry the secrets."""
    report = planted_report()
    output = dump_json(report) + all_strings(report)
    missing = [s for s in PLANTED["secrets"] if s not in output]
    assert missing == []


def test_no_planted_secret_reaches_the_json_dump():
    redacted = redact_report(planted_report(), identity=NO_MACHINE)
    assert leaks(dump_json(redacted), PLANTED["secrets"]) == []
    assert leaks(all_strings(redacted), PLANTED["secrets"]) == []


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_no_planted_secret_reaches_a_renderer(fmt):
    render = _renderer(fmt)
    if render is None:
        pytest.skip(f"wsgidoctor.render has no render_{fmt} yet")
    redacted = redact_report(planted_report(), hosts=True, users=True, identity=NO_MACHINE)
    output = render(redacted)
    assert output.strip()
    assert leaks(output, PLANTED["secrets"]) == []
    assert [v for v in PLANTED["hosts"] + PLANTED["users"] if v in output] == []


def test_what_a_maintainer_needs_survives_default_redaction():
    text = all_strings(redact_report(planted_report(), identity=NO_MACHINE))
    assert [k for k in PLANTED["keep"] if k not in text] == []
    assert "SetEnv DB_PASSWORD " + MARKER in text  # the name stays, the value goes
    assert "postgres://shop:" + MARKER + "@db.planted-internal.lan" in text


def test_the_caller_keeps_the_original_report():
    report = planted_report()
    before = dump_json(report)
    redact_report(report, hosts=True, users=True, identity=NO_MACHINE)
    assert dump_json(report) == before
    assert report.redaction == {"applied": False, "rules": []}


def test_redaction_is_recorded_without_the_values():
    redacted = redact_report(planted_report(), identity=NO_MACHINE)
    record = redacted.redaction
    assert record["applied"] is True
    assert "secret-names" in record["rules"] and "hostnames" not in record["rules"]
    assert record["replacements"] >= len(PLANTED["secrets"])
    assert leaks(json.dumps(record), PLANTED["secrets"]) == []


def test_hosts_and_users_vanish_when_asked_and_stay_otherwise():
    default = all_strings(redact_report(planted_report(), identity=NO_MACHINE))
    assert "www.planted-shop.co.uk" in default and "/home/deployer/" in default
    full = redact_report(planted_report(), hosts=True, users=True, identity=NO_MACHINE)
    text = all_strings(full)
    for value in PLANTED["hosts"] + PLANTED["users"]:
        assert value not in text, value
    assert leaks(text, PLANTED["secrets"]) == []
    assert {"hostnames", "ip-addresses", "user-names"} <= set(full.redaction["rules"])


def test_placeholders_are_consistent_across_facts_raw_outputs_and_findings():
    full = redact_report(planted_report(), hosts=True, users=True, identity=NO_MACHINE)
    user = full.facts["install"]["user"]
    assert user.startswith("<user-")
    home = full.facts["install"]["start_env"]["HOME"]
    assert home == f"/home/{user}"
    conf = next(r.text for r in full.raw if r.kind == "apache2.conf")
    assert f"User {user}" in conf and f"python-path=/home/{user}/sites/shop" in conf
    assert any(f"/home/{user}/" in f.detail for f in full.findings)
    server = full.facts["config"]["mounts"][0]["server_name"]
    assert server.startswith("host-") and f"ServerName {server}" in conf
    vhost_ip = full.facts["config"]["mounts"][0]["vhost"]
    assert vhost_ip.startswith("ip-") and f"<VirtualHost {vhost_ip}>" in conf
    # the path keeps its structure around the placeholder
    assert full.facts["config"]["mounts"][0]["script"] == f"/home/{user}/sites/shop/shop/wsgi.py"
