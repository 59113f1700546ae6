"""For every real installation: `wsgidoctor report --json` (run as that system's user would) agrees
with what the real server answers; `report --live` / `check --live` confirm it.

Aspects wsgidoctor gets wrong today are xfail(strict=True) with the reason: fixing wsgidoctor
makes them pass, and strictness makes the fixer flip them (issue 13)."""

from __future__ import annotations

import os
import re
from typing import Any, Optional

import pytest

from tests.platforms import installations as inst
from tests.platforms.conftest import NAMES

pytestmark = [pytest.mark.apache, pytest.mark.platforms]

ASPECTS = ("apache_version", "mpm", "modules", "libpython", "python_version", "mod_wsgi_version",
           "sys_prefix", "sys_path", "mounts", "live", "check_live")

# (installation, aspect) -> what is wrong today (nothing: every aspect agrees everywhere).
WRONG_TODAY: dict[tuple[str, str], str] = {}


def _params() -> list[Any]:
    out = []
    for name in NAMES:
        for aspect in ASPECTS:
            reason = WRONG_TODAY.get((name, aspect))
            marks = [pytest.mark.xfail(strict=True, reason=f"issue 13: {reason}")] if reason else []
            out.append(pytest.param(name, aspect, marks=marks, id=f"{name}-{aspect}"))
    return out


def _mount_fact(obs: inst.Observation, url: str) -> Optional[dict[str, Any]]:
    for mount in obs.facts.get("config", {}).get("mounts") or []:
        if mount.get("url") == url:
            return mount
    return None


def _without_host(group: Optional[str]) -> Optional[str]:
    """An application group named after host:port|path, without the (throwaway) host:port."""
    return re.sub(r"^[^|]*\|", "|", group) if group and "|" in group else group


def _first(obs: inst.Observation) -> dict[str, Any]:
    return next(iter(obs.answers.values()))


def check_apache_version(obs: inst.Observation) -> None:
    # The Server header (ServerTokens Full), else the start-up line (express sends "Apache" only).
    m = re.match(r"Apache/(\S+)", obs.server_header) or re.search(r"AH00489: Apache/(\S+)", obs.error_log)
    assert m, (obs.server_header, obs.error_log[-2000:])
    assert obs.facts["apache"]["version"] == m.group(1)


def check_mpm(obs: inst.Observation) -> None:
    real = inst.mpm_from_server(obs)
    assert real is not None
    assert obs.facts["apache"]["mpm"]["name"] == real
    threaded = obs.facts["apache"]["mpm"]["threaded"]
    assert bool(threaded) == (real != "prefork")


def check_modules(obs: inst.Observation) -> None:
    reported = {m["name"] for m in obs.facts["apache"].get("modules") or [] if m.get("origin") == "shared"}
    assert reported == inst.modules_from_maps(obs.parent_maps)


def check_libpython(obs: inst.Observation) -> None:
    mapped = {os.path.realpath(inst_path(obs, p)) for libs in obs.worker_libpython.values() for p in libs}
    library = (obs.facts.get("linkage") or {}).get("python_library") or {}
    if not mapped:  # a static libpython: nothing to map, and the report must say static
        assert (obs.facts.get("linkage") or {}).get("static")
        return
    assert len(mapped) == 1, mapped
    assert library.get("path"), library
    assert os.path.realpath(inst_path(obs, library["path"])) in mapped


def inst_path(obs: inst.Observation, path: str) -> str:
    return str(obs.installation.host_path(path))


def _python(obs: inst.Observation) -> dict[str, Any]:
    """facts.python: from the plain report, or, where the hosting program could not run there (no
    C compiler), from `report --live`, whose live answers must fill it."""
    return obs.facts.get("python") or obs.live_report["facts"].get("python") or {}


def check_python_version(obs: inst.Observation) -> None:
    reported = _python(obs).get("version") or ""
    assert reported.split()[0] == _first(obs)["version"]


def check_mod_wsgi_version(obs: inst.Observation) -> None:
    assert (obs.facts.get("mod_wsgi") or {}).get("version") == _first(obs)["mod_wsgi_version"]


def _python_of_mount(obs: inst.Observation, url: str) -> dict[str, Any]:
    """The Python the report says this mount runs in: the hosting program's run for the mount's
    process and application group (mounts sharing both share the interpreter), else (no hosting
    program there) what `report --live` saw at that mount."""
    mount = _mount_fact(obs, url) or {}
    for run in (obs.facts.get("hosting") or {}).get("runs") or []:
        if (run.get("process_group"), run.get("application_group")) == \
                (mount.get("process_group"), mount.get("application_group")) and run.get("python"):
            return run["python"]
    for asked in (obs.live_report["facts"].get("live") or {}).get("mounts") or []:
        if asked.get("url") == url and asked.get("answer"):
            return asked["answer"]["python"]
    return {}


def check_sys_prefix(obs: inst.Observation) -> None:
    assert _python(obs).get("prefix") == _first(obs)["prefix"]
    for url, answer in obs.answers.items():
        assert _python_of_mount(obs, url).get("prefix") == answer["prefix"], url


def check_sys_path(obs: inst.Observation) -> None:
    assert _python(obs).get("path") == _first(obs)["path"]
    for url, answer in obs.answers.items():
        assert _python_of_mount(obs, url).get("path") == answer["path"], url


def check_mounts(obs: inst.Observation) -> None:
    for url, answer in obs.answers.items():
        mount = _mount_fact(obs, url)
        assert mount is not None, f"no mount {url} in {[m.get('url') for m in obs.facts['config']['mounts']]}"
        assert (mount["process_group"], mount["application_group"], mount["multithread"], mount["multiprocess"]) == \
            (answer["process_group"], answer["application_group"], answer["multithread"], answer["multiprocess"]), url


def check_live(obs: inst.Observation) -> None:
    """`report --live` asked every mount the real server answered on, reached the way the real
    request was (the same request handler: a WSGIScriptAlias, or express's RewriteRule to its
    WSGIHandlerScript), and saw what the real server saw there."""
    live = obs.live_report["facts"].get("live") or {}
    assert live.get("error") is None, live.get("error")
    for url, answer in obs.answers.items():
        asked = [m for m in live.get("mounts") or [] if m.get("url") == url and m.get("answer")]
        assert asked, f"the live probe got no answer from the mount {url}: {live.get('mounts')}"
        got = asked[0]["answer"]
        observed = asked[0].get("observed") or {}
        assert (observed.get("process_group"), _without_host(observed.get("application_group")),
                observed.get("multithread"), observed.get("multiprocess")) == \
            (answer["process_group"], _without_host(answer["application_group"]), answer["multithread"],
             answer["multiprocess"]), url
        assert got["environ"].get("mod_wsgi.request_handler") == answer["request_handler"], url
        assert got["python"]["prefix"] == answer["prefix"], url
        assert asked[0]["mismatches"] == {}, url


def _rows(text: str, title: str) -> dict[str, str]:
    """The rows of one section of `check`'s text output (wrapped values joined)."""
    rows: dict[str, str] = {}
    label = None
    inside = False
    for line in text.splitlines():
        if not line.startswith(" "):
            inside = line[2:].strip() == title if line[:1] in "✓?✗!" else inside and bool(line.strip())
            label = None
            continue
        if not inside:
            continue
        m = re.match(r"^    (\S.*?)\s{2,}(\S.*)$", line)
        if m:  # a row: four spaces, the label, the value
            label = m.group(1)
            rows[label] = m.group(2)
        elif line.startswith("     ") and label is not None:  # its value, wrapped
            rows[label] += " " + line.strip()
        else:  # a finding (two spaces) and its text
            label = None
    return rows


def check_check_live(obs: inst.Observation) -> None:
    """`check --live` confirms, in its own words, each mount the real server answered on (the
    prediction that agrees with the real server's answer, confirmed by the throwaway server) and
    shows the real server's sys.prefix."""
    out, err = obs.check_live.stdout, obs.check_live.stderr
    assert obs.check_live.returncode in (0, 1, 2), err[-2000:]
    assert "Traceback" not in err
    groups = _rows(out, "Process group, application group and threading")
    for url, answer in obs.answers.items():
        row = next((v for k, v in groups.items() if k.startswith("Mount ") and k.endswith(url)), None)
        assert row is not None, (url, groups)
        assert row.endswith("; confirmed live"), (url, row)
        assert row.startswith(f"process group {answer['process_group'] or '(embedded)'}, "), (url, row)
        assert f"multithread {'yes' if answer['multithread'] else 'no'}, " \
               f"multiprocess {'yes' if answer['multiprocess'] else 'no'}; " in row, (url, row)
    python = _rows(out, "Python installation in use")
    assert python.get("sys.prefix") == _first(obs)["prefix"], python


CHECKS = {name[len("check_"):]: fn for name, fn in list(globals().items()) if name.startswith("check_")}


@pytest.mark.parametrize("name, aspect", _params())
def test_report_agrees_with_the_real_server(observe, name: str, aspect: str) -> None:
    CHECKS[aspect](observe(name))
