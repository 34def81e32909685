"""Names the notes define for an upstream gradient: \\delta_{ij} := \\frac{\\partial L}{\\partial y_{ij}}, then \\delta_{12} in claims.

A definition is written with :=, \\coloneqq, \\equiv, \\triangleq, \\stackrel{def}{=}, =: (reversed), or
a plain = whose left side is a name the layer does not have and whose right side is the derivative of
the loss by an entry or a whole tensor (\\frac{\\partial L}{\\partial Y}). Both sides use the same
indices, so the name stands for the gradient of that tensor: G_{r,s} is dL/dy_{r,s}. A layer
superscript written the same on both sides (\\delta^{[l]} := \\partial L / \\partial a^{[l]}) makes the
name stand for every layer's gradient.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .names import Names
from .notation import GROUP, ParseError, prepass

_DEFINES = re.compile(r":=|\\coloneqq|\\equiv|\\triangleq|\\doteq|\\(?:stackrel|overset)\s*\{[^{}]*\}\s*\{=\}")
_DEFINED_BY = re.compile(r"=:|\\eqqcolon")
# A name as it is defined: \delta, g, G, \tilde{y}, \delta^{(l)}, with its subscript.
_NAME = re.compile(r"\s*(?P<name>\\[A-Za-z]+(?:\{\\?[A-Za-z]+\})?|[A-Za-z])(?P<sup>\^(?:" + GROUP + r"|\S))?"
                   r"(?P<sub>_(?:" + GROUP + r"|\S))?\s*")
# The tensor a gradient is taken by: also a name of several letters (Xin, Out: --names).
_TARGET = re.compile(_NAME.pattern.replace("|[A-Za-z])", "|[A-Za-z][A-Za-z0-9]*)", 1))
_LOSS = r"(?P<loss>\\mathcal\s*\{\s*[A-Z]\s*\}|\\ell|[A-Za-z](?:_\s*(?:\{\s*(?:n|total|tot)\s*\}|n(?![A-Za-z])))?)"
_WRT = r"(?P<wrt>[^{}]*(?:" + GROUP + r"[^{}]*)*)"
# dL/dy_{ij} as \frac{\partial L}{\partial y_{ij}}, \partial L / \partial y_{ij} or \nabla_Y L
_GRADIENT = re.compile(r"\s*(?:\\frac\s*\{\s*\\partial\s*" + _LOSS + r"\s*\}\s*\{\s*\\partial\s*" + _WRT + r"\}"
                       r"|\\partial\s*" + _LOSS.replace("loss", "loss2") + r"\s*/\s*\\partial\s*" + _WRT.replace("wrt", "wrt2")
                       + r"|\\nabla_\s*(?:\{(?P<wrt3>[^{}]*(?:" + GROUP + r"[^{}]*)*)\}|(?P<wrt4>[A-Za-z]))\s*"
                       + _LOSS.replace("loss", "loss3")
                       # the operator form \frac{\partial}{\partial z_i} J of the loss after it (J(W,b;x,y) is J)
                       + r"|\\frac\s*\{\s*\\partial\s*\}\s*\{\s*\\partial\s*" + _WRT.replace("wrt", "wrt5") + r"\}\s*"
                       + _LOSS.replace("loss", "loss4") + r"(?![A-Za-z_^(]))\s*")
_DERIVATIVE = re.compile(r"\\partial|\\nabla|\\frac\s*\{\s*(?:\\mathrm\s*\{\s*)?d")
_LOSSES = {"L", "\\ell", "\\mathcal{L}", "E", "J", "C"}
_COMMANDS = {"\\frac", "\\partial", "\\sum", "\\nabla", "\\mathcal", "\\ell", "\\left", "\\right"}


def _canonical(text: str) -> str:
    return re.sub(r"[\s{},]", "", text or "")


_SUB_SUP = re.compile(r"(?P<sub>_\s*(?:" + GROUP + r"|[^\s{}\\^]))\s*(?P<sup>\^\s*(?:" + GROUP + r"|[^\s{}\\_]))")


def _superscript_first(text: str) -> str:
    """\\delta_{x,y}^l as \\delta^l_{x,y}: the layer superscript written after the indices, as Nielsen does."""
    return _SUB_SUP.sub(lambda m: m["sup"] + m["sub"], text)


def read_definition(text: str, tensors: Names) -> tuple[str, dict] | None:
    """(name, table) when the claim defines a name for an upstream gradient, else None.

    Raises:
        ParseError: for a definition whose sides do not use the same indices.
    """
    if not _DERIVATIVE.search(text):
        return None  # every claim is asked: most have no derivative of the loss to define a name by
    text = prepass(text)
    found = _DEFINES.search(text) or _DEFINED_BY.search(text)
    if found:
        left, right = text[: found.start()], text[found.end():]
        if _DEFINED_BY.fullmatch(found.group()):
            left, right = right, left
    elif text.count("=") == 1:
        left, right = text.split("=")
        if _GRADIENT.fullmatch(left) and not _GRADIENT.fullmatch(right):
            left, right = right, left  # \frac{\partial L}{\partial y_{ij}} = \delta_{ij}
    else:
        return None
    left, right = _superscript_first(left), _superscript_first(right)
    name, gradient = _NAME.fullmatch(left), _GRADIENT.fullmatch(right)
    # Only := and its kin redefine a name: "\\delta_{k} = dL/da_{k}" after a definition is a claim.
    redefined = bool(found) and name is not None and any(info.gradient for info in tensors.get(name["name"], {}).values())
    if name and gradient and name["name"] in _LOSSES | {gradient["loss"] or gradient["loss2"] or gradient["loss3"] or gradient["loss4"]}:
        if found:
            raise ParseError(f"{name['name']} is the loss: a name for the upstream gradient must be another, e.g. \\delta")
        return None  # dL/dx_{1,1} = L is a claim (a wrong one), not a definition
    if gradient and not found:
        of = next((gradient[g] for g in ("loss", "loss2", "loss3", "loss4") if gradient[g] is not None), "")
        if of in tensors and of not in _LOSSES:
            return None  # \frac{\partial y}{\partial h^T} = u^T, y the network's output: a Jacobian's claim, not a name for dL/dh
    other_case = name["name"].swapcase() if name else ""
    if not found and name and name["name"] not in tensors and any(
            info.gradient for info in tensors.get(other_case, {}).values()):
        return None  # \frac{\partial L}{\partial y_{1,1}} = g_{1,1} after G = \partial L/\partial P: G's entries, a claim
    # \delta^{[1]} = \partial L / \partial Z^{[1]} after \delta^{[2]} was read: a layer the name does not have yet
    layer_of_name = re.fullmatch(r"\^\{?\[(\d+)\]\}?", name["sup"] or "") if name else None
    new_layer = bool(layer_of_name) and int(layer_of_name[1]) not in tensors.get(name["name"], {None: None})
    if not name or not gradient or name["name"] in _COMMANDS or (name["name"] in tensors and not redefined
                                                                   and not new_layer):
        if found and name and gradient is None and name["name"] not in tensors:
            raise ParseError("a definition is read when its right side is the derivative of the loss by an entry, "
                             "e.g. \\delta_{ij} := \\frac{\\partial L}{\\partial y_{ij}}")
        return None
    wrt = next(gradient[g] for g in ("wrt", "wrt2", "wrt3", "wrt4", "wrt5") if gradient[g] is not None)
    target = _TARGET.fullmatch(wrt)
    base = target["name"] if target else None
    spelled = {n.swapcase(): n for n in tensors if n.swapcase() not in tensors} | {n: n for n in tensors}
    if base not in spelled:
        return None
    table = tensors[spelled[base]]
    if any(info.gradient for info in table.values()) or (not found and bool(name["sub"]) != bool(target["sub"])):
        return None  # a name for a name, or "G = dL/dy_{1,1}" with indices on one side only: a claim
    loss = " ".join(next(gradient[g] for g in ("loss", "loss2", "loss3", "loss4") if gradient[g] is not None).split())
    if _canonical(name["sub"]) != _canonical(target["sub"]) and name["sub"] and target["sub"]:
        raise ParseError(f"the definition of {name['name']} is read when both sides use the same indices, "
                         f"e.g. {name['name']}_{{ij}} := \\frac{{\\partial L}}{{\\partial {base}_{{ij}}}}")
    numbered = re.fullmatch(r"\^\{?\[(\d+)\]\}?", target["sup"] or "")
    if _canonical(name["sup"]) == _canonical(target["sup"]) and numbered and int(numbered[1]) in table:
        # \delta^{[2]} = \nabla_{b^{[2]}} L: the name at that one layer, its other layers kept
        kept = {k: v for k, v in tensors.get(name["name"], {}).items() if k is not None}
        return name["name"], {**kept, int(numbered[1]): replace(table[int(numbered[1])], gradient=loss)}
    if _canonical(name["sup"]) == _canonical(target["sup"]):
        alias = name["name"]  # the same layer superscript (a letter, l), or none: the name for every layer
        return alias, {layer: replace(info, gradient=loss) for layer, info in table.items()}
    layer = re.fullmatch(r"\^\{?\[(\d+)\]\}?", target["sup"] or "")
    if not target["sup"] and None in table:
        chosen = table[None]
    elif layer and int(layer[1]) in table:
        chosen = table[int(layer[1])]
    else:
        return None
    return name["name"] + (name["sup"] or ""), {None: replace(chosen, gradient=loss)}


def awaited(text: str, tensors: Names) -> str | None:
    """The name a definition such as "G = \\partial L / \\partial Y" waits for, when neither G nor Y means anything
    yet: G is read once the notes say what Y is, never by a guess at Y."""
    if not _DERIVATIVE.search(text):
        return None
    text = prepass(text)
    found = _DEFINES.search(text)
    if found:
        left, right = text[: found.start()], text[found.end():]
    elif text.count("=") == 1:
        left, right = text.split("=")
    else:
        return None
    left, right = _superscript_first(left), _superscript_first(right)
    name, gradient = _NAME.fullmatch(left), _GRADIENT.fullmatch(right)
    if not name or not gradient or name["name"] in tensors or name["name"] in _LOSSES | _COMMANDS:
        return None
    wrt = next(gradient[g] for g in ("wrt", "wrt2", "wrt3", "wrt4", "wrt5") if gradient[g] is not None)
    target = _TARGET.fullmatch(wrt)
    spelled = {n.swapcase() for n in tensors} | set(tensors)
    return target["name"] if target and target["name"] not in spelled and target["name"] not in _COMMANDS else None


def definitions(text: str, tensors: Names) -> list[tuple[str, dict]]:
    """The names a claim defines: the name as written, and (when it was written with a superscript the
    tensor does not have, as \\delta^{(l)}_{ij} for dL/dy_{ij}) also the name without it, unless taken."""
    found = read_definition(text, tensors)
    if found is None:
        return []
    name, table = found
    base = re.match(r"\\[A-Za-z]+(?:\{\\?[A-Za-z]+\})?|[A-Za-z]", name).group()
    if base != name and base not in tensors:
        return [found, (base, table)]
    return [found]
