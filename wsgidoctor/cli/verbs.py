"""The commands: check, report, analyze, facts, fleet, explain. Each returns an exit code."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional

from wsgidoctor.core import exitcodes, lifetime
from wsgidoctor.core.errors import InputError
from wsgidoctor.core.model import Report
from wsgidoctor.core.hookspec import Options
from wsgidoctor.cli.settings import load_settings


def _options(args: argparse.Namespace) -> Options:
    enable = ("live",) if (args.live or args.url) else ()
    return Options(httpd=args.httpd, apxs=args.apxs, config=args.config,
                   server_root=args.server_root, module=args.module,
                   live=args.live, url=args.url, command_timeout=args.timeout,
                   skip_probes=tuple(args.skip_probe), load_plugins=not args.no_plugins,
                   extra={"enable_probes": enable})


def _progress() -> Optional[Callable[[str], None]]:
    """A one-line progress indicator on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(name: str) -> None:
        sys.stderr.write(f"\r\033[Kwsgidoctor: probing {name}…")
        sys.stderr.flush()

    return show


def _clear_progress(progress: Optional[Callable[[str], None]]) -> None:
    if progress is not None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _ignored(args: argparse.Namespace) -> tuple[set[str], str]:
    settings = load_settings()
    ignore = set(settings.ignore) | {i.strip() for i in args.ignore if i.strip()}
    fail_on = args.fail_on if args.fail_on != "warning" or not settings.fail_on else settings.fail_on
    return ignore, fail_on


def _redact(report: Report, args: argparse.Namespace) -> Report:
    if args.no_redact:
        report.redaction = {"applied": False, "rules": [], "note": "redaction turned off with --no-redact"}
        return report
    try:
        from wsgidoctor.redaction.redact import redact_report
    except ImportError:  # pragma: no cover - present in every release
        report.redaction = {"applied": False, "rules": [], "note": "redaction unavailable in this build"}
        return report
    return redact_report(report, hosts=args.redact_hosts, users=args.redact_users)


def _write(text: str, output: Optional[str]) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def _render(report: Report, fmt: str, output: Optional[str], verbose: bool = False) -> None:
    if fmt == "json":
        from wsgidoctor.render.json import render_json

        _write(render_json(report), output)
    elif fmt == "markdown":
        from wsgidoctor.render.markdown import render_markdown

        _write(render_markdown(report), output)
    else:
        from wsgidoctor.render.text import render_text

        if output:
            import io

            buf = io.StringIO()
            render_text(report, buf, verbose=verbose, color=False, width=100)
            _write(buf.getvalue(), output)
        else:
            render_text(report, sys.stdout, verbose=verbose)


#: The renderer of each output format, imported (with the redaction) while the probes wait for
#: their commands.
_RENDERERS = {"json": "wsgidoctor.render.json", "markdown": "wsgidoctor.render.markdown",
              "junit": "wsgidoctor.render.junit", "text": "wsgidoctor.render.text"}


def _next_modules(args: argparse.Namespace) -> tuple[str, ...]:
    """What this verb needs after probing: the redaction and its format's renderer."""
    renderer = _RENDERERS.get(getattr(args, "format", None) or "text", _RENDERERS["text"])
    return ("wsgidoctor.redaction.redact", renderer)


def _examine(args: argparse.Namespace, ignore: set[str]) -> Report:
    """Probe this machine, with a progress line on a terminal."""
    from wsgidoctor.cli.app import build_live

    progress = _progress()
    try:
        return build_live(_options(args), ignore=ignore, progress=progress, preload=_next_modules(args))
    finally:
        _clear_progress(progress)


def cmd_check(args: argparse.Namespace) -> int:
    from wsgidoctor.render.text import render_text

    ignore, fail_on = _ignored(args)
    report = _redact(_examine(args, ignore), args)  # terminal output gets pasted too
    lifetime.checkpoint("render")
    if args.format == "junit":
        from wsgidoctor.redaction.redact import redact_report
        from wsgidoctor.render.json import report_to_dict
        from wsgidoctor.render.junit import local_host_name, render_junit

        data = report_to_dict(redact_report(report, hosts=False, users=False))
        _write(render_junit([(local_host_name(), data)], fail_on), args.output)
        return exitcodes.for_findings(report.worst, fail_on)
    color = {"always": True, "never": False}.get(args.color)
    if args.output:
        _render(report, "text", args.output, verbose=args.verbose)
    else:
        render_text(report, sys.stdout, verbose=args.verbose, color=color)
    return exitcodes.for_findings(report.worst, fail_on)


def cmd_report(args: argparse.Namespace) -> int:
    ignore, fail_on = _ignored(args)
    report = _examine(args, ignore)
    report.mode = "report"
    report = _redact(report, args)
    _render(report, args.format, args.output)
    return exitcodes.for_findings(report.worst, fail_on)


def cmd_analyze(args: argparse.Namespace) -> int:
    from wsgidoctor.cli.time_limit import run_time_limit

    limit = getattr(args, "timeout", None)
    with run_time_limit(limit, f"analyze did not finish within {limit:g} s: an input that never ends, or a FIFO "
                               "nobody writes to? (--timeout SECONDS allows more)" if limit else ""):
        return _analyze(args)


def _analyze(args: argparse.Namespace) -> int:
    from wsgidoctor.cli.app import InputFile, build_analyze, build_from_json

    ignore, fail_on = _ignored(args)
    if args.from_json and args.files:
        raise InputError("give either FILE arguments or --from REPORT.json, not both")
    if args.from_json:
        report = build_from_json(args.from_json, ignore=ignore)
    elif args.files:
        report = build_analyze([InputFile(f, args.force_kind) for f in args.files], ignore=ignore)
    else:
        raise InputError("nothing to analyse: give files with command output (or - for standard input), "
                         "or --from REPORT.json")
    report = _redact(report, args)
    _render(report, args.format, args.output, verbose=args.verbose)
    return exitcodes.for_findings(report.worst, fail_on)


def cmd_facts(args: argparse.Namespace) -> int:
    """The report for Ansible's facts.d: JSON, redacted, exit 0 whatever the findings."""
    import json

    from wsgidoctor.render.json import report_to_dict

    ignore = set(load_settings().ignore) | {i.strip() for i in args.ignore if i.strip()}
    report = _examine(args, ignore)
    report.mode = "report"
    data = report_to_dict(_redact(report, args))
    if not args.with_raw:
        data["raw"] = []
    _write(json.dumps(data, indent=1, default=str) + "\n", args.output)
    return exitcodes.HEALTHY


def cmd_fleet(args: argparse.Namespace) -> int:
    """Many hosts' reports in one view; the exit code is the worst host's."""
    from wsgidoctor.fleet.inputs import read_inputs
    from wsgidoctor.fleet.view import build_view
    from wsgidoctor.core.model import Severity

    inputs = read_inputs(args.inputs)
    if not inputs.hosts:
        raise InputError("no wsgidoctor report in the inputs: " + "; ".join(inputs.problems))
    for problem in inputs.problems:
        print(f"wsgidoctor: {problem}", file=sys.stderr)
    view = build_view(inputs)
    if args.format == "json":
        import json

        text = json.dumps(view.to_json(), indent=2) + "\n"
    elif args.format == "markdown":
        from wsgidoctor.render.fleet_markdown import render_fleet_markdown

        text = render_fleet_markdown(view)
    elif args.format == "junit":
        from wsgidoctor.render.junit import render_junit

        text = render_junit([(h.host, view.reports[h.host]) for h in view.hosts], args.fail_on)
    else:
        from wsgidoctor.render.fleet_text import render_fleet_text

        text = render_fleet_text(view)
    _write(text, args.output)
    worst = {"error": Severity.ERROR, "warning": Severity.WARNING}.get(view.status)
    return exitcodes.for_findings(worst, args.fail_on)


def cmd_fix(args: argparse.Namespace) -> int:
    """Fixes of this machine's findings; exit 0 when nothing is left to do (or --verify proved
    the copy healthy, or --apply wrote it), else as check would."""
    from wsgidoctor import areas
    from wsgidoctor.core.fixes import propose
    from wsgidoctor.fix import plan, report as fix_report

    ignore, fail_on = _ignored(args)
    args.live = False  # the real server is examined without --live; --verify runs the copy live
    args.url = None
    report = _examine(args, ignore)
    areas.load_fixes()
    fired = [f for f in report.findings if f.severity.value in ("error", "warning")]
    fixes, without = propose(report.facts, [f.id for f in fired])
    changes, problems = plan.changes(fixes)
    result = fix_report.FixReport([{"id": f.id, "severity": f.severity.value, "title": f.title} for f in fired],
                                  fixes, changes, without, problems)
    code = exitcodes.for_findings(report.worst, fail_on)
    if args.verify and changes:
        from wsgidoctor.fix.verify import verify

        result.verification = verify(report.facts, changes, [f.finding_id for f in fixes if f.edits])
        code = exitcodes.HEALTHY if result.verification.healthy else code
    elif args.apply and changes:
        from wsgidoctor.fix.apply import apply

        result.applied = apply(report.facts, changes)
        code = exitcodes.HEALTHY if result.applied.ok and not without else code
    sys.stdout.write(fix_report.render_json(result) if args.json else fix_report.render_text(result))
    return code


def cmd_explain(args: argparse.Namespace) -> int:
    from wsgidoctor.cli.explain import catalog_markdown, explain, list_ids

    if args.markdown:
        sys.stdout.write(catalog_markdown())
        return exitcodes.HEALTHY
    if args.list or not args.finding_id:
        sys.stdout.write(list_ids())
        return exitcodes.HEALTHY
    text = explain(args.finding_id)
    if text is None:
        raise InputError(f"no finding with id {args.finding_id!r}; `wsgidoctor explain --list` shows them all")
    sys.stdout.write(text)
    return exitcodes.HEALTHY

