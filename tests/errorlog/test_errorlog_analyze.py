"""`wsgidoctor analyze error.log`: a pasted or saved log is recognised and diagnosed, and a large
one is streamed rather than cut at the paste limit."""

import json
import subprocess
import sys

from tests.conftest import CORPUS

T = "[Sun Nov 22 16:51:07.321406 2026]"
NOISE = f"{T} [wsgi:error] [pid 2:tid 3] [remote 10.0.0.1:5] KeyError: 'basket'\n"
CRASH = f"{T} [core:notice] [pid 1:tid 1] AH00052: child pid 300 exit signal Segmentation fault (11)\n"


def analyze(*args):
    out = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", *args],
                         capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout)


def test_a_corpus_log_is_recognised_and_its_finding_reported():
    path = CORPUS / "errorlog" / "raspbian-2.4.25-prefork-AH00144-accept-mutex-identifier-removed.txt"
    code, report = analyze(str(path))
    ids = {f["id"] for f in report["findings"]}
    assert "accept-mutex-removed" in ids and code != 0
    assert report["facts"]["errorlog"]["banner"]["apache_version"] == "2.4.25"


def test_a_log_larger_than_a_paste_is_streamed_whole(tmp_path):
    path = tmp_path / "error.log"
    with open(path, "w") as fh:
        fh.write(NOISE * 200_000)  # about 17 MB of noise, then one crash at the very end
        fh.write(CRASH)
    code, report = analyze(str(path))
    log = report["facts"]["errorlog"]
    assert log["lines_read"] == 200_001 and log["events"]["child-crashed"]["first"] == 200_001
    assert "apache-child-crashed" in {f["id"] for f in report["findings"]}
