"""A network file's text: the tables `NetworkSpec.from_dict` reads, written as TOML, byte for byte the
same for the same network (tomllib reads it back; the tests check that it gives the same network).

Python's standard library reads TOML but does not write it, and a network file holds only numbers,
booleans, strings, lists of them and one inline table (a formula's params): this is that writer.
"""

from __future__ import annotations

import math
import re

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _key(key: str) -> str:
    return key if BARE_KEY.match(key) else _string(key)


def value(v: object) -> str:
    """One TOML value."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{v!r} has no place in a network file")
        text = repr(v)
        return text if any(ch in text for ch in ".en") else text + ".0"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(item) for item in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value(item)}" for k, item in v.items()) + " }" if v else "{}"
    raise TypeError(f"{type(v).__name__} has no place in a network file")


def dumps(data: dict, comment: str = "") -> str:
    """{"input": [...], "title"?, "batch"?, "layer": [tables]} as a network file (TOML)."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    for key in ("title", "input", "batch"):
        if data.get(key) not in (None, ""):
            lines.append(f"{key} = {value(data[key])}")
    for table in data.get("layer", []):
        lines += ["", "[[layer]]"] + [f"{_key(k)} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"
