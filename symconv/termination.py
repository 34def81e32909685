"""SIGTERM as an exception, so that a terminated run cleans up as an interrupted one does."""

from __future__ import annotations

import os
import signal
import sys
import threading
from contextlib import contextmanager
from functools import partial
from typing import Iterator


class Terminated(BaseException):
    """The process received SIGTERM: like KeyboardInterrupt, it unwinds through every `finally`, so
    LaTeX's processes are killed, temporary folders removed and worker processes stopped."""


def _raise(signum, frame) -> None:
    raise Terminated()


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated in the main thread; the previous handler comes back
    after it (the command line uses this; a library never changes its host's signals)."""
    previous = signal.signal(signal.SIGTERM, _raise)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = partial(_raise_again, previous_hook)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = previous_hook


def _raise_again(previous_hook, unraisable) -> None:
    """Terminated raised where Python can only print it (a finalizer, an import lock's callback) is
    swallowed there: send SIGTERM again, from a thread once the finalizer has returned, so that it is
    raised at the next step the program takes (sent from here, the handler would run inside the hook)."""
    if isinstance(unraisable.exc_value, Terminated):
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGTERM)).start()
        return
    previous_hook(unraisable)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM during the block and act on them after it, as they would have been.

    Starting a child process must not be cut in half: an exception raised after the fork but before
    the Popen object exists would leave the child running with no one to stop it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals only ever reach the main thread
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, lambda signum, frame: caught.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)
