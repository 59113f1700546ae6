"""Which Apache directives take a secret, checked against the real directive lists.

fixtures/redaction/directives/ holds every directive name of httpd's manual, of mod_wsgi's command
table and of three third-party authentication modules (mod_auth_openidc, mod_auth_mellon,
mod_auth_tkt). A secret word inside a name (``ServerTokens``, ``MDPrivateKeys``,
``SSLPassPhraseDialog``, ``OIDCProviderTokenEndpoint``) is no reason to blank the arguments; the
directives that do take a secret are blanked, in a configuration line and in a directive record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from wsgidoctor.redaction.directives import is_secret_directive, secret_arguments
from wsgidoctor.redaction.names import is_secret_name
from wsgidoctor.redaction.redact import MARKER, Identity, redact_report, redact_text
from wsgidoctor.core.model import Report

DIRECTIVES = FIXTURES / "redaction" / "directives"

#: The directives of each list that take a secret (all or some of their arguments).
TAKING_SECRETS = {
    "httpd.txt": {"AuthBasicFake", "AuthFormSitePassphrase", "AuthLDAPBindPassword", "LDAPTrustedClientCert",
                  "LDAPTrustedGlobalCert", "MDExternalAccountBinding", "SessionCryptoPassphrase"},
    "mod_wsgi.txt": set(),
    "auth-modules.txt": {"OIDCClientSecret", "OIDCClientTokenEndpointKeyPassword", "OIDCCryptoPassphrase",
                         "OIDCOAuthClientSecret", "OIDCOAuthIntrospectionClientAuthBearerToken",
                         "OIDCOAuthIntrospectionEndpointKeyPassword", "OIDCRedisCachePassword",
                         "TKTAuthSecret", "TKTAuthSecretOld"},
}


def _names(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("listing", sorted(TAKING_SECRETS))
def test_the_directives_taking_a_secret_are_exactly_these(listing: str) -> None:
    names = _names(DIRECTIVES / listing)
    assert len(names) > 40
    assert {n for n in names if is_secret_directive(n)} == TAKING_SECRETS[listing]


@pytest.mark.parametrize("line", [
    "ServerTokens OS", "ServerTokens Prod", "ServerTokens Full", "  ServerTokens Minor", "ServerTokens: OS",
    "MDPrivateKeys RSA 4096", "MDPrivateKeys secp256r1 rsa3072", "AuthFormPassword httpd_password",
    "AuthFormUsername httpd_username", "TKTAuthToken editor admin", "KeepAlive On", "PassEnv DB_PASSWORD",
    "WSGIPassAuthorization On", "SSLPassPhraseDialog builtin", "ProxyPass /app http://127.0.0.1:8000/app",
    "RequestHeader set X-Forwarded-Proto https", "SSLCertificateKeyFile /etc/ssl/private/site.key",
    "SSLSessionTicketKeyFile /etc/apache2/ticket.key", "OIDCProviderTokenEndpoint https://idp.example.com/token",
    "OIDCProviderTokenEndpointAuth client_secret_basic", "OIDCRefreshAccessTokenBeforeExpiry 30",
    "OIDCUserInfoTokenMethod authz_header", "OIDCOAuthAcceptTokenAs header", "OIDCCertBoundAccessTokens off",
])
def test_directives_that_only_mention_a_secret_keep_their_arguments(line: str) -> None:
    assert redact_text(line) == line


@pytest.mark.parametrize("line, secret", [
    ("AuthLDAPBindPassword bind-pw-4711", "bind-pw-4711"),
    ("SessionCryptoPassphrase crypto-pass-99", "crypto-pass-99"),
    ("AuthFormSitePassphrase site-pass-77", "site-pass-77"),
    ("AuthBasicFake demo fake-pass-13", "fake-pass-13"),
    ("LDAPTrustedGlobalCert CERT_PFX /etc/ssl/ldap.pfx pfx-pass-31", "pfx-pass-31"),
    ("MDExternalAccountBinding kid-1 hmac-value-b64", "hmac-value-b64"),
    ("OIDCClientSecret client-secret-5", "client-secret-5"),
    ("OIDCCryptoPassphrase oidc-crypto-6", "oidc-crypto-6"),
    ("OIDCRedisCachePassword redis-pw-8", "redis-pw-8"),
    ("OIDCOAuthIntrospectionClientAuthBearerToken bearer-tok-9", "bearer-tok-9"),
    ("TKTAuthSecret tkt-secret-1", "tkt-secret-1"),
    ("TKTAuthSecretOld tkt-old-secret-2", "tkt-old-secret-2"),
    ("SERVER_TOKEN=srv-token-value", "srv-token-value"),
])
def test_directives_taking_a_secret_are_blanked(line: str, secret: str) -> None:
    out = redact_text(line)
    assert secret not in out and MARKER in out


def test_a_directive_record_keeps_server_tokens_and_blanks_a_bind_password() -> None:
    """The configuration facts as the probe records them: name and arguments."""
    facts = {"config": {"directives": [
        {"name": "ServerTokens", "args": ["OS"], "raw": "OS"},
        {"name": "MDPrivateKeys", "args": ["RSA", "4096"], "raw": "RSA 4096"},
        {"name": "AuthLDAPBindPassword", "args": ["bind-pw-4711"], "raw": "bind-pw-4711"},
    ]}}
    out = redact_report(Report(mode="check", facts=facts), identity=Identity()).facts["config"]["directives"]
    assert [d["args"] for d in out] == [["OS"], ["RSA", "4096"], [MARKER]]
    assert out[2]["raw"] == MARKER
    assert secret_arguments("ServerTokens", ["OS"]) == []


def test_real_configurations_keep_server_tokens() -> None:
    """The httpd.conf of each real installation the platform tests build says ServerTokens Full."""
    confs = sorted((FIXTURES / "platforms").glob("*/httpd.conf"))
    holding = [c for c in confs if "ServerTokens" in c.read_text(encoding="utf-8")]
    assert len(holding) >= 3
    for conf in holding:
        text = conf.read_text(encoding="utf-8")
        tokens = [line for line in text.splitlines() if line.lstrip().startswith("ServerTokens")]
        redacted = redact_text(text)
        assert all(line in redacted.splitlines() for line in tokens), conf


def test_server_tokens_is_no_secret_name_but_a_token_variable_is() -> None:
    assert not is_secret_name("ServerTokens") and not is_secret_name("MDPrivateKeys")
    assert is_secret_name("SERVER_TOKEN") and is_secret_name("API_TOKENS")
