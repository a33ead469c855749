"""The one way a screen loads what it shows, and the one way it acts: a background worker asks
the service layer and posts the answer (or the failure) as a message; the screen's @on
handlers alone touch its widgets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual import on, work
from textual.binding import ActiveBinding
from textual.screen import Screen

from daemon.app.services import Facturier
from daemon.domain.errors import FacturierError
from daemon.domain.i18n import _
from tui.actions import speak_bindings, spoken
from tui.dialogs import ActionDialog, Answer
from tui.markup import escape
from tui.messages import ActionDone, ActionFailed, Loaded, LoadFailed


class LoadingScreen(Screen[None]):
    def __init__(self, services: Facturier) -> None:
        super().__init__()
        self.services = services
        speak_bindings(self)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return spoken(super().active_bindings)

    async def fetch(self) -> Any:
        """What the screen shows, from the service layer (in the worker)."""
        raise NotImplementedError

    def refresh_now(self) -> None:
        """The operator's ``r``: by default the same as the periodic look."""
        self.live_refresh()

    def live_refresh(self) -> None:
        """The app's periodic look: by default the whole screen is asked again; a screen
        over a long list asks only for what changed."""
        self.reload()

    def ask(
        self,
        title: str,
        then: Callable[[Answer], Awaitable[str]],
        *,
        asks: str | None = None,
        value: str = "",
        failures: tuple[type[Exception], ...] = (FacturierError,),
    ) -> None:
        """Ask why (and, with ``asks``, one value first), then do ``then`` in a worker; what
        it says, or what failed (one of ``failures``), is posted for the operator."""

        def answered(answer: Answer | None) -> None:
            if answer is not None:
                self.act(then, answer, failures)

        self.app.push_screen(ActionDialog(title, asks=asks, value=value), answered)

    @work(group="actions")
    async def act(
        self,
        then: Callable[[Answer], Awaitable[str]],
        answer: Answer,
        failures: tuple[type[Exception], ...],
    ) -> None:
        try:
            said = await then(answer)
        except failures as exc:
            self.post_message(ActionFailed(str(exc)))
            return
        self.post_message(ActionDone(said))

    @on(ActionDone)
    def action_done(self, message: ActionDone) -> None:
        """An action went through: said in one line, and the screen asked again."""
        self.notify(escape(message.text), title=_("Done"))
        self.reload()

    @on(ActionFailed)
    def action_failed(self, message: ActionFailed) -> None:
        self.notify(escape(message.error), title=_("Not done"), severity="error")

    @work(exclusive=True, group="load")
    async def reload(self) -> None:
        try:
            data = await self.fetch()
        except Exception as exc:  # shown to the operator as one line, never raised
            self.post_message(LoadFailed(str(exc)))
            return
        self.post_message(Loaded(data))
