"""The reason rules' prefilter never hides a match."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

reasons = importlib.import_module("bounce_parser.reasons")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"user ?unknown", "unknown"),
        (r"exceeds? .*limit", "exceed"),
        (r"mailbox (?:is )?full", "mailbox "),
        (r"5\.7\.2[0-6]\b", "5.7.2"),
        (r"a{2,3}bcd", "bcd"),
        (r"x+?yzw", "yzw"),
        (r"(?:user|mailbox) unknown", " unknown"),
        (r"spam|junk", None),  # an alternation at the top has no one required text
        (r"\d+ a", None),  # nothing of 3 characters
    ],
)
def test_required_text(pattern: str, text: str | None) -> None:
    assert reasons.required_text(pattern) == text


@pytest.mark.corpus
def test_every_match_in_the_corpus_contains_its_required_text(corpus_dir: Path) -> None:
    patterns = [
        (re.compile(p), reasons.required_text(p)) for _, pats in reasons._TEXT_RULES for p in pats
    ]
    checked = 0
    for path in sorted((corpus_dir / "bounces").glob("*.eml")):
        for line in path.read_bytes().decode("utf-8", "replace").lower().splitlines():
            for rx, required in patterns:
                if required is not None and rx.search(line):
                    assert required in line, (rx.pattern, line)
                    checked += 1
    assert checked > 500
