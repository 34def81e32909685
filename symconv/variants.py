"""A course's exercise set: which layer and which numbers each student's variant gets.

`--vary input=3..5,kernel=2..3,stride=1..2,padding=0..1,bias` sets the limits; each variant draws its
layer (square sizes) within them and a seed for its small whole numbers, from one master seed, so that
the same command draws the same variants. The manifest records every variant's layer and seed: it is
all `grade` needs to rebuild a variant's tasks and answers.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass

from .spec import LARGEST, ConvSpec, SpecError

MANIFEST_FORMAT = "symconv-exercises/1"
MAX_VARIANTS = 1000
# What --vary may set, with the value a key left out keeps, and the largest value a range may reach
# (a variant is a sheet worked by hand: small layers only).
FIXED = {"input": 3, "kernel": 2, "stride": 1, "padding": 0}
LARGEST_VALUE = {"input": 8, "kernel": 5, "stride": 3, "padding": 2}
DEFAULT_VARY = "input=3..5,kernel=2..3,stride=1..2,padding=0..1,bias"
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Vary:
    """The ranges a variant's layer is drawn from (inclusive), and whether the bias is drawn too."""

    ranges: dict[str, tuple[int, int]]
    bias: bool

    def text(self) -> str:
        parts = [f"{key}={low}..{high}" if low != high else f"{key}={low}" for key, (low, high) in self.ranges.items()]
        return ",".join(parts + (["bias"] if self.bias else []))


def parse_vary(text: str) -> Vary:
    """`input=3..5,kernel=2..3,stride=1..2,padding=0..1,bias`: each key a range `a..b` or one value.

    Raises:
        SpecError: naming the part that is not valid and what is.
    """
    ranges = {key: (value, value) for key, value in FIXED.items()}
    bias, seen = False, set()
    valid = ("give key=low..high parts separated by commas, keys " + ", ".join(FIXED) + " and bias, e.g. "
             + DEFAULT_VARY)
    for part in text.split(","):
        part = part.strip()
        key, eq, value = part.partition("=")
        key = key.strip()
        if key in seen:
            raise SpecError(f"--vary {text!r}: {key} is given twice; {valid}")
        seen.add(key)
        if key == "bias" and not eq:
            bias = True
            continue
        if key not in FIXED or not eq:
            raise SpecError(f"--vary {text!r}: {part!r} is not valid; {valid}")
        match = re.fullmatch(r"\s*(\d{1,3})\s*(?:\.\.\s*(\d{1,3})\s*)?", value)
        if not match:
            raise SpecError(f"--vary {text!r}: {key}={value!r} is not valid; give whole numbers, one or low..high "
                            f"(e.g. {key}={FIXED[key]}..{FIXED[key] + 1})")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        least = 0 if key == "padding" else 1
        if not least <= low <= high <= LARGEST_VALUE[key]:
            raise SpecError(f"--vary {text!r}: {key}={value} is not valid; give {least} <= low <= high <= "
                            f"{LARGEST_VALUE[key]} (a sheet is worked by hand)")
        ranges[key] = (low, high)
    return Vary(ranges, bias)


def parse_roster(data: bytes, name: str) -> list[str]:
    """Student ids, one a line (the first column of a CSV file; a header `id` is skipped).

    Raises:
        SpecError: for a roster that is not UTF-8 text, is empty, repeats an id or holds one that
            cannot name a folder.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpecError(f"roster {name}: not UTF-8 text (byte {error.start}); give a CSV file with one student id "
                        "a line") from None
    ids: list[str] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip():
            continue
        value = row[0].strip()
        if number == 1 and value.lower() in ("id", "student", "student id", "student_id"):
            continue
        if not ID_PATTERN.fullmatch(value) or value in (".", ".."):
            raise SpecError(f"roster {name}, line {number}: {value[:40]!r} is not a student id; give letters, digits, "
                            "'.', '_' or '-' (at most 64, starting with a letter or digit), one id a line")
        if value in ids:
            raise SpecError(f"roster {name}, line {number}: {value!r} is listed twice; give each student once")
        ids.append(value)
    if not ids:
        raise SpecError(f"roster {name}: no student ids; give a CSV file with one id a line")
    return ids


@dataclass(frozen=True)
class Variant:
    """One student's variant: its id (the folder), its layer and the seed of its numbers."""

    id: str
    spec: ConvSpec
    seed: int

    def as_dict(self) -> dict:
        s = self.spec
        return {"id": self.id, "input": s.input[0], "kernel": s.kernel[0], "stride": s.stride[0],
                "padding": s.padding[0], "bias": s.bias, "seed": self.seed}


def layer(input: int, kernel: int, stride: int, padding: int, bias: bool) -> ConvSpec:
    return ConvSpec(input=(input, input), kernel=(kernel, kernel), stride=(stride, stride),
                    padding=(padding, padding), bias=bias)


def draw(vary: Vary, count: int, seed: int, ids: list[str] | None, distinct) -> list[Variant]:
    """`count` variants (or one per id), each drawn from `vary` with the master `seed`; `distinct(spec, seed)`
    is the key two variants must not share (the layer and its numbers).

    Raises:
        SpecError: when the ranges hold no layer a sheet can ask about, or too few different ones.
    """
    names = ids if ids is not None else [f"v{n:0{max(2, len(str(count)))}d}" for n in range(1, count + 1)]
    rng = random.Random(seed)
    out: list[Variant] = []
    keys: set = set()
    for name in names:
        for _ in range(200):
            values = {key: rng.randint(low, high) for key, (low, high) in vary.ranges.items()}
            bias = rng.random() < 0.5 if vary.bias else False
            number_seed = rng.randrange(LARGEST)
            size = (values["input"] + 2 * values["padding"] - values["kernel"]) // values["stride"] + 1
            # A window must fit and the padding stay inside it; two output rows at least (a border and an interior)
            if values["kernel"] > values["input"] + 2 * values["padding"] or values["padding"] >= values["kernel"] \
                    or size < 2:
                continue
            spec = layer(**values, bias=bias)
            key = distinct(spec, number_seed)
            if key is None or key in keys:
                continue
            keys.add(key)
            out.append(Variant(name, spec, number_seed))
            break
        else:
            raise SpecError(f"--vary {vary.text()}: no layer in these ranges has a kernel that fits the padded input "
                            "with an output of at least 2 x 2 and padding smaller than the kernel; widen the ranges "
                            "(e.g. " + DEFAULT_VARY + ")")
    return out


def manifest(variants: list[Variant], vary: Vary, seed: int, tasks: list[dict]) -> str:
    """The manifest's JSON text: the command's choices, the tasks and their points, every variant."""
    return json.dumps({"format": MANIFEST_FORMAT, "seed": seed, "vary": vary.text(), "tasks": tasks,
                       "variants": [v.as_dict() for v in variants]}, indent=1) + "\n"


def read_manifest(data: bytes, name: str) -> tuple[list[Variant], list[dict]]:
    """The variants and tasks a manifest records.

    Raises:
        SpecError: for a file that is not a manifest `render --variants` wrote.
    """
    try:
        doc = json.loads(data.decode("utf-8"))
        if doc.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"its format is {doc.get('format')!r}")
        variants = []
        for v in doc["variants"]:
            fields = [v[key] for key in ("input", "kernel", "stride", "padding")]
            if not all(type(x) is int for x in fields) or type(v["bias"]) is not bool or type(v["seed"]) is not int \
                    or not ID_PATTERN.fullmatch(str(v["id"])):
                raise ValueError(f"variant {v.get('id')!r} has a field of the wrong type")
            if any(v["id"] == known.id for known in variants):
                raise ValueError(f"variant {v['id']!r} is listed twice")
            variants.append(Variant(v["id"], layer(*fields, v["bias"]), v["seed"]))
        tasks = [{"number": int(t["number"]), "points": int(t["points"])} for t in doc["tasks"]]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SpecError(f"manifest {name} is not one `symconv render --handout --variants` wrote ({error}); give "
                        "the manifest.json beside the variants' folders") from None
    except SpecError as error:
        raise SpecError(f"manifest {name}: {error}") from None
    return variants, tasks
