"""The mail sections of the settings: the sender, DKIM, the SMTP relay, the bounce mailbox
(IMAP or Maildir) and the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from config.errors import N_
from config.fields import CLEAR_LOGIN, Section, Security, mail_address, read_secret


class SenderSettings(Section):
    name: str = "Facturation"
    address: str = "billing@example.com"
    reply_to: str | None = None
    return_path: str | None = None
    """Envelope sender (MAIL FROM); bounces come back here. Defaults to ``address``."""
    verp: bool = True
    """Use a signed per-delivery return path ``local+TOKEN.SIG@domain``: a bounce, delivery
    report or complaint then changes a delivery only when it comes back to a return path
    signed with this installation's secret (the relay and the bounce mailbox must accept
    ``local+anything@domain``)."""
    verp_secret: SecretStr | None = None
    verp_secret_file: Path | None = None
    verp_key_file: Path = Path("var/verp.key")
    """Where the VERP secret is kept when neither ``verp_secret`` nor ``verp_secret_file`` is
    given: generated on first run, owner-only. Instances sharing a database share this file."""

    _addresses = field_validator("address", "reply_to", "return_path")(mail_address)

    def envelope_sender(self) -> str:
        return self.return_path or self.address

    def verp_key(self) -> bytes | None:
        """The VERP secret: the one configured, else the generated key file's (None while
        it has not been generated)."""
        secret = read_secret(self.verp_secret, self.verp_secret_file, "sender.verp_secret")
        if secret:
            return secret.encode()
        if not self.verp_key_file.exists():
            return None
        generated = read_secret(None, self.verp_key_file, "sender.verp_key_file")
        return generated.encode() if generated else None


class DkimSettings(Section):
    """DKIM signing of every message sent (``facturier dkim keygen`` makes the key and
    prints the DNS record to publish)."""

    selector: str | None = None
    key_file: Path | None = None
    """A PEM private key, RSA (at least 1024 bits; 2048 advised) or Ed25519."""
    domain: str | None = None
    """The signing domain (d=): by default the sender address's, which DMARC aligns with."""

    @model_validator(mode="after")
    def _both_or_neither(self) -> DkimSettings:
        if (self.selector is None) != (self.key_file is None):
            raise ValueError(N_("give both selector and key_file, or neither"))
        return self

    def signing(self, sender_address: str) -> tuple[str, str, Path] | None:
        """(selector, domain, key file) when signing is configured."""
        if self.selector is None or self.key_file is None:
            return None
        return self.selector, self.domain or sender_address.rsplit("@", 1)[-1], self.key_file


class SmtpSettings(Section):
    host: str = "localhost"
    port: int = Field(25, ge=1, le=65535)
    security: Security = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    timeout_seconds: float = Field(60.0, gt=0)
    max_message_bytes: int = Field(10 * 1024 * 1024, gt=0)
    helo_name: str | None = None
    validate_certs: bool = True
    # Limits of this relay (Office 365, Gmail and others cap these per account).
    max_connections: int = Field(1, ge=1, le=64)
    """Messages in flight at once, each over its own connection. A crash can leave at most
    this many deliveries "possible duplicate"."""
    max_messages_per_minute: int = Field(0, ge=0)
    """0: no limit. Counted across all instances over the last 60 seconds."""
    max_recipients_per_day: int = Field(0, ge=0)
    """0: no limit. Counted across all instances over the last 24 hours."""
    slow_down_seconds: float = Field(60.0, gt=0)
    """Pause after a "too many" reply (421, or 4xx about rates); doubles while it repeats."""

    allow_login_without_tls: bool = False
    """A login over a connection without TLS sends the password in clear: refused unless
    this says so (a relay on the same host, for instance)."""

    @model_validator(mode="after")
    def _no_login_in_clear(self) -> SmtpSettings:
        logs_in = self.username or self.password or self.password_file
        if logs_in and self.security == "none" and not self.allow_login_without_tls:
            raise ValueError(CLEAR_LOGIN["smtp"])
        return self

    def resolved_password(self) -> str | None:
        return read_secret(self.password, self.password_file, "smtp.password")


class ImapSettings(Section):
    source: Literal["imap", "maildir"] = "imap"
    host: str = "localhost"
    port: int = Field(993, ge=1, le=65535)
    security: Security = "tls"
    username: str | None = None
    password: SecretStr | None = None
    password_file: Path | None = None
    validate_certs: bool = True
    bounce_folder: str = "INBOX"
    processed_folder: str = "processed"
    unrecognized_folder: str = "unrecognized"
    replies_folder: str = "replies"
    quarantine_folder: str = "quarantine"
    max_message_bytes: int = Field(25 * 1024 * 1024, gt=0)
    """A bounce-mailbox message larger than this is quarantined unread."""
    classify_seconds: float = Field(5.0, gt=0, le=300)
    """Time budget to classify one message (off the event loop); over it, quarantined."""
    sent_folder: str = "Sent Invoices"
    append_sent: bool = True
    maildir: Path | None = None
    """With ``source = "maildir"``: the bounce Maildir read instead of IMAP."""
    sent_maildir: Path | None = None
    """With ``source = "maildir"``: where copies of sent invoices are filed."""
    batch_size: int = Field(50, ge=1, le=1000)
    idle: bool = True
    """Wait for new bounces with IMAP IDLE where the server offers it (polls otherwise)."""
    idle_seconds: int = Field(300, ge=10, le=1740)
    """Longest single IDLE before it is renewed (RFC 2177: under 29 minutes)."""
    reconnect_attempts: int = Field(6, ge=0, le=100)
    """A poll cut off by a lost connection reconnects and resumes this many times."""
    reconnect_max_seconds: float = Field(300.0, gt=0)
    """Backoff between reconnections doubles from one second up to this."""
    timeout_seconds: float = Field(30.0, gt=0)

    allow_login_without_tls: bool = False
    """As for [smtp]: a login without TLS is refused unless this says so."""

    @model_validator(mode="after")
    def _maildir_named(self) -> ImapSettings:
        if self.source == "maildir" and self.maildir is None:
            raise ValueError(N_('imap.maildir (a folder) must be set when imap.source = "maildir"'))
        logs_in = self.username or self.password or self.password_file
        if (
            self.source == "imap"
            and logs_in
            and self.security == "none"
            and not self.allow_login_without_tls
        ):
            raise ValueError(CLEAR_LOGIN["imap"])
        return self

    def resolved_password(self) -> str | None:
        return read_secret(self.password, self.password_file, "imap.password")


class ArchiveSettings(Section):
    path: Path = Path("var/archive")
    inbound_path: Path = Path("var/inbound")
    """Every message read from the bounce mailbox, kept as received (write-once, by
    sha256): the original a person opens, the evidence a dispute needs."""
    signing_key_file: Path = Path("var/signing.key")
    """The Ed25519 key that signs exported chain heads and proof packages: generated on
    first run, owner-only."""
    head_export: Path | None = None
    """A folder outside the database (another disk, a mounted write-once share) where the
    signed head of the chains is written on a schedule; ``archive verify`` checks the
    database and the archive against every head found there."""
    head_export_minutes: float = Field(60.0, gt=0)
    head_auditor: str | None = None
    """An address the signed head is also mailed to, each time it is written out."""

    _auditor = field_validator("head_auditor")(mail_address)
