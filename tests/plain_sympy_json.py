"""Evaluate symconv-derivation/1 JSON with SymPy alone, as someone else's code would: never imports symconv.

Run as a script (`python -I tests/plain_sympy_json.py`): it reads one request per line on standard
input, {"json": <the file's text>, "leaves": {tensor name: nested list of numbers}}, and answers
each with one line, {tensor name: flat list of values} for every tensor, or {"error": <traceback>}.
Each entry is read with sympify, the values of every earlier tensor's symbols are substituted, and
the result is taken as a float, top to bottom.
"""

from __future__ import annotations

import json
import sys
import traceback

from sympy import Float, Symbol, sympify


def _flat(nested) -> list:
    if not isinstance(nested, list):
        return [nested]
    return [leaf for item in nested for leaf in _flat(item)]


def evaluate(text: str, leaves: dict) -> dict[str, list[float]]:
    """Every tensor's values, flat in row-major order."""
    doc = json.loads(text)
    assert doc["format"] == "symconv-derivation/1", doc["format"]
    env: dict[Symbol, Float] = {}
    out = {}
    for t in doc["tensors"]:
        if t["entries"] is None:
            values = [float(v) for v in _flat(leaves[t["name"]])]
        else:
            # xreplace puts numbers for symbols and lets SymPy evaluate every function it meets.
            values = [float(sympify(entry).xreplace(env)) for entry in _flat(t["entries"])]
        if t["symbols"] is not None:
            env.update((Symbol(name), Float(v)) for name, v in zip(_flat(t["symbols"]), values))
        out[t["name"]] = values
    return out


def main() -> None:
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = evaluate(request["json"], request["leaves"])
            assert "symconv" not in sys.modules, "symconv was imported"
        except Exception:
            answer = {"error": traceback.format_exc()}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    assert "symconv" not in sys.modules
    main()
