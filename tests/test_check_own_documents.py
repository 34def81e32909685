"""symconv's own documents, read back whole by `check` (worked numbers, matrices, the rules printed in
matrix form): no claim of them is ever judged wrong. (Claims check cannot read yet, such as the
operator rules diag(p) - p p^T, are "not understood"; issue 22 counts them.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv import ConvSpec, api
from symconv.network import load_network

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.toml"))


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), *map(load_network, EXAMPLES)],
                         ids=["default", *(p.stem for p in EXAMPLES)])
def test_no_claim_of_a_document_symconv_writes_is_judged_wrong(spec):
    d = api.derive(spec)
    text = api.render(d, formats=("md",)).files["derivation.md"].decode()
    verdicts = api.check(text, d)
    wrong = [(v.line, v.claim[:80], v.reason[:120]) for v in verdicts if v.status == "wrong"]
    assert not wrong, wrong[:3]
    assert sum(v.status == "right" for v in verdicts) > 40
