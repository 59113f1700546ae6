"""Who and where a report is about: host names, IP addresses and user names, replaced consistently.

Replacement is in two steps over the whole report. :meth:`IdentityScrubber.discover` and
:meth:`IdentityScrubber.discover_facts` first collect the names (``ServerName`` values, URL hosts,
fully qualified names, ``/home/<name>``, ``user=`` options, the Apache ``User``, this machine's
host and user names...). :meth:`IdentityScrubber.text` then replaces every occurrence, giving the
same value the same placeholder everywhere: ``host-1``, ``ip-1`` (IPv4), ``ip6-1`` (IPv6),
``<user-1>``. A user placeholder keeps the two properties of the original that break software: a
space (``<user-1 with space>``) and non-ASCII characters (``<user-1 non-ASCII é>``). Loopback and
unspecified addresses, ``localhost`` and well-known system accounts (``root``, ``www-data``,
``apache``...) say nothing about who runs the server and are kept.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Iterator, Optional

from wsgidoctor.core.lazyre import lazy_re
from wsgidoctor.redaction import scan

#: Accounts every distribution has; naming them reveals nobody and helps diagnosis.
SYSTEM_ACCOUNTS = frozenset({
    "root", "daemon", "bin", "sys", "nobody", "nogroup", "www-data", "www", "_www", "apache",
    "apache2", "httpd", "http", "wwwrun", "nginx", "lighttpd", "webmaster", "postmaster",
    "hostmaster", "admin", "administrator", "user", "users", "you", "username", "shared", "public",
    "default", "all users", "default user", "guest", "noreply", "no-reply", "info", "support",
})
#: Short host names that are also words in Apache, Python or distribution output.
_COMMON_WORDS = frozenset({
    "localhost", "debian", "ubuntu", "centos", "fedora", "rhel", "redhat", "alpine", "arch", "gentoo",
    "freebsd", "darwin", "linux", "unix", "apache", "apache2", "httpd", "web", "www", "server",
    "host", "python", "python3", "wsgi", "mod_wsgi", "default", "main", "app", "master", "node",
    "worker", "prefork", "event", "none", "null", "unknown", "_default_",
})
_LOCAL_HOSTS = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
                          "localhost6", "localhost6.localdomain6"})
#: Public project domains quoted by Apache, Python and licence headers: they identify no server.
_PUBLIC_DOMAINS = ("apache.org", "python.org", "pypi.org", "github.com", "githubusercontent.com",
                   "readthedocs.io", "readthedocs.org", "gnu.org", "example.com", "example.org",
                   "example.net", "debian.org", "ubuntu.com", "redhat.com", "fedoraproject.org",
                   "w3.org", "ietf.org", "openssl.org", "pcre.org", "modwsgi.org")

#: Top-level domains accepted for a dotted word to count as a host name. Two-letter country codes
#: that are also file extensions or words in this output (.so, .py, .sh, .pl, .md, .in, .it...)
#: are left out: ``mod_wsgi.so`` is not a host.
_TLDS = frozenset("""
com net org edu gov mil int info biz name pro aero coop museum mobi jobs travel tel asia cat post
io co dev cloud tech online site xyz top club shop store blog live news page space website host
hosting systems network solutions services agency digital email life world today company
local localdomain lan internal intranet corp home arpa test example invalid onion
ac ad ae af ag al ao aq ar au aw ax az ba bb bd bf bg bh bi bj bm bn bo br bs bt bw bz ca cd cf
cg ch ci ck cl cm cn cr cu cv cw cx cy cz de dj dk dm dz ec ee eg er es et eu fi fj fk fm fo fr
ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu ie il iq ir je jm jo jp
ke kg kh ki km kn kp kr kw ky kz lb lc li lk lr ls lt lu lv ly ma mc mg mh mm mn mp mq mr mt mu
mv mw mx my mz na nc ne nf ng ni nl np nr nu nz om pa pe pf pg ph pk pm pn pr pt pw qa ro ru rw
sa sb sc sd se sg si sk sl sm sn sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn tr tt tv
tw tz ua ug uk uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw
""".split())

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FQDN = lazy_re(rf"(?<![\w.-])(?:{_LABEL}\.)+(?P<tld>[A-Za-z]{{2,24}})(?![\w-]|\.[A-Za-z0-9]|\()")
_IPV4 = lazy_re(r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)")
_IPV6 = lazy_re(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?:%[\w.]+)?(?![\w:])")
_URL_HOST = lazy_re(r"[A-Za-z][A-Za-z0-9+.-]{0,30}://(?:[^\s/?#@'\"]*@)?(?P<host>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)")
_SERVER_NAME = lazy_re(r"(?im)(?<![\w-])(?:ServerName|ServerAlias)[ \t]+(?P<names>[^\r\n#]+)")
_VHOST = lazy_re(r"(?i)<VirtualHost[ \t]+(?P<addrs>[^>\r\n]+)>")
_JOURNAL_HOST = lazy_re(r"(?m)^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?P<host>[A-Za-z0-9][\w.-]*) [\w./@-]+(?:\[\d+\])?: ")
_FQDN_NOTICE = lazy_re(r"fully qualified domain name, using (?P<host>[^\s,.]+(?:\.[^\s,.]+)*)")
_EMAIL = lazy_re(r"(?<![\w.+-])(?P<local>[A-Za-z0-9][A-Za-z0-9._+-]*)@(?P<domain>(?:" + _LABEL + r"\.)*" + _LABEL + r")")

_NAME_CHARS = r"[^/\\\s'\"<>:;,|()\[\]{}=*?$%#]"
_HOME = lazy_re(rf"(?:(?<![\w.-])/home|/Users|/export/home|/usr/home|[A-Za-z]:\\\\Users)[/\\\\](?P<name>{_NAME_CHARS}+)")
_TILDE = lazy_re(r"(?<![\w~$])~(?P<name>[A-Za-z_][A-Za-z0-9_.-]*[A-Za-z0-9_])")
_USER_OPTION = lazy_re(r"(?i)(?<![\w-])(?:user|username|owner|run_user|APACHE_RUN_USER|SUDO_USER|LOGNAME|USER)=[\"']?(?P<name>[A-Za-z_][\w.-]*)")
_USER_DIRECTIVE = lazy_re(r"(?m)^[ \t]*User[ \t]+[\"']?(?P<name>[A-Za-z_][\w.-]*)")
_ID_OUTPUT = lazy_re(r"uid=\d+\((?P<name>[^)\s]+)\)")
_BAD_USER = lazy_re(r"bad user name (?P<name>[A-Za-z_][\w.-]*)")

# Where the patterns above that the engine cannot skip ahead for can start, in a long text (see
# :mod:`.scan`). A match of _FQDN starts where the run of label characters before its first dot
# does, after a character its look-behind allows, and a label character follows the dot: this finds
# them in the reversed text.
_FQDN_RUN = lazy_re(r"\.(?<=[A-Za-z0-9]\.)[A-Za-z0-9-]+(?![\w.-])")
#: An address's first dot (after 1 to 3 digits, its start) and first colon (after 0 to 4 hex digits).
_IPV4_DOTS = lazy_re(r"\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_COLONS = lazy_re(r":[0-9A-Fa-f]{0,4}:")
#: _HOME's alternatives, and where each starts relative to the literal (the drive letter of C:\\Users).
_HOME_LITERALS = (("/home", 0), ("/Users", 0), ("/export/home", 0), ("/usr/home", 0), (":\\\\Users", -1))
#: What _USER_OPTION's keywords end with (lower case), and where each keyword starts relative to it.
_USER_OPTION_LITERALS = (("user=", 0), ("user=", -4), ("user=", -5), ("user=", -11), ("username=", 0),
                         ("owner=", 0), ("logname=", 0))
_EMAIL_LOCAL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-")
_HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")
_SCHEME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+.-")

#: Fact keys whose string values name a user or a host.
_USER_KEYS = frozenset({"user", "username", "owner", "run_user", "sudo_user", "apache_run_user", "logname"})
_HOST_KEYS = frozenset({"server_name", "servername", "server_alias", "serveralias", "hostname",
                        "host", "fqdn", "aliases", "server_names"})


@dataclass(frozen=True)
class Identity:
    """Host and user names known to belong to this machine (found whether or not they appear)."""

    hostnames: tuple[str, ...] = ()
    users: tuple[str, ...] = ()

    @classmethod
    def from_machine(cls, environ: Optional[dict[str, str]] = None) -> "Identity":
        """This machine's host name and the users running wsgidoctor (including via sudo)."""
        import socket

        env = os.environ if environ is None else environ
        hosts = []
        try:
            hosts.append(socket.gethostname())
        except OSError:  # pragma: no cover - no host name at all
            pass
        users = [env.get(k, "") for k in ("SUDO_USER", "USER", "LOGNAME")]
        try:
            import pwd

            users.append(pwd.getpwuid(os.getuid()).pw_name)
        except (ImportError, KeyError):  # pragma: no cover - Windows, or a uid with no entry
            pass
        return cls(tuple(h for h in hosts if h), tuple(u for u in users if u))


def _user_placeholder(n: int, original: str) -> str:
    tags = ""
    if any(c.isspace() for c in original):
        tags += " with space"
    if any(ord(c) > 127 for c in original):
        tags += " non-ASCII é"
    return f"<user-{n}{tags}>"


@lru_cache(maxsize=65536)
def _keep_ip(text: str) -> bool:
    """True for addresses that identify nobody: loopback, unspecified, broadcast, multicast."""
    import ipaddress  # only when host names are redacted: not paid by every report

    try:
        addr = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all
    if isinstance(addr, ipaddress.IPv4Address) and str(addr) == "255.255.255.255":
        return True
    return addr.is_loopback or addr.is_unspecified or addr.is_multicast


class IdentityScrubber:
    """Collects host/user names, then replaces them with stable placeholders."""

    def __init__(self, *, hosts: bool, users: bool, identity: Identity = Identity()) -> None:
        self.hosts, self.users = hosts, users
        self.counts: Counter[str] = Counter()
        self._hostnames: set[str] = set()
        self._usernames: set[str] = set()
        self._map: dict[str, str] = {}  # original (host names lower-cased) -> placeholder
        self._serial: Counter[str] = Counter()
        self._pattern: Optional[re.Pattern[str]] = None
        self._users_n = 0
        for h in identity.hostnames:
            self.add_host(h)
        for u in identity.users:
            self.add_user(u)

    # --- collecting ----------------------------------------------------------------------------
    def add_host(self, name: str) -> None:
        """Remember a host name (a port, scheme, ``*.`` wildcard or brackets are stripped)."""
        if not self.hosts or not isinstance(name, str) or name.lower() in self._hostnames:
            return
        name = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", name.strip().strip("\"'"))
        name = name.split("/", 1)[0]
        if name.startswith("["):
            return  # [IPv6]:port, handled as an address
        name = re.sub(r":\d*$", "", name).lstrip("*.").rstrip(".")
        low = name.lower()
        if any(low == d or low.endswith("." + d) for d in _PUBLIC_DOMAINS):
            return
        if (not name or low in _LOCAL_HOSTS or low in _COMMON_WORDS or len(name) < 2
                or not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name) or not re.search(r"[A-Za-z]", name)):
            return
        if low not in self._hostnames:
            self._hostnames.add(low)
            self._pattern = None

    def add_user(self, name: str) -> None:
        """Remember a user name (system accounts such as ``www-data`` are kept as they are).

        Punctuation (``...``, ``…``: a poster's elision in ``/Users/.../``), one character repeated
        (``xxx``: a poster's placeholder) and a name starting with a dot (``/home/.ecryptfs``) are no
        user's name: replacing them would replace every ``...`` and ``xxx`` of the report (``WSGIAcceptMutex
        xxx`` is the error being diagnosed).
        """
        if not self.users or not isinstance(name, str):
            return
        name = name.strip().strip("\"'")
        if name in self._usernames:
            return  # already known (a log names the same home directory on every line)
        if (len(name) < 2 or name.lower() in SYSTEM_ACCOUNTS or name[0] in "$%#{<~-."
                or not any(c.isalnum() for c in name)  # an elision ("/Users/.../"), not a name
                or len(set(name.lower())) == 1  # a poster's placeholder ("/Users/xxx/")
                or name.startswith("user-") or any(c in name for c in "/\\\n\t<>") or name.isdigit()):
            return
        if name not in self._usernames:
            self._usernames.add(name)
            self._pattern = None

    def discover(self, text: str) -> None:
        """Collect the host and user names that ``text`` shows."""
        if not text or not isinstance(text, str):
            return
        low = text.lower()  # cheap literal checks decide which patterns can match at all
        if self.hosts:
            if "servername" in low or "serveralias" in low:
                for m in _SERVER_NAME.finditer(text):
                    for n in m.group("names").split():
                        self.add_host(n)
            if "<virtualhost" in low:
                for m in _VHOST.finditer(text):
                    for n in m.group("addrs").split():
                        self.add_host(n)
            for pattern, hint, starts in ((_URL_HOST, "://", _url_starts), (_JOURNAL_HOST, ":", None),
                                          (_FQDN_NOTICE, "fully qualified", None)):
                if hint in low:
                    for m in _finditer(pattern, text, starts):
                        self.add_host(m.group("host"))
            if "." in text:
                for m in _finditer(_FQDN, text, _fqdn_starts):
                    if m.group("tld").lower() in _TLDS:
                        self.add_host(m.group(0))
        if self.users:
            for pattern, hints, starts in ((_HOME, ("/home/", "users", "/export/home/"), _home_starts),
                                           (_TILDE, ("~",), _tilde_starts),
                                           (_USER_OPTION, ("user", "logname", "owner"), _user_option_starts),
                                           (_USER_DIRECTIVE, ("user",), None),
                                           (_ID_OUTPUT, ("uid=",), None), (_BAD_USER, ("bad user",), None)):
                if any(h in low for h in hints):
                    for m in _finditer(pattern, text, starts):
                        self.add_user(m.group("name"))
            if "@" in text:
                for m in _finditer(_EMAIL, text, _email_starts):
                    if m.group("domain").rsplit(".", 1)[-1].lower() in _TLDS:
                        self.add_user(m.group("local"))

    def discover_facts(self, node: Any, key: Optional[str] = None) -> None:
        """Collect names from structured facts: ``user``/``server_name`` keys, directive records."""
        if isinstance(node, dict):
            name = node.get("name")
            args = node.get("args")
            if isinstance(name, str) and isinstance(args, list):
                low = name.lower()
                if low in ("servername", "serveralias"):
                    for a in args:
                        self.add_host(a)
                elif low == "user" and args:
                    self.add_user(args[0])
            for k, v in node.items():
                self.discover_facts(v, k)
            return
        if isinstance(node, (list, tuple)):
            for v in node:
                self.discover_facts(v, key)
            return
        if isinstance(node, str) and key is not None:
            low = key.lower()
            if low in _USER_KEYS:
                self.add_user(node)
            elif low in _HOST_KEYS:
                self.add_host(node)
            self.discover(node)

    # --- replacing -----------------------------------------------------------------------------
    def _placeholder(self, kind: str, original: str) -> str:
        key = f"{kind}:{original}"
        if key not in self._map:
            self._serial[kind] += 1
            n = self._serial[kind]
            self._map[key] = _user_placeholder(n, original) if kind == "user" else f"{kind}-{n}"
        self.counts[{"user": "user-names", "host": "hostnames"}.get(kind, "ip-addresses")] += 1
        return self._map[key]

    def _names_pattern(self) -> Optional[re.Pattern[str]]:
        if self._pattern is None and (self._usernames or self._hostnames):
            alts = []
            for u in sorted(self._usernames, key=len, reverse=True):
                alts.append(f"(?P<u{len(alts)}>{re.escape(u)})")
            users_n = len(alts)
            for h in sorted(self._hostnames, key=len, reverse=True):
                alts.append(f"(?P<u{len(alts)}>(?i:{re.escape(h)}))")
            self._users_n = users_n
            self._pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(alts) + r")(?![\w-]|\.[A-Za-z0-9])")
        return self._pattern

    def _name_repl(self, m: "re.Match[str]") -> str:
        idx = int(m.lastgroup[1:]) if m.lastgroup else 0
        text = m.group(0)
        if idx < self._users_n:
            return self._placeholder("user", text)
        return self._placeholder("host", text.lower())

    def _ip_repl(self, kind: str) -> Callable[["re.Match[str]"], str]:
        def repl(m: "re.Match[str]") -> str:
            text = m.group(0)
            if _keep_ip(text):
                return text
            if kind == "ip6":
                import ipaddress

                addr = ipaddress.ip_address(text.split("%", 1)[0])
                return self._placeholder("ip6", addr.compressed)
            return self._placeholder("ip", text)
        return repl

    def text(self, text: str) -> str:
        """``text`` with every collected name and every non-local IP address replaced."""
        if not text or not isinstance(text, str) or not (self.hosts or self.users):
            return text
        pattern = self._names_pattern()
        if pattern is not None:
            text = _sub(pattern, self._name_repl, text, self._name_starts)
        if self.hosts:
            if ":" in text:
                text = _sub(_IPV6, self._ip_repl("ip6"), text, _ipv6_starts)
            text = _sub(_IPV4, self._ip_repl("ip"), text, _ipv4_starts)
        return text

    def _name_starts(self, text: str) -> Optional[list[int]]:
        """Where the names pattern can match in ``text``: where a user name or (in any case) a host name is."""
        if not text.isascii() or not all(h.isascii() for h in self._hostnames):
            return None  # (?i) also matches non-ASCII letters (the Kelvin sign for "k"); str.lower() may change lengths
        starts = scan.literal_starts(text, ((u, 0) for u in self._usernames))
        starts += scan.literal_starts(text.lower(), ((h, 0) for h in self._hostnames))
        return sorted(set(starts))

    def rules(self) -> list[str]:
        """The rule names this scrubber applies."""
        return (["hostnames", "ip-addresses"] if self.hosts else []) + (
            ["user-names", "home-paths"] if self.users else [])


# --- where the patterns can start in a long text (see :mod:`.scan`); None: anywhere -------------
Starts = Optional[Callable[[str], Optional[Iterable[int]]]]


def _finditer(pattern: "re.Pattern[str]", text: str, starts: Starts) -> Iterator["re.Match[str]"]:
    """``pattern.finditer(text)``: in a long text, tried only where ``starts`` says a match can start."""
    where = starts(text) if starts is not None and len(text) >= scan.LONG_TEXT else None
    return pattern.finditer(text) if where is None else scan.finditer(pattern, text, where)


def _sub(pattern: "re.Pattern[str]", repl: Callable[["re.Match[str]"], str], text: str,
         starts: Callable[[str], Optional[Iterable[int]]]) -> str:
    """``pattern.sub(repl, text)``: in a long text, tried only where ``starts`` says a match can start."""
    where = starts(text) if len(text) >= scan.LONG_TEXT else None
    return pattern.sub(repl, text) if where is None else scan.sub(pattern, repl, text, where)


def _fqdn_starts(text: str) -> Iterable[int]:
    return scan.run_starts(text, _FQDN_RUN)


def _ipv4_starts(text: str) -> Iterable[int]:
    return scan.run_before_starts(text, _IPV4_DOTS, str.isdecimal, 3)  # what \d matches


def _ipv6_starts(text: str) -> Iterable[int]:
    return scan.run_before_starts(text, _IPV6_COLONS, _HEX_DIGITS.__contains__, 4)


def _home_starts(text: str) -> Iterable[int]:
    return scan.literal_starts(text, _HOME_LITERALS)


def _tilde_starts(text: str) -> Iterable[int]:
    return scan.literal_starts(text, (("~", 0),))


def _user_option_starts(text: str) -> Optional[Iterable[int]]:
    # (?i) matches non-ASCII letters too ("ſ" for "s"), and str.lower() may change lengths
    return scan.literal_starts(text.lower(), _USER_OPTION_LITERALS) if text.isascii() else None


def _email_starts(text: str) -> Iterable[int]:
    """Where _EMAIL can match: the start of the run of local-part characters before each "@" (a match
    starting later in the run would follow one of them, which its look-behind excludes)."""
    starts = []
    at = text.find("@")
    while at != -1:
        k = at
        while k > 0 and text[k - 1] in _EMAIL_LOCAL:
            k -= 1
        starts.append(k)
        at = text.find("@", at + 1)
    return starts


def _url_starts(text: str) -> Iterable[int]:
    """Where _URL_HOST can match: a letter at most 31 scheme characters before each "://"."""
    done = 0
    at = text.find("://")
    while at != -1:
        first = at
        while first > max(at - 31, 0) and text[first - 1] in _SCHEME_CHARS:
            first -= 1
        for q in range(max(first, done), at):
            if text[q] in _SCHEME_CHARS and text[q].isalpha():
                yield q
        done = at
        at = text.find("://", at + 1)
