"""A vector the notes set to a standard basis vector: "the true class is 2, $\\mathbf{t} = \\mathbf{e}_2$".

e_k is the vector with 1 at entry k and 0 elsewhere, as long as the vector it is set to. Such a claim
gives that vector's values, as a column written out would ((t)_{k,1} = 1, the others 0), and a target
so given is the problem's, fixed in every claim after it (grade.Grader.fixed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from math import prod

from .extract import Claim

_BASIS = re.compile(r"\s*(?P<name>[^=]+?)\s*=\s*(?:\\(?:mathbf|boldsymbol|vec|bm|hat)\s*)?\{?\s*e\s*\}?\s*_\s*"
                    r"(?:\{\s*(?P<k1>\d+)\s*\}|(?P<k2>\d))\s*[.,;]?\s*")


def written_out(claims: list[Claim], grader, base: int) -> list[Claim]:
    """The claims with each "v = e_k" of a vector the grader reads written out entry by entry."""
    out = []
    for claim in claims:
        found = _BASIS.fullmatch(claim.text)
        side = grader._read_alone(found["name"]) if found else None
        if side is None or side[0] != "whole" or side[2]:
            out.append(claim)
            continue
        shape = grader.shapes[side[1]]
        length = prod(shape)
        k = int(found["k1"] or found["k2"]) - base + 1
        if len([n for n in shape if n > 1]) > 1 or not 1 <= k <= length:
            out.append(claim)  # not a vector, or no such entry: read (and reported) as written
            continue
        out += [replace(claim, text=f"({found['name'].strip()})_{{{i},1}} = {int(i == k)}", matrix=(length, 1))
                for i in range(1, length + 1)]
    return out
