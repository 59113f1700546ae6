"""Make a report safe to post: blank secrets, and optionally replace host and user names.

:func:`redact_report` returns a redacted copy of a :class:`~wsgidoctor.core.model.Report`; the caller
keeps the original. Secrets are always blanked (unless the caller does not call this at all, i.e.
``--no-redact``): passwords, tokens and keys by the name they are assigned to (``SetEnv``,
``Define``, ``export``, ``NAME=value``, option names, fact keys such as ``install.start_env``'s)
and by their shape (credentials in URLs, AWS key ids, JWTs, vendor tokens, long hex/base64
strings, PEM private keys), ``Authorization``/``Cookie`` headers. A value found once is blanked
everywhere it appears. ``hosts=True`` and ``users=True`` also replace host names, IP addresses,
user names and home directories by stable placeholders (see :mod:`wsgidoctor.redaction.identity`).

``report.redaction`` records what was done, never what was removed::

    {"applied": True, "rules": ["secret-names", ...], "replacements": 12, "counts": {...}}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from wsgidoctor.core import lifetime
from wsgidoctor.core.model import Report
from wsgidoctor.redaction import MARKER
from wsgidoctor.redaction.directives import secret_arguments
from wsgidoctor.redaction.names import is_secret_name
from wsgidoctor.redaction.secrets import SecretScrubber
from wsgidoctor.redaction.walk import iter_all_strings, iter_strings, map_report

if TYPE_CHECKING:
    from wsgidoctor.redaction.identity import Identity

__all__ = ["MARKER", "SECRET_RULES", "Identity", "redact_report", "redact_text"]

#: The rules that always run, in the order they are applied.
SECRET_RULES = ("private-keys", "auth-headers", "url-credentials", "secret-directives", "command-lines",
                "secret-names", "token-shapes", "known-values")


def redact_report(report: Report, *, hosts: bool = False, users: bool = False,
                  identity: Optional[Identity] = None) -> Report:
    """A redacted copy of ``report`` (see the module docstring).

    ``identity`` names this machine's host and users; by default it is read from the machine
    (host name, the current user, ``SUDO_USER``). Pass ``Identity()`` for a report made elsewhere.
    """
    secrets = SecretScrubber()
    out = map_report(report, secrets.text, facts=lambda facts: _facts(facts, None, secrets))
    lifetime.checkpoint("redact")  # the first pass done, the known secrets not yet scrubbed
    if secrets.knows_any_of(iter_all_strings(out)):  # else a second copy would be the same
        out = map_report(out, secrets.scrub_known)
    counts: dict[str, int] = dict(secrets.counts)
    rules = list(SECRET_RULES)
    if hosts or users:
        from wsgidoctor.redaction.identity import Identity, IdentityScrubber

        ident = IdentityScrubber(hosts=hosts, users=users,
                                 identity=Identity.from_machine() if identity is None else identity)
        ident.discover_facts(out.facts)
        for text in iter_strings(out):
            ident.discover(text)
        out = map_report(out, ident.text)
        counts.update(ident.counts)
        rules += ident.rules()
    out.redaction = {"applied": True, "rules": rules, "replacements": sum(counts.values()),
                     "counts": {k: counts[k] for k in sorted(counts)}}
    return out


def __getattr__(name: str) -> Any:
    """``Identity`` is imported from here, but its module is only loaded when it is asked for."""
    if name == "Identity":
        from wsgidoctor.redaction.identity import Identity

        return Identity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def redact_text(text: str) -> str:
    """``text`` with its secrets blanked (no host or user replacement)."""
    secrets = SecretScrubber()
    return secrets.scrub_known(secrets.text(text))


def _facts(node: Any, key: Optional[str], secrets: SecretScrubber) -> Any:
    """A copy of the facts with secrets blanked, using dict keys and directive records as names."""
    if isinstance(node, str):  # the most common node first
        if key is not None and is_secret_name(key):
            return secrets.blank_value(key, node)
        return secrets.text(node)
    if isinstance(node, dict):
        name, args = node.get("name"), node.get("args")
        record = isinstance(name, str) and isinstance(args, list)
        out = {}
        for k, v in node.items():
            if record and k == "args":
                out[k] = _directive_args(name, args, secrets)
            elif record and k == "raw" and isinstance(v, str):
                out[k] = _directive_raw(name, v, secrets)
            else:
                out[k] = _facts(v, k if isinstance(k, str) else None, secrets)
        return out
    if isinstance(node, (list, tuple)):
        items = _argv([_facts(v, key, secrets) for v in node], secrets)
        return items if isinstance(node, list) else tuple(items)
    return node


def _directive_args(name: str, args: list[Any], secrets: SecretScrubber) -> list[Any]:
    """The arguments of a directive record ``{"name": "SetEnv", "args": ["DB_PASSWORD", "x"]}``.

    The arguments :func:`~wsgidoctor.redaction.directives.secret_arguments` names (``SetEnv``/``Define``
    values under a secret name, credential headers, ``AuthLDAPBindPassword``...) are blanked; every
    argument also goes through the free-text rules (``SetEnvIf ... TOKEN=x``, ``db-password=x``).
    ``PassEnv`` lists names only, so nothing in it is taken for a value.
    """
    out = [_facts(a, None, secrets) for a in args]
    label = args[0] if name.lower() in ("setenv", "define") and args and isinstance(args[0], str) else name
    for i in secret_arguments(name, args):
        if isinstance(args[i], str) and not args[i].startswith(("exec:", "|")):
            out[i] = secrets.blank_value(label, args[i], "secret-directives", force=True)
    return out


def _directive_raw(name: str, raw: str, secrets: SecretScrubber) -> str:
    """A directive record's argument text, judged with its directive name in front of it."""
    line = secrets.text(f"{name} {raw}")
    return line[len(name) + 1:] if line.startswith(name + " ") else secrets.text(raw)


def _argv(items: list[Any], secrets: SecretScrubber) -> list[Any]:
    """Blank the value that follows a secret name in an argument list.

    Covers ``["--password", "x"]``, ``["--setenv", "DB_PASSWORD", "x"]`` and tokenised directive
    lines ``["SetEnv", "API_TOKEN", "x"]``. A plain list of names (``-D`` defines, ``PassEnv``)
    is left alone: a name is only taken as a variable after ``--setenv``, ``SetEnv`` or ``Define``.
    """
    out = list(items)
    for i in range(len(out) - 1):
        here, nxt = out[i], out[i + 1]
        if not isinstance(here, str) or not isinstance(nxt, str) or nxt.startswith("-") or MARKER in nxt:
            continue
        before = out[i - 1].lower() if i > 0 and isinstance(out[i - 1], str) else ""
        is_option = here.startswith("-") and here.lstrip("-")[:1].isalpha() and "=" not in here
        is_variable = before in ("--setenv", "setenv", "define")
        if (is_option or is_variable) and here.lower() != "--setenv" and is_secret_name(here):
            out[i + 1] = secrets.blank_value(here.lstrip("-"), nxt)
    return out
