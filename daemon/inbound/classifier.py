"""Classifying untrusted mail off the event loop, within a time budget per message.

``bounce_parser.classify`` is pure CPU work on bytes anyone can send. It runs in a worker
process of its own (forked from a clean server process, the parser already imported), so
a hostile message the parser's bounds did not foresee never stalls sending, and a message
over its budget is stopped by ending that process: the message is quarantined with the
reason and the next one goes to a fresh worker.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
from collections.abc import Callable
from multiprocessing.process import BaseProcess

from bounce_parser import Classification, classify
from daemon.domain.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["bounce_parser"])


class OverBudget(PermanentError):
    """A message took longer to classify than its budget."""


class ClassifierUnavailable(TransientError):
    """The classifying process died or could not be started."""


Reader = Callable[[bytes], Classification]
"""What the worker runs on each message: ``classify``, or a module-level function in its
place (it is handed to the worker process by name)."""


def _serve(conn: multiprocessing.connection.Connection, reader: Reader) -> None:
    """The worker: bytes in, a Classification out, until the pipe closes."""
    while True:
        try:
            raw = conn.recv_bytes()
        except EOFError:
            return
        conn.send(reader(raw))


class Classifier:
    def __init__(self, budget_seconds: float, reader: Reader = classify):
        self.budget = budget_seconds
        self.reader = reader
        self._process: BaseProcess | None = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._lock = asyncio.Lock()  # one message at a time through the pipe

    def _start(self) -> multiprocessing.connection.Connection:
        ours, theirs = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_serve, args=(theirs, self.reader), daemon=True, name="classify"
        )
        try:
            process.start()
        except OSError as exc:
            raise ClassifierUnavailable(f"cannot start the classifying process: {exc}") from exc
        theirs.close()
        self._process, self._conn = process, ours
        return ours

    async def classify(self, raw: bytes) -> Classification:
        """``raw`` classified, or :class:`OverBudget` when it takes longer than the budget."""
        async with self._lock:
            return await asyncio.to_thread(self._ask, raw)

    def _ask(self, raw: bytes) -> Classification:
        """In a thread: the worker process is started (when it is not running yet) and
        asked, and stopped when it takes longer than the budget."""
        conn = self._conn or self._start()
        try:
            conn.send_bytes(raw)
            if not conn.poll(self.budget):
                self._stop()
                raise OverBudget(f"classifying took longer than {self.budget:g} s: stopped")
            result: Classification = conn.recv()
        except (EOFError, OSError) as exc:
            self._stop()
            raise ClassifierUnavailable(f"the classifying process died: {exc}") from exc
        return result

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is not None and process.is_alive():
            process.kill()
            process.join(5)

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._stop)
