"""Values that look like secrets whatever name they carry, and values that are never secrets.

Shapes: AWS access key ids, JSON Web Tokens, well-known vendor token prefixes, PEM private key
blocks, long hexadecimal strings and long random-looking base64 strings. The last two are checked
for mixed character classes and entropy so that paths and identifiers are left alone.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Callable, Optional

from wsgidoctor.redaction import MARKER
from wsgidoctor.core.lazyre import lazy_re

AWS_KEY_ID = lazy_re(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])")
JWT = lazy_re(r"(?<![\w-])eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
VENDOR_TOKEN = lazy_re(
    r"(?<![\w-])(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_-]{20,}"
    r"|xox[abprse]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}"
    r"|AIza[A-Za-z0-9_-]{35}|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}|npm_[A-Za-z0-9]{36})"
)
PRIVATE_KEY_BLOCK = lazy_re(
    r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----.*?(?:-----END (?P=kind)-----|\Z)",
    re.DOTALL,
)
HEX_RUN = lazy_re(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")
B64_RUN = lazy_re(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])")

#: Values that are never worth hiding: switches and empty words.
_TRIVIAL = frozenset({"", "on", "off", "true", "false", "yes", "no", "none", "null", "nil", "0", "1",
                      "-", "*", "unset", "undefined",
                      # configure's --enable-auth-basic=shared and friends
                      "shared", "static", "most", "all", "reallyall", "few",
                      # authorization schemes: the word before the credentials
                      "basic", "bearer", "digest", "negotiate", "ntlm", "token"})
#: A reference to some other value: a regex group, an environment or Apache variable.
_REFERENCE = lazy_re(r"^(?:\$\d+|\$\{[^}]*\}|%\{[^}]*\}|\$[A-Za-z_]\w*|%[A-Za-z_]\w*%)$")
#: A path segment: lower case with a real word in it (``site-packages``, ``python3.11``).
_PATH_SEGMENT = lazy_re(r"^[a-z0-9._+-]*[a-z]{4,}[a-z0-9._+-]*$")
#: Words inside an identifier: ``TargetRegisterInfo`` -> Target, Register, Info.
_WORD_TOKEN = lazy_re(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def is_trivial(value: str) -> bool:
    """True for values that carry no secret: switches, references like ``$1`` or ``${VAR}``."""
    v = value.strip().strip("\"'").strip()
    return v.lower() in _TRIVIAL or MARKER in v or bool(_REFERENCE.match(v))


def _hex_is_secret(run: str) -> bool:
    return any(c.isdigit() for c in run) and any(c.isalpha() for c in run)


def _wordiness(text: str) -> float:
    """The share of ``text`` made of words of four or more letters (random strings have few)."""
    return sum(len(t) for t in _WORD_TOKEN.findall(text) if len(t) >= 4) / max(1, len(text))


def _b64_is_secret(run: str) -> bool:
    body = run.rstrip("=")
    if body.startswith("/"):
        return False  # an absolute path; a random standard-base64 string starts so 1 time in 64
    segments = body.split("/")
    if len(segments) > 1 and any(_PATH_SEGMENT.match(s) for s in segments):
        return False  # lib/python3.11/site-packages/...
    if not (any(c.isupper() for c in body) and any(c.islower() for c in body)
            and any(c.isdigit() for c in body)):
        return False
    return _wordiness(body) < 0.5 and entropy(body) >= 4.0


#: (rule id, pattern, check on the matched text or None): secret shapes found in free text.
SHAPES: tuple[tuple[str, "re.Pattern[str]", Optional[Callable[[str], bool]]], ...] = (
    ("private-keys", PRIVATE_KEY_BLOCK, None),
    ("token-shapes", JWT, None),
    ("token-shapes", AWS_KEY_ID, None),
    ("token-shapes", VENDOR_TOKEN, None),
    ("token-shapes", HEX_RUN, _hex_is_secret),
    ("token-shapes", B64_RUN, _b64_is_secret),
)


def looks_secret(value: str) -> bool:
    """True when the whole of ``value`` (or a part of it) has the shape of a secret."""
    for _, pattern, check in SHAPES:
        for m in pattern.finditer(value):
            if check is None or check(m.group(0)):
                return True
    return False
