"""The message an invoice was sent as, read back from the archive: headers, text,
attachment names (everything shown as text, never as markup)."""

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from daemon.app.archived import ArchivedMessage
from daemon.app.services import Facturier
from tui.actions import DETAIL_BINDINGS
from tui.messages import LoadFailed, MessagesLoaded


class MessageScreen(Screen[None]):
    BINDINGS = DETAIL_BINDINGS

    def __init__(self, services: Facturier, invoice_id: int) -> None:
        super().__init__()
        self.services = services
        self.invoice_id = invoice_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static("Reading the archive…", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="message")
    async def load(self) -> None:
        try:
            found = await self.services.archived_messages(self.invoice_id)
        except Exception as exc:
            self.post_message(LoadFailed(str(exc)))
            return
        self.post_message(MessagesLoaded(found))

    @on(MessagesLoaded)
    def show(self, message: MessagesLoaded) -> None:
        self.query_one("#message", Static).update("\n\n".join(_shown(m) for m in message.found))


def _shown(m: ArchivedMessage) -> str:
    headers = "\n".join(f"[b]{name}:[/b] {escape(value)}" for name, value in m.headers)
    attached = ", ".join(escape(name) for name in m.attachments) or "none"
    return (
        f"[b reverse] To {escape(m.recipient)} [/] archived, sha256 {m.sha256[:16]}…\n"
        f"{headers}\n[b]Attached:[/b] {attached}\n\n{escape(m.text)}"
    )
