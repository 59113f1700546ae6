"""Apache directives whose arguments are secrets, by meaning rather than by the word ``password``.

:func:`secret_arguments` says which arguments of one directive hold a secret:

- ``SetEnv``/``Define``: the value, when the variable's name is secret (``SetEnv DBPASS x``);
- ``Header``/``RequestHeader set|add|append|merge|setifempty NAME VALUE``: the value, when the
  header carries credentials (``Authorization``, ``Cookie``, ``Set-Cookie``, ``X-Api-Key``...);
- directives that take a secret at a known place (``AuthBasicFake user PASSWORD``,
  ``LDAPTrustedGlobalCert type path PASSWORD``, ``MDExternalAccountBinding kid HMAC``);
- any other directive whose own name ends with the secret it takes (``AuthLDAPBindPassword``,
  ``SessionCryptoPassphrase``, ``OIDCClientSecret``, ``TKTAuthSecretOld``...), all its arguments.

A secret word elsewhere in the name says something about a secret, not that the arguments are
one: ``ServerTokens OS`` (the Server header's detail), ``MDPrivateKeys RSA 4096`` (a key type),
``SSLPassPhraseDialog``, ``OIDCProviderTokenEndpoint``, ``OIDCDebugMaskSecrets``. Directives whose
name ends with the word but still take no secret are listed (``AuthFormPassword``: a form field's
name; ``TKTAuthToken``: group names). An argument that is a path or an ``exec:`` program (where the
server fetches the secret from) is kept by the caller.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from wsgidoctor.redaction.names import is_secret_name, words

#: Words that, ending a directive's name, mean its arguments are secrets.
STRONG_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "APIKEY", "PRIVATEKEY")
#: Words that may follow the secret word in such a name: which one of several secrets it is.
_WHICH_SECRET = frozenset({"OLD", "NEW", "PREVIOUS", "NEXT"})
#: Directives taking a secret at a known argument (0-based): every argument from there on.
SECRET_FROM = {
    "authbasicfake": 1,           # mod_auth_basic: AuthBasicFake username password
    "ldaptrustedglobalcert": 2,   # mod_ldap: type path [password]
    "ldaptrustedclientcert": 2,
    "mdexternalaccountbinding": 1,  # mod_md: key-id hmac-64
    "authldapbindpassword": 0,
    "sessioncryptopassphrase": 0,
}
#: Directives whose name ends with a secret word but whose arguments are not one.
_NOT_SECRET = frozenset({
    "sslpassphrasedialog", "wsgipassauthorization", "passenv", "authdbduserpwquery",
    "authdbduserrealmquery", "oidcpassidtokenas", "oidcpassrefreshtoken", "oidcpassuserinfoas",
    "oidcpassclaimsas", "sessioncryptopassphrasefile", "authtype", "cgipassauth",
    "authformpassword",     # mod_auth_form: the name of the form field ("httpd_password")
    "oidcpassaccesstoken",  # mod_auth_openidc: On|Off
    "tktauthtoken",         # mod_auth_tkt: the group tokens a ticket must carry
})
_HEADER_DIRECTIVES = frozenset({"header", "requestheader"})
_HEADER_ACTIONS = frozenset({"set", "add", "append", "merge", "setifempty"})
#: Header names that carry credentials though no word of theirs says so.
_CREDENTIAL_HEADERS = frozenset({"cookie", "set-cookie", "authorization", "proxy-authorization"})


def is_secret_header(name: str) -> bool:
    """True for a header whose value is a credential (``Authorization``, ``Cookie``, ``X-Api-Key``)."""
    name = name.strip("\"'")
    return name.lower() in _CREDENTIAL_HEADERS or is_secret_name(name)


@lru_cache(maxsize=1024)
def is_secret_directive(name: str) -> bool:
    """True for a directive that takes secrets as arguments by its name (``AuthLDAPBindPassword``)."""
    low = name.lower()
    if low in _NOT_SECRET:
        return False
    if low in SECRET_FROM:
        return True
    parts = words(name)
    while len(parts) > 2 and parts[-1] in _WHICH_SECRET:
        parts = parts[:-1]
    # the secret word ends the name's last word, or is its last two words joined (PASS + PHRASE)
    return len(parts) >= 2 and any(parts[-1].endswith(s) or "".join(parts[-2:]) == s for s in STRONG_WORDS)


@lru_cache(maxsize=1024)
def may_take_secrets(name: str) -> bool:
    """False when :func:`secret_arguments` names no argument of ``name`` whatever its arguments."""
    low = name.lower()
    return low in ("setenv", "define") or low in _HEADER_DIRECTIVES or low in SECRET_FROM or is_secret_directive(name)


def secret_arguments(name: str, args: Sequence[object]) -> list[int]:
    """The indexes of ``args`` (a directive's arguments, unquoted) that hold a secret."""
    low = name.lower()
    strings = [a if isinstance(a, str) else "" for a in args]
    if low in ("setenv", "define"):
        return list(range(1, len(args))) if len(args) >= 2 and is_secret_name(strings[0].strip("\"'")) else []
    if low in _HEADER_DIRECTIVES:
        i = 1 if strings[:1] and strings[0].lower() in ("always", "onsuccess") else 0
        if len(args) > i + 2 and strings[i].lower() in _HEADER_ACTIONS and is_secret_header(strings[i + 1]):
            return [i + 2]
        return []
    if low in SECRET_FROM:
        return list(range(SECRET_FROM[low], len(args)))
    if is_secret_directive(name):
        return list(range(len(args)))
    return []
