"""Where the needles are in a large log file, found by grep in one pass.

The scanner needs only the lines that hold one of the event needles
(:data:`~wsgidoctor.messages.signatures.NEEDLES`). Searching a block once per needle with
``bytes.find`` costs one pass over the data per needle; ``grep -F`` searches for all of them in
one pass (Aho-Corasick style) and prints just the byte offsets of the hits, on another CPU while
this process parses the hits it already has. Used for regular files of some size when grep is
there; anything else (pipes, small pastes, no grep, a grep that fails) keeps the pure-Python
search, which finds the same lines.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import IO, Iterator, Optional, Sequence

from wsgidoctor.core import lifetime

#: Files smaller than this are searched in Python: starting grep costs more than it saves.
MIN_BYTES = 8 * 1024 * 1024


class NeedleHits:
    """Byte offsets (from the start of the scanned range) of needle matches, in file order.

    Ask :meth:`within` for the hits of each block, in order; close when done (a context manager).
    """

    def __init__(self, proc: subprocess.Popen, stream: Iterator[bytes]):
        self._proc = proc
        self._stream = stream
        self._next: Optional[int] = None
        #: grep ended badly: no hit list is trusted from then on.
        self.failed = False

    @classmethod
    def start(cls, fh: IO[bytes], start: int, end: Optional[int],
              needles: Sequence[bytes]) -> Optional["NeedleHits"]:
        """Start grep on ``fh``'s file from byte ``start``; None where it cannot help."""
        grep = shutil.which("grep")
        try:
            fd = fh.fileno()
            st = os.fstat(fd)
        except (AttributeError, OSError, ValueError):
            return None
        import stat

        size = (end if end is not None else st.st_size) - start
        if grep is None or not stat.S_ISREG(st.st_mode) or size < MIN_BYTES:
            return None
        try:
            # A descriptor of our own, so that grep's reading does not move the caller's offset.
            source = open(f"/proc/self/fd/{fd}", "rb")
        except OSError:
            return None
        try:
            source.seek(start)
            argv = [grep, "-F", "-a", "-b", "-o"]
            for needle in needles:
                argv += ["-e", needle.decode("latin-1")]
            # through lifetime.spawn: marked like every child, so it is ended with wsgidoctor
            proc = lifetime.spawn(argv, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                                  close_fds=True)
        except (OSError, lifetime.Stopping):
            return None
        finally:
            source.close()
        assert proc.stdout is not None
        return cls(proc, iter(proc.stdout))

    def __enter__(self) -> "NeedleHits":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _peek(self) -> Optional[int]:
        if self._next is None:
            for raw in self._stream:
                head, sep, _ = raw.partition(b":")
                if sep and head.isdigit():
                    self._next = int(head)
                    break
        return self._next

    def within(self, lo: int, hi: int) -> Optional[list[int]]:
        """Hits in ``[lo, hi)``, relative to ``lo`` (hits before ``lo`` are dropped); None once
        grep has failed, so that the caller searches that block itself."""
        if self.failed:
            return None
        out = []
        while True:
            at = self._peek()
            if at is None:
                # grep's output ended: complete only if grep ended well.
                code = self._proc.wait()
                if code not in (0, 1):
                    self.failed = True
                    return None
                return out
            if at >= hi:
                return out
            self._next = None
            if at >= lo:
                out.append(at - lo)

    def close(self) -> None:
        """Stop grep (it may still be reading) and check how it ended."""
        if self._proc.poll() is None:
            self._proc.kill()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc.wait()
