"""Find secrets in free text (configs, envvars, command output, logs, finding details) and blank them.

A :class:`SecretScrubber` replaces each secret value with :data:`MARKER`, keeping the name it was
assigned to, and remembers the values it removed so that :meth:`SecretScrubber.scrub_known` can
blank the same value wherever else it appears (a password seen in ``SetEnv`` and again in a
command line). It never raises: any text goes in, text comes out.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple, Optional, Sequence
from urllib.parse import quote, unquote

from wsgidoctor.redaction import MARKER
from wsgidoctor.redaction.directives import SECRET_FROM, STRONG_WORDS, may_take_secrets, secret_arguments
from wsgidoctor.core.lazyre import lazy_re
from wsgidoctor.redaction.names import (DROPPED_NAME_WORDS, NAME_WORDS, NOT_ALNUM, is_location_of_secret,
                                        is_secret_name)
from wsgidoctor.redaction.shapes import (B64_RUN, HEX_RUN, PRIVATE_KEY_BLOCK, SHAPES, VENDOR_TOKEN, is_trivial,
                                         looks_secret)

_AUTH_SCHEME = r"(?:Basic|Bearer|Digest|Token|Negotiate|NTLM|AWS4-HMAC-SHA256)"
#: One unquoted word. A backtick ends it only when nothing follows, so that a value quoted in a
#: Markdown code span (`SetEnv X secret`) keeps its closing backtick.
_WORD = r"(?:[^\s`]|`(?=[^\s`]))+"
_QUOTED = r'"(?:[^"\\\n]|\\.)*"?|\'(?:[^\'\\\n]|\\.)*\'?'

#: ``Authorization: Basic ...``, ``Cookie: ...``: the value runs to the end of the line.
_HEADER = lazy_re(
    r"(?im)(?<![\w-])(?P<head>(?:Proxy-)?Authorization|Set-Cookie|Cookie|X-Api-Key|X-Auth-Token"
    r"|X-Amz-Security-Token)(?P<sep>[ \t]*:[ \t]*)(?P<scheme>" + _AUTH_SCHEME + r"[ \t]+)?"
    r"(?P<value>(?:[^\r\n`]|`(?=[^\s`]))*[^\s`])")
#: ``scheme://user:password@host``; the password may itself contain ``@`` or ``:``.
_URL_USERINFO = lazy_re(
    r"(?P<scheme>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://)(?P<user>[^\s:/?#@'\"<>\[\]]*)"
    r"(?::(?P<password>[^\s/?#'\"<>]*))?@(?=[^\s/?#@'\"<>]+)")
#: ``SetEnv NAME value`` and ``Define NAME value`` (value quoted or one word).
_DIRECTIVE = lazy_re(
    r"(?i)(?<![\w-])(?P<head>(?:SetEnv|Define)[ \t]+(?P<name>\"[^\"\n]*\"|[^\s\"]+)[ \t]+)"
    r"(?P<value>" + _QUOTED + r"|" + _WORD + r")")
#: mod_wsgi-express ``--setenv NAME value``.
_SETENV_FLAG = lazy_re(
    r"(?<![\w-])(?P<head>--setenv[ \t]+(?P<name>\S+)[ \t]+)(?P<value>" + _QUOTED + r"|" + _WORD + r")")
#: ``NAME=value``, ``NAME = value``, ``"name": "value"``, ``'NAME': 'value'``, ``name => value``,
#: ``API_KEY: value``. A bare lower-case word before a colon is prose ("the token: mod_wsgi"), not
#: an assignment, so ``name: value`` needs the name quoted or shaped like a variable.
_ASSIGN_HEAD = lazy_re(
    r"(?P<q>[\"']?)(?<![\w.-])(?P<name>-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)(?P=q)"
    r"(?P<sep>[ \t]*=>?[ \t]*|[ \t]*:[ \t]+|[ \t]*:(?=[\"']))")
_VARIABLE_SHAPED = lazy_re(r"^-{0,2}(?:[A-Z][A-Z0-9]*|\w*[_.-]\w*|[A-Za-z][a-z0-9]+[A-Z]\w*)$")
#: A value that is code, not a literal: a call or a subscript (``os.getenv(``, ``os.environ[``).
_EXPRESSION = lazy_re(r"[A-Za-z_][\w.]*[(\[]$")
_LITERAL = lazy_re(_QUOTED)
_ASSIGN_VALUE = lazy_re(
    r"(?P<scheme>" + _AUTH_SCHEME + r"[ \t]+)?(?P<value>" + _QUOTED + r"|[^\s'\"&<>{}\[\]()`](?:[^\s'\"&<>`]|`(?=[^\s'\"&<>`]))*)")
_ALREADY_BLANK = lazy_re(r"(?:" + _AUTH_SCHEME + r"[ \t]+)?[\"']?" + re.escape(MARKER))
#: ``--password value`` (the ``=`` form is an assignment).
_FLAG = lazy_re(r"(?<![\w-])(?P<head>--?(?P<name>[A-Za-z][\w-]*)[ \t]+)(?P<value>" + _QUOTED + r"|(?!-)" + _WORD + r")")

#: A directive known to take secrets (or a header directive), anywhere in a line: the arguments
#: follow. ``Header``'s arguments are judged by :func:`~wsgidoctor.redaction.directives.secret_arguments`.
_KNOWN_DIRECTIVE = lazy_re(
    r"(?i)(?<![\w-])(?P<name>RequestHeader|Header|" + "|".join(sorted(SECRET_FROM, key=len, reverse=True))
    + r")(?P<rest>(?:[ \t]+(?:" + _QUOTED + r"|" + _WORD + r"))+)")
#: Any directive-shaped name (CamelCase, two words or more) at the start of a line, with arguments.
_LINE_DIRECTIVE = lazy_re(
    r"(?m)^(?P<lead>[ \t>*`'\"+-]*)(?P<name>[A-Za-z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*)"
    r"(?P<rest>(?:[ \t]+(?:" + _QUOTED + r"|" + _WORD + r"))+)")
_ARGUMENT = lazy_re(_QUOTED + r"|" + _WORD)
#: Words (lower case) a directive name that may take a secret contains: checked before the per-line rule runs.
_DIRECTIVE_WORDS = ("password", "passwd", "passphrase", "secret", "token", "credential", "apikey", "privatekey")

#: Credentials on command lines: ``mysqldump -pSECRET``, ``sshpass -p SECRET``, ``redis-cli -a SECRET``,
#: ``curl -u user:SECRET``, ``htpasswd -b file user SECRET``, ``openssl ... -passin pass:SECRET``.
_COMMAND_LINES = (
    lazy_re(r"(?<![\w.-])(?:[\w./-]*/)?(?:mysql[\w-]*|mariadb[\w-]*)\b[^\n;|&]*?[ \t]-p(?P<value>"
               + _QUOTED + r"|[^\s'\"`;|&]+)"),
    lazy_re(r"(?<![\w.-])sshpass[ \t]+(?:-\w+[ \t]+)*?-p[ \t]*(?P<value>" + _QUOTED + r"|[^\s'\"`]+)"),
    lazy_re(r"(?<![\w.-])redis-cli\b[^\n;|&]*?[ \t](?:-a|--pass)[ \t]+(?P<value>" + _QUOTED + r"|[^\s'\"`]+)"),
    lazy_re(r"(?<![\w-])(?:-u|--user|--proxy-user|-U)[ \t]+['\"]?[^\s:'\"/]+:(?P<value>[^\s'\"`]+)"),
    lazy_re(r"(?<![\w.-])htpasswd[ \t]+(?:-[A-Za-z]*b[A-Za-z]*)[ \t]+(?:-\w+[ \t]+)*\S+[ \t]+\S+[ \t]+(?P<value>"
               + _QUOTED + r"|[^\s'\"`]+)"),
    lazy_re(r"(?<![\w-])-pass(?:in|out)?[ \t]+['\"]?pass:(?P<value>[^\s'\"`]+)"),
)
_COMMAND_HINTS = ("mysql", "mariadb", "sshpass", "redis-cli", "-u", "--user", "-U", "htpasswd", "pass:")
#: For each pattern of _COMMAND_LINES, literals one of which its match contains (a pass over a long
#: log per pattern costs; a substring test costs nothing).
_COMMAND_GATES = (("mysql", "mariadb"), ("sshpass",), ("redis-cli",), (" -u", "\t-u", "--user", "--proxy-user", " -U"),
                  ("htpasswd",), ("pass:",))
#: Python putting a secret in a mapping or the environment: ``os.environ["DB_PASSWORD"] = "x"``,
#: ``settings['API_KEY'] = x``, ``os.environ.setdefault("TOKEN", "x")``, ``os.getenv("PW", "x")``.
_PY_SUBSCRIPT = lazy_re(
    r"\[[ \t]*(?P<q>['\"])(?P<name>[^'\"\n\]]+)(?P=q)[ \t]*\][ \t]*=(?!=)[ \t]*(?P<value>" + _QUOTED + r")")
_PY_CALL = lazy_re(
    r"(?:setdefault|putenv|getenv|get)\([ \t]*(?P<q>['\"])(?P<name>[^'\"\n]+)(?P=q)[ \t]*,[ \t]*(?P<value>" + _QUOTED + r")")
#: Query parameters of a URL that hold a credential though their name is short (``?key=``, ``&sig=``).
_URL_QUERY = lazy_re(r"(?<=[?&;])(?P<name>[A-Za-z_][\w.-]*)=(?P<value>[^&#\s'\"<>`]+)")
_QUERY_SECRETS = frozenset({"key", "sig", "signature", "x-amz-signature", "code", "access_token", "auth"})

_URL_START = lazy_re(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s:/@]*:)?")
_SCHEME_PREFIX = lazy_re(_AUTH_SCHEME + r"[ \t]+")

_HEADER_HINTS = ("authorization", "cookie", "x-api-key", "x-auth-token", "x-amz-security-token")
#: Some word every secret variable name contains (a superset of names.is_secret_name).
_NAME_WORDS = NAME_WORDS
#: The shape rules with literals one of which their matches must contain (None: always run).
_SHAPES_WITH_HINTS = [(rule, pattern, check, hints) for (rule, pattern, check), hints in zip(SHAPES[1:], (
    ("eyJ",), ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"),
    ("gh", "github_pat_", "glpat-", "xox", "k_live_", "k_test_", "sk-", "AIza", "SG.", "npm_"), None, None))]

#: The shape rules no literal announces: hex and base64 runs.
_RUN_SHAPES = [(rule, pattern, check) for rule, pattern, check, hints in _SHAPES_WITH_HINTS if hints is None]
#: The shortest text a nameless shape rule (hex and base64 runs) can match.
_SHORTEST_SHAPE = 32
#: What redacting a text did besides returning it: the rule counted (or None) and the values to hunt.
_Effect = tuple[Optional[str], tuple[str, ...]]


def _worth_hunting(value: str) -> bool:
    """True when a secret is distinctive enough to blank wherever else it appears.

    A short plain word ("main", "admin") found under a secret name is blanked there, but hunting
    it through the whole report would blank every "main_thread" and "/work/main/" as well.
    """
    if len(value) >= 8:
        return True
    return len(value) >= 5 and not value.isalpha() and not value.isdigit()



def _unquote(value: str) -> str:
    if len(value) >= 1 and value[0] in "\"'":
        inner = value[1:-1] if len(value) >= 2 and value[-1] == value[0] else value[1:]
        return inner.replace("\\" + value[0], value[0])
    return value


def _blank(value: str) -> str:
    """The value with its secret replaced, keeping the quotes and an authorization scheme word."""
    if value[:1] in "\"'":
        closing = value[0] if len(value) >= 2 and value[-1] == value[0] else ""
        scheme = _SCHEME_PREFIX.match(value, 1)
        return value[0] + (scheme.group(0) if scheme else "") + MARKER + closing
    scheme = _SCHEME_PREFIX.match(value)  # an unquoted argument "Basic dXNlcjpwYXNz" of a directive record
    return (scheme.group(0) if scheme and scheme.end() < len(value) else "") + MARKER


class SecretScrubber:
    """Blanks secrets in text and remembers them (never their names' places: only the values)."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.counts: Counter[str] = Counter()
        self._known: Optional[re.Pattern[str]] = None
        #: text -> (its redaction, what finding its secrets recorded): a report holds the same
        #: strings many times (paths, directive names, a value in the facts and in a raw output).
        self._memo: dict[str, tuple[str, tuple[_Effect, ...]]] = {}
        self._effects: Optional[list[_Effect]] = None  # where the text being redacted records its secrets

    # --- recording ---------------------------------------------------------------------------
    def remember(self, value: str, rule: str) -> None:
        """Count one replacement and keep ``value`` for :meth:`scrub_known`."""
        value = _unquote(value).strip()
        scheme = _URL_START.match(value)
        if scheme:  # hunt for what follows "scheme://user:", not for the scheme itself
            value = value[scheme.end():]
        hunted: tuple[str, ...] = ()
        if value and MARKER not in value and not is_trivial(value):
            hunted = tuple(v for v in {value, unquote(value), quote(value, safe="")} if _worth_hunting(v))
        self._record((rule, hunted))

    def _record(self, effect: _Effect) -> None:
        """Count a replacement (``rule`` None: none) and keep the values to hunt."""
        rule, hunted = effect
        if rule is not None:
            self.counts[rule] += 1
        self.found.update(hunted)
        self._known = None
        if self._effects is not None:
            self._effects.append(effect)

    def secret_value(self, name: str, value: str) -> bool:
        """True when ``value`` assigned to ``name`` must be blanked."""
        if is_trivial(value) or is_location_of_secret(name, value):
            return False
        return is_secret_name(name) or looks_secret(value)

    def blank_value(self, name: str, value: str, rule: str = "secret-names", force: bool = False) -> str:
        """``value`` (a whole fact or argument) blanked if ``name`` (or ``force``) or its shape says it is secret."""
        if not isinstance(value, str) or is_trivial(value) or is_location_of_secret(name, value):
            return value
        if force or is_secret_name(name):
            self.remember(value, rule)
            return _blank(value)
        return self.text(value)

    # --- free text -----------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """``text`` with every secret found by the rules blanked."""
        if not text:
            return text
        memo = self._memo.get(text)
        if memo is not None:  # the same text again: the same result, the same secrets counted again
            for effect in memo[1]:
                self._record(effect)
            return memo[0]
        outer, self._effects = self._effects, []
        try:
            out = self._scan(text)
            effects = tuple(self._effects)
        finally:
            self._effects = outer
        if outer is not None:
            outer.extend(effects)
        self._memo[text] = (out, effects)
        return out

    def _scan(self, text: str) -> str:
        low = text.lower()
        hinted = _ANY_HINT.search(low) is not None  # one search decides for most strings
        if not hinted and len(text) < _SHORTEST_SHAPE:
            return text
        # Every rule but the private-key one changes text within one line only, and only a line
        # holding certain literals: the rule is given only such lines, if any (see _LineRules).
        lines = _LineRules() if text.isascii() else _WholeText
        if not hinted:  # only the hex and base64 runs can be there
            for rule, pattern, check in _RUN_SHAPES:
                text = _runs(lines, text, _RUN_NEEDS[pattern]).sub(pattern, self._shape(rule, check))
            return text
        # cheap literal checks first: most rules need a word most texts lack
        if "-----begin" in low:
            text = PRIVATE_KEY_BLOCK.sub(self._private_key, text)
        if any(map(low.__contains__, _HEADER_HINTS)):
            text = lines(text, _Need(_HEADER_HINTS, fold=True)).sub(_HEADER, self._header)
        if "://" in text:
            text = lines(text, _Need(("@",)), _Need(("://",))).sub(_URL_USERINFO, self._userinfo)
        if "setenv" in low or "define" in low:
            text = lines(text, _SECRET_NAME, _Need(("setenv", "define"), fold=True), _BLANK).sub(
                _DIRECTIVE, self._named(lambda m: _unquote(m.group("name")), "secret-names"))
            text = lines(text, _SECRET_NAME, _Need(("--setenv",)), _BLANK).sub(
                _SETENV_FLAG, self._named(lambda m: m.group("name"), "secret-names"))
        if "header" in low or any(map(low.__contains__, SECRET_FROM)):
            text = lines(text, _KNOWN_DIRECTIVE_NEED).sub(_KNOWN_DIRECTIVE, self._directive)
        if any(map(low.__contains__, _DIRECTIVE_WORDS)):
            # a line directive is changed only when secret_arguments names an argument: its name
            # (ASCII letters, digits, "_") is SetEnv/Define, a header directive, one of SECRET_FROM
            # or has a word of directives.STRONG_WORDS once its "_" are dropped; and the name is the
            # line's first word
            text = lines(text, _Need(_LINE_DIRECTIVE_WORDS, fold=True, drop="_"), _BLANK,
                         line_test=_may_be_secret_directive_line).sub(_LINE_DIRECTIVE, self._directive)
        for pattern, gates, literals in zip(_COMMAND_LINES, _COMMAND_GATES, _COMMAND_LITERALS):
            if any(map(text.__contains__, gates)):
                text = lines(text, _Need(literals)).sub(pattern, self._value_group("command-lines"))
        if "?" in text and "=" in text:
            text = lines(text, _QUERY_NAME, _Need(("=",))).sub(_URL_QUERY, self._query)
        if any(map(low.__contains__, _NAME_WORDS)):
            if "[" in text:
                text = lines(text, _SECRET_NAME, _Need(("[",))).sub(
                    _PY_SUBSCRIPT, self._value_group("secret-names", named=True))
            if "(" in text:
                text = lines(text, _SECRET_NAME, _Need(("get(", "getenv(", "setdefault(", "putenv("))).sub(
                    _PY_CALL, self._value_group("secret-names", named=True))
            text = lines(text, _SECRET_NAME, _Need(("=", ":"))).apply(self._assignments)
            text = lines(text, _SECRET_NAME, _Need(("-",)), _BLANK).sub(_FLAG, self._flag)
        for rule, pattern, check, hints in _SHAPES_WITH_HINTS:
            if hints is None:  # a run of 32 characters of a class
                text = _runs(lines, text, _RUN_NEEDS[pattern]).sub(pattern, self._shape(rule, check))
            elif any(map(text.__contains__, hints)):
                text = lines(text, _Need(_SHAPE_LITERALS.get(pattern, hints))).sub(
                    pattern, self._shape(rule, check))
        return text

    def _private_key(self, m: "re.Match[str]") -> str:
        self.remember(m.group(0), "private-keys")
        # so that a key quoted line by line is caught too
        self._record((None, tuple(line.strip() for line in m.group(0).splitlines()[1:]
                                  if len(line.strip()) >= 16 and not line.startswith("-----"))))
        kind = m.group("kind")
        return f"-----BEGIN {kind}-----\n{MARKER}\n-----END {kind}-----"

    def _header(self, m: "re.Match[str]") -> str:
        value = m.group("value")
        if MARKER in value or ("ookie" in m.group("head") and "=" not in value):
            return m.group(0)  # a cookie header always holds name=value; "magic cookie: 0x4150..." does not
        self.remember(value, "auth-headers")
        return m.group("head") + m.group("sep") + (m.group("scheme") or "") + MARKER

    def _userinfo(self, m: "re.Match[str]") -> str:
        user, password = m.group("user"), m.group("password")
        if password is not None:
            if not password or password == MARKER or is_trivial(password):
                return m.group(0)
            self.remember(password, "url-credentials")
            return f"{m.group('scheme')}{user}:{MARKER}@"
        if len(user) >= 16 and looks_secret(user) or user.startswith(("ghp_", "github_pat_", "glpat-")):
            self.remember(user, "url-credentials")
            return f"{m.group('scheme')}{MARKER}@"
        return m.group(0)

    def _directive(self, m: "re.Match[str]") -> str:
        """A directive and its arguments, the secret ones blanked (see :mod:`.directives`)."""
        name, rest = m.group("name"), m.group("rest")
        if not may_take_secrets(name):  # secret_arguments would name none: no need to split the arguments
            return m.group(0)
        tokens = list(_ARGUMENT.finditer(rest))
        secret = secret_arguments(name, [_unquote(t.group(0)) for t in tokens])
        edits = []
        for i in secret:
            if i >= len(tokens):
                continue
            token = tokens[i].group(0)
            value = _unquote(token)
            if (is_trivial(value) or is_location_of_secret(name, value) or value.startswith(("exec:", "|"))
                    or value.startswith("$") and name.lower() not in SECRET_FROM):
                continue
            self.remember(token, "secret-directives")
            edits.append((tokens[i].start(), tokens[i].end(), _blank(token)))
        if not edits:
            return m.group(0)
        start = m.start("rest") - m.start()
        return m.group(0)[:start] + _splice(rest, edits)

    def _value_group(self, rule: str, named: bool = False) -> Callable[["re.Match[str]"], str]:
        """Blank the ``value`` group of a match (when ``named``, only if its ``name`` group is secret)."""
        def repl(m: "re.Match[str]") -> str:
            value = m.group("value")
            if is_trivial(value) or value.startswith(MARKER):
                return m.group(0)
            if named and not (is_secret_name(m.group("name")) and self.secret_value(m.group("name"), value)):
                return m.group(0)
            self.remember(value, rule)
            start, end = m.start("value") - m.start(), m.end("value") - m.start()
            return m.group(0)[:start] + _blank(value) + m.group(0)[end:]
        return repl

    def _query(self, m: "re.Match[str]") -> str:
        name, value = m.group("name"), m.group("value")
        if not (name.lower() in _QUERY_SECRETS or is_secret_name(name)) or is_trivial(value) or len(value) < 4:
            return m.group(0)
        self.remember(value, "url-credentials")
        return f"{name}={MARKER}"

    def _named(self, name_of: Callable[["re.Match[str]"], str], rule: str) -> Callable[["re.Match[str]"], str]:
        def repl(m: "re.Match[str]") -> str:
            name, value = name_of(m), m.group("value")
            if not is_secret_name(name) or not self.secret_value(name, value):
                return m.group(0)
            self.remember(value, rule)
            return m.group("head") + _blank(value)
        return repl

    def _flag(self, m: "re.Match[str]") -> str:
        name, value = m.group("name"), m.group("value")
        if name.lower() == "setenv" or not is_secret_name(name) or not self.secret_value(name, value):
            return m.group(0)
        self.remember(value, "secret-names")
        return m.group("head") + _blank(value)

    def _assignments(self, text: str) -> str:
        edits: list[tuple[int, int, str]] = []
        last = 0
        for head in _ASSIGN_HEAD.finditer(text):
            name = head.group("name")
            if head.start() < last or not is_secret_name(name):
                continue
            if ":" in head.group("sep") and not head.group("q") and not _VARIABLE_SHAPED.match(name):
                continue
            m = _ASSIGN_VALUE.match(text, head.end())
            if m is None or _ALREADY_BLANK.match(text, head.end()):
                continue
            value = m.group("value")
            if _EXPRESSION.search(value):
                last = self._expression_literals(text, m.start("value"), edits)
                continue
            if not self.secret_value(head.group("name"), value):
                continue
            self.remember(value, "secret-names")
            edits.append((m.start("value"), m.end("value"), _blank(value)))
            last = m.end()
        return _splice(text, edits)

    def _expression_literals(self, text: str, start: int, edits: list[tuple[int, int, str]]) -> int:
        """A secret name assigned an expression (``PW = os.getenv("PW", "default")``, ``PW = f() or
        "x"``): its string literals are blanked, except a call's or a subscript's first argument
        (the name of a variable or a key). Where the statement ends."""
        end = len(text)
        for stop in ("\n", ";"):
            found = text.find(stop, start)
            if found != -1:
                end = min(end, found)
        for lit in _LITERAL.finditer(text, start, end):
            before = text[start:lit.start()].rstrip()
            value = lit.group(0)
            if before.endswith(("(", "[")) or MARKER in value or is_trivial(_unquote(value)):
                continue
            self.remember(value, "secret-names")
            edits.append((lit.start(), lit.end(), _blank(value)))
        return end

    def _shape(self, rule: str, check: Optional[Callable[[str], bool]]) -> Callable[["re.Match[str]"], str]:
        def repl(m: "re.Match[str]") -> str:
            if check is not None and not check(m.group(0)):
                return m.group(0)
            self.remember(m.group(0), rule)
            return MARKER
        return repl

    # --- second pass ---------------------------------------------------------------------------
    def knows_any_of(self, texts: Iterable[str]) -> bool:
        """True when one of ``texts`` holds a secret value found so far (:meth:`scrub_known` would change it)."""
        if not self.found:
            return False
        # one search over all of them: a separator no secret holds stands for the edges of each text,
        # so a value found inside one text is found in the whole, and the search costs one pass
        return self._known_pattern().search("\x00".join(texts)) is not None

    def _known_pattern(self) -> "re.Pattern[str]":
        if self._known is None:
            # a short secret only as a whole word: "pass1" must not eat "pass1word". One trie for
            # all: the longest value found at a place wins, and every long one is longer than every
            # short one. Its first characters, the trie's first branches, let the engine skip the
            # places no value starts at (a look-behind first made it try every place).
            self._known = re.compile(_trie_pattern(self.found, whole_words_below=_SHORT_SECRET))
        return self._known

    def scrub_known(self, text: str) -> str:
        """``text`` with every secret value found so far blanked wherever it appears."""
        if not self.found or not text:
            return text
        out, n = self._known_pattern().subn(MARKER, text)
        if n:
            self.counts["known-values"] += n
        return out


#: A found secret shorter than this is blanked elsewhere only as a whole word.
_SHORT_SECRET = 8


def _trie_pattern(values: Iterable[str], whole_words_below: int = 0) -> str:
    """A regex matching any of ``values``, longest first, as a trie: its cost per position grows
    with the length of a match, not with the number of values (a plain alternation of a thousand
    secrets made an 8 MB report take a minute). A value shorter than ``whole_words_below`` matches
    only where no letter, digit or "_" is on either side of it."""
    trie: dict = {}
    for v in values:
        node = trie
        for ch in v:
            node = node.setdefault(ch, {})
        node[""] = {}

    # Built from the leaves up without recursion: one found value may be thousands of characters
    # long (a cookie, a key), deeper than Python's recursion limit.
    built: dict[int, str] = {}
    stack: list[tuple[dict, int, bool]] = [(trie, 0, False)]
    while stack:
        node, depth, children_built = stack.pop()
        if not children_built:
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for ch, child in node.items() if ch)
            continue
        branches = [_escape(ch) + built.pop(id(child)) for ch, child in sorted(node.items()) if ch]
        if "" in node and depth < whole_words_below:
            # the value ends here: the character before its first one (depth back) and the next
            # one are no word characters
            branches.append(rf"(?<![A-Za-z0-9_][\s\S]{{{depth}}})(?![A-Za-z0-9_])")
        if not branches:
            built[id(node)] = ""
            continue
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        built[id(node)] = f"(?:{body})?" if "" in node and depth >= whole_words_below else body
    return built[id(trie)]


def _escape(ch: str) -> str:
    """``re.escape(ch)`` for one character (letters, digits and "_" are never escaped: the common case)."""
    return ch if ch.isalnum() or ch == "_" else re.escape(ch)


#: Literals one of which each match of VENDOR_TOKEN holds (narrower than its hints: "gh" is in "high").
_SHAPE_LITERALS: "dict[object, tuple[str, ...]]" = {
    VENDOR_TOKEN: ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "k_live_", "k_test_", "sk-",
                   "AIza", "SG.", "npm_")}
#: From this length on, an ASCII text is given to each rule line by line (only the lines that can change).
_LONG_TEXT = 2048
#: Literals (lower case, "_" dropped) one of which a line must hold for _LINE_DIRECTIVE to change it.
_LINE_DIRECTIVE_WORDS = ("setenv", "define", "header", *SECRET_FROM, *(w.lower() for w in STRONG_WORDS))
#: For each pattern of _COMMAND_LINES, literals one of which each of its matches holds (its line too).
_COMMAND_LITERALS = (("mysql", "mariadb"), ("sshpass",), ("redis-cli",), ("-u", "-U"), ("htpasswd",), ("pass:",))


class _Need(NamedTuple):
    """Literals one of which a line must hold for a rule to change it.

    ``fold``: looked for in the line in lower case (what the rules' IGNORECASE means in ASCII);
    ``drop``: looked for once these characters are removed from the line.
    """

    literals: Sequence[str]
    fold: bool = False
    drop: str = ""
    #: looked for once each of these characters is made an "x" and every other one (but newline) a blank
    runs: str = ""


#: A name is_secret_name accepts holds one of these (lower case) once all but letters and digits
#: are dropped: names.is_secret_name compares the name's words joined, in upper case.
_SECRET_NAME = _Need(DROPPED_NAME_WORDS, fold=True, drop=NOT_ALNUM)
#: HEX_RUN and B64_RUN match 32 characters of their class in a row.
_RUN_NEEDS = {HEX_RUN: _Need(("x" * 32,), runs="0123456789abcdefABCDEF"),
              B64_RUN: _Need(("x" * 32,), runs="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")}
#: A blank between a name and what follows it (a directive's arguments, a flag's value).
_BLANK = _Need((" ", "\t"))
#: _KNOWN_DIRECTIVE matches a directive name followed by a blank ("HeaderName" is no "Header").
_KNOWN_DIRECTIVE_NEED = _Need(tuple(f"{name}{blank}" for name in ("header", *SECRET_FROM) for blank in " \t"),
                              fold=True)
#: The same for a URL query parameter (_QUERY_SECRETS adds two short names).
_QUERY_NAME = _SECRET_NAME._replace(literals=(*DROPPED_NAME_WORDS, "sig", "code"))


class _WholeText:
    """A rule applied to the whole text (short texts, and texts that are not ASCII)."""

    def __init__(self, text: str, *needs: _Need, line_test: Optional[Callable[[str], bool]] = None) -> None:
        self.text = text

    def sub(self, pattern: "re.Pattern[str]", repl: Callable[["re.Match[str]"], str]) -> str:
        return pattern.sub(repl, self.text)

    def apply(self, fn: Callable[[str], str]) -> str:
        return fn(self.text)


class _LineRule(_WholeText):
    """A rule applied only to some lines of a text (their numbers, from 0); see :class:`_LineRules`."""

    def __init__(self, text: str, numbers: list[int]) -> None:
        super().__init__(text)
        self.numbers = numbers

    def apply(self, fn: Callable[[str], str]) -> str:
        if not self.numbers:
            return self.text
        lines = self.text.split("\n")
        changed = False
        for n in self.numbers:
            line = fn(lines[n])
            if line != lines[n]:
                lines[n], changed = line, True
        return "\n".join(lines) if changed else self.text  # the same text: what was learnt of it holds

    def sub(self, pattern: "re.Pattern[str]", repl: Callable[["re.Match[str]"], str]) -> str:
        return self.apply(lambda line: pattern.sub(repl, line))


class _LineRules:
    """Gives each rule only the lines of an ASCII text that meet what each of its needs asks for.

    Exact, not a heuristic: the rules after the private-key blocks never match across a line end
    (no pattern of theirs matches a newline, and their look-arounds treat a line's edges as they
    treat the text's), so the text's lines can be redacted one by one; and a rule changes a line
    only when the line meets the needs it is given (each one a necessary condition: a literal
    its matches hold, or the words a secret name it requires holds). Other lines are left as they
    are, which is what the rule would have done with them. Which lines meet a need is kept until
    a rule changes the text.
    """

    def __init__(self) -> None:
        self._text: Optional[str] = None
        self._lines: list[str] = []
        self._found: dict[_Need, set[int]] = {}

    def __call__(self, text: str, *needs: _Need, line_test: Optional[Callable[[str], bool]] = None) -> _WholeText:
        """The rule's view of ``text``: the whole of it, the lines to give the rule, or none (the first
        of ``needs`` is looked for in the whole text, the others, and ``line_test``, in the lines that
        meet it)."""
        if text is not self._text:
            self._text, self._found = text, {}
            self._lines = text.split("\n") if "\n" in text else [text]
        numbers = self._holding(needs[0])
        for need in needs[1:]:
            if not numbers:
                break
            if len(self._lines) == 1:  # one line (most texts): the whole text's answer is the line's
                numbers = numbers & self._holding(need)
            else:
                numbers = {n for n in numbers if _meets(self._lines[n], need)}
        if numbers and line_test is not None:
            numbers = {n for n in numbers if line_test(self._lines[n])}
        if not numbers:
            return _LineRule(text, [])  # the rule would change nothing (and its pattern need not compile)
        if len(text) < _LONG_TEXT or len(numbers) * 10 > len(self._lines) * 9:
            return _WholeText(text)  # a short text, or nearly all lines: one pass over the whole text costs less
        return _LineRule(text, sorted(numbers))

    def _holding(self, need: _Need) -> set[int]:
        numbers = self._found.get(need)
        if numbers is None:
            text = self._text or ""
            if len(self._lines) == 1:
                numbers = {0} if _meets(text, need) else set()
            else:
                numbers = _lines_holding(_hay(text, need), need.literals)
            self._found[need] = numbers
        return numbers


def _runs(lines: Callable[..., _WholeText], text: str, need: _Need) -> _WholeText:
    """HEX_RUN's and B64_RUN's view of ``text``: in a long text, the lines with a run of their class
    (the whole of a short one: its regular expression costs less than looking for runs)."""
    return lines(text, need) if len(text) >= _LONG_TEXT else _WholeText(text)


def _may_be_secret_directive_line(line: str) -> bool:
    """False when _LINE_DIRECTIVE cannot change ``line``: its name would be the line's first word
    (after the quote and list marks it allows), and secret_arguments names no argument of that name."""
    word = line.lstrip(" \t>*`'\"+-").split(" ", 1)[0].split("\t", 1)[0]
    return may_take_secrets(word)


def _meets(line: str, need: _Need) -> bool:
    """True when one line meets ``need``."""
    hay = _hay(line, need)
    return any(map(hay.__contains__, need.literals))


def _hay(text: str, need: _Need) -> str:
    """``text`` as ``need`` looks into it (ASCII; no newline is dropped: the lines stay the same)."""
    hay = text.lower() if need.fold else text
    if need.drop:
        hay = hay.translate(_dropping(need.drop))
    if need.runs:
        hay = hay.translate(_marking(need.runs))
    return hay


@lru_cache(maxsize=None)
def _dropping(chars: str) -> dict[int, None]:
    return dict.fromkeys(map(ord, chars))


@lru_cache(maxsize=None)
def _marking(chars: str) -> dict[int, str]:
    return {c: "x" if chr(c) in chars else "\n" if c == 10 else " " for c in range(128)}


def _lines_holding(hay: str, literals: Sequence[str]) -> set[int]:
    """The numbers (from 0) of the lines of ``hay`` holding one of ``literals``."""
    starts = set()
    for lit in literals:
        i = hay.find(lit)
        while i != -1:
            starts.add(hay.rfind("\n", 0, i) + 1)
            end = hay.find("\n", i)
            if end == -1:
                break
            i = hay.find(lit, end + 1)
    numbers, line, last = set(), 0, 0
    for start in sorted(starts):
        line += hay.count("\n", last, start)
        last = start
        numbers.add(line)
    return numbers


def _splice(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` edits given in order."""
    edits = list(edits)
    if not edits:
        return text
    out, pos = [], 0
    for start, end, repl in edits:
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


#: Every literal any rule needs (lower case), as one trie-shaped pattern searched in the lower-cased
#: text: a text with none of them, shorter than :data:`_SHORTEST_SHAPE`, holds no secret any rule
#: can find (most strings of a report's facts). A trie costs one branch per character; a plain
#: alternation of 60 words tried each word at each position (90 µs per short string).
_ANY_HINT = lazy_re(lambda: _trie_pattern({h.lower() for h in (
    "-----begin", "://", "setenv", "define", "header", "?", *_HEADER_HINTS, *_COMMAND_HINTS, *SECRET_FROM,
    *(h for _, _, _, hints in _SHAPES_WITH_HINTS for h in (hints or ())),
    *_NAME_WORDS)}))
