"""MIME composition of invoice and reminder messages.

Bodies are rendered from Jinja2 templates (``<kind>.<lang>.subject|txt|html``); the shipped
ones live in ``mailer/templates`` and a configured folder may override them.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formatdate
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mailer.addresses import normalize_address, refuse_line_breaks
from mailer.errors import MessageRefused

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
    template: str  # "invoice" or "reminder"
    language: str
    context: dict[str, Any]
    attachment: Attachment
    is_copy: bool = False
    delivery_token: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


def make_message_id(domain: str) -> str:
    return f"<{uuid.uuid4().hex}.{int(time.time())}@{domain}>"


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

    def _render(self, template: str, language: str, part: str, ctx: dict[str, Any]) -> str:
        lang = language if language in LANGUAGES else self.default_language
        return self.env.get_template(f"{template}.{lang}.{part}").render(**ctx)

    def compose(self, spec: MessageSpec, *, max_bytes: int | None = None) -> bytes:
        """The message as the exact bytes to hand to SMTP (CRLF line ends)."""
        if hashlib.sha256(spec.attachment.data).hexdigest() != spec.attachment.sha256:
            raise MessageRefused(
                f"attachment {spec.attachment.filename} does not match the stored invoice "
                "(sha256 differs)"
            )
        recipient = normalize_address(spec.recipient, "recipient")
        sender = normalize_address(spec.sender_address, "sender address")
        for name, value in (
            ("sender name", spec.sender_name),
            ("recipient name", spec.recipient_name or ""),
            ("message id", spec.message_id),
            *spec.extra_headers.items(),
        ):
            refuse_line_breaks(value, name)
        ctx = dict(spec.context, is_copy=spec.is_copy, recipient=recipient)
        subject = " ".join(self._render(spec.template, spec.language, "subject", ctx).split())
        if spec.is_copy:
            subject = f"[Duplicata / Copy] {subject}"
        msg = EmailMessage(policy=SMTP)
        local, _, domain = sender.partition("@")
        msg["From"] = Address(spec.sender_name, local, domain)
        rlocal, _, rdomain = recipient.partition("@")
        msg["To"] = Address(spec.recipient_name or "", rlocal, rdomain)
        if spec.reply_to:
            msg["Reply-To"] = normalize_address(spec.reply_to, "reply-to")
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = spec.message_id
        if spec.delivery_token:
            msg[FACTURIER_HEADER] = spec.delivery_token
        if spec.is_copy:
            msg["X-Facturier-Copy"] = "yes"
        for name, value in spec.extra_headers.items():
            msg[name] = value
        msg.set_content(self._render(spec.template, spec.language, "txt", ctx))
        msg.add_alternative(self._render(spec.template, spec.language, "html", ctx), subtype="html")
        maintype, _, subtype = spec.attachment.content_type.partition("/")
        msg.add_attachment(
            spec.attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=spec.attachment.filename,
        )
        raw = msg.as_bytes(policy=SMTP)
        if max_bytes is not None and len(raw) > max_bytes:
            raise MessageRefused(
                f"message for {recipient} is {len(raw)} bytes, over the {max_bytes}-byte limit"
            )
        return raw


__all__ = ["Attachment", "Composer", "MessageSpec", "format_datetime", "make_message_id"]
