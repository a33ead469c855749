"""How a payment was matched and why one waits for a person: stored in English, read in
the operator's language (as ``event_words`` does for events), so that operators who read
French and English see the same record each in their own words, whoever recorded it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from daemon.domain.formatting import amount
from daemon.domain.i18n import N_, _, form_pattern, language

# how a payment was matched to its invoices (``PaymentAllocation.matched_by``); the more
# specific form of two that begin alike first
HOW: dict[str, str] = {
    "reference": N_("reference {reference}"),
    "remittance_reference": N_("the invoice's own payment reference (BT-83) in the text"),
    "number": N_("number in the remittance text"),
    "amount_and_customer": N_("amount and customer"),
    "by_hand_because": N_("by hand: {reason}"),
    "by_hand": N_("by hand"),
}

# why a payment waits for a person (``Payment.waiting_reason``), and the note an applied
# payment leaves on its invoice
WAITING: dict[str, str] = {
    "no_match": N_("matches no invoice: assign it by hand"),
    "other_currency": N_("{how} {numbers}, but in another currency than the invoice"),
    "owes_nothing": N_("{how} {numbers}, which owes nothing now"),
    "pays_more": N_("pays {paid} where {owed} is owed on {numbers} ({how})"),
    # the invoice it names is set aside (by its state): what to do first; also why a payment
    # recorded by hand on such an invoice is refused
    "duplicate": N_(
        "invoice {number} is held as a possible duplicate: decide it first "
        "(facturier duplicates), or record the payment on the earlier invoice"
    ),
    "amounts_to_check": N_(
        "invoice {number} is held because its amounts do not add up: decide it first "
        "(facturier amounts)"
    ),
    "customer_to_choose": N_(
        "invoice {number} is held until its customer is chosen: choose it first (facturier buyers)"
    ),
    "withdrawn": N_(
        "invoice {number} was withdrawn for a later file: record the payment on that one"
    ),
    "discarded": N_(
        "invoice {number} was discarded: record the payment on the invoice that stands instead"
    ),
}
APPLIED_NOTE = N_("{amount} {currency} ({how})")

_HOW = tuple((form_pattern(t), t) for t in HOW.values())
# a match as any of HOW's forms writes it: "{how} {numbers}" is cut where the match ends, not
# after its first word ("number in the remittance text FA-1" is the match, then FA-1); a
# match no form knows (an earlier version's) is read as before, up to the first space
_ANY_HOW = "|".join(re.sub(r"\(\?P<\w+>", "(?:", p.pattern.removesuffix("$")) for p, _t in _HOW)
_FORMS = (*WAITING.values(), APPLIED_NOTE)
_WAITING = tuple(
    (re.compile(form_pattern(t).pattern.replace("(?P<how>.*?)", f"(?P<how>{_ANY_HOW})"), re.S), t)
    for t in _FORMS
) + tuple((form_pattern(t), t) for t in _FORMS)


def how_text(form: str, **values: object) -> str:
    """How a payment was matched (one of :data:`HOW`), as stored."""
    return HOW[form].format(**values)


def waiting_text(form: str, **values: object) -> str:
    """Why a payment waits (one of :data:`WAITING`), as stored."""
    return WAITING[form].format(**values)


def shown_how(text: str) -> str:
    """A stored match in the operator's language; one written otherwise (by an earlier
    version, in another language) as it is."""
    return _read(text, _HOW)


def shown_payment(text: str | None) -> str:
    """A stored reason for waiting, or a payment's note on its invoice, in the operator's
    language, the match it names too."""
    return _read(text or "", _WAITING)


def _read(text: str, forms: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    for pattern, template in forms:
        m = pattern.match(text)
        if m:
            values = m.groupdict()
            if "how" in values:
                values["how"] = shown_how(values["how"])
            for name in ("amount", "paid", "owed"):
                if name in values:
                    values[name] = _amount_shown(values[name])
            return _(template).format(**values)
    return text


def _amount_shown(stored: str) -> str:
    """An amount stored as "1500.00", as the reader writes it ("1 500,00" in French)."""
    try:
        return amount(Decimal(stored), language())
    except InvalidOperation:
        return stored
