"""Read reports for ``wsgidoctor fleet``: files, directories, or standard input.

Each input may hold a bare ``wsgidoctor report --json``, an Ansible wrapper around one (the
``wsgidoctor_report`` module's result or ``ansible_facts``, a facts.d ``ansible_local`` entry, the
json callback's output, or what ``ansible HOSTS -m wsgidoctor_report`` prints), ``{"host": NAME,
"report": {...}}``, a mapping of host names to any of these, or a stream of JSON lines each
holding one of them. Host names come from the wrapper, else from the file name
(for Ansible's ``fetch`` layout ``DEST/HOST/.../wsgidoctor.json``, the host folder).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import IO, Any, Iterator, Optional

#: A fleet input larger than this is not read (a report is a few hundred KiB).
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: File stems that say nothing about the host: the parent folder names it instead.
GENERIC_STEMS = frozenset({"wsgidoctor", "report", "wsgidoctor-report", "wsgidoctor_report", "facts", "result"})
#: Keys of a wrapper that name the host.
HOST_KEYS = ("host", "hostname", "inventory_hostname", "minion", "pod", "container")
#: Keys under which a wrapper keeps the report.
REPORT_KEYS = ("report", "wsgidoctor", "return", "stdout")


@dataclass(frozen=True)
class HostReport:
    """One host's report (the JSON dict) and where it came from."""

    host: str
    source: str
    report: dict[str, Any]


@dataclass
class FleetInputs:
    """Every report read, and a note for each input that held none."""

    hosts: list[HostReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_report(data: Any) -> bool:
    """A wsgidoctor JSON report: a dict with ``schema_version`` and ``findings``."""
    return isinstance(data, dict) and "schema_version" in data and isinstance(data.get("findings"), list)


def _name_from_path(path: str) -> str:
    stem = os.path.basename(path)
    for suffix in (".jsonl", ".json", ".fact", ".ndjson"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    if stem.lower() in GENERIC_STEMS:
        # Ansible fetch: DEST/HOST/etc/wsgidoctor/report.json -> the first folder below DEST.
        parts = os.path.normpath(path).split(os.sep)
        for part in reversed(parts[:-1]):
            if part and part not in (".", "..", "etc", "tmp", "var", "wsgidoctor", "ansible", "facts.d"):
                return part
    return stem or path


def _host_key(data: dict[str, Any]) -> Optional[str]:
    for key in HOST_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def unwrap(data: Any, default_host: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(host, report)`` for every report inside ``data``, whatever wraps it."""
    if is_report(data):
        yield default_host, data
        return
    if isinstance(data, str):  # a report kept as text (a registered command's stdout)
        try:
            inner = json.loads(data)
        except ValueError:
            return
        yield from unwrap(inner, default_host)
        return
    if isinstance(data, list):  # e.g. the plays and tasks of Ansible's json callback
        for item in data:
            yield from unwrap(item, default_host)
        return
    if not isinstance(data, dict):
        return
    host = _host_key(data) or default_host
    facts = data.get("ansible_facts")
    if isinstance(facts, dict):
        for key in ("wsgidoctor", "ansible_local"):
            if key in facts:
                yield from unwrap(facts[key], host)
                return
    local = data.get("ansible_local")
    if isinstance(local, dict):
        yield from unwrap(local.get("wsgidoctor"), host)
        return
    for key in REPORT_KEYS:
        if key in data:
            yield from unwrap(data[key], host)
            return
    # A mapping of host names to reports (hostvars, a Salt return, the "hosts" of a task in
    # Ansible's json callback): every value that holds one, named by its key.
    for key, value in data.items():
        if isinstance(value, (dict, str)) and key not in ("msg", "changed", "failed"):
            yield from unwrap(value, str(key))
        elif isinstance(value, list):
            yield from unwrap(value, host)


#: A result in the output of an ad-hoc ``ansible`` command: ``web1 | SUCCESS => {``.
_ADHOC = re.compile(r"^(?P<host>[^\s|]+) \| [A-Z!]+(?: \| rc=-?\d+)? => ", re.M)


def _adhoc(text: str) -> list[Any]:
    """``{"host": ..., "report": result}`` for each result of ``ansible HOSTS -m MODULE`` output."""
    decoder = json.JSONDecoder()
    out: list[Any] = []
    for match in _ADHOC.finditer(text):
        try:
            value, _ = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        out.append({"host": match.group("host"), "report": value})
    return out


def _documents(text: str) -> Iterator[Any]:
    """One JSON document, a stream of JSON lines, or the output of an ad-hoc ansible command."""
    stripped = text.strip()
    if not stripped:
        return
    try:
        yield json.loads(stripped)
        return
    except ValueError:
        pass
    if not stripped.startswith(("{", "[")):
        results = _adhoc(stripped)
        if results:
            yield from results
            return
    decoder = json.JSONDecoder()
    position = 0
    while position < len(stripped):
        while position < len(stripped) and stripped[position].isspace():
            position += 1
        if position >= len(stripped):
            break
        try:
            value, position = decoder.raw_decode(stripped, position)
        except ValueError as exc:
            raise ValueError(f"not JSON or JSON lines ({exc.msg} at character {exc.pos})") from None
        yield value


def _engine_failure(document: Any) -> Optional[str]:
    """What the engine said about a host it got no report from (unreachable, a failed task)."""
    if not isinstance(document, dict):
        return None
    inner = document.get("report") if isinstance(document.get("report"), dict) else document
    if not (inner.get("unreachable") or inner.get("failed")):
        return None
    host = _host_key(document) or "a host"
    state = "unreachable" if inner.get("unreachable") else "failed"
    message = str(inner.get("msg") or "").strip().splitlines()
    return f"{host}: {state}" + (f": {message[0][:300]}" if message else "")


def read_text(text: str, source: str, into: FleetInputs) -> None:
    """Add the reports in ``text`` (named ``source``) to ``into``."""
    default_host = _name_from_path(source) if source != "-" else "host"
    found = 0
    try:
        for index, document in enumerate(_documents(text)):
            fallback = default_host if index == 0 else f"{default_host}#{index + 1}"
            before = found
            for host, report in unwrap(document, fallback):
                into.hosts.append(HostReport(host, source, report))
                found += 1
            failure = _engine_failure(document) if found == before else None
            if failure:
                into.problems.append(f"{source}: {failure}")
                found += 1  # said; not "holds no report"
    except ValueError as exc:
        into.problems.append(f"{source}: {exc}")
        return
    if not found:
        into.problems.append(f"{source}: holds no wsgidoctor report (expected `wsgidoctor report --json` "
                             "output, an Ansible result or facts wrapping one, or JSON lines of them)")


def _read_file(path: str, into: FleetInputs) -> None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        into.problems.append(f"{path}: {exc.strerror or exc}")
        return
    if len(data) > MAX_INPUT_BYTES:
        into.problems.append(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB, not read")
        return
    read_text(data.decode("utf-8", "replace"), path, into)


def _walk(directory: str) -> list[str]:
    """The report files under ``directory``: ``*.json``, ``*.jsonl``, ``*.ndjson``, ``*.fact``, and
    files without an extension (``ansible -m setup --tree DIR`` names each file after its host)."""
    out = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith((".json", ".jsonl", ".ndjson", ".fact")) or ("." not in name):
                out.append(os.path.join(root, name))
    return out


def read_inputs(names: list[str], stdin: Optional[IO[bytes]] = None) -> FleetInputs:
    """Read every named file, directory (its ``*.json``, ``*.jsonl``, ``*.fact`` files) or ``-``."""
    into = FleetInputs()
    for name in names:
        if name == "-":
            if stdin is None:
                import sys

                stdin = sys.stdin.buffer
            read_text(stdin.read(MAX_INPUT_BYTES).decode("utf-8", "replace"), "-", into)
        elif os.path.isdir(name):
            files = _walk(name)
            if not files:
                into.problems.append(f"{name}: no .json, .jsonl, .fact or extension-less files in this directory")
            for path in files:
                _read_file(path, into)
        elif not os.path.exists(name):
            into.problems.append(f"{name}: no such file or directory")
        else:
            _read_file(name, into)
    _disambiguate(into.hosts)
    return into


def _disambiguate(hosts: list[HostReport]) -> None:
    """Reports that share a host name (two files called web1.json) are numbered; each keeps its source."""
    counts: dict[str, int] = {}
    for h in hosts:
        counts[h.host] = counts.get(h.host, 0) + 1
    seen: dict[str, int] = {}
    for i, h in enumerate(hosts):
        if counts[h.host] > 1:
            seen[h.host] = seen.get(h.host, 0) + 1
            hosts[i] = HostReport(f"{h.host} #{seen[h.host]}", h.source, h.report)
