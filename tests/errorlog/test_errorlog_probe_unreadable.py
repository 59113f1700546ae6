"""The error-log probe says why the configured log could not be read, instead of blaming a
fallback candidate that does not exist."""

import pytest

from wsgidoctor.core.hookspec import NotApplicable, Options, ProbeContext
from wsgidoctor.errorlog.probe import run


def test_an_unreadable_configured_log_is_reported_not_a_missing_default(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # ErrorLog below a regular file: ENOTDIR, as EACCES is for non-root
    facts = {
        "install": {"server_root": str(tmp_path), "start_env": {}},
        "apache": {"defines": {"DEFAULT_ERRORLOG": '"logs/error_log"'}},
        "config": {"directives": [{"name": "ErrorLog", "args": [str(blocker / "error.log")],
                                   "file": str(tmp_path / "httpd.conf"), "line": 3, "sections": []}]},
    }
    with pytest.raises(NotApplicable) as exc:
        run(ProbeContext(Options(), facts))
    message = str(exc.value)
    assert message.startswith("no readable error log: ") and str(blocker / "error.log") in message
    assert "does not exist" not in message
