"""One kind, one module: the core never asks which kind a layer is, and a single layer and a network
share one derivation and one document."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, render
from symconv.layers import LAYER_TYPES, layer_from_fields
from symconv.network import load_network
from symconv.rendering.document import context

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
KIND_NAMES = {cls.__name__ for cls, _ in LAYER_TYPES.values()}


def _core_modules():
    return [p for p in (ROOT / "symconv").rglob("*.py") if "layers" not in p.relative_to(ROOT / "symconv").parts]


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_core_module_dispatches_on_a_layer_kind(path):
    """No isinstance with a kind's class, and no comparison with a TOML type name, outside symconv/layers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance" and len(node.args) == 2:
            named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            assert not named & KIND_NAMES, f"{path.name}:{node.lineno} isinstance on {named & KIND_NAMES}"
        if isinstance(node, ast.Compare):
            constants = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            kinds = constants & set(LAYER_TYPES) - {"identity"}  # the word identity also names a Jacobian
            assert not kinds, f"{path.name}:{node.lineno} compares with the kind name {kinds}"
            attributes = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            assert not attributes & {"type", "kind"}, f"{path.name}:{node.lineno} compares a layer's type or kind"


def _outline(ctx: dict) -> list:
    """The document's structure: each section's title, whether it has steps, words and entries, and the
    kinds of figure it draws (the name without its layer number)."""
    return [(s.title, s.steps_title, bool(s.intro), bool(s.blocks), [f.svg_file.split("-layer")[0].removesuffix(".svg")
                                                                    for f in s.figures]) for s in ctx["sections"]]


def test_a_single_layer_and_the_one_layer_network_file_give_the_same_document():
    single = context(derive(ConvSpec(input=4, kernel=2, bias=True)))
    network = context(derive(load_network(ROOT / "examples" / "single_conv.toml")))
    assert _outline(single) == _outline(network)
    assert [f[-1] for f in _outline(single)] == [["figure-window"], [], [], ["figure-feeds"]]
    # The same settings table; only the output's letter differs (y for a single layer, a^{[1]} in a network).
    assert [row for row in single["settings"] if row[0] != "names"] == [row for row in network["settings"] if row[0] != "names"]
    assert dict(single["settings"])["names"] == "input x, kernel k, output y"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_conv_and_pooling_layer_has_its_figures(path):
    d = derive(load_network(path))
    files = render(d, ("md",)).files
    for record in d.records:
        kind = record.layer.type
        if kind == "conv":
            assert {f"figure-window-layer-{record.number}.svg", f"figure-feeds-layer-{record.number}.svg"} <= set(files)
        elif kind.endswith("pool"):
            assert any(name.endswith(f"-layer-{record.number}.svg") for name in files), (path.stem, record.number)


def test_every_registered_type_builds_from_its_table_and_writes_it_back():
    defaults = {"conv": {"out_channels": 2, "kernel": [2, 2]}, "dense": {"out_features": 3}}
    for kind in LAYER_TYPES:
        pool = {"window": [2, 2]} if kind.endswith("pool") and kind != "global_avgpool" else {}
        layer = layer_from_fields({"type": kind, **defaults.get(kind, {}), **pool})
        assert layer.type == kind and layer_from_fields(layer.as_fields()) == layer
        assert layer.describe()
