"""Page layout of the PDFs a lecturer hands out: no heading at a page's foot, no figure above the heading that
introduces it, and no page left part-empty where the text could have gone on (issue 24: the default's first page
was a quarter empty, its Figure 1 above its own heading on page 2)."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from symconv import derive
from symconv import load_network
from symconv.rendering.formats import render
from symconv.spec import ConvSpec

from .conftest import need_latex, need_poppler

EXAMPLES = Path(__file__).parents[1] / "examples"
TOP, BOTTOM = 56.7, 785.3  # an A4 page's text area with 2 cm margins, in points from the top


def _pages(pdf: bytes, tmp_path: Path) -> list[list[tuple[float, float, str]]]:
    """Each page's text lines, (top, bottom, words), top to bottom, the page number left out."""
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in re.findall(r"<page.*?</page>", xml, re.S):
        lines = [(float(top), float(bottom), " ".join(html.unescape(w) for w in re.findall(r">([^<]*)</word>", body)))
                 for top, bottom, body in re.findall(
                     r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>', page, re.S)]
        pages.append(sorted(line for line in lines if line[0] < BOTTOM))
    return pages


def _headings(tex: str) -> list[tuple[str, list[int]]]:
    """The document's section and subsection headings in order (their words, maths left out), each with the numbers
    of the figures its section calls."""
    found: list[tuple[str, list[int]]] = []
    for m in re.finditer(r"\\(?:sub)?section\*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}|\\textbf\{Figure (\d+)\.\}",
                         tex):
        if m.group(2):
            if found:
                found[-1][1].append(int(m.group(2)))
            continue
        words = re.sub(r"\\[a-zA-Z]+|[{}]", "", re.sub(r"\$[^$]*\$", "", m.group(1))).strip()
        found.append((words, []))
    return found


def _where(pages, start: str, after=(0, 0.0)):
    for number, lines in enumerate(pages):
        for index, (top, _, words) in enumerate(lines):
            if (number, top) >= after and words.startswith(start):
                return number, top, index
    return None


def _layout_faults(pdf: bytes, tex: str, tmp_path: Path) -> list[str]:
    pages = _pages(pdf, tmp_path)
    faults = []
    at = (0, 0.0)
    for words, figures in _headings(tex):
        place = _where(pages, words[:25], at)
        if len(words) < 4 or place is None:
            continue
        number, top, index = place
        at = (number, top)
        if len(pages[number]) - 1 - index < 2:
            faults.append(f"'{words}' at the foot of page {number + 1}")
        for figure in figures:
            drawn = _where(pages, f"Figure {figure}.")
            if drawn and drawn[:2] < (number, top):
                faults.append(f"Figure {figure} above its heading '{words}'")
    for number, lines in enumerate(pages[:-1]):
        empty = (BOTTOM - max(bottom for _, bottom, _ in lines)) / (BOTTOM - TOP) if lines else 1.0
        # the worked example is kept on one page: it may start a fresh one
        if empty > 1 / 3 and not pages[number + 1][0][2].startswith("A worked example"):
            faults.append(f"page {number + 1} is {empty:.0%} empty")
    return faults


def test_the_default_documents_first_page_is_filled_and_its_first_figure_follows_its_heading(tmp_path):
    """The heading-keeping break was offered with room to spare, cost nothing, and was taken: a quarter of page 1
    empty, the heading 'The output, entry by entry' on page 2 under the figure it introduces."""
    need_latex()
    need_poppler("pdftotext")
    files = render(derive(ConvSpec(bias=True)), ("tex", "pdf")).files
    pages = _pages(files["derivation.pdf"], tmp_path)
    heading = _where(pages, "The output, entry by entry")
    figure = _where(pages, "Figure 1.")
    assert heading[0] == 0
    assert figure[:2] > heading[:2]
    assert (BOTTOM - pages[0][-1][1]) / (BOTTOM - TOP) < 0.15


@pytest.mark.parametrize("name", ["default", "2-channels", "conv_relu_maxpool_dense", "three_layer_cnn"])
def test_no_heading_at_a_page_foot_no_figure_above_its_heading_no_page_left_part_empty(name, tmp_path):
    need_latex()
    need_poppler("pdftotext")
    if name == "default":
        subject = ConvSpec(bias=True)
    elif name == "2-channels":
        subject = ConvSpec(in_channels=2, out_channels=2, bias=True)
    else:
        subject = load_network(EXAMPLES / f"{name}.toml")
    files = render(derive(subject), ("tex", "pdf")).files
    assert _layout_faults(files["derivation.pdf"], files["derivation.tex"].decode(), tmp_path) == []


@pytest.mark.parametrize("name", ["default", "conv_relu_maxpool_dense"])
def test_the_answers_start_a_page_of_their_own(name, tmp_path):
    """The pages before the answers can be handed out: the answers' heading is the first line of its page and no
    exercise is on it (review r16 item 1: a network's answers followed its reading on the exercises' page)."""
    need_latex()
    need_poppler("pdftotext")
    from symconv import render as rendered  # with the worked example (seed 0), its exercises and answers

    subject = ConvSpec(bias=True) if name == "default" else load_network(EXAMPLES / f"{name}.toml")
    pages = _pages(rendered(subject, ("tex", "pdf")).files["derivation.pdf"], tmp_path)
    number, _, index = _where(pages, "Answers")
    assert index == 0 and pages[number][0][2] == "Answers"
    assert not any(words.startswith("Exercise ") for _, _, words in pages[number])
    assert any(words.startswith("Exercise 1") for lines in pages[:number] for _, _, words in lines)


def test_the_heading_keeping_command_breaks_only_when_the_room_is_not_left():
    """\\symconvneed tests the room left against what the page holds: it offers no page break otherwise (a break
    offered at no cost is taken by the page builder even with room to spare)."""
    base = (Path(__file__).parents[1] / "templates" / "base.tex.j2").read_text()
    command = base[base.index(r"\newcommand{\symconvneed}"):base.index(r"\setlength{\@fptop}")]
    assert r"\pagegoal" in command and r"\pagetotal" in command
    assert r"\penalty\z@" not in command  # no free break offered


def test_each_layers_rules_display_stays_on_one_page(tmp_path):
    """The CNN's layer-1 rules ran from page 5 onto page 6 (issue 24, r17 item 1): its display and its words (the
    bias's note) are kept on one page, its three boxed results on one line; the same rules at any stride, a display
    of its own with its own words, may start the next page."""
    need_latex()
    need_poppler("pdftotext")
    from symconv import render as rendered  # as the CLI renders it, with the worked example

    files = rendered(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("tex", "pdf")).files
    tex = files["derivation.tex"].decode()
    rules = tex[tex.index(r"\section*{The rules, layer by layer}"):]
    assert r"\interdisplaylinepenalty=10000" in rules and r"\postdisplaypenalty=10000" in rules
    layer1 = rules[rules.index(r"\paragraph*{Layer 1:"):rules.index(r"\end{align*}")]
    assert layer1.count(r"\boxed{") == 3 and layer1.count(r"\\") == 1  # two lines: the rule, the three results
    pages = _pages(files["derivation.pdf"], tmp_path)
    rules_at = _where(pages, "The rules, layer by layer")
    heading = _where(pages, "Layer 1: convolution", rules_at[:2])
    note = _where(pages, "The bias", heading[:2])
    assert heading[0] == note[0]
