"""Making a delivery's message: read the invoice, compose, archive with fsync.

This is the send path's CPU-heavy half (Jinja, the email package, base64, sha256) plus the
archive's fsyncs. With ``delivery.compose_processes`` > 0 it runs in that many worker
processes, so it takes a core of its own beside the sending loop instead of competing with
it for the GIL; with 0 it runs in a thread of the daemon's own process.

A worker is this module run as a program (``python -m daemon.outbound.compose_workers``): it
imports the mailer and nothing else of the daemon, reads pickled orders from its stdin and
answers in order on its stdout, each frame prefixed by its length. It only reads the invoice
store and writes the archive: the database, the chain of archive entries and SMTP stay with
the daemon. It ends when its stdin closes, which is also what a killed daemon leaves it. A
worker ignores SIGINT and SIGTERM, which a terminal or a service manager sends to the whole
process group, so a daemon stopping gracefully still gets the messages it asked for. A
worker that dies fails the orders it held as :class:`ComposeUnavailable` (each counts as
an unexpected error of its delivery: tried again, then held at the poison limit) and is
started again for the next ones.
Workers run at a lower CPU priority (``delivery.compose_nice``): what they make is queued
ahead, while the send loop's every reply and mark is on the critical path.
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import json
import logging
import os
import pickle
import queue
import signal
import struct
import sys
import threading
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from daemon.domain.errors import FacturierError, TransientError
from daemon.domain.metrics import COMPOSE_RESTARTS
from mailer.archive import Archive, ArchivedCopy, read_copy
from mailer.compose import Attachment, Composer, MessageSpec, check_attachment_of
from mailer.dkim import DkimSigner, read_key
from mailer.errors import ArchiveError, MessageRefused
from mailer.smtp.wire import WireShape, wire_shape

log = logging.getLogger(__name__)

_FRAME = struct.Struct("!Q")  # a frame's length, before its pickled content
_CHUNK = 8  # orders per frame: a worker holds a few messages at a time, not a whole batch
_FRAMES_AHEAD = 2  # frames composed while the one before is still being stored


class ComposeUnavailable(TransientError):
    """The worker process making a message died before it answered. Transient."""


@dataclass(frozen=True)
class MessageOrder:
    """What a worker needs to make one message. The attachment's data is left empty: the
    worker reads it from the invoice store by its sha256 (and checks it)."""

    spec: MessageSpec
    max_bytes: int | None
    archive: bool  # store an archive copy (fsynced) once composed


@dataclass(frozen=True)
class ComposedMessage:
    raw: bytes
    copy: ArchivedCopy | None
    shape: WireShape | None = None  # worked out by the worker, so the sender need not


class ComposeFailed(FacturierError):
    """An unexpected error while making one message, as the worker process saw it."""


Composed = ComposedMessage | BaseException  # one order's result: the message, or why it failed
_Composing = tuple[bytes, WireShape, "Future[ArchivedCopy] | None"] | BaseException


@dataclass(frozen=True)
class Workshop:
    """Everything making a message needs, as a worker process holds it."""

    composer: Composer
    archive: Archive
    invoices: Archive
    # archive copies are written and fsynced in threads while the next message is composed
    # (the GIL is free during the writes; the filesystem commits concurrent fsyncs together)
    storing: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="archive")
    )

    signer: DkimSigner | None = None
    """Signs each message (DKIM) before it is archived: the archived bytes are the sent."""

    @classmethod
    def of(
        cls,
        template_dir: Path | None,
        language: str,
        archive: Path,
        invoices: Path,
        dkim: tuple[str, str, Path] | None = None,
    ) -> Workshop:
        signer = DkimSigner(dkim[0], dkim[1], read_key(dkim[2])) if dkim else None
        return cls(
            Composer(template_dir, language), Archive(archive), Archive(invoices), signer=signer
        )

    def make_many(self, orders: list[MessageOrder]) -> list[Composed]:
        """Each order's message, or the exception that stopped it (one order's failure
        never stops the others)."""
        return self.finish(self.start(orders))

    def start(self, orders: list[MessageOrder]) -> list[_Composing]:
        """Compose each order's message and start storing its archive copy in a thread."""
        started: list[_Composing] = []
        for order in orders:
            try:
                # checked against the stored files' sha256 once, below, not twice
                spec = replace(
                    order.spec,
                    attachment=self._with_data(order.spec.attachment),
                    beside=tuple(self._with_data(a) for a in order.spec.beside),
                )
                raw, shape = self.composer.compose_for_wire(
                    spec, max_bytes=order.max_bytes, check_attachment=not order.archive
                )
                if self.signer is not None:
                    field = self.signer.signature(raw)
                    own = wire_shape(field)
                    raw = field + raw
                    shape = WireShape(shape.crlf and own.crlf, shape.dot_lines or own.dot_lines)
            except Exception as exc:
                started.append(_portable(exc))
                continue
            # an archived message's attachment is checked in the thread that then stores it
            # (hashing frees the GIL): beside the next message's composing, and before the
            # message is archived or goes anywhere
            storing = self.storing.submit(self._store, spec, raw) if order.archive else None
            started.append((raw, shape, storing))
        return started

    @staticmethod
    def finish(started: list[_Composing]) -> list[Composed]:
        """The messages of :meth:`start` once their archive copies are stored (fsynced)."""
        made: list[Composed] = []
        for item in started:
            if isinstance(item, BaseException):
                made.append(item)
                continue
            raw, shape, storing = item
            try:
                made.append(ComposedMessage(raw, storing.result() if storing else None, shape))
            except Exception as exc:
                made.append(_portable(exc))
        return made

    def _with_data(self, attachment: Attachment) -> Attachment:
        return replace(attachment, data=self.invoices.read(attachment.sha256, verify=False))

    def _store(self, spec: MessageSpec, raw: bytes) -> ArchivedCopy:
        check_attachment_of(spec)
        return self.archive.store(raw)


def _portable(exc: Exception) -> BaseException:
    """``exc`` as it can cross back to the daemon: the mailer's own errors as they are,
    anything else with its traceback in the message."""
    if isinstance(exc, (MessageRefused, ArchiveError)):
        return exc
    trace = "".join(traceback.format_exception(exc)).rstrip()
    return ComposeFailed(trace)


def _without_archived_bytes(made: Composed) -> Composed:
    """What crosses back to the daemon: an archived message's bytes stay out of the pipe, the
    daemon reads them from the archive copy just written (one copy through the kernel
    instead of pickling, piping and unpickling 150 KB)."""
    if isinstance(made, ComposedMessage) and made.copy is not None:
        return replace(made, raw=b"")
    return made


def _with_archived_bytes(made: Composed) -> Composed:
    """The daemon's side of :func:`_without_archived_bytes`: the bytes read back from the
    archive copy (content-addressed, written and fsynced by the worker a moment ago)."""
    if not (isinstance(made, ComposedMessage) and made.copy is not None and not made.raw):
        return made
    try:
        return replace(made, raw=read_copy(made.copy))
    except ArchiveError as exc:
        return exc


def serve(stdin: IO[bytes], stdout: IO[bytes], workshop: Workshop) -> None:
    """A worker's loop: a frame of orders in, a frame of results out, in order, until stdin
    ends. A frame is answered from a thread once its archive copies are stored, while this
    one composes the next frames (so the last fsyncs of a frame never hold up the next)."""
    answers: queue.Queue[list[_Composing] | None] = queue.Queue(maxsize=_FRAMES_AHEAD)

    def answer_all() -> None:
        writing = True
        while (started := answers.get()) is not None:
            made = [_without_archived_bytes(m) for m in workshop.finish(started)]
            if not writing:  # the daemon is gone: its orders are still finished
                continue
            answer = pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                stdout.write(_FRAME.pack(len(answer)) + answer)
                stdout.flush()
            except OSError:
                writing = False

    answerer = threading.Thread(target=answer_all, name="answers")
    answerer.start()
    try:
        while header := stdin.read(_FRAME.size):
            orders = pickle.loads(stdin.read(_FRAME.unpack(header)[0]))
            answers.put(workshop.start(orders))
    finally:
        answers.put(None)
        answerer.join()


class _Worker:
    """One worker process and the orders it has been sent, answered in order."""

    def __init__(self, process: asyncio.subprocess.Process):
        self.process = process
        self.stopping = False
        self.waiting: asyncio.Queue[asyncio.Future[list[Composed]]] = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read_answers())

    @property
    def alive(self) -> bool:
        return self.process.returncode is None and not self.reader.done()

    async def _read_answers(self) -> None:
        assert self.process.stdout is not None
        try:
            while True:
                header = await self.process.stdout.readexactly(_FRAME.size)
                answer = await self.process.stdout.readexactly(_FRAME.unpack(header)[0])
                pending = await self.waiting.get()
                if not pending.done():
                    pending.set_result(pickle.loads(answer))
        except asyncio.IncompleteReadError:
            if not self.stopping:
                log.warning("compose worker %s died", self.process.pid)
        except Exception:  # an answer that cannot be read: the worker is not to be trusted
            log.exception("compose worker %s: unreadable answer; stopping it", self.process.pid)
            self.process.kill()
        finally:
            while not self.waiting.empty():
                pending = self.waiting.get_nowait()
                if not pending.done():
                    pending.set_exception(
                        ComposeUnavailable(f"compose worker {self.process.pid} died")
                    )

    async def ask(self, orders: list[MessageOrder]) -> list[Composed]:
        assert self.process.stdin is not None
        frame = pickle.dumps(orders, protocol=pickle.HIGHEST_PROTOCOL)
        answer: asyncio.Future[list[Composed]] = asyncio.get_running_loop().create_future()
        self.waiting.put_nowait(answer)  # before writing: the reader may answer at once
        try:
            self.process.stdin.write(_FRAME.pack(len(frame)) + frame)
            await self.process.stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise ComposeUnavailable(f"compose worker {self.process.pid} died: {exc}") from exc
        if self.reader.done() and not answer.done():
            raise ComposeUnavailable(f"compose worker {self.process.pid} died")
        return await answer

    async def stop(self) -> None:
        self.stopping = True
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await asyncio.gather(self.reader, return_exceptions=True)


class MessageMaker:
    """Makes messages in ``processes`` worker processes (started on first use), or in a
    thread when ``processes`` is 0."""

    def __init__(
        self,
        workshop_args: tuple[Path | None, str, Path, Path],
        processes: int,
        nice: int = 0,
        dkim: tuple[str, str, Path] | None = None,
    ):
        self._args = workshop_args
        self._dkim = dkim
        self.processes = processes
        self.nice = nice
        self._local = Workshop.of(*workshop_args, dkim=dkim) if processes == 0 else None
        self._workers: list[_Worker | None] = [None] * processes
        self._turn = itertools.cycle(range(max(processes, 1)))
        self._starting = asyncio.Lock()

    async def _worker(self) -> _Worker:
        slot = next(self._turn)
        async with self._starting:
            worker = self._workers[slot]
            if worker is None or not worker.alive:
                if worker is not None:
                    COMPOSE_RESTARTS.inc()
                    await worker.stop()
                template_dir, language, archive, invoices = self._args
                argument = json.dumps(
                    [
                        str(template_dir) if template_dir else None,
                        language,
                        str(archive),
                        str(invoices),
                        self.nice,
                        [self._dkim[0], self._dkim[1], str(self._dkim[2])] if self._dkim else None,
                    ]
                )
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    __name__,
                    argument,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                worker = self._workers[slot] = _Worker(process)
                log.info("compose worker %s started", process.pid)
            return worker

    async def make_many(self, orders: list[MessageOrder]) -> list[Composed]:
        """Each order's message or why it failed, in order. Raises
        :class:`ComposeUnavailable` when a worker process died on the way."""
        if not orders:
            return []
        if self._local is not None:
            return await asyncio.to_thread(self._local.make_many, orders)
        chunks = [orders[i : i + _CHUNK] for i in range(0, len(orders), _CHUNK)]
        workers = [await self._worker() for _ in chunks]
        done = await asyncio.gather(*(w.ask(c) for w, c in zip(workers, chunks, strict=True)))
        made = [made for chunk in done for made in chunk]
        return await asyncio.to_thread(lambda: [_with_archived_bytes(m) for m in made])

    async def close(self) -> None:
        for worker in self._workers:
            if worker is not None:
                await worker.stop()
        self._workers = [None] * self.processes
        if self._local is not None:
            self._local.storing.shutdown(wait=True)


def _widen_pipe(fd: int) -> None:
    """Let the pipe back to the daemon hold more (1 MB, Linux's default ceiling, instead of
    64 KB): messages that are not archived (previews) cross it whole, and the worker goes on
    composing instead of waiting for the daemon to read each 64 KB."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (AttributeError, OSError):  # not Linux, or a lower ceiling: the default stays
        log.debug("pipe to the daemon keeps its default size")


def main() -> None:
    # A worker lives as long as its stdin: Ctrl-C in a terminal or a service manager's
    # SIGTERM reach the whole process group, and the daemon, stopping gracefully, still
    # needs the messages it asked for. A killed daemon closes the pipe and that ends it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    template_dir, language, archive, invoices, nice, dkim = json.loads(sys.argv[1])
    # Before any thread starts: on Linux niceness belongs to each thread, and only threads
    # created afterwards inherit it.
    if nice:
        os.nice(nice)
    _widen_pipe(sys.stdout.fileno())
    workshop = Workshop.of(
        Path(template_dir) if template_dir else None,
        language,
        Path(archive),
        Path(invoices),
        (dkim[0], dkim[1], Path(dkim[2])) if dkim else None,
    )
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer, workshop)
    finally:
        workshop.storing.shutdown(wait=True)


if __name__ == "__main__":
    # run as daemon.outbound.compose_workers, not __main__: what it pickles must name its
    # real module
    from daemon.outbound.compose_workers import main as worker_main

    worker_main()
