"""The settings schema (the mail sections: ``mail_settings``; reading the file: ``loading``).

Precedence, highest first: ``FACTURIER_<SECTION>__<KEY>`` environment variables, then the TOML
file, then the defaults below. Secrets are ``SecretStr`` (masked whenever printed) and may be
given either directly or as a ``*_file`` path whose first line is the secret.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    field_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from config.errors import N_
from config.fields import SQLITE_PREFIX, Section, mail_address, read_secret
from config.mail_settings import (
    ArchiveSettings,
    DkimSettings,
    ImapSettings,
    SenderSettings,
    SmtpSettings,
)


class DatabaseSettings(Section):
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


class IngestSettings(Section):
    watch: Path = Path("var/inbox")
    rejected: Path = Path("var/rejected")
    store: Path = Path("var/invoices")
    check_xsd: bool = True


class RuleDowngrade(Section):
    """Named rules let through as warnings, for every invoice or only for the named profiles
    (minimum, basicwl, basic, en16931, extended, xrechnung) or sellers (VAT id or name)."""

    rules: list[str] = Field(min_length=1)
    profiles: list[str] = Field(default_factory=list)
    sellers: list[str] = Field(default_factory=list)
    reason: str = Field(min_length=1)
    """Why: printed by ``config check`` and recorded on each invoice it lets through."""


class ComplianceSettings(Section):
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


class ScheduleSettings(Section):
    bounce_poll_minutes: float = Field(5.0, gt=0)
    send_poll_seconds: float = Field(2.0, gt=0)
    ingest_poll_seconds: float = Field(5.0, gt=0)
    reminder_time: time = time(9, 0)
    timezone: str = "UTC"
    """The business's time zone (an IANA name, "Europe/Paris"): the hour ``reminder_time``
    is in, and the day on which invoices fall due, reminders are reached and payments
    are received."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                N_("no such time zone: give an IANA name, such as Europe/Paris")
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The business's time zone, for the scheduler and every day and time shown."""
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date in the business's time zone (the machine may keep another: UTC)."""
        return datetime.now(self.zone).date()


class SellerTerms(Section):
    """Late-payment terms of one seller, where they differ from ``[reminders]``'s."""

    seller: str
    """The seller's VAT identifier (as on its invoices) or its name."""
    country: str = Field(min_length=2, max_length=2)
    interest_rate: str | None = None
    indemnity: Decimal | None = Field(None, ge=0)
    days_to_pay: int | None = Field(None, ge=0)
    """This seller's own payment terms for an invoice that states no due date."""


class ReminderSettings(Section):
    enabled: bool = True
    levels_days: list[int] = Field(default_factory=lambda: [7, 21, 45])
    """Days past the due date at which reminder level 1, 2, 3… is sent."""
    country: str = Field("FR", min_length=2, max_length=2)
    """The seller's country, whose law the reminders quote (FR, BE; others quote none)."""
    interest_rate: str | None = None
    """The agreed late-payment rate as the reminder states it; by default the law's."""
    indemnity: Decimal | None = Field(None, ge=0)
    """The fixed indemnity for recovery costs, in euros; by default the law's (40)."""
    days_to_pay: int | None = Field(None, ge=0)
    """The seller's own payment terms, in days after the issue date, for an invoice that
    states no due date (EN 16931's BT-9 is optional: terms in words, BT-20, may stand in
    its place). None: such an invoice is held back from reminders until a person sets its
    day (``facturier due``); no day is guessed from the words."""
    minimum_balance: Decimal = Field(Decimal("0"), ge=0)
    """No reminder for an invoice whose balance is under this (in its currency): what a bank
    fee or a rounding left unpaid is written off by a person, not dunned with the law's
    penalties. 0: every balance is reminded."""
    sellers: list[SellerTerms] = Field(default_factory=list)

    @field_validator("levels_days")
    @classmethod
    def _increasing(cls, v: list[int]) -> list[int]:
        if any(d < 0 for d in v) or v != sorted(set(v)):
            raise ValueError(N_("must be strictly increasing, non-negative day counts"))
        return v


class CsvColumns(Section):
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


class CampaignSettings(Section):
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
    _reply_to = field_validator("reply_to")(mail_address)
    scheduled: bool = False
    """Run the campaign every day at the reminder time (asks again whoever is due)."""

    def key(self) -> bytes | None:
        secret = read_secret(self.secret, self.secret_file, "campaign.secret")
        return secret.encode() if secret else None


class AddressSettings(Section):
    shared_mailboxes: list[str] = Field(default_factory=list)
    """Local parts (before the @) that name a shared invoice mailbox, beside the shipped
    list (facture, factures, invoices, ap, comptabilite…)."""


class PaymentSettings(Section):
    reference: Literal["none", "rf", "belgian"] = "none"
    """The structured reference each invoice email asks the customer to quote, made from the
    invoice number: ISO 11649 ("RF18 …") or the Belgian structured communication
    ("+++123/4567/89012+++"); "none" quotes only the file's own remittance information."""
    default_currency: str = Field("EUR", min_length=3, max_length=3)
    csv: CsvColumns = Field(default_factory=CsvColumns)


class DeliverySettings(Section):
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


class TemplateSettings(Section):
    directory: Path | None = None
    """Optional folder whose templates override the shipped ones (same file names)."""
    default_language: Literal["fr", "en"] = "fr"


class MetricsSettings(Section):
    port: int | None = Field(None, ge=1, le=65535)
    """Serve Prometheus metrics on this port (``/metrics``); none by default."""
    address: str = "127.0.0.1"
    """Where the metrics listen: loopback unless a scraper elsewhere needs them."""


class LogSettings(Section):
    format: Literal["plain", "json", "journald", "auto"] = "auto"
    """``auto``: journald's when running under it ($JOURNAL_STREAM), else plain."""
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    """What `facturier run` logs (a command logs warnings unless -v)."""


class UiSettings(Section):
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
