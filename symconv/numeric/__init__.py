"""Numeric evaluation of a Derivation and its independent references; the only layer using NumPy."""
