"""Output file names and formats (writing.py writes a render's files)."""

from __future__ import annotations

from ..spec import SpecError

FORMATS = ("tex", "pdf", "md", "html", "json")
FILENAMES = {fmt: f"derivation.{fmt}" for fmt in FORMATS}


def parse_formats(text: str) -> tuple[str, ...]:
    """Read "pdf,json" into formats, in the order FORMATS lists them.

    Raises:
        SpecError: on an unknown or empty format, naming the valid ones.
    """
    asked = [part.strip().lower() for part in text.split(",") if part.strip()]
    for fmt in asked:
        if fmt not in FORMATS:
            raise SpecError(f"format {fmt!r} is not known: use a comma list of {', '.join(FORMATS)}")
    if not asked:
        raise SpecError(f"no format given: use a comma list of {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in asked)
