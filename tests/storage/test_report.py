"""The business figures on a small data set computed by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from config import SellerTerms, Settings
from daemon.app.services import Facturier
from daemon.domain.models import Channel, DeliveryEvent
from daemon.intake.customers import NewCustomer
from daemon.store.history import delivery_history
from tests.helpers import invoice_file

TODAY = date(2026, 6, 30)


async def _invoice(
    app: Facturier, folder: Path, number: str, buyer: str, ident: str, issued: int, due: int
) -> int:
    """An invoice issued on June ``issued``, due on June ``due`` (2026)."""
    file = invoice_file(
        folder,
        number,
        buyer,
        ident,
        issued_days_ago=30 - issued,
        due_in_days=due - 30,
        today=TODAY,
    )
    [r] = await app.ingest.import_paths([file])
    assert r.invoice_id is not None, r.message
    return r.invoice_id


async def _paid(app: Facturier, invoice_id: int, day: int) -> None:
    await app.payments.record_by_hand(
        invoice_id, None, received_on=date(2026, 6, day), reference=None, by="t", reason="bank"
    )


async def test_the_report_on_a_data_set_computed_by_hand(app: Facturier, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    for name, email, ident in (
        ("Alpha", "factures@alpha.example", "A"),  # a shared mailbox by its name
        ("Beta", "jean@beta.example", "B"),  # a person, until Beta moves
        ("Gamma", "paul@gamma.example", "G"),
        ("Delta", "dora@delta.invalid", "D"),  # a person, at an address that bounces
    ):
        await app.customers.add(NewCustomer(name, email, (), None, ident, "fr"), changed_by="t")
    gamma = await app.customers.find("G")
    assert gamma.id is not None
    await app.customers.set_channel(
        gamma.id,
        Channel.PAPER,
        consent_on=None,
        consent_source=None,
        changed_by="t",
        reason="asked for paper",
    )
    a1 = await _invoice(app, folder, "A1", "Alpha", "A", issued=1, due=15)
    a2 = await _invoice(app, folder, "A2", "Alpha", "A", issued=10, due=20)
    b1 = await _invoice(app, folder, "B1", "Beta", "B", issued=5, due=19)
    await _invoice(app, folder, "B2", "Beta", "B", issued=12, due=22)  # never paid
    c1 = await _invoice(app, folder, "C1", "Gamma", "G", issued=2, due=16)
    await _invoice(app, folder, "D1", "Delta", "D", issued=3, due=17)  # bounces, never paid
    await app.send_due()
    asked = await app.campaign.run(by="t")  # Delta (Beta not yet moved, Gamma on paper: see below)
    beta = await app.customers.find("B")
    assert beta.id is not None
    await app.customers.set_invoice_address(
        beta.id, "factures@beta.example", changed_by="t", reason="moved to a shared mailbox"
    )
    b3 = await _invoice(app, folder, "B3", "Beta", "B", issued=20, due=25)
    await app.send_due()
    await app.poll_bounces()  # the relay's reports: delivered, and Delta's bounce
    for invoice_id, day in ((a1, 11), (a2, 30), (b1, 25), (c1, 16), (b3, 27)):
        await _paid(app, invoice_id, day)

    r = await app.report.build(date(2026, 6, 1), date(2026, 6, 30), today=date(2026, 7, 1))

    assert [a.customer for a in asked.asked] == ["Beta", "Delta"]
    assert r.customers_by_channel == {"email": 3, "paper": 1}
    assert r.adoption == 0.75
    assert r.central_share == 0.5  # Alpha and Beta now; Gamma and Delta on a person
    assert r.invoices_by_channel == {"email": 6, "paper": 1}
    # Gamma's C1 is on paper, never emailed: five delivered of six sent
    assert r.delivery_outcomes == {"delivered": 5, "bounced": 1}
    assert r.bounce_reasons == {"hostunknown": 1}
    # Delta's request bounced like its invoice
    assert r.campaign == {
        "customers_asked": 2,
        "requests_sent": 2,
        "requests_asked": 1,
        "requests_failed": 1,
    }
    days = {d.group: d for d in r.days_to_pay}
    # paid: A1 10 days from issue / -4 from due, A2 20/10, B1 20/6, C1 14/0, B3 7/2
    assert (days["all"].invoices, days["all"].mean_from_issue) == (5, 14.2)
    assert (days["all"].median_from_issue, days["all"].mean_from_due) == (14, 2.8)
    assert days["all"].median_from_due == 2
    assert (days["channel email"].mean_from_issue, days["channel email"].median_from_due) == (
        14.25,
        4,
    )
    assert (days["channel paper"].invoices, days["channel paper"].mean_from_issue) == (1, 14)
    assert (days["central mailbox"].invoices, days["central mailbox"].median_from_issue) == (3, 10)
    # B1 to Jean; Gamma's C1 went by post, to no mailbox
    assert (days["personal mailbox"].invoices, days["personal mailbox"].mean_from_due) == (1, 6)
    assert days["before moving"].mean_from_issue == 20  # Beta's B1, to Jean
    assert days["after moving to a central mailbox"].mean_from_issue == 7  # B3
    # due in June: A2, B1, B3 paid late, B2 and D1 unpaid, of seven
    assert (r.late_payment_rate, r.due_counted) == (round(5 / 7, 4), 7)


async def test_an_invoice_stating_no_due_date_counts_from_the_day_its_sellers_terms_give(
    settings: Settings, tmp_path: Path
) -> None:
    """Late payment and days past due are counted from the day reminders count from: for
    an invoice stating none, its seller's own terms (here ACME SARL's 10 days, before the
    default 60). E1, issued June 5 and paid June 20, is due June 15: paid 5 days late. E2,
    issued June 25, is due July 5: not yet due. Without terms neither is counted as due."""
    by_terms = settings.reminders.model_copy(
        update={
            "days_to_pay": 60,
            "sellers": [SellerTerms(seller="acme sarl", country="FR", days_to_pay=10)],
        }
    )
    for terms, due_counted, late, from_due in (
        (settings.reminders, 0, None, 15),  # from its issue date, as ever
        (by_terms, 1, 1.0, 5),
    ):
        app = await Facturier.open(settings.model_copy(update={"reminders": terms}))
        try:
            if terms is settings.reminders:
                await app.customers.add(
                    NewCustomer("Epsilon", "factures@epsilon.example", (), None, "E", "fr"),
                    changed_by="t",
                )
                for number, issued in (("E1", 5), ("E2", 25)):
                    file = invoice_file(
                        tmp_path / "in",
                        number,
                        "Epsilon",
                        "E",
                        issued_days_ago=30 - issued,
                        due_in_days=None,
                        today=TODAY,
                    )
                    [r] = await app.ingest.import_paths([file])
                    assert r.invoice_id is not None, r.message
                    if number == "E1":
                        await _paid(app, r.invoice_id, 20)
            report = await app.report.build(
                date(2026, 6, 1), date(2026, 7, 31), today=date(2026, 7, 1)
            )
            assert (report.due_counted, report.late_payment_rate) == (due_counted, late)
            [every] = [d for d in report.days_to_pay if d.group == "all"]
            assert (every.invoices, every.mean_from_issue, every.mean_from_due) == (1, 15, from_due)
        finally:
            await app.close()


async def test_the_figures_count_the_days_of_the_businesss_time_zone(
    settings: Settings, tmp_path: Path
) -> None:
    """A message accepted at 00:30 in Paris (23:30 UTC the evening before) counts on the
    Paris day the operator saw it happen, not on the day before."""
    settings = settings.model_copy(
        update={"schedule": settings.schedule.model_copy(update={"timezone": "Europe/Paris"})}
    )
    paris = ZoneInfo("Europe/Paris")
    app = await Facturier.open(settings)
    try:
        await app.customers.add(
            NewCustomer("Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
            changed_by="t",
        )
        [r] = await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-90")])
        assert r.invoice_id is not None
        yesterday = datetime.now(paris).date() - timedelta(days=1)
        at = datetime.combine(yesterday, time(0, 30), tzinfo=paris)
        async with app.ctx.sessions() as session:
            [delivery], _events = await delivery_history(session, r.invoice_id)
            assert delivery.id is not None
            session.add(DeliveryEvent(delivery_id=delivery.id, at=at, event="accepted"))
            await session.commit()
        figures = await app.figures.deliveries(7)
        accepted = dict(zip(figures.days, figures.outcomes["accepted"], strict=True))
        assert accepted[yesterday] == 1
        assert accepted[yesterday - timedelta(days=1)] == 0
        assert figures.days[-1] == yesterday + timedelta(days=1)
    finally:
        await app.close()
