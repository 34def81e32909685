"""symconv tests."""
