"""Walking a parsed claim (the tree parse.py builds): its nodes, its free indices, the axes an index runs along, its loss letter."""

from __future__ import annotations

from .notation import Index, ParseError


def indices_at(indices: tuple[Index, ...], env: dict[str, int]) -> tuple[int, ...]:
    try:
        return tuple(i.value(env) for i in indices)
    except KeyError as missing:
        raise ParseError(f"index {missing.args[0]} has no value: give its range") from None


def walk(node):
    yield node
    if node[0] in ("add",):
        for _, child in node[1]:
            yield from walk(child)
    elif node[0] == "mul":
        for child in node[1]:
            yield from walk(child)
    elif node[0] in ("div", "eitherjac"):
        yield from walk(node[1])
        yield from walk(node[2])
    elif node[0] == "pow":
        yield from walk(node[1])
    elif node[0] in ("sum", "extreme"):
        yield from walk(node[2])
    elif node[0] == "deriv":
        yield from walk(node[1])
        yield from walk(node[2])
    elif node[0] in ("fn", "op"):
        for child in node[2]:
            yield from walk(child)
    elif node[0] == "ind":
        yield from walk(node[2])
        yield from walk(node[3])
    elif node[0] in ("update", "expr"):
        yield from walk(node[1])
    elif node[0] == "pick":
        yield from walk(node[1])
    elif node[0] == "literal":
        for row in node[1]:
            for cell in row:
                yield from walk(cell)
    elif node[0] == "pieces":
        yield from walk(node[1])
        yield from walk(node[2])
        yield from walk(node[3])


def free_indices(node) -> set[str]:
    """Index variables not bound by a sum."""
    if node[0] in ("entry", "whole", "node"):
        return {v for i in node[2] for v, _ in i.coefs}
    if node[0] == "pick":  # (X \star K)_{p,q}: p and q, and what the operator's operands leave free
        return free_indices(node[1]) | {v for i in node[2] for v, _ in i.coefs}
    if node[0] == "idxrel":  # i = k in a condition
        return {v for i in node[2:] for v, _ in i.coefs}
    if node[0] in ("sum", "extreme"):  # \sum_{k \neq j}: j is free; so is the a of \sum_{i=2a-1}^{2a}
        bounds = {v for _, low, high in node[1] for b in (low, high) if hasattr(b, "coefs") for v, _ in b.coefs}
        return (free_indices(node[2]) - {var for var, _, _ in node[1]}) | {other for _, other in node[3] if isinstance(other, str)} | bounds
    out: set[str] = set()
    for child in children(node):
        out |= free_indices(child)
    return out


def summed_indices(node) -> set[str]:
    """Index variables a sum (or a largest-over) binds anywhere in the tree."""
    if node[0] in ("sum", "extreme"):
        return {var for var, _, _ in node[1]} | summed_indices(node[2])
    inner = [node[1]] if node[0] == "expr" else children(node)  # \frac{\partial (...)}{...}: what it differentiates
    return set().union(*(summed_indices(child) for child in inner))


def children(node) -> list:
    kind = node[0]
    if kind == "add":
        return [child for _, child in node[1]]
    if kind == "mul":
        return list(node[1])
    if kind in ("div", "deriv", "eitherjac"):
        return [node[1], node[2]]
    if kind == "pow":
        return [node[1]]
    if kind in ("fn", "op"):
        return list(node[2])
    if kind == "ind":
        return [node[2], node[3]]
    if kind == "pieces":
        return [node[1], node[2], node[3]]
    if kind == "literal":
        return [cell for row in node[1] for cell in row]
    if kind in ("pick", "expr"):  # \frac{\partial (...)}{...}: what it differentiates, with its indices
        return [node[1]]
    return []


KRONECKER = "Kronecker delta"  # \\delta_{ij} (binding.py): its axes say nothing of an index's range


def axis_sizes(node, var: str, shapes: dict) -> tuple[list[int], list[int]]:
    """Sizes of the axes `var` indexes: where it is the whole index, and where it is part of one. The Kronecker
    delta's (as long as the longest axis) count only where no tensor of the network says the size."""
    found = _axis_sizes(node, var, shapes, skip=KRONECKER)
    return found if found[0] or found[1] else _axis_sizes(node, var, shapes)


def _axis_sizes(node, var: str, shapes: dict, skip: str | None = None) -> tuple[list[int], list[int]]:
    alone, anywhere, dropped = [], [], []
    for sub in walk(node):
        if sub[0] not in ("entry", "whole", "node") or sub[1] == skip:  # a whole tensor's given indices are its leading ones
            continue
        for axis, index in enumerate(sub[2]):
            size = shapes[sub[1]][axis]
            if index.alone == var:
                alone.append(size)
            elif any(v == var for v, _ in index.coefs):
                anywhere.append(size)
            elif index.dropped == var:  # b_c of a one-channel bias: c runs over its one channel
                dropped.append(1)
    return alone or dropped, anywhere


def loss_letter(sides) -> str:
    for side in sides:
        for node in walk(side):
            if node[0] == "loss":
                return node[1]
    return "L"
