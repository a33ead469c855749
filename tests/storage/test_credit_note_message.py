"""A credit note goes out as a credit note, on SQLite and PostgreSQL: its message says so and
names the invoice it corrects, in the customer's language, and never asks for a payment (nor
a payment reference, nor a date to pay by), to its invoice address and, marked, to a copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings
from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, parse

TO, COPY = "factures@dupont.example", "gerant@dupont.example"


async def _credit_note_sent(app: Facturier, tmp_path: Path, language: str) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", TO, (COPY,), None, "C-1", language), changed_by="test"
    )
    files = [
        invoice_file(tmp_path / "a", "FA-10", net="100.00"),
        invoice_file(
            tmp_path / "b", "AV-3", net="25.00", type_code="381", preceding="FA-10", name="AV.pdf"
        ),
    ]
    results = await app.ingest.import_paths(files)
    assert all(r.ok and not r.held for r in results), [r.message for r in results]
    await app.send_due()


def _message(sandbox: SandboxServer, address: str, number: str) -> tuple[str, str, str]:
    """The subject, plain text and HTML of the message about ``number`` to ``address``."""
    [m] = [parse(raw) for raw in sandbox.received(address) if number in parse(raw)["Subject"]]
    plain = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert plain is not None and html is not None
    return str(m["Subject"]), plain.get_content(), html.get_content()


@pytest.mark.parametrize(
    ("language", "subject", "says", "never"),
    [
        (
            "fr",
            "Avoir AV-3 d'ACME",
            "l'avoir AV-3 du ",
            ("à régler", "règlement", "la facture a été adressée"),
        ),
        ("en", "Credit note AV-3 from ACME", "credit note AV-3 dated ", ("payable", "payment")),
    ],
)
async def test_a_credit_note_is_sent_as_one_and_asks_for_no_payment(
    app: Facturier,
    settings: Settings,
    sandbox: SandboxServer,
    tmp_path: Path,
    language: str,
    subject: str,
    says: str,
    never: tuple[str, ...],
) -> None:
    await _credit_note_sent(app, tmp_path, language)
    said, plain, html = _message(sandbox, TO, "AV-3")
    assert said.startswith(subject), said
    assert says in plain and "FA-10" in plain, plain
    reference = (await app.queries.find_invoice("AV-3")).payment_reference
    for words in (*never, *([reference] if reference else [])):
        assert words not in plain and words not in html, (words, plain)
    # the invoice it corrects still asks to be paid
    _, invoice_text, _ = _message(sandbox, TO, "FA-10")
    assert ("à régler" if language == "fr" else "payable by") in invoice_text

    # and `facturier status AV-3` calls it what it is
    from daemon.app.invoice_view import detail_lines

    credit = await app.queries.find_invoice("AV-3")
    assert credit.id is not None
    heading = detail_lines(await app.queries.invoice_detail(credit.id), "en", app.zone)[0]
    assert heading.startswith("Credit note AV-3") and "credit note" in heading, heading

    copy_subject, copy_text, _ = _message(sandbox, COPY, "AV-3")
    assert copy_subject.startswith("[Duplicata / Copy]") and TO in copy_text
    assert ("l'avoir a été adressé à" if language == "fr" else "the credit note was") in copy_text
