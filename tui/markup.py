"""Text from outside (a customer's reply, a bounce's diagnostic, a name) put into Textual
markup as text: every "[" escaped, not only those that open a tag (``rich.markup.escape``
leaves "[link=hxxp://evil[.]example]" as a tag, whose parse then fails or acts). In
Textual's markup a backslash escapes a bracket and nothing else."""

from __future__ import annotations


def escape(text: str) -> str:
    """``text`` shown as written inside markup."""
    return text.replace("[", "\\[")
