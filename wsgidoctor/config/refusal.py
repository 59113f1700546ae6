"""A configuration Apache refuses is always an error finding.

``httpd -t`` (pasted) and ``httpd -M`` (run by ``check``) read the whole configuration; their
errors become ``apache.configtest.errors`` (wsgidoctor/apache/parse_configtest.py), each already
classified by the one message classifier. This rule gives every error that no more specific rule
reports exactly one finding: the finding of its event where the event has one (the same id and
fix as when the message is seen in an error log), ``directive-wrong-context`` for a directive in
the wrong section, and otherwise ``apache-config-rejected`` with the likely cause. Each names the
message, the file and line and the Include chain. A non-zero exit of ``httpd -M`` without any
parsable message is a refusal too - when it is Apache's: a binary that did not answer as Apache
httpd (``install.httpd_identified`` false) refuses nothing.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from wsgidoctor.apache import rules as apache_rules
from wsgidoctor.apache.rules import where_included
from wsgidoctor.apache.unreadable import refusing_errors, unreadable_by_wsgidoctor
from wsgidoctor.config.rules import CONFIG_REJECTED, WRONG_CONTEXT
from wsgidoctor.core import facts as F
from wsgidoctor.core.catalogue import FindingSpec, rule
from wsgidoctor.core.model import Evidence, Finding, Severity
from wsgidoctor.errorlog import rules as log_rules
from wsgidoctor.linkage import rules as linkage_rules
from wsgidoctor.linkage.rules import MAGIC, NOT_FOUND
from wsgidoctor.mutex import rules as mutex_rules
from wsgidoctor.core.lazyre import lazy_re

_WRONG_CONTEXT = lazy_re(r"cannot occur within|not allowed here|not allowed in", re.I)

#: (pattern of the message, the likely cause) for refusals without a finding of their own.
_CAUSES = (
    (lazy_re(r"Could not open configuration file .*No such file", re.I),
     "An Include (or the main configuration) names a file that does not exist; `IncludeOptional` "
     "accepts a missing file or an empty wildcard."),
    (lazy_re(r"not a regular file|Bad file descriptor|Could not open configuration file", re.I),
     "An Include names something Apache cannot read as a configuration file (a device such as "
     "/dev/zero, a directory entry it may not read, or a file without permission)."),
    (lazy_re(r"^Invalid command '", re.I),
     "Apache does not know this directive here: it is misspelled (a stray character, or a NUL byte "
     "cutting the line short), or the module that provides it is not loaded before this line."),
    (lazy_re(r"takes (?:one|two|three|\d+) argument|requires|must be|expected", re.I),
     "The directive's arguments are wrong (count, quoting, or an unsupported value)."),
    (lazy_re(r"without matching|closing|</\w+> directive missing|Expected </", re.I),
     "A <Section> is not closed, or is closed twice."),
)


def _cause(message: str) -> str:
    for pattern, cause in _CAUSES:
        if pattern.search(message):
            return cause
    return ""


def _explained_elsewhere(err: Mapping[str, Any], facts: dict[str, Any]) -> bool:
    if apache_rules.explains_configtest_error(dict(err)) or mutex_rules.explains_configtest_error(dict(err)):
        return True
    if _WRONG_CONTEXT.search(str(err.get("message") or "")):
        # config/rules.py's directive_wrong_context reports it from the configuration read
        return any(isinstance(d, Mapping) and d.get("file") == err.get("file") and d.get("line") == err.get("line")
                   and d.get("sections") for d in F.get(facts, "config.directives") or ())
    return False


#: An error whose cause another area's rule reports from its own examination (no second finding).
SKIP = (CONFIG_REJECTED, "", None)


def _event_finding(err: Mapping[str, Any], facts: dict[str, Any]) -> Optional[tuple[FindingSpec, str, Optional[str]]]:
    """The finding of the error's event, as an error log would give it: (spec, why, fix)."""
    event, fields = err.get("event"), err.get("fields") or {}
    if event in log_rules.SIMPLE_EVENTS:
        spec, meaning = log_rules.SIMPLE_EVENTS[event]
        return spec, meaning[:1].upper() + meaning[1:] + ".", None
    if event == "module-undefined-symbol":
        if fields.get("owner") == "python" and any(linkage_rules.needs_loadfile(facts)):
            return SKIP  # the linkage examination names this cause: libpython-needs-loadfile
        why, fix = log_rules.undefined_symbol(fields, facts)
        return log_rules.UNDEFINED_SYMBOL, why, fix
    if event == "libpython-missing":
        if any(linkage_rules.libpython_not_found(facts)):
            return SKIP  # the linkage examination reports it, with where the loader looked
        return NOT_FOUND, f"The loader cannot find {fields.get('library', 'the Python library')}.", None
    if event == "module-load-denied":
        return log_rules.LOAD_DENIED, "The loader may not read or map the file.", None
    if event == "module-incompatible":
        return MAGIC, "The module was built for another Apache.", None
    if event == "libpython-static":
        why, fix = log_rules.static_libpython(fields)
        return linkage_rules.STATIC, why, fix
    if event == "module-load-failed":
        return log_rules.LOAD_FAILED, "", None
    if event == "mod-python-conflict":
        return log_rules.MOD_PYTHON_CONFLICT, "", None
    return None


@rule
def configuration_refused(facts: dict[str, Any]) -> Iterable[Finding]:
    if F.get(facts, "install.httpd_identified") is False:
        return  # not Apache answering (install's httpd-command-failed says so): nothing refused
    unreadable = unreadable_by_wsgidoctor(facts)
    errors = refusing_errors(facts)
    grouped: dict[str, tuple[FindingSpec, list[str], list[Evidence], str, Optional[str]]] = {}
    for err in errors:
        if _explained_elsewhere(err, facts):
            continue
        message = str(err.get("message") or "")
        place = f"at {where_included(dict(err))}: \"{message}\""
        evidence = [Evidence(str(err.get("file") or "httpd -t"), message, err.get("line"))]
        evidence += [Evidence(str(c.get("file")), "Include", c.get("line"))
                     for c in err.get("included_from") or () if isinstance(c, Mapping)]
        found = _event_finding(err, facts)
        if found is SKIP:
            continue
        if found:
            spec, why, fix = found
        elif _WRONG_CONTEXT.search(message):
            spec, why, fix = WRONG_CONTEXT, "", None
        else:
            spec, why, fix = CONFIG_REJECTED, _cause(message), None
        key = spec.id if found else f"{spec.id}:{place}"  # one finding per cause, every place in it
        if key in grouped:
            grouped[key][1].append(place)
            grouped[key][2].extend(evidence)
        else:
            grouped[key] = (spec, [place], evidence, why, fix)
    for spec, places, evidence, why, fix in grouped.values():
        # A refused configuration is an error whatever the cause's usual severity.
        yield spec.make(f"Apache refuses the configuration {'; '.join(places)} {why}".strip(), evidence, fix=fix,
                        severity=Severity.ERROR)
    if not errors and not unreadable and F.get(facts, "apache.configtest.ok") is False:
        shown = [str(w) for w in F.get(facts, "apache.startup_warnings") or ()][:3]
        yield CONFIG_REJECTED.make(
            "The output says the configuration test failed (\"Action 'configtest' failed\" or the like)"
            + (f"; the lines around it: {' / '.join(shown)}" if shown else "") + ". The message itself is "
            "not in the text: run `apachectl configtest` and read its first error.",
            [Evidence("httpd -t", w) for w in shown] or [Evidence("httpd -t", "configtest failed")])
        return
    read = F.get(facts, "apache.config_read")
    if not errors and not unreadable and isinstance(read, Mapping) and read.get("exit_code") not in (None, 0):
        tail = [str(t) for t in read.get("output_tail") or ()]
        shown = f": {' / '.join(tail)}" if tail else " and printed nothing"
        yield CONFIG_REJECTED.make(
            f"`{read.get('command')}` exited with status {read.get('exit_code')}{shown}. httpd reads the "
            "whole configuration for -M, so a failure there means it refuses the configuration.",
            [Evidence(str(read.get("command")), t) for t in tail] or [Evidence(str(read.get("command")), "")])
