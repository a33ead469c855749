"""What the settings sections share: a section refuses unknown keys, an address setting is an
addr-spec, a secret is given inline or as a file whose first line it is."""

from __future__ import annotations

from email.errors import HeaderParseError, NonASCIILocalPartDefect
from email.headerregistry import Address
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SecretStr,
)

from config.errors import N_, ConfigError


def mail_address(value: str | None) -> str | None:
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


Security = Literal["starttls", "tls", "none"]


def read_secret(value: SecretStr | None, path: Path | None, key: str) -> str | None:
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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


SQLITE_PREFIX = "sqlite+aiosqlite:///"
