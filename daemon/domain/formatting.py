"""Amounts and dates as the operator reads them (Babel's CLDR data): "1 200,00 €" and
"02/03/2026" in French, "€1,200.00" and "02/03/2026" in (British) English."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

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


def percent(share: float | None, language: str) -> str:
    """A share of 1 as a percentage with one decimal: "66,7 %" in French, "66.7%" in English."""
    if share is None:
        return "-"
    locale = Locale.parse(LOCALES.get(language, "fr_FR"))
    pattern = locale.percent_formats[None].pattern  # "#,##0 %" in French, "#,##0%" in English
    head, _sep, tail = pattern.rpartition("0")
    return format_percent(share, format=f"{head}0.0{tail}", locale=locale)


def days(value: float | None, language: str) -> str:
    """A number of days as the operator writes it: "12,5" in French, "12.5" in English, a
    whole number without decimals; "-" for none."""
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0.#", locale=LOCALES.get(language, "fr_FR"))


def clipped(text: str, width: int, *, middle: bool = False) -> str:
    """``text`` in a column of ``width`` characters: whole when it fits, else cut with "…"
    so that a cut value never reads as a whole one. ``middle`` keeps both ends (a file
    name's version and extension are at its end)."""
    if len(text) <= width:
        return text
    if not middle:
        return text[: max(width - 1, 0)] + "…"
    head = (width - 1) // 2
    return text[:head] + "…" + text[len(text) - (width - 1 - head) :]


def moment(at: datetime, zone: tzinfo, *, seconds: bool = False) -> str:
    """A stored moment (kept in UTC) as an operator reads it: in the business's time zone
    (``[schedule] timezone``), which the column or line over it names."""
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
