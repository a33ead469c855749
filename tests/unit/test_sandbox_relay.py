"""The demo's sandbox relay keeps every mailbox inside its folder, whatever the address."""

from __future__ import annotations

import smtplib
from pathlib import Path

from mailer.demo_relay import SandboxServer, mailbox_path


def test_a_quoted_local_part_with_dots_and_slashes_stays_inside(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    outside = tmp_path / "pwned"
    hostile = '"../../../../' + str(outside).lstrip("/") + '"@example.test'
    with smtplib.SMTP("127.0.0.1", sandbox.port) as client:
        client.sendmail("a@acme.example", [hostile], b"Subject: x\r\n\r\nhello\r\n")
    assert not outside.exists()
    root = tmp_path / "mail" / "customers"
    [stored] = sandbox.received(hostile)
    assert b"hello" in stored
    assert mailbox_path(root, hostile).resolve().is_relative_to(root.resolve())
    assert mailbox_path(root, "factures@dupont.example") == root / "dupont.example" / "factures"
