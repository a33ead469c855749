"""Does the verdict depend on the form a notice arrives in? Needs no labels.

Usage: python benchmarks/bounce_forms.py CORPUS_DIR [--show FORM]

Each ``*.eml`` under CORPUS_DIR (its sub-folders too) is classified as it is, then in the
other forms mail systems and gateways send the same notice:
- its lines: CRLF or bare CR line ends; its long lines wrapped at other places (the lines
  under each indented);
- its text: its text parts base64 or quoted-printable (RFC 2045); its explanation as HTML
  only (RFC 2854); a gateway's virus-scan stamp and disclaimer appended to its first
  plain-text part, or its "external sender" warning put above it, or its footer as a part
  of its own: the multipart's last, or beside the report in a multipart/mixed it wraps;
- its header: its Subject RFC 2047-encoded or tagged by a receiving gateway ("[EXTERNAL]
  …"); a gateway's stamp atop it in RFC 5322's obsolete syntax (a space before the colon,
  which a reader accepts); its From naming no mail system (an admin's choice or a
  gateway's rewrite);
- its report: its fields in lower case without the space after the colon and a comment
  after the status (RFC 3464 allows both), or in the obsolete syntax, or without the types
  of its addresses and diagnostic, or in another order, or without the blank line after
  its per-message fields; a second, delivered recipient added;
- its MIME structure: content types in mixed case; every charset declared us-ascii; its
  multipart/report relabelled multipart/mixed; its report part (delivery status,
  complaint, read receipt) relabelled application/octet-stream and base64-encoded, or
  text/plain, by a gateway (RFC 6522 3);
  its returned message encoded whole (base64 or quoted-printable), or attached as a file
  (".eml");
- passed on: (a plain-text notice) forwarded inline by a colleague; attached by a
  colleague;
- its recipient: the first failed one with another local part, one holding "=" and "&" as
  RFC 5322 allows.

For each form it prints how many messages keep their verdict (kind, and per recipient the
address, reason and hardness), how many of those that change claim a hard failure they
did not claim before (each would mark a working address undeliverable), and how many lose
what tied them to their invoice (the returned Message-ID or our token), which leaves a
notice set aside. ``--show FORM`` lists the messages whose verdict or tie a form changes.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import quopri
import re
import sys
import textwrap
from collections.abc import Callable
from email import message_from_bytes
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.policy import compat32
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bounce_parser import Classification, Kind, classify  # noqa: E402

ADDED = "other.person@elsewhere.example"
Verdict = tuple[str, tuple[tuple[str, str | None, bool], ...]]


def _flat(msg: Message) -> bytes:
    out = io.BytesIO()
    BytesGenerator(out, policy=compat32.clone(linesep="\n"), mangle_from_=False).flatten(msg)
    return out.getvalue()


def _text_leaves(msg: Message) -> list[Message]:
    return [p for p in msg.walk() if not p.is_multipart() and p.get_content_maintype() == "text"]


def crlf(raw: bytes) -> bytes | None:
    return re.sub(rb"\r?\n", b"\r\n", raw)


def cr_line_ends(raw: bytes) -> bytes | None:
    """Bare CR line ends (an old Mac client's, or a store that dropped the LFs)."""
    return re.sub(rb"\r?\n", b"\r", raw)


def _encoded(raw: bytes, encoding: str) -> bytes | None:
    msg = message_from_bytes(raw)
    leaves = _text_leaves(msg)
    for part in leaves:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        del part["Content-Transfer-Encoding"]
        if encoding == "base64":
            part.set_payload(base64.encodebytes(data).decode("ascii"))
        else:
            part.set_payload(quopri.encodestring(data).decode("ascii"))
        part["Content-Transfer-Encoding"] = encoding
    return _flat(msg) if leaves else None


def as_base64(raw: bytes) -> bytes | None:
    return _encoded(raw, "base64")


def as_quoted_printable(raw: bytes) -> bytes | None:
    return _encoded(raw, "quoted-printable")


def _first_plain_text(msg: Message) -> tuple[Message, str] | None:
    """The first plain-text part of ``msg`` (the notice's explanation) and its text."""
    for part in _text_leaves(msg):
        if part.get_content_subtype() != "plain":
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        try:
            return part, data.decode(part.get_content_charset() or "utf-8", "replace")
        except LookupError:
            return part, data.decode("latin-1")
    return None


def as_html(raw: bytes) -> bytes | None:
    """The first plain-text part (the notice's explanation) as HTML, a paragraph a line."""
    msg = message_from_bytes(raw)
    found = _first_plain_text(msg)
    if found is None:
        return None
    part, text = found
    page = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.splitlines())
    del part["Content-Transfer-Encoding"]
    part.set_payload(f"<html><body>{page}</body></html>".encode(), "utf-8")
    part.set_type("text/html")
    part.set_param("charset", "utf-8")
    return _flat(msg)


FOOTER = (
    "\n\n-- \nThis message has been scanned for viruses and\ndangerous content by MailScanner, "
    "and is\nbelieved to be clean.\n\nCONFIDENTIALITY NOTICE: If you are not the intended "
    "recipient,\nany review, use, disclosure or distribution is prohibited.\n"
)


BANNER = (
    "CAUTION: This email originated from outside of the organization. Do not click links or "
    "open attachments unless you recognize the sender and know the content is safe.\n\n"
)


def gateway_footer(raw: bytes) -> bytes | None:
    """A gateway's stamp and disclaimer appended to the first plain-text part, as MailScanner
    appends its signature to whatever it passes."""
    return _first_plain_text_changed(raw, lambda text: text.rstrip("\n") + FOOTER)


def gateway_banner(raw: bytes) -> bytes | None:
    """An "external sender" warning put above the first plain-text part, as a company's
    gateway marks what comes from outside."""
    return _first_plain_text_changed(raw, lambda text: BANNER + text)


# a company's footer, as an admin writes it: nothing in it a footer table could know
PART_FOOTER = "Acme SA - 1 rue de la Paix - 75002 Paris - www.acme.example\n"


def _footer_part() -> Message:
    part = Message()
    part["Content-Type"] = "text/plain; charset=us-ascii"
    part.set_payload(PART_FOOTER)
    return part


def footer_part_appended(raw: bytes) -> bytes | None:
    """A gateway's footer added as the last part of whatever multipart passes through it,
    as a Mailman list adds its footer to a multipart/mixed."""
    msg = message_from_bytes(raw, policy=compat32)
    if not msg.is_multipart():
        return None
    msg.attach(_footer_part())
    return _flat(msg)


def _wrapped_beside_footer(raw: bytes, footer_first: bool) -> bytes | None:
    msg = message_from_bytes(raw, policy=compat32)
    if msg.get_content_type() != "multipart/report":
        return None
    outer = Message()
    for name, value in msg.items():
        if not name.lower().startswith("content-") and name.lower() != "mime-version":
            outer[name] = value
    for name in set(msg.keys()):
        if not name.lower().startswith("content-"):
            del msg[name]
    outer["MIME-Version"] = "1.0"
    outer["Content-Type"] = 'multipart/mixed; boundary="gateway-footer"'
    outer.set_payload([_footer_part(), msg] if footer_first else [msg, _footer_part()])
    return _flat(outer)


def wrapped_footer_before(raw: bytes) -> bytes | None:
    """A report wrapped in a multipart/mixed whose first part is the gateway's footer, as
    Google Workspace's "Append footer" does to a message without a text part of its own."""
    return _wrapped_beside_footer(raw, footer_first=True)


def wrapped_footer_after(raw: bytes) -> bytes | None:
    """A report wrapped in a multipart/mixed with the footer after it, as a Mailman list
    does to a message that is not multipart/mixed."""
    return _wrapped_beside_footer(raw, footer_first=False)


def _first_plain_text_changed(raw: bytes, change: Callable[[str], str]) -> bytes | None:
    msg = message_from_bytes(raw)
    found = _first_plain_text(msg)
    if found is None:
        return None
    part, text = found
    del part["Content-Transfer-Encoding"]
    part.set_payload(change(text).encode("utf-8", "replace"), "utf-8")
    return _flat(msg)


WRAP_AT = 50
# a line's own indentation, and the "> " of a quoted copy, which its wrapped lines keep
_LINE_PREFIX = re.compile(r"[ \t]*(?:>[ \t])*")


def _rewrapped(text: str) -> str:
    out = []
    for line in text.splitlines():
        prefix = _LINE_PREFIX.match(line).group(0)  # type: ignore[union-attr]
        pieces = textwrap.wrap(
            line[len(prefix) :], WRAP_AT, break_long_words=False, break_on_hyphens=False
        )
        if len(line) <= WRAP_AT or not pieces:
            out.append(line)
            continue
        out.append(prefix + pieces[0])
        out.extend(prefix + "    " + piece for piece in pieces[1:])
    return "\n".join(out) + "\n"


def rewrapped(raw: bytes) -> bytes | None:
    """The first plain-text part with its long lines wrapped at other places, the lines
    under each indented, as Postfix's and Exim's notices wrap a long reply: where a notice's
    lines break depends on the length of the host names and addresses in them."""
    return _first_plain_text_changed(raw, _rewrapped)


def encoded_subject(raw: bytes) -> bytes | None:
    head, sep, body = raw.partition(b"\n\n")
    m = re.search(rb"^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", head, re.M | re.I)
    if not sep or m is None or b"=?" in m.group(1):
        return None
    subject = " ".join(m.group(1).decode("utf-8", "replace").split())
    encoded = Header(subject, "utf-8").encode().encode("ascii")
    return head[: m.start()] + b"Subject: " + encoded + head[m.end() :] + sep + body


def tagged_subject(raw: bytes) -> bytes | None:
    """The Subject as a receiving gateway passes it on: "[EXTERNAL] " before it."""
    m = re.search(rb"^Subject:[ \t]*", raw.partition(b"\n\n")[0], re.M | re.I)
    return None if m is None else raw[: m.end()] + b"[EXTERNAL] " + raw[m.end() :]


_REPORT_FIELD = re.compile(
    rb"^(Final-Recipient|Original-Recipient|Action|Status|Diagnostic-Code|Reporting-MTA|"
    rb"Remote-MTA):[ \t]*(.*)$",
    re.M | re.I,
)


def report_fields_respelled(raw: bytes) -> bytes | None:
    def respelled(m: re.Match[bytes]) -> bytes:
        name, value = m.group(1).lower(), m.group(2)
        if name == b"status":
            value += b" (delivery failed)"
        return name + b":" + value

    out, count = _REPORT_FIELD.subn(respelled, raw)
    return out if count else None


def _report_body(raw: bytes, kinds: bytes) -> tuple[int, int] | None:
    """Where the body of the report part of one of ``kinds`` starts and ends: that part's
    fields alone (a notice's own header holding such a field, as Oracle Messaging Server's
    "Original-recipient:", is not the report)."""
    part = re.search(
        rb"(?im)^content-type:[ \t]*message/(?:global-)?(?:" + kinds + rb")[^\n]*\n"
        rb"(?:[^\r\n][^\n]*\n)*",  # the part's own header, to the blank line
        raw,
    )
    if part is None:
        return None
    end = raw.find(b"\n--", part.end())
    return part.end(), len(raw) if end < 0 else end


def report_fields_obsolete(raw: bytes) -> bytes | None:
    """The report's fields with a space before the colon (RFC 5322 4.5.3's obsolete syntax,
    which a reader must accept; Mimecast writes its delivery reports so)."""
    # every field of the report part (a delivery report's, a complaint's, a read receipt's)
    body = _report_body(raw, rb"delivery-status|feedback-report|disposition-notification")
    if body is None:
        return None
    start, end = body
    fields, count = re.subn(rb"(?m)^([A-Za-z][\w-]*):", rb"\1 :", raw[start:end])
    return raw[:start] + fields + raw[end:] if count else None


def _delivery_report_blocks(raw: bytes) -> tuple[int, int, list[list[bytes]]] | None:
    """A delivery report's blocks of fields, each a list of fields (continuations joined)."""
    body = _report_body(raw, rb"delivery-status")
    if body is None:
        return None
    start, end = body
    text = raw[start:end]
    start += len(text) - len(text.lstrip(b"\r\n"))  # the blank line that ends its header
    blocks = []
    for text in re.split(rb"\r?\n[ \t]*\r?\n", raw[start:end]):
        fields: list[bytes] = []
        for line in text.splitlines():
            if line[:1] in (b" ", b"\t") and fields:
                fields[-1] += b" " + line.strip()
            elif line.strip():
                fields.append(line)
        if fields:
            blocks.append(fields)
    return (start, end, blocks) if blocks else None


def report_fields_reordered(raw: bytes) -> bytes | None:
    """Each block of the delivery report's fields in the reverse order (RFC 3464 2.2 and
    2.3 list an order; reporters write others, extension fields first, Action before
    Final-Recipient)."""
    found = _delivery_report_blocks(raw)
    if found is None:
        return None
    start, end, blocks = found
    text = b"\n\n".join(b"\n".join(reversed(fields)) for fields in blocks)
    return raw[:start] + text + b"\n" + raw[end:]


def report_blank_line_dropped(raw: bytes) -> bytes | None:
    """The delivery report without the blank line after its per-message fields, as AOL's
    and Mimecast's reports come."""
    found = _delivery_report_blocks(raw)
    if found is None or len(found[2]) < 2:
        return None
    start, end, blocks = found
    blocks = [blocks[0] + blocks[1], *blocks[2:]]
    text = b"\n\n".join(b"\n".join(fields) for fields in blocks)
    return raw[:start] + text + b"\n" + raw[end:]


def report_fields_untyped(raw: bytes) -> bytes | None:
    """The report's recipients and diagnostic without their type ("Final-Recipient:
    a@b", "Diagnostic-Code: 550 …"), as some reporters write them. The one fact lost is a
    program's exit ("x-unix; 75"), which only the type tells from a reply."""

    def untyped(m: re.Match[bytes]) -> bytes:
        name, value = m.group(1), m.group(2)
        if name.lower() in (b"final-recipient", b"original-recipient", b"diagnostic-code"):
            value = value.partition(b";")[2].strip() or value
        return name + b": " + value

    out, count = _REPORT_FIELD.subn(untyped, raw)
    return out if count and out != raw else None


def header_field_obsolete(raw: bytes) -> bytes | None:
    """A gateway's stamp put at the top of the notice's header in RFC 5322 4.5.3's obsolete
    syntax ("X-Gateway-Stamp : scanned"), which a reader must accept."""
    eol = b"\r\n" if b"\r\n" in raw[:1000] else b"\n"
    return b"X-Gateway-Stamp : scanned" + eol + raw


def charset_relabelled(raw: bytes) -> bytes | None:
    """Every part's charset declared us-ascii, as a gateway that rewrites or drops the
    parameter leaves it (RFC 2045 5.2: us-ascii is the default)."""
    out, count = re.subn(
        rb'(?im)^(content-type:[^\n]*(?:\n[ \t][^\n]*)*?charset=)"?[\w.:-]+"?',
        rb'\1"us-ascii"',
        raw,
    )
    return out if count and out != raw else None


def mixed_case_types(raw: bytes) -> bytes | None:
    out, a = re.subn(
        rb"(?i)content-type:[ \t]*multipart/report;[ \t]*report-type=\"?delivery-status\"?",
        b"Content-Type: Multipart/Report; Report-Type=Delivery-Status",
        raw,
    )
    out, b = re.subn(
        rb"(?i)content-type:[ \t]*message/delivery-status",
        b"Content-Type: Message/Delivery-Status",
        out,
    )
    return out if a + b else None


_REPORT_PARTS = (
    "message/delivery-status",
    "message/feedback-report",
    "message/disposition-notification",
)


def report_as_mixed(raw: bytes) -> bytes | None:
    """The report's multipart/report (its first) relabelled multipart/mixed, its report-type
    lost, by a gateway that knows no multipart/report (RFC 2046 5.1.3: an unknown multipart
    subtype is read as mixed)."""
    out, count = re.subn(
        rb'(?i)multipart/report(?:;\s*report-type="?[\w-]+"?)?', b"multipart/mixed", raw, count=1
    )
    return out if count else None


def report_relabelled(raw: bytes) -> bytes | None:
    """The report's fields part (a delivery report's, a complaint's, a read receipt's)
    relabelled by a gateway that re-encodes what it passes on (application/octet-stream,
    base64), as RFC 6522 3 still makes it the report's second part."""
    return _relabelled(raw, "application/octet-stream")


def report_relabelled_text(raw: bytes) -> bytes | None:
    """The report's fields part relabelled text/plain, as a gateway that knows no
    message/* type but message/rfc822 passes it on."""
    return _relabelled(raw, "text/plain")


def _relabelled(raw: bytes, label: str) -> bytes | None:
    msg = message_from_bytes(raw, policy=compat32)
    if msg.get_content_type() != "multipart/report":
        return None
    changed = False
    for part in msg.walk():
        if part.get_content_type() not in _REPORT_PARTS:
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            return None
        text = "\n".join(b.as_string() if isinstance(b, Message) else str(b) for b in blocks)
        data = text.encode("utf-8", "surrogateescape")
        del part["Content-Type"], part["Content-Transfer-Encoding"]
        part["Content-Type"] = label
        if label == "text/plain":
            part.set_payload(text)
        else:
            part["Content-Transfer-Encoding"] = "base64"
            part.set_payload(base64.encodebytes(data).decode("ascii"))
        changed = True
    return _flat(msg) if changed else None


def _returned(raw: bytes) -> tuple[Message, Message, bytes] | None:
    """The notice, its returned message's part (message/rfc822) and that message's bytes."""
    msg = message_from_bytes(raw, policy=compat32)
    for part in msg.walk():
        payload = part.get_payload()
        if part.get_content_type() != "message/rfc822" or not isinstance(payload, list):
            continue
        if not payload or not isinstance(payload[0], Message):
            return None
        return msg, part, _flat(payload[0])
    return None


def _returned_encoded(raw: bytes, encoding: str) -> bytes | None:
    """The returned message (message/rfc822) encoded whole, as a gateway that re-encodes
    what it passes on does although RFC 2046 5.2.1 forbids it."""
    found = _returned(raw)
    if found is None:
        return None
    msg, part, data = found
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = encoding
    if encoding == "base64":
        part.set_payload(base64.encodebytes(data).decode("ascii"))  # the encoded text itself
    else:
        part.set_payload(quopri.encodestring(data).decode("ascii"))
    return _flat(msg)


def returned_as_file(raw: bytes) -> bytes | None:
    """The returned message attached as a file ("ATT00001.eml", application/octet-stream,
    base64), as some gateways and clients pass a message on."""
    found = _returned(raw)
    if found is None:
        return None
    msg, part, data = found
    for name in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition"):
        del part[name]
    part["Content-Type"] = 'application/octet-stream; name="ATT00001.eml"'
    part["Content-Transfer-Encoding"] = "base64"
    part["Content-Disposition"] = 'attachment; filename="ATT00001.eml"'
    part.set_payload(base64.encodebytes(data).decode("ascii"))
    return _flat(msg)


def returned_base64(raw: bytes) -> bytes | None:
    return _returned_encoded(raw, "base64")


def returned_quoted_printable(raw: bytes) -> bytes | None:
    return _returned_encoded(raw, "quoted-printable")


def second_recipient(raw: bytes) -> bytes | None:
    """A delivered recipient added after the report's last recipient block."""
    m = re.search(rb"(?im)^content-type:[ \t]*message/delivery-status[^\n]*\n(?:[^\n]+\n)*?\n", raw)
    end = raw.find(b"\n--", m.end()) if m else -1
    if m is None or end < 0:
        return None
    block = raw[m.end() : end].rstrip(b"\r\n")
    if b"final-recipient" not in block.lower():
        return None
    added = (
        f"\n\nFinal-Recipient: rfc822; {ADDED}\nAction: delivered\nStatus: 2.0.0\n"
        "Diagnostic-Code: smtp; 250 2.0.0 OK queued\n"
    ).encode()
    return raw[: m.end()] + block + added + raw[end:]


def forwarded_inline(raw: bytes) -> bytes | None:
    """A plain-text notice (one text/plain part, no report) as a colleague forwards it
    inline: their own line, Gmail's forward line, the notice's header lines, its text."""
    msg = message_from_bytes(raw)
    if msg.is_multipart() or msg.get_content_type() != "text/plain":
        return None
    data = msg.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    try:
        text = data.decode(msg.get_content_charset() or "utf-8", "replace")
    except LookupError:
        text = data.decode("latin-1")
    field = {k: " ".join(str(msg.get(k, "")).split()) for k in ("From", "Subject", "To")}
    forward = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        f"Subject: Fwd: {field['Subject']}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        "FYI\n\n---------- Forwarded message ---------\n"
        f"From: {field['From']}\nDate: Thu, 3 Dec 2026 at 10:00\n"
        f"Subject: {field['Subject']}\nTo: {field['To']}\n\n{text}"
    )
    return forward.encode("utf-8", "replace")


def forwarded_attached(raw: bytes) -> bytes | None:
    """The notice as a colleague passes it on attached (a mail client's "forward as
    attachment", RFC 2046 5.2.1): their own line, the notice whole as message/rfc822."""
    subject = " ".join(str(message_from_bytes(raw).get("Subject", "")).split())
    head = (
        "From: Paul Martin <paul@acme.example>\nTo: retours@acme.example\n"
        f"Subject: Fwd: {subject}\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="forwarded-attached"\n\n'
        "--forwarded-attached\nContent-Type: text/plain; charset=utf-8\n\nFYI\n\n"
        "--forwarded-attached\nContent-Type: message/rfc822\n\n"
    )
    notice = re.sub(rb"\r\n?", b"\n", raw)
    return head.encode("utf-8", "replace") + notice + b"\n--forwarded-attached--\n"


def sender_rewritten(raw: bytes) -> bytes | None:
    """A failure or delivery notice whose From names no mail system: an admin's choice
    (Exim's dsn_from, a Postfix bounce template's From:) or a gateway's rewrite. (An
    auto-reply's or a complaint's From says who answered or complained: not this form's.)"""
    if classify(raw).kind not in (Kind.BOUNCE, Kind.DELIVERY_REPORT):
        return None
    msg = message_from_bytes(raw, policy=compat32)
    del msg["From"]
    msg["From"] = "Retours <retours@gateway.acme.example>"
    return _flat(msg)


# a local part as RFC 5322 3.2.3's atext allows, with characters an invoice address does hold
RENAMED_LOCAL = "compta=fr&ap"


def recipient_renamed(raw: bytes) -> bytes | None:
    """The first failed recipient, wherever the notice names it, with another local part:
    which addresses are read must not depend on the characters of their local part."""
    first = next((r.address for r in classify(raw).recipients if r.address), None)
    if not first or first.encode() not in raw.lower():
        return None
    renamed = f"{RENAMED_LOCAL}@{first.rpartition('@')[2]}"
    return re.sub(re.escape(first.encode()), renamed.encode(), raw, flags=re.IGNORECASE)


def _renamed_back(after: Verdict, before: Classification) -> Verdict:
    """``after`` with the renamed recipient named as it was, to compare with before."""
    first = next((r.address for r in before.recipients if r.address), "")
    renamed = f"{RENAMED_LOCAL}@{first.rpartition('@')[2]}".lower()
    said = sorted((first.lower() if a == renamed else a, r, h) for a, r, h in after[1])
    return after[0], tuple(said)


FORMS: dict[str, Callable[[bytes], bytes | None]] = {
    "crlf": crlf,
    "cr-line-ends": cr_line_ends,
    "base64": as_base64,
    "quoted-printable": as_quoted_printable,
    "html-only": as_html,
    "subject-rfc2047": encoded_subject,
    "subject-tagged": tagged_subject,
    "report-fields": report_fields_respelled,
    "report-fields-obsolete": report_fields_obsolete,
    "report-fields-untyped": report_fields_untyped,
    "report-fields-reordered": report_fields_reordered,
    "report-blank-line-dropped": report_blank_line_dropped,
    "header-field-obsolete": header_field_obsolete,
    "mixed-case-types": mixed_case_types,
    "charset-relabelled": charset_relabelled,
    "report-as-mixed": report_as_mixed,
    "report-relabelled": report_relabelled,
    "report-relabelled-text": report_relabelled_text,
    "second-recipient": second_recipient,
    "returned-base64": returned_base64,
    "returned-quoted-printable": returned_quoted_printable,
    "returned-as-file": returned_as_file,
    "forwarded-inline": forwarded_inline,
    "forwarded-attached": forwarded_attached,
    "gateway-footer": gateway_footer,
    "gateway-banner": gateway_banner,
    "footer-part-appended": footer_part_appended,
    "wrapped-footer-before": wrapped_footer_before,
    "wrapped-footer-after": wrapped_footer_after,
    "rewrapped": rewrapped,
    "recipient-renamed": recipient_renamed,
    "sender-rewritten": sender_rewritten,
}


def verdict(c: Classification) -> Verdict:
    said = sorted((r.address.lower(), r.reason, r.hard) for r in c.recipients if r.address != ADDED)
    return c.kind.value, tuple(said)


def tie(c: Classification) -> tuple[str | None, str | None]:
    """What ties a notice to its invoice: the returned message's Message-ID, our token."""
    return c.original_message_id, c.facturier_token


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--show", choices=sorted(FORMS), help="list the changes this form makes")
    args = ap.parse_args()
    files = sorted(args.corpus.rglob("*.eml"))
    if not files:
        print(f"{args.corpus}: no .eml files", file=sys.stderr)
        return 2
    print(f"{'form':26} {'same verdict':>20} {'new hard claims':>16} {'ties lost':>10}")
    for name, form in FORMS.items():
        tried = same = new_hard = ties_lost = 0
        for path in files:
            raw = path.read_bytes()
            try:
                other = form(raw)
            except Exception:  # a message the stdlib cannot re-serialise: not this form's
                other = None
            if other is None:
                continue
            tried += 1
            seen, read = classify(raw), classify(other)
            if tie(seen) != (None, None) and tie(read) != tie(seen):
                ties_lost += 1
                if args.show == name:
                    print(f"  {path.name}\n    tied by {tie(seen)}\n    now {tie(read)}")
            before, after = verdict(seen), _renamed_back(verdict(read), seen)
            if before == after:
                same += 1
                continue
            was_hard = {a for a, _, hard in before[1] if hard}
            new_hard += any(hard and a not in was_hard for a, _, hard in after[1])
            if args.show == name:
                print(f"  {path.name}\n    was {before}\n    now {after}")
        share = f"{same / tried:.3f} ({same}/{tried})" if tried else "-"
        print(f"{name:26} {share:>20} {new_hard:>16} {ties_lost:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
