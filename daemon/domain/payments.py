"""What an invoice still owes, and the structured references a payer quotes. Pure.

References: ISO 11649 (the "RF" creditor reference: ``RF``, two check digits by ISO 7064
MOD 97-10, then up to 21 letters and digits) and the Belgian structured communication
(OGM-VCS, Febelfin: ten digits and their MOD 97 check, written ``+++123/4567/89012+++``),
both checked and formatted by python-stdnum.
"""

from __future__ import annotations

import re
from decimal import Decimal

from stdnum import iso11649
from stdnum.be import ogm_vcs

from daemon.domain.models import Invoice, PaymentState

ZERO = Decimal("0")
CENT = Decimal("0.01")


MAX_AMOUNT = Decimal(10) ** 16
"""Above every amount the database keeps (NUMERIC(18, 2))."""


def is_paid_amount(amount: Decimal) -> bool:
    """Whether ``amount`` can be a payment as the books keep it: a positive number of
    cents below :data:`MAX_AMOUNT` (not "1e9999", nor "10.005", which the database would
    refuse or round)."""
    return amount.is_finite() and ZERO < amount < MAX_AMOUNT and amount == amount.quantize(CENT)


def balance(amount_due: Decimal, paid: Decimal, credited: Decimal) -> Decimal:
    """What is still owed: the amount due less what was paid and what credit notes took off
    (below zero when more came in than was owed)."""
    return (amount_due - paid - credited).quantize(CENT)


def still_owed(invoice: Invoice) -> Decimal:
    """What ``invoice`` still owes (:func:`balance` of its own sums)."""
    return balance(invoice.amount_due, invoice.amount_paid, invoice.amount_credited)


def payment_state(amount_due: Decimal, paid: Decimal, credited: Decimal) -> str:
    """Paid when nothing is owed any more; partial when something came in; else unpaid."""
    if balance(amount_due, paid, credited) <= ZERO:
        return PaymentState.PAID.value
    if paid > ZERO or credited > ZERO:
        return PaymentState.PARTIAL.value
    return PaymentState.UNPAID.value


def rf_reference(number: str) -> str | None:
    """The ISO 11649 creditor reference for an invoice number (its letters and digits,
    upper-cased), printed in groups of four; None when the number has none or more than 21."""
    body = "".join(ch for ch in number.upper() if ch.isalnum() and ch.isascii())
    if not body or len(body) > 21:
        return None
    checked = "RF" + _rf_check(body) + body
    return str(iso11649.format(checked))


def _rf_check(body: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in body + "RF00")
    return f"{98 - int(digits) % 97:02d}"


def belgian_reference(number: str) -> str | None:
    """The Belgian structured communication for an invoice number: its digits (at most
    ten, padded with zeros on the left) and their check, as ``+++123/4567/89012+++``; None
    when the number has no digits or more than ten."""
    digits = "".join(ch for ch in number if ch.isdigit() and ch.isascii())
    if not digits or len(digits) > 10:
        return None
    base = digits.rjust(10, "0")
    return f"+++{ogm_vcs.format(base + ogm_vcs.calc_check_digits(base))}+++"


_RF = re.compile(
    # compact ("RF18539007547034") or printed in groups of four ("RF18 5390 0754 7034")
    r"\bRF\d\d(?:[0-9A-Z]{1,21}\b|(?: [0-9A-Z]{4})*(?: [0-9A-Z]{1,4})?\b)",
    re.IGNORECASE,
)
_OGM = re.compile(
    r"(?:\+\+\+|\*\*\*)?\s*(\d{3})\s*/?\s*(\d{4})\s*/?\s*(\d{5})\s*(?:\+\+\+|\*\*\*)?"
)


def structured_references(text: str | None) -> list[str]:
    """The valid RF and Belgian structured references found in a payment's reference or
    remittance text, in the form :func:`rf_reference` and :func:`belgian_reference` give."""
    if not text:
        return []
    found: list[str] = []
    for match in _RF.finditer(text):
        groups = match.group(0).split(" ")
        # printed in groups, a reference may run on into a short next word: drop whole
        # groups from the end until the check digits hold
        while groups:
            candidate = iso11649.compact("".join(groups))
            if len(candidate) > 4 and iso11649.is_valid(candidate):
                found.append(str(iso11649.format(candidate)))
                break
            groups.pop()
    for match in _OGM.finditer(text):
        digits = "".join(match.groups())
        if ogm_vcs.is_valid(digits):
            found.append(f"+++{ogm_vcs.format(digits)}+++")
    return found


def owed_as_said(amount_due: Decimal, total: Decimal) -> str:
    """What an invoice's message asks of its customer, by its amount due (BT-115) beside its
    total (BT-112): ``all`` of it; a ``part`` (some was paid in advance, BT-113); ``nothing``
    (all was); or a ``refund``, a balance in the customer's favour (BT-115 below zero)."""
    if amount_due < 0:  # a corrected invoice (UNTDID 1001 384) may be wholly negative too
        return "refund"
    if amount_due == 0:
        return "nothing"
    return "all" if amount_due == total else "part"
