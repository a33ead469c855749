"""An amount of money as an operator types it, in French or English writing, read exactly or
refused: "1 500,00", "1500.50", "1,500.00", "1.500,00" and "1 500,00 €" (copied from a
screen) are 1500.00 and 1500.50; "1,500" and "1.500" are refused, since one reader writes
one and a half thousand so and another one and a half, and a payment recorded a thousand
times too small (or too large) is worse than a question. A currency written beside the amount
is read too (``written_currency``), for the caller to hold to the invoice's."""

from __future__ import annotations

import re
from decimal import Decimal

from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _

# spaces of every width and the apostrophe (Swiss writing) group thousands; they never mark
# decimals
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_CURRENCY = re.compile(r"^(?:[A-Za-z]{3}|[€$£])|(?:[A-Za-z]{3}|[€$£])$")
_WRITTEN = re.compile(r"\d+(?:[., ]\d+)*")


def read_amount(text: str) -> Decimal:
    """``text`` as an amount, or :class:`ValidationError` saying why it is not one."""
    written = _SPACES.sub(" ", _CURRENCY.sub("", text.strip()).strip())
    if not _WRITTEN.fullmatch(written):
        raise _not_an_amount(text)
    parts = re.split(r"([., ])", written)
    numbers, marks = parts[0::2], parts[1::2]
    if not marks:
        return Decimal(written)
    last = marks[-1]
    if last == " " or marks.count(last) > 1:  # thousands marks only: 1 500, 1.500.000
        whole, decimals = numbers, ""
        grouping = marks
    else:  # the last mark, written once, is the decimal mark: 1 500,00 1.500,00 12,5
        whole, decimals = numbers[:-1], numbers[-1]
        grouping = marks[:-1]
        if not grouping and len(decimals) == 3 and len(whole[0]) <= 3:
            raise ValidationError(
                _(
                    "{amount}: is {mark} a decimal mark or a thousands separator? Write it "
                    "without doubt: {thousands} or {decimals}"
                ).format(
                    amount=repr(text),
                    mark=repr(last),
                    thousands=whole[0] + decimals,
                    decimals=f"{whole[0]}.{decimals.rstrip('0') or '0'}",
                )
            )
    if grouping and (len(set(grouping)) > 1 or not _grouped(whole)):
        raise _not_an_amount(text)
    return Decimal("".join(whole) + (f".{decimals}" if decimals else ""))


_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD"}
"""The symbols an amount copied from a screen carries, as ISO 4217 codes ("$" alone is the
US dollar's: another dollar is written with its code)."""


def written_currency(text: str) -> str | None:
    """The currency written beside the amount in ``text`` ("100 USD", "€ 100"), as an ISO 4217
    code; None when none is. Two different ones are refused."""
    found = {_SYMBOLS.get(m, m.upper()) for m in _CURRENCY.findall(text.strip())}
    if len(found) > 1:
        raise _not_an_amount(text)
    return found.pop() if found else None


def _grouped(numbers: list[str]) -> bool:
    """Whether ``numbers`` are thousands as grouping writes them: 1 to 3 digits, then 3s."""
    return 1 <= len(numbers[0]) <= 3 and all(len(n) == 3 for n in numbers[1:])


def _not_an_amount(text: str) -> ValidationError:
    return ValidationError(_("{amount} is not an amount").format(amount=repr(text)))
