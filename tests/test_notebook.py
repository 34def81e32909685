"""The example notebook runs headless, and derivations and tensors display in Jupyter."""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv import ConvSpec, derive
from symconv.rendering.notebook import derivation_markdown, register, tensor_latex

NOTEBOOK = Path(__file__).parents[1] / "examples" / "walkthrough.ipynb"


def test_the_example_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.get("outputs", []) for cell in notebook.cells if cell.cell_type == "code"]
    assert "text/markdown" in outputs[0][0]["data"]  # the derivation shows as its document
    assert "text/latex" in outputs[1][0]["data"]  # a tensor as LaTeX
    assert "text/latex" in outputs[3][0]["data"]  # the Jacobian as a matrix
    assert (tmp_path / "output" / "notebook" / "derivation.md").exists()


def test_displays():
    d = derive(ConvSpec(bias=True))
    markdown = derivation_markdown(d)
    assert markdown.startswith("# Back-propagation") and "data:image/svg+xml;base64," in markdown
    latex = tensor_latex(d["dL/db"])
    assert latex == r"$$\begin{aligned}\frac{\partial L}{\partial b} &= \frac{\partial L}{\partial y_{1,1}} + " \
                    r"\frac{\partial L}{\partial y_{1,2}} + \frac{\partial L}{\partial y_{2,1}} + " \
                    r"\frac{\partial L}{\partial y_{2,2}}\end{aligned}$$"
    big = tensor_latex(derive(ConvSpec(input=10, kernel=1))["Y"])
    assert r"\ldots and 36 more entries" in big
    assert register(shell=None) is False  # not in IPython: nothing to register with
