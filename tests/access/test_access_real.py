"""The access verdict against real Apache: each configuration is started with Debian's apache2,
a request is made to /app, and the doctor must say "denied" exactly when Apache answered 403."""

from __future__ import annotations

import pytest

from tests.scenarios.harness import Installation

pytestmark = pytest.mark.apache

CASES = {
    # 2.2 syntax on 2.4: access_compat allows, but authz_core inherits <Directory /> Require all denied
    "allow-from-all-only": (["Order allow,deny", "Allow from all"], 403),
    "allow-from-all-satisfy-any": (["Order allow,deny", "Allow from all", "Satisfy Any"], 200),
    "require-granted-but-deny-from-all": (["Require all granted", "Order deny,allow", "Deny from all"], 403),
    "require-granted": (["Require all granted"], 200),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_doctor_predicts_what_apache_does(name: str, installation: Installation) -> None:
    body, status = CASES[name]
    installation.app_subdir = "srv/project"
    installation.grant_app = False
    installation.vhost_directives = [f"<Directory {installation.top}/srv/project>", *body, "</Directory>"]
    assert installation.start().running
    assert installation.get().status == status
    doctor = installation.doctor()
    assert ("mount-access-denied" in doctor.ids("error")) == (status == 403), doctor.summary()
    fired = doctor.ids("error", "warning") - {"mount-access-denied", "wsgi-access-denied"}
    assert fired == set(), doctor.summary()


def test_a_location_denial_overrides_a_directory_grant(installation: Installation) -> None:
    installation.vhost_directives = ["<Location /app>", "Require all denied", "</Location>"]
    assert installation.start().running
    assert installation.get().status == 403
    denied = [f for f in installation.doctor().findings("error") if f["id"] == "mount-access-denied"]
    assert denied and "<Location /app>" in denied[0]["detail"]
