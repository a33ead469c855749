"""The "sent invoices" folder holds each accepted message once, even when an APPEND's answer
is lost after the server filed it (SQLite and PostgreSQL; the folder a local Maildir)."""

from __future__ import annotations

import mailbox
from pathlib import Path

from daemon.app.services import Facturier
from daemon.intake.customers import NewCustomer
from daemon.outbound.worker import DeliveryWorker
from mailer.errors import MailboxError
from mailer.maildir import MaildirMailbox
from tests.helpers import invoice_file


class AnswerLostOnce(MaildirMailbox):
    """Files the message, then fails as a connection lost before the server's OK would."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.lost = False

    async def append(self, raw: bytes) -> None:
        await super().append(raw)
        if not self.lost:
            self.lost = True
            raise MailboxError("connection lost while waiting for the APPEND's answer")


async def test_a_copy_whose_append_answer_was_lost_is_not_filed_twice(
    app: Facturier, tmp_path: Path
) -> None:
    await app.customers.add(
        NewCustomer("Boulangerie Dupont", "factures@dupont.example", (), None, "C-1"),
        changed_by="t",
    )
    await app.ingest.import_paths([invoice_file(tmp_path / "in", "FA-1")])
    folder = AnswerLostOnce(tmp_path / "sent")
    worker = DeliveryWorker(app.ctx, folder)
    try:
        [outcome] = await worker.run_once()
        assert outcome.state == "accepted" and folder.lost
        assert await worker.file_pending_sent_copies() == 1  # asked the folder, found it
        assert await worker.file_pending_sent_copies() == 0
    finally:
        await worker.close()
    assert len(mailbox.Maildir(tmp_path / "sent")) == 1
