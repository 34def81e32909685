"""Helpers of the tests of check's rules of reading: a network from TOML text, and the verdicts of notes on it."""

from __future__ import annotations

import textwrap
import tomllib

from symconv import derive
from symconv.grading import check_notes
from symconv.network import NetworkSpec


def network(text: str):
    """The derivation of the network a TOML text (indented as in a test) describes."""
    return derive(NetworkSpec.from_dict(tomllib.loads(textwrap.dedent(text)), name="notes"))


def verdicts(notes: str, d) -> list[tuple[int, str]]:
    """(line, status) of each verdict on the notes (indented as in a test)."""
    return [(v.line, v.status) for v in check_notes(textwrap.dedent(notes), d)]


def statuses(notes: str, d) -> list[str]:
    """The status of each verdict on the notes."""
    return [status for _, status in verdicts(notes, d)]
