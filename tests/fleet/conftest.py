"""Reports for the fleet tests, made by wsgidoctor itself from real captured outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wsgidoctor.cli.app import InputFile, build_analyze
from wsgidoctor.render.json import report_to_dict

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "fixtures" / "corpus"
XSD = REPO / "fixtures" / "junit" / "JUnit.xsd"

#: host -> real pastes its report is analysed from (Apache's -V output and an error log).
PASTES = {
    "web1": ["V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt",
             "errorlog/bitnami-2.4.57-event-openssl-mod_wsgi-4.9.4-py3.8.txt"],
    "web2": ["V/ubuntu-20.04-apache2-2.4.41-event-iso8601-built-date.txt",
             "errorlog/docker-ubuntu-2.4.18-mod_wsgi-express-4.6.5-py3.6-segfault.txt"],
    "web3": ["V/centos-stream-8-httpd-2.4.37-event.txt",
             "errorlog/ubuntu-12.04-apache-2.2.22-old-format-mod_wsgi-3.3-py2.7.2plus-with-mod_python.txt"],
}


def analysed(host: str) -> dict[str, Any]:
    report = build_analyze([InputFile(str(CORPUS / p)) for p in PASTES[host]])
    report.generated_at = "2026-12-04T10:00:00Z"
    return report_to_dict(report)


@pytest.fixture(scope="session")
def reports() -> dict[str, dict[str, Any]]:
    """host -> the JSON report of its pastes: web2 has an error, web3 a warning, web1 is fine."""
    return {host: analysed(host) for host in PASTES}


def validate_junit(xml: str) -> None:
    """Raise unless ``xml`` is valid against Apache Ant's JUnit schema (fixtures/junit)."""
    import xmlschema

    xmlschema.XMLSchema(str(XSD)).validate(xml)
