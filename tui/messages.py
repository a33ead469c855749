"""Messages the background loaders post; only @on handlers touch widgets."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class Loaded(Message):
    """What a screen asked its loader for (see ``tui.loading``)."""

    def __init__(self, data: Any) -> None:
        super().__init__()
        self.data = data


class LoadFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ActionDone(Message):
    """An action went through: what was done, in one line for the operator."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ActionFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error
