"""An invoice whose buyer fits several customers that nothing in it tells apart (one name, no
identifier or VAT id to choose by) goes to none of them, on SQLite and PostgreSQL: it waits
for a person to say which customer it is for, and who said so, when and why is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Settings
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.errors import ValidationError
from daemon.domain.event_words import shown
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import at_once, invoice_file

PARIS, LYON = "factures@dupont-paris.example", "factures@dupont-lyon.example"


async def _two_namesakes(app: Facturier) -> tuple[int, int]:
    ids = []
    for address, identifier in ((PARIS, "C-1"), (LYON, "C-2")):
        c = await app.customers.add(
            NewCustomer("Boulangerie Dupont", address, (), None, identifier, "fr"),
            changed_by="test",
        )
        assert c.id is not None
        ids.append(c.id)
    return ids[0], ids[1]


def _by_name_only(folder: Path, number: str, net: str = "100.00") -> Path:
    """An invoice to "Boulangerie Dupont" giving neither an identifier nor a VAT id."""
    return invoice_file(folder, number, "Boulangerie Dupont", "", vat=None, net=net)


async def test_an_invoice_fitting_two_customers_waits_for_a_person(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    paris, lyon = await _two_namesakes(app)
    [result] = await app.ingest.import_paths([_by_name_only(tmp_path / "in", "FA-1")])
    assert result.ok and result.customer_held and not result.held
    assert (
        f"its buyer fits several customers that nothing in it tells apart (#{paris}, #{lyon})"
        in (result.message)
    )
    assert "facturier buyers" in result.message
    await app.send_due()
    assert sandbox.received(PARIS) == [] and sandbox.received(LYON) == []  # neither guessed
    invoice = await app.queries.find_invoice("FA-1")
    assert invoice.state == "customer_to_choose" and invoice.customer_id is None
    assert result.invoice_id is not None

    [item] = [i for i in await app.attention.items() if i.kind == "customer-to-choose"]
    assert item.ref == result.invoice_id and "Boulangerie Dupont" in item.why
    [held] = await app.buyers.held()
    assert held.invoice_id == result.invoice_id
    assert held.candidates == (
        f"#{paris} Boulangerie Dupont (identifier C-1)",
        f"#{lyon} Boulangerie Dupont (identifier C-2)",
    )
    detail = await app.queries.invoice_detail(result.invoice_id)
    assert detail.fits == held.candidates
    [why] = [d[3] for d in detail.decisions if d[1] == "customer-held"]
    assert shown(why) == (
        f"its buyer Boulangerie Dupont fits customers #{paris}, #{lyon}, which nothing in it "
        "tells apart"
    )
    # a reminder run or a re-send does not send it either
    await app.reminders.run()
    with pytest.raises(ValidationError, match="customer to choose"):
        await app.resend(result.invoice_id, by="ana", reason="try", to=LYON)

    with pytest.raises(ValidationError, match="reason"):
        await app.buyers.choose(result.invoice_id, lyon, by="ana", reason=" ")
    chosen = await app.buyers.choose(
        result.invoice_id, lyon, by="ana", reason="the Lyon shop ordered it (phoned)"
    )
    assert chosen.state == "queued" and chosen.customer_id == lyon
    await app.send_due()
    assert len(sandbox.received(LYON)) == 1 and sandbox.received(PARIS) == []
    assert await app.buyers.held() == []
    assert not [i for i in await app.attention.items() if i.kind == "customer-to-choose"]
    detail = await app.queries.invoice_detail(result.invoice_id)
    [(by, why)] = [(d[2], d[3]) for d in detail.decisions if d[1] == "customer-chosen"]
    assert by == "ana"
    assert (
        shown(why) == f"for customer #{lyon} Boulangerie Dupont: the Lyon shop ordered it (phoned)"
    )
    i18n.use("fr")  # stored in English, read in each reader's language
    try:
        assert shown(why) == (
            f"pour le client #{lyon} Boulangerie Dupont : the Lyon shop ordered it (phoned)"
        )
    finally:
        i18n.use("en")
    with pytest.raises(ValidationError, match="not waiting for its customer"):
        await app.buyers.choose(result.invoice_id, paris, by="ana", reason="again")


async def test_what_tells_the_buyer_apart_still_chooses_alone(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """An identifier or a VAT id in the invoice, or the one customer of that name, decides:
    only the undecidable waits."""
    paris, lyon = await _two_namesakes(app)
    await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-2", "Boulangerie Dupont", "C-2", vat=None)]
    )
    assert (await app.queries.find_invoice("FA-2")).customer_id == lyon
    await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-3", "Atelier Martin", "", vat=None)]
    )
    martin = await app.queries.find_invoice("FA-3")
    assert martin.state == "needs_address" and martin.customer_id not in (paris, lyon)
    [result] = await app.ingest.import_paths(
        [invoice_file(tmp_path / "in", "FA-4", "Atelier Martin", "", vat=None)]
    )
    assert not result.customer_held
    assert (await app.queries.find_invoice("FA-4")).customer_id == martin.customer_id


async def test_a_held_possible_duplicate_waits_for_both_decisions(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """A second file of a held invoice is held against it; once its customer is chosen, the
    earlier file goes out and the second waits as a possible duplicate."""
    _paris, lyon = await _two_namesakes(app)
    [first] = await app.ingest.import_paths([_by_name_only(tmp_path / "a", "FA-5")])
    [second] = await app.ingest.import_paths([_by_name_only(tmp_path / "b", "FA-5", net="120.00")])
    assert first.customer_held and second.customer_held
    assert first.invoice_id is not None and second.invoice_id is not None
    await app.buyers.choose(first.invoice_id, lyon, by="ana", reason="Lyon's order")
    chosen = await app.buyers.choose(second.invoice_id, lyon, by="ana", reason="Lyon's order")
    assert chosen.state == "duplicate" and chosen.duplicate_of_id == first.invoice_id
    await app.send_due()
    assert len(sandbox.received(LYON)) == 1
    assert [p.held_id for p in await app.duplicates.held()] == [second.invoice_id]


async def test_two_people_choosing_at_once_one_choice_stands(
    app: Facturier, settings: Settings, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Two operators (two instances, two connections) choose different customers for one
    held invoice at the same moment: one choice is applied, the other is refused saying so,
    and the invoice goes out once, to the customer of the choice that stood."""
    paris, lyon = await _two_namesakes(app)
    [held] = await app.ingest.import_paths([_by_name_only(tmp_path / "in", "FA-6")])
    assert held.invoice_id is not None
    [chosen], refused = await at_once(
        app,
        settings,
        lambda mine: mine.buyers.choose(held.invoice_id or 0, paris, by="ana", reason="Paris"),
        lambda theirs: theirs.buyers.choose(held.invoice_id or 0, lyon, by="bob", reason="Lyon"),
    )
    assert len(refused) == 1 and isinstance(refused[0], ValidationError), refused
    await app.send_due()
    stood = PARIS if chosen.customer_id == paris else LYON
    assert len(sandbox.received(stood)) == 1
    assert sandbox.received(LYON if stood == PARIS else PARIS) == []
    assert (await app.queries.find_invoice("FA-6")).customer_id == chosen.customer_id


async def test_a_customer_the_buyer_does_not_fit_is_refused(
    app: Facturier, sandbox: SandboxServer, tmp_path: Path
) -> None:
    """#3 typed for #2: another company's invoice address would get it. Refused, naming the
    customers the buyer fits; nothing changes."""
    paris, lyon = await _two_namesakes(app)
    other = await app.customers.add(
        NewCustomer("Garage Leroy", "f@leroy.example", (), None, "C-3"), changed_by="test"
    )
    [held] = await app.ingest.import_paths([_by_name_only(tmp_path / "in", "FA-8")])
    assert held.invoice_id is not None and other.id is not None
    with pytest.raises(ValidationError) as refused:
        await app.buyers.choose(held.invoice_id, other.id, by="ana", reason="slip")
    said = str(refused.value)
    assert f"#{other.id} Garage Leroy (identifier C-3) is not one of the customers" in said
    assert f"#{paris} Boulangerie Dupont (identifier C-1)" in said and f"#{lyon} " in said
    assert (await app.queries.find_invoice("FA-8")).state == "customer_to_choose"
    await app.send_due()
    assert sandbox.received("f@leroy.example") == []
