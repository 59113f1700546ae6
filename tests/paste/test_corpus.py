"""Every real paste of fixtures/corpus gives the facts, segment kinds and finding ids that
fixtures/corpus/expected.json records for it. The expectations were decided from each paste's
text and its SOURCES.md entry (the thread's resolution), not from wsgidoctor's output."""

from __future__ import annotations

import pytest

from tests.paste.corpus_support import (
    CORPUS, EXPECTED, analyse, fact_mismatches, finding_ids, segment_kinds)

PASTES = sorted(EXPECTED)
_CLASSIFIER = "issue 12 classifier: "
#: Pastes whose finding ids need the one message classifier and the new catalogue entries (branch
#: `messages`). strict: when the classifier lands they pass, and the mark must go.
FINDINGS_PENDING: dict[str, str] = {
    'errorlog/apache-2.2-old-format-earthenterprise-wsgi-psycopg2-undefined-symbol-PyUnicodeUCS2-cut.txt':
        'an ImportError in an old-format traceback, no exec-failed line before it',
    'errorlog/codio-parts-python2.7.6-mod_wsgi-ImportError-_io-undefined-symbol-PyUnicodeUCS2_Replace-bare-line.txt':
        'a bare ImportError line (undefined PyUnicodeUCS2_* symbol)',
    'errorlog/kloxong-centos-2.4-core-emerg-util_mutex.c-394-AH00023-rewrite-map-mutex-bracketed.txt':
        'AH00023 for a SysV-semaphore mutex in a bracketed custom ErrorLogFormat (no errno shown) is sysv-semaphores-exhausted, not mutex-unavailable',
    'errorlog/truncated-headers-no-timestamp-leading-space-then-wsgi-error-line.txt':
        'truncated-headers message without a daemon group name',
    'errorlog/ubuntu-18.04-2.4.29-prefork-mod_wsgi-4.7.0-py3.6.9-locale-encoding-AH00051-log-fence.txt':
        'AH00051 Aborted right after a failed Python start is the same cause (one finding)',
    'errorlog/ubuntu-2.4-event-python-home-venv-locale-encoding-AH00051-aborted-fenced.txt':
        'AH00051 Aborted right after a failed Python start is the same cause (one finding)',
    'mixed/macos-high-sierra-runmodwsgi-pyenv-2.7.14-static-libpython2.7.a-no-suitable-image-express-banner-fenced-cut.txt':
        "LoadFile of a static libpython*.a ('unknown file type') is libpython-static",
    't_errors/raspberry-pi-armhf-venv-py3.7-systemctl-status-wsgi.load-cannot-load-quoted-no-reason.txt':
        "'Cannot load X' without 'into server' (cut by the poster)",
    't_errors/rhel-systemctl-status-pyenv-3.10.2-home-admin-mod_wsgi-permission-denied-inline-backticks.txt':
        "a bare 'mod_wsgi...so: cannot open shared object file: Permission denied'",
}
#: Pastes whose finding ids need a rule outside the paste reader and the classifier.
RULES_PENDING: dict[str, str] = {
    'M/rhel6-httpd.event-2.2-warnings-before-header-truncated.txt':
        'apache rules: a -M list cut by its author (no marker) is taken as complete',
    'M/rhel7-httpd-2.4-AH00558-ipv6-truncated-no-core.txt':
        'apache rules: a -M list without core_module is cut, not complete',
    'M/ubuntu-24.04-sudo-apache2ctl-M-prefork-php-debian-statics-user-prompt-fenced-cut.txt':
        'apache rules: a -M list cut mid-line is taken as complete',
    'mixed/centos-apache-2.2-root-prompt-httpd-M-truncated-static-prefork-then-httpd-l-chinese-blog.txt':
        'apache rules: a -M list cut by its author (no marker) is taken as complete',
    'ldd/centos6-anaconda3-python3.5m-found-tab-partial.txt':
        "linkage rules: a libpython under /root (0700) is unreadable by Apache's user",
}


def test_every_paste_in_the_corpus_has_expectations():
    on_disk = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.txt"))
    assert on_disk == PASTES


@pytest.mark.parametrize("name", PASTES, ids=PASTES)
def test_paste_gives_its_facts_and_segment_kinds(name):
    data = (CORPUS / name).read_bytes()
    expected = EXPECTED[name]
    assert segment_kinds(data) == set(expected["kinds"])
    assert fact_mismatches(analyse(data, name), expected["facts"]) == []


def _finding_cases():
    for name in PASTES:
        reason = (_CLASSIFIER + FINDINGS_PENDING[name] if name in FINDINGS_PENDING
                  else RULES_PENDING.get(name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_finding_cases()))
def test_paste_gives_its_finding_ids(name):
    data = (CORPUS / name).read_bytes()
    assert finding_ids(analyse(data, name)) == set(EXPECTED[name]["findings"])
