"""Messages the background loaders post; only @on handlers touch widgets."""

from __future__ import annotations

from textual.message import Message

from daemon.app.archived import ArchivedMessage
from daemon.app.attention import AttentionItem
from daemon.app.figures import DeliveryFigures
from daemon.app.queries import CustomerRow, InvoiceDetail, InvoiceRow


class AttentionLoaded(Message):
    def __init__(self, items: list[AttentionItem]) -> None:
        super().__init__()
        self.items = items


class InvoicesLoaded(Message):
    def __init__(self, rows: list[InvoiceRow]) -> None:
        super().__init__()
        self.rows = rows


class InvoiceDetailLoaded(Message):
    def __init__(self, detail: InvoiceDetail) -> None:
        super().__init__()
        self.detail = detail


class CustomersLoaded(Message):
    def __init__(self, customers: list[CustomerRow]) -> None:
        super().__init__()
        self.customers = customers


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


class FiguresLoaded(Message):
    def __init__(self, figures: DeliveryFigures) -> None:
        super().__init__()
        self.figures = figures


class MessagesLoaded(Message):
    def __init__(self, found: list[ArchivedMessage]) -> None:
        super().__init__()
        self.found = found
