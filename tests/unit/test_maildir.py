"""The local Maildir a bounce reader or the sent copies may use: what it holds that is not a
message is left alone, not waited on."""

from __future__ import annotations

import logging
import mailbox
import os
from pathlib import Path

import pytest

from mailer.maildir import MaildirMailbox
from tests.helpers import pipe_let_go_after

BOUNCE = b"From: MAILER-DAEMON@mx.example\r\nMessage-ID: <b1@mx.example>\r\n\r\nreturned\r\n"


def _with_a_pipe(folder: Path) -> Path:
    """A Maildir holding BOUNCE and, beside it in new/, a named pipe: the pipe."""
    mailbox.Maildir(folder, create=True).add(BOUNCE)
    fifo = folder / "new" / "1700000000.M1P1.planted"
    os.mkfifo(fifo)
    return fifo


async def test_a_pipe_in_the_bounce_maildir_is_left_there_said_once_and_never_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "bounces"
    fifo = _with_a_pipe(folder)
    reader = MaildirMailbox(folder)
    await reader.open()
    caplog.set_level(logging.WARNING, logger="mailer.mailbox")
    with pipe_let_go_after(fifo):
        first = await reader.fetch_after(0, 10)
        again = await reader.fetch_after(0, 10)
    assert [m.raw for m in first] == [m.raw for m in again] == [BOUNCE]
    assert fifo.exists()  # not ours to remove
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and str(fifo) in said[0] and "not a regular file" in said[0]
    # the message is filed away as usual; the pipe stays where it was
    await reader.move(first[0].uid, "Done")
    with pipe_let_go_after(fifo):
        assert await reader.fetch_after(0, 10) == []


async def test_a_pipe_in_the_sent_maildir_does_not_stop_looking_for_a_copy(
    tmp_path: Path,
) -> None:
    sent = tmp_path / "sent"
    fifo = _with_a_pipe(sent)
    folder = MaildirMailbox(sent)
    with pipe_let_go_after(fifo):
        assert await folder.holds("<b1@mx.example>")
        assert not await folder.holds("<other@mx.example>")


async def test_the_sent_maildir_is_made_by_the_first_copy_even_under_a_new_folder(
    tmp_path: Path,
) -> None:
    """`doctor` says the sent copies' Maildir is made by the first copy filed; under a
    folder not there yet, every copy failed with "No such file or directory" instead."""
    sent = MaildirMailbox(tmp_path / "mail" / "sent")
    assert not await sent.holds("<b1@mx.example>")
    await sent.append(BOUNCE)
    assert await sent.holds("<b1@mx.example>")
    assert [p.name for p in sorted((tmp_path / "mail" / "sent").iterdir())] == [
        "cur",
        "new",
        "tmp",
    ]
