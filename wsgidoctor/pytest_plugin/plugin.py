"""pytest plugin for testing Apache + mod_wsgi installations (registered under ``pytest11``).

Installing wsgidoctor is enough: tests ask for the fixtures below and get the doctor's report of
the installation they run on. See docs/pytest-plugin.md.

Fixtures (all session-scoped, computed at most once per test process):

- ``wsgidoctor_options``: the :class:`~wsgidoctor.core.hookspec.Options` built from the command line and
  ini file; override it in a conftest.py to examine something else.
- ``wsgidoctor_report``: the full :class:`~wsgidoctor.core.model.Report`. Skips the test when Apache
  is absent (fails instead with ``--wsgidoctor-require-apache``).
- ``wsgidoctor_facts``, ``wsgidoctor_apache``, ``wsgidoctor_linkage``, ``wsgidoctor_python``:
  read-only views of its facts (:mod:`wsgidoctor.pytest_plugin.views`).
- ``wsgidoctor_server``: a throwaway copy of the server (the live mode's), started on 127.0.0.1
  with the installation's own httpd, mod_wsgi and WSGI directives, and a client for it.
- ``wsgidoctor_host_report``: with pytest-testinfra, the JSON report of testinfra's ``host``
  (``pytest --hosts=...``), from the wsgidoctor installed on that host (:mod:`wsgidoctor.pytest_plugin.hosts`).

This module loads in every pytest run of an environment where wsgidoctor is installed, so it
imports nothing heavy and probes nothing until a fixture asks.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Optional

import pytest

if TYPE_CHECKING:
    from wsgidoctor.core.model import Report
    from wsgidoctor.core.hookspec import Options
    from wsgidoctor.pytest_plugin.live import LiveClient
    from wsgidoctor.pytest_plugin.views import ApacheFacts, FactsView

#: Key under which an xdist worker hands its JSON report to the controller.
_WORKER_REPORT_KEY = "wsgidoctor_report_json"
DEFAULT_COMMAND_TIMEOUT = 20.0
DEFAULT_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class PluginSettings:
    """What the command line and the ini file ask of the plugin."""

    httpd: Optional[str] = None
    config: Optional[str] = None
    module: Optional[str] = None
    #: True: the report includes the live probe; None: live servers only when a test asks;
    #: False: no live server at all (the server fixture skips).
    live: Optional[bool] = None
    report_path: Optional[str] = None
    require_apache: bool = False
    ignore: tuple[str, ...] = ()
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT
    start_timeout: float = DEFAULT_START_TIMEOUT
    #: The JSON artifact is redacted (secrets blanked) unless asked otherwise: CI artifacts get shared.
    redact: bool = True
    #: True when any wsgidoctor option or ini value was given (the header line is shown).
    explicit: bool = False

    def options(self) -> "Options":
        from wsgidoctor.core.hookspec import Options

        return Options(httpd=self.httpd, config=self.config, module=self.module, live=bool(self.live),
                       command_timeout=self.command_timeout,
                       extra={"enable_probes": ("live",) if self.live else ()})

    def header(self) -> str:
        from wsgidoctor import __version__

        live = {True: "on", False: "off", None: "when a test asks"}[self.live]
        parts = [f"httpd {self.httpd or 'found automatically'}",
                 f"config {self.config or 'the httpd default'}",
                 f"live server {live}",
                 f"missing Apache {'fails' if self.require_apache else 'skips'}"]
        if self.report_path:
            parts.append(f"JSON report to {self.report_path}")
        return f"wsgidoctor {__version__}: " + ", ".join(parts)


@dataclass
class _State:
    """Per-process plugin state, kept in ``config.stash``."""

    report: Optional["Report"] = None
    worker_json: Optional[str] = None  # controller: a report received from an xdist worker
    written: Optional[str] = None  # the line for the terminal summary
    servers: list[Any] = field(default_factory=list)
    host_reports: dict[str, Any] = field(default_factory=dict)  # testinfra host name -> JSON report


_SETTINGS = pytest.StashKey[PluginSettings]()
_STATE = pytest.StashKey[_State]()


# --- options --------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wsgidoctor", "wsgidoctor: test the Apache + mod_wsgi installation")
    group.addoption("--wsgidoctor-httpd", dest="wsgidoctor_httpd", metavar="PATH", default=None,
                    help="the httpd/apache2 binary to examine (default: the running server's, else PATH). "
                         "ini: wsgidoctor_httpd")
    group.addoption("--wsgidoctor-config", dest="wsgidoctor_config", metavar="FILE", default=None,
                    help="the main Apache configuration file (default: the one httpd -V names). "
                         "ini: wsgidoctor_config")
    group.addoption("--wsgidoctor-module", dest="wsgidoctor_module", metavar="PATH", default=None,
                    help="the mod_wsgi.so to examine (default: the configured one). ini: wsgidoctor_module")
    group.addoption("--wsgidoctor-live", dest="wsgidoctor_live", action="store_true", default=None,
                    help="also confirm the report by asking a throwaway copy of the server "
                         "(the live probe). ini: wsgidoctor_live = true")
    group.addoption("--no-wsgidoctor-live", dest="wsgidoctor_live", action="store_false",
                    help="start no throwaway server at all: tests using wsgidoctor_server skip. "
                         "ini: wsgidoctor_live = false")
    group.addoption("--wsgidoctor-report", dest="wsgidoctor_report", metavar="PATH", default=None,
                    help="write the JSON report of the installation to PATH at the end of the run "
                         "(a CI artifact). ini: wsgidoctor_report")
    group.addoption("--wsgidoctor-no-redact", dest="wsgidoctor_redact", action="store_false", default=None,
                    help="write the JSON report with its secrets (passwords, tokens, keys) as they are; "
                         "by default they are blanked. ini: wsgidoctor_redact = false")
    group.addoption("--wsgidoctor-require-apache", dest="wsgidoctor_require_apache", action="store_true",
                    default=None, help="fail, instead of skip, tests that need Apache when it is absent. "
                                       "ini: wsgidoctor_require_apache = true")
    group.addoption("--wsgidoctor-ignore", dest="wsgidoctor_ignore", action="append", default=[],
                    metavar="ID", help="leave finding ID out of the report (repeatable). ini: wsgidoctor_ignore")
    group.addoption("--wsgidoctor-timeout", dest="wsgidoctor_timeout", metavar="SECONDS", default=None,
                    help=f"time limit for each command wsgidoctor runs (default {DEFAULT_COMMAND_TIMEOUT:g}). "
                         "ini: wsgidoctor_timeout")
    group.addoption("--wsgidoctor-start-timeout", dest="wsgidoctor_start_timeout", metavar="SECONDS",
                    default=None, help="how long the throwaway server may take to answer "
                                       f"(default {DEFAULT_START_TIMEOUT:g}). ini: wsgidoctor_start_timeout")
    group.addoption("--wsgidoctor-remote-command", dest="wsgidoctor_remote_command", metavar="COMMAND",
                    default=None, help="what wsgidoctor_host_report runs on each testinfra host "
                                       "(default: wsgidoctor report --json). ini: wsgidoctor_remote_command")
    group.addoption("--wsgidoctor-fleet-dir", dest="wsgidoctor_fleet_dir", metavar="DIR", default=None,
                    help="keep each testinfra host's report as DIR/HOST.json, for `wsgidoctor fleet DIR`. "
                         "ini: wsgidoctor_fleet_dir")
    parser.addini("wsgidoctor_remote_command", "what wsgidoctor_host_report runs on each host", default="")
    parser.addini("wsgidoctor_fleet_dir", "keep each testinfra host's report here", default="")
    for name, help_text in (
        ("wsgidoctor_httpd", "the httpd binary to examine (relative to the ini file)"),
        ("wsgidoctor_config", "the main Apache configuration file (relative to the ini file)"),
        ("wsgidoctor_module", "the mod_wsgi.so to examine (relative to the ini file)"),
        ("wsgidoctor_live", "true: include the live probe in the report; false: start no server"),
        ("wsgidoctor_report", "write the JSON report here (relative to the ini file)"),
        ("wsgidoctor_require_apache", "true: fail instead of skip when Apache is absent"),
        ("wsgidoctor_redact", "false: write the JSON report with its secrets (default true: blanked)"),
        ("wsgidoctor_timeout", "time limit in seconds for each command wsgidoctor runs"),
        ("wsgidoctor_start_timeout", "seconds the throwaway server may take to answer"),
    ):
        parser.addini(name, help_text, default="")
    parser.addini("wsgidoctor_ignore", "finding ids to leave out of the report, one per line",
                  type="linelist", default=[])


def _flag(text: str, name: str) -> Optional[bool]:
    value = text.strip().lower()
    if not value:
        return None
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise pytest.UsageError(f"ini option {name} must be true or false, not {text!r}")


def _seconds(value: Optional[str], name: str, default: float) -> float:
    if value is None or not str(value).strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        raise pytest.UsageError(f"{name} must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise pytest.UsageError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def _path(value: Optional[str], base: str, program: bool = False) -> Optional[str]:
    """An absolute path; a bare program name (``apache2``) is looked up on PATH."""
    if not value:
        return None
    value = os.path.expanduser(value)
    if program and os.sep not in value:
        return shutil.which(value) or value
    return os.path.normpath(os.path.join(base, value))


def read_settings(config: pytest.Config) -> PluginSettings:
    """Settings from the command line, falling back to the ini file."""
    invocation = str(config.invocation_params.dir)
    ini_base = str(config.inipath.parent) if config.inipath else str(config.rootpath)
    explicit = False

    def pick(name: str, program: bool = False) -> Optional[str]:
        nonlocal explicit
        cli = config.getoption(name)
        if cli:
            explicit = True
            return _path(cli, invocation, program)
        ini = config.getini(name)
        if ini:
            explicit = True
            return _path(ini, ini_base, program)
        return None

    def choose(name: str) -> Optional[bool]:
        nonlocal explicit
        cli = config.getoption(name)
        value = cli if cli is not None else _flag(config.getini(name), name)
        explicit = explicit or value is not None
        return value

    def number(name: str, default: float) -> float:
        nonlocal explicit
        cli, ini = config.getoption(name), config.getini(name)
        explicit = explicit or bool(cli or ini)
        return _seconds(cli if cli is not None else ini, "--" + name.replace("_", "-"), default)

    ignore = tuple(i.strip() for i in [*config.getini("wsgidoctor_ignore"), *config.getoption("wsgidoctor_ignore")]
                   if i.strip())
    settings = PluginSettings(
        httpd=pick("wsgidoctor_httpd", program=True), config=pick("wsgidoctor_config"),
        module=pick("wsgidoctor_module"), live=choose("wsgidoctor_live"),
        report_path=pick("wsgidoctor_report"), require_apache=bool(choose("wsgidoctor_require_apache")),
        ignore=ignore, command_timeout=number("wsgidoctor_timeout", DEFAULT_COMMAND_TIMEOUT),
        start_timeout=number("wsgidoctor_start_timeout", DEFAULT_START_TIMEOUT),
        redact=choose("wsgidoctor_redact") is not False,
    )
    explicit = explicit or bool(ignore)
    return PluginSettings(**{**settings.__dict__, "explicit": explicit})


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SETTINGS] = read_settings(config)
    config.stash[_STATE] = _State()


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


# --- reporting ------------------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> Optional[str]:
    settings = config.stash.get(_SETTINGS, None)
    if settings is not None and settings.explicit:
        return settings.header()
    return None


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> Optional[str]:
    """Without any wsgidoctor option, say which installation is examined once a test uses it."""
    settings = config.stash.get(_SETTINGS, None)
    if settings is None or settings.explicit:
        return None
    if any(name.startswith("wsgidoctor_") for item in items for name in getattr(item, "fixturenames", ())):
        return settings.header()
    return None


def pytest_assertrepr_compare(config: pytest.Config, op: str, left: Any, right: Any) -> Optional[list[str]]:
    """``assert report.findings == []`` shows each finding's title and fix, one line each.

    pytest shortens explanations to a few lines unless run with ``-vv``, so the worst findings
    come first and each is one line; the assertion helpers give the whole detail.
    """
    if op != "==" or not any(isinstance(side, (list, tuple)) and side for side in (left, right)):
        return None
    from wsgidoctor.core.model import Finding
    from wsgidoctor.pytest_plugin.assertions import summarize_finding

    findings = [f for side in (left, right) if isinstance(side, (list, tuple))
                for f in side if isinstance(f, Finding)]
    if not findings:
        return None
    findings.sort(key=lambda f: -f.severity.rank)
    return [f"the wsgidoctor report has {len(findings)} finding(s):", *map(summarize_finding, findings)]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    settings = config.stash.get(_SETTINGS, None)
    state = config.stash.get(_STATE, None)
    if settings is None or state is None:
        return
    _stop_servers(state)
    if not settings.report_path:
        return
    if _is_worker(config):
        if state.report is not None:
            config.workeroutput[_WORKER_REPORT_KEY] = _artifact_json(state.report, settings)  # type: ignore[attr-defined]
        return
    if config.option.collectonly:
        return
    state.written = _write_report(settings, state)


def _write_report(settings: PluginSettings, state: _State) -> str:
    """Write the JSON report (computing it if no test did); the line for the terminal summary."""
    import json

    path = settings.report_path
    assert path is not None
    try:
        text = state.worker_json
        if text is None:
            if state.report is None:
                state.report = _build_report(settings.options(), settings)
            text = _artifact_json(state.report, settings)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        return f"wsgidoctor: could not write the JSON report to {path}: {exc.strerror or exc}"
    except Exception as exc:  # noqa: BLE001 - the test run's outcome must not depend on the artifact
        return f"wsgidoctor: could not produce the JSON report: {type(exc).__name__}: {exc}"
    status = (json.loads(text).get("summary") or {}).get("status", "?")
    return f"wsgidoctor: JSON report (status {status}) written to {path}"


def _artifact_json(report: "Report", settings: PluginSettings) -> str:
    """The report as the JSON artifact: redacted like ``wsgidoctor report --json`` unless turned off."""
    from wsgidoctor.render.json import render_json

    if not settings.redact:
        report.redaction = {"applied": False, "rules": [], "note": "redaction turned off with --wsgidoctor-no-redact"}
        return render_json(report)
    from wsgidoctor.redaction.redact import redact_report

    return render_json(redact_report(report))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist controller: keep the first JSON report a worker computed."""
    state = node.config.stash.get(_STATE, None)
    data = getattr(node, "workeroutput", None) or {}
    if state is not None and state.worker_json is None and data.get(_WORKER_REPORT_KEY):
        state.worker_json = data[_WORKER_REPORT_KEY]


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is not None and state.written:
        terminalreporter.write_line(state.written)


# --- the report -----------------------------------------------------------------------------


def _build_report(options: "Options", settings: PluginSettings) -> "Report":
    from wsgidoctor.cli.app import build_live

    return build_live(options, ignore=settings.ignore)


def apache_absence(report: "Report") -> Optional[str]:
    """Why there is no Apache to examine, or None when there is one (even a broken one)."""
    from wsgidoctor.core import facts as factlib

    install = report.facts.get("install")
    if not isinstance(install, dict):
        return None  # discovery did not run: that is a failure to report, not an absence
    httpd = install.get("httpd")
    if not httpd:
        return ("no Apache httpd binary found (searched PATH and the usual install places); "
                "name it with --wsgidoctor-httpd")
    if install.get("httpd_source") == "flag" and not os.path.exists(httpd):
        return f"the Apache httpd binary {httpd} given by --wsgidoctor-httpd does not exist"
    if not os.path.exists(httpd) and not factlib.get(report.facts, "apache.version"):
        return f"the Apache httpd binary {httpd} does not exist"
    return None


def _incomplete(report: "Report") -> Optional[str]:
    """Why the report cannot be trusted at all (discovery failed), or None."""
    from wsgidoctor.core.model import ProbeStatus

    for run in report.probes:
        if run.name == "discovery" and run.status in (ProbeStatus.FAILED, ProbeStatus.TIMEOUT):
            return f"wsgidoctor could not examine the installation: probe discovery {run.status.value}: {run.error}"
    return None


def _settings(config: pytest.Config) -> PluginSettings:
    settings = config.stash.get(_SETTINGS, None)
    return settings if settings is not None else read_settings(config)


def _state(config: pytest.Config) -> _State:
    return config.stash.setdefault(_STATE, _State())


def _skip_or_fail(reason: str, settings: PluginSettings) -> None:
    if settings.require_apache:
        pytest.fail(f"wsgidoctor: {reason} (Apache is required: --wsgidoctor-require-apache)", pytrace=False)
    pytest.skip(f"wsgidoctor: {reason}")


@pytest.fixture(scope="session")
def wsgidoctor_options(pytestconfig: pytest.Config) -> "Options":
    """The options the report is built with (from ``--wsgidoctor-*`` and the ini file).

    Override this fixture in a conftest.py to examine something else, e.g.
    ``return dataclasses.replace(options, skip_probes=("errorlog",))``.
    """
    return _settings(pytestconfig).options()


@pytest.fixture(scope="session")
def wsgidoctor_report(pytestconfig: pytest.Config, wsgidoctor_options: "Options") -> "Report":
    """The full wsgidoctor report of the installation under test, computed once per session.

    Skips (or, with ``--wsgidoctor-require-apache``, fails) when there is no Apache to examine.
    """
    settings = _settings(pytestconfig)
    state = _state(pytestconfig)
    if state.report is None:
        state.report = _build_report(wsgidoctor_options, settings)
    report = state.report
    absent = apache_absence(report)
    if absent:
        _skip_or_fail(absent, settings)
    broken = _incomplete(report)
    if broken:
        pytest.fail(broken, pytrace=False)
    return report


@pytest.fixture(scope="session")
def wsgidoctor_facts(wsgidoctor_report: "Report") -> "FactsView":
    """All the report's facts, looked up by dotted path (``wsgidoctor_facts["apache.mpm.name"]``)."""
    from wsgidoctor.pytest_plugin.views import FactsView

    return FactsView(wsgidoctor_report.facts)


@pytest.fixture(scope="session")
def wsgidoctor_apache(wsgidoctor_report: "Report") -> "ApacheFacts":
    """The Apache facts: ``.version``, ``.mpm``, ``.modules``, ``.has_module("wsgi")``, ``["mmn.major"]``."""
    from wsgidoctor.pytest_plugin.views import ApacheFacts

    return ApacheFacts(wsgidoctor_report.facts)


@pytest.fixture(scope="session")
def wsgidoctor_linkage(wsgidoctor_report: "Report") -> "FactsView":
    """The linkage facts of mod_wsgi.so (``["python_library.found"]``, ``["resolutions.apache"]``)."""
    from wsgidoctor.pytest_plugin.views import FactsView

    return FactsView(wsgidoctor_report.facts, "linkage")


@pytest.fixture(scope="session")
def wsgidoctor_python(wsgidoctor_report: "Report") -> "FactsView":
    """The facts about the Python that mod_wsgi runs (``["version"]``, ``["prefix"]``, ``["path"]``)."""
    from wsgidoctor.pytest_plugin.views import FactsView

    return FactsView(wsgidoctor_report.facts, "python")


# --- the live server ------------------------------------------------------------------------


def _stop_servers(state: _State) -> None:
    while state.servers:
        server = state.servers.pop()
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - stopping must not hide the test results
            pass


@pytest.fixture(scope="session")
def wsgidoctor_server(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator["LiveClient"]:
    """A throwaway copy of the server, answering on 127.0.0.1, and a client for it.

    Started once per test process (each xdist worker has its own, with its own ports and
    directory) with the installation's httpd, mod_wsgi.so and WSGI directives; wsgidoctor's probe
    application answers at every WSGI mount, in that mount's process and application group.
    Waits until the server answers (``--wsgidoctor-start-timeout``; the failure shows its error
    log) and stops it at the end of the session. Skips like ``wsgidoctor_report`` when Apache is
    absent, and when live servers are switched off with ``--no-wsgidoctor-live``.
    """
    settings = _settings(pytestconfig)
    if settings.live is False:
        pytest.skip("wsgidoctor: no live server: switched off by --no-wsgidoctor-live (or wsgidoctor_live = false)")
    report = request.getfixturevalue("wsgidoctor_report")
    options = request.getfixturevalue("wsgidoctor_options")
    from wsgidoctor.pytest_plugin.live import LiveStartError, LiveUnavailable, start_live

    problem = None
    try:
        client = start_live(report, options, settings.start_timeout,
                            label=os.environ.get("PYTEST_XDIST_WORKER", ""))
    except LiveUnavailable as exc:
        problem = f"wsgidoctor: cannot start a throwaway server: {exc}"
    except LiveStartError as exc:
        problem = f"wsgidoctor: {exc}"
    if problem is not None:  # failed outside the handler, so the message is not shown twice
        pytest.fail(problem, pytrace=False)
    state = _state(pytestconfig)
    state.servers.append(client)
    try:
        yield client
    finally:
        client.stop()
        if client in state.servers:
            state.servers.remove(client)


@pytest.fixture
def wsgidoctor_host_report(host: Any, pytestconfig: pytest.Config) -> dict[str, Any]:
    """The JSON report of testinfra's ``host`` (``pytest --hosts=...``), run there once per host.

    Needs pytest-testinfra (whose ``host`` fixture makes each test run once per host), and
    wsgidoctor installed on each host. The assertion helpers take the report as it is:
    ``assert_no_errors(wsgidoctor_host_report)``.
    """
    from wsgidoctor.pytest_plugin.hosts import DEFAULT_REMOTE_COMMAND, HostReportError, host_name, run_report, save_report

    state = _state(pytestconfig)
    name = host_name(host)
    if name not in state.host_reports:
        command = (pytestconfig.getoption("wsgidoctor_remote_command")
                   or pytestconfig.getini("wsgidoctor_remote_command") or DEFAULT_REMOTE_COMMAND)
        try:
            state.host_reports[name] = run_report(host, command)
        except HostReportError as exc:
            state.host_reports[name] = exc
        directory = pytestconfig.getoption("wsgidoctor_fleet_dir") or pytestconfig.getini("wsgidoctor_fleet_dir")
        if directory and not isinstance(state.host_reports[name], Exception):
            save_report(directory, name, state.host_reports[name])
    report = state.host_reports[name]
    if isinstance(report, Exception):
        pytest.fail(str(report), pytrace=False)
    return report
