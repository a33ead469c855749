"""The TUI on real data made through the service layer and the sandbox relay."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, DataTable, Input, Label, Static
from textual.worker import WorkerCancelled

from config import Settings, load_settings
from daemon.app.context import AppContext
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.formatting import day
from daemon.intake.customers import NewCustomer
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, write_config
from tui.app import FacturierApp
from tui.customers import CustomersScreen
from tui.screens import InvoiceScreen

FIXED_DAY = date(2026, 3, 2)


async def _populate(settings: Settings, folder: Path) -> None:
    app = await Facturier.open(settings)
    try:
        await app.customers.add(
            NewCustomer(
                "Boulangerie Dupont",
                "factures@dupont.example",
                ("gerant@dupont.example",),
                None,
                "C-1",
            ),
            changed_by="alice",
            reason="onboarding",
        )
        await app.customers.add(
            NewCustomer("Atelier Martin", "compta@martin.invalid", (), None, "C-2"),
            changed_by="alice",
            reason="onboarding",
        )
        await app.customers.add(
            NewCustomer("Garage Leroy", "f@greylist.example", (), None, "C-3", "en"),
            changed_by="bob",
            reason="onboarding",
        )
        files = [
            invoice_file(folder, "FA-0001", "Boulangerie Dupont", "C-1", today=FIXED_DAY),
            invoice_file(folder, "FA-0002", "Atelier Martin", "C-2", net="480.50", today=FIXED_DAY),
            invoice_file(folder, "FA-0003", "Garage Leroy", "C-3", net="3999.99", today=FIXED_DAY),
            invoice_file(
                folder, "FA-0004", "Librairie Nouvelle", "C-4", net="89.90", today=FIXED_DAY
            ),
        ]
        await app.ingest.import_paths(files)
        await app.send_due()
        await app.poll_bounces()
        await _at_a_fixed_time(app)
    finally:
        await app.close()


async def _at_a_fixed_time(app: Facturier) -> None:
    """Every time the screens show set to one moment, so that snapshots hold on any day."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from daemon.domain.models import CustomerAddress, Delivery, Invoice

    moment = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    async with app.ctx.sessions() as session, session.begin():
        for table, columns in (
            (Invoice, ("imported_at",)),
            (Delivery, ("created_at", "updated_at")),
            (CustomerAddress, ("created_at",)),
        ):
            await session.exec(update(table).values({c: moment for c in columns}))  # type: ignore[call-overload]


@pytest.fixture
def tui_settings(tmp_path: Path) -> Any:
    sandbox = SandboxServer(
        tmp_path / "mail" / "customers",
        tmp_path / "mail" / "bounces",
        defer_domains={"greylist.example"},
    ).start()
    try:
        settings = load_settings(
            write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}", sandbox.port)
        )
        asyncio.run(_populate(settings, tmp_path / "in"))
    finally:
        sandbox.stop()
    return _speaking(settings, "en")  # the behaviour tests read English; snapshots say which


def _speaking(settings: Settings, language: str) -> Settings:
    """``settings`` for an operator who reads ``language``."""
    return settings.model_copy(update={"ui": settings.ui.model_copy(update={"language": language})})


_opened: list[Facturier] = []


@pytest.fixture(autouse=True)
async def _services_closed() -> AsyncIterator[None]:
    """Each app's services closed after its test, also one that failed before it closed them:
    the classifier's process left running would keep the test run from ever exiting."""
    yield
    while _opened:
        await _opened.pop().close()


def make_app(settings: Settings, refresh_seconds: float | None = None) -> FacturierApp:
    services = Facturier(AppContext.from_settings(settings))
    _opened.append(services)
    return FacturierApp(services, refresh_seconds=refresh_seconds)


async def _settled(pilot: Any) -> None:
    """Wait until the loaders and actions started by the last keys, and the reloads they
    start in turn, are done (however slow the machine)."""
    for _ in range(4):
        await pilot.pause(0.05)
        for worker in list(pilot.app.workers):
            # a live look cancelled by the next one (an exclusive worker) is done too
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
    # a table sizes its columns to new rows when it is next idle, which a loaded machine
    # may not reach for a while: until none has rows or cells waiting to be measured
    for _ in range(200):
        tables = pilot.app.screen.query(DataTable)
        if not any(t._require_update_dimensions or t._updated_cells for t in tables):
            break
        await pilot.pause(0.05)
    # then until two frames 0.05 s apart are the same: on a loaded machine a table's rows
    # can come a frame before its columns are sized to them
    before = None
    for _ in range(20):
        await pilot.pause(0.05)
        now = pilot.app.export_screenshot()
        if now == before:
            break
        before = now


async def _to_invoices(pilot: Any) -> None:
    """From the home screen to the invoice list, loaded."""
    await _settled(pilot)
    await pilot.press("i")
    await _settled(pilot)


def _kinds(table: DataTable[Any]) -> list[str]:
    """The queue's kinds of item (its What column reads them in the operator's words)."""
    from daemon.domain.attention import AttentionKind
    from daemon.domain.labels import kind_label

    said = {kind_label(k.value): k.value for k in AttentionKind}
    return [said[label] for label in _column(table, 1)]


def _column(table: DataTable[Any], index: int) -> list[str]:
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


async def test_invoice_list_filter_and_timeline(tui_settings: Settings) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)
        table = app.screen.query_one("#invoices", DataTable)
        assert _column(table, 0) == ["FA-0004", "FA-0003", "FA-0002", "FA-0001"]  # newest first
        states = _column(table, 4)
        assert "delivered" in states[3] and "bounced" in states[2]
        assert "deferred" in states[1] and "needs address" in states[0]

        await pilot.press("f")  # needs_address
        await _settled(pilot)
        assert _column(app.screen.query_one("#invoices", DataTable), 0) == ["FA-0004"]
        # needs_address → queued → sending → accepted → deferred → delivered → failed → bounced
        for _ in range(7):
            await pilot.press("f")
        await _settled(pilot)
        assert _column(app.screen.query_one("#invoices", DataTable), 0) == ["FA-0002"]

        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        timeline = app.screen.query_one("#timeline", DataTable)
        events = _column(timeline, 2)
        assert events[:3] == ["queued", "sending", "archived"] and "bounced" in events
        bounce_row = events.index("bounced")
        assert "5.4.4" in _column(timeline, 4)[bounce_row]
        assert "Host or domain name not found" in _column(timeline, 5)[bounce_row]
        await pilot.press("escape")
        await pilot.pause(0.2)
        await app.services.close()


async def test_customers_screen_shows_address_history(tui_settings: Settings) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        assert isinstance(app.screen, CustomersScreen)
        addresses = app.screen.query_one("#addresses", DataTable)
        row = _column(addresses, 1).index("compta@martin.invalid")
        assert "undeliverable" in _column(addresses, 2)[row]
        history = app.screen.query_one("#history", DataTable)
        changes = list(
            zip(_column(history, 2), _column(history, 5), _column(history, 6), strict=True)
        )
        [marked] = [c for c in changes if c[0] == "undeliverable"]
        assert marked[1] == "facturier" and marked[2].startswith("bounce:")
        assert ("invoice address", "alice", "cli") in changes
        await app.services.close()


async def test_times_are_shown_in_the_businesss_time_zone_which_the_column_names(
    tui_settings: Settings,
) -> None:
    """An operator in Tokyo reads Tokyo's time (the database keeps UTC), and the column says
    which zone it is."""
    schedule = tui_settings.schedule.model_copy(update={"timezone": "Asia/Tokyo"})
    app = make_app(tui_settings.model_copy(update={"schedule": schedule}))
    async with app.run_test(size=(160, 40)) as pilot:
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        history = app.screen.query_one("#history", DataTable)
        assert str(history.ordered_columns[0].label) == "When (Asia/Tokyo)"
        stored = [h.at for c in await app.services.queries.customers() for h in c.history]
        tokyo = [f"{at.astimezone(UTC) + timedelta(hours=9):%Y-%m-%d %H:%M}" for at in stored]
        assert _column(history, 0) == tokyo
        await app.services.close()


async def _frozen(pilot: Any) -> None:
    """Every time the timeline and the logs show set to one moment (a snapshot holds on any
    day; the figures screen, which counts the last 30 days, is tested without it)."""
    from datetime import UTC, datetime

    from sqlalchemy import func, text, update
    from sqlmodel import col

    from daemon.domain.models import AddressChange, DeliveryEvent, InboundMessage, Invoice

    moment = datetime(2026, 3, 2, 9, 31, tzinfo=UTC)
    async with pilot.app.services.ctx.sessions() as session, session.begin():
        # the log is append-only in the database itself: the snapshot's clock goes past it
        await session.exec(text("DROP TRIGGER IF EXISTS address_changes_no_update"))  # type: ignore[call-overload]
        for table, column in (
            (DeliveryEvent, "at"),
            (AddressChange, "changed_at"),
            (InboundMessage, "received_at"),
        ):
            await session.exec(update(table).values({column: moment}))  # type: ignore[call-overload]
        # and what differs from run to run: the relay's queue ids, the chain's hashes, the
        # sample files' bytes
        await session.exec(
            update(DeliveryEvent)  # type: ignore[call-overload]
            .where(col(DeliveryEvent.event).in_(["archived", "accepted"]))
            .values(text="(varies from run to run)")
        )
        await session.exec(
            update(Invoice).values(file_sha256=func.printf("%064d", Invoice.id))  # type: ignore[call-overload]
        )


async def _to_invoice(pilot: Any) -> None:
    """The invoice screen of FA-0002 (bounced)."""
    await _frozen(pilot)
    await _to_invoices(pilot)
    await pilot.press("down", "down", "enter")
    await _settled(pilot)


async def _to_customers(pilot: Any) -> None:
    await _frozen(pilot)
    await _settled(pilot)
    await pilot.press("c")
    await _settled(pilot)


async def _to_duplicate(pilot: Any) -> None:
    """A re-exported FA-0001 (another amount) held as a possible duplicate, side by side."""
    services = pilot.app.services
    folder = Path(services.ctx.settings.ingest.store).parent / "again"
    again = invoice_file(
        folder,
        "FA-0001",
        "Boulangerie Dupont",
        "C-1",
        net="110.00",
        today=FIXED_DAY,
        name="FA-0001-v2.pdf",
    )
    [held] = await services.ingest.import_paths([again])
    assert held.held
    await _frozen(pilot)
    pilot.app.action_refresh()
    await _settled(pilot)
    await _select(pilot.app, "possible-duplicate")
    await pilot.press("enter")
    await _settled(pilot)


async def _to_figures(pilot: Any) -> None:
    """The figures of the day the sample's events are set to (the clock is set to it)."""
    await _frozen(pilot)
    await _settled(pilot)
    await pilot.press("g")
    await _settled(pilot)


async def _to_message(pilot: Any) -> None:
    """The message FA-0001 was sent as, read back from the archive."""
    await _frozen(pilot)
    await _to_invoices(pilot)
    await pilot.press("down", "down", "down", "enter")
    await _settled(pilot)
    await pilot.press("o")
    await _settled(pilot)
    # what differs from run to run, set to one value: the time it was sent, its Message-ID
    # and so its digest (the archive's own bytes are checked elsewhere)
    shown = pilot.app.screen.query_one("#message", Static)
    text = str(shown.content)
    assert "Message-ID:" in text and "FA-0001.pdf" in text
    for pattern, fixed in (
        (r"sha256 [0-9a-f]{16}", "sha256 " + "0" * 16),
        (r"(Date:\[/b\] ).*", r"\g<1>Mon, 02 Mar 2026 09:31:00 -0000"),
        (r"<[0-9a-f]{40}@", "<" + "0" * 40 + "@"),
    ):
        text = re.sub(pattern, fixed, text)
    shown.update(text)
    await _settled(pilot)


async def _to_original(pilot: Any) -> None:
    """The bounce FA-0002 came back with, as received (the sandbox's DSN: its dates, ids and
    digests, which differ from run to run, set to one value)."""
    await _to_invoice(pilot)
    await pilot.press("b")
    await _settled(pilot)
    shown = pilot.app.screen.query_one("#message", Static)
    text = str(shown.content)
    assert "compta@martin.invalid" in text
    for pattern, fixed in (
        (
            r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d+ \w+ \d{4} [\d:]+ [+-]\d{4}",
            "Mon, 02 Mar 2026 09:31:00 +0000",
        ),
        (r"(Message-ID: <)[^@>]+", r"\g<1>0"),
        (r"[0-9A-Fa-f]{10,}", "0" * 10),
        (r"\.[0-9a-f]+/sandbox", ".0/sandbox"),
        (r"\d+ bytes", "N bytes"),
    ):
        text = re.sub(pattern, fixed, text)
    shown.update(text)
    await _settled(pilot)


async def _steady_cursors(pilot: Any) -> None:
    """A dialog's text cursors shown, not blinking: a snapshot taken mid-blink differs."""
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await _settled(pilot)


async def _to_filter_dialog(pilot: Any) -> None:
    """The filters of the invoice list, over it."""
    await _to_invoices(pilot)
    await pilot.press("F")
    await _settled(pilot)
    await _steady_cursors(pilot)


async def _to_action_dialog(pilot: Any) -> None:
    """An action that asks why: recording a payment on FA-0002."""
    await _to_invoice(pilot)
    await pilot.press("P")
    await _settled(pilot)
    await _steady_cursors(pilot)


SCREENS = {
    "queue": ((130, 16), _settled),
    "duplicate": ((120, 28), _to_duplicate),
    "invoices": ((110, 14), _to_invoices),
    "invoice": ((130, 24), _to_invoice),
    "customers": ((150, 22), _to_customers),
    "figures": ((120, 44), _to_figures),
    "message": ((120, 40), _to_message),
    "original": ((120, 40), _to_original),
    "filter-dialog": ((110, 30), _to_filter_dialog),
    "action-dialog": ((110, 30), _to_action_dialog),
}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_each_screen_in_each_language(
    tui_settings: Settings,
    snap_compare: Any,
    screen: str,
    language: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every screen as a French and as an English operator reads it: words, amounts
    (4 799,99 € / €4,799.99) and dates."""
    from datetime import UTC, datetime

    # the figures count the last 30 days: of the day the sample's events are set to
    monkeypatch.setattr("daemon.app.figures.utcnow", lambda: datetime(2026, 3, 2, 12, tzinfo=UTC))
    size, run_before = SCREENS[screen]
    app = make_app(_speaking(tui_settings, language))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


async def test_the_home_screen_is_what_needs_a_person(tui_settings: Settings) -> None:
    """The queue shows the hard bounce, the invoice without an address and the undeliverable
    address, each with what to do; enter opens the invoice, k filters by kind."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        table = app.screen.query_one("#queue", DataTable)
        kinds = set(_kinds(table))
        assert {"hard-bounce", "no-address", "undeliverable-address"} <= kinds
        assert "What to do" in str(app.screen.query_one("#hint").render())
        row = _kinds(table).index("hard-bounce")
        assert _column(table, 2)[row] == "FA-0002"
        await pilot.press("k", "k")  # all → no-address → hard-bounce
        await _settled(pilot)
        table = app.screen.query_one("#queue", DataTable)
        assert _kinds(table) == ["hard-bounce"]
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        await app.services.close()


async def test_markup_in_imported_text_is_shown_as_text(tmp_path: Path) -> None:
    """An invoice number, a buyer and a file name holding Rich markup are shown as they
    are: no crash at start-up, no hidden link, no clickable action."""
    from decimal import Decimal

    from daemon.app.demo_samples import SampleInvoice, sample_pdf

    number, buyer = "FA-[/b]-1", "[@click=app.quit]Dupont[/] [link=http://evil.example]x[/link]"
    settings = _speaking(
        load_settings(write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")), "en"
    )
    pdf = tmp_path / "in" / "[b]markup.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(
        sample_pdf(
            SampleInvoice(number, buyer, "C-9", None, FIXED_DAY, FIXED_DAY, Decimal("10.00"))
        )
    )
    services = await Facturier.open(settings)
    try:
        [result] = await services.ingest.import_paths([pdf])
        assert result.ok, result.message
    finally:
        await services.close()
    app = make_app(settings)
    async with app.run_test(size=(140, 30)) as pilot:
        await _to_invoices(pilot)
        table = app.screen.query_one("#invoices", DataTable)
        assert _column(table, 0) == [number] and _column(table, 1) == [buyer]
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        summary = str(app.screen.query_one("#summary").render())
        assert number in summary and buyer in summary and "[b]markup.pdf" in summary
        assert "unpaid" in summary  # the payment state is shown
        assert app.is_running
        await app.services.close()


async def _select(app: FacturierApp, kind: str) -> None:
    table = app.screen.query_one("#queue", DataTable)
    table.move_cursor(row=_kinds(table).index(kind))


async def _act(app: FacturierApp, pilot: Any, kind: str, key: str, *typed: str) -> None:
    """On the queue's first item of ``kind``: press ``key``, type into the dialog, confirm."""
    await _select(app, kind)
    await pilot.press(key)
    await _settled(pilot)
    await pilot.press(*typed, "enter")
    await _settled(pilot)


async def test_set_an_address_from_the_queue(tui_settings: Settings) -> None:
    """s on an invoice without an address asks for the address and why; the change is
    logged with who and why, the invoice leaves the queue and is queued for sending."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "no-address")
        await pilot.press("s")
        await pilot.pause(0.2)
        await pilot.press(*"factures@librairie.example", "tab", "enter")
        await pilot.pause(0.2)
        assert "the reason is recorded" in str(app.screen.query_one("#problem").render())
        await pilot.press(*"asked by phone", "enter")
        await _settled(pilot)
        assert "no-address" not in _kinds(app.screen.query_one("#queue", DataTable))
        customer = await app.services.customers.find("Librairie Nouvelle")
        assert customer.id is not None
        [change] = await app.services.customers.history(customer.id)
        assert (change.new_value, change.reason, change.source) == (
            "factures@librairie.example",
            "asked by phone",
            "tui",
        )
        assert change.changed_by
        [row] = [r for r in await app.services.queries.invoices() if r.number == "FA-0004"]
        assert row.state == "queued"
        await app.services.close()


async def test_mark_an_item_dealt_with_and_cancel_another(tui_settings: Settings) -> None:
    from sqlmodel import select

    from daemon.domain.models import AttentionResolution

    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "long-deferred")
        await pilot.press("d")
        await pilot.pause(0.2)
        await pilot.press("escape")  # cancelled: nothing recorded
        await pilot.pause(0.2)
        await _act(app, pilot, "long-deferred", "d", *"customer warned")
        assert "long-deferred" not in _kinds(app.screen.query_one("#queue", DataTable))
        async with app.services.ctx.sessions() as session:
            [done] = (await session.exec(select(AttentionResolution))).all()
        assert (done.kind, done.how) == ("long-deferred", "customer warned")
        # a hard bounce closes when the address changes, not by hand
        await _select(app, "hard-bounce")
        await pilot.press("d")
        await pilot.pause(0.2)
        assert not app.screen.is_modal  # no dialog: it says why instead
        await app.services.close()


async def test_the_invoice_list_fits_80_columns_and_its_last_row_shows(
    tui_settings: Settings, tmp_path: Path
) -> None:
    services = await Facturier.open(tui_settings)
    long_name = "Société Coopérative Agricole du Val de Loire et des Environs"
    try:
        file = invoice_file(
            tmp_path / "long", "FA-0005", long_name, "C-5", vat=None, net="123456.78"
        )
        [result] = await services.ingest.import_paths([file])
        assert result.ok, result.message
    finally:
        await services.close()
    app = make_app(tui_settings)
    async with app.run_test(size=(80, 7)) as pilot:
        await _to_invoices(pilot)
        table = app.screen.query_one("#invoices", DataTable)
        # every column on screen, a long name included: no sideways scrolling at 80 columns
        assert table.virtual_size.width <= table.scrollable_content_region.width
        # the table ends above the footer, so its last row can be brought into view
        footer = app.screen.query_one("Footer")
        assert table.region.bottom <= footer.region.y
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause(0.2)
        last = table.row_count - 1
        assert table.scroll_y + table.scrollable_content_region.height - 1 >= last  # header row
        # a refresh keeps the place: the cursor and the scroll stay where the operator left
        # them (here scrolled down by the wheel, the cursor still on the first row)
        table.move_cursor(row=0)
        table.scroll_to(y=1, animate=False, immediate=True)
        await pilot.pause(0.2)
        before = (table.cursor_row, table.scroll_y)
        assert before == (0, 1)
        app.action_refresh()
        await _settled(pilot)
        assert (table.cursor_row, table.scroll_y) == before
        await app.services.close()


async def test_customers_without_an_address_are_listed(tui_settings: Settings) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        addresses = app.screen.query_one("#addresses", DataTable)
        row = _column(addresses, 0).index("Librairie Nouvelle")
        assert "no invoice address" in _column(addresses, 2)[row]
        await app.services.close()


async def test_the_palette_lists_the_app_commands_and_escape_closes_the_keys(
    tui_settings: Settings,
) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Attention", "Invoices", "Customers", "Refresh", "Quit"} <= set(commands)
        assert commands.count("Quit") == 1  # the registry's, not Textual's beside it
        # a French operator reads the palette in French, Textual's own commands too
        i18n.use("fr")
        try:
            said = {c.title: c.help for c in app.get_system_commands(app.screen)}
        finally:
            i18n.use("en")
        assert {"Clients", "Factures", "Quitter", "Thème", "Touches"} <= set(said), said
        assert said["Clients"] == "touche c"
        assert not {"Quit", "Theme", "Keys", "Screenshot"} & set(said), said
        await pilot.press("ctrl+p")
        await _settled(pilot)
        await pilot.press(*"Customers")
        await _settled(pilot)
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press("a")
        await _settled(pilot)
        app.action_show_help_panel()
        await _settled(pilot)
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await _settled(pilot)
        assert not app.screen.query("HelpPanel")
        await app.services.close()


async def test_the_keys_panel_is_in_the_operators_language_textuals_keys_too(
    tui_settings: Settings,
) -> None:
    """The keys panel lists Textual's own keys (the table's, the screen's) beside ours: a
    French operator reads them all in French, in the queue and in a dialog over it."""
    app = make_app(_speaking(tui_settings, "fr"))
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        app.action_show_help_panel()
        await _settled(pilot)
        panel = _panel_text(app)
        assert {"Curseur vers le haut", "Élément suivant", "Filtrer par type"} <= panel, panel
        assert not {"Cursor up", "Focus Next", "Copy selected text", "Top"} & panel, panel
        await pilot.press("s")  # a dialog: its input's keys
        await _settled(pilot)
        app.action_show_help_panel()
        await _settled(pilot)
        panel = _panel_text(app)
        assert {"Tout sélectionner", "Annuler"} <= panel, panel
        assert not {"Select all", "Delete character left", "Submit"} & panel, panel
        await app.services.close()


def _panel_text(app: FacturierApp) -> set[str]:
    """Each key's description the keys panel shows (its bindings table's rows)."""
    from textual.widgets._key_panel import BindingsTable

    [table] = app.screen.query(BindingsTable)
    rendered = table.render_bindings_table()
    [column] = [c for c in rendered.columns if any(c.cells)][-1:]
    return {" ".join(str(cell).split()) for cell in column.cells}


async def test_a_long_question_wraps_inside_its_dialog(tui_settings: Settings) -> None:
    """A dialog's question longer than its line (French runs longer) wraps inside the
    dialog: it was cut at its edge, its end (how to name one of several) unread; and on
    80 columns the dialog fits the screen."""
    from textual.containers import Vertical

    from tui.dialogs import ActionDialog

    asks = (
        "Le ou les numéros de facture qu'il règle, séparés par des virgules (NUMÉRO #N si "
        "plusieurs le partagent) :"
    )
    app = make_app(_speaking(tui_settings, "fr"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        app.push_screen(ActionDialog("Affecter le paiement n° 4", asks=asks))
        await _settled(pilot)
        box = app.screen.query_one(Vertical)
        assert box.region.right <= 80
        [question] = [q for q in app.screen.query(Label) if "NUMÉRO" in str(q.render())]
        assert question.region.right <= box.content_region.right
        assert question.size.height >= 2  # wrapped, all of it shown
        await app.services.close()


def test_textuals_own_keys_are_each_marked_to_be_translated() -> None:
    """Each key description the Textual widgets this app uses bring is in
    ``tui/textual_words.py`` (and so in the catalog): a Textual upgrade that adds one is
    told here, not found in English on an operator's screen."""
    from textual.app import App
    from textual.containers import VerticalScroll
    from textual.screen import ModalScreen, Screen
    from textual.widgets import Checkbox, DataTable, Footer, Input, Select
    from textual.widgets._select import SelectCurrent, SelectOverlay

    from tui.textual_words import TEXTUAL_KEYS

    used = (App, Screen, ModalScreen, DataTable, Input, Checkbox, Select, SelectOverlay)
    used += (SelectCurrent, Footer, VerticalScroll)
    described = {
        b.description
        for cls in used
        for found in cls._merged_bindings.key_to_bindings.values()
        for b in found
        if b.description
    }
    assert described - set(TEXTUAL_KEYS) == set()
    i18n.use("fr")
    try:
        assert [k for k in TEXTUAL_KEYS if i18n._(k) == k] == []
    finally:
        i18n.use("en")


async def test_resend_from_the_queue_after_the_address_is_fixed(tui_settings: Settings) -> None:
    """R on a hard bounce refuses while the address is undeliverable, and once a working
    address is set queues a deliberate re-send to it, recorded with who and why."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _act(app, pilot, "hard-bounce", "R", *"customer asked")
        martin = await app.services.customers.find("C-2")
        assert martin.id is not None
        [bounced] = [r for r in await app.services.queries.invoices() if r.number == "FA-0002"]
        before = len((await app.services.queries.invoice_detail(bounced.id)).deliveries)
        await app.services.customers.set_invoice_address(
            martin.id, "compta@martin.example", changed_by="alice", reason="new address"
        )
        await _act(app, pilot, "hard-bounce", "R", *"customer asked")
        detail = await app.services.queries.invoice_detail(bounced.id)
        assert len(detail.deliveries) == before + 1  # the refused attempt queued nothing
        assert detail.deliveries[-1][0] == "compta@martin.example"
        [asked] = [e for e in detail.events if e.event == "resend-requested"]
        assert "customer asked" in (asked.text or "")
        await app.services.close()


async def test_markup_in_a_customer_reply_is_shown_as_text(tui_settings: Settings) -> None:
    """A reply holding a hidden link and a click action shows as plain text, in the queue
    and on the invoice's screen, and clicking it does nothing."""
    import mailbox

    services = await Facturier.open(tui_settings)
    try:
        [first] = [r for r in await services.queries.invoices() if r.number == "FA-0001"]
        [(_, _, _, message_id, _)] = [
            d
            for d in (await services.queries.invoice_detail(first.id)).deliveries
            if d[1] == "invoice"
        ]
        text = "Voir [link=http://evil.example]ici[/link] ou [@click=app.quit]là[/]"
        box = mailbox.Maildir(Path(tui_settings.imap.maildir or ""))
        box.add(
            f"From: jean@dupont.example\r\nSubject: Re: facture\r\nIn-Reply-To: {message_id}"
            f"\r\n\r\n{text}\r\n".encode()
        )
        await services.poll_bounces()
    finally:
        await services.close()
    # stored as text: the markup as written, its link defanged
    text = text.replace("http://evil.example", "hxxp://evil[.]example")
    app = make_app(tui_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await _settled(pilot)
        queue = app.screen.query_one("#queue", DataTable)
        row = _kinds(queue).index("reply")
        assert text in _column(queue, 4)[row]
        queue.move_cursor(row=row)
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        shown = str(app.screen.query_one("#messages").render())
        assert text in shown
        await pilot.click("#messages")
        await pilot.pause(0.2)
        assert app.is_running
        await app.services.close()


async def test_an_address_marked_deliverable_again_from_the_queue(tui_settings: Settings) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _act(app, pilot, "undeliverable-address", "u", *"their IT fixed the MX")
        assert "undeliverable-address" not in _kinds(app.screen.query_one("#queue", DataTable))
        martin = await app.services.customers.find("C-2")
        assert martin.id is not None
        [address] = await app.services.customers.addresses(martin.id)
        assert not address.undeliverable
        change = (await app.services.customers.history(martin.id))[-1]
        assert (change.field, change.new_value, change.reason, change.source) == (
            "undeliverable",
            "false",
            "their IT fixed the MX",
            "tui",
        )
        await app.services.close()


async def test_an_address_known_to_bounce_typed_again_is_refused_with_the_way_out(
    tui_settings: Settings,
) -> None:
    """s with the address that bounced: not done, saying why and that u marks it deliverable;
    the address keeps its mark and the item stays in the queue."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "undeliverable-address")
        await pilot.press("s")
        await pilot.pause(0.2)
        await pilot.press(*"compta@martin.invalid", "tab", "enter")
        await pilot.pause(0.2)
        await pilot.press(*"typed again", "enter")
        await _settled(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any(
            "compta@martin.invalid is the invoice address, marked undeliverable" in m
            and "u in the TUI" in m
            for m in said
        ), said
        assert "undeliverable-address" in _kinds(app.screen.query_one("#queue", DataTable))
        martin = await app.services.customers.find("C-2")
        assert martin.id is not None
        [address] = await app.services.customers.addresses(martin.id)
        assert address.undeliverable
        await app.services.close()


async def test_search_answers_as_you_type(tui_settings: Settings) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)

        async def shown(*keys: str) -> list[str]:
            await pilot.press(*keys)
            await _settled(pilot)
            return _column(app.screen.query_one("#invoices", DataTable), 0)

        assert app.focused is app.screen.query_one("#invoices")  # keys go to the table
        assert await shown("slash", *"martin") == ["FA-0002"]  # a customer's name
        assert await shown(*["backspace"] * 6, *"576,60") == ["FA-0002"]  # an amount, French
        assert await shown(*["backspace"] * 6, *"greylist") == ["FA-0003"]  # an address
        assert await shown(*["backspace"] * 8, *"fa-000") == [
            "FA-0004",
            "FA-0003",
            "FA-0002",
            "FA-0001",
        ]
        assert await shown("enter", "f") == ["FA-0004"]  # back in the table: f filters
        await app.services.close()


async def test_amounts_and_dates_in_the_operators_language(tui_settings: Settings) -> None:
    for language, amount, due in (
        ("fr", "4 799,99 €", "01/04/2026"),
        ("en", "€4,799.99", "01/04/2026"),
    ):
        settings = tui_settings.model_copy(
            update={"ui": tui_settings.ui.model_copy(update={"language": language})}
        )
        app = make_app(settings)
        async with app.run_test(size=(140, 30)) as pilot:
            await _to_invoices(pilot)
            table = app.screen.query_one("#invoices", DataTable)
            row = _column(table, 0).index("FA-0003")
            assert _column(table, 2)[row].replace("\u202f", " ").replace("\xa0", " ") == amount
            assert _column(table, 3)[row] == due
            await app.services.close()


async def test_the_figures_screen_counts_outcomes_and_bounce_reasons(
    tui_settings: Settings,
) -> None:
    from textual.widgets import Sparkline

    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await pilot.press("g")
        await _settled(pilot)
        totals = {
            o: str(app.screen.query_one(f"#total-{o}").render())
            for o in ("accepted", "delivered", "bounced", "deferred")
        }
        # FA-0001 and its copy delivered, FA-0002 accepted then bounced, FA-0003 greylisted
        assert totals == {"accepted": "3", "delivered": "2", "bounced": "1", "deferred": "1"}
        assert sum(app.screen.query_one("#spark-delivered", Sparkline).data or []) == 2
        reasons = app.screen.query_one("#reasons", DataTable)
        assert _column(reasons, 0) == ["no such domain"] and _column(reasons, 1) == ["1"]
        # the business figures as bars: all four customers on email; of the three with an
        # address, Dupont (factures@) and Martin (compta@) on a shared mailbox, Leroy not
        business = str(app.screen.query_one("#business").render())
        assert "E-invoice adoption" in business and "100.0%" in business
        assert " 66.7%" in business and "no invoice paid yet" in business
        await app.services.close()


async def test_the_sent_message_is_read_back_from_the_archive(tui_settings: Settings) -> None:
    from tui.message import MessageScreen

    app = make_app(tui_settings)
    async with app.run_test(size=(140, 50)) as pilot:
        await _to_invoices(pilot)
        await pilot.press("end", "enter")  # the oldest: FA-0001
        await _settled(pilot)
        await pilot.press("o")
        await _settled(pilot)
        assert isinstance(app.screen, MessageScreen)
        shown = str(app.screen.query_one("#message").render())
        assert "To factures@dupont.example" in shown and "To gerant@dupont.example" in shown
        assert "Subject:" in shown and "FA-0001" in shown
        assert "Attached: FA-0001.pdf" in shown
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen, InvoiceScreen)
        await app.services.close()


async def test_an_invoice_not_sent_says_so_once_where_its_message_would_be(
    tui_settings: Settings,
) -> None:
    """o on an invoice not sent (FA-0004: its customer has no address) left "Reading the
    archive…" on the screen, and the app's periodic look read the archive again every
    refresh, saying it missing each time: a notification every two seconds."""
    from tui.message import MessageScreen

    app = make_app(tui_settings, refresh_seconds=0.1)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)
        await pilot.press("home", "enter")  # the newest: FA-0004
        await _settled(pilot)
        await pilot.press("o")
        await _settled(pilot)
        assert isinstance(app.screen, MessageScreen)
        await pilot.pause(1.0)  # ten periodic looks
        shown = str(app.screen.query_one("#message").render())
        assert "FA-0004 has not been sent yet: it has no archived message" in shown, shown
        assert len(app._notifications) == 1, list(app._notifications)
        await app.services.close()


async def test_the_list_holds_one_page_and_pages_by_key(
    tui_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two invoices a page: moving past the last row brings the older page, past the first
    the newer one; End the oldest, Home the newest. The table never holds more than a page."""
    from daemon.app import invoice_list

    monkeypatch.setattr(invoice_list, "PAGE", 2)
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)

        def shown() -> list[str]:
            return _column(app.screen.query_one("#invoices", DataTable), 0)

        def at() -> str:
            table = app.screen.query_one("#invoices", DataTable)
            return str(table.get_row_at(table.cursor_row)[0])

        assert shown() == ["FA-0004", "FA-0003"] and at() == "FA-0004"
        await pilot.press("down", "down")  # past the last row
        await _settled(pilot)
        assert shown() == ["FA-0002", "FA-0001"] and at() == "FA-0002"
        await pilot.press("up")  # past the first row
        await _settled(pilot)
        assert shown() == ["FA-0004", "FA-0003"] and at() == "FA-0003"
        await pilot.press("end")
        await _settled(pilot)
        assert shown() == ["FA-0002", "FA-0001"] and at() == "FA-0001"
        await pilot.press("down")  # nothing older: stays
        await _settled(pilot)
        assert shown() == ["FA-0002", "FA-0001"] and at() == "FA-0001"
        await pilot.press("home")
        await _settled(pilot)
        assert shown() == ["FA-0004", "FA-0003"] and at() == "FA-0004"
        await app.services.close()


async def test_a_live_refresh_changes_only_the_rows_that_changed(
    tui_settings: Settings, tmp_path: Path
) -> None:
    """A new address for FA-0004's customer requeues it: the refresh rewrites that cell and
    no other, keeps the operator's place, and a new invoice arriving comes in on top."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)
        table = app.screen.query_one("#invoices", DataTable)
        await pilot.press("down", "down")  # on FA-0002
        cleared: list[int] = []
        rewritten: list[tuple[object, object]] = []
        real_clear, real_update = table.clear, table.update_cell
        table.clear = lambda *a, **k: cleared.append(1) or real_clear(*a, **k)  # type: ignore[method-assign]

        def update_cell(row: object, column: object, value: object, **k: Any) -> None:
            rewritten.append((row, column))
            real_update(row, column, value, **k)  # type: ignore[arg-type]

        table.update_cell = update_cell  # type: ignore[method-assign,assignment]
        services = app.services
        customer = await services.customers.find("Librairie Nouvelle")
        await services.customers.set_invoice_address(
            customer.id or 0, "compta@nouvelle.example", changed_by="t", reason="asked", source="t"
        )
        app.action_refresh()
        await _settled(pilot)
        assert "queued" in _column(table, 4)[0]
        [fa4] = [r for r in await services.queries.invoices() if r.number == "FA-0004"]
        assert rewritten == [(str(fa4.id), app.screen.columns[4])]  # type: ignore[attr-defined]
        assert not cleared  # no row re-added
        assert str(table.get_row_at(table.cursor_row)[0]) == "FA-0002"  # the place is kept

        file = invoice_file(tmp_path / "more", "FA-0005", "Atelier Martin", "C-2", today=FIXED_DAY)
        [result] = await services.ingest.import_paths([file])
        assert result.ok
        app.action_refresh()
        await _settled(pilot)
        assert _column(table, 0)[0] == "FA-0005"
        assert str(table.get_row_at(table.cursor_row)[0]) == "FA-0002"
        await services.close()


async def test_filters_combine_from_the_filter_dialog(tui_settings: Settings) -> None:
    """F asks for state, customer, issue dates and overdue at once; an ambiguous or unknown
    customer is refused, never guessed; x clears every filter."""
    from tui.dialogs import FilterDialog

    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _to_invoices(pilot)

        async def filtered(customer: str, since: str = "", overdue: bool = False) -> list[str]:
            await pilot.press("F")
            await _settled(pilot)
            assert isinstance(app.screen, FilterDialog)
            app.screen.query_one("#customer", Input).value = customer
            app.screen.query_one("#issued_from", Input).value = since
            app.screen.query_one("#overdue", Checkbox).value = overdue
            app.screen.query_one("#customer", Input).focus()
            await pilot.press("enter")
            await _settled(pilot)
            return _column(app.screen.query_one("#invoices", DataTable), 0)

        assert await filtered("atelier martin") == ["FA-0002"]
        heading = str(app.screen.query_one("#filter", Static).render())
        assert "customer #" in heading
        issued = FIXED_DAY - timedelta(days=1)
        assert await filtered("", issued.isoformat()) == [
            "FA-0004",
            "FA-0003",
            "FA-0002",
            "FA-0001",
        ]
        later = (issued + timedelta(days=1)).strftime("%d/%m/%Y")
        assert await filtered("", later) == []
        # due on 1 April 2026, unpaid: overdue today, and only FA-0002 is Atelier Martin's
        assert await filtered("#2", "", overdue=True) == ["FA-0002"]
        # an unknown customer: refused with its name, the list as it was
        assert await filtered("Nobody SA") == ["FA-0002"]
        assert any("Nobody SA" in str(n.message) for n in app._notifications)
        # a bad day is refused in the dialog, naming the field
        await pilot.press("F")
        await _settled(pilot)
        app.screen.query_one("#issued_from", Input).value = "31/02/2026"
        app.screen.query_one("#issued_from", Input).focus()
        await pilot.press("enter")
        await _settled(pilot)
        assert "issued from" in str(app.screen.query_one("#problem", Label).render())
        await pilot.press("escape")
        await _settled(pilot)
        await pilot.press("x")
        await _settled(pilot)
        assert len(_column(app.screen.query_one("#invoices", DataTable), 0)) == 4
        await app.services.close()


async def test_tie_an_unrecognized_message_to_its_invoice(tui_settings: Settings) -> None:
    """t on an unrecognized message asks for the invoice and why; the tie is recorded with
    the operator's name and the message leaves the queue."""
    import mailbox

    from sqlmodel import select

    from daemon.domain.models import AttentionResolution, InboundMessage

    services = await Facturier.open(tui_settings)
    try:
        box = mailbox.Maildir(Path(tui_settings.imap.maildir or ""))
        box.add(b"From: compta@dupont.example\r\nSubject: question\r\n\r\nLa facture ?\r\n")
        await services.poll_bounces()
    finally:
        await services.close()
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "unrecognized")
        await pilot.press("v")  # read it first, as received
        await _settled(pilot)
        original = str(app.screen.query_one("#message").render())
        assert "compta@dupont.example" in original and "La facture ?" in original
        await pilot.press("escape")
        await _settled(pilot)
        await _select(app, "unrecognized")
        await pilot.press("t")
        await _settled(pilot)
        await pilot.press(*"FA-0001", "tab", *"about the March invoice", "enter")
        await _settled(pilot)
        assert "unrecognized" not in _kinds(app.screen.query_one("#queue", DataTable))
        async with app.services.ctx.sessions() as session:
            [done] = (await session.exec(select(AttentionResolution))).all()
            [message] = (
                await session.exec(
                    select(InboundMessage).where(InboundMessage.subject == "question")
                )
            ).all()
        assert done.kind == "unrecognized" and done.how.startswith("tied to invoice FA-0001")
        assert done.resolved_by and message.delivery_id is not None
        assert message.evidence == f"by hand ({done.resolved_by}): about the March invoice"
        # the invoice keeps the record: the message, how it was tied, who dealt with it
        await pilot.press("i")
        await _settled(pilot)
        await pilot.press("end", "enter")  # FA-0001
        await _settled(pilot)
        shown = str(app.screen.query_one("#messages").render())
        assert "Received" in shown and "question" in shown and "about the March" in shown
        assert "Dealt with" in shown and f"by {done.resolved_by}" in shown
        await app.services.close()


async def test_export_the_proof_from_the_invoice_screen(
    tui_settings: Settings, tmp_path: Path
) -> None:
    """p asks where to and why; the files are written and the export is on the timeline."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 50)) as pilot:
        await _to_invoices(pilot)
        await pilot.press("end", "enter")  # FA-0001
        await _settled(pilot)
        await pilot.press("p")
        await _settled(pilot)
        app.screen.query_one("#value", Input).value = str(tmp_path / "dispute")
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"customer disputes receipt", "enter")
        await _settled(pilot)
        assert (tmp_path / "dispute" / "proof-FA-0001.zip").exists()
        events = _column(app.screen.query_one("#timeline", DataTable), 2)
        details = _column(app.screen.query_one("#timeline", DataTable), 5)
        assert events[-1] == "proof exported"  # as the operator reads it
        assert "customer disputes receipt" in details[-1] and str(tmp_path) in details[-1]
        await app.services.close()


async def test_write_the_pdf_to_print_from_the_invoice_screen(
    tui_settings: Settings, tmp_path: Path
) -> None:
    """w asks where to and why; the invoice's PDF is written there, as imported, and the
    invoice's notes say who wrote it, where and why."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 50)) as pilot:
        await _to_invoices(pilot)
        await pilot.press("end", "enter")  # FA-0001
        await _settled(pilot)
        await pilot.press("w")
        await _settled(pilot)
        app.screen.query_one("#value", Input).value = str(tmp_path / "print")
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"to post", "enter")
        await _settled(pilot)
        [written] = list((tmp_path / "print").iterdir())
        assert written.read_bytes().startswith(b"%PDF")
        shown = str(app.screen.query_one("#messages").render())
        assert "PDF written to print" in shown and "to post" in shown
        assert str(tmp_path / "print") in shown
        await app.services.close()


async def test_addresses_are_changed_from_the_customers_screen(tui_settings: Settings) -> None:
    """On Boulangerie Dupont: + adds a copy address, - removes one, s sets the invoice
    address, u marks Atelier Martin's bounced address deliverable again; each asks why and
    lands in the change log with the operator's name and the source tui."""
    app = make_app(tui_settings)
    async with app.run_test(size=(160, 40)) as pilot:
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        addresses = app.screen.query_one("#addresses", DataTable)

        async def on_row(email: str, *keys: str) -> None:
            addresses.move_cursor(row=_column(addresses, 1).index(email))
            await pilot.press(*keys)
            await _settled(pilot)

        await on_row("factures@dupont.example", "plus")
        await pilot.press(*"compta@dupont.example", "tab", *"asked by the owner", "enter")
        await _settled(pilot)
        await on_row("gerant@dupont.example", "minus")
        await pilot.press(*"left the company", "enter")
        await _settled(pilot)
        await on_row("factures@dupont.example", "s")
        await pilot.press(*"facturation@dupont.example", "tab", *"new mailbox", "enter")
        await _settled(pilot)
        await on_row("compta@martin.invalid", "u")
        await pilot.press(*"mailbox restored", "enter")
        await _settled(pilot)

        dupont = await app.services.customers.find("Boulangerie Dupont")
        log = [
            (c.field, c.new_value or c.old_value, c.reason, c.source)
            for c in await app.services.customers.history(dupont.id or 0)
            if c.changed_by != "alice"
        ]
        assert ("copy", "compta@dupont.example", "asked by the owner", "tui") in log
        assert ("copy", "gerant@dupont.example", "left the company", "tui") in log
        assert ("invoice_to", "facturation@dupont.example", "new mailbox", "tui") in log
        current = {
            (a.email, a.role)
            for a in await app.services.customers.addresses(dupont.id or 0)
            if a.active
        }
        assert current == {
            ("facturation@dupont.example", "invoice_to"),
            ("compta@dupont.example", "copy"),
        }
        status = dict(zip(_column(addresses, 1), _column(addresses, 2), strict=True))
        assert "ok" in status["compta@martin.invalid"]
        await app.services.close()


async def test_the_figures_and_the_sent_message_in_french(tui_settings: Settings) -> None:
    """The two screens whose content moves with the clock (no snapshot): their words."""
    app = make_app(_speaking(tui_settings, "fr"))
    async with app.run_test(size=(140, 50)) as pilot:
        await _settled(pilot)
        await pilot.press("g")
        await _settled(pilot)
        assert "Messages par jour" in str(app.screen.query_one("#period").render())
        assert _column(app.screen.query_one("#reasons", DataTable), 0) == ["domaine inexistant"]
        await pilot.press("i")
        await _settled(pilot)
        await pilot.press("end", "enter", "o")  # FA-0001's message
        await _settled(pilot)
        shown = str(app.screen.query_one("#message").render())
        assert "Pièces jointes" in shown and "archivé" in shown
        await app.services.close()


async def test_the_queue_holds_one_window_and_asks_for_the_next(
    tui_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two items a window: the heading says more follow without counting them all; past
    the last row comes the next window, End the last one with the whole count."""
    from tui import attention

    monkeypatch.setattr(attention, "WINDOW", 2)
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        every = await app.services.attention.items()
        table = app.screen.query_one("#queue", DataTable)
        heading = lambda: str(app.screen.query_one("#kind").render())  # noqa: E731
        assert _kinds(table) == [i.kind for i in every[:2]] and "1–2 of more" in heading()
        await pilot.press("down", "down")
        await _settled(pilot)
        assert _kinds(table) == [i.kind for i in every[2:4]]
        await pilot.press("end")
        await _settled(pilot)
        last = (len(every) - 1) // 2 * 2
        assert _kinds(table) == [i.kind for i in every[last:]]
        assert f"{last + 1}–{len(every)} of {len(every)}" in heading()
        await pilot.press("home")
        await _settled(pilot)
        assert _kinds(table) == [i.kind for i in every[:2]]
        await app.services.close()


async def test_a_held_duplicate_is_compared_and_replaced(tui_settings: Settings) -> None:
    """Enter on a possible duplicate shows both files side by side with what differs; R asks
    why, then the held file replaces the earlier invoice, which is withdrawn."""
    from daemon.domain.states import InvoiceState

    services = await Facturier.open(tui_settings)
    try:
        again = invoice_file(
            Path(tui_settings.ingest.store).parent / "again",
            "FA-0001",
            "Boulangerie Dupont",
            "C-1",
            net="110.00",
            today=FIXED_DAY,
            name="FA-0001-v2.pdf",
        )
        [held] = await services.ingest.import_paths([again])
        assert held.held and held.invoice_id is not None
    finally:
        await services.close()
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "possible-duplicate")
        await pilot.press("enter")
        await _settled(pilot)
        assert type(app.screen).__name__ == "DuplicateScreen"
        sides = app.screen.query_one("#sides", DataTable)
        fields, marks = _column(sides, 1), _column(sides, 0)
        differing = {field for field, mark in zip(fields, marks, strict=True) if mark == "≠"}
        assert {"total with VAT", "file"} <= differing and "buyer" not in differing
        assert "buyer" in fields  # what is the same is shown too
        await pilot.press("R")
        await _settled(pilot)
        await pilot.press(*"corrected amount", "enter")
        await _settled(pilot)
        async with app.services.ctx.sessions() as session:
            from sqlmodel import select

            from daemon.domain.models import Invoice, InvoiceEvent

            states = dict((await session.exec(select(Invoice.file_name, Invoice.state))).all())
            [withdrawn] = (
                await session.exec(select(InvoiceEvent).where(InvoiceEvent.event == "withdrawn"))
            ).all()
        assert states["FA-0001.pdf"] == InvoiceState.WITHDRAWN.value
        assert states["FA-0001-v2.pdf"] == InvoiceState.QUEUED.value
        assert withdrawn.reason.startswith("corrected amount") and withdrawn.by
        await app.services.close()


@pytest.mark.parametrize(
    ("width", "widths"),
    [
        (80, [13, 17, 14, 10, 13]),  # fits an 80-column terminal
        (60, [13, 17, 14, 10, 13]),  # narrower: the same, scrolled sideways
        (90, [13, 20, 14, 10, 20]),  # the state whole first ("montants à vérifier")
        (100, [13, 30, 14, 10, 20]),
        (140, [20, 40, 14, 10, 20]),  # then the customer's name, then a long number
    ],
)
def test_the_invoice_list_gives_a_wider_terminal_to_states_names_and_numbers(
    width: int, widths: list[int]
) -> None:
    from tui.invoices import column_widths

    assert column_widths(width) == widths


async def test_the_invoice_list_widens_with_the_terminal_keeping_its_rows_and_cursor(
    tui_settings: Settings,
) -> None:
    app = make_app(tui_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_invoices(pilot)
        table = app.screen.query_one("#invoices", DataTable)
        assert table.columns[table.ordered_columns[1].key].width < len("Boulangerie Dupont")
        await pilot.press("down", "down")
        await _settled(pilot)
        at, rows = table.cursor_row, table.row_count
        await pilot.resize_terminal(120, 24)
        await _settled(pilot)
        assert [c.width for c in table.ordered_columns] == [20, 40, 14, 10, 20]
        assert (table.cursor_row, table.row_count) == (at, rows) and rows == 4
        customers = {str(table.get_row_at(i)[1]) for i in range(rows)}
        assert "Boulangerie Dupont" in customers


async def test_an_amount_two_readers_would_read_two_ways_is_refused_not_recorded(
    tui_settings: Settings,
) -> None:
    """P with "1,000": a thousand for one operator, one for another; nothing is recorded and
    the operator is asked to write it without doubt."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _to_invoices(pilot)
        await pilot.press("down", "down", "enter")
        await _settled(pilot)
        await pilot.press("P")
        await _settled(pilot)
        await pilot.press(*"1,000", "tab", *"cheque received", "enter")
        await _settled(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any("decimal mark or a thousands separator" in m for m in said), said
        summary = str(app.screen.query_one("#summary").render())
        assert "unpaid" in summary and "partly paid" not in summary


async def test_a_credit_notes_screen_calls_it_a_credit_note(
    tui_settings: Settings, tmp_path: Path
) -> None:
    services = await Facturier.open(tui_settings)
    try:
        [credit] = await services.ingest.import_paths(
            [
                invoice_file(
                    tmp_path / "credit",
                    "AV-1",
                    "Boulangerie Dupont",
                    "C-1",
                    net="20.00",
                    type_code="381",
                    preceding="FA-0001",
                    today=FIXED_DAY,
                )
            ]
        )
    finally:
        await services.close()
    assert credit.ok and credit.invoice_id is not None, credit.message
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        app.push_screen(InvoiceScreen(app.services, credit.invoice_id))
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert summary.startswith("Credit note AV-1 — Boulangerie Dupont"), summary
        assert "credit note" in summary


async def test_the_day_an_invoice_is_due_is_set_from_its_screen(tui_settings: Settings) -> None:
    """E asks for the day (the one it states, to change) and why; a day that is no date is
    said on one line, the screen shows the new due day and the decision, who and why."""
    from textual.widgets import Input

    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _to_invoices(pilot)
        await pilot.press("down", "down", "enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        await pilot.press("E")
        await _settled(pilot)
        field = app.screen.query_one("#value", Input)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", field.value)  # the day it states
        field.value = "31/12/2026"
        await pilot.press("tab", *"agreed by phone", "enter")
        await _settled(pilot)
        assert any("is not a YYYY-MM-DD date" in str(n.message) for n in app._notifications)
        await pilot.press("E")
        await _settled(pilot)
        app.screen.query_one("#value", Input).value = "2026-12-31"
        await pilot.press("tab", *"agreed by phone", "enter")
        await _settled(pilot)
        assert any("due 31/12/2026" in str(n.message) for n in app._notifications), [
            str(n.message) for n in app._notifications
        ]
        summary = str(app.screen.query_one("#summary").render())
        assert "31/12/2026" in summary
        notes = str(app.screen.query_one("#messages").render())
        assert "due date set" in notes and "agreed by phone" in notes


async def _import_undated(settings: Settings, folder: Path) -> None:
    """FA-0099, issued 40 days ago, stating no due date (its terms in words only)."""
    services = await Facturier.open(settings)
    try:
        file = invoice_file(folder / "in", "FA-0099", issued_days_ago=40, due_in_days=None)
        [undated] = await services.ingest.import_paths([file])
    finally:
        await services.close()
    assert undated.invoice_id is not None, undated.message


async def test_an_invoice_reminders_skip_for_want_of_a_due_day_is_in_the_queue_until_set(
    tui_settings: Settings, tmp_path: Path
) -> None:
    """An owed invoice stating no due date, old enough for a first reminder, is never
    reminded: the queue says so; from it the operator opens the invoice, E sets the day, and
    the item leaves the queue."""
    from textual.widgets import Input

    await _import_undated(tui_settings, tmp_path)
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        queue = app.screen.query_one("#queue", DataTable)
        assert "no-due-date" in _kinds(queue), _column(queue, 1)
        await _select(app, "no-due-date")
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        await pilot.press("E")
        await _settled(pilot)
        field = app.screen.query_one("#value", Input)
        assert field.value == ""  # it states none
        field.value = (date.today() - timedelta(days=10)).isoformat()
        await pilot.press("tab", *"30 days net, by phone", "enter")
        await _settled(pilot)
        await pilot.press("escape")
        await _settled(pilot)
        app.screen.live_refresh()  # as its timer does
        await _settled(pilot)
        said = [str(n.message) for n in app._notifications]
        assert "no-due-date" not in _kinds(app.screen.query_one("#queue", DataTable)), said


async def test_a_due_day_the_sellers_terms_give_is_listed_in_italics_with_its_legend(
    tui_settings: Settings, tmp_path: Path
) -> None:
    """An invoice stating no due date shows "-" in the list; once the admin states the
    seller's terms (``[reminders] days_to_pay``), the day they give, the one reminders
    count from, set apart in italics, and the heading says what italics mean."""
    from rich.text import Text

    await _import_undated(tui_settings, tmp_path)
    by_terms = tui_settings.reminders.model_copy(update={"days_to_pay": 30})
    for settings, shown in (
        (tui_settings, "-"),
        (
            tui_settings.model_copy(update={"reminders": by_terms}),
            day(date.today() - timedelta(days=10), "en"),
        ),
    ):
        app = make_app(settings)
        async with app.run_test(size=(140, 40)) as pilot:
            await _to_invoices(pilot)
            table = app.screen.query_one("#invoices", DataTable)
            due = table.get_row_at(_column(table, 0).index("FA-0099"))[3]
            assert isinstance(due, Text) and due.plain == shown
            stated = table.get_row_at(_column(table, 0).index("FA-0001"))[3]
            heading = str(app.screen.query_one("#filter").render())
            if shown == "-":
                assert "italics" not in heading and due.style == ""
            else:
                assert due.style == "italic" and stated.style == ""
                assert "Due in italics: the day the seller's terms give" in heading, heading


async def test_a_payment_and_a_dispute_from_the_invoice_screen(tui_settings: Settings) -> None:
    """P records a payment (a part of what is owed), D marks the invoice in dispute; both ask
    why, and the summary says what is owed and what is disputed."""
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _to_invoices(pilot)
        await pilot.press("down", "down", "enter")  # FA-0002: 480.50 + 20 % VAT = 576.60
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        await pilot.press("P")
        await _settled(pilot)
        await pilot.press(*"100", "tab", *"cheque received", "enter")
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "partly paid" in summary and "476.60" in summary
        # what was recorded, as the operator writes an amount
        assert any("payment of €100.00 recorded" in str(n.message) for n in app._notifications)
        await pilot.press("D")
        await _settled(pilot)
        await pilot.press(*"wrong quantity", "enter")
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "in dispute" in summary and "wrong quantity" in summary
        notes = str(app.screen.query_one("#messages").render())
        assert "Payment #1" in notes and "by hand" in notes  # how it was matched
        assert "Decision" in notes and "wrong quantity" in notes  # who, when, why
        await pilot.press("X")  # the last payment is offered
        await _settled(pilot)
        await pilot.press("tab", *"cheque bounced", "enter")
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "unpaid" in summary and "partly paid" not in summary
        notes = str(app.screen.query_one("#messages").render())
        assert "reversed" in notes and "cheque bounced" in notes
        # more than it owes: said, and where it waits
        await pilot.press("P")
        await _settled(pilot)
        await pilot.press(*"1000", "tab", *"transfer received", "enter")
        await _settled(pilot)
        said = [str(n.message) for n in app._notifications]
        assert any(
            "payment of €1,000.00 recorded: €423.40 more than the invoice owed" in m for m in said
        ), said
        summary = str(app.screen.query_one("#summary").render())
        assert "paid, €423.40 more than it owed" in summary, summary
        await app.services.close()


async def test_an_invoice_held_for_its_amounts_is_sent_from_its_screen(
    tui_settings: Settings,
) -> None:
    """Enter on an invoice whose line amounts do not add up shows the line that does not;
    S asks why, then it goes out as it is, the decision recorded."""
    services = await Facturier.open(tui_settings)
    try:
        odd = invoice_file(
            Path(tui_settings.ingest.store).parent / "odd",
            "FA-0009",
            "Boulangerie Dupont",
            "C-1",
            net="100.00",
            quantity="3",
            unit_price="30.00",
            today=FIXED_DAY,
        )
        [held] = await services.ingest.import_paths([odd])
        assert held.amounts_held and held.invoice_id is not None
    finally:
        await services.close()
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "amounts-to-check")
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        summary = str(app.screen.query_one("#summary").render())
        assert "amounts to check" in summary
        assert "BT-131 (held): line 1: the net amount (BT-131) 100.00 is not" in summary
        await pilot.press("S")
        await _settled(pilot)
        await pilot.press(*"checked with the seller", "enter")
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "amounts to check" not in summary and "queued" in summary
        notes = str(app.screen.query_one("#messages").render())
        assert "sent as it is, amounts confirmed" in notes and "checked with the seller" in notes
        await pilot.press("W")  # no longer held: nothing to discard
        await _settled(pilot)
        assert "queued" in str(app.screen.query_one("#summary").render())
        await app.services.close()


async def test_an_invoice_whose_buyer_fits_two_customers_gets_its_customer_from_its_screen(
    tui_settings: Settings,
) -> None:
    """Enter on an invoice held because its buyer fits two customers shows both, told apart;
    C asks which and why, then it is that customer's and goes out, the decision recorded."""
    services = await Facturier.open(tui_settings)
    try:
        lyon = await services.customers.add(
            NewCustomer("Boulangerie Dupont", "factures@dupont-lyon.example", (), None, "C-77"),
            changed_by="alice",
            reason="second shop",
        )
        folder = Path(tui_settings.ingest.store).parent / "by-name"
        file = invoice_file(folder, "FA-0010", "Boulangerie Dupont", "", vat=None, today=FIXED_DAY)
        [held] = await services.ingest.import_paths([file])
        assert held.customer_held and held.invoice_id is not None
    finally:
        await services.close()
    app = make_app(tui_settings)
    async with app.run_test(size=(140, 40)) as pilot:
        await _settled(pilot)
        await _select(app, "customer-to-choose")
        await pilot.press("enter")
        await _settled(pilot)
        assert isinstance(app.screen, InvoiceScreen)
        summary = str(app.screen.query_one("#summary").render())
        assert "customer to choose" in summary
        assert "Boulangerie Dupont (identifier C-1)" in summary
        assert f"#{lyon.id} Boulangerie Dupont (identifier C-77)" in summary
        await pilot.press("C")
        await _settled(pilot)
        asked = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert f"#{lyon.id} Boulangerie Dupont (identifier C-77)" in asked  # one a line
        await pilot.press("enter")  # nothing typed: what is asked is named, not the list
        await _settled(pilot)
        problem = str(app.screen.query_one("#problem").render())
        assert problem == "The customer (#N, identifier or VAT id): is required", problem
        await pilot.press(*"Boulangerie Dupont", "tab", *"the Lyon shop", "enter")
        await _settled(pilot)
        assert "customer to choose" in str(app.screen.query_one("#summary").render())
        said = [str(n.message) for n in app._notifications]
        assert any(f"#{lyon.id} Boulangerie Dupont" in n for n in said), said  # which of them?
        await pilot.press("C")
        await _settled(pilot)
        await pilot.press(*"C-77", "tab", *"the Lyon shop ordered it", "enter")
        await _settled(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "customer to choose" not in summary and "queued" in summary
        assert "factures@dupont-lyon.example (invoice)" in summary
        notes = str(app.screen.query_one("#messages").render())
        assert "customer chosen" in notes, notes
        assert f"for customer #{lyon.id} Boulangerie Dupont: the Lyon shop ordered it" in notes
        await pilot.press("c")  # the customers: the two shops are told apart, the others not
        await _settled(pilot)
        assert isinstance(app.screen, CustomersScreen)
        names = _column(app.screen.query_one("#addresses", DataTable), 0)
        lyon_row = names.index(f"#{lyon.id} Boulangerie Dupont (identifier C-77)")
        assert _column(app.screen.query_one("#addresses", DataTable), 1)[lyon_row] == (
            "factures@dupont-lyon.example"
        )
        assert "Boulangerie Dupont (identifier C-1)" in " ".join(names)
        assert "Atelier Martin" in names
        await app.services.close()


def test_what_the_gate_found_reads_with_the_operators_punctuation() -> None:
    """A held rule read "BT-131 (retenue): ligne 1 : …" to a French operator."""
    from rich.text import Text

    from daemon.domain import i18n
    from daemon.domain.compliance import HOLD, WARNING, ComplianceReport, Finding
    from tui.screens import _compliance

    report = ComplianceReport(
        ("Factur-X EN16931",),
        (
            Finding("BT-131", HOLD, "the line amounts"),
            Finding("BR-CO-15", WARNING, "the total", downgraded=True),
            Finding("PDF-AF", WARNING, "the AF"),
        ),
    )
    for language, held, downgraded, colon in (
        ("fr", "(retenue)", "(rétrogradée)", " :"),
        ("en", "(held)", "(downgraded)", ":"),
    ):
        i18n.use(language)
        lines = Text.from_markup(_compliance(report)).plain.splitlines()
        assert lines[1:] == [
            f"  BT-131 {held}{colon} the line amounts",
            f"  BR-CO-15 {downgraded}{colon} the total",
            f"  PDF-AF{colon} the AF",
        ]


async def test_the_figures_fit_a_small_terminal(
    tui_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On 80 × 24 the bounce reasons showed their header and no row (the table took what
    was left, nothing), and each business row ran past the edge, its figure on the next
    line. The table now holds its rows, and each row fits the screen's width."""
    from datetime import UTC, datetime

    from tui.figures import FiguresScreen

    monkeypatch.setattr("daemon.app.figures.utcnow", lambda: datetime(2026, 3, 2, 12, tzinfo=UTC))
    app = make_app(_speaking(tui_settings, "fr"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_figures(pilot)
        screen = app.screen
        assert isinstance(screen, FiguresScreen)
        reasons = screen.query_one("#reasons", DataTable)
        assert reasons.row_count >= 1 and reasons.size.height >= 1 + reasons.row_count
        chart = screen.query_one("#business", Static).render()
        lines = str(chart).splitlines()
        assert any("100,0\xa0%" in line for line in lines), lines
        assert all(len(line) <= 80 for line in lines), [x for x in lines if len(x) > 80]
        await app.services.close()


async def test_an_undeliverable_address_is_seen_on_80_columns(tui_settings: Settings) -> None:
    """The customers' addresses put the status last, after the role: on 80 columns the
    status fell past the edge, and an operator did not see which address bounces."""
    app = make_app(_speaking(tui_settings, "fr"))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        await pilot.press("c")
        await _settled(pilot)
        addresses = app.screen.query_one("#addresses", DataTable)
        status = [str(c.label) for c in addresses.ordered_columns].index("Statut")
        shown = sum(c.get_render_width(addresses) for c in addresses.ordered_columns[: status + 1])
        assert shown <= 80, shown
        await app.services.close()


async def test_the_whole_why_of_the_item_under_the_cursor_is_read_below_the_queue(
    tui_settings: Settings,
) -> None:
    """On 80 columns the queue's last column showed "compta": the reason a
    bounce gave was read nowhere on the screen. The item under the cursor is said whole
    below the queue, then what to do."""
    app = make_app(tui_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        table = app.screen.query_one("#queue", DataTable)
        table.move_cursor(row=_kinds(table).index("hard-bounce"))
        await _settled(pilot)
        hint = str(app.screen.query_one("#hint").render())
        assert "Why: compta@martin.invalid: hard bounce — no such domain" in hint
        assert "What to do" in hint
        await app.services.close()
