"""The facturier terminal UI. It reads and acts only through daemon's service layer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from config import Settings
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.i18n import N_, _
from tui.actions import APP_BINDINGS, speak_bindings
from tui.attention import AttentionScreen
from tui.customers import CustomersScreen
from tui.figures import FiguresScreen
from tui.invoices import InvoicesScreen
from tui.loading import LoadingScreen
from tui.markup import escape
from tui.messages import LoadFailed

REFRESH_SECONDS = 2.0


class FacturierApp(App[None]):
    CSS_PATH = "facturier.tcss"
    TITLE = "facturier"
    SUB_TITLE = N_("what became of every invoice")
    BINDINGS = APP_BINDINGS

    def __init__(self, services: Facturier, *, refresh_seconds: float | None = REFRESH_SECONDS):
        i18n.use(services.ctx.settings.ui.resolved_language())
        super().__init__()
        self.services = services
        self.refresh_seconds = refresh_seconds
        self.sub_title = _(self.SUB_TITLE)
        speak_bindings(self)

    def on_mount(self) -> None:
        self.push_screen(AttentionScreen(self.services))  # home: what needs a person
        if self.refresh_seconds:
            self.set_interval(self.refresh_seconds, self._live_refresh)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette lists every app action of the one registry, then Textual's own."""
        for binding in APP_BINDINGS:
            assert isinstance(binding, Binding)
            if not binding.show:
                continue
            action = getattr(self, f"action_{binding.action}")
            said = _(binding.description)
            yield SystemCommand(said, f"{said} ({binding.key})", action)
        yield from super().get_system_commands(screen)

    def action_close_panels(self) -> None:
        """Escape closes the keys panel when it is open."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()

    def _live_refresh(self) -> None:
        """The periodic look: each screen asks for what may have changed, as it sees fit."""
        screen = self.screen
        if isinstance(screen, LoadingScreen):
            screen.live_refresh()

    def action_refresh(self) -> None:
        """``r``: the screen asked again now (a long list only for what changed)."""
        screen = self.screen
        if isinstance(screen, LoadingScreen):
            screen.refresh_now()

    def _home(self) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def action_attention(self) -> None:
        self._home()

    def action_customers(self) -> None:
        if not isinstance(self.screen, CustomersScreen):
            self._home()
            self.push_screen(CustomersScreen(self.services))

    def action_figures(self) -> None:
        if not isinstance(self.screen, FiguresScreen):
            self._home()
            self.push_screen(FiguresScreen(self.services))

    def action_invoices(self) -> None:
        if not isinstance(self.screen, InvoicesScreen):
            self._home()
            self.push_screen(InvoicesScreen(self.services))

    @on(LoadFailed)
    def load_failed(self, message: LoadFailed) -> None:
        self.notify(escape(message.error), title=_("Could not load"), severity="error")


def run_tui(settings: Settings) -> None:
    import asyncio

    async def main() -> None:
        services = await Facturier.open(settings, migrate=False)  # viewing never writes
        try:
            await FacturierApp(services).run_async()
        finally:
            await services.close()

    asyncio.run(main())
