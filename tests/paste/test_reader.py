"""The paste reader's contract beyond the corpus: encodings, commands as hints, --as, bare lines."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paste.corpus_support import CORPUS, analyse, finding_ids
from wsgidoctor.paste.decode import decode_paste
from wsgidoctor.paste.reader import read_paste

V = (CORPUS / "constructed" / "captures" / "apache2ctl-V.out").read_text(encoding="utf-8")


def test_utf16_without_bom_and_latin1_decode_to_the_same_text():
    assert decode_paste(V.encode("utf-16-le")) == V
    assert decode_paste(V.encode("utf-16-be")) == V
    assert decode_paste("Server built:   d\u00e9c 1\r\n".encode("latin-1")) == "Server built:   d\u00e9c 1\n"


def test_the_command_typed_is_kept_as_the_segment_hint_and_original_line_numbers_stay():
    paste = read_paste("Here is mine:\n\n[root@web ~]# apachectl -V | grep MPM\nServer MPM:     worker\n")
    (seg,) = [s for s in paste.segments if s.kind == "httpd-V"]
    assert seg.source_hint == "apachectl -V | grep MPM"
    assert [line.number for line in seg.lines] == [4]


def test_version_lines_alone_are_httpd_v():
    assert [s.kind for s in read_paste("$ httpd -v\n" + "".join(V.splitlines(True)[:2])).segments] == ["httpd-v"]


def test_a_bare_message_line_is_diagnosed_not_nothing_to_analyse():
    report = analyse(b"Target WSGI script not found or unable to stat: /srv/site/app.wsgi\n")
    assert report is not None and "wsgi-script-not-found" in finding_ids(report)


def test_prose_alone_is_nothing_to_analyse_and_an_unknown_as_kind_is_refused():
    def run(*args: str, stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", *args, "-"], input=stdin,
                              capture_output=True, text=True, timeout=120)

    prose = run(stdin="it does not work, please help\n")
    assert prose.returncode == 3 and "nothing to analyse" in prose.stderr
    unknown = run("--as", "httpd-X", stdin=V)
    assert unknown.returncode == 3 and "unknown kind" in unknown.stderr and "httpd-V" in unknown.stderr
    # every kind the reader names is accepted, not only those with a parser of their own name
    journal = run("--as", "journal", stdin="Jan 01 00:00:00 web apache2[1]: AH00534: apache2: Configuration "
                                            "error: No MPM loaded.\n")
    assert journal.returncode == 2 and "no-mpm-loaded" in journal.stdout, journal.stderr


def test_several_inputs_give_their_facts_together(tmp_path):
    from wsgidoctor.cli.app import InputFile, build_analyze

    ldd = CORPUS / "ldd" / "ubuntu-16.04-source-built-mod_wsgi-4.6.4-libpython3.6m-tab.txt"
    v = tmp_path / "v.txt"
    v.write_text("web_1  | " + V.replace("\n", "\nweb_1  | "), encoding="utf-8")
    report = build_analyze([InputFile(str(v)), InputFile(str(ldd))])
    assert report.facts["apache"]["version"] == "2.4.71"
    assert report.facts["linkage"]["python_library"]["name"] == "libpython3.6m.so.1.0"


@pytest.mark.apache
def test_no_mpm_loaded_is_one_finding_whether_quoted_bare_or_from_the_journal(tmp_path):
    """httpd's own refusal (a real `apache2 -t` of a configuration that loads no MPM), as a bare
    line, in a journal line, and as the configtest output: no-mpm-loaded, once, every time."""
    conf = tmp_path / "httpd.conf"
    conf.write_text(f"ServerRoot {tmp_path}\nServerName nompm.test\nErrorLog {tmp_path}/error.log\n")
    done = subprocess.run(["/usr/sbin/apache2", "-t", "-f", str(conf)], capture_output=True, text=True, timeout=60)
    said = (done.stderr + done.stdout).strip().splitlines()[-1]
    assert done.returncode != 0 and "No MPM loaded" in said
    for paste in (said, f"Dec 04 16:30:01 web apache2[4242]: {said}", f"$ apache2ctl configtest\n{said}\n"):
        out = subprocess.run([sys.executable, "-m", "wsgidoctor", "analyze", "--json", "-"], input=paste + "\n",
                             capture_output=True, text=True, timeout=120)
        ids = [f["id"] for f in json.loads(out.stdout)["findings"] if f["severity"] == "error"]
        assert ids.count("no-mpm-loaded") == 1 and out.returncode == 2, (paste, ids)
