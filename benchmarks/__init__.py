"""Benchmarks of symconv's pipeline against a straightforward SymPy pipeline and a plain-text floor."""
