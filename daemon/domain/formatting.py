"""Amounts and dates as the operator reads them (Babel's CLDR data): "1 200,00 €" and
"02/03/2026" in French, "€1,200.00" and "02/03/2026" in (British) English."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def money(amount: Decimal, currency: str, language: str) -> str:
    return format_currency(amount, currency, locale=LOCALES.get(language, "fr_FR"))


def day(value: date | None, language: str) -> str:
    if value is None:
        return "-"
    locale = LOCALES.get(language, "fr_FR")
    return format_date(value, format="short", locale=locale)


def amount(value: Decimal, language: str) -> str:
    """An amount without its currency, grouped and with two decimals (the emails)."""
    return format_decimal(value, format="#,##0.00", locale=LOCALES.get(language, "fr_FR"))
