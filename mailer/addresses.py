"""Address checks with flanker, and header-injection guards."""

from __future__ import annotations

import functools

from flanker.addresslib import address as flanker_address

from mailer.errors import MessageRefused


def refuse_line_breaks(value: str, what: str) -> None:
    if "\r" in value or "\n" in value:
        raise MessageRefused(f"{what} contains a line break: {value!r}")


def normalize_address(raw: str, what: str = "address") -> str:
    """The address as ``local@domain`` with the domain lower-cased; refuses bad syntax."""
    refuse_line_breaks(raw, what)
    normalized = _normalized(raw.strip())
    if normalized is None:
        raise MessageRefused(f"{what} is not a valid e-mail address: {raw!r}")
    return normalized


@functools.lru_cache(maxsize=4096)
def _normalized(address: str) -> str | None:
    """flanker's reading of ``address`` (a parse costs more than composing the headers, and
    the same few addresses come back for every message)."""
    parsed = flanker_address.parse(address, addr_spec_only=True)
    if parsed is None or not getattr(parsed, "hostname", None):
        return None
    return f"{parsed.mailbox}@{parsed.hostname.lower()}"


def is_valid_address(raw: str) -> bool:
    try:
        normalize_address(raw)
    except MessageRefused:
        return False
    return True


def domain_of(addr: str) -> str:
    return addr.rsplit("@", 1)[-1].lower()
