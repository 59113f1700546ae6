"""`wsgidoctor report --json` against a plain shell script running the same commands in sequence.

The shell script is generated from a trace of the commands wsgidoctor itself ran
(WSGIDOCTOR_TRACE_COMMANDS), with the same environment and the same input on stdin (the hosting
program reads its spec there: without it, it would print its usage and stop at once), so the
comparison stays honest as probes are added. The two take turns run by run (medians of each). Also times `wsgidoctor --version`
(target < 80 ms). Target: report <= 1.0x the script's wall time; the CPU-time ratio is printed too.

    python benchmarks/bench_report.py [--runs N] [extra wsgidoctor args...]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from _util import median_wall, side_by_side  # noqa: E402


def wsgidoctor_cmd() -> list[str]:
    exe = shutil.which("wsgidoctor", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return [exe] if exe else [sys.executable, "-m", "wsgidoctor"]


def shell_script(trace: str, inputs_dir: str) -> str:
    """The traced commands one after the other, each fed on stdin what wsgidoctor fed it."""
    import base64

    lines = ["#!/bin/sh", "# the commands wsgidoctor ran, one after the other"]
    with open(trace, encoding="utf-8") as fh:
        for n, raw in enumerate(fh):
            entry = json.loads(raw)
            argv = " ".join(shlex.quote(a) for a in entry["argv"])
            if entry.get("env") is not None:
                env = " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(entry["env"].items()))
                argv = f"env -i {env} {argv}"
            cwd = f"cd {shlex.quote(entry['cwd'])} && " if entry.get("cwd") else ""
            stdin = "</dev/null"
            if entry.get("stdin"):
                path = os.path.join(inputs_dir, f"stdin-{n}")
                with open(path, "wb") as out:
                    out.write(base64.b64decode(entry["stdin"]))
                stdin = f"<{shlex.quote(path)}"
            lines.append(f"({cwd}{argv}) {stdin} >/dev/null 2>&1")
    return "\n".join(lines) + "\n"


def imported_by_report(report: list[str], tmp: str) -> list[str]:
    """The modules a report run imports that a bare interpreter has not already imported."""
    import subprocess

    out = os.path.join(tmp, "modules.txt")
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: open({out!r}, 'w').write('\\n'.join(sorted(sys.modules))))\n"
            f"sys.argv = {['wsgidoctor', *report[report.index('report'):]]!r}\n"
            "from wsgidoctor.cli.main import main\n"
            "raise SystemExit(main())\n")
    subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare = subprocess.run([sys.executable, "-c", "import sys; print('\\n'.join(sys.modules))"],
                          capture_output=True, text=True).stdout.split()
    with open(out, encoding="utf-8") as fh:
        return sorted(set(fh.read().split()) - set(bare) - {"__main__"})


def import_only(modules: list[str]) -> list[str]:
    """A command importing ``modules`` (each that imports at all) and doing nothing else."""
    code = ("import importlib\n"
            f"for name in {modules!r}:\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except Exception:\n"
            "        pass\n")
    return [sys.executable, "-c", code]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=9)
    args, extra = ap.parse_known_args()
    cmd = wsgidoctor_cmd()
    # An installed package has its bytecode compiled at install (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run.
    import compileall
    import wsgidoctor

    compileall.compile_dir(os.path.dirname(wsgidoctor.__file__), quiet=1)
    report = [*cmd, "report", "--json", *(extra or ["--config", "/etc/apache2/apache2.conf"])]
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.jsonl")
        import subprocess

        subprocess.run(report, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "WSGIDOCTOR_TRACE_COMMANDS": trace})
        script = os.path.join(tmp, "same-commands.sh")
        with open(script, "w") as fh:
            fh.write(shell_script(trace, tmp))
        ncommands = sum(1 for _ in open(trace)) if os.path.exists(trace) else 0
        modules = imported_by_report(report, tmp)
        stdlib = [m for m in modules if m.split(".")[0] in sys.stdlib_module_names]
        timed = side_by_side({"report": report, "shell": ["/bin/sh", script],
                              "interpreter": [sys.executable, "-c", "pass"],
                              "stdlib": import_only(stdlib),
                              "imports": import_only(modules)}, runs=args.runs)
        (t_report, c_report), (t_shell, c_shell) = timed["report"], timed["shell"]
        t_interp, t_stdlib, t_imports = (timed[k][0] for k in ("interpreter", "stdlib", "imports"))
    t_version = median_wall([*cmd, "--version"], runs=max(args.runs, 20))
    print(f"commands run by wsgidoctor report: {ncommands}")
    print(f"wsgidoctor report --json      median {t_report * 1000:7.1f} ms")
    print(f"shell script, same commands   median {t_shell * 1000:7.1f} ms")
    print(f"ratio report / shell (wall)   {t_report / t_shell:7.2f}x   (target <= 1.0x)")
    print(f"CPU time: report {c_report * 1000:.0f} ms, shell {c_shell * 1000:.0f} ms, ratio {c_report / max(c_shell, 1e-9):.2f}x")
    print(f"floor: the interpreter alone  median {t_interp * 1000:7.1f} ms   ({t_interp / t_shell:.2f}x the shell)")
    print(f"floor: + the {len(stdlib)} standard-library modules a report imports, nothing run")
    print(f"                              median {t_stdlib * 1000:7.1f} ms   ({t_stdlib / t_shell:.2f}x the shell)")
    print(f"floor: + all {len(modules)} modules a report imports (wsgidoctor's too), nothing run")
    print(f"                              median {t_imports * 1000:7.1f} ms   ({t_imports / t_shell:.2f}x the shell)")
    print(f"wsgidoctor --version          median {t_version * 1000:7.1f} ms   (target < 80 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
