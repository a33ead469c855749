"""The invoice list a page at a time (both databases): paging by key both ways without a row
lost or shown twice, filters that combine, and a search by any part of a number, a customer
or an amount, whichever way the database answers it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from daemon.app import invoice_list
from daemon.app.invoice_list import InvoiceFilter, InvoiceList
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
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
