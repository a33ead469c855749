"""The rule tables of the classifier: data apart from the engine, each fact with its source."""

Wording = tuple[str, tuple[str, ...], str]
"""A reason, the lower-case patterns of the wording that names it, and where that wording is
documented (a standard, a product's documentation or its notice format)."""
