"""User settings: findings to silence and the default --fail-on, from an INI file.

Read from the first that exists of ``$WSGIDOCTOR_CONFIG``, ``./wsgidoctor.ini``,
``~/.config/wsgidoctor/config.ini`` and ``/etc/wsgidoctor.ini``::

    [wsgidoctor]
    ignore = embedded-mode-prefork, multiprocess-processes-1
    fail-on = error
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from wsgidoctor.core.errors import InputError


@dataclass(frozen=True)
class Settings:
    ignore: tuple[str, ...] = ()
    fail_on: Optional[str] = None
    path: Optional[str] = None


def candidate_paths() -> list[str]:
    paths = []
    if os.environ.get("WSGIDOCTOR_CONFIG"):
        paths.append(os.environ["WSGIDOCTOR_CONFIG"])
    paths.append(os.path.join(os.getcwd(), "wsgidoctor.ini"))
    paths.append(os.path.expanduser("~/.config/wsgidoctor/config.ini"))
    paths.append("/etc/wsgidoctor.ini")
    return paths


def load_settings(paths: Optional[list[str]] = None) -> Settings:
    """The settings of the first readable file, or defaults. A malformed file is an InputError."""
    for path in paths if paths is not None else candidate_paths():
        if not os.path.isfile(path):
            continue
        import configparser  # only when there is a file: its import compiles several patterns

        parser = configparser.ConfigParser()
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                parser.read_file(fh)
        except (OSError, configparser.Error) as exc:
            raise InputError(f"cannot read settings file {path}: {exc}") from None
        if not parser.has_section("wsgidoctor"):
            return Settings(path=path)
        section = parser["wsgidoctor"]
        ignore = tuple(i.strip() for i in section.get("ignore", "").replace("\n", ",").split(",") if i.strip())
        fail_on = section.get("fail-on") or None
        if fail_on and fail_on not in ("warning", "error", "never"):
            raise InputError(f"{path}: fail-on must be warning, error or never, not {fail_on!r}")
        return Settings(ignore, fail_on, path)
    return Settings()
