"""Find the claims in a student's notes: math in display and inline delimiters, split into claims,
each with the line it is written on and its range.

Math is read from $$...$$, \\[...\\], the equation, align, gather and multline environments (starred
or not) and, in sentences, $...$ and \\(...\\) (an inline formula is a claim only when it holds an
'='). Inside display math, aligned, gathered, split and array are read through. A block holds one
claim or several, separated by \\\\, \\quad or commas outside braces; a claim may end with its range
("\\text{for } i = 2, 3", "\\forall r, s", "\\qquad i, j = 1, 2", "\\quad (i = 1)"). A matrix on the
right of "=" (pmatrix, bmatrix, ...) becomes one claim per entry. Everything is scanned in linear
time: notes are untrusted text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace

from .blocks import COMMENT, Lines, blank_all, blanked, is_latex, math_blocks, paired, without_unrendered

MAX_RANGE = 300  # characters of a range written without a word after a claim

# Environments read through: their rows are claims like the rows of align.
# (align, gather and equation too: MathJax users write them inside $$ ... $$)
_INNER_ENVS = "aligned|alignedat|gathered|split|array|subarray|align|flalign|alignat|gather|multline|equation|eqnarray"
# Environments kept whole inside a claim: their \\ and & belong to the matrix.
_MATRIX_ENVS = "matrix|pmatrix|bmatrix|Bmatrix|vmatrix|Vmatrix|smallmatrix|cases|Array"
# An array in brackets, \left[\begin{array}{ccc} ... \end{array}\right], is a matrix ("Array" inside)
_BRACKETED_ARRAY = re.compile(r"(?:\\left\s*)?[\[(]\s*(?P<begin>\\begin\{array\}\s*\{[^{}]*\})")
_END_ARRAY = re.compile(r"\\end\{array\}")

_BLANKED = re.compile(
    r"\\(?:label|tag\*?|eqref)\s*\{[^{}]*\}|\\(?:nonumber|notag|hline|midrule|noalign)(?![A-Za-z])"
    r"|\\(?:h?phantom|hspace\*?|mathrel)\s*\{(?:[^{}]|\{[^{}]*\})*\}|\\hskip\s*[\d.]+\s*[a-z]{2}"
    r"|\\(?:begin\{(?:" + _INNER_ENVS + r")\*?\}(?:\s*\[[a-z]\])?(?:\s*\{[^{}]*\})?|end\{(?:" + _INNER_ENVS + r")\*?\})"
)
# "A = 1 \text{ and } B = 2" (d2l): two claims joined by a word; not the "and" of a range ("for i = 1 and j = 2")
_AND = r"(?P<and>\\(?:text|textrm|mathrm|mbox)\s*\{\s*(?:and|und|et|y)\s*\})"
# "A = B \qquad \text{since } C = D": a reason given in words, a claim of its own after it (as after \because)
_SINCE = r"\\(?:text|textrm|mathrm|mbox)\s*\{\s*(?:since|because|as|da|car|puisque|weil|porque)\s*\}"
# Words of logic between two equations ("A = B \Rightarrow C = D", "\therefore"): each side a claim of its own
_CONNECTIVE = (r"\\(?:Rightarrow|Longrightarrow|implies|iff|Leftrightarrow|Longleftrightarrow|therefore|because"
               r"|rightarrow|longrightarrow)(?![A-Za-z])|" + _SINCE)
_NUMBERED = r"\(\s*\d{1,3}(?:\.\d{1,3})?[a-z]?\s*\)"  # an equation's number written by hand: (12), (3.1), (4a)
_EQUATION_NUMBER = re.compile(_NUMBERED + r"\.?|\\text\s*\{\s*" + _NUMBERED + r"\s*\}")
# Words that make a piece of prose after a claim a condition on it ("\text{if $i$ is the true class}")
_CONDITION = re.compile(r"\\(?:text|textrm|mbox|mathrm|textit)\s*\{\s*\(?\s*(?:for|if|when|whenever|unless|except|only|"
                        r"provided|otherwise|else|off|at|si|sinon|wenn|falls|sonst|cuando)(?![A-Za-z])", re.IGNORECASE)
# What the scanner of a block meets: environments, braces, row and column separators, \quad, connectives.
_STRUCTURE = re.compile(
    r"\\begin\{(?P<begin>[A-Za-z]+\*?)\}|\\end\{(?P<end>[A-Za-z]+\*?)\}|\\\\\*?(?:\s*\[[^\]\n]*\])?|\\[{}]"
    r"|\\q?quad(?![A-Za-z])|" + _AND + r"|[{}&]|" + _CONNECTIVE
)
_MATRIX = re.compile(r"\\begin\{(?:" + _MATRIX_ENVS.replace("|cases", "") + r")\}")  # cases is no matrix
# A row that continues the claim above it: it starts with + - = or dots, after any spacing ("&{}+",
# "& \\; +", "&\\phantom{=} +", "&\\hspace{1em} +", "& \\cdots +").
_SPACING = r"(?:\s|\{\}|\\[,;:! ]|\\q?quad(?![A-Za-z])|\\(?:h?phantom|hspace\*?|mathrel)\s*\{(?:[^{}]|\{[^{}]*\})*\}|\\hskip\s*[\d.]+\s*[a-z]{2})*"
_CONTINUES = re.compile(_SPACING + r"(?:[-+=]|\\[lc]?dots(?![A-Za-z]))")
_PAIRED = re.compile(r"\\begin\{(?:align|flalign|alignat)\*?\}")
_PAIRED_INSIDE = re.compile(r"\\begin\{(?:aligned|alignedat|align|flalign|alignat)\*?\}")
# Where a range starts: \forall, or "for" / "where" as a word (inside \text{...} or not).
# (also in French, German and Spanish: "pour tout", "für alle", "para todo")
_RANGE = re.compile(r"\\forall(?![A-Za-z])|(?:\\(?:text|mbox|mathrm|textrm)\s*\{\s*)?(?<![A-Za-z\\])(?:for|where|pour|für|para)(?![A-Za-z])"
                    r"|\\(?:text|mbox|mathrm|textrm)\s*\{\s*(?:if|at|when)(?![A-Za-z])",
                    re.ASCII)
# A range written without a word: "i, j = 1, 2, 3", "(i = 1)", "1 \le i \le 3", "i \in \{1, 2\}".
_NUMBERS = r"(?:\\\{)?\s*\d+(?:\s*,\s*(?:\d+|\\[lcd]?dots[cb]?|\.\.\.?))*\s*(?:\\\})?"
_RANGE_PART = (r"(?:[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z]))\s*" + _NUMBERS
               + r"|\d+\s*(?:\\leq?|<=|<)\s*[a-z](?:\s*,\s*[a-z])*\s*(?:\\leq?|<=|<)\s*\d+)")
_BARE_RANGE = re.compile(r"\s*\(?\s*" + _RANGE_PART + r"(?:\s*(?:,|;|\\text\{\s*and\s*\}|and|\\[,;: ])\s*(?:\\[,;: ]\s*)*" + _RANGE_PART
                         + r")*\s*\)?\s*[.,;]?\s*", re.ASCII)
# Looser: only index letters, numbers, relations and range words. Such a piece after a claim is its
# range even when it cannot be read: the claim is then not understood, never judged over the wrong indices.
_RANGE_LIKE = re.compile(r"(?=[^=<>]*(?:=|<|>|\\[lg]eq?(?![A-Za-z])|\\neq?(?![A-Za-z])|\\in(?![A-Za-z])))(?:\s|[a-z]|\d|[=<>(),;.]|\\[{}]"
                         r"|\\(?:[lg]eq?|neq?|in|[lcd]?dots|forall)(?![A-Za-z])|\\[,;: ]"
                         r"|\\(?:text|mbox|mathrm)\s*\{[^{}]*\})+", re.ASCII)
_RANGE_START = re.compile(r"\s*\(?\s*(?:[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z]))\s*(?:\\\{)?\s*\d|\d+\s*(?:\\le|<))",
                          re.ASCII)


# a condition on two indices in parentheses at the end of a claim, after mere spacing: "(k \neq j)", "(i = j)"
_LEADING_IF = re.compile(r"\s*(?:\{\s*\\rm\s+if\s*\}|\\(?:text|mathrm|textrm|mbox|rm)\s*\{\s*if\s*\}|if)(?:~|\\[,;: ]|\s)+"
                         r"(?P<condition>[a-z](?:[a-z0-9\s=~]|\\neq?(?![A-Za-z]))*)")
_TRAILING_CONDITION = re.compile(r"\(\s*([a-z]\s*(?:\\neq?|\\not\s*=|=)\s*[a-z])\s*\)\s*[.,;]?\s*$")
_PROSE = re.compile(r"(?:\\(?:text|textrm|mbox|textit)\s*\{[^{}]*\}\s*[.,;:]?\s*)+")
_CLAIM_SIGN = re.compile(r"\\(?:equiv|coloneqq|eqqcolon|triangleq|doteq)(?![A-Za-z])|:=")  # besides an '=' outside braces


@dataclass(frozen=True)
class Claim:
    """One claim as written: its text, the line it is written on (1-based) and its range text.

    `problem` is set when the notes hold something that is not a readable claim (an unclosed \\[, a
    matrix of the wrong form): the grader reports it as not understood, with that reason.
    """

    line: int
    text: str
    range: str = ""
    problem: str = ""
    matrix: tuple[int, int] | None = None  # rows and columns of the matrix an entry claim comes from
    # a matrix written with a row (or column) of dots, \vdots, \cdots: the rows (columns) before the dots, the ones
    # after them being the tensor's last (-1: no such dots); `matrix` and the entry's index count the written ones
    elided: tuple[int, int] | None = None
    code: bool = False  # a value the notes' code sets (code.py): reported only when read as a given value
    links: tuple[int, ...] = ()  # the line of each '=' of a chain written over several rows (align's &=)
    case: str = ""  # the last relation of two indices the prose before it states ("If $i = j$:"), in its section
    scenario: int = 0  # read with its names' primes taken off, at the given values so primed (scenarios.py)
    primed: tuple[str, str] = ()  # then the claim's text and range as written, primes and all


def _states(text: str) -> bool:
    """Whether an inline formula states something: an '=' outside braces (\\sum_{k=1}^{N} e^{a_k} states nothing),
    or \\equiv, \\coloneqq, ..."""
    return bool(_equals_at(text)) or _CLAIM_SIGN.search(text) is not None


def _equals_at(text: str) -> list[int]:
    """Where the '=' signs outside braces and brackets stand in the text (not <=, >=, !=, ==)."""
    out, depth = [], 0
    for k, ch in enumerate(text):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth -= 1
        elif ch == "=" and depth <= 0 and text[k - 1:k] not in ("<", ">", "!", "=", ":") and text[k + 1:k + 2] != "=":
            out.append(k)
    return out


def _top_range(piece: str):
    """The first range marker outside every bracket: a formula's pieces, {v \\text{ if } c; w}, are not a range."""
    for found in _RANGE.finditer(piece):
        before = piece[:found.start()]
        # brackets, and environments (the pieces of \begin{cases} ... \end{cases} are no range either)
        depth = sum(ch in "({[" for ch in before) - sum(ch in ")}]" for ch in before)
        depth += len(re.findall(r"\\begin\{", before)) - len(re.findall(r"\\end\{", before))
        if depth <= 0:
            return found
    return None


# cases written as a matrix in a brace, as MathJax once needed: \left\{\begin{matrix} v & c \\ w & d \end{matrix}\right.
_BRACED_CASES = re.compile(r"\\left\s*\\\{\s*\\begin\{(?P<env>matrix|array)\}(?:\{[lcr]+\})?(?P<body>(?:(?!\\begin\{|\\end\{).)*?)"
                           r"\\end\{(?P=env)\}\s*\\right\s*\.", re.DOTALL)


def braced_cases(notes: str) -> str:
    """The notes with each \\left\\{\\begin{matrix} v & c \\\\ w & d \\end{matrix}\\right. written as the cases it is."""
    return _BRACED_CASES.sub(_as_cases, notes)


def _as_cases(found: re.Match) -> str:
    """The cases a braced matrix writes, as \\begin{cases}; its line breaks kept, so that lines are counted as written."""
    body = found["body"]
    return "\\begin{cases}" + body.replace("\n", " ") + "\\end{cases}" + "\n" * found[0].count("\n")


def extract(notes: str, latex: bool | None = None) -> list[Claim]:
    """Every claim of a Markdown or LaTeX text, in order; `latex` says which (as a file's suffix does),
    else the text is LaTeX when it looks like it (a preamble, a section, a % comment line)."""
    notes = notes.replace("\r\n", "\n").replace("\r", "\n")
    latex = is_latex(notes) if latex is None else latex
    notes = without_unrendered(notes, latex)
    lines = Lines(notes)
    claims: list[Claim] = []
    named = None  # the last inline formula without "=": "Let $A$ be $B$" makes A := B
    shown = None  # the left-hand side of the last display: "Call this matrix $M$" names it
    condition = None  # "If $i = k$," before a display: the range of its claims, (where it ends, the relation)
    case = None  # (where it is stated, the relation): "$i \\neq j$" in the prose, the case the claims after it treat
    for block in math_blocks(notes, markdown=not latex):
        if isinstance(block[1], str):
            claims.append(Claim(lines(block[0]), block[1], problem=block[2]))
            continue
        start, end, opener = block
        if opener == "$$" and not latex and _in_a_sentence(notes, start, end):
            opener = "$"  # kramdown's (Jekyll's) $$ inside a line of prose is inline math: "If $$i=j$$, ..."
        found = split_block(notes, start, end, lines, opener)
        if opener in ("$", "\\("):  # inline: only formulas with "=" are claims; "$x_{11}$" in a sentence is not
            formula = " ".join(notes[start:end].split())
            if _INDEX_CONDITION.fullmatch(formula):
                formula = re.sub(r"\\not\s*=", r"\\neq ", formula)  # i \not= k: i \neq k
                case = (start, formula)
                if _IF_BEFORE.search(notes, max(0, start - 16), start):
                    condition = (end, formula)
                    continue
                named_case = _CASE_AFTER.match(notes, end)
                if named_case:  # "we can do the $i \neq j$ case:" right before a display: its condition
                    condition = (named_case.end(), formula)
                    continue
            if _CONDITION_BEFORE.search(notes, max(0, start - 16), start):
                continue  # "the derivative is 1 where ... (also at $a = 0$)": a condition in prose, not a claim
            if condition is not None:  # "when $i = k$, we have $\partial y_i/\partial x_k = y_i(1 - y_i)$": in one sentence
                if _INLINE_THEN.fullmatch(notes[condition[0]:start]):
                    found = [c if c.range else replace(c, range=condition[1]) for c in found]
                condition = None
        elif condition is not None:
            if re.fullmatch(r"[\s$,:]*(?:\\\[|\\begin\{[a-z]+\*?\})?\s*", notes[condition[0]:start]):
                found = [c if c.range else replace(c, range=condition[1]) for c in found]
            condition = None
        if opener in ("$", "\\("):
            if named is not None and not _states(formula):
                claims += _prose_definition(notes, named, (start, end, formula), lines)
            if shown is not None and _CALLED.search(notes, max(0, start - 40), start) and _BARE_NAME.fullmatch(formula):
                claims.append(Claim(lines(start), f"{formula.strip()} = {shown}"))  # "Call this matrix $M$"
            named = (start, end, formula)
            found = [c for c in found if _states(c.text) or c.problem]
        elif found:
            shown = _display_lhs(found[0])
            if case is not None and _HEADING.search(notes, case[0], start):
                case = None  # a new section treats its own case
            if case is not None:
                found = [replace(c, case=case[1]) for c in found]
        claims += found
    return claims


def _in_a_sentence(notes: str, start: int, end: int) -> bool:
    """Whether the math between `start` and `end` (after and before its $$) has words before or after it on its line."""
    before = notes[notes.rfind("\n", 0, start) + 1:start - 2]
    after_end = notes.find("\n", end)
    after = notes[end + 2:len(notes) if after_end == -1 else after_end]
    return "\n" not in notes[start:end] and bool(re.search(r"[A-Za-z]", before + after))


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s|\\(?:sub)*section\*?\s*\{|\\paragraph\s*\{", re.MULTILINE)
# "If $i = k$," / "for $i \neq k$": a relation between two indices that the display after it holds under
_INDEX_CONDITION = re.compile(r"\s*[a-z]\s*(?:=|\\neq?(?![A-Za-z])|\\not\s*=)\s*[a-z]\s*")
# between "when $i = k$" and the inline claim it conditions: a comma, "we have", "then"
_INLINE_THEN = re.compile(r"[\s$,:]*(?:(?:we|one)\s+(?:have|get|find|obtain)|then|it\s+is)?[\s,:]*\$?", re.IGNORECASE)
_CASE_AFTER = re.compile(r"\$?\s*case\s*[:,]", re.IGNORECASE)
_IF_BEFORE = re.compile(r"(?<![A-Za-z])(?:if|when|for|where)\s*(?:\$\$?|\\\()?\s*$", re.IGNORECASE)
_CONDITION_BEFORE = re.compile(r"(?<![A-Za-z])(?:if|when|whenever|at|unless)\s*(?:\$\$?|\\\()?\s*$", re.IGNORECASE)
# "Let $A$ be $B$", "write $A$ for $B$", "$A$ denotes $B$", "denote $B$ by $A$": a name defined in words
# (also "$A$ 定义为 $B$", "$A$ désigne $B$", "$A$ ist definiert als $B$", "$A$ se define como $B$")
_BEFORE = re.compile(r"(?:\b(?:let|write|denote|call)\s*)$", re.IGNORECASE)
# "Write $A$ for $B$ and $C$ for $D$": the second name defined by the same sentence's verb
_AND_ANOTHER = re.compile(r"\b(?:let|write|denote|call)\s*\$[^$]+\$\s*(?:be|for)\s*\$[^$]+\$\s*,?\s*and\s*\$?\s*$",
                          re.IGNORECASE)
_BETWEEN = re.compile(r"\s*(?P<word>be|for|denotes?|stands? for|means?|by|is(?:\s+defined\s+(?:as|to\s+be|by))?"
                      r"|(?:is\s+)?defined\s+(?:as|to\s+be)|is\s+short\s+for"
                      # the same in the languages courses are taught in: the name first, then what it means
                      r"|定义为|表示|est\s+d[ée]finie?\s+(?:comme|par)|d[ée]signe|(?:ist\s+)?definiert\s+als|bezeichnet"
                      r"|se\s+define\s+como|denota)\s*(?:the\s+(?:upstream\s+)?gradient\s*)?",
                      re.IGNORECASE)


# "Call this matrix $M$", "denote it by $J$", "we call the result $A$": a name for what the display before gives
_CALLED = re.compile(r"\b(?:call|name|denote)\s+(?:this|it|the\s+(?:above|result|matrix|jacobian))"
                     r"(?:\s+(?:matrix|jacobian|vector|tensor|result|number|quantity|value|gradient|term))?\s*(?:by\s*)?\$?\s*$",
                     re.IGNORECASE)
# a letter or a Greek letter's command, with a short subscript: M, \delta_u ("Call this number $\delta_u$")
_BARE_NAME = re.compile(r"\s*(?:[A-Za-z]|\\[a-zA-Z]+)(?:_\s*(?:\{[A-Za-z0-9]{1,3}\}|[A-Za-z0-9]))?\s*")


# verbs that say a name stands for a formula (not "be" or "for", which sentences use for much else)
_DEFINING = re.compile(r"denotes?|stands?\s+for|means?|is\s+short\s+for|(?:is\s+)?defined\s+(?:as|to\s+be)"
                       r"|is\s+defined\s+by", re.IGNORECASE)
_SHORT_NAME = re.compile(r"\s*(?:\\[A-Za-z]+|[A-Za-z])(?:_\s*(?:\{[A-Za-z0-9]{1,3}\}|[A-Za-z0-9]))?\s*")
_FORMULA = re.compile(r"\\(?:sum|prod|frac|exp|log|max|min)(?![A-Za-z])|[-+*/^]")


def _display_lhs(claim: Claim) -> str | None:
    """The left-hand side a display's first claim writes (of a matrix written out, what the matrix is)."""
    if claim.matrix:
        found = re.fullmatch(r"\((.*)\)_\{\d+,\d+\} = .*", claim.text, re.DOTALL)
        return found[1].strip() if found else None
    links = _links(claim.text)
    return links[0].strip() if len(links) > 1 else None


def _prose_definition(notes: str, first: tuple, second: tuple, lines: Lines) -> list[Claim]:
    between = notes[first[1]:second[0]].strip("$\\() \n")
    before = notes[max(0, first[0] - 12):first[0]].rstrip("$\\( ")
    word = _BETWEEN.fullmatch(between)
    if word is None:
        return []
    if "\\partial" not in first[2] + second[2] and "\\nabla" not in first[2] + second[2] and not (
            # "$\Sigma$ stands for $\sum_k e^{a_k}$": a short name for a formula, said with a verb that only defines
            _DEFINING.fullmatch(word["word"]) and _SHORT_NAME.fullmatch(first[2]) and _FORMULA.search(second[2])):
        return []
    if word["word"].lower() in ("be", "for") and not _BEFORE.search(before) and not _AND_ANOTHER.search(
            notes[max(0, first[0] - 300):first[0]]):
        return []
    name, meaning = (second, first) if word["word"].lower() == "by" else (first, second)  # "is defined by": first
    return [Claim(lines(first[0]), f"{name[2]} := {meaning[2]}")]


def split_block(notes: str, start: int, end: int, lines: Lines, opener: str = "$$") -> list[Claim]:
    """The claims of the math in notes[start:end], each with the range written after it. In align and
    aligned, every second & of a row starts another equation ("a &= b & c &= d")."""
    text = blank_all(COMMENT, notes[start:end])
    edits = []  # (start, end, same-length replacement)
    for begin, end_array in paired(text, _BRACKETED_ARRAY, lambda _: _END_ARRAY):
        b0, b1 = begin.span("begin")
        edits += [(b0, b1, "\\begin{Array}" + " " * (b1 - b0 - 13)), (*end_array.span(), "\\end{Array}")]
    found_inside: list[tuple[int, Claim]] = []
    for m in _INTERTEXT.finditer(text):
        close = _group_end(text, m.end() - 1)
        if close < 0:
            break  # never closed: the rest of the block is not read as intertext
        for inline in re.finditer(r"(?<!\\)\$([^$]+)\$", text[m.end():close]):
            at = start + m.end() + inline.start(1)
            found_inside += [(at - start, c) for c in split_block(notes, at, at + len(inline.group(1)), lines, "$")
                             if _states(c.text)]
        # an intertext is prose between rows: a row break in its place
        edits.append((m.start(), close + 1, "\\\\" + blanked(text[m.start() + 2:close + 1])))
    text = _edited(text, sorted(edits))
    two_per_row = bool(_PAIRED.search(opener) or _PAIRED_INSIDE.search(text))
    text = blank_all(_BLANKED, text)  # offsets as in the block
    separators: list[tuple[int, int]] = []
    depth = 0  # braces and matrices
    chars = list(text)
    columns = 0  # the &s of this row so far
    for m in _STRUCTURE.finditer(text):
        token = m.group()
        if m.group("begin") or m.group("end"):
            if re.fullmatch(_MATRIX_ENVS, (m.group("begin") or m.group("end")).rstrip("*")):
                depth += 1 if m.group("begin") else -1
        elif token in ("{", "}"):
            depth += 1 if token == "{" else -1
        elif m.group("and"):
            since = separators[-1][1] if separators else 0
            if depth <= 0 and "=" in text[since:m.start()] and _top_range(text[since:m.start()]) is None:
                separators.append((m.start(), m.end()))  # between two claims, not inside a range
        elif depth <= 0 and (token.startswith("\\\\") or token.startswith("\\q") or re.fullmatch(_CONNECTIVE, token)):
            separators.append((m.start(), m.end()))
            columns = 0 if token.startswith("\\\\") else columns
        elif depth <= 0 and token == "&":
            columns += 1
            if two_per_row and columns % 2 == 0:
                separators.append((m.start(), m.end()))
            else:
                chars[m.start()] = " "
    text = "".join(chars)

    pieces: list[list] = []  # [start, end, range text]
    pos = 0
    for sep_start, sep_end in [*separators, (len(text), len(text))]:
        span_start, span_end, pos = pos, sep_start, sep_end
        piece = text[span_start:span_end]
        stripped = _strip(piece)
        if _numbered(stripped):
            continue  # "\quad (12)": the equation's number, written by hand
        if not stripped or _PROSE.fullmatch(stripped):  # empty, or words in \text{...}
            if stripped and pieces and not pieces[-1][2] and _CONDITION.match(stripped):
                # "\quad \text{for the wrong classes}": a condition in words, the range of the claim before it
                # (never read as true of every index: such a claim is then right only if it holds everywhere)
                pieces[-1][2] = _clean(piece)
            continue
        found = _top_range(piece)
        colon = piece.find(":", found.end()) if found else -1
        if found and not _strip(piece[: found.start()]) and colon > 0 and "=" in piece[colon:]:
            # "\forall m, n: y_{mn} = ...": the range first, then the claim
            pieces.append([span_start + colon + 1, span_end, _clean(piece[found.start():colon])])
        elif found:
            if not _strip(piece[: found.start()]) and pieces:
                pieces[-1][2] = _clean(piece[found.start():])
            else:
                pieces.append([span_start, span_start + found.start(), _clean(piece[found.start():])])
        elif pieces and (_BARE_RANGE.fullmatch(piece) or _RANGE_LIKE.fullmatch(piece) and _has_index_letter(piece)) \
                and _indexes_of(piece, text[pieces[-1][0]:pieces[-1][1]]):
            # "\text{for } i = 1 \quad\text{and}\quad j = 2": a range continued, else the claim's range
            pieces[-1][2] = ", ".join(filter(None, (pieces[-1][2], _clean(_unparen(piece)))))
        elif pieces and not pieces[-1][2] and _CONTINUES.match(stripped):
            pieces[-1][1] = span_end  # a row that continues a sum or a chain
        else:
            pieces.append([span_start, span_end, ""])

    claims = found_inside
    for p_start, p_end, range_text in pieces:
        body = _without_separators(text, p_start, p_end, separators)
        for sub_start, sub_end, sub_range in _comma_split(body):
            raw = body[sub_start:sub_end]
            claim_text = _strip(raw)
            if _numbered(claim_text):
                continue  # "..., & (10)": the equation's number in its own column
            claim_text = _NUMBER_AFTER.sub("", claim_text)  # "p_3 + t_3 \; (4a)": spaced off, the equation's number
            condition = _TRAILING_CONDITION.search(claim_text) if not (sub_range or range_text) else None
            if condition and "=" in claim_text[:condition.start()]:  # -p_k p_j \;\; (k \neq j): the claim's range
                claim_text, sub_range = claim_text[:condition.start()].rstrip(), condition.group(1)
            if claim_text:
                lead = len(raw) - len(raw.lstrip())
                at = start + p_start + sub_start + lead  # offset in the notes
                equals = tuple(lines(at + k) for k in _equals_at(claim_text))
                links = equals if len(set(equals)) > 1 else ()
                claims += [(p_start + sub_start + lead, c) for c in _matrix_claims(
                    Claim(lines(at), " ".join(claim_text.split()), sub_range or range_text, links=links), raw,
                    start + p_start + sub_start, lines)]
    return [c for _, c in sorted(claims, key=lambda pair: pair[0])]


_NUMBER_AFTER = re.compile(r"(?:\s*\\(?:[,;:! ]|q?quad(?![A-Za-z])))+\s*" + _NUMBERED + r"\s*$")


def _numbered(text: str) -> bool:
    """Whether the text is only an equation's number written by hand, "(12)", "\\; (13)"."""
    return bool(_EQUATION_NUMBER.fullmatch(re.sub(r"^(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z]))+", "", text)))


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    """The text with each (start, end) span replaced (by text of its length), in one pass."""
    parts, pos = [], 0
    for start, end, replacement in edits:
        if start >= pos:
            parts += [text[pos:start], replacement]
            pos = end
    return "".join(parts) + text[pos:]


_INTERTEXT = re.compile(r"\\(?:intertext|shortintertext)\s*\{")


def _group_end(text: str, pos: int) -> int:
    """The offset of the brace that closes the group opening at pos, or -1."""
    depth = 0
    for end in range(pos, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return end
    return -1


def _without_separators(text: str, start: int, end: int, separators: list[tuple[int, int]]) -> str:
    """text[start:end] with the separators inside it blanked (a sum continued over several rows)."""
    parts, pos = [], start
    for s, e in separators[bisect_left(separators, (start, start)):]:
        if e > end:
            break
        parts += [text[pos:s], " " * (e - s)]
        pos = e
    return "".join(parts) + text[pos:end]


def _comma_split(body: str) -> list[tuple[int, int, str]]:
    """Split at commas outside braces, brackets and parentheses; a bare range after a comma
    ("..., i = 1, 2") is the range of the claims before it. (start, end, range) in the body."""
    out, depth, begin = [], 0, 0
    cut, range_text = len(body), ""
    for pos, ch in enumerate(body):
        if ch in "{([" or body.startswith("\\langle", pos):  # \langle A, B \rangle: one inner product
            depth += 1
        elif ch in "})]" or body.startswith("\\rangle", pos):
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and not body.endswith("\\", 0, pos):  # "\," is a thin space
            if len(body) - pos < MAX_RANGE and _RANGE_START.match(body, pos + 1) and _BARE_RANGE.fullmatch(body, pos + 1):
                cut, range_text = pos, _clean(_unparen(body[pos + 1:]))
                break
            out.append((begin, pos, ""))
            begin = pos + 1
    out.append((begin, cut, ""))
    leading = _LEADING_IF.fullmatch(body, out[0][0], out[0][1]) if len(out) > 1 else None
    if leading:  # "{\rm if}~i=j=1,~\frac{\partial y_1}{\partial x_1} = ...": the condition the claims after it hold on
        condition = _clean(leading["condition"])
        letters = set(re.findall(r"(?<![A-Za-z\\])[a-z](?![A-Za-z])", condition))
        rest = body[out[1][0]:]  # a condition on letters the claim does not index by only says which entry it is about
        if not any(re.search(rf"_\s*(?:\{{[^{{}}]*(?<![A-Za-z\\]){letter}(?![A-Za-z])|{letter}(?![A-Za-z]))", rest) for letter in letters):
            condition = ""
        return [(s, e, range_text or condition) for s, e, _ in out[1:]]
    return [(s, e, range_text) for s, e, _ in out]


def _matrix_claims(claim: Claim, raw: str, offset: int, lines: Lines) -> list[Claim]:
    """A claim "LHS = \\begin{pmatrix} ... \\end{pmatrix}" as one claim per entry, "(LHS)_{i,j} = entry",
    each on the line of its row; any other claim as it is. `raw` is the claim as written, at `offset`."""
    if not _MATRIX.search(claim.text):
        numbers = _NUMBER_TUPLE.fullmatch(claim.text.strip().rstrip(".,;"))
        if numbers is None:
            return [claim]
        # w = (0.5, -0.25, 0.5, 1), a = (0, 2, 4, 0)^T: a vector written out in numbers, one claim per entry
        cells = [" ".join(c.replace("\\ ", " ").split()) for c in numbers["cells"].split(",")]
        return [Claim(claim.line, f"{numbers['lhs'].strip()}_{{{i}}} = {cell}", claim.range)
                for i, cell in enumerate(cells, start=1)]
    parts = _raw_links(raw)
    matrices = [_MATRIX_LINK.fullmatch(piece) for _, piece in parts]
    others = [" ".join(piece.split()) for (_, piece), m in zip(parts, matrices) if m is None]
    # M = \begin{bmatrix} w_{11} & w_{21} & 0 ... \end{bmatrix}: a one-letter name for a matrix of formulas, which may be
    # the notes' own name for it (read as a whole, the claims after it use it)
    named = (len(parts) == 2 and matrices[0] is None and matrices[1] is not None and _BARE_LETTER.fullmatch(others[0])
             and re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", "", matrices[1].group("body"))))
    if named or not others or any(m is None and _MATRIX.search(piece) or m is not None and "\\begin{" in m.group("body")
                                  for (_, piece), m in zip(parts, matrices)):
        # a matrix written out inside a side, an operand (dw = \begin{bmatrix} ... \end{bmatrix} * dy): the parser
        # reads it as an array of its entries; the claim, over several lines, is on the line of its first "="
        text = _strip(raw)
        equals = _equals_at(text)
        lead = len(raw) - len(raw.lstrip())
        return [replace(claim, line=lines(offset + lead + equals[0]))] if equals else [claim]
    # J = \frac{\partial y}{\partial x} = \begin{bmatrix} ... \end{bmatrix} = W: the links that are no matrix are a
    # chain of their own, and each matrix is judged entry by entry against the link written before it (after it, first)
    out = [Claim(claim.line, " = ".join(others), claim.range)] if len(others) > 1 else []
    for n, ((at, piece), match) in enumerate(zip(parts, matrices)):
        if match is None:
            continue
        before = [" ".join(p.split()) for (_, p), m in zip(parts[:n], matrices[:n]) if m is None]
        lhs = before[-1] if before else others[0]
        body, body_at = match.group("body"), offset + at + match.start("body")
        rows, row_start = [], 0
        for row_end in [*_ROW.finditer(body), None]:
            row = body[row_start:row_end.start() if row_end else len(body)]
            if row.strip() or not rows:
                rows.append((lines(body_at + row_start + len(row) - len(row.lstrip())), row.split("&")))
            row_start = row_end.end() if row_end else len(body)
        widths = {len(cells) for _, cells in rows}
        if len(widths) > 1:
            return [Claim(claim.line, claim.text, claim.range, problem="the rows of the matrix have "
                          f"{' and '.join(map(str, sorted(widths)))} entries: every row needs as many")]
        elided = None
        if any(_DOTS.fullmatch(cell) and cell.strip() for _, cells in rows for cell in cells):
            rows, elided = _elided(rows)
            if rows is None:
                return [Claim(claim.line, claim.text, claim.range, problem="a matrix with dots in more than one row "
                              "or column, or beside entries: write the entries, or one row (column) of dots")]
        shape = (len(rows), len(rows[0][1]))
        if elided is not None and match.group("transposed"):  # (x_1, \\dots, x_n)^T: a column, written as a row
            out += [Claim(line, f"({lhs})_{{{j},{i}}} = {' '.join(cell.split())}", claim.range,
                          matrix=(shape[1], shape[0]), elided=(elided[1], elided[0]))
                    for i, (line, cells) in enumerate(rows, start=1) for j, cell in enumerate(cells, start=1)]
        elif elided is not None:  # p_1 - y_1 \\\\ \\vdots \\\\ p_n - y_n: the rows after the dots are the tensor's last
            out += [Claim(line, f"({lhs})_{{{i},{j}}} = {' '.join(cell.split())}", claim.range, matrix=shape,
                          elided=elided)
                    for i, (line, cells) in enumerate(rows, start=1) for j, cell in enumerate(cells, start=1)]
        elif match.group("transposed"):  # entry (i, j) of the row written is entry (j, i) of the column meant
            out += [Claim(line, f"({lhs})_{{{j},{i}}} = {' '.join(cell.split())}", claim.range, matrix=(shape[1], shape[0]))
                    for i, (line, cells) in enumerate(rows, start=1) for j, cell in enumerate(cells, start=1)]
        else:
            out += [Claim(line, f"({lhs})_{{{i},{j}}} = {' '.join(cell.split())}", claim.range, matrix=shape)
                    for i, (line, cells) in enumerate(rows, start=1) for j, cell in enumerate(cells, start=1)]
    return out


_DOTS = re.compile(r"\s*(?:\\(?:vdots|cdots|ddots|ldots|dots[bcimo]?|dots)(?![A-Za-z])|\.\.\.|[⋮⋯⋱…])?\s*")


def _elided(rows: list[tuple[int, list[str]]]):
    """The rows without a row and a column of dots (\\vdots, \\cdots; at most one of each, every cell of it dots or
    empty), and where they stood: (rows before the dots, columns before them), -1 for none; (None, None) for dots
    anywhere else."""
    dotted_rows = [n for n, (_, cells) in enumerate(rows) if all(_DOTS.fullmatch(c) for c in cells)]
    width = len(rows[0][1])
    dotted_cols = [j for j in range(width) if all(_DOTS.fullmatch(cells[j]) for _, cells in rows)]
    if len(dotted_rows) > 1 or len(dotted_cols) > 1 or len(dotted_rows) == len(rows) or len(dotted_cols) == width:
        return None, None
    kept = [(line, [c for j, c in enumerate(cells) if j not in dotted_cols])
            for n, (line, cells) in enumerate(rows) if n not in dotted_rows]
    if any(_DOTS.fullmatch(c) and c.strip() for _, cells in kept for c in cells):
        return None, None  # a \\ddots inside, dots beside entries: no one reading of which entries they stand for
    return kept, (dotted_rows[0] if dotted_rows else -1, dotted_cols[0] if dotted_cols else -1)


_BARE_LETTER = re.compile(r"\s*(?:\\mathbf\s*\{\s*[A-Z]\s*\}|\\boldsymbol\s*\{\s*[A-Z]\s*\}|[A-Z])\s*")


def _raw_links(raw: str) -> list[tuple[int, str]]:
    """The links of a chain as written, each with its offset in `raw`: split at each = outside braces and
    environments."""
    out, depth, start = [], 0, 0
    for found in re.finditer(r"\\begin\{[^{}]*\}|\\end\{[^{}]*\}|\\[{}]|[{}=]", raw):
        token = found.group()
        if token == "{" or token.startswith("\\begin"):
            depth += 1
        elif token == "}" or token.startswith("\\end"):
            depth -= 1
        elif token == "=" and depth == 0:
            out.append((start, raw[start:found.start()]))
            start = found.end()
    return [*out, (start, raw[start:])]


def _links(text: str) -> list[str]:
    """The expressions of a chain A = B = C, split at each = outside braces."""
    out, depth, start = [], 0, 0
    for pos, ch in enumerate(text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "=" and depth == 0:
            out.append(text[start:pos].strip())
            start = pos + 1
    return [*out, text[start:].strip()]


_MATRIX_LINK = re.compile(r"\s*\{?\s*(?:\\left\s*)?[(\[{]?\s*\\begin\{(?P<env>[A-Za-z]+)\}(?P<body>.*)"
                           r"\\end\{(?P=env)\}\s*(?:\\right\s*)?[)\]}]?\s*\}?"
                           # {\begin{bmatrix} 1 & 2 \end{bmatrix}}^{\mathsf{T}}: a column written as a row, transposed
                           r"(?P<transposed>\s*\^\s*\{?\s*(?:\\mathsf\s*\{\s*T\s*\}|T|\\top|\\intercal)\s*\}?)?"
                           r"(?:\s*_\s*\{\s*\d+(?:\s*(?:\\times|\\cdot|×)\s*\d+)+\s*\})?\s*[.,;]?\s*",  # its shape: _{2 \times 6}
                           re.DOTALL)
_NUMBER = r"\s*(?:\\\s|\\[,;:!]|\s)*-?\s*\d+(?:\.\d+)?\s*(?:\\\s|\\[,;:!]|\s)*"
_NUMBER_TUPLE = re.compile(rf"(?P<lhs>\s*[A-Za-z]\s*)=\s*(?:\\left\s*)?\((?P<cells>{_NUMBER}(?:,{_NUMBER})+)(?:\\right\s*)?\)"
                           r"\s*(?:\^\s*\{?\s*(?:T|\\top|\\intercal|\\mathsf\s*\{\s*T\s*\})\s*\}?)?")
_ROW = re.compile(r"\\\\\*?(?:\s*\[[^\]]*\])?")


def _indexes_of(piece: str, claim: str) -> bool:
    """Whether a bare range's letters index the claim before it ("\\quad i, j = 1, 2" after y_{i,j}); if
    none does, it is a claim of its own ("K = ..., \\quad b = 1")."""
    letters = re.findall(r"(?<![A-Za-z\\])([a-z])(?![A-Za-z])", re.sub(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}", " ", piece))
    scripts = re.findall(r"[_^]\s*(\{[^{}]*\}|[A-Za-z0-9])", claim)
    # the letters of each script, y_{ij}'s i and j too (a run of up to three letters, not a word such as "in")
    indexing = {c for group in scripts for run in re.findall(r"(?<![\\A-Za-z])[a-z]{1,3}(?![A-Za-z])", group) for c in run}
    return any(v in indexing for v in letters)


def _has_index_letter(piece: str) -> bool:
    return bool(re.search(r"(?<![A-Za-z\\])[a-z](?![A-Za-z])", re.sub(r"\\(?:text|mbox|mathrm)\s*\{[^{}]*\}", " ", piece)))


def _unparen(text: str) -> str:
    text = text.strip().strip(".,;").strip()
    return text[1:-1] if wrapped(text) else text


def wrapped(text: str) -> bool:
    """Whether the whole text is one group in parentheses: "(i = 1)", not "(i, j) = (1, 1)"."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for pos, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and pos < len(text) - 1:
            return False
    return True


def _clean(range_text: str) -> str:
    return " ".join(_strip(range_text).split())


def _strip(text: str) -> str:
    """The text without the spacing and punctuation that end a sentence: "k_{1,1}\\,." is "k_{1,1}".
    (Walked back from the end: a regex anchored at $ is quadratic on a long run of spaces.)"""
    text = text.strip()
    end = len(text)
    while end:
        if end >= 2 and text[end - 2] == "\\" and text[end - 1] in ",;:! " and not text.endswith("\\", 0, end - 2):
            end -= 2  # \, \; \: \! "\ "
        elif text[end - 1] in " \t\n.,;~":
            end -= 1
        else:
            break
    return text[:end]
