"""A user's PyTorch model named on the command line as FILE.py:NAME, and the network file it becomes.

FILE runs as Python, as `python FILE` would run it (its folder first on the import path), except that
its `if __name__ == "__main__":` block does not run: this is the one place where symconv runs code a
user gives it, on purpose. NAME is an nn.Module class constructed without arguments, or a function
returning a module.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from .spec import SpecError, parse_int, shown, whole
from .torch_import import _torch

RUN_NAME = "__symconv_model__"


def parse_shape(text: str) -> tuple[int, ...]:
    """--input-shape CxHxW (an image) or N (a vector)."""
    parts = text.lower().split("x") if isinstance(text, str) else []
    try:
        if len(parts) not in (1, 3):
            raise SpecError("")
        return tuple(whole(parse_int(part, "--input-shape"), "--input-shape") for part in parts)
    except SpecError:
        raise SpecError(f"--input-shape {shown(text)} is not valid: give CxHxW for an image (e.g. 1x28x28) or N for "
                        "a vector, each a whole number from 1") from None


def load_module(reference: str):
    """The module FILE.py:NAME names: NAME() for a class or a function.

    Raises:
        SpecError: one line: the reference's form, a file that cannot be read or raises, a NAME it
            does not define, or one that gives no module.
    """
    path_text, sep, name = reference.rpartition(":") if isinstance(reference, str) else ("", "", "")
    if not sep or not path_text or not name.isidentifier():
        raise SpecError(f"--torch {shown(reference)} is not valid: give FILE.py:NAME, NAME a module class or a "
                        "function returning a module (e.g. model.py:TinyVGG)")
    path = Path(path_text)
    if path.suffix != ".py" or not path.is_file():
        raise SpecError(f"{path_text}: not a Python file (.py) that exists: give FILE.py:NAME")
    torch = _torch()
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        names = runpy.run_path(str(path), run_name=RUN_NAME)
    except SystemExit as error:
        raise SpecError(f"{path_text}: it called exit({error.code}) while it ran: symconv runs the file to find "
                        f"{name}, which must not exit") from None
    except BaseException as error:  # noqa: BLE001  (the user's code may raise anything: told in one line)
        if isinstance(error, KeyboardInterrupt):
            raise
        raise SpecError(f"{path_text}: running it raised {type(error).__name__}: {_first_line(error)}{_line(error, path)}"
                        ) from None
    finally:
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
    if name not in names:
        found = sorted(k for k, v in names.items() if _candidate(torch, v) and not k.startswith("_"))
        offer = f": it defines {', '.join(found)}" if found else ": it defines no nn.Module class or function"
        raise SpecError(f"{path_text}: {name} is not defined in it{offer}")
    value = names[name]
    if not callable(value):
        raise SpecError(f"{path_text}: {name} is not a module class or a function (it is {shown(value)})")
    try:
        module = value()
    except Exception as error:  # noqa: BLE001
        raise SpecError(f"{path_text}: {name}() raised {type(error).__name__}: {_first_line(error)} (NAME is "
                        "constructed without arguments: give a function that builds the module)") from None
    if not isinstance(module, torch.nn.Module):
        raise SpecError(f"{path_text}: {name}() gave a {type(module).__name__}, not an nn.Module")
    return module


def _candidate(torch, value) -> bool:
    return (isinstance(value, type) and issubclass(value, torch.nn.Module)) or \
        (callable(value) and getattr(value, "__module__", None) == RUN_NAME and not isinstance(value, type))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "(no message)"


def _line(error: BaseException, path: Path) -> str:
    """ (line N) of the user's file where the error was raised, when it was raised there."""
    tb, line = error.__traceback__, None
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == path.resolve():
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


def loss_module(name: str | None):
    """--loss cross-entropy or mse: PyTorch's loss module (None: none)."""
    if name is None:
        return None
    nn = _torch().nn
    losses = {"cross-entropy": nn.CrossEntropyLoss, "mse": nn.MSELoss}
    if name not in losses:
        raise SpecError(f"--loss {shown(name)} is not valid: give cross-entropy (nn.CrossEntropyLoss) or mse "
                        "(nn.MSELoss)")
    return losses[name]()
