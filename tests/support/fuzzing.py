"""Shared pieces of the hostile-input (fuzz) suites: seeds from the real corpus, tokens, a hang guard."""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from typing import Iterator

from tests.conftest import CORPUS, FIXTURES

#: True when WSGIDOCTOR_FUZZ_EXAMPLES is set: generated inputs are random instead of derandomized.
EXPLORE = bool(os.environ.get("WSGIDOCTOR_FUZZ_EXAMPLES"))

SEEDS: list[bytes] = [p.read_bytes() for p in sorted(CORPUS.rglob("*.txt"))] + [
    p.read_bytes() for p in sorted((FIXTURES / "debian12").iterdir()) if p.is_file()]
SEED_LINES: list[bytes] = sorted({line for s in SEEDS for line in s.splitlines() if line.strip()})
#: Fragments that steer parsers down their less travelled paths.
TOKENS = [b":", b"=", b"=>", b"\t", b"\r\n", b"\r", b"\x00", b"\"", b"'", b"(", b")", b"[", b"]", b"<", b">",
          b"-D ", b" (shared)", b" (static)", b"Server MPM:", b"Server version: Apache/", b"#define APR_HAS_",
          b"=> not found", b"=> /", b" (0x", b"\xe2\x80\xa6", b"```", b"> ", b"* ", b"&nbsp;", b"\\\n",
          b"99999999999999999999999", b"-1", b"0x", b"AH00558: ", b"[wsgi:error] ", b"mod_wsgi/", b"Python/",
          b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3", b"\xed\xa0\x80", b"\x1b[31m", b" " * 200, b"\n" * 50]


class Hung(BaseException):
    """Raised in a parser that runs past the guard (a BaseException: ``except Exception`` keeps out)."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt the block after ``seconds`` of wall-clock time (the regex engine checks signals too)."""
    def interrupt(signum, frame):  # noqa: ARG001
        raise Hung(f"{what} did not return within {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    # Re-fire every second: an exception raised inside a gc callback is swallowed by Python.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
