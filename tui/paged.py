"""A table that holds one page of a long list and asks for the next one at its edges.

The list behind it can hold a million rows; the table never does. Moving past its last row,
or Page Down there, asks for the older page; past its first row for the newer one; Home and
End (with or without Ctrl) for the newest and the oldest. The screen that owns the table
answers ``PagedTable.Edge`` by loading that page by key (``daemon.app.invoice_list``)."""

from __future__ import annotations

from typing import Literal

from textual.message import Message
from textual.widgets import DataTable

Direction = Literal["older", "newer", "newest", "oldest"]


class PagedTable(DataTable[object]):
    more_older = False
    more_newer = False

    class Edge(Message):
        """The operator moved past what the table holds, towards ``direction``."""

        def __init__(self, table: PagedTable, direction: Direction) -> None:
            super().__init__()
            self.table = table
            self.direction = direction

        @property
        def control(self) -> PagedTable:
            """The table it came from (what ``@on(..., "#id")`` matches)."""
            return self.table

    def _at_last_row(self) -> bool:
        return self.row_count == 0 or self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_last_row() and self.more_older:
            self.post_message(self.Edge(self, "older"))
        else:
            super().action_cursor_down()

    def action_page_down(self) -> None:
        if self._at_last_row() and self.more_older:
            self.post_message(self.Edge(self, "older"))
        else:
            super().action_page_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.more_newer:
            self.post_message(self.Edge(self, "newer"))
        else:
            super().action_cursor_up()

    def action_page_up(self) -> None:
        if self.cursor_row <= 0 and self.more_newer:
            self.post_message(self.Edge(self, "newer"))
        else:
            super().action_page_up()

    def action_scroll_top(self) -> None:
        self.post_message(self.Edge(self, "newest"))

    def action_scroll_home(self) -> None:
        self.post_message(self.Edge(self, "newest"))

    def action_scroll_bottom(self) -> None:
        self.post_message(self.Edge(self, "oldest"))

    def action_scroll_end(self) -> None:
        self.post_message(self.Edge(self, "oldest"))
