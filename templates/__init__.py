"""symconv's built-in Jinja templates (a package only so that they install with symconv)."""
