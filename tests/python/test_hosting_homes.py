"""Python installations on disk: python-home inspection, a library's prefix, PATH's python3."""

from __future__ import annotations

import os

import pytest

from tests.support.hosting_support import PYENV, SYSTEM_LIBPYTHON
from wsgidoctor.python.hosting.homes import (first_on_path, inspect_home, library_prefix, parse_pyvenv_cfg,
                                      split_version)


def write(path, text=""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_installation_prefix_has_the_stdlib_of_the_linked_version(tmp_path):
    write(tmp_path / "lib" / "python3.11" / "os.py")
    info = inspect_home(str(tmp_path), (3, 11))
    assert info["exists"] and info["is_dir"] and info["pyvenv_cfg"] is None
    assert info["stdlib"] == str(tmp_path / "lib" / "python3.11" / "os.py")
    assert inspect_home(str(tmp_path), (3, 12))["stdlib"] is None


def test_a_virtual_environment_reports_its_version_base_and_site_packages(tmp_path):
    base = tmp_path / "base"
    write(base / "lib" / "python3.12" / "os.py")
    venv = tmp_path / "venv"
    write(venv / "pyvenv.cfg", f"home = {base}/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n")
    info = inspect_home(str(venv), (3, 11))
    assert info["venv_version"] == "3.12.1"
    assert info["base_prefix"] == str(base)
    assert info["base_stdlib"] is None  # no lib/python3.11 there: the 3.11 library cannot use it
    assert info["venv_site_packages"] == str(venv / "lib" / "python3.12" / "site-packages")
    assert info["pyvenv_cfg"]["lines"]["version"] == 3
    assert inspect_home(str(venv), (3, 12))["base_stdlib"] == str(base / "lib" / "python3.12" / "os.py")


@pytest.mark.parametrize("relative, words", [
    ("bin/python3", "python executable"),
    ("lib/python3.11", "lib/pythonX.Y"),
    ("lib/python3.11/site-packages", "site-packages"),
])
def test_the_classic_wrong_values_are_recognised(tmp_path, relative, words):
    target = tmp_path / relative
    target.mkdir(parents=True)
    assert words in inspect_home(str(target), (3, 11))["suspicious"]


def test_a_missing_home(tmp_path):
    info = inspect_home(str(tmp_path / "nope"), (3, 11))
    assert (info["exists"], info["is_dir"], info["stdlib"]) == (False, False, None)


def test_the_system_library_belongs_to_usr():
    if not os.path.exists(SYSTEM_LIBPYTHON):
        pytest.skip("no system libpython3.11")
    assert library_prefix(SYSTEM_LIBPYTHON, (3, 11)) == "/usr"
    assert library_prefix("/lib/x86_64-linux-gnu/libpython3.11.so.1.0", (3, 11)) == "/usr"  # usrmerge link


def test_a_pyenv_library_belongs_to_its_version_directory():
    lib = PYENV / "3.12.1" / "lib" / "libpython3.12.so.1.0"
    if not lib.exists():
        pytest.skip("no pyenv 3.12.1")
    assert library_prefix(str(lib), (3, 12)) == str(PYENV / "3.12.1")
    assert library_prefix(str(lib), None) is None


def test_first_python3_on_path_skips_non_executables(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a / "python3", "not executable")
    write(b / "python3", "#!/bin/sh\n").chmod(0o755)
    assert first_on_path("python3", f"{tmp_path}/none::{a}:{b}") == str(b / "python3")
    assert first_on_path("python3", None) is None


@pytest.mark.parametrize("text", ["", "garbage", "=\n=x\n", "home\n", "\x00\xff", "# comment = 1\nversion=3.9", b"\xff\xfe=\x00", None])
def test_pyvenv_cfg_parsing_never_raises(text):
    parse_pyvenv_cfg(text)


def test_pyvenv_cfg_keeps_the_first_value_and_its_line():
    cfg = parse_pyvenv_cfg("\r\nHome = /usr/bin\r\nversion = 3.11.2\r\nversion = 9\r\n")
    assert cfg["values"] == {"home": "/usr/bin", "version": "3.11.2"}
    assert cfg["lines"]["version"] == 3  # the file's own line numbers, for evidence


@pytest.mark.parametrize("text, expected", [
    ("3.11.2 (main, Apr 28 2025) [GCC]", (3, 11, 2)), ("3.12", (3, 12)), ("2.7.18", (2, 7, 18)), ("x", None), (None, None),
])
def test_split_version(text, expected):
    assert split_version(text) == expected


def test_a_relative_home_is_looked_up_from_the_root_as_the_server_does_not_from_our_directory(tmp_path, monkeypatch):
    write(tmp_path / "lib" / "python3.11" / "os.py")
    relative = str(tmp_path).lstrip("/")
    monkeypatch.chdir(tmp_path)  # a same-named relative path here does not exist
    info = inspect_home(relative, (3, 11))
    assert info["path"] == relative
    assert info["exists"] and info["is_dir"]
    assert info["stdlib"] == str(tmp_path / "lib" / "python3.11" / "os.py")
