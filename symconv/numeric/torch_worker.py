"""PyTorch's reference in a process of its own (torch_reference.start_early): started before the values exist, it
imports PyTorch while the parent derives the layer and checks it with NumPy, then computes what the parent sends.

The two processes speak pickle over a pipe (both are symconv, from the same files: the child is given the parent's
sys.path); the child ends when its answer is sent, when the parent closes the pipe, or when the parent stops it.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys

from ..termination import signals_held

_started: Worker | None = None


class Worker:
    """A child process importing PyTorch, waiting for one request."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        with signals_held():  # never a child started with no Popen to stop it
            self.process = subprocess.Popen([sys.executable, "-m", "symconv.numeric.torch_worker"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)

    def run(self, records, values: dict) -> dict:
        """What PyTorch computes for the network's records at the values (torch_reference.computed), or the
        exception it raised there, raised here."""
        try:
            out, err = self.process.communicate(pickle.dumps((records, values)))
        finally:
            self.stop()
        try:
            kind, result = pickle.loads(out)
        except Exception:
            raise RuntimeError("PyTorch's reference process ended without an answer: "
                               + (err.decode(errors="replace").strip().splitlines() or ["no message"])[-1]) from None
        if kind == "error":
            raise result
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def start() -> None:
    """Start the child now (one at a time); `take` hands it over."""
    global _started
    if _started is None:
        _started = Worker()


def take() -> Worker | None:
    """The child started and not yet used, if any (it serves one request)."""
    global _started
    worker, _started = _started, None
    return worker


def _stop() -> None:
    worker = take()
    if worker is not None:
        worker.stop()


atexit.register(_stop)  # a child never asked (the command failed first) ends with this process


def main() -> None:
    """The child: import PyTorch at once, then answer the one request on standard input."""
    try:
        import torch  # noqa: F401  (the import is the point: it runs while the parent works)
    except ImportError:
        pass  # raised again, with its message, when the reference is computed
    from .torch_reference import computed

    request = sys.stdin.buffer.read()
    if not request:  # the parent ended without asking
        return
    records, values = pickle.loads(request)
    try:
        answer = ("ok", computed(records, values))
    except Exception as error:  # noqa: BLE001 (handed to the parent, which raises it)
        answer = ("error", error)
    sys.stdout.buffer.write(pickle.dumps(answer))


if __name__ == "__main__":
    main()
