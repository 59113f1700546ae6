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
    'constructed/html-pre-entities-wsgidaemonprocess-in-directory.txt':
        'configtest error "WSGIDaemonProcess not allowed in <Directory> context" is directive-wrong-context',
    'constructed/rhel-init-failed-tail-annotation-wsgidaemonprocess-in-directory.txt':
        'configtest error "WSGIDaemonProcess not allowed in <Directory> context" is directive-wrong-context',
    'constructed/systemctl-status-journald-redacted-host-wsgidaemonprocess-in-directory.txt':
        'configtest error "WSGIDaemonProcess not allowed in <Directory> context" is directive-wrong-context',
    'errorlog/apache-2.2-old-format-earthenterprise-wsgi-psycopg2-undefined-symbol-PyUnicodeUCS2-cut.txt':
        'an ImportError in an old-format traceback, no exec-failed line before it',
    'errorlog/codio-parts-python2.7.6-mod_wsgi-ImportError-_io-undefined-symbol-PyUnicodeUCS2_Replace-bare-line.txt':
        'a bare ImportError line (undefined PyUnicodeUCS2_* symbol)',
    'errorlog/kloxong-centos-2.4-core-emerg-util_mutex.c-394-AH00023-rewrite-map-mutex-bracketed.txt':
        'new id semaphores-exhausted (AH00023 in a bracketed custom ErrorLogFormat)',
    'errorlog/truncated-headers-no-timestamp-leading-space-then-wsgi-error-line.txt':
        'truncated-headers message without a daemon group name',
    'errorlog/ubuntu-18.04-2.4.29-prefork-mod_wsgi-4.7.0-py3.6.9-locale-encoding-AH00051-log-fence.txt':
        'AH00051 Aborted right after a failed Python start is the same cause (one finding)',
    'errorlog/ubuntu-2.4-event-python-home-venv-locale-encoding-AH00051-aborted-fenced.txt':
        'AH00051 Aborted right after a failed Python start is the same cause (one finding)',
    'mixed/ddev-docker-debian-apache2-supervisord-AH00023-mpm-accept-mutex-permission-denied-var-lock-php-fpm-interleaved.txt':
        'new id mutex-create-failed ((13)Permission denied creating the mpm-accept mutex, not a bad Mutex directory)',
    'mixed/macos-high-sierra-runmodwsgi-pyenv-2.7.14-static-libpython2.7.a-no-suitable-image-express-banner-fenced-cut.txt':
        "LoadFile of a static libpython*.a ('unknown file type') is libpython-static",
    'mixed/windows-xampp-python3.11-store-app-httpd-k-restart-german-load-errors-venv-prompts.txt':
        "German Windows loader messages: 'Zugriff verweigert' (denied), new id windows-module-not-found",
    't_errors/certbot-apache2ctl-configtest-name-duplicates-previous-wsgi-daemon-definition-quoted-wrapped.txt':
        'new id daemon-name-duplicate',
    't_errors/debian-mod_wsgi-express-tmp-httpd.conf-apachectl-configtest-invalid-option-to-wsgi-daemon-process-definition-fenced.txt':
        'new id daemon-option-unknown',
    't_errors/macos-10.12-anaconda-3.5.3-mod_wsgi-express-libgcc_s-conda-bld-placehold-path-image-not-found-backticks.txt':
        'new id macos-library-not-loaded (dyld, a dependency other than libpython)',
    't_errors/macos-10.14-system-apache-mod_wsgi-express-anaconda-libpython3.5m-code-signature-library-validation-backticks.txt':
        'new id macos-code-signing (Library Validation)',
    't_errors/macos-anaconda3-python3.5-mod_wsgi-express-rpath-libpython3.5m.dylib-image-not-found-backticks.txt':
        "dyld 'Library not loaded: @rpath/libpython...' is libpython-not-found",
    't_errors/macos-arm64-homebrew-httpd-2.4.59-source-mod_wsgi-python2-symbol-not-found-flat-namespace-_PyBool_Type.txt':
        "dyld 'symbol not found in flat namespace' is the macOS undefined symbol",
    't_errors/raspberry-pi-armhf-venv-py3.7-systemctl-status-wsgi.load-cannot-load-quoted-no-reason.txt':
        "'Cannot load X' without 'into server' (cut by the poster)",
    't_errors/rhel-systemctl-status-pyenv-3.10.2-home-admin-mod_wsgi-permission-denied-inline-backticks.txt':
        "a bare 'mod_wsgi...so: cannot open shared object file: Permission denied'",
    't_errors/ubuntu-12.04-service-apache2-reload-html-escaped-invalid-command-lt-Directory-fail-twice-prompts.txt':
        "new id config-rejected (Invalid command '&lt;Directory': HTML-escaped config)",
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
