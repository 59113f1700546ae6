"""Shared test helpers: where the fixtures live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = FIXTURES / "corpus"


@pytest.fixture
def corpus() -> Path:
    return CORPUS


def bare_corpus(folder: str) -> list[Path]:
    """The corpus captures of ``folder`` that are one undecorated output of the folder's kind.

    The decorated and mixed pastes (``"decorated": true`` in fixtures/corpus/expected.json) are
    read through the paste reader in tests/paste/test_corpus.py, not by one parser directly.
    """
    import json

    expected = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    return sorted(p for p in (CORPUS / folder).iterdir()
                  if p.suffix == ".txt" and not expected.get(f"{folder}/{p.name}", {}).get("decorated"))


def read_fixture(rel: str) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8", errors="surrogateescape")


APACHE_BINARY = Path("/usr/sbin/apache2")
MOD_WSGI = Path("/usr/lib/apache2/modules/mod_wsgi.so")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``apache`` fail, rather than skip, when Debian's Apache + mod_wsgi is absent.

    scripts/test.sh (and so CI) installs them, so their absence is a broken setup that a skip would
    hide. Set WSGIDOCTOR_SKIP_APACHE_TESTS=1 to skip them on purpose on a machine without Apache.
    """
    import os

    if item.get_closest_marker("apache") is None or (APACHE_BINARY.exists() and MOD_WSGI.exists()):
        return
    reason = f"needs Debian's apache2 and mod_wsgi ({APACHE_BINARY}, {MOD_WSGI}); scripts/test.sh installs them"
    if os.environ.get("WSGIDOCTOR_SKIP_APACHE_TESTS") == "1":
        pytest.skip(reason)
    pytest.fail(reason + " (or set WSGIDOCTOR_SKIP_APACHE_TESTS=1 to skip these tests)", pytrace=False)
