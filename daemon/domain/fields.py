"""Checks for text that reaches a mail header, a file name or the operator's screen: no
control characters (NUL, ESC, DEL, line breaks…) and a length limit, refused with the field
named, never cut or rewritten silently."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from daemon.domain.errors import ValidationError
from daemon.domain.i18n import _

NAME_MAX = 200  # a customer's or a party's name
NUMBER_MAX = 100  # an invoice number (EN 16931 BT-1 sets no limit; headers and files do)
FILE_NAME_MAX = 255  # a file name on common filesystems
IDENTIFIER_MAX = 100
ID_MAX = 2**31 - 1  # a record's #N: its id column is an INTEGER (int4 on PostgreSQL)


def control_character(value: str) -> str | None:
    """The first control or format character of ``value`` (Unicode category C*), if any."""
    for ch in value:
        if unicodedata.category(ch).startswith("C"):
            return ch
    return None


def checked_text(value: str, field: str, max_length: int) -> str:
    """``value`` when it is fit for a header or a file name; else :class:`ValidationError`
    naming ``field``."""
    bad = control_character(value)
    if bad is not None:
        raise ValidationError(
            _("{field}: contains the control or invisible character U+{code:04X}").format(
                field=field, code=ord(bad)
            )
        )
    if len(value) > max_length:
        raise ValidationError(
            _("{field}: {length} characters, at most {limit} allowed").format(
                field=field, length=len(value), limit=max_length
            )
        )
    return value


_UNSAFE_IN_A_NAME = re.compile(r"[^A-Za-z0-9._@+-]+")


def file_name_part(text: str, limit: int = 60) -> str:
    """``text`` (an address, an invoice number) as a part of a file name: only letters,
    digits and ``._@+-``, no leading dot, at most ``limit`` characters; where anything was
    changed or cut, a short digest of the original keeps two texts from one name."""
    cleaned = _UNSAFE_IN_A_NAME.sub("_", text).lstrip(".") or "_"
    if cleaned == text and len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned[:limit]}-{digest}"


_LINK = re.compile(r"\b(?:(https?|ftp)://|(www)\.)([^\s<>\"']*)", re.IGNORECASE)


def as_plain_text(text: str, limit: int = 2000, *, lines: bool = False) -> str:
    """Text an outsider wrote (a notice's diagnostic, a reply), as it is stored and shown:
    control characters (escape sequences, line breaks) become spaces and a link is defanged
    (``hxxps://evil[.]example/…``), so no terminal, mail client or screen makes it
    something to click or run; cut at ``limit`` characters. With ``lines``, line breaks
    are kept."""
    kept = "\n" if lines else ""
    flat = "".join(
        " " if unicodedata.category(ch).startswith("C") and ch not in kept else ch
        for ch in text.replace("\r\n", "\n")
    )

    def defang(m: re.Match[str]) -> str:
        scheme, www, rest = m.group(1), m.group(2), m.group(3)
        host, slash, path = rest.partition("/")
        host = host.replace(".", "[.]")
        if scheme:
            return f"{scheme.lower().replace('t', 'x', 2)}://{host}{slash}{path}"
        return f"{www}[.]{host}{slash}{path}"

    return re.sub(r"[ \t]{2,}", " ", _LINK.sub(defang, flat)).strip()[:limit]
