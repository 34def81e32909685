"""Term tables into SymPy entries, structurally: SymPy's canonical order found by sorting integers."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from itertools import accumulate, chain
from operator import itemgetter

from sympy import Add, Mul, S

from .derivation import Terms


@contextmanager
def gc_paused():
    # Building hundreds of thousands of objects triggers collections that find nothing to free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def symbol_ranks(symbols: tuple) -> list[int]:
    """Each symbol's place in SymPy's canonical order of arguments (by name)."""
    by_name = sorted(range(len(symbols)), key=lambda i: symbols[i].name)
    rank = [0] * len(symbols)
    for place, i in enumerate(by_name):
        rank[i] = place
    return rank


def terms_of(table: list[list[tuple[int, int]]]) -> Terms:
    """A term table as flat Terms arrays."""
    start = tuple(accumulate(map(len, table), initial=0))
    pairs = list(chain.from_iterable(table))
    # The pairs transposed into two columns (not zip(*pairs): a million pairs as one call's arguments).
    return Terms(start, tuple(map(itemgetter(0), pairs)), tuple(map(itemgetter(1), pairs)))


def entries_from_terms(terms: Terms, symbols: tuple, rank: list[int]) -> tuple:
    """SymPy entries equal (==) to Add(*terms) with Mul(a, b) terms, built without SymPy's flattening.

    SymPy orders the arguments of a sum or product of symbols by name; `rank` is each symbol's place
    in that order, so the canonical argument order is found by sorting integers.
    """
    entries = []
    n = len(rank)
    new_mul, new_add = Mul._from_args, Add._from_args
    start, first, second = terms.start, terms.first, terms.second
    with gc_paused():
        for e in range(len(start) - 1):
            keyed = []
            for a, b in zip(first[start[e] : start[e + 1]], second[start[e] : start[e + 1]]):
                if b < 0:
                    keyed.append((rank[a] - n, symbols[a]))  # lone symbols sort before every product
                elif rank[a] < rank[b]:
                    keyed.append((rank[a] * n + rank[b], new_mul((symbols[a], symbols[b]), True)))
                else:
                    keyed.append((rank[b] * n + rank[a], new_mul((symbols[b], symbols[a]), True)))
            if not keyed:
                entries.append(S.Zero)
            elif len(keyed) == 1:
                entries.append(keyed[0][1])
            else:
                keyed.sort(key=itemgetter(0))
                entries.append(new_add(tuple(t for _, t in keyed), True))
    return tuple(entries)
