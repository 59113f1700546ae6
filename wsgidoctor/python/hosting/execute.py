"""Run the hosting program on a spec and read its record.

The program itself switches to Apache's user (after loading the library, before starting
Python, as an Apache child does), so it is started as whoever runs wsgidoctor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from wsgidoctor.core import subprocesses as commands
from wsgidoctor.python.hosting.record import HostRecord, parse_record
from wsgidoctor.python.hosting.spec import HostSpec

#: Exit statuses of wsgidoctor-host (native/README.md).
EXIT_MEANINGS = {
    0: "every process started Python and answered",
    1: "a process failed; the record says how",
    2: "bad usage or spec",
    3: "internal error",
}


@dataclass(frozen=True)
class Execution:
    """The program's record plus how the command went."""

    record: HostRecord
    command: commands.CommandResult

    @property
    def stderr(self) -> str:
        """What the program itself (not the emulated processes) said."""
        return self.command.stderr


def run_host(program: str, spec: HostSpec, *, timeout: Optional[float] = None) -> Execution:
    """Run ``program`` with ``spec`` on stdin; never raises for a problem with the program."""
    limit = timeout if timeout is not None else spec.timeout + 15  # the processes run at once
    result = commands.run([program], input_data=spec.dumps(), timeout=limit)
    if result.error:
        return Execution(HostRecord(schema=None, error=result.error), result)
    record = parse_record(result.stdout)
    if record.error is None and result.returncode not in EXIT_MEANINGS:
        record = HostRecord(schema=record.schema, program_version=record.program_version,
                            error=f"the hosting program exited with unexpected status {result.returncode}",
                            processes=record.processes, duration_ms=record.duration_ms)
    return Execution(record, result)
