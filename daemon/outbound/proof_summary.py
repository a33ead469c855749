"""The proof package's ``summary.html``: what the package proves, for a person, in the
installation's language (every value escaped: a notice's text is shown as text)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import Environment

from daemon.domain import formatting
from daemon.domain.event_words import shown
from daemon.domain.i18n import _, language
from daemon.domain.labels import (
    change_value,
    decision_why,
    event_label,
    field_label,
    note_label,
    state_label,
)

_ENV = Environment(autoescape=True)


def _moment(stored: str | None) -> str:
    """A stored ISO time as a reader of the summary reads it, to the second, in UTC
    (``proof.json`` keeps it whole)."""
    if not stored:
        return ""
    try:
        at = datetime.fromisoformat(stored)
    except ValueError:
        return stored
    if at.tzinfo is not None:
        at = at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def _day(stored: str | None) -> str:
    """A stored ISO date in the reader's language (27/11/2026)."""
    try:
        return formatting.day(date.fromisoformat(stored or ""), language())
    except ValueError:
        return stored or "-"


def _money(stored: str, currency: str) -> str:
    try:
        return formatting.money(Decimal(stored), currency, language())
    except (InvalidOperation, ValueError):
        return f"{stored} {currency}"


# what the delivery records store (states, kinds of delivery and event, event texts), read
# in the exporter's language as the TUI shows them
_ENV.filters.update(
    moment=_moment,
    day=_day,
    money=_money,
    kind=_,
    state=state_label,
    event=event_label,
    said=shown,
    value=change_value,
    field=field_label,
    note=note_label,
    decided=decision_why,
)
_ENV.globals["pair"] = lambda label, value: _("{label}: {value}").format(label=label, value=value)
_SUMMARY = _ENV.from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<title>{{ t.title }} {{ p.invoice.number }}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.2em .6em;
text-align:left;vertical-align:top}table{border-collapse:collapse}tr{border-bottom:1px solid #ccc}
</style></head><body>
<h1>{{ t.title }} {{ p.invoice.number }}</h1>
<p>{{ pair(t.total, p.invoice.total|money(p.invoice.currency)) }} · {{ t.issued }}
{{ p.invoice.issue_date|day }} · {{ t.due }} {{ p.invoice.due_date|day }} · {{ t.exported }}
{{ p.exported_at|moment }}</p>
<p>{{ pair(t.check, t.problems if problems else t.intact) }}
{% for x in problems %}<br>{{ x }}{% endfor %}</p>
{% for d in p.deliveries %}
<h2>{{ pair(t.delivery.format(id=d.id), d.recipient) }}
({{ d.kind|kind }}, {{ d.state|state }})</h2>
<p>Message-ID {{ d.message_id }}{% if d.archived %} · {{ t.file }} {{ d.archived.file }} ·
SHA-256 {{ d.archived.sha256 }} · {{ t.chain }} #{{ d.archived.seq }}{% endif %}</p>
<table><tr><th>{{ t.when }}</th><th>{{ t.event }}</th><th>{{ t.status }}</th>
<th>{{ t.detail }}</th></tr>
{% for e in d.events %}<tr><td>{{ e.at|moment }}</td><td>{{ e.event|event }}</td>
<td>{{ e.smtp_code or "" }} {{ e.status or "" }}</td><td>{{ e.text|said }}</td></tr>{% endfor %}
</table>{% endfor %}
{% if p.decisions %}<h2>{{ t.decisions }}</h2>
<table><tr><th>{{ t.when }}</th><th>{{ t.what }}</th><th>{{ t.who }}</th><th>{{ t.why }}</th></tr>
{% for e in p.decisions %}<tr><td>{{ e.at|moment }}</td><td>{{ e.what|note }}</td>
<td>{{ e.by }}</td><td>{{ e.what|decided(e.why) }}</td></tr>{% endfor %}</table>{% endif %}
<h2>{{ t.addresses }}</h2>
<table><tr><th>{{ t.when }}</th><th>{{ t.what }}</th><th>{{ t.who }}</th><th>{{ t.why }}</th></tr>
{% for c in p.address_changes %}<tr><td>{{ c.changed_at|moment }}</td>
<td>{{ pair(c.field|field, (c.old_value|value) ~ " → " ~ (c.new_value|value)) }}</td>
<td>{{ c.changed_by }}</td><td>{{ c.reason|said }} ({{ c.source }})</td></tr>{% endfor %}</table>
</body></html>
"""
)


def summary_html(proof: dict[str, Any], problems: list[str]) -> str:
    labels = {
        "title": _("Proof of sending, invoice"),
        "total": _("Total"),
        "issued": _("issued"),
        "due": _("due"),
        "exported": _("exported"),
        "check": _("Archive and chains at export"),
        "problems": _("problems found"),
        "intact": _("intact"),
        "delivery": _("Delivery #{id}"),
        "file": _("file"),
        "chain": _("chain position"),
        "when": _("When"),
        "event": _("Event"),
        "status": _("Status"),
        "detail": _("Detail"),
        "addresses": _("Changes to the customer's invoice addresses"),
        "decisions": _("Decisions about the invoice"),
        "what": _("What"),
        "who": _("Who"),
        "why": _("Why"),
    }
    return _SUMMARY.render(p=proof, t=labels, problems=problems, lang=language())
