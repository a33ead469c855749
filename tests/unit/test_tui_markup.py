"""Whatever an outsider wrote shows as written, never as markup (Textual's own parser)."""

from __future__ import annotations

import pytest
from textual.markup import to_content

from tui.markup import escape


@pytest.mark.parametrize(
    "text",
    [
        "Voir [link=hxxp://evil[.]example]ici[/link] ou [@click=app.quit]là[/]",
        "[b]bold[/b] [red on white]x[/]",
        "a backslash at the end \\",
        "x\\[b]y and x\\\\[b]y",
        "[[nested]] and ]] and [",
    ],
)
def test_text_from_outside_shows_as_written(text: str) -> None:
    content = to_content(escape(text))
    assert str(content) == text and not content.spans
