"""MIME composition of invoice and reminder messages.

Bodies are rendered from Jinja2 templates (``<kind>.<lang>.subject|txt|html``); the shipped
ones live in ``mailer/templates`` and a configured folder may override them.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import secrets
import struct
import time
import uuid
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP, Compat32
from email.utils import encode_rfc2231, format_datetime, formataddr, formatdate, quote
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mailer.addresses import normalize_address, refuse_line_breaks
from mailer.errors import N_, MessageRefused
from mailer.smtp.wire import WireShape, wire_shape

SHIPPED_TEMPLATES = Path(__file__).with_name("templates")
LANGUAGES = ("fr", "en")
FACTURIER_HEADER = "X-Facturier-Delivery"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class MessageSpec:
    """Everything a message is made of, before it becomes bytes."""

    message_id: str
    sender_name: str
    sender_address: str
    recipient: str
    recipient_name: str | None
    reply_to: str | None
    template: str  # "invoice", or "reminder-1", "reminder-2", "reminder-3" by level
    language: str
    context: dict[str, Any]
    attachment: Attachment
    is_copy: bool = False
    delivery_token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)
    beside: tuple[Attachment, ...] = ()
    """Further attachments, after the invoice (a UBL invoice's readable PDF)."""

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return (self.attachment, *self.beside)


def make_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}.{int(time.time())}@{domain}>"


_QP: Any = Charset("utf-8")  # MIMEText takes a Charset too (its stub says str)
_QP.body_encoding = QP  # readable bodies; the attachment is base64


class _WirePolicy(Compat32):
    """compat32 with CRLF line ends; a header that fits on its line as plain ASCII is written
    as is (the stdlib builds a Header object to fold every one, a third of composing)."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        limit = self.max_line_length or 0
        if (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and len(name) + 2 + len(value) <= limit
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_WIRE = _WirePolicy(linesep="\r\n", max_line_length=78)


def _address(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8")


def _param(name: str, value: str) -> str:
    """A MIME parameter as the email package writes it: quoted, or RFC 2231-encoded when it
    is not ASCII."""
    if not value:
        return name
    if not value.isascii():
        return f"{name}*={encode_rfc2231(value, 'utf-8', '')}"
    return f'{name}="{quote(value)}"'


def _text(value: str) -> Any:
    """An unstructured header value, RFC 2047-encoded when it is not ASCII."""
    return value if value.isascii() else Header(value, "utf-8")


def base64_lines(data: bytes) -> bytes:
    """``data`` in base64, 76 characters per CRLF-ended line (RFC 2045). One struct unpack
    cuts the encoded text into its lines in C (``base64.encodebytes`` loops over them in
    Python: half of composing an invoice message)."""
    encoded = binascii.b2a_base64(data, newline=False)
    whole, rest = divmod(len(encoded), 76)
    lines = struct.unpack_from("76s" * whole, encoded)
    if rest:
        lines += (encoded[76 * whole :],)
    return b"\r\n".join(lines) + b"\r\n" if lines else b""


def _boundary() -> str:
    """A multipart boundary no text can contain by chance (128 random bits)."""
    return f"=_facturier_{secrets.token_hex(16)}"


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # each becomes CRLF on the wire


def _headers(items: list[tuple[str, Any]]) -> bytes:
    """A part's header lines and the empty line that ends them, each folded by compat32."""
    return b"".join(_WIRE.fold_binary(name, value) for name, value in items) + b"\r\n"


def _text_part(subtype: str, text: str) -> bytes:
    """A UTF-8 text part in quoted-printable, as ``MIMEText(text, subtype, _QP)`` is
    written."""
    body = _LINE_BREAK.sub("\r\n", _QP.body_encode(text)).encode("ascii")
    return (
        _headers(
            [
                ("Content-Type", f'text/{subtype}; charset="utf-8"'),
                ("MIME-Version", "1.0"),
                ("Content-Transfer-Encoding", "quoted-printable"),
            ]
        )
        + body
    )


def _multipart_headers(subtype: str, boundary: str) -> list[tuple[str, Any]]:
    return [
        ("Content-Type", f'multipart/{subtype}; boundary="{boundary}"'),
        ("MIME-Version", "1.0"),
    ]


def _skeleton(
    headers: list[tuple[str, Any]], text: str, html: str, attachments: tuple[Attachment, ...]
) -> tuple[bytes, list[bytes], bytes]:
    """The message around its attachments' base64 lines: what comes before the first, what
    comes between each and the next, and what after the last. The bytes are those the email
    package writes for the same tree (multipart/mixed of a multipart/alternative text and
    HTML, then the attachments), header by header through the same compat32 folding,
    without building the tree and walking it (most of composing a message)."""
    mixed, alternative = _boundary(), _boundary()
    head = b"".join(
        (
            _headers(_multipart_headers("mixed", mixed) + headers),
            f"--{mixed}\r\n".encode(),
            _headers(_multipart_headers("alternative", alternative)),
            f"--{alternative}\r\n".encode(),
            _text_part("plain", text),
            f"\r\n--{alternative}\r\n".encode(),
            _text_part("html", html),
            f"\r\n--{alternative}--\r\n\r\n--{mixed}\r\n".encode(),
            _attachment_headers(attachments[0]),
        )
    )
    between = [f"--{mixed}\r\n".encode() + _attachment_headers(a) for a in attachments[1:]]
    return head, between, f"--{mixed}--\r\n".encode()


def _attachment_headers(attachment: Attachment) -> bytes:
    maintype, _, subtype = attachment.content_type.partition("/")
    return _headers(
        [
            ("MIME-Version", "1.0"),
            ("Content-Transfer-Encoding", "base64"),
            (
                "Content-Disposition",
                f"attachment; {_param('filename', attachment.filename)}",
            ),
            (
                "Content-Type",
                f"{maintype}/{subtype}; {_param('name', attachment.filename)}",
            ),
        ]
    )


def check_attachment_of(spec: MessageSpec) -> None:
    """Refuse a message whose attachments are not the stored files (a sha256 differs)."""
    for attachment in spec.attachments:
        if hashlib.sha256(attachment.data).hexdigest() != attachment.sha256:
            raise MessageRefused(
                N_("attachment {name} does not match the stored invoice (sha256 differs)"),
                name=attachment.filename,
            )


# a name opening with a vowel letter: French elides "de" before it ("d'ACME", "d'Orange");
# one opening with "h" keeps "de", as a mute h cannot be told from an aspirated one by its
# spelling ("de Hachette")
_ELIDES = re.compile(r"[aeiouyàâäéèêëîïôöùûüÿœæ]", re.IGNORECASE)


def french_of(name: str) -> str:
    """The templates' ``de`` filter: "de Boulangerie Dupont", "d'ACME SARL"."""
    name = name.strip()
    return f"d'{name}" if _ELIDES.match(name) else f"de {name}"


class Composer:
    def __init__(self, template_dir: Path | None = None, default_language: str = "fr"):
        loaders: list[Any] = []
        if template_dir is not None:
            loaders.append(FileSystemLoader(str(template_dir)))
        loaders.append(FileSystemLoader(str(SHIPPED_TEMPLATES)))
        self.default_language = default_language
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.env.filters["de"] = french_of

    def _render(self, template: str, language: str, part: str, ctx: dict[str, Any]) -> str:
        lang = language if language in LANGUAGES else self.default_language
        return self.env.get_template(f"{template}.{lang}.{part}").render(**ctx)

    def compose_for_wire(
        self, spec: MessageSpec, *, max_bytes: int | None = None, check_attachment: bool = True
    ) -> tuple[bytes, WireShape]:
        """The message and its wire shape, read off the message without its attachment: the
        attachment's base64 lines end in CRLF and none starts with a dot. A caller that
        checks the attachment itself (:func:`check_attachment_of`) before the message goes
        anywhere passes ``check_attachment=False``."""
        if check_attachment:
            check_attachment_of(spec)
        recipient, sender = _checked_parties(
            spec, *(("attachment file name", a.filename) for a in spec.attachments)
        )
        ctx = dict(spec.context, is_copy=spec.is_copy, recipient=recipient)
        subject = " ".join(self._render(spec.template, spec.language, "subject", ctx).split())
        if spec.is_copy:
            subject = f"[Duplicata / Copy] {subject}"
        text = self._render(spec.template, spec.language, "txt", ctx)
        html = self._render(spec.template, spec.language, "html", ctx)
        headers: list[tuple[str, Any]] = [
            ("From", _address(spec.sender_name, sender)),
            ("To", _address(spec.recipient_name or "", recipient)),
        ]
        if spec.reply_to:
            headers.append(("Reply-To", normalize_address(spec.reply_to, "reply-to")))
        headers += [
            ("Subject", _text(subject)),
            ("Date", formatdate(localtime=False)),
            ("Message-ID", spec.message_id),
        ]
        if spec.delivery_token:
            headers.append((FACTURIER_HEADER, spec.delivery_token))
        if spec.is_copy:
            headers.append(("X-Facturier-Copy", "yes"))
        headers += [(name, _text(value)) for name, value in spec.extra_headers.items()]
        head, between, tail = _skeleton(headers, text, html, spec.attachments)
        parts = [head, base64_lines(spec.attachment.data)]
        for separator, attachment in zip(between, spec.beside, strict=True):
            parts += [separator, base64_lines(attachment.data)]
        raw = b"".join((*parts, tail))
        if max_bytes is not None and len(raw) > max_bytes:
            raise MessageRefused(
                N_("message for {recipient} is {size} bytes, over the {limit}-byte limit"),
                recipient=recipient,
                size=len(raw),
                limit=max_bytes,
            )
        return raw, wire_shape(b"".join((head, *between, tail)))

    def compose_notice(self, spec: NoticeSpec) -> bytes:
        """A message with no attachment (a request to a customer): text and HTML
        alternatives from ``spec.template``, in ``spec.language``."""
        recipient, sender = _checked_parties(spec)
        ctx = dict(spec.context, recipient=recipient)
        subject = " ".join(self._render(spec.template, spec.language, "subject", ctx).split())
        message = EmailMessage(policy=SMTP)
        message["From"] = formataddr((spec.sender_name, sender))
        message["To"] = formataddr((spec.recipient_name or "", recipient))
        if spec.reply_to:
            message["Reply-To"] = normalize_address(spec.reply_to, "reply-to")
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = spec.message_id
        for name, value in spec.extra_headers.items():
            message[name] = value
        message.set_content(self._render(spec.template, spec.language, "txt", ctx))
        message.add_alternative(
            self._render(spec.template, spec.language, "html", ctx), subtype="html"
        )
        return message.as_bytes()


def _checked_parties(spec: MessageSpec | NoticeSpec, *more: tuple[str, str]) -> tuple[str, str]:
    """The recipient and sender addresses, checked, and every header value refused that
    would break a line (the names, the Message-ID, ``more``, the extra headers)."""
    recipient = normalize_address(spec.recipient, "recipient")
    sender = normalize_address(spec.sender_address, "sender address")
    for name, value in (
        ("sender name", spec.sender_name),
        ("recipient name", spec.recipient_name or ""),
        ("message id", spec.message_id),
        *more,
        *spec.extra_headers.items(),
    ):
        refuse_line_breaks(value, name)
    return recipient, sender


@dataclass(frozen=True)
class NoticeSpec:
    """A message without an attachment: what :meth:`Composer.compose_notice` makes."""

    message_id: str
    sender_name: str
    sender_address: str
    recipient: str
    recipient_name: str | None
    reply_to: str | None
    template: str
    language: str
    context: dict[str, Any]
    extra_headers: dict[str, str] = field(default_factory=dict)


__all__ = [
    "Attachment",
    "Composer",
    "MessageSpec",
    "NoticeSpec",
    "format_datetime",
    "make_message_id",
]
