"""The list of sub-interpreter-unsafe packages, and the finding against real NumPy (from PyPI) in
a venv used as python-home, with and without WSGIApplicationGroup %{GLOBAL}."""

from __future__ import annotations

import pytest

from tests.scenarios import artefacts
from tests.scenarios.harness import Installation
from tests.scenarios.scenarios import NUMPY_APP
from wsgidoctor.wsgi.probe_packages import found_in, home_site_packages, unsafe_packages

NUMPY_WARNING = "NumPy was imported from a Python sub-interpreter"


def test_every_entry_has_import_names_a_reason_and_a_public_source() -> None:
    entries = unsafe_packages()
    assert {"numpy", "scipy", "pandas", "lxml", "pydantic_core"} <= {n for e in entries for n in e["imports"]}
    for e in entries:
        assert e["imports"] and e["distribution"] and len(e["reason"]) > 40
        assert e["source"].startswith("https://"), e


@pytest.mark.apache
def test_numpy_in_a_venv_is_found_on_its_site_packages() -> None:
    venv = artefacts.numpy_venv()
    hits = [h for d in home_site_packages(str(venv)) for h in found_in(d)]
    assert [h["distribution"] for h in hits] == ["numpy"]


@pytest.mark.apache
def test_global_application_group_silences_the_finding_and_numpy_stops_warning(installation: Installation) -> None:
    installation.server_directives += [f"WSGIPythonHome {artefacts.numpy_venv()}"]
    installation.vhost_directives += ["WSGIApplicationGroup %{GLOBAL}"]
    installation.app_source = NUMPY_APP
    assert installation.start().running
    assert installation.get().status == 200
    assert NUMPY_WARNING not in installation.log_text()
    doctor = installation.doctor()
    assert doctor.ids("error", "warning") == set(), doctor.summary()
