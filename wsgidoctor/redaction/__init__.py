"""Redaction building blocks: which names and values are secret, and who and where the report is about.

The public entry point is :func:`wsgidoctor.redaction.redact.redact_report`; the modules here each do one job:
:mod:`.names` (is this variable name secret?), :mod:`.shapes` (does this value look like a secret?),
:mod:`.secrets` (find and blank secrets in free text), :mod:`.identity` (consistent placeholders for
host names, IP addresses and user names), :mod:`.scan` (regular-expression scans of long texts
tried only where a match can start) and :mod:`.walk` (apply a function to every string of a
report).
"""

#: What replaces a secret value. The name it was assigned to is kept.
MARKER = "<redacted>"
