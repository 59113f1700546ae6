"""The Python-installation findings, from real hosting records turned into facts."""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest

from tests.support.hosting_support import FIXTURES
from wsgidoctor.python.hosting.facts import build_facts
from wsgidoctor.python.hosting.plan import build_plan
from wsgidoctor.python.hosting.record import parse_record
from wsgidoctor.core.model import Severity
from wsgidoctor.core.catalogue import CATALOG
from wsgidoctor.areas import diagnose, load_rules as load_all

SYSTEM = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"
PYENV_3117 = "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0"


def facts_for(record: str, *, home: Optional[str] = None, homes: Optional[list[dict[str, Any]]] = None,
              libpython: str = SYSTEM, library_prefix: str = "/usr", compiled: Optional[str] = None,
              path: str = "/usr/local/bin:/usr/bin:/bin", path_python: Optional[str] = "/usr/bin/python3"):
    facts: dict[str, Any] = {
        "install": {"user": "www-data", "start_env": {"PATH": path, "LANG": "C"}},
        "apache": {"version": "2.4.71", "mpm": {"name": "event", "threaded": True, "forked": True}},
        "mod_wsgi": {"version": "4.9.4", "python_compiled": compiled},
        "linkage": {"module": "/usr/lib/apache2/modules/mod_wsgi.so",
                    "python_library": {"path": libpython, "found": True, "python_version": "3.11.2"}},
    }
    if home:
        facts["config"] = {"wsgi": {"python_home": home, "set_at": {"WSGIPythonHome": "/etc/apache2/apache2.conf:12"}}}
    plan = build_plan(facts, libpython=libpython, script="/srv/probe.wsgi", script_source=None, run_as_user=True)
    rec = parse_record((FIXTURES / record).read_text(encoding="utf-8"))
    hosted = build_facts(plan, rec, program="/opt/wsgidoctor-host", libpython=libpython, libpython_source="linkage",
                         library_prefix=library_prefix, homes=[{**h.to_json(), **(homes or [{}])[i]}
                                                                for i, h in enumerate(plan.homes)], notes=[])
    hosted["hosting"]["path_python"] = path_python
    facts.update(hosted)
    return facts


def python_findings(facts):
    return [f for f in diagnose(facts) if f.section == "python"]


def ids(facts):
    return sorted(f.id for f in python_findings(facts))


def by_id(facts, fid):
    return [f for f in python_findings(facts) if f.id == fid]


MISSING = {"path": "/srv/missing", "exists": False, "is_dir": False, "suspicious": None, "pyvenv_cfg": None,
           "stdlib": None, "base_prefix": None, "base_stdlib": None, "venv_version": None, "venv_site_packages": None}


def venv_home(path, version, base, base_stdlib=None):
    return {"path": path, "exists": True, "is_dir": True, "suspicious": None,
            "pyvenv_cfg": {"path": f"{path}/pyvenv.cfg", "values": {"version": version, "home": f"{base}/bin"},
                           "lines": {"home": 1, "version": 3}},
            "stdlib": None, "base_prefix": base, "base_stdlib": base_stdlib, "venv_version": version,
            "venv_site_packages": f"{path}/lib/python{'.'.join(version.split('.')[:2])}/site-packages"}


def test_every_finding_is_declared_with_an_explanation_and_a_fix():
    load_all()
    for fid in ("python-init-failed", "python-home-invalid", "python-home-version-mismatch",
                "python-found-via-path", "python-patch-mismatch"):
        spec = CATALOG[fid]
        assert spec.section == "python" and len(spec.explanation) > 200 and spec.fix


def test_a_healthy_system_python_has_no_python_findings():
    # The record was made under Debian's LANG=C: the only note is about the ASCII file names.
    assert ids(facts_for("record-3.11-system-ok-two-groups.json")) == ["python-filesystem-encoding-ascii"]


def test_compiled_patch_level_within_one_installation_is_only_information():
    (f,) = by_id(facts_for("record-3.11-system-ok-two-groups.json", compiled="3.11.1"), "python-patch-mismatch")
    assert f.severity is Severity.INFO
    assert "3.11.1" in f.detail and "3.11.2" in f.detail


def test_a_missing_home_fails_start_up_and_is_an_invalid_home():
    facts = facts_for("record-3.11-missing-home-pyconfig.json", home="/srv/missing", homes=[MISSING])
    assert ids(facts) == ["python-home-invalid", "python-init-failed"]
    (init,) = by_id(facts, "python-init-failed")
    assert init.severity is Severity.ERROR
    assert "init_fs_encoding" in init.detail and "'/srv/missing'" in init.detail
    texts = {e.text: e for e in init.evidence}
    fatal = texts["Fatal Python error: init_fs_encoding: failed to get the Python codec of the filesystem encoding"]
    assert fatal.line is not None and fatal.source.startswith("hosting program stderr (embedded mode)")
    assert "ModuleNotFoundError: No module named 'encodings'" in texts
    assert any(e.source == "/etc/apache2/apache2.conf" and e.line == 12 for e in init.evidence)
    (home,) = by_id(facts, "python-home-invalid")
    assert "/srv/missing does not exist" in home.detail and "fails to start" in home.detail


def test_a_fake_python3_on_path_is_found_via_path_and_fails():
    facts = facts_for("record-3.11-fake-python3-on-path-legacy.json", path="/tmp/ht/fake/bin:/usr/bin:/bin",
                      path_python="/tmp/ht/fake/bin/python3")
    assert ids(facts) == ["python-found-via-path", "python-init-failed"]
    (f,) = by_id(facts, "python-found-via-path")
    assert "sys.prefix = /tmp/ht/fake" in f.detail and "failed to start" in f.detail
    assert "WSGIPythonHome /usr" in f.fix
    assert [e.text for e in f.evidence][:2] == ["PATH=/tmp/ht/fake/bin:/usr/bin:/bin", "/tmp/ht/fake/bin/python3"]


def test_a_pyenv_library_without_home_silently_runs_on_usr():
    facts = facts_for("record-3.11.7-pyenv-no-home-as-www-data.json", libpython=PYENV_3117,
                      library_prefix="/root/.pyenv/versions/3.11.7")
    (f,) = by_id(facts, "python-found-via-path")
    assert f.severity is Severity.WARNING
    assert "sys.prefix = /usr" in f.detail and "runs Python 3.11.7" in f.detail
    assert "python-init-failed" not in ids(facts)


def test_a_venv_of_another_minor_version_is_a_version_mismatch():
    facts = facts_for("record-3.11-venv312-home.json", home="/tmp/ht/venv312",
                      homes=[venv_home("/tmp/ht/venv312", "3.12.1", "/root/.pyenv/versions/3.12.1")])
    assert ids(facts) == ["python-home-version-mismatch"]
    (f,) = by_id(facts, "python-home-version-mismatch")
    assert "created by Python 3.12.1" in f.detail and "Python 3.11" in f.detail
    assert "does not contain /tmp/ht/venv312/lib/python3.12/site-packages" in f.detail
    assert f.evidence[0].source == "/tmp/ht/venv312/pyvenv.cfg" and f.evidence[0].line == 3


def test_a_venv_of_another_build_of_the_same_version_is_a_patch_mismatch():
    facts = facts_for("record-3.11-venv-made-by-pyenv-3.11.7.json", home="/tmp/ht/venv3117",
                      homes=[venv_home("/tmp/ht/venv3117", "3.11.7", "/root/.pyenv/versions/3.11.7",
                                       "/root/.pyenv/versions/3.11.7/lib/python3.11/os.py")])
    assert ids(facts) == ["python-patch-mismatch"]
    (f,) = by_id(facts, "python-patch-mismatch")
    assert f.severity is Severity.WARNING
    assert "libpython 3.11.2 from /usr runs with the standard library of /root/.pyenv/versions/3.11.7" in f.detail
    assert "made by Python 3.11.7" in f.detail


def test_a_process_that_crashes_while_serving():
    (f,) = by_id(facts_for("record-3.11-probe-aborts.json"), "python-init-failed")
    assert f.title == "Python crashed in the emulated mod_wsgi process"
    assert "killed by signal SIGABRT" in f.detail


def test_a_file_that_is_not_a_library():
    (f,) = by_id(facts_for("record-not-a-library.json"), "python-init-failed")
    assert f.title == "The Python library mod_wsgi loads cannot be loaded"
    assert "invalid ELF header" in f.detail


def test_a_time_out_is_a_warning():
    data = json.loads((FIXTURES / "record-3.11-probe-aborts.json").read_text(encoding="utf-8"))
    data["processes"][0].update(timed_out=True, signal=None, signal_name=None)
    rec_text = json.dumps(data)
    facts = facts_for("record-3.11-probe-aborts.json")
    plan = build_plan(facts, libpython=SYSTEM, script="/srv/probe.wsgi", script_source=None, run_as_user=True)
    facts.update(build_facts(plan, parse_record(rec_text), program="p", libpython=SYSTEM, libpython_source="linkage",
                             library_prefix="/usr", homes=[], notes=[]))
    (f,) = by_id(facts, "python-init-failed")
    assert f.severity is Severity.WARNING and "in time" in f.detail


@pytest.mark.parametrize("home, words", [
    ({**MISSING, "path": "/srv/app/venv/bin/python", "exists": True, "is_dir": False,
      "suspicious": "points at a python executable, not at the installation or virtual environment"},
     "is not a directory: it points at a python executable"),
    ({**MISSING, "path": "/srv/lib/python3.11", "exists": True, "is_dir": True,
      "suspicious": "points at a lib/pythonX.Y directory, not at the installation prefix above it"},
     "lib/pythonX.Y directory"),
    ({**MISSING, "path": "/opt/py310", "exists": True, "is_dir": True}, "has no lib/python3.11/os.py"),
])
def test_wrong_kinds_of_home_are_invalid(home, words):
    facts = facts_for("record-3.11-system-ok-two-groups.json", home=home["path"], homes=[home])
    (f,) = by_id(facts, "python-home-invalid")
    assert words in f.detail and "still started" in f.detail
    assert f.evidence[0].text == f"WSGIPythonHome {home['path']}" and f.evidence[0].line == 12


def test_no_hosting_facts_means_no_findings():
    assert python_findings({}) == []
    assert python_findings({"hosting": {"error": "hosting program not built"}}) == []


def test_an_ascii_file_system_encoding_under_lang_c_is_a_note_with_the_locale_fix():
    from wsgidoctor.areas import diagnose

    facts = {"python": {"filesystem_encoding": "ascii"}, "hosting": {"start_env": {"LANG": "C"}}}
    found = [f for f in diagnose(facts) if f.id == "python-filesystem-encoding-ascii"]
    assert len(found) == 1 and found[0].severity.value == "info"
    assert "LANG=C" in found[0].detail and "C.UTF-8" in found[0].fix
    assert not [f for f in diagnose({"python": {"filesystem_encoding": "utf-8"}})
                if f.id == "python-filesystem-encoding-ascii"]


def test_the_patch_note_steps_aside_when_the_library_is_another_installations():
    from wsgidoctor.areas import diagnose

    facts = {"hosting": {"library_version": "3.11.2", "library_prefix": "/usr"},
             "mod_wsgi": {"python_compiled": "3.11.7"},
             "linkage": {"python_library": {"path": "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
                                            "python_version": "3.11.2"}}}
    assert [f.id for f in diagnose(facts) if f.id == "python-patch-mismatch"] == ["python-patch-mismatch"]
    facts["linkage"]["python_installations"] = [
        {"path": "/opt/pyenv/versions/3.11.7/lib/libpython3.11.so.1.0", "version": "3.11.7"}]
    ids = [f.id for f in diagnose(facts)]
    assert "python-patch-mismatch" not in ids and "libpython-version-mismatch" in ids


def test_a_missing_hosting_program_is_a_note_that_says_how_to_get_it():
    reason = "hosting program not built: none of /x/wsgidoctor-host exists"
    (f,) = [f for f in diagnose({"hosting": {"error": reason}}) if f.id == "hosting-program-not-built"]
    assert f.severity.value == "info" and f.detail == reason and "--only-binary" in f.fix
    assert not [f for f in diagnose({"hosting": {"error": "libpython not found"}}) if f.id == "hosting-program-not-built"]
