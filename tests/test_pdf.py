"""PDFs: LaTeX really runs (CI sets SYMCONV_REQUIRE_LATEX=1), safely, with no overfull box."""

from __future__ import annotations

import pytest

from symconv import derive
from symconv.rendering.formats import render
from symconv.rendering.pdf import LatexFailed, compile_pdf, overfull_boxes
from symconv.spec import ConvSpec

from .conftest import need_latex


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(),
        ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True),
        ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), padding=(1, 0),
                 dilation=(1, 2), bias=True, names="Xin,Filter,Out"),
    ],
    ids=["default", "6x6-3x3-2to2-bias", "issue-example-long-names"],
)
def test_pdf_builds_with_no_overfull_box(spec):
    need_latex()
    rendered = render(derive(spec), ("pdf",))
    assert rendered.files["derivation.pdf"].startswith(b"%PDF")
    assert overfull_boxes(rendered.latex_log) == []


@pytest.mark.parametrize(
    "spec",
    [
        # Wide labels: three input and three output channels, two-digit indices, padding.
        ConvSpec(input=10, kernel=3, in_channels=3, out_channels=3, padding=2, bias=True),
        # Near the document limit (21,168 of 25,000 terms): long sums of 196 terms.
        ConvSpec(input=16, kernel=3, out_channels=4),
    ],
    ids=["3to3-channels-10x10", "16x16-1to4"],
)
def test_large_documents_have_no_overfull_box(spec):
    need_latex()
    rendered = render(derive(spec), ("pdf",))
    assert overfull_boxes(rendered.latex_log) == []


def test_pdf_bytes_are_reproducible():
    need_latex()
    d = derive(ConvSpec(bias=True))
    assert render(d, ("pdf",)).files == render(d, ("pdf",)).files


def test_latex_error_is_reported_with_the_log():
    need_latex()
    with pytest.raises(LatexFailed, match=r"Undefined control sequence"):
        compile_pdf("\\documentclass{article}\\begin{document}\\nosuchcommand\\end{document}\n")


def test_latex_cannot_run_shell_commands_or_write_outside(tmp_path):
    need_latex()
    target = tmp_path / "escaped.txt"
    tex = (
        "\\documentclass{article}\\begin{document}\n"
        "\\immediate\\write18{touch " + str(tmp_path / "shell.txt") + "}\n"
        "\\newwrite\\f\\immediate\\openout\\f=" + str(target) + "\\immediate\\write\\f{x}\\immediate\\closeout\\f\n"
        "ok\\end{document}\n"
    )
    try:
        compile_pdf(tex)
    except LatexFailed:
        pass  # refusing to open the file is an acceptable way to fail
    assert not (tmp_path / "shell.txt").exists()
    assert not target.exists()


@pytest.mark.parametrize("name", ["single_conv", "conv_relu_maxpool_dense", "three_layer_cnn"])
def test_example_networks_build_pdfs_with_no_overfull_box(name):
    need_latex()
    from pathlib import Path

    from symconv.network import load_network

    net = load_network(Path(__file__).parents[1] / "examples" / f"{name}.toml")
    rendered = render(derive(net), ("pdf",))
    assert overfull_boxes(rendered.latex_log) == []


def test_matrix_view_pdf_shows_the_jacobians_as_matrices_with_no_overfull_box():
    need_latex()
    rendered = render(derive(ConvSpec(input=4, kernel=2, stride=2, padding=1), jacobians=True), ("tex", "pdf"))
    tex = rendered.files["derivation.tex"].decode()
    for wrt in ("K", "X"):
        assert rf"\frac{{\partial \operatorname{{vec}}(Y)}}{{\partial \operatorname{{vec}}({wrt})}} = \begin{{bmatrix}}" in tex
    assert r"\tilde{G}^{(1)} = \begin{bmatrix}" in tex and r"\tilde{K}^{(1,1)} = \begin{bmatrix}" in tex
    assert overfull_boxes(rendered.latex_log) == []


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input=(5, 4), kernel=(3, 2), in_channels=2, out_channels=2, stride=(2, 1), padding=(1, 0),
                 dilation=(1, 2), bias=True, convention="convolution", names="Xin,Filter,Out"),
        ConvSpec(input=8, kernel=3, out_channels=2, padding=1),  # Jacobians too wide: pictures and rules
    ],
    ids=["channels-flipped-long-names", "8x8-too-wide"],
)
def test_matrix_view_pdfs_have_no_overfull_box(spec):
    need_latex()
    rendered = render(derive(spec, jacobians=True), ("pdf",))
    assert overfull_boxes(rendered.latex_log) == []


def _counting_pdflatex(tmp_path, monkeypatch) -> "Path":
    """A pdflatex on PATH that notes each run in a file and then runs the real one."""
    import os
    import shutil

    real = shutil.which("pdflatex")
    runs = tmp_path / "runs"
    runs.write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "pdflatex"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{runs}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return runs


def test_a_document_that_refers_to_nothing_is_typeset_once(tmp_path, monkeypatch):
    """Its .aux holds only LaTeX's page count, which latexmk is told not to rerun for: one pdflatex run."""
    need_latex()
    runs = _counting_pdflatex(tmp_path, monkeypatch)
    rendered = render(derive(ConvSpec(bias=True)), ("pdf",))
    assert rendered.files["derivation.pdf"].startswith(b"%PDF")
    assert runs.read_text().splitlines() == ["run"]


def test_a_document_with_a_reference_is_still_typeset_until_it_resolves(tmp_path, monkeypatch):
    """A \\label and \\ref change the .aux beyond the lines ignored: latexmk runs pdflatex again."""
    need_latex()
    runs = _counting_pdflatex(tmp_path, monkeypatch)
    pdf, log = compile_pdf("\\documentclass{article}\\begin{document}\\section{A}\\label{a}See \\ref{a}.\\end{document}\n")
    assert pdf.startswith(b"%PDF")
    assert len(runs.read_text().splitlines()) == 2
    assert "undefined references" not in log


def test_a_table_of_contents_is_typeset_until_it_is_read_back():
    """pdflatex is run directly (not through latexmk), and again while any file it writes to read back changes:
    a table of contents (.toc) takes a second run, and a third would find nothing new."""
    need_latex()
    from symconv.rendering import pdf

    started = []
    real = pdf.subprocess.Popen

    def recording(cmd, *args, **kwargs):
        started.append(cmd[0])
        return real(cmd, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf.subprocess, "Popen", recording)
        pdf_bytes, log = compile_pdf("\\documentclass{article}\\begin{document}\\tableofcontents\\section{A}\\end{document}\n")
    assert pdf_bytes.startswith(b"%PDF")
    assert started == ["pdflatex", "pdflatex"]


def test_latex_running_beside_the_other_formats_is_stopped_when_one_of_them_fails(tmp_path, monkeypatch):
    """LaTeX typesets while the Markdown is rendered: an error there stops LaTeX and removes its folder."""
    import tempfile

    from symconv.rendering import document

    need_latex()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real = document.render_text

    def markdown_fails(name, ctx):
        if name.endswith(".md.j2"):
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith("symconv-latex-")], "LaTeX is not running"
            raise RuntimeError("no Markdown")
        return real(name, ctx)

    monkeypatch.setattr(document, "render_text", markdown_fails)  # formats loads it with the first document
    with pytest.raises(RuntimeError, match="no Markdown"):
        render(derive(ConvSpec()), ("pdf", "md"))
    assert not any(p.name.startswith("symconv-latex-") for p in tmp_path.iterdir())


def test_files_keep_their_order_when_latex_runs_beside_the_other_formats():
    need_latex()
    rendered = render(derive(ConvSpec(bias=True)), ("tex", "pdf", "md", "html", "json"))
    assert [name for name in rendered.files if not name.endswith(".svg")] == [
        "derivation.tex", "derivation.pdf", "derivation.md", "derivation.html", "derivation.json"]
    assert list(rendered.files)[-1] == "derivation.json"
