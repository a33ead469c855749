"""The settings schema.

Precedence, highest first: ``FACTURIER_<SECTION>__<KEY>`` environment variables, then the TOML
file, then the defaults below. Secrets are ``SecretStr`` (masked whenever printed) and may be
given either directly or as a ``*_file`` path whose first line is the secret.
"""

from __future__ import annotations

import json
import os
import tomllib
from datetime import time
from decimal import Decimal
from email.errors import HeaderParseError, NonASCIILocalPartDefect
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.errors import N_, ConfigError


def _mail_address(value: str | None) -> str | None:
    """An address setting as RFC 5322 writes an addr-spec (``local@domain``, no display name
    nor angle brackets), or ValueError; an internationalised local part (RFC 6532) passes."""
    if value is None:
        return None
    value = value.strip()
    try:
        parsed = Address(addr_spec=value)
        whole = bool(parsed.username) and bool(parsed.domain)
    except NonASCIILocalPartDefect:
        local, at, domain = value.rpartition("@")
        whole = bool(at and local and domain) and not any(c in value for c in ' <>,;"\r\n')
    except (ValueError, IndexError, HeaderParseError):
        whole = False
    if not whole:
        raise ValueError(N_("not an email address (local@domain, nothing around it)"))
    return value


DEFAULT_CONFIG_PATH = Path("facturier.toml")

Security = Literal["starttls", "tls", "none"]


def _read_secret(value: SecretStr | None, path: Path | None, key: str) -> str | None:
    if value is not None:
        return value.get_secret_value()
    if path is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            N_("cannot read secret file {path}: {error}"), key=key, path=path, error=exc
        ) from exc
    secret = lines[0].strip() if lines else ""
    if not secret:  # emptied: never read as "no secret yet" (mail would go out unsigned)
        raise ConfigError(
            N_("secret file {path} is empty: its first line must hold the secret"),
            key=key,
            path=path,
        )
    return secret


CLEAR_LOGIN = {
    "smtp": N_(
        'a login with security = "none" sends the password in clear: use "tls" or '
        '"starttls", or set smtp.allow_login_without_tls = true'
    ),
    "imap": N_(
        'a login with security = "none" sends the password in clear: use "tls" or '
        '"starttls", or set imap.allow_login_without_tls = true'
    ),
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


SQLITE_PREFIX = "sqlite+aiosqlite:///"


class DatabaseSettings(_Section):
    url: str = "sqlite+aiosqlite:///facturier.db"
    """SQLAlchemy URL: ``sqlite+aiosqlite:///path.db`` or ``postgresql+asyncpg://…``."""
    echo: bool = False
    busy_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    """SQLite: how long a write waits for another process's write before it fails."""

    def sqlite_file(self) -> Path | None:
        """The SQLite file the URL names; None for PostgreSQL or an in-memory database."""
        if not self.url.startswith(SQLITE_PREFIX) or ":memory:" in self.url:
            return None
        return Path(self.url[len(SQLITE_PREFIX) :].split("?", 1)[0])

    @field_validator("url")
    @classmethod
    def _known_driver(cls, v: str) -> str:
        if not (v.startswith("sqlite+aiosqlite://") or v.startswith("postgresql+asyncpg://")):
            raise ValueError(N_("must start with sqlite+aiosqlite:// or postgresql+asyncpg://"))
        return v


class SenderSettings(_Section):
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

    _addresses = field_validator("address", "reply_to", "return_path")(_mail_address)

    def envelope_sender(self) -> str:
        return self.return_path or self.address

    def verp_key(self) -> bytes | None:
        """The VERP secret: the one configured, else the generated key file's (None while
        it has not been generated)."""
        secret = _read_secret(self.verp_secret, self.verp_secret_file, "sender.verp_secret")
        if secret:
            return secret.encode()
        if not self.verp_key_file.exists():
            return None
        generated = _read_secret(None, self.verp_key_file, "sender.verp_key_file")
        return generated.encode() if generated else None


class DkimSettings(_Section):
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
            raise ValueError(N_("dkim: give both selector and key_file, or neither"))
        return self

    def signing(self, sender_address: str) -> tuple[str, str, Path] | None:
        """(selector, domain, key file) when signing is configured."""
        if self.selector is None or self.key_file is None:
            return None
        return self.selector, self.domain or sender_address.rsplit("@", 1)[-1], self.key_file


class SmtpSettings(_Section):
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
        return _read_secret(self.password, self.password_file, "smtp.password")


class ImapSettings(_Section):
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
        return _read_secret(self.password, self.password_file, "imap.password")


class ArchiveSettings(_Section):
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

    _auditor = field_validator("head_auditor")(_mail_address)


class IngestSettings(_Section):
    watch: Path = Path("var/inbox")
    rejected: Path = Path("var/rejected")
    store: Path = Path("var/invoices")
    check_xsd: bool = True


class RuleDowngrade(_Section):
    """Named rules let through as warnings, for every invoice or only for the named profiles
    (minimum, basicwl, basic, en16931, extended, xrechnung) or sellers (VAT id or name)."""

    rules: list[str] = Field(min_length=1)
    profiles: list[str] = Field(default_factory=list)
    sellers: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1)
    """Why: printed by ``config check`` and recorded on each invoice it lets through."""


class ComplianceSettings(_Section):
    """The compliance gate: the business rules every invoice must pass, at import and again
    before it is sent."""

    artifacts: Path | None = None
    """A folder of further validation artifacts: CEN's EN 16931 XSLT as published
    (``cii/xslt/EN16931-CII-validation.xslt``, ``ubl/xslt/EN16931-UBL-validation.xslt``)."""
    extra: dict[str, list[Path]] = Field(default_factory=dict)
    """Further rule sets (compiled XSLT) by guideline id prefix (BT-24), e.g. XRechnung's or
    Peppol BIS's, relative to ``artifacts``."""
    timeout_seconds: float = Field(10.0, gt=0)
    max_xml_bytes: int = Field(20 * 1024 * 1024, gt=0)
    downgrade: list[RuleDowngrade] = Field(default_factory=list)


class ScheduleSettings(_Section):
    bounce_poll_minutes: float = Field(5.0, gt=0)
    send_poll_seconds: float = Field(2.0, gt=0)
    ingest_poll_seconds: float = Field(5.0, gt=0)
    reminder_time: time = time(9, 0)
    timezone: str = "UTC"


class SellerTerms(_Section):
    """Late-payment terms of one seller, where they differ from ``[reminders]``'s."""

    seller: str
    """The seller's VAT identifier (as on its invoices) or its name."""
    country: str = Field(min_length=2, max_length=2)
    interest_rate: str | None = None
    indemnity: Decimal | None = Field(None, ge=0)


class ReminderSettings(_Section):
    enabled: bool = True
    levels_days: list[int] = Field(default_factory=lambda: [7, 21, 45])
    """Days past the due date at which reminder level 1, 2, 3… is sent."""
    country: str = Field("FR", min_length=2, max_length=2)
    """The seller's country, whose law the reminders quote (FR, BE; others quote none)."""
    interest_rate: str | None = None
    """The agreed late-payment rate as the reminder states it; by default the law's."""
    indemnity: Decimal | None = Field(None, ge=0)
    """The fixed indemnity for recovery costs, in euros; by default the law's (40)."""
    sellers: list[SellerTerms] = Field(default_factory=list)

    @field_validator("levels_days")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if any(d < 0 for d in v) or v != sorted(set(v)):
            raise ValueError(N_("must be strictly increasing, non-negative day counts"))
        return v


class CsvColumns(_Section):
    """Which column of a bank's CSV export holds what (by header name)."""

    date: str = "date"
    amount: str = "amount"
    currency: str | None = "currency"
    """"" (no such column): every row is in ``default_currency``; likewise "" for a
    reference, remittance or payer column the bank's export does not have."""
    reference: str | None = "reference"
    remittance: str | None = "remittance"
    payer: str | None = "payer"
    entry_id: str | None = None
    """A column the bank fills with its own id of the entry, where there is one."""
    date_format: str = "%Y-%m-%d"
    decimal_comma: bool = False
    """Amounts written 1.234,56 (a comma before the cents)."""
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"


class CampaignSettings(_Section):
    """Asking customers whose invoices go to a person for a central invoice address."""

    secret: SecretStr | None = None
    """Signs each request's token, so that only a true reply can propose an address."""
    secret_file: Path | None = None
    ask_again_after_days: int = Field(14, ge=1, le=365)
    max_requests: int = Field(3, ge=1, le=10)
    """Requests to one customer at most (the first and the times it is asked again)."""
    reply_to: str | None = None
    """Where customers answer: a mailbox facturier reads (by default the return path, else
    the sender's address)."""
    _reply_to = field_validator("reply_to")(_mail_address)
    scheduled: bool = False
    """Run the campaign every day at the reminder time (asks again whoever is due)."""

    def key(self) -> bytes | None:
        secret = _read_secret(self.secret, self.secret_file, "campaign.secret")
        return secret.encode() if secret else None


class AddressSettings(_Section):
    shared_mailboxes: list[str] = Field(default_factory=list)
    """Local parts (before the @) that name a shared invoice mailbox, beside the shipped
    list (facture, factures, invoices, ap, comptabilite…)."""


class PaymentSettings(_Section):
    reference: Literal["none", "rf", "belgian"] = "none"
    """The structured reference each invoice email asks the customer to quote, made from the
    invoice number: ISO 11649 ("RF18 …") or the Belgian structured communication
    ("+++123/4567/89012+++"); "none" quotes only the file's own remittance information."""
    default_currency: str = Field("EUR", min_length=3, max_length=3)
    csv: CsvColumns = Field(default_factory=CsvColumns)


class DeliverySettings(_Section):
    lease_seconds: int = Field(300, ge=10)
    retry_base_seconds: int = Field(300, ge=1)
    retry_max_age_hours: float = Field(72.0, gt=0)
    soft_bounce_limit: int = Field(3, ge=1, le=20)
    """Deliveries to one recipient for one message before a soft bounce is final."""
    error_limit: int = Field(3, ge=1, le=100)
    """Unexpected errors (not a relay's reply) before a delivery is held for a person."""
    attention_after_hours: float = Field(24.0, gt=0)
    """A delivery deferred for longer than this is shown in the attention queue."""
    claim_batch: int = Field(50, ge=1, le=1000)
    """Deliveries one instance leases at a time."""
    compose_processes: int = Field(1, ge=0, le=64)
    """Worker processes that compose and archive messages beside the sending loop, which
    then has a core to itself; 0 composes in a thread of the daemon's own process."""
    compose_nice: int = Field(10, ge=0, le=19)
    """How much lower than the daemon's the workers' CPU priority is (Unix niceness added).
    Composing is batch work queued ahead of the sender; the send loop waits on every reply
    and mark, so when both want a core it goes first. 0 keeps them at the daemon's; with
    ``compose_processes`` 0 there are no workers and it has no effect."""


class TemplateSettings(_Section):
    directory: Path | None = None
    """Optional folder whose templates override the shipped ones (same file names)."""
    default_language: Literal["fr", "en"] = "fr"


class MetricsSettings(_Section):
    port: int | None = Field(None, ge=1, le=65535)
    """Serve Prometheus metrics on this port (``/metrics``); none by default."""
    address: str = "127.0.0.1"
    """Where the metrics listen: loopback unless a scraper elsewhere needs them."""


class LogSettings(_Section):
    format: Literal["plain", "json", "journald", "auto"] = "auto"
    """``auto``: journald's when running under it ($JOURNAL_STREAM), else plain."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """What `facturier run` logs (a command logs warnings unless -v)."""


class UiSettings(_Section):
    language: Literal["fr", "en"] | None = None
    """The operators' language in the TUI and the CLI (amounts, dates); by default the
    locale's (LC_ALL, LC_MESSAGES, LANG), or French where the locale names neither."""

    def resolved_language(self) -> str:
        if self.language is not None:
            return self.language
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
            value = os.environ.get(name, "")
            if value[:2] in ("fr", "en"):
                return value[:2]
        return "fr"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FACTURIER_",
        env_nested_delimiter="__",
        extra="forbid",
        nested_model_default_partial_update=True,
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    dkim: DkimSettings = Field(default_factory=DkimSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    sender: SenderSettings = Field(default_factory=SenderSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    compliance: ComplianceSettings = Field(default_factory=ComplianceSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    reminders: ReminderSettings = Field(default_factory=ReminderSettings)
    payments: PaymentSettings = Field(default_factory=PaymentSettings)
    addresses: AddressSettings = Field(default_factory=AddressSettings)
    campaign: CampaignSettings = Field(default_factory=CampaignSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    templates: TemplateSettings = Field(default_factory=TemplateSettings)
    ui: UiSettings = Field(default_factory=UiSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file's content arrives as init kwargs; the environment overrides it.
        return (env_settings, init_settings)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():  # a pipe waits for ever for a writer, /dev/zero never ends
        raise ConfigError(N_("not a regular file (a pipe, a socket or a device)"), source=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(N_("cannot read: {why}"), source=path, why=exc.strerror) from exc
    try:
        # TOML 1.0 is UTF-8; the byte-order mark some Windows editors put first is no content
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        raise ConfigError(
            N_("line {line}: not UTF-8 (byte 0x{byte:02X} at column {column}): save it as UTF-8"),
            source=path,
            line=before.count(b"\n") + 1,
            byte=data[exc.start],
            column=exc.start - (before.rfind(b"\n") + 1) + 1,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(N_("not valid TOML: {error}"), source=path, error=exc) from exc


def settings_file(path: Path | None) -> Path | None:
    """The file :func:`load_settings` reads for ``path``: the one named, else
    ``./facturier.toml`` where there is one; None when defaults and the environment alone
    apply."""
    if path is not None:
        return path
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


# what pydantic found wrong with a setting, by its error type (pydantic-core's documented
# types), in our words: said in the admin's language, its values (a bound, the choices) kept
_CHECKS = {
    "greater_than": N_("must be more than {gt}"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than": N_("must be less than {lt}"),
    "less_than_equal": N_("must be at most {le}"),
    "int_parsing": N_("a whole number is expected"),
    "int_type": N_("a whole number is expected"),
    "int_from_float": N_("a whole number is expected"),
    "float_parsing": N_("a number is expected"),
    "float_type": N_("a number is expected"),
    "bool_parsing": N_("true or false is expected"),
    "bool_type": N_("true or false is expected"),
    "string_type": N_("a text in quotes is expected"),
    "literal_error": N_("must be one of {expected}"),
    "enum": N_("must be one of {expected}"),
    "extra_forbidden": N_("no such setting: check its name and its [section]"),
    "missing": N_("must be set"),
}


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Load the settings from ``path`` (default ``./facturier.toml``) and the environment.

    A missing default file is not an error (defaults plus environment apply) unless
    ``required``; a missing explicitly named file is. Relative paths in the file are
    resolved against the file's folder.
    """
    explicit = path is not None
    path = path if path is not None else DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if path.exists():
        data = _read_toml(path)
    elif explicit or required:
        raise ConfigError(N_("file not found"), source=path)
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        env_name = "FACTURIER_" + "__".join(str(p).upper() for p in first["loc"])
        error = (first.get("ctx") or {}).get("error")
        ours = first["type"] == "value_error" and isinstance(error, ValueError)
        known = _CHECKS.get(first["type"])
        detail: object = first["msg"]
        if ours:
            detail = str(error)
        elif known is not None:
            detail = (known, {k: str(v) for k, v in (first.get("ctx") or {}).items()})
        raise ConfigError(
            N_("{detail} (from {where} or ${variable})"),
            key=key,
            source=path,
            translated=("detail", "where") if ours or known else ("where",),
            detail=detail,
            where=str(path) if path.exists() else N_("defaults"),
            variable=env_name,
        ) from exc
    return _resolve_paths(settings, (path.parent if path.exists() else Path.cwd()).resolve())


def _resolve_paths(settings: Settings, base: Path) -> Settings:
    def fix(p: Path | None) -> Path | None:
        return None if p is None or p.is_absolute() else (base / p)

    updates: list[tuple[BaseModel, str]] = [
        (settings.archive, "path"),
        (settings.archive, "inbound_path"),
        (settings.archive, "signing_key_file"),
        (settings.archive, "head_export"),
        (settings.ingest, "watch"),
        (settings.ingest, "rejected"),
        (settings.ingest, "store"),
        (settings.imap, "maildir"),
        (settings.imap, "sent_maildir"),
        (settings.imap, "password_file"),
        (settings.smtp, "password_file"),
        (settings.sender, "verp_secret_file"),
        (settings.sender, "verp_key_file"),
        (settings.campaign, "secret_file"),
        (settings.dkim, "key_file"),
        (settings.templates, "directory"),
    ]
    updates.append((settings.compliance, "artifacts"))
    extra_base = settings.compliance.artifacts or base
    settings.compliance.extra = {
        prefix: [p if p.is_absolute() else extra_base / p for p in paths]
        for prefix, paths in settings.compliance.extra.items()
    }
    for section, name in updates:
        value = getattr(section, name)
        fixed = fix(value)
        if fixed is not None:
            setattr(section, name, fixed)
    url = settings.database.url
    prefix = SQLITE_PREFIX
    if url.startswith(prefix) and not url[len(prefix) :].startswith("/") and ":memory:" not in url:
        settings.database.url = prefix + str(base / url[len(prefix) :])
    return settings


def masked_dump(settings: Settings) -> str:
    """The resolved settings as JSON, secrets shown as ``**********``."""
    data = settings.model_dump(mode="json")

    def mask(obj: Any, model: Any) -> Any:
        if isinstance(model, BaseModel):
            out = {}
            for key, value in obj.items():
                attr = getattr(model, key)
                if isinstance(attr, SecretStr):
                    out[key] = "**********"
                else:
                    out[key] = mask(value, attr)
            return out
        return obj

    masked = mask(data, settings)
    url = masked["database"]["url"]
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            masked["database"]["url"] = f"{scheme}://{creds.split(':', 1)[0]}:**********@{host}"
    return json.dumps(masked, indent=2, ensure_ascii=False)
