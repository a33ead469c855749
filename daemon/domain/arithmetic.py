"""Whether an invoice's line amounts add up: the check no EN 16931 rule set of CEN makes.

EN 16931-1 defines the invoice line net amount (BT-131) as the item net price (BT-146) times
the invoiced quantity (BT-129) divided by the item price base quantity (BT-149, default 1),
minus the line's allowances (BG-27, BT-136) plus its charges (BG-28, BT-141). CEN's rules
check every sum above the line (BR-CO-10 and on) but not this one; Peppol BIS Billing 3.0
does (PEPPOL-EN16931-R120, fatal, with a slack of 0.02), and the XRechnung validation
configuration reports it as a warning. A line that misses it by more than that slack and
more than the rounding its stated price allows (a price given to d decimals may be off by
half a unit of the d-th decimal on each unit invoiced, the amount by half a cent) is a line
whose total a customer cannot recompute: it is held for a person
(:data:`daemon.domain.compliance.HOLD`), never refused, since EN 16931 itself does not
impose it. An admin may downgrade ``BT-131`` to a warning for sellers whose lines state
gross amounts by design.

Factur-X EXTENDED's sub-lines give a line a subtype (``LineStatusReasonCode``, the factur-x
library's ``EXT-FR-FE-163``): a GROUP line totals its detail lines and an INFORMATION line
counts for nothing, so only detail lines (and lines without a subtype) are checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from daemon.domain.compliance import HOLD, Finding
from daemon.domain.i18n import N_, _

RULE = "BT-131"
NOT_PRICED = frozenset({"GROUP", "INFORMATION"})
"""Line subtypes (Factur-X EXTENDED) whose amount is not their own price × quantity."""
SLACK = Decimal("0.02")
"""Peppol BIS Billing 3.0, PEPPOL-EN16931-R120: the line net amount may differ from its
computation by this much."""
HALF_CENT = Decimal("0.005")
"""The line net amount's own rounding to the cent."""
VERSION = 1
"""This check's version, part of the compliance gate's fingerprint: an invoice whose report
was made before it (or before a change to it) is checked again before it is sent."""


def _amount(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        found = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _sum(parts: Any) -> Decimal:
    total = Decimal(0)
    for part in parts or ():
        found = _amount(part.get("amount")) if isinstance(part, Mapping) else None
        total += found or 0
    return total


def _written(value: Any) -> str:
    """A figure as the invoice writes it."""
    return " ".join(str(value).split())


def _message(terms: Mapping[str, str], say: Callable[[str], str]) -> str:
    computed = say(N_("net price (BT-146) {price} × quantity (BT-129) {quantity}")).format(
        price=terms["price"], quantity=terms["quantity"]
    )
    if terms["base"]:
        computed += " / " + say(N_("base quantity (BT-149) {base}")).format(base=terms["base"])
    if terms["allowances"]:
        computed += " − " + say(N_("allowances {amount}")).format(amount=terms["allowances"])
    if terms["charges"]:
        computed += " + " + say(N_("charges {amount}")).format(amount=terms["charges"])
    return say(
        N_("line {line}: the net amount (BT-131) {stated} is not {computed} = {expected}")
    ).format(
        line=terms["line"], stated=terms["stated"], computed=computed, expected=terms["expected"]
    )


_STORED = re.compile(
    r"line (?P<line>.+?): the net amount \(BT-131\) (?P<stated>\S+) is not "
    r"net price \(BT-146\) (?P<price>\S+) × quantity \(BT-129\) (?P<quantity>\S+)"
    r"(?: / base quantity \(BT-149\) (?P<base>\S+))?(?: − allowances (?P<allowances>\S+))?"
    r"(?: \+ charges (?P<charges>\S+))? = (?P<expected>\S+)",
    re.DOTALL,
)


def read_back(message: str) -> str | None:
    """A message of this check (stored in English) in the reader's language; None for a
    message not in its form (``daemon.domain.finding_words.said`` reads every finding)."""
    m = _STORED.fullmatch(message)
    if m is None:
        return None
    return _message({k: v or "" for k, v in m.groupdict().items()}, _)


def line_findings(lines: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """A held finding for each invoice line (BG-25, as the factur-x library reads it) whose
    net amount is not its price times its quantity, allowances and charges applied."""
    found = []
    for index, line in enumerate(lines, start=1):
        if str(line.get("EXT-FR-FE-163") or "").strip().upper() in NOT_PRICED:
            continue
        price = _amount(line.get("BT-146"))
        quantity = _amount(line.get("BT-129"))
        stated = _amount(line.get("BT-131"))
        if price is None or quantity is None or stated is None:
            continue  # a term missing is the schema's and CEN's to refuse
        base = _amount(line.get("BT-149")) or Decimal(1)
        allowances, charges = _sum(line.get("BG-27")), _sum(line.get("BG-28"))
        expected = price * quantity / base - allowances + charges
        rounding = abs(quantity / base) * Decimal(5) / Decimal(10) ** (_decimals(price) + 1)
        if abs(stated - expected) <= max(SLACK, rounding + HALF_CENT):
            continue
        terms = {
            "line": str(line.get("BT-126") or index),
            "stated": _written(line["BT-131"]),
            "price": _written(line["BT-146"]),
            "quantity": _written(line["BT-129"]),
            "base": _written(line["BT-149"]) if base != 1 else "",
            "allowances": str(allowances) if allowances else "",
            "charges": str(charges) if charges else "",
            "expected": str(expected.quantize(Decimal("0.01"))),
        }
        # stored in English, read in each operator's language (:func:`said`)
        message = _message(terms, lambda text: text)
        found.append(Finding(RULE, HOLD, message, f"BG-25[{index}]"))
    return found
