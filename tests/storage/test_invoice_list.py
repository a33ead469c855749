"""The invoice list a page at a time (both databases): paging by key both ways without a row
lost or shown twice, filters that combine, and a search by any part of a number, a customer
or an amount, whichever way the database answers it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from config import SellerTerms, Settings
from daemon.app import invoice_list
from daemon.app.invoice_list import InvoiceFilter, InvoiceList
from daemon.app.services import Facturier
from daemon.domain.models import Invoice
from daemon.intake.customers import NewCustomer
from daemon.outbound.reminders import due_day
from tests.helpers import invoice_file

TODAY = date(2026, 6, 15)


@pytest.fixture
async def listing(app: Facturier, tmp_path: Path) -> InvoiceList:
    """Twelve invoices: Dupont (C-1) is owed FA-01…FA-08, issued a day apart, half of them
    overdue; Martin (C-2) FA-09…FA-12, one of 1 234,50 (net 1 028,75)."""
    for name, ident in (("Boulangerie Dupont", "C-1"), ("Martin SARL", "C-2")):
        await app.customers.add(
            NewCustomer(name, f"factures@{ident.lower()}.example", (), None, ident),
            changed_by="t",
        )
    files = []
    for n in range(1, 13):
        buyer, ident = ("Boulangerie Dupont", "C-1") if n <= 8 else ("Martin SARL", "C-2")
        files.append(
            invoice_file(
                tmp_path / "in",
                f"FA-{n:02d}",
                buyer,
                ident,
                net="1028.75" if n == 10 else f"{100 + n}.00",
                issued_days_ago=40 - n,
                due_in_days=-5 if n <= 4 else 30,
                today=TODAY,
            )
        )
    assert all(r.ok for r in await app.ingest.import_paths(files))
    return InvoiceList(app.ctx.sessions)


def numbers(rows: object) -> list[str]:
    return [r.number for r in rows]  # type: ignore[attr-defined]


async def test_pages_by_key_both_ways_lose_and_repeat_nothing(listing: InvoiceList) -> None:
    every = [f"FA-{n:02d}" for n in range(12, 0, -1)]  # newest first
    seen: list[str] = []
    page = await listing.page(InvoiceFilter(), limit=5)
    assert not page.newer and page.older
    seen += numbers(page.rows)
    while page.older:
        page = await listing.page(InvoiceFilter(), before=page.rows[-1].id, limit=5)
        seen += numbers(page.rows)
    assert seen == every and len(page.rows) == 2  # 5 + 5 + 2

    oldest = await listing.page(InvoiceFilter(), oldest=True, limit=5)
    assert numbers(oldest.rows) == every[-5:] and oldest.newer and not oldest.older
    back = await listing.page(InvoiceFilter(), after=oldest.rows[0].id, limit=5)
    assert numbers(back.rows) == every[2:7] and back.newer and back.older


async def test_filters_combine(listing: InvoiceList) -> None:
    first = await listing.page(InvoiceFilter())
    dupont = next(r.customer_id for r in first.rows if r.number == "FA-01")
    issued = {r.number: r.issue_date for r in first.rows}

    overdue = InvoiceFilter(overdue_on=TODAY)
    assert numbers((await listing.page(overdue)).rows) == ["FA-04", "FA-03", "FA-02", "FA-01"]

    theirs = InvoiceFilter(customer_id=dupont)
    assert len((await listing.page(theirs)).rows) == 8
    window = theirs.but(issued_from=issued["FA-03"], issued_to=issued["FA-06"])
    assert numbers((await listing.page(window)).rows) == ["FA-06", "FA-05", "FA-04", "FA-03"]
    both = window.but(overdue_on=TODAY)
    assert numbers((await listing.page(both)).rows) == ["FA-04", "FA-03"]
    assert numbers((await listing.page(both.but(state="bounced"))).rows) == []


@pytest.mark.parametrize("dense_above", [invoice_list.DENSE_HITS, 0])
async def test_search_by_number_part_customer_or_amount(
    listing: InvoiceList, monkeypatch: pytest.MonkeyPatch, dense_above: int
) -> None:
    """A needle with few hits is answered from the trigram index, one with many by walking
    the list (SQLite counts the hits, PostgreSQL estimates them; ``dense_above=0`` makes
    every needle one with many): both give the same rows."""
    monkeypatch.setattr(invoice_list, "DENSE_HITS", dense_above)

    async def found(needle: str, **more: object) -> list[str]:
        return numbers((await listing.page(InvoiceFilter(search=needle, **more))).rows)  # type: ignore[arg-type]

    assert await found("a-1") == ["FA-12", "FA-11", "FA-10"]  # any part, any case
    assert await found("fa-1", overdue_on=TODAY) == []  # with a filter: the walk or the hits
    assert await found("fa-0", overdue_on=TODAY) == ["FA-04", "FA-03", "FA-02", "FA-01"]
    assert await found("martin") == ["FA-12", "FA-11", "FA-10", "FA-09"]  # the customer
    assert await found("c-2.example") == ["FA-12", "FA-11", "FA-10", "FA-09"]  # an address
    assert await found("1 234,50") == ["FA-10"] == await found("1,234.50")  # the total
    assert await found('"; DROP TABLE invoices; --') == []  # a needle is only ever text
    assert await found("100%") == []
    # a search alone pages by key too, both ways
    page = await listing.page(InvoiceFilter(search="fa-"), limit=5)
    older = await listing.page(InvoiceFilter(search="fa-"), before=page.rows[-1].id, limit=5)
    assert numbers(older.rows) == [f"FA-{n:02d}" for n in range(7, 2, -1)]
    newer = await listing.page(InvoiceFilter(search="fa-"), after=older.rows[0].id, limit=5)
    assert numbers(newer.rows) == numbers(page.rows)


async def test_a_refresh_reads_the_rows_on_screen_and_what_is_newer(
    app: Facturier, listing: InvoiceList, tmp_path: Path
) -> None:
    page = await listing.page(InvoiceFilter(), limit=3)
    top = page.rows[0].id
    assert not await listing.newer_than(InvoiceFilter(), top)
    file = invoice_file(tmp_path / "more", "FA-13", "Martin SARL", "C-2", today=TODAY)
    assert all(r.ok for r in await app.ingest.import_paths([file]))
    assert await listing.newer_than(InvoiceFilter(), top)
    assert not await listing.newer_than(InvoiceFilter(search="dupont"), top)
    await app.mark_paid("FA-12", by="test")
    again = await listing.rows([r.id for r in page.rows])
    assert [r.payment_state for r in again] == ["paid", "unpaid", "unpaid"]
    assert numbers(again) == numbers(page.rows)


def _terms(
    base: Settings, days_to_pay: int | None, sellers: tuple[tuple[str, int | None], ...] = ()
) -> Settings:
    """``base`` with the sellers' payment terms ``[reminders] days_to_pay`` and
    ``[[reminders.sellers]]`` (seller, its days)."""
    own = [SellerTerms(seller=s, country="FR", days_to_pay=d) for s, d in sellers]
    terms = base.reminders.model_copy(update={"days_to_pay": days_to_pay, "sellers": own})
    return base.model_copy(update={"reminders": terms})


async def test_an_invoice_stating_no_due_date_is_listed_and_overdue_by_its_sellers_terms(
    app: Facturier, tmp_path: Path
) -> None:
    """The list shows, and its "overdue" filter takes, the day the reminders count from: the
    invoice's own due date, else its seller's terms in the settings, the first entry that
    names it by VAT id or name (spaces and case aside), else ``[reminders] days_to_pay``.
    ACME SARL (FR32123456789) sells FA-20 (issued 20 days ago) and FA-21 (5 days ago), both
    stating no due date, and FA-22, due yesterday."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@c-1.example", (), None, "C-1"),
        changed_by="t",
    )
    files = [
        invoice_file(tmp_path / "in", number, issued_days_ago=ago, due_in_days=due, today=TODAY)
        for number, ago, due in (("FA-20", 20, None), ("FA-21", 5, None), ("FA-22", 20, -1))
    ]
    assert all(r.ok for r in await app.ingest.import_paths(files))
    base = app.ctx.settings
    cases: list[tuple[Settings | None, list[str]]] = [
        (None, ["FA-22"]),
        (_terms(base, None), ["FA-22"]),
        (_terms(base, 10), ["FA-22", "FA-20"]),
        (_terms(base, 30), ["FA-22"]),
        (_terms(base, None, (("acme sarl", 10),)), ["FA-22", "FA-20"]),
        (_terms(base, None, (("fr 32 123 456 789", 10),)), ["FA-22", "FA-20"]),
        (_terms(base, 30, (("Another Seller", 1),)), ["FA-22"]),
        (_terms(base, None, (("ACME SARL", 1),)), ["FA-22", "FA-21", "FA-20"]),
        (_terms(base, None, (("ACME SARL", 30), ("FR32123456789", 1))), ["FA-22"]),
        (_terms(base, 1, (("ACME SARL", None),)), ["FA-22", "FA-21", "FA-20"]),
    ]
    for settings, overdue in cases:
        listing = InvoiceList(app.ctx.sessions, settings)
        found = numbers((await listing.page(InvoiceFilter(overdue_on=TODAY))).rows)
        assert found == overdue, settings.reminders if settings else None
        for row in (await listing.page(InvoiceFilter())).rows:  # as the reminders count
            async with app.ctx.sessions() as session:
                invoice = await session.get(Invoice, row.id)
            assert invoice is not None
            by_terms = due_day(settings, invoice) if settings and not invoice.due_date else None
            assert row.due_by_terms == by_terms, row.number
            assert row.due_date == invoice.due_date  # its own, never the terms' day


@pytest.mark.parametrize(
    ("on_invoice", "in_settings"),
    [
        ("SOCIÉTÉ ÉLAN", "Société Élan"),  # SQLite's own lower folds only ASCII letters
        ("Müller Straßenbau GmbH", "MÜLLER STRASSENBAU GMBH"),  # ß in capitals is SS
        ("Εταιρεία Λόγος", "ΕΤΑΙΡΕΊΑ ΛΌΓΟΣ"),  # a final sigma folds as any sigma
    ],
)
async def test_a_seller_named_with_letters_beyond_ascii_is_found_case_aside(
    app: Facturier, tmp_path: Path, on_invoice: str, in_settings: str
) -> None:
    """A seller's name in the settings is compared with the invoice's as Python compares
    them (``str.casefold``: the reminders' rule), on both databases."""
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@c-1.example", (), None, "C-1"),
        changed_by="t",
    )
    file = invoice_file(tmp_path / "in", "FA-30", issued_days_ago=20, due_in_days=None)
    [result] = await app.ingest.import_paths([file])
    assert result.invoice_id is not None
    async with app.ctx.sessions() as session, session.begin():
        invoice = await session.get(Invoice, result.invoice_id)
        assert invoice is not None
        invoice.seller_name, invoice.seller_vat_id = on_invoice, None
    settings = _terms(app.ctx.settings, None, ((in_settings, 10),))
    listing = InvoiceList(app.ctx.sessions, settings)
    page = await listing.page(InvoiceFilter(overdue_on=date.today()))
    assert numbers(page.rows) == ["FA-30"]
    assert page.rows[0].due_by_terms == date.today() - timedelta(days=10)
