"""MathML for the HTML pages: browsers render it with no script, so a page stays self-contained.

latex2mathml converts any LaTeX fragment; rows of entries (lhs = sum of products, thousands of
them) are assembled here from the conversions of their factors, each converted once and cached,
which is what makes a page of 20,000 terms take a second rather than ten.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import marshal
import os
import re
import sys
import tempfile
from functools import lru_cache

_MATH = re.compile(r"\A<math[^>]*>(.*)</math>\Z", re.DOTALL)
_OPEN, _CLOSE = "{([", "})]"


_ALIGNED = re.compile(r"\A\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*\Z", re.DOTALL)


def convert(latex: str, display: str = "inline") -> str:
    """latex2mathml's conversion, spaced as LaTeX spaces it (tidy). latex2mathml is imported on first use,
    and only for a fragment it has not converted before (see _kept): its import and conversions were most
    of a small HTML page's time."""
    kept = _kept()
    key = f"{display}\0{latex}"
    raw = kept.entries.get(key)
    if raw is None:
        from latex2mathml.converter import convert as latex2mathml

        raw = latex2mathml(latex, display=display)
        if len(kept.entries) < 1 << 16:  # as _inner's cache: a long session holds no more
            kept.entries[key] = raw
            kept.added = True
            kept.used.add(key)
    else:
        kept.used.add(key)
    return tidy(raw)


# latex2mathml's conversions kept between runs in the user's cache folder (beside the compiled templates), in
# one file per installed latex2mathml and Python: its name is a hash of the cache's format, Python's cache tag
# and the size and time of every file of the latex2mathml package, so another version never reads this one's.
# What is kept is latex2mathml's own output (tidy runs on every use), at most KEPT_ENTRIES of them: those of the
# last run first. A file that cannot be read, written or trusted only means converting again, silently.
KEPT_ENTRIES = 4000
_FORMAT = "symconv-mathml-1"


class _Kept:
    __slots__ = ("path", "entries", "used", "added")

    def __init__(self, path, entries: dict[str, str]):
        self.path, self.entries, self.used, self.added = path, entries, set(), False


_kept_now: _Kept | None = None


def _kept() -> _Kept:
    global _kept_now
    if _kept_now is None:
        path = _kept_path()
        entries = {}
        if path is not None:
            try:
                loaded = marshal.loads(path.read_bytes())
                if isinstance(loaded, dict) and all(type(k) is str and type(v) is str for k, v in loaded.items()):
                    entries = loaded
            except Exception:  # missing, unreadable or damaged: convert instead
                pass
        _kept_now = _Kept(path, entries)
    return _kept_now


def _kept_path():
    """The cache file of the installed latex2mathml, or None when it cannot be found."""
    from .template_cache import cache_folder

    try:
        spec = importlib.util.find_spec("latex2mathml")
        if spec is None or not spec.submodule_search_locations:
            return None
        files = []
        for folder in spec.submodule_search_locations:
            for root, _, names in os.walk(folder):
                for name in names:
                    if not name.endswith((".pyc", ".pyo")):
                        info = os.stat(os.path.join(root, name))
                        files.append((os.path.relpath(os.path.join(root, name), folder), info.st_size, info.st_mtime_ns))
    except (OSError, ImportError, ValueError):
        return None
    key = hashlib.sha256(repr((_FORMAT, sys.implementation.cache_tag, sorted(files))).encode()).hexdigest()[:32]
    return cache_folder("mathml") / f"{key}.marshal"


def save_conversions() -> None:
    """Keep this run's new conversions for the next (nothing to do when every one was kept already)."""
    kept = _kept_now
    if kept is None or not kept.added or kept.path is None:
        return
    # Copies first, each made in one step, the used keys before the entries (convert stores an entry before
    # it marks it used): another thread's render may be converting meanwhile.
    used = list(kept.used)
    known = dict(kept.entries)
    entries = {key: known[key] for key in used}
    for key, raw in known.items():
        if len(entries) >= KEPT_ENTRIES:
            break
        entries.setdefault(key, raw)
    if len(entries) > KEPT_ENTRIES:
        entries = dict(list(entries.items())[:KEPT_ENTRIES])
    try:
        kept.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=kept.path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(marshal.dumps(entries))
            os.replace(temporary, kept.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:  # read-only or full: the next run converts again
        return
    kept.added = False


# An operator name latex2mathml writes as an operator (\operatorname{rot}: <mo>rot</mo>), which browsers space
# as a relation ("rot180 ( K )"); a function name followed by its argument with no space ("logp"); a
# parenthesis spaced as an infix operator.
_NAMED_OPERATOR = re.compile(r"<mo>([A-Za-z]{2,})</mo>")
_FUNCTION = re.compile(r"<mi>(log|ln|exp|sin|cos|tan|tanh|sinh|cosh|max|min|det|diag|softmax)</mi>(?!<mo[^>]*>&#x00028;)")
_PAREN = re.compile(r'<mo((?: (?:stretchy|fence|minsize|maxsize)="[^"]*")*)>(&#x00028;|&#x00029;|\(|\))</mo>')


def tidy(markup: str) -> str:
    """MathML spaced as LaTeX sets the same formula: an operator name is a name (upright, no operator
    space: rot_180(K)), a function name is set apart from an argument without parentheses by a thin space
    (log p), and ordinary parentheses take no operator space. A sum's limits and max's go under and over it
    in a display (munder, munderover with movable limits, as LaTeX's \\sum and \\max), and the indicator's
    double-struck one is the character itself (browsers ignore mathvariant on a number)."""
    markup = markup.replace('<mn mathvariant="double-struck">1</mn>', '<mi mathvariant="normal">&#x1D7D9;</mi>')
    markup = _limits(markup)
    markup = _MATRIX_SCRIPT.sub(r"<\1><mrow>\2</mrow>", markup)
    markup = _PRIME.sub(r'\1<mo lspace="0" rspace="0">\2</mo>', markup)
    markup = _SIGN.sub(r'\1<mo lspace="0" rspace="0">&#x02212;</mo>', markup)
    markup = _NAMED_OPERATOR.sub(r"<mi>\1</mi>", markup)
    # A thin space after a function name, and before it unless it opens a row or follows an operator.
    markup = _FUNCTION.sub(lambda m: ("" if markup[:m.start()].endswith(("<mrow>", "</mo>")) else THIN)
                           + f"<mi>{m.group(1)}</mi>" + THIN, markup)
    markup = _PAREN.sub(r'<mo\1 lspace="0" rspace="0">\2</mo>', markup)
    return _SIZED_BASE.sub(r"<\1><mrow>\2</mrow>", markup)


# A sized delimiter (\Big), \big]) that carries a script, (d y / d a)^T: latex2mathml makes the delimiter itself the
# script's base, and Chromium then sets it at its normal size, a small ")" after a tall "(" around a fraction; in an
# mrow of its own it keeps its size.
_SIZED_BASE = re.compile(r"<(msup|msub|msubsup)>(<mo [^>]*minsize=\"[^\"]*\"[^>]*>[^<]*</mo>)")


THIN = '<mspace width="0.1667em"/>'
# A matrix with a script (a vector transposed, [..]^T): latex2mathml gives the script element its brackets and table
# as three bases, so the table is set as the script, tiny, and the T falls on the baseline; one mrow is the base.
_MATRIX_SCRIPT = re.compile(r"<(msup|msub|msubsup)>(<mo>&#x0005B;</mo><mtable>(?:(?!<mtable>).)*?</mtable><mo>&#x0005D;</mo>)",
                            re.DOTALL)
# A prime as a superscript (latex2mathml's L'): the prime glyph is raised already, so a script raises it twice and
# sets it apart; after its letter on the line it sits where LaTeX puts it.
_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>(&#x02032;|&#x02033;)</mi></msup>")
# A minus that is a sign, not a subtraction: after an operator that is not a closing bracket (an opening one, =,
# +, a dot, approximately), or at the start of a row or cell; browsers would space it as a binary operator, ( - 1).
_SIGN = re.compile(r"((?:<mo[^>]*>(?!&#x00029;|\)|&#x0005D;|\]|&#x0007D;|\}|&#x0007C;|\|)[^<]*</mo>)"
                   r"|<mrow>|<mtd[^>]*>|<math[^>]*>)<mo>&#x02212;</mo>")

# An operator whose sub- and superscripts LaTeX sets as limits, and the MathML latex2mathml writes for it.
_LIMITED = (("<msubsup><mo>&#x02211;</mo>", "msubsup", "munderover", '<mo movablelimits="true">&#x02211;</mo>'),
            ("<msub><mo>&#x02211;</mo>", "msub", "munder", '<mo movablelimits="true">&#x02211;</mo>'),
            ("<msub><mo>max</mo>", "msub", "munder",
             '<mo movablelimits="true" lspace="0.1667em" rspace="0.1667em">max</mo>'),
            ("<msub><mo>min</mo>", "msub", "munder",
             '<mo movablelimits="true" lspace="0.1667em" rspace="0.1667em">min</mo>'))


def _limits(markup: str) -> str:
    """Each sum and max with its scripts as limits: <msub><mo>sum</mo>...</msub> becomes <munder> (and
    msubsup munderover), its closing tag the one that matches."""
    for start, tag, new, base in _LIMITED:
        pos = markup.find(start)
        while pos >= 0:
            depth, at = 0, pos
            while True:  # the matching close tag
                opening, closing = markup.find(f"<{tag}>", at), markup.find(f"</{tag}>", at)
                if opening != -1 and opening < closing:
                    depth, at = depth + 1, opening + len(tag) + 2
                    continue
                depth, at = depth - 1, closing + len(tag) + 3
                if depth == 0:
                    break
            inner = markup[pos + len(start):closing]
            markup = markup[:pos] + f"<{new}>{base}{inner}</{new}>" + markup[at:]
            pos = markup.find(start, pos)
    return markup


def mathml(latex: str, display: bool = True) -> str:
    """Any LaTeX math as one <math> element (display or inline).

    An aligned block becomes a table, one row per line and one cell per & column: latex2mathml
    would print its & as text and put every line on one (a linebreak browsers ignore).
    """
    aligned = _ALIGNED.match(latex)
    if aligned is None:
        return convert(latex, display="block" if display else "inline")
    lines = [_split(line, ("&",)) for _, line in _split(aligned.group(1), ("\\\\",))]
    body = "".join("<mtr>" + "".join(f"<mtd>{_inner(cell.strip())}</mtd>" for _, cell in cells) + "</mtr>"
                   for cells in lines if any(cell.strip() for _, cell in cells))
    style = ' displaystyle="true"' if display else ""
    return (f'<math display="{"block" if display else "inline"}"><mtable class="rows"{style}>'
            + (body.replace("<mtd>", f"<mtd{style}>") if display else body) + "</mtable></math>")


@lru_cache(maxsize=1 << 16)
def _inner(latex: str) -> str:
    """The MathML inside <math>...</math> for a LaTeX fragment (nothing for an empty one: an aligned
    line that continues with "&= ...")."""
    if not latex.strip():
        return ""
    match = _MATH.match(convert(latex))
    return match.group(1) if match else ""


def _split(text: str, separators: tuple[str, ...]) -> list[tuple[str, str]]:
    """(separator before, piece) at the separators that stand outside every bracket and brace."""
    out, depth, start, sep, pos = [], 0, 0, "", 0
    while pos < len(text):
        ch = text[pos]
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0 and (pos == 0 or text[pos - 1] != "\\"):  # \& is a character, not a column
            hit = next((s for s in separators if text.startswith(s, pos)), None)
            if hit is not None:
                out.append((sep, text[start:pos]))
                sep, start, pos = hit, pos + len(hit), pos + len(hit)
                continue
        pos += 1
    out.append((sep, text[start:]))
    return out


def _line(text: str) -> str:
    """One line of a sum: terms with their + and - signs, factors joined by a thin space."""
    parts = []
    text = text.strip()
    if text[:2] in ("+ ", "- "):  # a continuation line carries its own sign
        parts.append(_sign(text[0]))
        text = text[2:]
    for sign, term in _split(text, (" + ", " - ")):
        if sign:
            parts.append(_sign(sign.strip()))
        factors = [_inner(factor.strip()) for _, factor in _split(term, ("\\,",)) if factor.strip()]
        parts.append('<mspace width="0.167em"></mspace>'.join(factors))
    return "".join(parts)


def _sign(sign: str) -> str:
    """A term's sign as MathML: the minus sign, U+2212, never the hyphen."""
    return "<mo>&#x02212;</mo>" if sign == "-" else f"<mo>{sign}</mo>"


def rows(block) -> str:
    """A block of entries (lhs = lines of a sum, or a chain of = steps) as one display <math> table."""
    out = []
    for row in block.rows:
        out.append(f"<mtr><mtd>{_inner(row.lhs)}</mtd><mtd><mo>=</mo>{_line(row.lines[0])}</mtd></mtr>")
        for line in row.lines[1:]:
            lead = "<mo>=</mo>" if row.chain else '<mspace width="1em"></mspace>'
            out.append(f"<mtr><mtd></mtd><mtd>{lead}{_line(line)}</mtd></mtr>")
    return ('<math display="block"><mtable class="rows" displaystyle="true">'
            + "".join(out).replace("<mtd>", '<mtd displaystyle="true">') + "</mtable></math>")
