"""How a command reports the items it works through: one JSON object per line (``--json``),
a progress bar with the lines that matter when the output is a terminal, or a plain line per
item as it is done (a script's log), then a one-line summary."""

from __future__ import annotations

import dataclasses
import json
import sys
from types import TracebackType
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from daemon.domain.i18n import N_, _, ngettext


class Reporter:
    def __init__(self, as_json: bool, doing: str = "working") -> None:
        self.as_json = as_json
        self.doing = doing
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> Reporter:
        if not self.as_json and sys.stdout.isatty():
            self._progress = Progress(
                TextColumn(self.doing),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(),
                transient=True,
            )
            self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def item(self, obj: Any, line: str, done: int | None = None, total: int | None = None) -> None:
        """One item done: its JSON object, or its line (printed above the bar on a terminal)."""
        if self.as_json:
            emit(obj)
        elif self._progress is not None:
            if self._task is None:
                self._task = self._progress.add_task(self.doing, total=total)
            self._progress.console.print(line, markup=False, highlight=False)
            self._progress.update(self._task, completed=done, total=total)
        else:
            typer.echo(line)

    @property
    def shows_progress(self) -> bool:
        return self._progress is not None

    def progress(self, done: int, total: int | None = None) -> None:
        """Move the bar without a line (items that are counted, not listed)."""
        if self._progress is None:
            return
        if self._task is None:
            self._task = self._progress.add_task(self.doing, total=total)
        self._progress.update(self._task, completed=done, total=total)

    def problems(self, found: Any) -> None:
        """Each problem a check found, one item each ("BAD …"): in JSON as the check says
        it in English, on a line in the operator's language where it can say itself so."""
        for problem in found:
            show = getattr(problem, "shown", None)
            line = show() if callable(show) else str(problem)
            # the mark, like health's DOWN and check-domain's FIX, is a tag kept as it is
            self.item({"problem": str(problem)}, f"BAD {line}")

    def summary(self, obj: dict[str, Any], line: str) -> None:
        if self.as_json:
            emit({"summary": obj})
        else:
            typer.echo(line)


def emit(obj: Any) -> None:
    """One JSON object on a line of its own (a dataclass as its fields)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    typer.echo(json.dumps(obj, ensure_ascii=False, default=str))


def problems_found(count: int) -> str:
    """How many problems a check found, as the reader writes it: "no problems", "1 problem"."""
    if not count:
        return _("no problems")
    return ngettext("{count} problem", "{count} problems", count).format(count=count)


def counted(count: int, what: str) -> str:
    """How many are in one state, ``what`` being the state's label: "2 deferred" in English;
    in French the label first ("différée 2"), which needs no plural agreement."""
    return _("{count} {state}").format(count=count, state=what)


def checked(entries: int, links: int) -> str:
    """How much of the archive and the ledger a check went through."""
    return ", ".join(
        (
            ngettext("{count} entry checked", "{count} entries checked", entries).format(
                count=entries
            ),
            ngettext("{count} ledger link checked", "{count} ledger links checked", links).format(
                count=links
            ),
        )
    )


FAILED = N_("FAIL")
TO_FIX = N_("FIX")
IS_DOWN = N_("DOWN")


def mark(ok: bool, bad: str = FAILED) -> str:
    """The mark that opens an item's line, in the reader's language: "ok", or ``bad``
    (:data:`FAILED`, :data:`TO_FIX`, :data:`IS_DOWN`), both as wide, so the lines align."""
    good, wrong = _("ok"), _(bad)
    return (good if ok else wrong).ljust(max(len(good), len(wrong)))
