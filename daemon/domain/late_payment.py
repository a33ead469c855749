"""What a payment reminder must say about late payment, by the law of the seller's country.
Pure: a rule table apart from the code that sends reminders.

- France, Code de commerce art. L441-10: late-payment penalties are due without a reminder,
  at the rate the terms set or, failing that, the ECB's refinancing rate plus 10 points
  (never below three times the legal interest rate); and art. D441-5: a fixed indemnity for
  recovery costs of 40 euros.
- Belgium, law of 2 August 2002 on combating late payment in commercial transactions: interest
  is due by law from the day after the due date (art. 5: the ECB's reference rate plus 8
  points unless agreed otherwise), and a fixed indemnity for recovery costs of at least 40
  euros (art. 6, as amended by the law of 22 November 2013, transposing Directive
  2011/7/EU).

A seller states its own agreed rate (``interest_rate``) and indemnity where they differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class LateTerms:
    country: str
    interest_rate: str | None = None
    """The agreed rate as the reminder should state it (e.g. "12 % l'an"); None: the law's."""
    indemnity: Decimal | None = None


# the rate as the sentence says it, its preposition included: "au taux de 12 % l'an" for an
# agreed rate, but "au taux de refinancement de la BCE", not "au taux de le taux de …"
_LAW_RATE = {
    ("FR", "fr"): "au taux de refinancement de la BCE majoré de 10 points",
    ("FR", "en"): "at the ECB refinancing rate plus 10 percentage points",
    ("BE", "fr"): "au taux directeur de la BCE majoré de 8 points",
    ("BE", "en"): "at the ECB reference rate plus 8 percentage points",
}
_AGREED_RATE = {"fr": "au taux de {rate}", "en": "at {rate}"}
_INDEMNITY = {"FR": Decimal("40"), "BE": Decimal("40")}

_NOTICE = {
    ("FR", "fr"): (
        "Conformément à l'article L441-10 du Code de commerce, tout retard de paiement "
        "entraîne de plein droit des pénalités de retard {rate}, ainsi qu'une indemnité "
        "forfaitaire pour frais de recouvrement de {indemnity} euros (article D441-5)."
    ),
    ("FR", "en"): (
        "Under article L441-10 of the French Commercial Code, any late payment incurs, by "
        "law, late-payment penalties {rate} and a fixed indemnity for recovery costs of "
        "{indemnity} euros (article D441-5)."
    ),
    ("BE", "fr"): (
        "Conformément à la loi du 2 août 2002 concernant la lutte contre le retard de "
        "paiement dans les transactions commerciales, des intérêts de retard {rate} sont dus "
        "de plein droit à compter du lendemain de l'échéance, ainsi qu'une indemnité "
        "forfaitaire pour frais de recouvrement de {indemnity} euros."
    ),
    ("BE", "en"): (
        "Under the Belgian law of 2 August 2002 on combating late payment in commercial "
        "transactions, interest {rate} is due by law from the day after the due date, "
        "together with a fixed indemnity for recovery costs of {indemnity} euros."
    ),
}

COUNTRIES = frozenset(country for country, _lang in _NOTICE)


def late_payment_notice(terms: LateTerms, language: str) -> str | None:
    """The sentence a reminder carries about late payment for a seller under ``terms``, in
    ``language`` (fr or en); None for a country without a rule here."""
    country = terms.country.upper()
    lang = language if language in ("fr", "en") else "en"
    template = _NOTICE.get((country, lang))
    if template is None:
        return None
    indemnity = terms.indemnity if terms.indemnity is not None else _INDEMNITY[country]
    shown = f"{indemnity:.2f}".rstrip("0").rstrip(".")
    if lang == "fr":
        shown = shown.replace(".", ",")
    rate = (
        _AGREED_RATE[lang].format(rate=terms.interest_rate)
        if terms.interest_rate
        else _LAW_RATE[(country, lang)]
    )
    return template.format(rate=rate, indemnity=shown)
