"""Shell prompts and the commands typed after them, and what output a command produces.

A pasted command line is the strongest hint of what follows it: ``apachectl -V | grep MPM`` says
the next line is a fragment of ``-V``; ``systemctl status apache2`` that a status block follows.
"""

from __future__ import annotations

import re
from typing import Optional

#: Programs whose command lines people paste before the output.
_PROGRAMS = (
    r"(?:sudo\s+(?:-\S+\s+)*)?(?:\S*/)?(?:httpd(?:-\w+)?(?:\.exe)?|apache2?(?:ctl)?|apachectl|apache2ctl"
    r"|ldd|otool|llvm-objdump|objdump|readelf|cat|less|more|head|tail|grep|systemctl|service|journalctl"
    r"|mod_wsgi-express|python\d?(?:\.\d+)?|pip\d?|docker(?:-compose)?|docker compose|kubectl|cd|ls|file"
    r"|find|nano|vi|vim|rc-service|/etc/init\.d/\S+|\./\S+|ipcs|ipcrm|setenforce|getenforce|ausearch"
    r"|a2enmod|a2dismod|a2ensite|apt(?:-get)?|yum|dnf|brew|port|curl|wget|ps|env|which|echo|export)")
_PROGRAM = re.compile(r"^(?:" + _PROGRAMS + r")(?=\s|$)")
#: ``user@host:~/dir$ ``, ``[root@host ~]# ``, ``(venv) `` before either, ``/usr/lib/apache2/modules# ``.
_USER_PROMPT = re.compile(
    r"^(?:\([\w.-]+\)\s+)?(?:\[[\w.-]+@[\w.<>*-]+(?:\s[^\]]*)?\]|[\w.-]+@[\w.<>*-]+(?::[^\s$#]*)?)"
    r"\s?[$#%]\s?(?P<cmd>.*)$")
#: ``/usr/lib/apache2/modules# ``, ``~/src$ ``: only when a known program follows.
_PATH_PROMPT = re.compile(r"^(?:\([\w.-]+\)\s+)?[~/][^\s$#]*[$#%]\s+(?P<cmd>.*)$")
#: ``$ ``, ``# ``, ``% ``, ``> `` alone: only when a known program follows (``# comment`` is not).
_BARE_PROMPT = re.compile(r"^(?:\([\w.-]+\)\s+)?[$#%]\s+(?P<cmd>.*)$")
#: Windows ``C:\xampp\apache\bin>``, ``PS C:\> ``.
_WIN_PROMPT = re.compile(r"^(?:\([\w.-]+\)\s+)?(?:PS\s+)?[A-Za-z]:\\[^>]*>\s?(?P<cmd>.*)$")
#: Output lines that start like a command but are not ("httpd: Syntax error ...").
_NOT_A_COMMAND = re.compile(r"^\S+(?:\s+\([^)]*\))?\s*:\s|Syntax error|Cannot load|AH\d{5}")
#: After a bare program name, what makes the line a command rather than prose.
_ARGUMENTS = re.compile(r"^\S+(?:\s+(?:-\S*|[\w./~-]*(?:\.so|\.h|\.nice|\.mk|\.conf|\.load|\.log|log)\b\S*"
                        r"|configtest|restart|reload|start|stop|status|graceful\S*|module-config|start-server"
                        r"|setup-server|runmodwsgi|logs|exec|/\S+|apache2|httpd|\S+\.service))")


def split_prompt(line: str) -> Optional[tuple[str, bool]]:
    """``(command, had_prompt)`` when ``line`` is a shell prompt (with or without a command) or a
    bare command line; ``None`` for anything else. ``command`` may be empty (a prompt alone)."""
    stripped = line.strip()
    if not stripped:
        return None
    for pattern in (_USER_PROMPT, _WIN_PROMPT):
        m = pattern.match(stripped)
        if m:
            cmd = m.group("cmd").strip()
            if not cmd or _PROGRAM.match(cmd) or not _NOT_A_COMMAND.match(cmd):
                return _strip_comment(cmd), True
    m = _BARE_PROMPT.match(stripped) or _PATH_PROMPT.match(stripped)
    if m and _PROGRAM.match(m.group("cmd")) and not _NOT_A_COMMAND.match(m.group("cmd")):
        return _strip_comment(m.group("cmd").strip()), True
    if stripped in ("$", "#", "%"):
        return "", True
    unsudo = re.sub(r"^sudo\s+(?:-\S+\s+)*", "", stripped)
    if _PROGRAM.match(stripped) and _ARGUMENTS.match(unsudo) and not _NOT_A_COMMAND.match(stripped) \
            and len(stripped) < 200:
        return _strip_comment(stripped), False
    return None


def _strip_comment(cmd: str) -> str:
    """``cat config.nice  #build dir`` -> ``cat config.nice``."""
    return re.sub(r"\s+#.*$", "", cmd).strip()


#: (pattern on the command, the kind of output it prints), first match wins.
_COMMAND_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"DUMP_MODULES|(?:^|\s)-M\b|\s-t\s+-D\s+DUMP_MODULES", "httpd-M"),
    (r"(?:httpd|apache2?|apache2?ctl|apachectl)\S*\s+(?:.*\s)?-V\b", "httpd-V"),
    (r"(?:httpd|apache2?|apache2?ctl|apachectl)\S*\s+(?:.*\s)?-v\b", "httpd-v"),
    (r"(?:httpd|apache2?|apache2?ctl|apachectl)\S*\s+(?:.*\s)?-l\b", "httpd-l"),
    (r"(?:httpd|apache2?|apache2?ctl|apachectl)\S*\s+(?:.*\s)?(?:-t\b|configtest)", "httpd-t"),
    (r"(?:httpd|apache2?|apache2?ctl|apachectl)\S*\s+(?:.*\s)?(?:-k\s+\w+|start|restart|graceful|reload)", "httpd-t"),
    (r"\bldd\b", "ldd"),
    (r"\botool\s+(?:-\w*\s+)*-L\b", "otool-L"),
    (r"\botool\s+(?:-\w*\s+)*-l\b", "otool-l"),
    (r"\b(?:llvm-)?objdump\b", "llvm-objdump"),
    (r"apr\.h\b", "apr.h"),
    (r"config\.nice\b", "config.nice"),
    (r"config_vars\.mk\b", "config_vars.mk"),
    (r"\bsystemctl\s+(?:.*\s)?status\b", "systemctl-status"),
    (r"\bjournalctl\b", "journal"),
    (r"\bservice\s+\S+\s+\w+|/etc/init\.d/|rc-service", "init-script"),
    (r"\bmod_wsgi-express\s+(?:start-server|setup-server)|runmodwsgi", "express-startup"),
    (r"(?:error[._]log|\.log)\b", "errorlog"),
))


def kind_of_command(command: str) -> Optional[str]:
    """The kind of output ``command`` prints, when the command says it."""
    for pattern, kind in _COMMAND_KINDS:
        if pattern.search(command):
            return kind
    return None


def is_filtered(command: str) -> bool:
    """True when the output was cut by a pipe (``apachectl -V | grep MPM``): only a fragment follows."""
    return bool(re.search(r"\|\s*(?:grep|head|tail|sed|awk|less|more)\b", command))
