"""Why a file is not an e-invoice we can read, stored in English and read back in French."""

from __future__ import annotations

import re

import pytest

from daemon.domain import i18n, reading_words
from daemon.domain.finding_words import shown_refusal
from daemon.domain.i18n import say


@pytest.mark.parametrize("template", reading_words.TEMPLATES)
def test_each_reason_stored_in_english_reads_as_said_to_a_french_reader(template: str) -> None:
    # each field a value of its own kind: a business term's name (one of ours, translated),
    # a nested reason (read back too), or the file's own words (kept as they are)
    values = {
        "field": "issue date (BT-2)",
        "error": str(say(reading_words.NO_SCHEMA, level="comfort")),
    }
    fields = {name: values.get(name, f"<{name}>") for name in re.findall(r"\{(\w+)\}", template)}
    said = say(template, **fields)
    stored = str(said)  # in English, as the gate keeps it on the delivery
    i18n.use("fr")
    try:
        expected = i18n._(template).format(
            **{
                k: i18n._(v) if k == "field" else reading_words.shown_reading(v) or v
                for k, v in fields.items()
            }
        )
        if stored in reading_words.TEMPLATES:  # "missing issue date (BT-2)": that one's words
            expected = i18n._(stored)
        assert reading_words.shown_reading(stored) == expected
        assert shown_refusal(stored) == expected
        if template != i18n._(template):
            assert shown_refusal(stored) != stored  # said in French, not left in English
    finally:
        i18n.use("en")
    assert reading_words.shown_reading(stored) == stored  # an English reader reads it as is


def test_a_text_of_another_form_is_left_as_it_is() -> None:
    assert reading_words.shown_reading("retenue par un ancien lecteur") is None
    assert shown_refusal("retenue par un ancien lecteur") == "retenue par un ancien lecteur"
