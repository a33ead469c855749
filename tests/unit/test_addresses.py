"""Addresses at the edge: exactly one address per field, as given or refused with the reason."""

from __future__ import annotations

import pytest

from mailer.addresses import normalize_address
from mailer.errors import MessageRefused


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("n4@dupont.example, spy@evil.example", "not exactly one e-mail address"),
        ("jean dupont@dupont.example", "not exactly one e-mail address"),
        (
            "Jean <jean@dupont.example>",
            "a name with the address; give the address alone: jean@dupont.example",
        ),
        ("jéan@dupont.example", "SMTPUTF8"),
        ("jean@dupont.example\r\nBcc: spy@evil.example", "line break"),
        ("jean@", "not a valid e-mail address"),
    ],
)
def test_refused_with_the_reason(given: str, why: str) -> None:
    with pytest.raises(MessageRefused, match=why):
        normalize_address(given, "email")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("  Jean.Dupont@Dupont.Example ", "Jean.Dupont@dupont.example"),  # the domain's case
        ("jean@bücher.example", "jean@xn--bcher-kva.example"),  # IDNA 2008, what relays take
        ("jean@xn--bcher-kva.example", "jean@xn--bcher-kva.example"),
        ('"jean dupont"@dupont.example', '"jean dupont"@dupont.example'),
    ],
)
def test_kept_as_given(given: str, kept: str) -> None:
    assert normalize_address(given) == kept
