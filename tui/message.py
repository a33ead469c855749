"""The message an invoice was sent as, read back from the archive: headers, text,
attachment names (everything shown as text, never as markup)."""

from __future__ import annotations

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from daemon.app.archived import ArchivedMessage
from daemon.app.services import Facturier
from daemon.domain.i18n import _
from tui.actions import DETAIL_BINDINGS
from tui.loading import LoadingScreen
from tui.messages import Loaded


class MessageScreen(LoadingScreen):
    BINDINGS = DETAIL_BINDINGS

    def __init__(self, services: Facturier, invoice_id: int) -> None:
        super().__init__(services)
        self.invoice_id = invoice_id

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(_("Reading the archive…"), id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    async def fetch(self) -> list[ArchivedMessage]:
        return await self.services.archived_messages(self.invoice_id)

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.query_one("#message", Static).update("\n\n".join(_shown(m) for m in message.data))


def _shown(m: ArchivedMessage) -> str:
    headers = "\n".join(f"[b]{name}:[/b] {escape(value)}" for name, value in m.headers)
    attached = ", ".join(escape(name) for name in m.attachments) or _("none")
    return (
        _("[b reverse] To {recipient} [/] archived, sha256 {sha}…").format(
            recipient=escape(m.recipient), sha=m.sha256[:16]
        )
        + f"\n{headers}\n"
        + _("[b]Attached:[/b] {names}").format(names=attached)
        + f"\n\n{escape(m.text)}"
    )
