"""Run the probes, parse what they gathered, derive facts, apply the rules: build a Report.

Probes run concurrently as soon as the probes they need have finished. Each runs in a daemon
thread with its own time limit, so one that hangs is recorded as timed out and never holds up the
report or the exit of the program.
"""

from __future__ import annotations

import importlib
import queue
import threading
import time
from typing import Any, Callable, Iterable, Optional

from wsgidoctor.core import facts as factlib
from wsgidoctor.core.model import Finding, ProbeRun, ProbeStatus, RawOutput, Report
from wsgidoctor.core.hookspec import NotApplicable, Options, Probe, ProbeContext, ProbeOutput
from wsgidoctor.core import lifetime

ENTRY_POINT_GROUP = "wsgidoctor.probes"

ParseFn = Callable[[RawOutput], dict[str, Any]]
DeriveFn = Callable[[dict[str, Any], list[str]], dict[str, Any]]
DiagnoseFn = Callable[[dict[str, Any], list[str]], list[Finding]]


def _any_plugin_declared() -> bool:
    """Whether some installed distribution's entry_points.txt names our group.

    A quick look before importlib.metadata, which reads every distribution's metadata (tens of
    milliseconds on every run, nearly always to find nothing).
    """
    import os
    import sys

    marker = f"[{ENTRY_POINT_GROUP}]".encode()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry or ".", name, "entry_points.txt"), "rb") as fh:
                        if marker in fh.read():
                            return True
                except OSError:
                    continue
    return False


def plugin_probes(errors: list[str]) -> list[Probe]:
    """Probes registered by other packages under the ``wsgidoctor.probes`` entry point group."""
    if not _any_plugin_declared():
        return []
    from importlib import metadata

    try:
        eps = metadata.entry_points()
        selected = (eps.select(group=ENTRY_POINT_GROUP) if hasattr(eps, "select")
                    else eps.get(ENTRY_POINT_GROUP, ()))  # type: ignore[attr-defined]
    except Exception as exc:  # a broken distribution must not stop the doctor
        errors.append(f"could not list probe plugins: {exc}")
        return []
    probes = []
    for ep in sorted(selected, key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:
            errors.append(f"probe plugin {ep.name!r} failed to load: {exc}")
            continue
        obj = getattr(obj, "PROBE", obj)
        if isinstance(obj, Probe):
            probes.append(obj)
        else:
            errors.append(f"probe plugin {ep.name!r} is not a wsgidoctor Probe")
    return probes


def select_probes(builtin: list[Probe], options: Options, notes: list[str]) -> list[Probe]:
    """The built-in probes plus plugin probes (a plugin may not replace a built-in one)."""
    probes = list(builtin)
    if options.load_plugins:
        names = {p.name for p in probes}
        for p in plugin_probes(notes):
            if p.name in names:
                notes.append(f"probe plugin {p.name!r} ignored: a built-in probe has that name")
                continue
            probes.append(p)
    return probes


def _run_one(probe: Probe, ctx: ProbeContext) -> tuple[ProbeRun, Optional[ProbeOutput]]:
    """Run one probe in a daemon thread, bounded by its time limit."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            lifetime.checkpoint(f"probe:{probe.name}")
            box["out"] = probe.run(ctx)
        except NotApplicable as exc:
            box["na"] = str(exc) or "not applicable"
        except BaseException as exc:  # noqa: BLE001 - a probe bug must not end the run
            box["exc"] = f"{type(exc).__name__}: {exc}"

    start = time.monotonic()
    thread = threading.Thread(target=target, name=f"probe-{probe.name}", daemon=True)
    thread.start()
    thread.join(probe.timeout)
    ms = (time.monotonic() - start) * 1000
    if thread.is_alive():
        return ProbeRun(probe.name, ProbeStatus.TIMEOUT, ms, f"did not finish within {probe.timeout:g}s"), None
    if "na" in box:
        return ProbeRun(probe.name, ProbeStatus.NOT_APPLICABLE, ms, box["na"]), None
    if "exc" in box:
        return ProbeRun(probe.name, ProbeStatus.FAILED, ms, box["exc"]), None
    out = box.get("out")
    if not isinstance(out, ProbeOutput):
        return ProbeRun(probe.name, ProbeStatus.FAILED, ms, "probe returned no ProbeOutput"), None
    return ProbeRun(probe.name, ProbeStatus.OK, ms), out


def collect(options: Options, probes: list[Probe], parse: ParseFn,
            progress: Optional[Callable[[str], None]] = None, preload: Iterable[str] = ()) -> Report:
    """Run the probes and return a Report with facts and raw outputs (no findings yet).

    ``parse`` turns each raw output into a facts fragment (the areas' parser dispatch).
    ``preload`` names modules needed after the probes (rules, redaction, renderers): they are
    imported one by one while the probes wait for their commands, instead of afterwards.
    """
    report = Report(mode="check")
    by_name = {p.name: p for p in probes}
    pending: dict[str, Probe] = {}
    for p in probes:
        wanted = p.default or p.name in options.extra.get("enable_probes", ())
        if p.name in options.skip_probes or not wanted:
            report.probes.append(ProbeRun(p.name, ProbeStatus.SKIPPED, 0.0,
                                          "skipped by request" if p.name in options.skip_probes
                                          else "runs only when asked"))
        else:
            pending[p.name] = p
    finished: set[str] = {r.name for r in report.probes}
    # Each probe's thread puts its result here; the loop wakes as soon as one is done.
    done: "queue.SimpleQueue[tuple[str, tuple[ProbeRun, Optional[ProbeOutput]]]]" = queue.SimpleQueue()

    def deps_done(p: Probe) -> bool:
        return all(d in finished or d not in by_name for d in p.needs)

    running: set[str] = set()
    waiting = list(preload)
    while pending or running:
        ready = [p for p in pending.values() if deps_done(p)]
        if not ready and not running:  # a dependency cycle: run the rest anyway, in name order
            ready = sorted(pending.values(), key=lambda p: p.name)[:1]
        for p in ready:
            del pending[p.name]
            if progress:
                progress(p.name)
            ctx = ProbeContext(options, report.facts)

            def work(p: Probe = p, ctx: ProbeContext = ctx) -> None:
                done.put((p.name, _run_one(p, ctx)))

            running.add(p.name)
            threading.Thread(target=work, name=f"wait-{p.name}", daemon=True).start()
        name, (run, out) = _next_done(done, waiting)
        running.discard(name)
        report.probes.append(run)
        if out is not None:
            absorb(report, out.facts, out.raw, parse)
            report.notes.extend(out.notes)
        finished.add(name)
    report.probes.sort(key=lambda r: r.name)
    return report


def _next_done(done: "queue.SimpleQueue[Any]", preload: list[str]) -> Any:
    """The next finished probe; meanwhile, import the modules still to preload, one at a time."""
    while preload:
        try:
            return done.get_nowait()
        except queue.Empty:
            pass
        name = preload.pop(0)
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - imported again where it is used, and fails there visibly
            pass
    return done.get()


def absorb(report: Report, fragment: dict[str, Any], raw: Iterable[RawOutput], parse: ParseFn) -> None:
    """Merge a probe's facts and parse its raw outputs into the report."""
    factlib.merge(report.facts, fragment)
    for item in raw:
        report.raw.append(item)
        parsed = parse(item)
        if parsed:
            factlib.merge(report.facts, parsed)


def finish(report: Report, derive: DeriveFn, diagnose: DiagnoseFn, ignore: Iterable[str] = ()) -> Report:
    """Derive facts, apply the rules and stamp the report (internal failures become notes).

    The report's facts become the gathered facts with the derived ones laid over them; the dict
    the probes and parsers filled is not written into.
    """
    report.facts = derive(report.facts, report.notes)
    ignored = set(ignore)
    report.findings = [f for f in diagnose(report.facts, report.notes) if f.id not in ignored]
    report.generated_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return report
