"""Secrets never appear in a repr (log lines and tracebacks print reprs)."""

from __future__ import annotations

from config import Settings
from mailer.mailbox import ImapConfig
from mailer.smtp.relay import RelayConfig


def test_relay_and_mailbox_configs_hide_their_passwords() -> None:
    relay = RelayConfig("smtp.example", 587, username="u", password="s3cret-relay")
    imap = ImapConfig("imap.example", 993, "u", "s3cret-imap")
    assert "s3cret" not in repr(relay) and "s3cret" not in repr(imap)
    assert relay.password == "s3cret-relay" and imap.password == "s3cret-imap"


def test_settings_hide_every_secret() -> None:
    s = Settings(
        smtp={"password": "s3cret-smtp"},
        imap={"password": "s3cret-imap"},
        sender={"verp_secret": "s3cret-verp"},
    )
    assert "s3cret" not in repr(s) and "s3cret" not in str(s)
