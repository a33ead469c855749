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


def test_a_long_report_says_what_it_leaves_out() -> None:
    """The invoice screen's compliance lines: a message cut to its line ends with "…", and
    findings past the first five are counted, holds as warnings."""
    from daemon.domain.compliance import HOLD, WARNING, ComplianceReport, Finding
    from tui.screens import _compliance

    long = "the net amount (BT-131) is not net price × quantity; " * 6
    report = ComplianceReport(
        ("EN16931-CII",),
        tuple(Finding(f"LINE-{n}", HOLD, long) for n in range(7))
        + tuple(Finding(f"W-{n}", WARNING, "a warning") for n in range(6)),
    )
    text = str(to_content(_compliance(report)))
    assert text.count("…") == 5 and long not in text
    assert "and 2 more" in text and "and 1 more warnings" in text
