"""The message an invoice was sent as, read back from the archive: headers, text,
attachment names (everything shown as text, never as markup)."""

from __future__ import annotations

from datetime import tzinfo

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from daemon.app.archived import ArchivedMessage, OriginalMessage
from daemon.app.services import Facturier
from daemon.domain.formatting import moment
from daemon.domain.i18n import _
from daemon.domain.labels import inbound_label
from tui.actions import DETAIL_BINDINGS
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.messages import Loaded, LoadFailed


class ReadingScreen(LoadingScreen):
    """Messages read from an archive, shown as text in one scrolling view."""

    BINDINGS = DETAIL_BINDINGS

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(_("Reading the archive…"), id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def live_refresh(self) -> None:
        """An archived message never changes: it is read when the screen opens and on the
        operator's ``r``, not on every periodic look (a message not archived yet was read
        again, and said missing again, every two seconds)."""

    def refresh_now(self) -> None:
        self.reload()

    @on(LoadFailed)
    def show_failure(self, message: LoadFailed) -> None:
        """Why nothing can be shown, in place of "Reading the archive…" (the app also
        says it once, as a notification)."""
        self.query_one("#message", Static).update(escape(message.error))


class MessageScreen(ReadingScreen):
    def __init__(self, services: Facturier, invoice_id: int) -> None:
        super().__init__(services)
        self.invoice_id = invoice_id

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


class OriginalScreen(ReadingScreen):
    """Messages that came back, as received: the bounce, the reply, the unrecognized mail.
    Shown as text, never parsed or rendered."""

    def __init__(
        self, services: Facturier, *, inbound_id: int | None = None, invoice_id: int | None = None
    ) -> None:
        super().__init__(services)
        self.inbound_id = inbound_id
        self.invoice_id = invoice_id

    async def fetch(self) -> list[OriginalMessage]:
        return await self.services.original_messages(
            inbound_id=self.inbound_id, invoice_id=self.invoice_id
        )

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.query_one("#message", Static).update(
            "\n\n".join(_original(m, self.services.zone) for m in message.data)
        )


def _original(m: OriginalMessage, zone: tzinfo) -> str:
    heading = _("[b reverse] #{ref} {kind} from {sender}, received {at} [/] {size} bytes").format(
        ref=m.inbound_id,
        kind=escape(inbound_label(m.kind)),
        sender=escape(m.sender),
        at=moment(m.received_at, zone),
        size=m.size,
    )
    if m.text is None:
        return heading + "\n" + _("(received before originals were kept)")
    return f"{heading}\n{escape(m.text)}"
