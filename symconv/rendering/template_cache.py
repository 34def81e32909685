"""Compiled templates kept between runs: Jinja's bytecode cache in the user's cache folder.

Compiling the templates anew took a third of a small render. The cache lives in
$XDG_CACHE_HOME/symconv/templates (else ~/.cache/symconv/templates), never in the repository or an
output folder. An entry is used only when it was compiled from the same template source, by the
same Jinja and Python, with the same environment settings (delimiters, whitespace handling): any
other entry is compiled again and replaced. A folder that cannot be made, read or written only
means compiling every time, silently.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket


def cache_folder(kind: str = "templates") -> Path:
    """Where compiled templates go: $XDG_CACHE_HOME/symconv/templates, else ~/.cache/symconv/templates
    (and other kept work, such as MathML conversions, in a sibling folder named by `kind`)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "symconv" / kind


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file system bytecode cache, keyed by the template's source and everything else the
    compiled code depends on, that treats any failure to read or write an entry as a miss."""

    def __init__(self, directory: Path, settings: str):
        super().__init__(str(directory), "%s.cache")
        self._settings = settings

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha256(f"{self._settings}\0{source}".encode()).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # unreadable or damaged: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:  # read-only or full: the next run compiles again
            pass


def template_cache(options: dict) -> TemplateCache | None:
    """The cache for an environment made with `options` (its keyword arguments that shape the
    compiled code), or None when the cache folder cannot be made."""
    folder = cache_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    settings = repr((jinja2.__version__, sys.implementation.cache_tag, sorted(options.items())))
    return TemplateCache(folder, settings)
