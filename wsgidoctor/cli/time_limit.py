"""A limit on the wall-clock time of a whole command (``analyze`` reads inputs that may never end).

A FIFO nobody writes to blocks ``open()`` for ever, and ``yes | wsgidoctor analyze --as errorlog -``
never reaches its end. :func:`run_time_limit` interrupts the command after ``seconds`` with
SIGALRM (which interrupts a blocking open or read) and turns that into an :class:`InputError`.
The interruption is a ``BaseException`` so that no ``except Exception`` on the way swallows it.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

from wsgidoctor.core.errors import InputError


class _Expired(BaseException):
    """Raised by the alarm inside whatever the command was doing."""


@contextmanager
def run_time_limit(seconds: Optional[float], message: str) -> Iterator[None]:
    """Run the block for at most ``seconds``, else raise ``InputError(message)``.

    No limit when ``seconds`` is None, off the main thread or where SIGALRM does not exist.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: object) -> None:  # noqa: ARG001
        raise _Expired()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise InputError(message) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
