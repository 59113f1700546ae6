"""Real captures of this kind of machine (Debian 12's apache2 2.4.71 with mod_wsgi 4.9.4), pasted
the hard way: several decorations at once (quotes, fences, journald, compose, HTML, bold and
annotations over lines a terminal wrapped at 80 columns), cut mid-line, and saved with CRLF line
ends in Latin-1. Each gives the finding of its cause, as the bare capture does.

The captures are fixtures/debian12/configtest/*.txt (``apache2 -t`` on throwaway configurations,
see its README) and fixtures/messages/debian12-mod_wsgi-4.9.4-*.log (servers started by
tests/support/apache_harness.py); the decorations are tests/paste/decorations.py.
"""

from __future__ import annotations

from typing import Callable

import pytest

from tests.paste.corpus_support import CORPUS, analyse, finding_ids
from tests.paste.decorations import DECORATIONS as D

FIXTURES = CORPUS.parent

#: capture -> the finding id its cause gives (decided from the message: what Apache refused, why)
CAPTURES = {
    "debian12/configtest/t-loadfile-static-libpython.txt": {"libpython-static"},
    "debian12/configtest/t-loadfile-not-elf.txt": {"module-load-failed"},
    "debian12/configtest/t-wsgidaemonprocess-duplicate.txt": {"wsgi-daemon-duplicate"},
    "debian12/configtest/t-wsgidaemonprocess-invalid-option.txt": {"wsgi-option-unknown"},
    "debian12/configtest/t-loadmodule-include-chain.txt": {"module-load-failed"},
    "debian12/configtest/t-include-invalid-command.txt": {"apache-config-rejected"},
    "messages/debian12-mod_wsgi-4.9.4-prefork-python-home-missing.log": {"python-home-invalid"},
    "messages/debian12-mod_wsgi-4.9.4-homeless-daemon-ascii-locale-syntax-error.log":
        {"daemon-configure-failed", "python-locale-ascii-error", "wsgi-script-compile-failed"},
}


def journald(text: str) -> str:
    """journalctl with the host shown (the redacted-host variant is in decorations.py)."""
    return "\n".join("Dec 04 12:31:31 web01 apache2[20739]: " + l if l else l for l in text.split("\n"))


#: How people's pastes stack decorations: what the terminal showed (log prefixes, then the wrap at
#: 80 columns), then what the poster added.
STACKS: dict[str, Callable[[str], str]] = {
    "journald, wrapped, fenced, quoted": lambda t: D["quote"](D["fence"](D["wrap_80"](journald(t)))),
    "wrapped, quoted, fenced": lambda t: D["fence"](D["quote"](D["wrap_80"](t))),
    "journald, wrapped, quoted": lambda t: D["quote"](D["wrap_80"](journald(t))),
    "compose, wrapped, fenced": lambda t: D["fence"](D["wrap_80"](D["compose"](t))),
    "bold, annotated, quoted, fenced": lambda t: D["fence"](D["quote"](D["annotate_first"](D["bold_first"](t)))),
    "journald, wrapped, HTML": lambda t: D["html_pre"](D["wrap_80"](journald(t))),
    "prose, kubectl, fenced": lambda t: D["fence"](D["kubectl"](D["prose_before"](t))),
}


def read(rel: str) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8")


@pytest.mark.parametrize("stack", sorted(STACKS))
@pytest.mark.parametrize("rel", sorted(CAPTURES))
def test_stacked_decorations_keep_the_diagnosis(rel, stack):
    text = STACKS[stack](read(rel))
    assert finding_ids(analyse(text.encode("utf-8"), rel)) == CAPTURES[rel]


@pytest.mark.parametrize("rel", sorted(CAPTURES))
def test_crlf_latin1_with_decorations_keeps_the_diagnosis(rel):
    """Windows line ends and a Latin-1 file (the homeless-daemon log holds 'café', which Latin-1
    encodes as one byte) under quotes and a fence."""
    text = D["fence"](D["quote"](read(rel))).replace("\n", "\r\n")
    assert finding_ids(analyse(text.encode("latin-1"), rel)) == CAPTURES[rel]


#: (capture, cut the text after this string + n characters, the finding the cut text still proves)
CUTS = [
    # the reason cut: the archive named to LoadFile is enough
    ("debian12/configtest/t-loadfile-static-libpython.txt", "into server: /usr/lib/py", {"libpython-static"}),
    # "Cannot load" cut inside the path: Apache could not load something, which is all it says
    ("debian12/configtest/t-loadmodule-include-chain.txt", "Cannot load /nonexistent/mod_f", {"module-load-failed"}),
    ("debian12/configtest/t-wsgidaemonprocess-duplicate.txt", "Name duplicates previous WSGI daemon defin",
     {"wsgi-daemon-duplicate"}),
    ("debian12/configtest/t-wsgidaemonprocess-invalid-option.txt", "Invalid option to WSGI daemon pro",
     {"wsgi-option-unknown"}),
]


@pytest.mark.parametrize("rel, upto, expected", CUTS, ids=[c[1][:24] for c in CUTS])
def test_a_paste_cut_mid_line_keeps_what_its_text_proves(rel, upto, expected):
    text = read(rel)
    cut = text[:text.index(upto) + len(upto)]
    assert finding_ids(analyse(cut.encode(), rel)) == expected
    assert finding_ids(analyse(D["fence"](D["quote"](cut)).encode(), rel)) == expected


def test_a_module_list_cut_mid_line_proves_no_absence():
    """``apachectl -M`` cut inside a module name before wsgi_module: no "not loaded" claim, and
    the modules section says the list is not whole."""
    text = read("debian12/apache2ctl-M.txt")
    cut = text[:text.index(" negotiation_module") + len(" negot")]
    report = analyse(cut.encode(), "M")
    assert "wsgi-module-not-loaded" not in finding_ids(report)
    assert "not whole" in report.facts["incomplete"]["modules"]["reason"]
    whole = text.replace(" wsgi_module (shared)\n", "")  # the same list, whole, without wsgi_module
    assert "wsgi-module-not-loaded" in finding_ids(analyse(whole.encode(), "M"))
