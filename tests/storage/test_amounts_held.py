"""An invoice whose line amounts do not add up is held, on SQLite and PostgreSQL: nothing goes
out until a person sends it as it is or discards it, and who decided, when and why is kept."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.compliance import ComplianceReport, Downgrade
from daemon.domain.errors import ValidationError
from daemon.domain.event_words import shown
from daemon.domain.finding_words import shown_held
from daemon.domain.models import Delivery, Invoice
from daemon.intake.amounts import AmountsDecision
from daemon.intake.customers import NewCustomer
from daemon.intake.duplicates import Decision
from daemon.store.db import transaction
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file

ADDRESS = "factures@dupont.example"
SAID = (
    "line 1: the net amount (BT-131) 100.00 is not net price (BT-146) 30.00 × quantity "
    "(BT-129) 3 = 90.00"
)


async def _customer(app: Facturier) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, (), None, "C-1", "fr"), changed_by="test"
    )


async def _import(app: Facturier, path: Path):  # type: ignore[no-untyped-def]
    [result] = await app.ingest.import_paths([path])
    assert result.ok, result.message
    return result


def _odd(folder: Path, number: str, name: str | None = None) -> Path:
    """An invoice of 100.00 whose one line says 3 × 30.00."""
    return invoice_file(folder, number, net="100.00", quantity="3", unit_price="30.00", name=name)


async def test_held_until_a_person_sends_it_as_it_is(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    fine = await _import(app, invoice_file(tmp_path / "a", "FA-20", net="90.00", quantity="3"))
    assert not fine.amounts_held  # 3 × 30.00 = 90.00
    held = await _import(app, _odd(tmp_path / "b", "FA-21"))
    assert held.amounts_held and not held.held
    assert f"held: its amounts do not add up ({SAID})" in held.message
    assert "facturier amounts" in held.message
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 1  # FA-20 only

    [item] = [i for i in await app.attention.items() if i.kind == "amounts-to-check"]
    assert item.ref == held.invoice_id and item.invoice_number == "FA-21" and SAID in item.why
    [listed] = await app.amounts.held()
    assert listed.invoice_id == held.invoice_id and listed.findings[0].message == SAID

    with pytest.raises(ValidationError, match="reason"):
        await app.amounts.decide(held.invoice_id, AmountsDecision.SEND, by="ana", reason=" ")
    sent = await app.amounts.decide(
        held.invoice_id, AmountsDecision.SEND, by="ana", reason="checked with the seller"
    )
    assert sent.state == "queued"
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 2
    assert not [i for i in await app.attention.items() if i.kind == "amounts-to-check"]
    assert await app.amounts.held() == []
    detail = await app.queries.invoice_detail(held.invoice_id)
    decisions = [(what, who, why) for _at, what, who, why in detail.decisions]
    assert decisions == [
        ("amounts-held", "import", SAID),
        ("amounts-confirmed", "ana", "checked with the seller"),
    ]
    with pytest.raises(ValidationError, match="not held for its amounts"):
        await app.amounts.decide(held.invoice_id, AmountsDecision.DISCARD, by="ana", reason="x")


async def test_discarded_it_is_never_sent_and_stays_on_record(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    held = await _import(app, _odd(tmp_path, "FA-22"))
    done = await app.amounts.decide(
        held.invoice_id, AmountsDecision.DISCARD, by="ana", reason="the seller re-issues it"
    )
    assert done.state == "discarded"
    await app.send_due()
    assert sandbox.received(ADDRESS) == []
    detail = await app.queries.invoice_detail(held.invoice_id)
    assert [(w, b) for _at, w, b, _why in detail.decisions] == [
        ("amounts-held", "import"),
        ("discarded", "ana"),
    ]
    # nothing of it is owed: it is not counted, reminded or sent
    assert not [i for i in await app.attention.items() if i.invoice_id == held.invoice_id]


async def test_a_duplicate_kept_is_still_held_for_its_amounts(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    await _import(app, invoice_file(tmp_path / "a", "FA-23", net="90.00", quantity="3"))
    second = await _import(app, _odd(tmp_path / "b", "FA-23", name="FA-23-bis.pdf"))
    assert second.held  # a possible duplicate first: a person decides that first
    kept = await app.duplicates.decide(
        second.invoice_id, Decision.KEEP, by="ana", reason="a second delivery"
    )
    assert kept.state == "amounts_to_check"
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 1  # the first file only
    sent = await app.amounts.decide(
        second.invoice_id, AmountsDecision.SEND, by="ana", reason="checked"
    )
    assert sent.state == "queued"
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 2


async def test_the_sellers_corrected_file_replaces_the_held_one(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """The usual end: the seller re-issues the invoice with its line right; the new file is
    held as a possible duplicate of the held one, and replacing it withdraws the held one."""
    await _customer(app)
    held = await _import(app, _odd(tmp_path / "a", "FA-24"))
    corrected = await _import(
        app,
        invoice_file(
            tmp_path / "b", "FA-24", net="100.00", quantity="4", unit_price="25.00", name="v2.pdf"
        ),
    )
    assert corrected.held and not corrected.amounts_held
    now = await app.duplicates.decide(
        corrected.invoice_id, Decision.REPLACE, by="ana", reason="re-issued by the seller"
    )
    assert now.state == "queued"
    await app.send_due()
    [sent] = sandbox.received(ADDRESS)
    assert b"v2.pdf" in sent
    withdrawn = await app.queries.invoice_detail(held.invoice_id)
    assert withdrawn.row.state == "withdrawn"
    assert await app.amounts.held() == []


async def test_a_held_credit_note_counts_against_its_invoice_only_once_sent(
    app: Facturier, tmp_path: Path
) -> None:
    await _customer(app)
    invoice = await _import(app, invoice_file(tmp_path / "a", "FA-25", net="100.00"))
    credit = await _import(
        app,
        invoice_file(
            tmp_path / "b",
            "FA-25",
            net="25.00",
            type_code="381",
            preceding="FA-25",
            quantity="2",
            unit_price="10.00",  # 2 × 10.00 stated 25.00
            name="AV.pdf",
        ),
    )
    assert credit.amounts_held
    before = await app.queries.invoice(invoice.invoice_id)
    assert before.amount_credited == Decimal("0") and before.payment_state == "unpaid"
    await app.amounts.decide(credit.invoice_id, AmountsDecision.SEND, by="ana", reason="ok")
    after = await app.queries.invoice(invoice.invoice_id)
    assert after.amount_credited == Decimal("30.00")  # 25.00 and 20 % VAT
    assert after.payment_state == "partial"


async def test_a_held_invoice_is_not_reminded(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    late = invoice_file(
        tmp_path,
        "FA-26",
        net="100.00",
        quantity="3",
        unit_price="30.00",
        due_in_days=-20,
        issued_days_ago=50,
    )
    held = await _import(app, late)
    assert held.amounts_held
    await app.send_due()
    assert (await app.reminders.run()).sent == []  # not sent, so not owed yet either
    await app.amounts.decide(held.invoice_id, AmountsDecision.SEND, by="ana", reason="checked")
    await app.send_due()
    [reminded] = (await app.reminders.run()).sent
    assert reminded.invoices == ("FA-26",)


async def _as_before_the_line_check(app: Facturier, invoice_id: int) -> None:
    """The invoice's stored report as one made before the line check existed: no BT-131
    finding, and the gate's fingerprint of then."""
    async with transaction(app.ctx.sessions) as session:
        invoice = await session.get(Invoice, invoice_id)
        assert invoice is not None
        report = ComplianceReport.from_json(invoice.compliance)
        assert report is not None and [f.rule for f in report.findings] == ["BT-131"]
        invoice.compliance = replace(report, findings=(), fingerprint="before").to_json()
        session.add(invoice)


def _downgrading(app: Facturier, *rules: str) -> None:
    downgrades = (Downgrade(frozenset(rules), reason="gross lines by design"),) if rules else ()
    app.ingest.gate = replace(app.ingest.gate, downgrades=downgrades)
    app.ctx._gate = replace(app.ctx.gate, downgrades=downgrades)


async def test_an_invoice_queued_before_the_line_check_is_held_before_sending(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Imported (and queued, with a copy) before lines were checked: the gate's check just
    before sending holds it as an import would, and nothing of it goes out."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, ("compta@dupont.example",), None, "C-1"),
        changed_by="test",
    )
    _downgrading(app, "BT-131")
    queued = await _import(app, _odd(tmp_path, "FA-27"))
    assert not queued.amounts_held
    await _as_before_the_line_check(app, queued.invoice_id)
    _downgrading(app)

    i18n.use("fr")  # a daemon that speaks French holds it: what it records, anyone reads
    await app.send_due()
    assert sandbox.received(ADDRESS) == [] and sandbox.received("compta@dupont.example") == []
    detail = await app.queries.invoice_detail(queued.invoice_id)
    assert detail.row.state == "amounts_to_check"
    assert [(w, b, why) for _at, w, b, why in detail.decisions] == [
        ("amounts-held", "compliance gate, before sending", SAID)
    ]
    async with app.ctx.sessions() as session:
        deliveries = (await session.exec(select(Delivery))).all()
    assert sorted(d.state for d in deliveries) == ["cancelled", "cancelled"]
    assert all(f"its amounts do not add up ({SAID})" in (d.last_text or "") for d in deliveries)
    # ...each in their language
    french = "ligne 1 : le montant net (BT-131) 100.00 ne vaut pas"
    assert shown(deliveries[0].last_text).startswith(
        f"retenue avant l'envoi : ses montants sont incohérents ({french}"
    )
    assert shown_held(SAID).startswith(french)
    i18n.use("en")
    assert shown(deliveries[0].last_text) == deliveries[0].last_text
    [item] = [i for i in await app.attention.items() if i.kind == "amounts-to-check"]
    assert item.invoice_number == "FA-27"

    await app.amounts.decide(queued.invoice_id, AmountsDecision.SEND, by="ana", reason="ok")
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 1
    assert len(sandbox.received("compta@dupont.example")) == 1


async def test_a_downgrade_or_an_invoice_already_sent_is_not_held_before_sending(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await _customer(app)
    _downgrading(app, "BT-131")
    first = await _import(app, _odd(tmp_path / "a", "FA-28"))
    await _as_before_the_line_check(app, first.invoice_id)
    await app.send_due()  # checked again with the downgrade still in force: it goes
    assert len(sandbox.received(ADDRESS)) == 1

    await _as_before_the_line_check(app, first.invoice_id)
    _downgrading(app)
    # sent on purpose once more: the customer has it already, so it is not held now
    await app.resend(first.invoice_id, by="ana", reason="asked for a copy")
    await app.send_due()
    assert len(sandbox.received(ADDRESS)) == 2
    assert (await app.queries.invoice(first.invoice_id)).state != "amounts_to_check"


async def test_a_message_claimed_before_its_invoice_was_held_is_not_sent(
    app: Facturier, tmp_path: Path
) -> None:
    """A worker that claimed a message before another held its invoice reads the invoice as
    it is now: the message is held too. Once a person sends the invoice as it is, it goes."""
    await _customer(app)
    held = await _import(app, _odd(tmp_path, "FA-29"))
    async with app.ctx.sessions() as session:
        stale = await session.get(Invoice, held.invoice_id)
    assert stale is not None and stale.state == "amounts_to_check"
    stale.state = "queued"  # as that worker loaded it

    verdict = await app.ctx.verdict_before_sending(stale)
    assert verdict is not None and verdict.held and SAID in verdict.reason
    assert (await app.ctx.verdict_before_sending(stale, may_hold=False)) is None  # a reminder

    await app.amounts.decide(held.invoice_id, AmountsDecision.SEND, by="ana", reason="ok")
    assert (await app.ctx.verdict_before_sending(stale)) is None


async def test_two_workers_checking_one_invoice_at_once_hold_it_once(
    app: Facturier, tmp_path: Path
) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", ADDRESS, ("compta@dupont.example",), None, "C-1"),
        changed_by="test",
    )
    _downgrading(app, "BT-131")
    queued = await _import(app, _odd(tmp_path, "FA-30"))
    await _as_before_the_line_check(app, queued.invoice_id)
    _downgrading(app)
    async with app.ctx.sessions() as session:
        one = await session.get(Invoice, queued.invoice_id)
    async with app.ctx.sessions() as session:
        other = await session.get(Invoice, queued.invoice_id)
    assert one is not None and other is not None

    verdicts = await asyncio.gather(
        app.ctx.verdict_before_sending(one), app.ctx.verdict_before_sending(other)
    )
    assert all(v is not None and v.held for v in verdicts)
    detail = await app.queries.invoice_detail(queued.invoice_id)
    assert [w for _at, w, _b, _why in detail.decisions] == ["amounts-held"]
