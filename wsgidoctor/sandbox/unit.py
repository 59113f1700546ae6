"""Apache's systemd unit: the sandboxing settings that change what the server sees of the
filesystem (PrivateTmp, ProtectHome, ProtectSystem, ReadWritePaths, ReadOnlyPaths,
InaccessiblePaths), read from ``systemctl show`` when systemd runs, else from the unit file and
its drop-ins the way systemd merges them (systemd need not be PID 1 for the files to matter: a
container image is often inspected before it boots)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Optional

UNIT_NAMES = ("apache2.service", "httpd.service")
#: Where unit files live, highest priority first (systemd's unit search path, system manager).
UNIT_DIRS = ("/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system",
             "/lib/systemd/system", "/usr/lib/systemd/system")
SETTINGS = ("PrivateTmp", "ProtectHome", "ProtectSystem", "ReadWritePaths", "ReadOnlyPaths",
            "InaccessiblePaths")
_LISTS = {"ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths"}


@dataclass
class UnitSettings:
    """The sandboxing settings of one unit and the files they came from."""

    name: str
    files: list[str] = field(default_factory=list)
    values: dict[str, object] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # setting -> file:line
    source: str = "files"  # "files" or "systemctl"

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "files": list(self.files), "values": dict(self.values),
                "where": dict(self.where), "source": self.source}


def find_unit(names: Iterable[str] = UNIT_NAMES, dirs: Iterable[str] = UNIT_DIRS) -> Optional[tuple[str, str]]:
    """(unit name, path of its main file): the first name with a file in the search path."""
    dirs = list(dirs)
    for name in names:
        for d in dirs:
            path = os.path.join(d, name)
            if os.path.isfile(path):
                return name, path
    return None


def drop_ins(name: str, dirs: Iterable[str] = UNIT_DIRS) -> list[str]:
    """``<name>.d/*.conf`` across the search path: a file name in a higher-priority directory
    masks the same name below; all are applied in file-name order."""
    chosen: dict[str, str] = {}
    for d in dirs:
        folder = os.path.join(d, name + ".d")
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if entry.endswith(".conf") and entry not in chosen:
                chosen[entry] = os.path.join(folder, entry)
    return [chosen[k] for k in sorted(chosen)]


def _bool(value: str) -> Optional[bool]:
    v = value.strip().lower()
    if v in ("1", "yes", "true", "on"):
        return True
    if v in ("0", "no", "false", "off"):
        return False
    return None


def normalise(key: str, value: str) -> object:
    """A setting's value as wsgidoctor uses it: booleans, ProtectHome/ProtectSystem words, lists."""
    if key == "PrivateTmp":
        b = _bool(value)
        return bool(b)
    if key in ("ProtectHome", "ProtectSystem"):
        b = _bool(value)
        if b is True:
            return "yes"
        if b is False:
            return "no"
        return value.strip().lower()
    return [p.lstrip("-+") for p in value.split()]


def apply_text(settings: UnitSettings, text: str, path: str) -> None:
    """Apply the [Service] lines of one unit file or drop-in (an empty list value resets it)."""
    section = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section != "Service" or "=" not in line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        if key not in SETTINGS:
            continue
        if key in _LISTS:
            current = settings.values.get(key) if value else None
            settings.values[key] = (list(current) if isinstance(current, list) else []) + normalise(key, value)  # type: ignore[operator]
        else:
            settings.values[key] = normalise(key, value)
        settings.where[key] = f"{path}:{number}"


def read_files(name: str, main: str, dirs: Iterable[str] = UNIT_DIRS) -> UnitSettings:
    """The settings from the unit file and its drop-ins (unreadable files are skipped)."""
    settings = UnitSettings(name)
    for path in [main, *drop_ins(name, dirs)]:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(256 * 1024)
        except OSError:
            continue
        settings.files.append(path)
        apply_text(settings, text, path)
    return settings


def parse_show(name: str, text: str) -> UnitSettings:
    """Settings from ``systemctl show -p PrivateTmp -p ... <unit>`` (``Key=value`` lines)."""
    settings = UnitSettings(name, source="systemctl")
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in SETTINGS:
            settings.values[key] = normalise(key, value)
            settings.where[key] = f"systemctl show {name}"
    return settings
