"""Payments in, on SQLite and PostgreSQL: bank statements (camt.053, camt.054, CSV) matched to
invoices by reference, number, then amount and customer; partial payments add up; what
matches nothing or pays too much waits for a person; reversals; hostile statements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

import pytest

from config import Settings
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.errors import NotFoundError, ValidationError
from daemon.domain.payment_words import shown_how, shown_payment
from daemon.domain.payments import belgian_reference, rf_reference
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.camt import Credit, check_against_schema, notification_054, statement_053
from tests.helpers import at_once, invoice_file, parse


@pytest.fixture
async def billing(settings: Settings) -> AsyncIterator[Facturier]:
    """The services with RF references on each invoice."""
    settings = settings.model_copy(
        update={"payments": settings.payments.model_copy(update={"reference": "rf"})}
    )
    app = await Facturier.open(settings)
    try:
        yield app
    finally:
        await app.close()


async def _invoices(
    app: Facturier, tmp_path: Path, *numbers: str, nets: dict[str, str] | None = None
) -> dict[str, int]:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
        changed_by="test",
    )
    ids = {}
    for number in numbers:  # 100.00 net + 20 % VAT: 120.00 each, unless said
        net = (nets or {}).get(number, "100.00")
        [r] = await app.ingest.import_paths([invoice_file(tmp_path / "in", number, net=net)])
        assert r.ok and r.invoice_id, r.message
        ids[number] = r.invoice_id
    return ids


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


async def _owed(app: Facturier, invoice_id: int) -> tuple[str, Decimal]:
    inv = await app.queries.invoice(invoice_id)
    return inv.payment_state, inv.amount_due - inv.amount_paid - inv.amount_credited


async def test_a_statement_is_matched_each_way_and_says_how(
    billing: Facturier, tmp_path: Path
) -> None:
    ids = await _invoices(
        billing, tmp_path, "FA-21", "FA-22", "FA-23", "FA-24", nets={"FA-24": "200.00"}
    )
    reference = rf_reference("FA-21")
    assert reference is not None
    statement = statement_053(
        [
            Credit("120.00", reference=reference.replace(" ", ""), bank_ref="B-1"),
            Credit("50.00", text="Acompte facture FA-22, merci", bank_ref="B-2"),
            Credit("120.00", payer="Boulangerie Dupont", text="virement", bank_ref="B-3"),
            Credit("75.00", text="cotisation annuelle", bank_ref="B-4"),
            Credit("500.00", text="FA-24", bank_ref="B-5"),
            Credit("30.00", side="DBIT", bank_ref="B-6"),
        ]
    )
    check_against_schema(statement)
    [report] = await billing.payments.import_files(
        [_file(tmp_path, "stmt.xml", statement)], by="ana"
    )
    assert report.ok and report.kind == "camt.053"
    statuses = [o.status for o in report.outcomes]
    assert statuses.count("applied") == 3 and statuses.count("waiting") == 2
    assert statuses.count("skipped") == 1  # the debit
    assert await _owed(billing, ids["FA-21"]) == ("paid", Decimal("0.00"))
    assert await _owed(billing, ids["FA-22"]) == ("partial", Decimal("70.00"))
    # the third paid by amount and payer: the one invoice of that customer owing 120.00
    assert await _owed(billing, ids["FA-23"]) == ("paid", Decimal("0.00"))
    how = {n: how for p in await billing.payments.payments() for n, _, how in p.invoices}
    assert how["FA-21"].startswith("reference RF")
    assert how["FA-22"] == "number in the remittance text"
    assert how["FA-23"] == "amount and customer"
    waiting = await billing.attention.items()
    assert sorted(i.kind for i in waiting) == ["payment-waiting", "payment-waiting"]
    assert any("500.00" in i.why and "240.00 is owed" in i.why for i in waiting)

    # the same statement again changes nothing
    [again] = await billing.payments.import_files(
        [_file(tmp_path, "stmt-copy.xml", statement)], by="ana"
    )
    assert {o.status for o in again.outcomes} == {"already imported", "skipped"}
    assert await _owed(billing, ids["FA-22"]) == ("partial", Decimal("70.00"))

    # the rest of FA-22 arrives in a CSV export, decimal commas and semicolons
    csv_settings = billing.ctx.settings.payments.csv
    csv_settings.delimiter, csv_settings.decimal_comma = ";", True
    csv_settings.date_format = "%d/%m/%Y"
    rows = "date;amount;currency;reference;remittance;payer\n01/12/2026;70,00;EUR;;solde FA-22;\n"
    [csv_report] = await billing.payments.import_files(
        [_file(tmp_path, "bank.csv", rows.encode())], by="ana"
    )
    assert [o.status for o in csv_report.outcomes] == ["applied"]
    assert await _owed(billing, ids["FA-22"]) == ("paid", Decimal("0.00"))


async def test_a_waiting_payment_is_assigned_and_a_payment_reversed(
    billing: Facturier, tmp_path: Path
) -> None:
    ids = await _invoices(billing, tmp_path, "FA-31")
    [report] = await billing.payments.import_files(
        [_file(tmp_path, "n.xml", notification_054([Credit("120.00", text="?", bank_ref="N-1")]))],
        by="ana",
    )
    [waiting] = report.outcomes
    assert waiting.status == "waiting" and waiting.payment_id
    with pytest.raises(ValidationError, match="reason"):
        await billing.payments.assign(waiting.payment_id, [ids["FA-31"]], by="ana", reason="")
    await billing.payments.assign(
        waiting.payment_id, [ids["FA-31"]], by="ana", reason="customer called"
    )
    assert await _owed(billing, ids["FA-31"]) == ("paid", Decimal("0.00"))
    assert await billing.attention.items() == []
    # the day's camt.053 carries the same entry (same bank reference): nothing new
    [day] = await billing.payments.import_files(
        [_file(tmp_path, "s.xml", statement_053([Credit("120.00", text="?", bank_ref="N-1")]))],
        by="ana",
    )
    assert [o.status for o in day.outcomes] == ["already imported"]

    await billing.payments.reverse(waiting.payment_id, by="ana", reason="returned by the bank")
    assert await _owed(billing, ids["FA-31"]) == ("unpaid", Decimal("120.00"))
    [row] = await billing.payments.payments()
    assert row.status == "reversed" and row.reversal == "ana: returned by the bank"
    with pytest.raises(ValidationError, match="already"):
        await billing.payments.reverse(waiting.payment_id, by="ana", reason="again")


async def test_partial_payments_by_hand_add_up(app: Facturier, tmp_path: Path) -> None:
    ids = await _invoices(app, tmp_path, "FA-41")
    for amount in ("20.00", "30.50"):
        await app.payments.record_by_hand(
            ids["FA-41"],
            Decimal(amount),
            received_on=date(2026, 12, 1),
            reference=None,
            by="ana",
            reason="cheque",
        )
    assert await _owed(app, ids["FA-41"]) == ("partial", Decimal("69.50"))
    paid = await app.mark_paid("FA-41", by="ana")
    assert paid.payment_state == "paid" and paid.amount_paid == Decimal("120.00")


async def test_a_payment_typed_in_another_currency_is_refused(
    app: Facturier, tmp_path: Path
) -> None:
    """100 USD typed for a euro invoice is not recorded as 100 EUR."""
    ids = await _invoices(app, tmp_path, "FA-42")

    async def record(currency: str) -> None:
        await app.payments.record_by_hand(
            ids["FA-42"],
            Decimal("100"),
            received_on=date(2026, 12, 1),
            reference=None,
            by="ana",
            reason="wire",
            currency=currency,
        )

    with pytest.raises(ValidationError) as refused:
        await record("USD")
    assert "written in USD, but invoice FA-42 is in EUR" in str(refused.value)
    assert await _owed(app, ids["FA-42"]) == ("unpaid", Decimal("120.00"))
    await record("EUR")
    assert await _owed(app, ids["FA-42"]) == ("partial", Decimal("20.00"))


async def test_money_paid_beyond_what_an_invoice_owes_waits_for_a_person(
    app: Facturier, tmp_path: Path
) -> None:
    """An invoice paid twice (or a payment typed wrong) is in the queue with what is the
    customer's; a reversal of the wrong payment takes it out, a person's word on a refund
    too, and an invoice paid exactly is never there."""
    from daemon.app.invoice_view import detail_lines
    from daemon.domain.attention import AttentionKind

    ids = await _invoices(app, tmp_path, "FA-43", "FA-44")

    async def pay(number: str, amount: str) -> int:
        payment = await app.payments.record_by_hand(
            ids[number],
            Decimal(amount),
            received_on=date(2026, 12, 1),
            reference=None,
            by="ana",
            reason="wire",
        )
        assert payment.id is not None
        return payment.id

    async def overpaid() -> list[tuple[str | None, str]]:
        return [
            (i.invoice_number, i.why) for i in await app.attention.items(AttentionKind.OVERPAID)
        ]

    await pay("FA-44", "120.00")
    await pay("FA-43", "120.00")
    assert await overpaid() == []
    typo = await pay("FA-43", "1000.00")
    assert await overpaid() == [
        ("FA-43", "paid €1,120.00 for €120.00 owed: €1,000.00 is the customer's")
    ]
    heading = detail_lines(await app.queries.invoice_detail(ids["FA-43"]), "en", app.zone)[0]
    assert heading.endswith("paid, €1,000.00 more than it owed"), heading
    await app.payments.reverse(typo, by="ana", reason="typed 1000 for 100")
    assert await overpaid() == []

    await pay("FA-43", "120.00")  # the customer paid twice
    [item] = await app.attention.items(AttentionKind.OVERPAID)
    assert "€120.00 is the customer's" in item.why and "pay the difference back" in item.hint
    await app.attention.resolve(
        AttentionKind.OVERPAID, item.ref, by="ana", how="refunded by transfer on 2026-12-02"
    )
    assert await overpaid() == []
    assert await _owed(app, ids["FA-43"]) == ("paid", Decimal("-120.00"))
    await pay("FA-43", "10.00")  # paid again after that: asked again
    assert await overpaid() == [
        ("FA-43", "paid €250.00 for €120.00 owed: €130.00 is the customer's")
    ]


_CSV_HEAD = b"date,amount,currency,reference,remittance,payer\n"


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        (
            "other.xml",
            statement_053([Credit("1.00")]).replace(b"camt.053.001.02", b"camt.099.001.02"),
            "is not a camt.053 or camt.054",
        ),
        ("negative.xml", statement_053([Credit("-5.00")]), "not a positive amount"),
        # beyond what the books keep: rounded or refused by the database, never guessed
        ("fine.xml", statement_053([Credit("10.005")]), "not an amount in cents"),
        ("huge.xml", statement_053([Credit("1E+20")]), "not an amount in cents"),
        ("fine.csv", _CSV_HEAD + b"2026-12-01,10.005,EUR,,,\n", "not an amount in cents"),
        ("huge.csv", _CSV_HEAD + b"2026-12-01,1e9999,EUR,,,\n", "not an amount in cents"),
        # an amount written "1,234.50" unquoted where "," separates: a cell too many
        ("shifted.csv", _CSV_HEAD + b"2026-12-01,1,234.50,EUR,,,Dupont\n", "line 2: 7 cells"),
        ("broken.xml", b"<Document><unclosed>", "malformed XML"),
        ("bad.csv", b"when;what\n1;2\n", "no column 'date'"),
    ],
)
async def test_a_hostile_statement_is_refused_whole_with_its_reason(
    app: Facturier, tmp_path: Path, name: str, data: bytes, says: str
) -> None:
    await _invoices(app, tmp_path, "FA-51")
    [report] = await app.payments.import_files([_file(tmp_path, name, data)], by="ana")
    assert not report.ok and name in (report.error or "") and says in (report.error or "")
    assert await app.payments.payments() == []


@pytest.mark.parametrize(
    "data",
    [
        _CSV_HEAD.replace(b"\n", b",\n") + b"2026-12-01,12.50,EUR,,FA-53,,\n",  # ends in ","
        (_CSV_HEAD + b"2026-12-01,12.50,EUR,,FA-53,\n").replace(b"\n", b"\r"),  # Mac: CR
        (_CSV_HEAD + b"2026-12-01,12.50,EUR,,FA-53,\n").replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + _CSV_HEAD + b"2026-12-01,12.50,EUR,,FA-53,\n",  # Excel "CSV UTF-8"
    ],
    ids=["separator-ending-lines", "cr-line-ends", "crlf-line-ends", "utf8-byte-order-mark"],
)
async def test_a_csv_export_as_banks_write_them_is_read(
    app: Facturier, tmp_path: Path, data: bytes
) -> None:
    """Lines that end in a separator, or in CR alone (an older Mac export), are lines; a
    byte-order mark first (Excel's "CSV UTF-8") does not make the file XML."""
    ids = await _invoices(app, tmp_path, "FA-53")
    [report] = await app.payments.import_files([_file(tmp_path, "bank.csv", data)], by="ana")
    assert report.ok, report.error
    assert [o.status for o in report.outcomes] == ["applied"]
    assert await _owed(app, ids["FA-53"]) == ("partial", Decimal("107.50"))


async def test_a_csv_export_without_optional_columns_is_read_once_they_are_said_absent(
    app: Facturier, tmp_path: Path
) -> None:
    """A bank's export with no currency, reference or payer column is refused with how to say
    so (TOML has no null: an empty name), and read once the admin has said it."""
    ids = await _invoices(app, tmp_path, "FA-54")
    bank = _file(tmp_path, "bank.csv", b"date,amount,remittance\n2026-12-01,12.50,FA-54\n")
    [refused] = await app.payments.import_files([bank], by="ana")
    assert not refused.ok and "no column 'currency', 'reference', 'payer'" in (refused.error or "")
    assert 'currency = "", reference = "", payer = ""' in (refused.error or ""), refused.error
    assert await app.payments.payments() == []

    app.payments.settings = app.payments.settings.model_copy(
        update={
            "csv": app.payments.settings.csv.model_copy(
                update={"currency": "", "reference": "", "payer": ""}
            )
        }
    )
    [report] = await app.payments.import_files([bank], by="ana")
    assert report.ok, report.error
    assert [o.status for o in report.outcomes] == ["applied"]
    assert await _owed(app, ids["FA-54"]) == ("partial", Decimal("107.50"))


@pytest.mark.parametrize("typed", ["1e9999", "10.005", "1E+17", "NaN", "Infinity"])
async def test_a_payment_by_hand_of_no_amount_in_cents_is_refused_and_records_nothing(
    app: Facturier, tmp_path: Path, typed: str
) -> None:
    """What an operator types is checked before it is kept: one line saying why, no
    payment recorded, the invoice still owing all of it."""
    ids = await _invoices(app, tmp_path, "FA-52")
    with pytest.raises(ValidationError, match=r"not an amount in cents|is not a payment"):
        await app.payments.record_by_hand(
            ids["FA-52"], Decimal(typed), received_on=date.today(), reference=None,
            by="ana", reason="typed",
        )  # fmt: skip
    assert await app.payments.payments() == []
    assert await _owed(app, ids["FA-52"]) == ("unpaid", Decimal("120.00"))


async def test_the_invoices_own_payment_reference_is_matched(
    app: Facturier, tmp_path: Path
) -> None:
    """A file that asks payers to quote its own reference (BT-83): a payment quoting it
    is that invoice's, whatever its number."""
    await _invoices(app, tmp_path, "FA-91")
    file = invoice_file(tmp_path / "own", "FA-92", remittance="CMD-778812")
    [r] = await app.ingest.import_paths([file])
    assert r.invoice_id is not None
    statement = statement_053([Credit("120.00", text="virement CMD-778812", bank_ref="O-1")])
    [report] = await app.payments.import_files([_file(tmp_path, "o.xml", statement)], by="ana")
    [outcome] = report.outcomes
    assert outcome.status == "applied" and "BT-83" in outcome.detail and "FA-92" in outcome.detail
    assert await _owed(app, r.invoice_id) == ("paid", Decimal("0.00"))


async def test_duplicated_entries_and_another_currency(app: Facturier, tmp_path: Path) -> None:
    ids = await _invoices(app, tmp_path, "FA-61")
    statement = statement_053(
        [
            Credit("60.00", text="FA-61", bank_ref="D-1"),
            Credit("60.00", text="FA-61", bank_ref="D-1"),  # the bank listed it twice
            Credit("60.00", text="FA-61", currency="USD", bank_ref="D-2"),
        ]
    )
    check_against_schema(statement)
    [report] = await app.payments.import_files([_file(tmp_path, "d.xml", statement)], by="ana")
    assert [o.status for o in report.outcomes] == ["applied", "already imported", "waiting"]
    assert "another currency" in report.outcomes[2].detail
    assert await _owed(app, ids["FA-61"]) == ("partial", Decimal("60.00"))


async def test_the_invoice_email_asks_for_its_reference_and_a_reminder_shows_the_balance(
    billing: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await billing.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
        changed_by="test",
    )
    late = invoice_file(tmp_path / "in", "FA-71", issued_days_ago=60, due_in_days=-30)
    [r] = await billing.ingest.import_paths([late])
    assert r.invoice_id is not None
    await billing.send_due()
    [sent] = sandbox.received("factures@dupont.example")
    reference = rf_reference("FA-71")
    assert reference is not None and reference.encode() in sent
    await billing.payments.record_by_hand(
        r.invoice_id,
        Decimal("20.00"),
        received_on=date.today(),
        reference=None,
        by="ana",
        reason="cheque",
    )
    assert (await billing.reminders.run()).queued == 1  # partly paid is still owed
    await billing.send_due()
    texts = [
        parse(m).get_body(("plain",)).get_content()  # type: ignore[union-attr]
        for m in sandbox.received("factures@dupont.example")
    ]
    [text] = [t for t in texts if "jours de retard" in t]
    assert "solde restant dû 100,00" in text and reference in text


async def test_a_belgian_structured_communication_pays_its_invoice(
    settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """With reference = "belgian", each invoice email asks for +++…+++ made from the number;
    a payment quoting it (as banks print it, with asterisks) is that invoice's."""
    settings = settings.model_copy(
        update={"payments": settings.payments.model_copy(update={"reference": "belgian"})}
    )
    app = await Facturier.open(settings)
    try:
        ids = await _invoices(app, tmp_path, "FA-2026-0042")
        await app.send_due()
        reference = belgian_reference("FA-2026-0042")
        assert reference is not None
        [sent] = sandbox.received("factures@dupont.example")
        assert reference.encode() in sent
        quoted = reference.replace("+++", "***")
        statement = statement_053([Credit("120.00", reference=quoted, bank_ref="BE-1")])
        [report] = await app.payments.import_files([_file(tmp_path, "be.xml", statement)], by="a")
        [outcome] = report.outcomes
        assert outcome.status == "applied" and outcome.detail.startswith(f"reference {reference}")
        assert await _owed(app, ids["FA-2026-0042"]) == ("paid", Decimal("0.00"))
    finally:
        await app.close()


async def test_each_operator_reads_a_payment_in_their_own_language(
    billing: Facturier, tmp_path: Path
) -> None:
    """A statement imported by an operator who reads English, then read by one who reads
    French (and the other way round): why a payment waits, how one was matched and the
    note it left on its invoice are each said in the reader's language, not the
    importer's."""
    ids = await _invoices(billing, tmp_path, "FA-41", "FA-42")
    reference = rf_reference("FA-41")
    assert reference is not None
    i18n.use("en")
    [english] = await billing.payments.import_files(
        [
            _file(
                tmp_path,
                "en.xml",
                statement_053(
                    [
                        Credit("120.00", reference=reference.replace(" ", ""), bank_ref="E-1"),
                        Credit("75.00", text="cotisation annuelle", bank_ref="E-2"),
                    ]
                ),
            )
        ],
        by="ann",
    )
    assert [o.detail for o in english.outcomes][1] == "matches no invoice: assign it by hand"
    i18n.use("fr")
    [french] = await billing.payments.import_files(
        [_file(tmp_path, "fr.xml", statement_053([Credit("99.00", text="?", bank_ref="F-1")]))],
        by="anne",
    )
    assert french.outcomes[0].detail == "ne correspond à aucune facture : imputez-le à la main"
    waiting = [i.why for i in await billing.attention.items()]
    assert len(waiting) == 2 and all(
        w.endswith(": ne correspond à aucune facture : imputez-le à la main") for w in waiting
    ), waiting
    how = {n: how for p in await billing.payments.payments() for n, _, how in p.invoices}
    assert shown_how(how["FA-41"]) == f"référence {reference}"
    detail = await billing.queries.invoice_detail(ids["FA-41"])
    [(_, _, _, note)] = [d for d in detail.decisions if d[1] == "payment-applied"]
    assert shown_payment(note) == f"120,00 EUR (référence {reference})"
    i18n.use("en")
    waiting = [i.why for i in await billing.attention.items()]
    assert all(w.endswith(": matches no invoice: assign it by hand") for w in waiting), waiting


async def test_paying_an_invoice_already_paid_says_so(app: Facturier, tmp_path: Path) -> None:
    """`facturier paid` twice said "amount: 0.00 is not a payment (invoice FA-54 owes
    0.00)": an amount nobody typed, in no one's format."""
    ids = await _invoices(app, tmp_path, "FA-54")
    hand = dict(received_on=date.today(), reference=None, by="ana", reason="phoned")
    await app.payments.record_by_hand(ids["FA-54"], None, **hand)  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as refused:
        await app.payments.record_by_hand(ids["FA-54"], None, **hand)  # type: ignore[arg-type]
    assert str(refused.value) == (
        "invoice FA-54 is already paid: it owes nothing (payments list shows what paid it)"
    )
    assert len(await app.payments.payments()) == 1
    # a negative amount typed is named with what the invoice owes, as money
    with pytest.raises(ValidationError, match=r"owes €0\.00\)"):
        await app.payments.record_by_hand(ids["FA-54"], Decimal("-5"), **hand)  # type: ignore[arg-type]


async def test_one_waiting_payment_assigned_by_two_people_at_once_counts_once(
    app: Facturier, settings: Settings, tmp_path: Path
) -> None:
    """Two operators (two instances) assign the same waiting 120.00 to two invoices at the
    same moment: one assignment stands, the other is refused saying so; the money is counted
    once. Both applied, it paid both invoices. Reversed by both at once: one reversal."""
    ids = await _invoices(app, tmp_path, "FA-51", "FA-52")
    [report] = await app.payments.import_files(
        [_file(tmp_path, "n.xml", notification_054([Credit("120.00", text="?", bank_ref="N-5")]))],
        by="ana",
    )
    [waiting] = report.outcomes
    assert waiting.payment_id is not None
    payment = waiting.payment_id
    _done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.payments.assign(payment, [ids["FA-51"]], by="ana", reason="called"),
        lambda theirs: theirs.payments.assign(payment, [ids["FA-52"]], by="bob", reason="mail"),
    )
    assert len(refused) == 1 and "meanwhile" in str(refused[0]), refused
    owed = [await _owed(app, ids[n]) for n in ("FA-51", "FA-52")]
    assert sorted(owed) == [("paid", Decimal("0.00")), ("unpaid", Decimal("120.00"))]
    _done, refused = await at_once(
        app,
        settings,
        lambda mine: mine.payments.reverse(payment, by="ana", reason="returned"),
        lambda theirs: theirs.payments.reverse(payment, by="bob", reason="returned"),
    )
    assert len(refused) == 1, refused
    owed = [await _owed(app, ids[n]) for n in ("FA-51", "FA-52")]
    assert owed == [("unpaid", Decimal("120.00"))] * 2


async def test_an_invoice_named_with_a_number_past_any_id_is_not_found(
    app: Facturier, tmp_path: Path
) -> None:
    """'FA-61 #99999999999' (past what an id column holds on PostgreSQL) is no such invoice,
    said as such, not a database error."""
    ids = await _invoices(app, tmp_path, "FA-61")
    assert (await app.queries.find_invoice_named(f"FA-61 #{ids['FA-61']}")).number == "FA-61"
    for wrong in ("FA-61 #99999999999", "FA-61 #2147483648"):
        with pytest.raises(NotFoundError, match="no invoice numbered"):
            await app.queries.find_invoice_named(wrong)


async def test_a_payment_naming_an_invoice_set_aside_says_what_to_decide_first(
    billing: Facturier, tmp_path: Path
) -> None:
    """A bank transfer naming an invoice held for its amounts waits, and says which invoice
    and what to decide first: it did say it matched no invoice, though it named one."""
    await _invoices(billing, tmp_path, "FA-41")
    held = invoice_file(tmp_path / "in", "FA-42", net="100.00", quantity="3", unit_price="30.00")
    [r] = await billing.ingest.import_paths([held])
    assert r.ok and r.amounts_held
    [report] = await billing.payments.import_files(
        [_file(tmp_path, "n.xml", notification_054([Credit("120.00", text="VIR FA-42")]))],
        by="ana",
    )
    [waiting] = report.outcomes
    assert waiting.status == "waiting"
    said = "invoice FA-42 is held because its amounts do not add up: decide it first"
    assert said in waiting.detail, waiting.detail
    [payment] = [p for p in await billing.payments.payments() if p.id == waiting.payment_id]
    i18n.use("fr")
    try:  # stored in English, read in French
        assert "la facture FA-42" in shown_payment(payment.waiting_reason), payment
    finally:
        i18n.use("en")


class _LateEveningInUTC(datetime):
    """The clock at 23:30 UTC on the machine's day: already the next day in Paris."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _LateEveningInUTC:
        at = datetime.combine(date.today(), time(23, 30), tzinfo=UTC)
        moment = at.astimezone(tz) if tz is not None else at.replace(tzinfo=None)
        return cls.fromtimestamp(moment.timestamp(), moment.tzinfo)


async def test_today_is_the_businesss_day_in_its_time_zone_not_the_machines(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Paris business on a machine that keeps UTC: at 23:30 UTC it is tomorrow in Paris. A
    payment received that day is recorded (not refused as in the future), and an invoice due
    7 days before it is reached by the 7-day reminder, as the operator counts the days."""
    monkeypatch.setattr("config.settings.datetime", _LateEveningInUTC)
    settings = settings.model_copy(
        update={"schedule": settings.schedule.model_copy(update={"timezone": "Europe/Paris"})}
    )
    paris_today = date.today() + timedelta(days=1)
    app = await Facturier.open(settings)
    try:
        assert app.today() == paris_today
        ids = await _invoices(app, tmp_path, "FA-81")
        late = invoice_file(tmp_path / "late", "FA-82", issued_days_ago=30, due_in_days=-6)
        [r] = await app.ingest.import_paths([late])
        assert r.invoice_id is not None
        await app.payments.record_by_hand(
            ids["FA-81"], None, received_on=paris_today, reference=None, by="ana", reason="cheque"
        )
        with pytest.raises(ValidationError, match="in the future"):
            await app.payments.record_by_hand(
                ids["FA-81"],
                Decimal("1.00"),
                received_on=paris_today + timedelta(days=1),
                reference=None,
                by="ana",
                reason="cheque",
            )
        # (never sent, so its reminder is held: it is reached all the same)
        report = await app.reminders.run(dry_run=True)
        reached = [(h.invoice, h.level) for h in report.held_back]
        reached += [(n, s.level) for s in report.sent for n in s.invoices]
        assert reached == [("FA-82", 1)]
    finally:
        await app.close()


@pytest.mark.parametrize(("days_to_pay", "paid"), [(None, "FA-40"), (60, "FA-41")])
async def test_a_payment_short_of_two_invoices_goes_to_the_one_due_first(
    settings: Settings, tmp_path: Path, days_to_pay: int | None, paid: str
) -> None:
    """A payment naming two invoices and paying one goes to the one due first, by the day
    reminders count from: FA-40, issued 30 days ago, states no due date; FA-41, issued
    yesterday, is due in 5 days. With no seller's terms FA-40 is taken as due when issued;
    with 60 days to pay it is due in 30 days, after FA-41."""
    terms = settings.reminders.model_copy(update={"days_to_pay": days_to_pay})
    app = await Facturier.open(settings.model_copy(update={"reminders": terms}))
    try:
        await app.customers.add(
            NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1", "fr"),
            changed_by="test",
        )
        ids = {}
        for number, issued, due in (("FA-40", 30, None), ("FA-41", 1, 5)):
            file = invoice_file(tmp_path / "in", number, issued_days_ago=issued, due_in_days=due)
            [r] = await app.ingest.import_paths([file])
            assert r.ok and r.invoice_id, r.message
            ids[number] = r.invoice_id
        credit = Credit("120.00", text="FA-40 FA-41", bank_ref="N-40")
        [report] = await app.payments.import_files(
            [_file(tmp_path, "n.xml", notification_054([credit]))], by="ana"
        )
        assert [o.status for o in report.outcomes] == ["applied"], report.outcomes
        unpaid = ({"FA-40", "FA-41"} - {paid}).pop()
        assert await _owed(app, ids[paid]) == ("paid", Decimal("0.00"))
        assert await _owed(app, ids[unpaid]) == ("unpaid", Decimal("120.00"))
    finally:
        await app.close()
