"""Exit codes, documented in the README and in ``wsgidoctor --help``."""

from __future__ import annotations

from typing import Optional

from wsgidoctor.core.model import Severity

HEALTHY = 0  #: no errors, and no warnings unless --fail-on error/never
WARNINGS = 1  #: warnings only (with the default --fail-on warning)
ERRORS = 2  #: at least one error-severity finding
TOOL_FAILED = 3  #: wsgidoctor itself could not run: bad arguments, unreadable input, internal error

FAIL_ON = ("warning", "error", "never")


def for_findings(worst: Optional[Severity], fail_on: str = "warning") -> int:
    """The exit code for a report whose worst non-info finding is ``worst``."""
    if fail_on == "never" or worst is None:
        return HEALTHY
    if worst is Severity.ERROR:
        return ERRORS
    if worst is Severity.WARNING and fail_on == "warning":
        return WARNINGS
    return HEALTHY
