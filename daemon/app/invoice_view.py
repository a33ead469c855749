"""One invoice as an admin reads it on the command line (`facturier status NUMBER`): what it
is, who it went to and where each message stands, every event, what came back, payments
and what people decided, in the operator's language; the TUI's invoice screen says the same."""

from __future__ import annotations

from datetime import tzinfo

from daemon.app.invoice_detail import InvoiceDetail
from daemon.domain import finding_words
from daemon.domain.compliance import ComplianceReport
from daemon.domain.event_words import shown, tie_phrase
from daemon.domain.formatting import clipped, day, moment, money
from daemon.domain.i18n import _
from daemon.domain.labels import (
    decision_why,
    event_label,
    inbound_label,
    kind_label,
    note_label,
    state_label,
)
from daemon.domain.payment_words import shown_how


def due_shown(d: InvoiceDetail, lang: str) -> str:
    """The day the invoice is due, as its heading says it: the one it states or a person
    set; else the one the seller's terms in the settings give, saying so; else "-"."""
    if d.row.due_by_terms is None:
        return day(d.row.due_date, lang)
    return _("{day} (the seller's terms in the settings)").format(day=day(d.row.due_by_terms, lang))


def detail_lines(d: InvoiceDetail, lang: str, zone: tzinfo) -> list[str]:
    """The invoice ``d``, line by line, its times in ``zone`` (the business's)."""
    r = d.row
    heading = (
        _("Credit note {number} (#{id}) — {customer} — {amount} — due {due} — {state} — {paid}")
        if d.kind == "credit_note"
        else _("Invoice {number} (#{id}) — {customer} — {amount} — due {due} — {state} — {paid}")
    )
    lines = [
        heading.format(
            number=r.number,
            id=r.id,
            customer=r.customer,
            amount=money(r.total, r.currency, lang),
            due=due_shown(d, lang),
            state=state_label(r.state),
            paid=_paid(d, lang),
        ),
        _("File {name} ({format}), sha256 {sha}").format(
            name=d.file_name, format=d.format, sha=d.file_sha256
        ),
        *_compliance(r.compliance),
    ]
    if d.fits:
        lines.append(_("Its buyer fits several customers (facturier buyers choose):"))
        lines += [f"  {c}" for c in d.fits]
    lines.append(_("Recipients:"))
    lines += [
        "  "
        + _("{address} ({role}): {state}").format(
            address=rcpt, role=_(kind), state=state_label(state)
        )
        + (" — " + _("possible duplicate") if dup else "")
        for rcpt, kind, state, _mid, dup in d.deliveries
    ] or ["  " + _("(no recipient yet)")]
    if d.events:
        lines.append(_("Events ({zone}):").format(zone=zone))
    for e in d.events:
        what = event_label(e.event)
        if e.state and state_label(e.state) != what:
            what += f" → {state_label(e.state)}"
        text = " ".join(shown(e.text).split()) if e.text else ""
        code = " ".join(str(x) for x in (e.smtp_code, e.status) if x and str(x) not in text)
        said = " — ".join(part for part in (what, code, clipped(text, 200)) if part)
        lines.append(f"  {moment(e.at, zone, seconds=True)}  {e.recipient}  {said}")
    lines += [
        _("Customer message {at} from {sender}: {text}").format(
            at=moment(at, zone), sender=who, text=" ".join(text.split())
        )
        for at, who, text in d.customer_messages
    ]
    lines += [
        _("Received {at} {kind} from {sender}: {subject} ({tie})").format(
            at=moment(at, zone),
            kind=inbound_label(kind),
            sender=who,
            subject=subject,
            tie=tie_phrase(how),
        )
        for at, kind, who, subject, how in d.inbound
    ]
    lines += [
        _("Payment #{id} {on} {amount} ({how}){status}").format(
            id=payment_id,
            on=day(on, lang),
            amount=money(amount, currency, lang),
            how=shown_how(how),
            status="" if status == "applied" else f" — {_(status)}",
        )
        for on, amount, currency, how, status, payment_id in d.payments
    ]
    lines += [
        _("Decision {at} {what} by {who}: {why}").format(
            at=moment(at, zone), what=note_label(what), who=who, why=decision_why(what, why)
        )
        for at, what, who, why in d.decisions
    ]
    lines += [
        _("Dealt with {at} {kind} by {who}: {how}").format(
            at=moment(at, zone), kind=kind_label(kind), who=who, how=how
        )
        for at, kind, who, how in d.dealt_with
    ]
    return lines


def overpaid(d: InvoiceDetail) -> bool:
    """Paid beyond what it owes by payments received (not a refund the invoice itself states,
    which no payment made): the difference is the customer's (the queue's ``overpaid``)."""
    return d.owed < 0 and d.paid > 0


def _paid(d: InvoiceDetail, lang: str) -> str:
    if d.kind == "credit_note":
        said = _("credit note")
    elif d.row.payment_state == "partial":
        said = _("partly paid, {owed} owed").format(owed=money(d.owed, d.row.currency, lang))
    elif d.row.payment_state == "paid" and overpaid(d):
        said = _("paid, {over} more than it owed").format(over=money(-d.owed, d.row.currency, lang))
    else:
        said = _(d.row.payment_state)
    if d.disputed is not None:
        said += " — " + _("in dispute: {what}").format(what=d.disputed)
    return said


def _compliance(report: ComplianceReport | None) -> list[str]:
    """What the compliance gate found: a line per finding that holds the invoice and per
    warning."""
    if report is None:
        return [_("Rules: not checked (schema only)")]
    lines = [_("Rules: passed ({rule_sets})").format(rule_sets=", ".join(report.rule_sets))]
    for f in report.holds:
        lines.append(
            "  " + _("{rule} (held): {said}").format(rule=f.rule, said=finding_words.said(f))
        )
    for f in report.warnings:
        line = _("{rule} (downgraded): {said}") if f.downgraded else _("{rule}: {said}")
        lines.append("  " + line.format(rule=f.rule, said=finding_words.said(f)))
    return lines
