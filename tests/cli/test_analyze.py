"""`wsgidoctor analyze`: pasted outputs are recognised and give the facts a live run would."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import bare_corpus
from wsgidoctor.cli.app import InputFile, build_analyze, build_from_json
from wsgidoctor.areas import detect_kind, parsers as registry
from wsgidoctor.render.json import report_to_dict

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FOLDER_KIND = {"V": "httpd-V", "l": "httpd-l", "M": "httpd-M", "t_errors": "httpd-t", "apr_h": "apr.h",
               "config_nice": "config.nice", "ldd": "ldd", "otool": "otool-L", "errorlog": "errorlog"}
CORPUS = sorted(p for folder, kind in FOLDER_KIND.items() if kind in registry() for p in bare_corpus(folder))
#: Captures too fragmentary to name on their own (SOURCES.md says so); analyze --as handles them.
AMBIGUOUS = {
    "cpanel-ea4-2.4.46-grep-filtered-etc-apache2-root.txt": (None, "httpd-V"),  # 3 grepped lines
    # only an AH00558 warning: what httpd -t prints too (with `--as httpd-M` it says "no mod_so?")
    "static-pie-build-no-mod_so-M-prints-only-AH00558-wrapped.txt": (None, "httpd-M", "httpd-t"),
}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_capture_is_recognised_as_its_own_kind(path):
    kind = detect_kind(path.read_bytes().decode("utf-8", "replace"))
    if path.name in AMBIGUOUS:
        assert kind in AMBIGUOUS[path.name]
    else:
        assert kind == FOLDER_KIND[path.parent.name]


def test_debian_outputs_pasted_give_the_facts_of_the_real_server():
    files = ["apache2ctl-V.txt", "apache2ctl-M.txt", "apache2-l.txt", "apr.h", "config_vars.mk"]
    report = build_analyze([InputFile(str(FIXTURES / "debian12" / f)) for f in files])
    apache = report.facts["apache"]
    assert (apache["version"], apache["vendor"], apache["mpm"]["name"]) == ("2.4.71", "Debian", "event")
    assert {"name": "wsgi_module", "origin": "shared"} in apache["modules"]
    assert report.facts["mutex"]["default"] == "pthread"
    assert sorted(report.facts["mutex"]["available"]) == ["fcntl", "flock", "posixsem", "pthread", "sysvsem"]
    assert [r.kind for r in report.raw] == ["httpd-V", "httpd-M", "httpd-l", "apr.h", "config_vars.mk"]
    assert not [f for f in report.findings if f.severity.value != "info"]


def test_a_saved_json_report_is_rediagnosed_to_the_same_findings(tmp_path):
    inputs = [InputFile(str(FIXTURES / "corpus/l/static-pie-build-2.4.66-event-no-mod_so.txt")),
              InputFile(str(FIXTURES / "debian12/apache2ctl-V.txt"))]
    first = build_analyze(inputs)
    assert "no-mod-so" in [f.id for f in first.findings]
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report_to_dict(first)))
    again = build_from_json(str(saved))
    assert [f.to_json() for f in again.findings] == [f.to_json() for f in first.findings]
    assert again.facts["apache"]["version"] == "2.4.71"


def test_analyze_as_forces_the_kind_and_stdin_works():
    text = (FIXTURES / "corpus/V/cpanel-ea4-2.4.46-grep-filtered-etc-apache2-root.txt").read_text()
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--as", "httpd-V", "--json", "-"],
                         input=text, capture_output=True, text=True, timeout=60)
    assert out.returncode in (0, 1, 2), out.stderr
    assert json.loads(out.stdout)["facts"]["apache"]["version"] == "2.4.46"
