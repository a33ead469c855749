"""Messages made in compose worker processes: what the relay and the archive get, and what
happens when an order fails or a worker dies."""

from __future__ import annotations

import asyncio
import email
import fcntl
import hashlib
import io
import os
import pickle
import signal
import threading
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from daemon.outbound.compose_workers import (
    _FRAME,
    ComposedMessage,
    ComposeUnavailable,
    MessageMaker,
    MessageOrder,
    Workshop,
    _with_archived_bytes,
    serve,
)
from mailer.archive import Archive
from mailer.compose import Attachment, make_message_id
from mailer.errors import ArchiveError, MessageRefused
from mailer.smtp.wire import wire_shape
from tests.helpers import make_one, message_spec


def _order(
    tmp_path: Path, data: bytes, *, number: str, sha256: str | None = None, archive: bool = True
) -> MessageOrder:
    stored = Archive(tmp_path / "invoices").store(data)
    spec = message_spec(
        message_id=make_message_id("acme.example"),
        attachment=Attachment(f"{number}.pdf", "application/pdf", b"", sha256 or stored.sha256),
    )
    return MessageOrder(spec, None, archive=archive)


def _maker(tmp_path: Path, processes: int) -> MessageMaker:
    return MessageMaker((None, "fr", tmp_path / "archive", tmp_path / "invoices"), processes)


def _attachment(raw: bytes) -> bytes:
    msg = email.message_from_bytes(raw)
    [part] = [p for p in msg.walk() if p.get_filename()]
    assert isinstance(part, Message)
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


@pytest.mark.parametrize("processes", [1, 0])
async def test_messages_are_made_archived_and_each_failure_kept_to_its_order(
    tmp_path: Path, processes: int
) -> None:
    pdfs = [os.urandom(50_000) for _ in range(11)]  # more than one frame of orders
    orders = [_order(tmp_path, pdf, number=f"F-{i}") for i, pdf in enumerate(pdfs)]
    orders[3] = _order(tmp_path, b"other", number="F-3", sha256="0" * 64)  # not in the store
    tampered = _order(tmp_path, pdfs[5], number="F-5")
    attachment = tampered.spec.attachment
    stored = Archive(tmp_path / "invoices").path_for(attachment.sha256)
    os.chmod(stored, 0o644)
    stored.write_bytes(b"changed after import")
    orders[5] = tampered
    maker = _maker(tmp_path, processes)
    try:
        made = await maker.make_many(orders)
    finally:
        await maker.close()
    assert isinstance(made[3], ArchiveError) and "missing" in str(made[3])
    assert isinstance(made[5], MessageRefused)
    assert "does not match the stored invoice" in str(made[5])
    assert len(list((tmp_path / "archive").rglob("*.eml"))) == 9  # none for a refused one
    for i, result in enumerate(made):
        if i in (3, 5):
            continue
        assert isinstance(result, ComposedMessage), result
        assert _attachment(result.raw) == pdfs[i]
        assert result.copy is not None
        assert result.copy.path.read_bytes() == result.raw
        assert result.copy.sha256 == hashlib.sha256(result.raw).hexdigest()
        assert email.message_from_bytes(result.raw)["Message-ID"] == orders[i].spec.message_id
        assert result.shape == wire_shape(result.raw) and result.shape.crlf


@pytest.mark.parametrize("processes", [1, 0])
async def test_a_changed_invoice_is_refused_in_a_message_not_archived_too(
    tmp_path: Path, processes: int
) -> None:
    pdf = os.urandom(5_000)
    preview = _order(tmp_path, pdf, number="F-1", archive=False)
    stored = Archive(tmp_path / "invoices").path_for(preview.spec.attachment.sha256)
    os.chmod(stored, 0o644)
    stored.write_bytes(pdf[::-1])
    maker = _maker(tmp_path, processes)
    try:
        [made] = await maker.make_many([preview])
    finally:
        await maker.close()
    assert isinstance(made, MessageRefused) and "does not match the stored invoice" in str(made)


async def test_a_message_over_the_size_limit_is_refused_in_the_worker(tmp_path: Path) -> None:
    order = _order(tmp_path, os.urandom(20_000), number="F-big")
    maker = _maker(tmp_path, 1)
    try:
        [made] = await maker.make_many([MessageOrder(order.spec, 10_000, archive=True)])
    finally:
        await maker.close()
    assert isinstance(made, MessageRefused)
    assert "10000-byte limit" in str(made)
    assert not (tmp_path / "archive").exists() or not list((tmp_path / "archive").rglob("*.eml"))


async def test_a_killed_worker_fails_its_orders_and_is_started_again(tmp_path: Path) -> None:
    maker = _maker(tmp_path, 1)
    try:
        first = await make_one(maker, _order(tmp_path, os.urandom(1000), number="F-1"))
        assert first.copy is not None
        [worker] = [w for w in maker._workers if w is not None]
        os.kill(worker.process.pid, signal.SIGKILL)
        await worker.process.wait()
        # the dead worker is noticed and replaced: the next order is made
        again = await make_one(maker, _order(tmp_path, os.urandom(1000), number="F-2"))
        assert again.copy is not None
        [replacement] = [w for w in maker._workers if w is not None]
        assert replacement.process.pid != worker.process.pid
        # orders in flight when a worker dies fail as ComposeUnavailable
        os.kill(replacement.process.pid, signal.SIGSTOP)
        pending = asyncio.ensure_future(make_one(maker, _order(tmp_path, b"x", number="F-3")))
        await asyncio.sleep(0.2)  # sent, never answered
        assert not pending.done()
        os.kill(replacement.process.pid, signal.SIGKILL)
        with pytest.raises(ComposeUnavailable):
            await pending
    finally:
        await maker.close()


async def test_closing_stops_the_workers(tmp_path: Path) -> None:
    maker = _maker(tmp_path, 2)
    await maker.make_many([_order(tmp_path, os.urandom(1000), number=f"F-{i}") for i in range(9)])
    processes = [w.process for w in maker._workers if w is not None]
    assert len(processes) == 2
    await maker.close()
    assert all(p.returncode == 0 for p in processes)


async def test_a_worker_outlives_the_signals_sent_to_its_group_and_ends_with_its_pipe(
    tmp_path: Path,
) -> None:
    maker = _maker(tmp_path, 1)
    try:
        await make_one(maker, _order(tmp_path, os.urandom(1000), number="F-1"))
        [worker] = [w for w in maker._workers if w is not None]
        os.kill(worker.process.pid, signal.SIGINT)  # Ctrl-C on the terminal
        os.kill(worker.process.pid, signal.SIGTERM)  # systemd stopping the service
        made = await make_one(maker, _order(tmp_path, os.urandom(1000), number="F-2"))
        assert made.copy is not None
        assert [w.process.pid for w in maker._workers if w is not None] == [worker.process.pid]
    finally:
        await maker.close()
    assert worker.process.returncode == 0


def _thread_niceness(pid: int) -> dict[int, int]:
    """Each thread's niceness, as the kernel schedules it (field 19 of its stat)."""
    nice = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        nice[int(task.name)] = int(fields[16])
    return nice


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
async def test_workers_and_every_thread_they_start_run_at_a_lower_cpu_priority(
    tmp_path: Path,
) -> None:
    """The send loop waits on each reply; the workers' queued-ahead composing yields to it."""
    maker = MessageMaker((None, "fr", tmp_path / "archive", tmp_path / "invoices"), 1, nice=7)
    try:
        orders = [_order(tmp_path, os.urandom(1000), number=f"F-{i}") for i in range(40)]
        assert all(isinstance(m, ComposedMessage) for m in await maker.make_many(orders))
        worker = maker._workers[0]
        assert worker is not None
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        threads = _thread_niceness(worker.process.pid)
        assert len(threads) > 2  # the archive's fsync threads and the answer thread too
        assert set(threads.values()) == {min(ours + 7, 19)}
        assert os.getpriority(os.PRIO_PROCESS, 0) == ours  # the daemon's own is untouched
    finally:
        await maker.close()


@pytest.mark.skipif(not hasattr(fcntl, "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
async def test_a_worker_hands_back_a_batch_through_a_wide_pipe(tmp_path: Path) -> None:
    """A 64 KB pipe would hold back a worker at every 64 KB of a 150 KB message until the
    daemon reads it; the worker widens it to 1 MB."""
    maker = _maker(tmp_path, 1)
    try:
        [made] = await maker.make_many([_order(tmp_path, b"%PDF-1.7 x", number="F-1")])
        assert isinstance(made, ComposedMessage)
        worker = maker._workers[0]
        assert worker is not None
        transport = worker.process._transport  # type: ignore[attr-defined]
        pipe = transport.get_pipe_transport(1).get_extra_info("pipe")
        assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) == 1 << 20
    finally:
        await maker.close()


def test_an_archived_message_crosses_back_without_its_bytes_which_are_read_from_the_archive(
    tmp_path: Path,
) -> None:
    """The worker's answer leaves out what the daemon can read from the archive copy it just
    wrote; the daemon reads it back, or fails that one order when the copy is gone."""
    pdf = os.urandom(100_000)
    order = _order(tmp_path, pdf, number="F-1")
    frame = pickle.dumps([order])
    answer = io.BytesIO()
    workshop = Workshop.of(None, "fr", tmp_path / "archive", tmp_path / "invoices")
    try:
        serve(io.BytesIO(_FRAME.pack(len(frame)) + frame), answer, workshop)
    finally:
        workshop.storing.shutdown(wait=True)
    [sent] = pickle.loads(answer.getvalue()[_FRAME.size :])
    assert isinstance(sent, ComposedMessage) and sent.copy is not None
    assert sent.raw == b"" and len(answer.getvalue()) < 10_000
    read_back = _with_archived_bytes(sent)
    assert isinstance(read_back, ComposedMessage)
    assert read_back.raw == sent.copy.path.read_bytes()
    assert hashlib.sha256(read_back.raw).hexdigest() == sent.copy.sha256
    assert _attachment(read_back.raw) == pdf
    sent.copy.path.unlink()
    gone = _with_archived_bytes(sent)
    assert isinstance(gone, ArchiveError) and sent.copy.sha256 in str(gone)


def _frames(*batches: list[MessageOrder]) -> io.BytesIO:
    frames = [pickle.dumps(orders) for orders in batches]
    return io.BytesIO(b"".join(_FRAME.pack(len(f)) + f for f in frames))


def _answers(stream: bytes) -> list[list[ComposedMessage]]:
    answers, at = [], 0
    while at < len(stream):
        (size,) = _FRAME.unpack_from(stream, at)
        answers.append(pickle.loads(stream[at + _FRAME.size : at + _FRAME.size + size]))
        at += _FRAME.size + size
    return answers


def test_a_worker_answers_its_frames_in_order_while_the_first_copies_are_still_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next frame is composed while the frame before waits for its fsyncs; the answers
    still come back one per frame, in the order asked, each order with its own message."""
    pdfs = [os.urandom(20_000) for _ in range(5)]
    orders = [_order(tmp_path, pdf, number=f"F-{i}") for i, pdf in enumerate(pdfs)]
    workshop = Workshop.of(None, "fr", tmp_path / "archive", tmp_path / "invoices")
    second_frame_composed = threading.Event()
    store, start = Workshop._store, Workshop.start

    def slow_first_store(self: Workshop, spec: Any, raw: bytes) -> Any:
        if spec.attachment.filename == "F-0.pdf":  # held until the next frame is composed
            assert second_frame_composed.wait(timeout=5)
        return store(self, spec, raw)

    def starting(self: Workshop, frame: list[MessageOrder]) -> Any:
        started = start(self, frame)
        if frame[0].spec.attachment.filename == "F-2.pdf":
            second_frame_composed.set()
        return started

    monkeypatch.setattr(Workshop, "_store", slow_first_store)
    monkeypatch.setattr(Workshop, "start", starting)
    answer = io.BytesIO()
    try:
        serve(_frames(orders[:2], orders[2:4], orders[4:]), answer, workshop)
    finally:
        workshop.storing.shutdown(wait=True)
    answers = _answers(answer.getvalue())
    assert [len(a) for a in answers] == [2, 2, 1]
    made = [m for a in answers for m in a]
    for pdf, message in zip(pdfs, made, strict=True):
        assert isinstance(message, ComposedMessage) and message.copy is not None
        assert _attachment(message.copy.path.read_bytes()) == pdf


class _GoneDaemon(io.BytesIO):
    def write(self, data: Any) -> int:
        raise BrokenPipeError("the daemon is gone")


def test_a_worker_whose_daemon_is_gone_finishes_its_copies_and_ends(tmp_path: Path) -> None:
    """A daemon killed mid-batch leaves its worker writing into a broken pipe: the worker
    still finishes storing what it composed, and ends instead of hanging."""
    orders = [_order(tmp_path, os.urandom(10_000), number=f"F-{i}") for i in range(12)]
    workshop = Workshop.of(None, "fr", tmp_path / "archive", tmp_path / "invoices")
    try:
        serve(_frames(*(orders[i : i + 2] for i in range(0, 12, 2))), _GoneDaemon(), workshop)
    finally:
        workshop.storing.shutdown(wait=True)
    assert len(list((tmp_path / "archive").glob("*/*.eml"))) == 12
