"""Render docs/scenarios.md from the scenario catalogue.

    python -m tests.scenarios.docs > docs/scenarios.md

tests/scenarios/test_docs_scenarios.py fails when the committed page differs from this output.
"""

from __future__ import annotations

from tests.scenarios.scenarios import SCENARIOS, Scenario

INTRO = """\
# Scenarios: diagnoses proven on real installations

Each row is a real Apache + mod_wsgi installation that the scenario suite
(`tests/scenarios/`, marked `apache`) builds on Debian 12 in a temporary directory, starts with
Debian's `/usr/sbin/apache2 -f <its apache2.conf>` on 127.0.0.1, and observes: the server must
really fail the way the row says before wsgidoctor is asked. Then
`wsgidoctor report --json --httpd /usr/sbin/apache2 --config <its apache2.conf> --no-plugins`
(with `--live` where marked) must report the finding of the row, citing this installation's
files, and no other warning or error, except the ids listed as also accepted: the same cause
seen from another source, such as the error log corroborating a configuration finding.

Every installation starts as a copy of Debian's default layout (`apache2.conf`, `envvars`,
the default modules and confs of `apache2` + `libapache2-mod-wsgi-py3`, a default site with
`WSGIScriptAlias /app`), with its pid file, runtime, lock and log directories and mod_wsgi's
sockets inside the temporary directory; the server runs in a PID namespace of its own, so
other servers on the machine are invisible to the doctor. Modules built for the scenarios
(pip's mod_wsgi for pyenv Pythons, a copy without RUNPATH, a static-libpython build) are built
once into `/var/cache/wsgidoctor-tests` (or `$WSGIDOCTOR_TEST_CACHE`).

Run them with `python -m pytest tests/scenarios` (as root: the children run as www-data).
This page is generated: `python -m tests.scenarios.docs > docs/scenarios.md`.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def row(s: Scenario) -> str:
    finding = f"`{s.expect}`" if s.expect else "none (no warning or error)"
    if s.also:
        finding += " (also accepted: " + ", ".join(f"`{a}`" for a in sorted(s.also)) + ")"
    name = f"**{s.name}**" + (" (`--live`)" if s.live else "")
    if s.pending:
        name += f" — pending: {s.pending}"
    what = getattr(s.observe, "description", "")
    return "| " + " | ".join(_cell(c) for c in (f"{name}: {s.title}", s.how, what, finding, s.fix)) + " |"


def render() -> str:
    lines = [INTRO, "| Scenario | How it is built | What Apache does | Finding | Fix |",
             "|---|---|---|---|---|"]
    lines += [row(s) for s in SCENARIOS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
