"""The facturier terminal UI. It reads and acts only through daemon's service layer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
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

# Textual's own palette commands (``App.get_system_commands``), for the catalog: each is
# said in the operator's language, one Textual adds later in its own words
TEXTUAL_COMMANDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)


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
        """The palette lists every app action of the one registry, then Textual's own in the
        operator's language (its Quit is the registry's)."""
        for binding in APP_BINDINGS:
            assert isinstance(binding, Binding)
            if not binding.show:
                continue
            action = getattr(self, f"action_{binding.action}")
            yield SystemCommand(
                _(binding.description), _("key {key}").format(key=binding.key), action
            )
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                continue
            yield command._replace(title=_(command.title), help=_(command.help))

    def action_command_palette(self) -> None:
        """The palette, asking in the operator's language."""
        if self.use_command_palette and not any(
            isinstance(s, CommandPalette) for s in self.screen_stack
        ):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

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
