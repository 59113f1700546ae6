"""Is this variable, option or header name one whose value is a secret?

Names are compared by their words (``DB_PASSWORD`` -> ``DB``, ``PASSWORD``; ``apiKey`` -> ``API``,
``KEY``), so ``KEY`` matches ``AWS_ACCESS_KEY_ID`` but not ``KEYBOARD``. Long, unambiguous words
(``PASSWORD``, ``SECRET``, ``TOKEN``...) also match inside a word (``MYSQLPASSWORD``), and the
short ones end a joined word (``DBPASS``, ``LDAP_BINDPW``, ``SMTPPASS``, ``APPKEY``) unless the word
is an ordinary one (``BYPASS``, ``COMPASS``, ``MONKEY``).
"""

from __future__ import annotations

from functools import lru_cache

from wsgidoctor.core.lazyre import lazy_re

#: Matched anywhere in the name once separators are removed.
_SUBSTRINGS = (
    "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY",
    "ACCESSKEY", "AUTHORIZATION", "DATABASEURL", "CONNECTIONSTRING", "CONNSTR",
    "SESSIONKEY", "SIGNINGKEY", "ENCRYPTIONKEY", "MASTERKEY", "PASSCODE", "PASSKEY",
)
#: Matched at the end of a joined word: ``DBPASS``, ``BINDPW``, ``DBPWD``, ``APPKEY``.
_SUFFIXES = ("PASS", "PW", "PWD", "KEY", "KEYS")
#: Ordinary words (and identifiers) that end like a secret but are none.
_ORDINARY = frozenset({
    "BYPASS", "COMPASS", "SURPASS", "TRESPASS", "OVERPASS", "UNDERPASS", "ENCOMPASS", "IMPASS",
    "MONKEY", "TURKEY", "DONKEY", "HOCKEY", "JOCKEY", "WHISKEY", "LACKEY", "HOTKEY", "HOTKEYS",
    "PUBKEY", "PUBLICKEY", "SORTKEY", "CACHEKEY", "PRIMARYKEY", "FOREIGNKEY", "TURNKEY", "PASSKEYS",
    "OLDPWD", "PWD",
})
#: Matched as whole words of the name only.
_WORDS = frozenset({
    "KEY", "KEYS", "PASS", "PW", "PWD", "AUTH", "DSN", "JWT", "OTP", "SALT", "HMAC", "BEARER",
    "CREDS", "PSK", "SASL",
})
#: Names that contain one of the words above but never hold a secret.
_NEVER = frozenset({
    "PWD", "OLDPWD", "PASSENV", "AUTHTYPE", "XAUTHORITY", "WSGIPASSAUTHORIZATION", "WSGIPASSAPACHEREQUEST",
    # Apache directives that pass requests on or describe where a secret comes from
    "PROXYPASS", "PROXYPASSMATCH", "PROXYPASSREVERSE", "PROXYPASSREVERSECOOKIEDOMAIN",
    "PROXYPASSREVERSECOOKIEPATH", "PROXYPASSINHERIT", "PROXYPASSINTERPOLATEENV", "SSLPASSPHRASEDIALOG",
    "AUTHDBDUSERPWQUERY", "AUTHDBDUSERREALMQUERY", "CGIPASSAUTH",
    # Apache directives whose value says how the server behaves (``ServerTokens: OS`` in a paste)
    "SERVERTOKENS", "MDPRIVATEKEYS", "AUTHFORMPASSWORD", "AUTHFORMUSERNAME",
})
#: HTTP cookies, by the exact names they travel under. A bare ``cookie`` is not one of them: it is
#: also Apache's module magic cookie (``0x41503234``, "AP24"), which linkage diagnosis needs.
_COOKIE_NAMES = frozenset({"HTTP_COOKIE", "Cookie", "Set-Cookie", "SET_COOKIE", "HTTP_SET_COOKIE"})
#: A name ending with one of these words names a kind of thing, not a secret (``KeyError``,
#: ``auth_basic_module``): Python tracebacks say ``KeyError: 'SECRET_KEY'``, and that is the clue.
_NEVER_LAST = frozenset({"ERROR", "ERRORS", "EXCEPTION", "WARNING", "MODULE", "TYPE", "PROVIDER"})
#: A secret-looking name ending with one of these words holds a location, not a secret, when
#: its value is a path (``SSL_KEY_FILE=/etc/ssl/private/site.key``, ``SSH_AUTH_SOCK=/tmp/...``).
_LOCATION_WORDS = frozenset({"FILE", "FILENAME", "PATH", "DIR", "DIRECTORY", "SOCK", "SOCKET", "STORE"})

#: Some word (lower case) every secret name holds once all but its ASCII letters and digits are
#: dropped (in ASCII): each entry of _SUBSTRINGS, _WORDS, _SUFFIXES and _COOKIE_NAMES holds one.
NAME_WORDS = ("pass", "pw", "secret", "token", "key", "auth", "cred", "priv", "dsn", "jwt", "otp", "salt", "hmac",
              "bearer", "sasl", "psk", "cookie", "conn", "database")
#: The same, narrower, for a name once all but its ASCII letters and digits are dropped: there,
#: CONNSTR and CONNECTIONSTRING are whole, and "conn" would take every "Connection reset by peer"
#: line of a log for one that may name a secret (NAME_WORDS keeps "conn" for "conn_str").
DROPPED_NAME_WORDS = tuple(w for w in NAME_WORDS if w != "conn") + ("connstr", "connectionstring")
#: Every ASCII character but letters, digits and newline: what NAME_WORDS are looked for without.
NOT_ALNUM = "".join(chr(c) for c in range(128) if not chr(c).isalnum() and c != 10)
_DROP_NOT_ALNUM = dict.fromkeys(map(ord, NOT_ALNUM))

_CAMEL = lazy_re(r"([a-z0-9])([A-Z])")
_SPLIT = lazy_re(r"[^A-Z0-9]+")
_PATHISH = lazy_re(r"^(?:/|~/|\./|\.\./|[A-Za-z]:[\\/])")
_PLAIN_PATH = lazy_re(r"^/[\w.@+-]+(?:/[\w.@+:-]*)+$")
_PATH_WORD = lazy_re(r"^[a-z0-9._+-]*[a-z]{4,}[a-z0-9._+:-]*$")


def words(name: str) -> list[str]:
    """The upper-case words of a name: ``"db-Password"`` -> ``["DB", "PASSWORD"]``."""
    return [w for w in _SPLIT.split(_CAMEL.sub(r"\1_\2", name).upper()) if w]


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a value assigned to ``name`` should be treated as a secret."""
    if name.isascii() and not any(map(name.lower().translate(_DROP_NOT_ALNUM).__contains__, DROPPED_NAME_WORDS)):
        return False  # most names: none of the words below can be in it (upper() of ASCII is ASCII)
    if name.strip("\"'") in _COOKIE_NAMES:
        return True
    parts = words(name.lstrip("-"))
    if not parts:
        return False
    compact = "".join(parts)
    if compact in _NEVER or parts[-1] in _NEVER_LAST or parts in (["KEY"], ["KEYS"]):
        return False  # a bare "key" is a record's identifier ({"key": "main"}), not a secret
    if any(s in compact for s in _SUBSTRINGS):
        return True
    return any(p in _WORDS or (p.endswith(_SUFFIXES) and p not in _ORDINARY and len(p) <= 24) for p in parts)


def is_location_of_secret(name: str, value: str) -> bool:
    """True when ``value`` is where a secret is kept (a path), not the secret itself.

    Any path under a ``*_FILE``/``*_PATH``/``*_DIR``/``*_SOCK`` name; under another name, an
    absolute path with a real word in it (``/etc/apache2/...``): random secrets have neither.
    """
    value = value.strip("\"'")
    parts = words(name)
    if parts and parts[-1] in _LOCATION_WORDS and _PATHISH.match(value):
        return True
    return bool(_PLAIN_PATH.match(value)) and any(_PATH_WORD.match(seg) for seg in value.split("/"))
