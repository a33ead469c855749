"""facturier settings: one schema, a TOML file plus ``FACTURIER_*`` environment overrides.

Settings are loaded once, at the entry point, with :func:`load_settings` and passed down
explicitly; nothing below the CLI reads the environment or the file itself.
"""

from config.errors import ConfigError
from config.loading import load_settings, masked_dump, settings_file
from config.mail_settings import ArchiveSettings, ImapSettings, SenderSettings, SmtpSettings
from config.settings import (
    ComplianceSettings,
    CsvColumns,
    DatabaseSettings,
    DeliverySettings,
    IngestSettings,
    PaymentSettings,
    ReminderSettings,
    ScheduleSettings,
    SellerTerms,
    Settings,
    TemplateSettings,
)

__all__ = [
    "ArchiveSettings",
    "ComplianceSettings",
    "ConfigError",
    "CsvColumns",
    "DatabaseSettings",
    "DeliverySettings",
    "ImapSettings",
    "IngestSettings",
    "PaymentSettings",
    "ReminderSettings",
    "ScheduleSettings",
    "SellerTerms",
    "SenderSettings",
    "Settings",
    "SmtpSettings",
    "TemplateSettings",
    "load_settings",
    "masked_dump",
    "settings_file",
]
