"""A sandbox mail server for the demo and unit tests (aiosmtpd, in-process).

It behaves like a small relay with a final mailbox store behind it:

* mail to a domain in ``defer_domains`` gets ``451 4.7.1`` at RCPT (greylisting);
* mail to a domain in ``reject_domains`` gets ``550 5.1.1`` at RCPT (no such user);
* mail to a domain in ``throttle_domains`` gets ``421 4.7.0 Too many…`` (a rate limit);
* mail to a ``*.invalid`` domain is accepted, then bounced with an RFC 3464 DSN
  (``5.4.4`` host not found) written into the bounce Maildir;
* any other mail is stored in ``<mail_root>/<domain>/<local>/`` (a Maildir), and when the
  sender asked for ``NOTIFY=SUCCESS`` a success DSN is written into the bounce Maildir.

It advertises DSN (RFC 3461) so clients send ENVID, RET, NOTIFY and ORCPT.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mailbox
import re
import socket
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

DSN_PARAMS = ("RET", "ENVID", "NOTIFY", "ORCPT")


class _DsnSMTP(SMTP):
    """aiosmtpd refuses unknown ESMTP parameters; let the RFC 3461 ones through."""

    def _getparams(self, params: Any) -> Any:
        result = super()._getparams(params)  # type: ignore[misc]
        if result is not None:
            for key in DSN_PARAMS:
                result.pop(key, None)
        return result


def _param(options: list[str], name: str) -> str | None:
    for opt in options:
        key, _, value = opt.partition("=")
        if key.upper() == name:
            return value
    return None


def _unxtext(value: str) -> str:
    out = bytearray()
    i = 0
    while i < len(value):
        if value[i] == "+" and i + 2 < len(value):
            out.append(int(value[i + 1 : i + 3], 16))
            i += 3
        else:
            out += value[i].encode()
            i += 1
    return out.decode("utf-8", "replace")


_UNSAFE = re.compile(r"[^a-z0-9._+-]+")


def mailbox_path(root: Path, address: str) -> Path:
    """The Maildir of ``address`` under ``root``, always inside it: the domain and the local
    part (which may be quoted and hold "/" or "..", RFC 5321 4.1.2) each made one safe
    folder name."""
    local, _, domain = address.lower().rpartition("@")
    if len(local) >= 2 and local[0] == local[-1] == '"':  # a quoted-string: its content
        local = re.sub(r"\\(.)", r"\1", local[1:-1])

    def part(text: str) -> str:
        cleaned = _UNSAFE.sub("_", text).strip(".") or "_"
        if cleaned == text:
            return text
        return f"{cleaned[:60]}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"

    return root / part(domain) / part(local)


def _maildir(path: Path) -> mailbox.Maildir:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(path, create=False)


@dataclass
class SandboxHandler:
    mail_root: Path
    bounce_maildir: Path
    defer_domains: set[str] = field(default_factory=set)
    reject_domains: set[str] = field(default_factory=set)
    throttle_domains: set[str] = field(default_factory=set)
    hostname: str = "sandbox.facturier.test"
    notify: dict[str, str] = field(default_factory=dict)
    data_delay: float = 0.0
    """Seconds each DATA takes (to observe how many messages a client has in flight)."""
    in_flight: int = 0
    peak_in_flight: int = 0
    pipelining: bool = True
    """Advertise PIPELINING (RFC 2920), as Postfix does."""

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        last = responses[-1]
        extensions = ["250-DSN", *(["250-PIPELINING"] if self.pipelining else [])]
        return [*responses[:-1], *extensions, last]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in self.defer_domains:
            return "451 4.7.1 Greylisted, please try again later"
        if domain in self.reject_domains:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if domain in self.throttle_domains:
            return "421 4.7.0 Too many messages from your account, slow down"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        self.notify[address.lower()] = (_param(rcpt_options, "NOTIFY") or "FAILURE").upper()
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.data_delay:
                await asyncio.sleep(self.data_delay)
            return self._deliver(envelope)
        finally:
            self.in_flight -= 1

    def _deliver(self, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        queue_id = uuid.uuid4().hex[:10].upper()
        envid = _param(envelope.mail_options, "ENVID")
        ret = (_param(envelope.mail_options, "RET") or "FULL").upper()
        for rcpt in envelope.rcpt_tos:
            notify = self.notify.pop(rcpt.lower(), "FAILURE")
            domain = rcpt.rsplit("@", 1)[-1].lower()
            if domain.endswith(".invalid"):
                if "NEVER" not in notify:
                    self._bounce(envelope, rcpt, raw, envid, ret, queue_id, delivered=False)
                continue
            box = _maildir(mailbox_path(self.mail_root, rcpt))
            box.add(raw)
            if "SUCCESS" in notify:
                self._bounce(envelope, rcpt, raw, envid, ret, queue_id, delivered=True)
        return f"250 2.0.0 Ok: queued as {queue_id}"

    def _bounce(
        self,
        envelope: Envelope,
        rcpt: str,
        raw: bytes,
        envid: str | None,
        ret: str,
        queue_id: str,
        *,
        delivered: bool,
    ) -> None:
        if not envelope.mail_from:
            return  # never bounce a bounce
        dsn = build_dsn(
            reporting_mta=self.hostname,
            sender=envelope.mail_from,
            recipient=rcpt,
            original=raw,
            envid=_unxtext(envid) if envid else None,
            headers_only=ret == "HDRS",
            queue_id=queue_id,
            delivered=delivered,
        )
        _maildir(self.bounce_maildir).add(dsn)


def build_dsn(
    *,
    reporting_mta: str,
    sender: str,
    recipient: str,
    original: bytes,
    envid: str | None,
    headers_only: bool,
    queue_id: str,
    delivered: bool,
) -> bytes:
    """An RFC 3464 delivery status notification, as a Postfix-like MTA writes one."""
    boundary = f"{queue_id}.{uuid.uuid4().hex[:8]}/{reporting_mta}"
    date = formatdate(localtime=False)
    domain = recipient.rsplit("@", 1)[-1]
    if delivered:
        subject = "Successful Mail Delivery Report"
        human = (
            f"This is the mail system at host {reporting_mta}.\r\n\r\n"
            "Your message was successfully delivered to the destination(s)\r\n"
            "listed below.\r\n\r\n"
            f"<{recipient}>: delivery via local: delivered to mailbox\r\n"
        )
        action, status, diag = "delivered", "2.0.0", "smtp; 250 2.0.0 Ok: delivered to mailbox"
    else:
        subject = "Undelivered Mail Returned to Sender"
        human = (
            f"This is the mail system at host {reporting_mta}.\r\n\r\n"
            "I'm sorry to have to inform you that your message could not\r\n"
            "be delivered to one or more recipients.\r\n\r\n"
            f"<{recipient}>: Host or domain name not found. Name service error for\r\n"
            f"    name={domain} type=MX: Host not found\r\n"
        )
        action, status = "failed", "5.4.4"
        diag = f"X-Postfix; Host or domain name not found. Name service error for name={domain}"
    if headers_only:
        header_end = original.find(b"\r\n\r\n")
        returned = original[: header_end + 2] if header_end >= 0 else original
        returned_type = "text/rfc822-headers"
    else:
        returned, returned_type = original, "message/rfc822"
    per_message = f"Reporting-MTA: dns; {reporting_mta}\r\nX-Postfix-Queue-ID: {queue_id}\r\n"
    if envid:
        per_message += f"Original-Envelope-Id: {envid}\r\n"
    per_message += f"Arrival-Date: {date}\r\n"
    per_recipient = (
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {diag}\r\n"
    )
    head = (
        f"From: MAILER-DAEMON@{reporting_mta} (Mail Delivery System)\r\n"
        f"To: {sender}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <{queue_id}.{uuid.uuid4().hex[:6]}@{reporting_mta}>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: multipart/report; report-type=delivery-status;\r\n"
        f'\tboundary="{boundary}"\r\n\r\n'
        "This is a MIME-encapsulated message.\r\n\r\n"
    )
    parts = (
        f"--{boundary}\r\nContent-Description: Notification\r\n"
        f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{human}\r\n"
        f"--{boundary}\r\nContent-Description: Delivery report\r\n"
        f"Content-Type: message/delivery-status\r\n\r\n{per_message}\r\n{per_recipient}\r\n"
        f"--{boundary}\r\nContent-Description: Undelivered Message\r\n"
        f"Content-Type: {returned_type}\r\n\r\n"
    )
    return head.encode() + parts.encode() + returned + f"\r\n--{boundary}--\r\n".encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SandboxServer:
    """Runs :class:`SandboxHandler` on a loopback port in a background thread."""

    def __init__(
        self,
        mail_root: Path,
        bounce_maildir: Path,
        *,
        defer_domains: set[str] | None = None,
        reject_domains: set[str] | None = None,
        throttle_domains: set[str] | None = None,
        port: int | None = None,
        pipelining: bool = True,
    ):
        self.handler = SandboxHandler(
            mail_root,
            bounce_maildir,
            set(defer_domains or ()),
            set(reject_domains or ()),
            set(throttle_domains or ()),
            pipelining=pipelining,
        )
        self.port = port or free_port()
        self._controller = _Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SandboxServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def received(self, address: str) -> list[bytes]:
        path = mailbox_path(self.handler.mail_root, address)
        if not path.exists():
            return []
        box = mailbox.Maildir(path, create=False)
        return [box.get_bytes(k) for k in box.iterkeys()]


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _DsnSMTP(self.handler, hostname=self.handler.hostname, decode_data=False)
