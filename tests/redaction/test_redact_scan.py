"""The fast scans of long texts find exactly what the plain regular-expression scans find.

Host and user redaction tries its patterns, in a long text, only where a match can start
(wsgidoctor/redaction/scan.py); found secrets are hunted with one trie whose short values match
as whole words only. Both are compared here with the plain scans they replace, on the real
captures of fixtures/ (the shared corpus, this machine's Debian captures, the planted-secret
files), a generated error log, and texts written to sit on the edges of each shortcut.
"""

from __future__ import annotations

import random
import re

import pytest

from tests.conftest import FIXTURES
from tests.redaction.golden import error_log
from wsgidoctor.redaction import identity as I
from wsgidoctor.redaction import scan
from wsgidoctor.redaction.secrets import SecretScrubber, _trie_pattern

#: Each pattern with the function saying where its matches can start in a long text.
SHORTCUTS = {
    "fqdn": (I._FQDN, I._fqdn_starts), "ipv4": (I._IPV4, I._ipv4_starts), "ipv6": (I._IPV6, I._ipv6_starts),
    "home": (I._HOME, I._home_starts), "tilde": (I._TILDE, I._tilde_starts),
    "user-option": (I._USER_OPTION, I._user_option_starts), "email": (I._EMAIL, I._email_starts),
    "url-host": (I._URL_HOST, I._url_starts),
}

#: Texts on the edges: runs too long, look-behinds just failing, non-ASCII digits and letters.
EDGES = "\n".join([
    "1::2 a:b:c:d ::1 fe80::1%eth0 12345:6:7 x1:2:3 _1:2:3 .1:2:3 [2001:db8::1]:443 16:31:05.123 ab:cd:ef:",
    "10.0.0.1 1234.5.6.7 v1.2.3.4 _1.2.3.4 .1.2.3.4 1.2.3.4.5.6.7.8 ١٢.٣.٤.٥ 255.255.255.255 01.02.03.04",
    "a.example.com _b.example.com -c.example.com é.example.com x..y.com shop.example-corp.de. a.b.c.d.e.f",
    "views.py mod_wsgi.so 1.2.example.com host.lan( host.lan- www.x.io/path http://a.b.c:8080/ A.COM",
    "/home/alice /home/.../x /export/home/bob /usr/home/carol x/home/dan C:\\\\Users\\\\erin c:/Users/frank",
    "~gina ~/x $~hal ~~ivan user=jo USER=kim run_user=lee SUDO_USER=max apache_run_user=ned xuser=olga",
    "Username=pat owner=quinn LOGNAME=rob user='sam' ſudo_user=tom",
    "alice@example.com .bob@example.org a.b+c-d@mail.example.net _x@y.com é@example.com @@ a@b@c.com",
    "https://user:pw@host.example.com/x git+ssh://git@github.com/x " + "s" * 40 + "://toolong.example.com",
    "mailto:x@y.com ht-tp://a.com 1http://b.com -http://c.com :// x://",
])


def _long_texts() -> list[str]:
    files = sorted(p for d in ("corpus", "debian12", "secrets") for p in (FIXTURES / d).rglob("*") if p.is_file())
    assert len(files) > 50
    real = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    ascii_edges = EDGES.encode("ascii", "ignore").decode("ascii")
    return [real, error_log(256 * 1024, 0.1), EDGES * 40, (EDGES + "\n") * 40 + real[:20000],
            (ascii_edges + "\n") * 40 + real.encode("ascii", "replace").decode("ascii")]


@pytest.fixture(scope="module")
def long_texts() -> list[str]:
    return _long_texts()


@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_trying_only_the_starts_finds_every_match(name: str, long_texts: list[str]) -> None:
    pattern, starts = SHORTCUTS[name]
    found = 0
    for text in long_texts:
        assert len(text) >= scan.LONG_TEXT
        where = starts(text)
        if where is None:  # this pattern scans a text that is not ASCII whole
            continue
        want = [m.span() for m in pattern.finditer(text)]
        assert [m.span() for m in scan.finditer(pattern, text, where)] == want
        found += len(want)
    assert found > 0


def test_the_names_and_addresses_are_replaced_as_before(long_texts: list[str]) -> None:
    """The whole of text(): names (any case for hosts), then IPv6 and IPv4 addresses."""
    for text in long_texts:
        fast = I.IdentityScrubber(hosts=True, users=True)
        fast.discover(text)
        for name in ("alice", "Alice", "kim", "example.com", "shop.example-corp.de", "host.lan", "A.COM"):
            fast.add_user(name) if name[0].islower() and "." not in name else fast.add_host(name)
        plain = I.IdentityScrubber(hosts=True, users=True)
        plain._usernames, plain._hostnames = set(fast._usernames), set(fast._hostnames)
        assert fast._usernames and fast._hostnames

        names = plain._names_pattern()
        assert names is not None
        want = names.sub(plain._name_repl, text)
        want = I._IPV6.sub(plain._ip_repl("ip6"), want)
        want = I._IPV4.sub(plain._ip_repl("ip"), want)
        assert fast.text(text) == want
        assert fast.counts == plain.counts


def test_long_texts_teach_the_same_names_as_short_ones(long_texts: list[str]) -> None:
    """discover() of a long text (the shortcuts) and of each of its lines (the plain scans)."""
    for text in long_texts:
        whole, by_line = I.IdentityScrubber(hosts=True, users=True), I.IdentityScrubber(hosts=True, users=True)
        whole.discover(text)
        for line in text.split("\n"):
            assert len(line) < scan.LONG_TEXT
            by_line.discover(line)
        assert whole._hostnames == by_line._hostnames and whole._usernames == by_line._usernames


def _two_tries(values: set[str]) -> "re.Pattern[str]":
    """How found secrets were hunted before: the long ones anywhere, then the short ones as words."""
    long = [v for v in values if len(v) >= 8]
    short = [v for v in values if len(v) < 8]
    parts = [_trie_pattern(long)] if long else []
    if short:
        parts.append(rf"(?<![A-Za-z0-9_])(?:{_trie_pattern(short)})(?![A-Za-z0-9_])")
    return re.compile("|".join(parts))


def test_found_secrets_are_hunted_as_before(long_texts: list[str]) -> None:
    rnd = random.Random(7)
    text = long_texts[0]
    words = sorted(set(re.findall(r"[\w.:/-]{5,12}", text)))
    for _ in range(20):
        values = set(rnd.sample(words, 40))
        values |= {w[:5] for w in rnd.sample(words, 10)} | {w + "x" for w in rnd.sample(words, 5)}
        values = {v for v in values if len(v) >= 5}
        scrubber = SecretScrubber()
        scrubber.found.update(values)
        want, n = _two_tries(values).subn("<redacted>", text)
        assert scrubber.scrub_known(text) == want
        assert scrubber.counts["known-values"] == n
