"""Probe: read the server's main error log from the last start-up on, and summarise it.

Finds the log (see :mod:`wsgidoctor.errorlog.locate`), locates the last start-up by searching
backwards (:mod:`wsgidoctor.errorlog.tail`) and streams from there to the end with bounded memory.
A very long tail is read in two parts - the start-up itself and the most recent stretch - with
the middle skipped but its lines counted, so line numbers stay those of the file. Virtual hosts
with their own ErrorLog get the recent end of that file read too: requests to them fail there.
"""

from __future__ import annotations

import os
import stat
from typing import IO, Any, Optional

from wsgidoctor.core.hookspec import NotApplicable, Probe, ProbeContext, ProbeOutput

#: The most of a tail that is read; beyond it the middle is skipped.
MAX_SCAN = 256 << 20
#: Of a skipped tail, how much of the start-up end is still read.
HEAD_KEEP = 8 << 20
#: Line numbers are counted from the top of the file only up to this offset.
COUNT_LIMIT = 2 << 30
#: How much of the tail is kept as raw text in the report.
EXCERPT = 64 << 10
#: Of each virtual host's own ErrorLog, the last this many bytes are read (requests only).
VHOST_TAIL = 16 << 20
#: At most this many virtual-host logs are read.
VHOST_LOGS = 8


def read_log(fh: IO[bytes], path: str) -> tuple[dict[str, Any], str]:
    """The ``errorlog`` facts of an open log, and a text excerpt of its last start-up."""
    from wsgidoctor.errorlog import scanner, tail
    from wsgidoctor.core.textnorm import decode

    size = os.fstat(fh.fileno()).st_size
    plan = tail.find_last_startup(fh, size)
    first_line = (scanner.count_newlines(fh, 0, plan.start) + 1) if plan.start <= COUNT_LIMIT else None
    skip = None
    if size - plan.start > MAX_SCAN:
        a = tail.next_line_start(fh, plan.start + HEAD_KEEP)
        b = tail.next_line_start(fh, size - (MAX_SCAN - HEAD_KEEP))
        if b > a:
            skip = (a, b - a)
    facts = scanner.scan_stream(fh, start=plan.start, end=size, first_line=first_line, path=path,
                                skip=skip)
    facts["size"] = size
    facts["tail"] = {"start_offset": plan.start, "banner_offset": plan.banner_offset,
                     "reason": plan.reason}
    fh.seek(plan.start)
    head = fh.read(min(EXCERPT, size - plan.start))
    return facts, decode(head)


def loaded_at(banner_time: Any, start_env: Any) -> Optional[float]:
    """The epoch of a banner's time (``Fri Dec 04 10:00:00.123456 2026``): when the server last
    (re)loaded its configuration. Apache writes local time, in its own TZ when its environment
    sets one. None when the time is absent or in another format (a custom ErrorLogFormat)."""
    import re
    import time

    if not isinstance(banner_time, str):
        return None
    fraction = re.search(r"\.(\d{1,6})\b", banner_time)
    text = re.sub(r"\.\d+", "", banner_time.strip())
    try:
        parsed = time.strptime(text, "%a %b %d %H:%M:%S %Y")
    except ValueError:
        return None
    extra = int(fraction.group(1).ljust(6, "0")) / 1e6 if fraction else 0.0
    tz = start_env.get("TZ") if isinstance(start_env, dict) else None
    if tz:
        try:
            from datetime import datetime
            from zoneinfo import ZoneInfo

            return datetime(*parsed[:6], tzinfo=ZoneInfo(str(tz).lstrip(":"))).timestamp() + extra
        except Exception:  # noqa: BLE001 - an unknown zone: fall back to ours
            pass
    try:
        return time.mktime(parsed) + extra
    except (OverflowError, ValueError):
        return None


def read_recent(path: str) -> dict[str, Any]:
    """The events of the last VHOST_TAIL bytes of a virtual host's log."""
    from wsgidoctor.errorlog import scanner, tail

    with open(path, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise IsADirectoryError(path)
        size = os.fstat(fh.fileno()).st_size
        start = tail.next_line_start(fh, max(0, size - VHOST_TAIL))
        first_line = (scanner.count_newlines(fh, 0, start) + 1) if start <= COUNT_LIMIT else None
        facts = scanner.scan_stream(fh, start=start, end=size, first_line=first_line, path=path)
    keep = ("path", "lines_read", "bytes_read", "first_line", "line_numbers", "start_offset", "events")
    return {**{k: facts.get(k) for k in keep}, "size": size}


def _vhost_logs(paths: list[str], main: str) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    logs, problems = [], []
    for path in [p for p in paths if p != main][:VHOST_LOGS]:
        try:
            logs.append(read_recent(path))
        except FileNotFoundError:
            continue
        except OSError as exc:
            problems.append({"path": path, "source": "virtual host ErrorLog", "problem": exc.strerror or str(exc)})
    return logs, problems


def run(ctx: ProbeContext) -> ProbeOutput:
    from wsgidoctor.errorlog import locate
    from wsgidoctor.core.model import RawOutput

    user_path = ctx.options.extra.get("error_log") if ctx.options.extra else None
    problems: list[dict[str, str]] = []
    for cand in locate.candidates(ctx.fact, user_path=user_path):
        try:
            fh = open(cand.path, "rb")
        except FileNotFoundError:
            if cand.certain:
                raise NotApplicable(f"{cand.path} ({cand.source}) does not exist: the server has not "
                                    f"started with this configuration yet") from None
            continue
        except OSError as exc:
            problems.append({"path": cand.path, "source": cand.source,
                             "problem": exc.strerror or str(exc),
                             "denied": isinstance(exc, PermissionError)})
            if cand.certain:  # the server logs there: another file would be another server's log
                break
            continue
        with fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                continue
            facts, excerpt = read_log(fh, cand.path)
        others = locate.other_logs(ctx.fact)
        vhost_logs, vhost_problems = _vhost_logs(others, cand.path)
        for problem in problems:
            problem.pop("denied", None)
        banner = facts.get("banner") if isinstance(facts.get("banner"), dict) else {}
        facts["loaded_at"] = loaded_at(banner.get("time"), ctx.fact("install.start_env"))
        facts.update({"path_source": cand.source, "config_file": cand.config_file,
                      "config_line": cand.config_line, "unreadable": problems + vhost_problems,
                      "as_root": os.geteuid() == 0 if hasattr(os, "geteuid") else None,
                      "other_logs": others, "vhost_logs": vhost_logs})
        notes = []
        if facts.get("skipped"):
            notes.append(f"{cand.path}: the last start-up is followed by more than {MAX_SCAN >> 20} MiB; "
                         f"the middle {facts['skipped']['bytes'] >> 20} MiB were skipped")
        raw = RawOutput("errorlog-excerpt", cand.path, excerpt,
                        truncated=facts["size"] - facts["tail"]["start_offset"] > len(excerpt.encode()))
        return ProbeOutput(facts={"errorlog": facts}, raw=[raw], notes=notes)
    target = locate.syslog_target(ctx.fact)
    if target:
        raise NotApplicable(f"the ErrorLog goes to {target}; read it with journalctl or your syslog files")
    if problems:
        as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else None
        hint = "" if as_root else " (run wsgidoctor as root to read Apache's logs)"
        said = "no readable error log: " + "; ".join(f"{p['path']} ({p['problem']})" for p in problems) + hint
        denied = [p for p in problems if p.pop("denied")]
        if denied:
            # Not "not applicable": the log is there and says what fails, and it was not read. The
            # facts say so, and the section is marked not examined (wsgidoctor/completeness.py).
            return ProbeOutput(facts={"errorlog": {"path": None, "unreadable": denied, "as_root": as_root}},
                               notes=[said])
        raise NotApplicable(said)
    raise NotApplicable("no error log found")


PROBE = Probe(
    name="errorlog",
    run=run,
    description="the main error log from the last start-up on: banner, Python versions, failures",
    needs=("discovery", "httpd_version", "config"),
    timeout=60.0,
)
