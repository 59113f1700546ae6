"""Command line: argument parsing and dispatch. Only this module and the renderers print.

Heavy modules load inside the command that needs them, so ``wsgidoctor --version`` and
``--help`` stay instant.
"""

from __future__ import annotations

import os
import sys
from wsgidoctor import __version__

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing for --version
if TYPE_CHECKING:
    import argparse
    from typing import Optional, Sequence

TOOL_FAILED = 3  # wsgidoctor.core.exitcodes.TOOL_FAILED, repeated here to keep --version import-free

EPILOG = """\
exit codes:
  0  healthy (no errors; no warnings unless --fail-on error or never)
  1  warnings only (with the default --fail-on warning)
  2  at least one error
  3  wsgidoctor itself could not run (bad arguments, unreadable input, internal error)

examples:
  wsgidoctor check                      diagnose this machine's Apache + mod_wsgi
  wsgidoctor check --live               ...and confirm by asking a throwaway copy of the server
  wsgidoctor report --markdown > r.md   a redacted report to paste into an issue or mail
  wsgidoctor analyze httpd-V.txt ldd.txt error.log
  wsgidoctor analyze --from report.json re-diagnose a saved report with today's rules
  wsgidoctor fix --verify               the fixes as diffs, proven on a throwaway copy
  wsgidoctor explain libpython-not-found
"""


FLEET_EPILOG = """\
examples:
  ansible-playbook collect.yml           (fetches every host's report into reports/)
  wsgidoctor fleet reports/              worst hosts first, findings by id, versions that differ
  wsgidoctor fleet --junit reports/ -o fleet.xml
  for c in web1 web2; do docker exec $c wsgidoctor report --json | jq -c '{host:"'$c'",report:.}'; done \\
      | wsgidoctor fleet -
"""


def _parser_class() -> "type[argparse.ArgumentParser]":
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse exits 2 on usage errors; 2 means "errors found" here, so usage errors exit 3."""

        def error(self, message: str) -> "None":  # type: ignore[override]
            self.print_usage(sys.stderr)
            print(f"{self.prog}: error: {message}", file=sys.stderr)
            raise SystemExit(TOOL_FAILED)

    return _Parser


#: The longest --timeout accepted: a day. Beyond it a number is a typo, not a wish.
MAX_TIMEOUT = 86400.0


def _seconds(text: str) -> float:
    """``--timeout``: a finite number of seconds, more than 0 and at most a day."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return value


def _http_url(text: str) -> str:
    """``--url``: an http or https URL with a host (a probe application is asked over HTTP only)."""
    import argparse
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise argparse.ArgumentTypeError(f"{text!r}: only http:// and https:// URLs with a host are asked")
    return text


def _add_debug_option(p: "argparse.ArgumentParser", default: object) -> None:
    p.add_argument("--debug", action="store_true", default=default, help="show tracebacks of internal errors")


def _add_collection_options(p: "argparse.ArgumentParser") -> None:
    g = p.add_argument_group("what to examine")
    g.add_argument("--httpd", metavar="PATH", help="the httpd/apache2 binary (default: the running server's, else PATH)")
    g.add_argument("--apxs", metavar="PATH", help="the apxs of that Apache")
    g.add_argument("--config", metavar="FILE", help="the main Apache configuration file")
    g.add_argument("--server-root", metavar="DIR",
                   help="the server root (a mod_wsgi-express root: its httpd.conf, apachectl and envvars are used)")
    g.add_argument("--module", metavar="PATH", help="the mod_wsgi.so to examine (default: the configured one)")
    g.add_argument("--live", action="store_true",
                   help="start a throwaway copy of the server on 127.0.0.1 and ask the probe application")
    g.add_argument("--url", metavar="URL", type=_http_url,
                   help="ask a probe application you mounted in your real site (http or https)")
    g.add_argument("--timeout", type=_seconds, default=20.0, metavar="SECONDS",
                   help="time limit for each command wsgidoctor runs (default 20)")
    g.add_argument("--skip-probe", action="append", default=[], metavar="NAME", help="do not run this probe")
    g.add_argument("--no-plugins", action="store_true", help="do not load third-party probe plugins")


def _add_rule_options(p: "argparse.ArgumentParser") -> None:
    p.add_argument("--ignore", action="append", default=[], metavar="ID",
                   help="silence a finding by id (repeatable; also read from the config file)")
    p.add_argument("--fail-on", choices=("warning", "error", "never"), default="warning",
                   help="lowest severity that makes the exit code non-zero (default: warning)")


def _add_redaction_options(p: "argparse.ArgumentParser") -> None:
    g = p.add_argument_group("redaction (on by default: reports may be posted publicly)")
    g.add_argument("--no-redact", action="store_true", help="show secrets (passwords, tokens, keys) as they are")
    g.add_argument("--redact-hosts", action="store_true", help="also replace host names and IP addresses")
    g.add_argument("--redact-users", action="store_true", help="also replace user names and home directories")


def _add_format_options(p: "argparse.ArgumentParser", default: str) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--json", dest="format", action="store_const", const="json", help="JSON (versioned; see the schema)")
    g.add_argument("--markdown", dest="format", action="store_const", const="markdown",
                   help="Markdown for an issue or mailing-list post")
    g.add_argument("--text", dest="format", action="store_const", const="text", help="text for a terminal")
    p.set_defaults(format=default)
    p.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of standard output")


def build_parser() -> "argparse.ArgumentParser":
    import argparse

    _Parser = _parser_class()
    parser = _Parser(prog="wsgidoctor", description="An installation doctor for Apache + mod_wsgi.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"wsgidoctor {__version__}")
    _add_debug_option(parser, False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="diagnose this machine's Apache + mod_wsgi",
                           description="Diagnose this machine's Apache + mod_wsgi: findings with severity, "
                                       "explanation and fix.", epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_collection_options(check)
    _add_rule_options(check)
    _add_redaction_options(check)
    check.add_argument("-v", "--verbose", action="store_true", help="show the evidence behind findings and every probe")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("--format", choices=("text", "junit"), default="text",
                       help="junit: JUnit XML for CI (one test case per check and per finding id; redacted)")
    check.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    report = sub.add_parser("report", help="the whole report (text, --markdown or --json), redacted",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_collection_options(report)
    _add_rule_options(report)
    _add_redaction_options(report)
    _add_format_options(report, "text")

    analyze = sub.add_parser("analyze", help="diagnose pasted outputs (httpd -V, -M, ldd, error logs...)",
                             epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    analyze.add_argument("files", nargs="*", metavar="FILE", help="files with command output; - for standard input")
    analyze.add_argument("--from", dest="from_json", metavar="REPORT.json",
                         help="re-diagnose a saved `wsgidoctor report --json`")
    analyze.add_argument("--timeout", type=_seconds, default=300.0, metavar="SECONDS",
                         help="time limit for the whole analysis (default 300): an input that never ends, "
                              "or a FIFO nobody writes to, stops here")
    analyze.add_argument("--as", dest="force_kind", metavar="KIND",
                         help="treat every FILE as this kind of output instead of detecting it")
    _add_rule_options(analyze)
    _add_redaction_options(analyze)
    _add_format_options(analyze, "text")
    analyze.add_argument("-v", "--verbose", action="store_true")

    facts = sub.add_parser("facts", help="the report as JSON for Ansible's facts.d (always exits 0 when it ran)",
                           description="Print the redacted report as one JSON document for "
                                       "/etc/ansible/facts.d/wsgidoctor.fact (raw outputs left out unless "
                                       "--with-raw). Findings never change the exit code: only a failure of "
                                       "wsgidoctor itself exits 3.")
    _add_collection_options(facts)
    facts.add_argument("--ignore", action="append", default=[], metavar="ID", help="silence a finding by id")
    _add_redaction_options(facts)
    facts.add_argument("--with-raw", action="store_true", help="keep the raw command outputs (large)")
    facts.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    fleet = sub.add_parser("fleet", help="many hosts' JSON reports in one view (worst first, by finding, differences)",
                           description="Read JSON reports collected from many hosts by any engine (Ansible, "
                                       "kubectl exec, docker exec, Salt...): files, directories of them, or - "
                                       "for standard input (JSON lines too). Bare reports, Ansible results or "
                                       "facts wrapping one, and {\"host\": NAME, \"report\": {...}} are read.",
                           epilog=FLEET_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fleet.add_argument("inputs", nargs="+", metavar="REPORTS|DIR|-")
    g = fleet.add_mutually_exclusive_group()
    for name, help_text in (("text", "text for a terminal (default)"), ("json", "JSON"),
                            ("markdown", "Markdown for an issue or a wiki"),
                            ("junit", "JUnit XML: one test suite per host, one test case per check and finding")):
        g.add_argument(f"--{name}", dest="format", action="store_const", const=name, help=help_text)
    fleet.set_defaults(format="text")
    fleet.add_argument("--fail-on", choices=("warning", "error", "never"), default="warning",
                       help="lowest severity on any host that makes the exit code non-zero (default: warning)")
    fleet.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")

    fix = sub.add_parser("fix", help="the mechanical fixes as diffs and commands; --verify on a throwaway copy",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_collection_options(fix)
    _add_rule_options(fix)
    mode = fix.add_mutually_exclusive_group()
    mode.add_argument("--verify", action="store_true",
                      help="apply the fixes to a throwaway copy, start it with --live, show the findings gone")
    mode.add_argument("--apply", action="store_true",
                      help="write the changes to your files (backups kept; refused if the configuration test fails after)")
    fix.add_argument("--json", action="store_true", help="JSON instead of text")

    explain = sub.add_parser("explain", help="the long explanation of a finding id")
    explain.add_argument("finding_id", nargs="?", metavar="ID")
    explain.add_argument("--list", action="store_true", help="list every finding id")
    explain.add_argument("--markdown", action="store_true", help="the catalogue as a Markdown page")
    for verb in (check, report, analyze, facts, fleet, fix, explain):  # `check --debug` as well as `--debug check`
        _add_debug_option(verb, argparse.SUPPRESS)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["--version"]:  # the fast path: no argparse, no imports
        print(f"wsgidoctor {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not args.command:
        parser.print_help(sys.stderr)
        return TOOL_FAILED
    from wsgidoctor.core import lifetime

    with lifetime.guarded(final=argv is None):
        code = _run_verb(args)
    if argv is None and code in INTERRUPTED:
        # Everything started is ended; a worker thread still inside a probe must not hold the exit.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    return code


#: Exit codes of a run stopped by SIGHUP, SIGINT, SIGTERM (128 + the signal's number).
INTERRUPTED = (129, 130, 143)


def _run_verb(args: argparse.Namespace) -> int:
    """The verb, with every way it can fail turned into a message and an exit code."""
    from wsgidoctor.core.errors import WsgidoctorError

    try:
        from wsgidoctor.cli import verbs as commands_cli
        from wsgidoctor.core import lifetime

        lifetime.checkpoint("start")
        code = getattr(commands_cli, f"cmd_{args.command}")(args)
        sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
        return code
    except WsgidoctorError as exc:
        print(f"wsgidoctor: {exc}", file=sys.stderr)
        return TOOL_FAILED
    except KeyboardInterrupt as exc:  # Ctrl-C, or a signal (wsgidoctor.core.lifetime.Interrupted)
        code = getattr(exc, "exit_code", 130)
        try:
            print(f"wsgidoctor: interrupted ({exc or 'SIGINT'}); everything it started is stopped",
                  file=sys.stderr)
        except (OSError, ValueError):
            pass
        return code
    except BrokenPipeError:
        _silence_stdout()
        return TOOL_FAILED
    except OSError as exc:
        if not _is_stdout_error(exc):
            if getattr(args, "debug", False):
                raise
            print(f"wsgidoctor: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return TOOL_FAILED
        _silence_stdout()
        print(f"wsgidoctor: cannot write to standard output: {exc.strerror or exc}", file=sys.stderr)
        return TOOL_FAILED
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if getattr(args, "debug", False):
            raise
        print(f"wsgidoctor: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in wsgidoctor; run again with --debug for the traceback and report it.",
              file=sys.stderr)
        return TOOL_FAILED


def _is_stdout_error(exc: OSError) -> bool:
    """True for a failure to write standard output (full disk, closed pipe, I/O error)."""
    import errno

    return exc.errno in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT, errno.EFBIG) and exc.filename is None


def _silence_stdout() -> None:
    """Point standard output at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
