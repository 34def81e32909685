"""The numerical tasks of every variant as a Moodle XML question bank (xml.etree builds and escapes it).

One category per variant (`$course$/symconv exercises/<id>`), then one numerical question per number
the variant's tasks ask (the output's height and width, an entry of dL/dX and one of dL/dK at the
variant's numbers), each with its answer (the derivation's exact value, checked against NumPy) and a
tolerance. The question text is HTML with its matrices as LaTeX in \\( \\), which Moodle's MathJax
filter typesets.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET

from sympy import Rational

from .variant_sheet import Worksheet

TOLERANCE = "0.001"  # whole numbers: any answer within 0.001 is the number


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _number(value: Rational) -> str:
    return str(int(value)) if value.q == 1 else repr(float(value))


def _question(quiz: ET.Element, name: str, body: str, answer: Rational, points: int) -> None:
    q = ET.SubElement(quiz, "question", {"type": "numerical"})
    _text(q, "name", name)
    _text(q, "questiontext", body, format="html")
    _text(q, "generalfeedback", "", format="html")
    ET.SubElement(q, "defaultgrade").text = str(points)
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    a = ET.SubElement(q, "answer", {"fraction": "100", "format": "moodle_auto_format"})
    ET.SubElement(a, "text").text = _number(answer)
    ET.SubElement(a, "tolerance").text = TOLERANCE
    _text(a, "feedback", "", format="html")
    ET.SubElement(q, "unitgradingtype").text = "0"
    ET.SubElement(q, "unitpenalty").text = "0.1000000"
    ET.SubElement(q, "showunits").text = "3"
    ET.SubElement(q, "unitsleft").text = "0"


def question_bank(sheets: list[tuple[str, Worksheet]]) -> bytes:
    """The question bank of (variant id, worksheet) pairs, as UTF-8 bytes with the XML declaration."""
    quiz = ET.Element("quiz")
    for ident, sheet in sheets:
        category = ET.SubElement(quiz, "question", {"type": "category"})
        _text(category, "category", f"$course$/symconv exercises/{ident}")
        layer = html.escape(_settings(sheet))
        given = "".join(f"<p>\\( {html.escape(line)} \\)</p>" for line in sheet.given)
        for task in sheet.tasks:
            for n, (asked, value) in enumerate(task.values, start=1):
                if asked == "H_o":
                    ask = "How many rows has the output \\( y \\) (its height \\( H_o \\))?"
                elif asked == "W_o":
                    ask = "How many columns has the output \\( y \\) (its width \\( W_o \\))?"
                else:
                    ask = f"Compute \\( {html.escape(asked)} \\) at these numbers."
                body = (f"<p>A convolution layer (cross-correlation, 1-based indices): {layer}. The upstream gradient "
                        f"is \\( g_{{r,s}} = \\frac{{\\partial L}}{{\\partial y_{{r,s}}}} \\).</p>{given}<p>{ask}</p>")
                share = max(1, task.points // len(task.values))
                _question(quiz, f"{ident} task {task.number}" + (f".{n}" if len(task.values) > 1 else ""), body,
                          value, share)
    ET.indent(quiz, space=" ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode").encode() + b"\n"


def _settings(sheet: Worksheet) -> str:
    record = sheet.derivation.records[0]
    layer = record.layer
    c, h, w = record.shape_in
    kh, kw = layer.kernel
    return (f"input {h} x {w}, kernel {kh} x {kw}, stride {layer.stride[0]} x {layer.stride[1]}, padding "
            f"{layer.padding[0]} x {layer.padding[1]}, " + ("with a bias" if layer.bias else "no bias"))
