"""`python -m symconv` runs the command line."""

from .cli import main

main()
