"""The classifier: what kind of message this is, and what it says about each recipient."""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections.abc import Iterable
from email.message import Message
from typing import TypedDict

from bounce_parser import mime
from bounce_parser.autoreply import autoreply_until, looks_like_autoreply
from bounce_parser.listserver import list_rejection
from bounce_parser.model import Classification, Kind, RecipientResult, is_hard
from bounce_parser.providers import amazon_ses
from bounce_parser.reasons import (
    decide_reason,
    is_decisive,
    refine_by_command,
    reply_code_in_text,
    smtp_command,
    status_from_reply_code,
    status_in_text,
)
from bounce_parser.textbounce import strong_recipients, text_recipients

log = logging.getLogger(__name__)

FACTURIER_HEADER = "X-Facturier-Delivery"
_BOUNCE_SENDER = re.compile(
    r"mailer-daemon|post_?master|mail delivery (?:subsystem|system)|mail ?administrator|"
    r"\bmaildelivery\b|nobody@|bounce|mdaemon|microsoftexchange",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|problem)|"
    r"returned mail|failure notice|mail delivery failed|delivery notification|non[- ]?remis|"
    r"unzustellbar|nondeliverable|non-delivery|could not be delivered|mail system error|"
    r"permanent error|rejected|not delivered|warning: could not send|delayed mail|"
    r"message you sent|notification d'état|error sending|no se puede entregar|"
    r"returned to sender|delivery report|failed delivery|mail could not",
    re.IGNORECASE,
)
_RETURNED_MARKER = re.compile(
    r"^[ \t>]*(?:-+ ?(?:original message|below this line|this is a copy|the header of the original|"
    r"returned message|headers? of the original|message header follows|original mail|"
    r"unsent message follows|original message follows|undelivered message headers|"
    r"the original message headers|forwarded message|returned mail follows|"
    r"the header of the original message is following)|"
    r"\|-+ message text follows|"
    r"(?:original )?message headers follow|"
    r"------ This is a copy of the message|Content-Type: message/rfc822|"
    r"Below this line is a copy of the message|Included is a copy of|"
    r"The original message headers? (?:is|are|was|were) (?:included|attached|as follows))",
    re.IGNORECASE | re.MULTILINE,
)
_TEMPORARY = re.compile(
    r"temporar(?:y|ily)|delayed|will (?:be )?retr(?:y|ied)|deferred|still trying|try again later|"
    r"has not yet been delivered|not yet been delivered|will keep trying|warning: message",
    re.IGNORECASE,
)
_NOTES_REASONS = re.compile(r"^-{3,} *Failure Reasons *-{3,}[ \t]*\r?\n\s*(\S[^\n]*)", re.M)
_GAVE_UP = re.compile(
    r"permanent(?:ly)? (?:error|fatal|failed|failure)|gave up|giving up|retry timeout exceeded",
    re.IGNORECASE,
)
# Exim's bounce template (Mail.Ru's servers send it too): both wordings
_EXIM_TEMPLATE = (
    re.compile(r"created automatically by mail delivery software", re.IGNORECASE),
    re.compile(r"address\(es\)\s+failed", re.IGNORECASE),
)
_BOUNCE_BODY = re.compile(
    r"could ?n[o']t be delivered|was not delivered|delivery (?:to the following|has failed|"
    r"failed|problem)|undeliverable|permanent(?:ly)? (?:error|fatal|failed)|"
    r"the following addresses? had|message could not|unable to deliver|failed to deliver|"
    r"mail delivery failed|returned to sender|user unknown|mailbox (?:is )?(?:full|unavailable)|"
    r"wasn't able to deliver|not be delivered|non remis|unzustellbar|no such user|"
    r"delivery has been delayed|will retry|mail could not|rejected your message|"
    r"送信できません|配信できません|届きませんでした|宛先",
    re.IGNORECASE,
)


class _Common(TypedDict):
    addressed_to: tuple[str, ...]
    subject: str | None
    from_address: str | None
    in_reply_to: str | None
    references: tuple[str, ...]


def classify(raw: bytes) -> Classification:
    """Classify one message. Pure, never raises."""
    try:
        return _undecided_reasons_named(_classify(raw))
    except Exception as exc:  # the contract: any input gives an answer
        log.debug("classifier failed: %s", exc)
        return Classification(kind=Kind.UNKNOWN, notes=(f"unparseable: {type(exc).__name__}",))


_WORDS = re.compile(r"\w\w")


def _undecided_reason(result: RecipientResult) -> str:
    """sisimai's names for a failure whose cause no rule recognised: a delay is the message
    waiting in the queue (``expired``); an error the server explained in words we cannot
    place is ``onhold``; one with no explanation at all is ``undefined``."""
    if result.action == "delayed":
        return "expired"
    return "onhold" if _WORDS.search(result.diagnostic or "") else "undefined"


def _undecided_reasons_named(result: Classification) -> Classification:
    if result.kind != Kind.BOUNCE or all(r.reason for r in result.recipients):
        return result
    recipients = tuple(
        r if r.reason else dataclasses.replace(r, reason=_undecided_reason(r))
        for r in result.recipients
    )
    return dataclasses.replace(result, recipients=recipients)


MAX_INPUT = 1024 * 1024
"""Only the first MiB is read: notifications put their report first, and what follows is
the returned message, whose body (the invoice itself) says nothing about the failure."""


def _classify(raw: bytes) -> Classification:
    data = raw if isinstance(raw, bytes | bytearray) else bytes(raw)
    msg = mime.parse(bytes(data[:MAX_INPUT]))
    subject = mime.header(msg, "Subject")
    sender = mime.header(msg, "From") or ""
    in_reply_to = mime.first_message_id(mime.header(msg, "In-Reply-To") or "")
    references = tuple(re.findall(r"<[^<>\s]+>", mime.header(msg, "References") or ""))
    senders = mime.addresses_in(sender)
    addressed = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        addressed += [a.lower() for a in mime.addresses_in(mime.header(msg, name) or "")]
    base: _Common = {
        "addressed_to": tuple(dict.fromkeys(addressed)),
        "subject": subject,
        "from_address": senders[0] if senders else None,
        "in_reply_to": in_reply_to,
        "references": references,
    }
    parts = list(mime.walk(msg))
    report_type = _report_type(msg)

    ctypes = [(d, mime.ctype(p)) for d, p in parts]
    if report_type == "feedback-report" or any(c == "message/feedback-report" for _, c in ctypes):
        return _feedback(msg, parts, base)
    if report_type == "disposition-notification" or any(
        c == "message/disposition-notification" for _, c in ctypes
    ):
        return _read_receipt(parts, base)
    dsn = [
        p
        for d, p in parts
        if d == 0 and mime.ctype(p) in ("message/delivery-status", "message/global-delivery-status")
    ]
    report = dsn[0] if dsn else _embedded_dsn(parts)
    if report is not None:
        result = _from_dsn(msg, parts, report, base)
        if result is not None:
            return result
    ses = amazon_ses(_human_text(parts), dict(base))
    if ses is not None:
        return ses
    refused_post = list_rejection(msg, _human_text(parts), dict(base))
    if refused_post is not None:
        return refused_post
    bounce_like = _is_bounce_like(msg, subject, sender, parts)
    if bounce_like:
        text_result = _from_text(msg, parts, base)
        if text_result is not None:
            return text_result
    if (mime.header(msg, "X-Apple-Unsubscribe") or "").lower() == "true":
        return _unsubscribe_request(msg, parts, base)
    if looks_like_autoreply(msg, subject):
        body = _human_text(parts)
        return Classification(
            kind=Kind.AUTOREPLY,
            recipients=_autoreply_recipient(msg),
            original_message_id=in_reply_to,
            autoreply_until=autoreply_until(body),
            excerpt=_excerpt(body),
            facturier_token=_token(parts),
            **base,
        )
    if in_reply_to or references:
        return Classification(
            kind=Kind.HUMAN,
            original_message_id=in_reply_to,
            facturier_token=_token(parts),
            excerpt=_excerpt(_human_text(parts)),
            **base,
        )
    return Classification(kind=Kind.UNKNOWN, **base)


def _excerpt(text: str, limit: int = 2000) -> str | None:
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or re.match(r"^(?:On .* wrote:|Le .* a écrit ?:|-----)", line):
            break
        lines.append(line.rstrip())
    out = "\n".join(lines).strip()
    return out[:limit] or None


def _report_type(msg: Message) -> str | None:
    if mime.ctype(msg) != "multipart/report":
        return None
    value = msg.get_param("report-type")
    return str(value).lower() if value else None


def _is_bounce_like(
    msg: Message, subject: str | None, sender: str, parts: list[tuple[int, Message]]
) -> bool:
    if msg.get("X-Failed-Recipients"):
        return True
    if _BOUNCE_SENDER.search(sender):
        return True
    if subject and _BOUNCE_SUBJECT.search(subject):
        return True
    if msg.get("In-Reply-To") is not None:
        return False  # a person answering, who may well quote such words
    return bool(_BOUNCE_BODY.search(_human_text(parts)[:4000]))


def _returned_part(parts: list[tuple[int, Message]]) -> Message | None:
    for depth, part in parts:
        returned = ("message/rfc822", "message/global", "text/rfc822-headers")
        if depth <= 1 and mime.ctype(part) in returned:
            return part
    return None


def _returned_headers(parts: list[tuple[int, Message]]) -> Message | None:
    part = _returned_part(parts)
    if part is None:
        return None
    if mime.ctype(part) == "text/rfc822-headers":
        return mime.kept(part, "_returned_headers", _headers_part)
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _headers_part(part: Message) -> Message:
    return mime.parse(mime.text_of(part).encode("utf-8", "replace"))


def _token(parts: list[tuple[int, Message]]) -> str | None:
    for _, part in parts:
        value = part.get(FACTURIER_HEADER)
        if value:
            return str(value).strip()
    for _, part in parts:
        if mime.ctype(part) in ("text/rfc822-headers", "text/plain"):
            m = _token_field(mime.text_of(part))
            if m:
                return m.group(1)
    return None


def _token_field(text: str) -> re.Match[str] | None:
    """The first facturier header field in ``text``, found by a plain scan of the lower-cased
    text (a case-insensitive regex is tried at every position)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets differ
        return _TOKEN_FIELD.search(text)
    at = lowered.find(_TOKEN_NAME)
    while at >= 0:
        m = _TOKEN_FIELD.match(text, at)
        if m:
            return m
        at = lowered.find(_TOKEN_NAME, at + 1)
    return None


_TOKEN_NAME = FACTURIER_HEADER.lower()
_TOKEN_FIELD = re.compile(re.escape(FACTURIER_HEADER) + r":\s*(\S+)", re.IGNORECASE)


def _original_message_id(parts: list[tuple[int, Message]], text: str = "") -> str | None:
    headers = _returned_headers(parts)
    if headers is not None:
        mid = mime.first_message_id(str(headers.get("Message-ID", "") or ""))
        if mid:
            return mid
    m = re.search(r"^\s*Message-ID:\s*(<[^>\s]+>)", text, re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


MAX_HUMAN_TEXT = 32 * 1024
"""The readable part of a notification explains itself in a few KB; the rest is noise."""


def _human_text(parts: list[tuple[int, Message]]) -> str:
    for depth, part in parts:
        if depth == 0 and mime.ctype(part) == "text/plain":
            return mime.text_of(part)[:MAX_HUMAN_TEXT]
    for depth, part in parts:
        if depth == 0 and mime.ctype(part) == "text/html":
            return re.sub(r"<[^>]{0,2000}>", " ", mime.text_of(part)[:MAX_HUMAN_TEXT])
    return ""


def _addr(value: str | None) -> str | None:
    if not value:
        return None
    _, _, rest = value.partition(";")
    found = mime.addresses_in(rest or value)
    return found[0].lower() if found else None


def _from_dsn(
    msg: Message, parts: list[tuple[int, Message]], dsn: Message, base: _Common
) -> Classification | None:
    groups = _dsn_groups(dsn)
    if not groups:
        return None
    per_message, per_recipient = groups[0], groups[1:]
    if "final-recipient" in per_message or "original-recipient" in per_message:
        per_message, per_recipient = {}, groups
    human = _human_text(parts)
    results: list[RecipientResult] = []
    reported = {
        a
        for fields in per_recipient
        for a in (_addr(fields.get("final-recipient")), _addr(fields.get("original-recipient")))
        if a
    }
    for fields in per_recipient:
        address = _addr(fields.get("final-recipient")) or _addr(fields.get("original-recipient"))
        if not address:
            continue
        action = (fields.get("action") or "").split()[0].lower() if fields.get("action") else None
        status_field = status_in_text(fields.get("status", ""))
        diagnostic = fields.get("diagnostic-code")
        diag_text = (
            diagnostic.partition(";")[2].strip() if diagnostic and ";" in diagnostic else diagnostic
        )
        if not diag_text:
            diag_text = _diagnostic_near(human, address, reported - {address})
        elif _REPLY_CONTINUES.match(diag_text):
            diag_text = _complete_reply(human, diag_text)
        reply_code = reply_code_in_text(diag_text or "")
        status = status_field
        if diag_text:
            # the remote server's own status, quoted in the diagnostic, is more specific than
            # a reporting MTA's generic or guessed one ("Status: 5.1.1" for "550 5.7.1 IP
            # address blacklisted"); of the same class only: the Status field says whether
            # the report is a failure or a delay; never a bare X.0.0 over a specific field
            quoted = status_in_text(diag_text)
            if quoted and (
                status is None or (quoted[0] == status[0] and not quoted.endswith(".0.0"))
            ):
                status = quoted
        if action is None and status:
            action = {"2": "delivered", "4": "delayed", "5": "failed"}.get(status[0])
        reason: str | None = "delivered"
        if action not in ("delivered", "relayed", "expanded"):
            reason = decide_reason(
                status, diag_text or human[:2000], _subject_reason(base["subject"])
            )
            command = (
                smtp_command(diag_text or "")
                or smtp_command(_around(human, address))
                or _command_line(human, diag_text or "")
            )
            reason = refine_by_command(reason, command, status)
            reason = _unless_stage_untold(reason, command, msg, human, status)
            reason = (
                _provider_reason(
                    msg,
                    address,
                    diag_text or "",
                    status,
                    _mta(fields.get("remote-mta")),
                    _mta(per_message.get("reporting-mta")),
                )
                or reason
            )
            if status is None:
                guessed = reply_code or (400 if action == "delayed" else 500)
                status = status_from_reply_code(guessed, reason)
        results.append(
            RecipientResult(
                address=address,
                status=status,
                reason=reason,
                action=action,
                hard=action == "failed" and is_hard(reason, status, reply_code),
                diagnostic=diag_text,
                reply_code=reply_code,
                remote_mta=_mta(fields.get("remote-mta")),
                original_recipient=_addr(fields.get("original-recipient")),
                last_attempt=fields.get("last-attempt-date"),
                will_retry_until=fields.get("will-retry-until"),
            )
        )
    if not results:
        return None
    success = all(r.action in ("delivered", "relayed", "expanded") for r in results)
    return Classification(
        kind=Kind.DELIVERY_REPORT if success else Kind.BOUNCE,
        recipients=tuple(results),
        original_message_id=_original_message_id(parts, human),
        original_envelope_id=per_message.get("original-envelope-id"),
        reporting_mta=_mta(per_message.get("reporting-mta")),
        arrival_date=per_message.get("arrival-date"),
        facturier_token=_token(parts),
        **base,
    )


_EMBEDDED_DSN = re.compile(r"^(?:Reporting-MTA|Final-Recipient)[ \t]*:", re.I | re.M)
_DSN_RECIPIENT = re.compile(
    r"^Final-Recipient[ \t]*:.*\n(?:.*\n){0,8}?(?:Action|Status)[ \t]*:", re.I | re.M
)


def _embedded_dsn(parts: list[tuple[int, Message]]) -> Message | None:
    """The delivery-status fields of a report whose MIME structure was lost (no or a wrong
    Content-Type), found as a block of text in a plain part."""
    for depth, part in parts:
        kind = mime.ctype(part)
        if depth or not (kind == "text/plain" or kind.startswith("multipart/")):
            continue
        if not isinstance(part.get_payload(), str):
            continue
        text = mime.text_of(part).replace("\r\n", "\n")
        start = _EMBEDDED_DSN.search(text)
        if start is None or not _DSN_RECIPIENT.search(text, start.start()):
            continue
        report = Message()
        report.set_payload(text[start.start() :])
        return report
    return None


def _mta(value: str | None) -> str | None:
    if not value:
        return None
    return value.partition(";")[2].strip() or value.strip()


def _dsn_groups(dsn: Message) -> list[dict[str, str]]:
    payload = dsn.get_payload()
    if isinstance(payload, list):
        groups = []
        for block in payload:
            if isinstance(block, Message):
                groups.append({k.lower(): " ".join(str(v).split()) for k, v in block.items()})
        if len(groups) >= 1:
            return groups
    text = mime.text_of(dsn) if not isinstance(payload, list) else ""
    return mime.parse_fields(text)


_REPLY_CONTINUES = re.compile(r"(\d{3})-")
_LINE_STATUS = re.compile(r"^[245]\.\d{1,3}\.\d{1,3}\s+")


def _complete_reply(human: str, first_line: str) -> str:
    """A multi-line reply of which the report kept only the first line ("552-5.7.0 This
    message was blocked because its content presents a potential"), completed from the
    session transcript in the human-readable part when it has the later lines."""
    code = first_line[:3]
    at = human.find(first_line)
    while at >= 0:
        lines = [first_line]
        for line in human[at + len(first_line) :].splitlines()[1:12]:
            text = line.strip().removeprefix("<<<").strip()
            if not text.startswith(code) or text[3:4] not in ("-", " "):
                break
            lines.append(_LINE_STATUS.sub("", text[4:].strip()))
            if text[3] == " ":
                break
        if len(lines) > 1:
            return " ".join(lines)
        at = human.find(first_line, at + len(first_line))
    return first_line


def _diagnostic_near(text: str, address: str, others: Iterable[str] = ()) -> str | None:
    """What the readable text says after ``address``, up to the line that names another of
    the report's recipients (one named on the same line shares the text that follows)."""
    if not text:
        return None
    lowered = text.lower()
    idx = lowered.find(address.lower())
    if idx < 0:
        return None
    end = idx + 600
    for other in others:
        at = lowered.find(other, idx + len(address))
        line_start = lowered.rfind("\n", idx, at) if at >= 0 else -1
        if 0 <= line_start < end:
            end = line_start + 1
    snippet = text[idx:end]
    marker = _RETURNED_MARKER.search(snippet)
    if marker:
        snippet = snippet[: marker.start()]
    return " ".join(snippet.split())[:500] or None


def _returned_to(parts: list[tuple[int, Message]], returned_text: str) -> list[str]:
    headers = _returned_headers(parts)
    if headers is not None:
        found = mime.addresses_in(str(headers.get("To", "") or ""))
        if found:
            return [a.lower() for a in found]
    m = re.search(r"^To:[ \t]*(.+)$", returned_text, re.IGNORECASE | re.MULTILINE)
    return [a.lower() for a in mime.addresses_in(m.group(1))] if m else []


def _around(text: str, address: str) -> str:
    """The line naming ``address``, the line before it and the two after it."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if address in line.lower():
            return "\n".join(lines[max(0, i - 1) : i + 3])
    return ""


def _line_before(text: str, diagnostic: str) -> str:
    """In a session transcript, the command line (``>>> DATA``) the diagnostic answered."""
    core = re.sub(r"^\s*\d{3}[ -]?", "", diagnostic).strip()[:40]
    if len(core) < 6:
        return ""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if core in line and i > 0 and lines[i - 1].lstrip().startswith(">>>"):
            return lines[i - 1]
    return ""


_COURIER = "running the Courier mail server"


def _command_line(human: str, diagnostic: str) -> str | None:
    """The command a transcript shows right above the reply. sendmail pipelines: a refusal
    printed after ``>>> DATA`` may answer RCPT, so only its end of data counts. Courier
    prints the one command that drew the reply, ``>>> DATA`` included."""
    line = _line_before(human, diagnostic)
    command = smtp_command(line)
    if command is None and _COURIER in human and line.strip().upper() == ">>> DATA":
        return "DATA"
    return command


# Notices that quote a refusal without saying which SMTP command drew it, and whose
# wording cannot tell a missing mailbox from one that refused the message:
_X1_ERRORS = "---The following addresses had delivery errors---"  # "Mail Deliver System"
_X2_INTRO = "Unable to deliver message to the following address(es)."
_MCAFEE = "Modified by McAfee"  # X-NAI-Header of McAfee's Email and Web Security appliance
# Exchange 5.5-2003: "MSEXCH:IMS:… 0 (000C05A6) Unknown Recipient" names the failure by code
_MSEXCH_CODE = re.compile(r"MSEXCH:\S.*\(0[0-9A-F]{7}\)")
_POSTFIX = re.compile(r"^This is the (?:Postfix program|mail system) at host ", re.M)
_POSTFIX_REPLY = re.compile(r"\bsaid: [45]\d\d\b")


def _stage_untold(
    msg: Message, human: str, status: str | None, diagnostic: str | None = None
) -> bool:
    """Whether the notice is one of those that never say at which stage a recipient was
    refused: a "user unknown" in them may be a recipient's filter refusing the message
    after it was sent, so it does not prove the mailbox is missing (sisimai's reading:
    ``filtered``). Not when the status itself is specific (5.1.1)."""
    if is_decisive(status):
        return False
    if _X1_ERRORS in human or _X2_INTRO in human:
        return True
    if "MSEXCH:" in human and _MSEXCH_CODE.search(human) is None:
        return True
    if _MCAFEE in (mime.header(msg, "X-NAI-Header") or "") or "X-ZohoMail" in msg:
        return True
    # a remote reply quoted by Postfix without "(in reply to RCPT TO command)": old versions
    return (
        diagnostic is not None
        and _POSTFIX.search(human) is not None
        and _POSTFIX_REPLY.search(diagnostic) is not None
    )


def _unless_stage_untold(
    reason: str | None,
    command: str | None,
    msg: Message,
    human: str,
    status: str | None,
    diagnostic: str | None = None,
) -> str | None:
    """``reason``, but ``filtered`` for a "user unknown" that names no SMTP command in a
    notice that never says at which stage (:func:`_stage_untold`)."""
    if (
        reason == "userunknown"
        and command is None
        and _stage_untold(msg, human, status, diagnostic)
    ):
        return "filtered"
    return reason


def _provider_reason(
    msg: Message,
    address: str,
    diagnostic: str,
    status: str | None,
    remote_mta: str | None = None,
    reporting_mta: str | None = None,
) -> str | None:
    """Signatures of providers whose bounces say little in words, or whose generic status
    code says less than their own words."""
    lowered = diagnostic.lower()
    if "refused due to recipient preferences" in lowered:
        return "filtered"  # Facebook (RCP-P2) sends it with 5.1.1: the recipient's settings
    if is_decisive(status):
        return None
    if _is_docomo(address, remote_mta) and _DOCOMO_UNKNOWN.search(diagnostic):
        # NTT docomo answers "550 Unknown user" both for a missing mailbox and for one whose
        # owner refuses the sender's domain (its reception filter): whether the user exists
        # is not said, the message was refused
        return "rejected"
    if (
        status is not None
        and status.startswith("4.")
        and status.endswith(".0")
        and _SES_INBOUND.match(reporting_mta or "")
    ):
        # Amazon SES receiving: a recipient's receipt rule failed for now ("450 4.0.0
        # Temporary failure", "451 4.3.0 … recipient error. Please try again later"): no
        # cause is stated, so the failure is on hold
        return "onhold"
    if address.endswith("@googlegroups.com") or "googlegroups.com" in (
        mime.header(msg, "X-Failed-Recipients") or ""
    ):
        return "rejected"  # Google Groups: the group does not exist or refuses the poster
    if "X-ZohoMail" in msg and "host not reachable" in diagnostic.lower():
        return "expired"  # Zoho gives up with this once its retries ran out
    if address.endswith(_AU_DOMAINS) and _AU_FILTERED.search(diagnostic):
        return "filtered"  # au (KDDI): the recipient's own filter, "550 : User unknown"
    return None


_AU_DOMAINS = ("@ezweb.ne.jp", "@au.com")
_DOCOMO_UNKNOWN = re.compile(r"\b550 unknown user\b", re.IGNORECASE)
_SES_INBOUND = re.compile(r"inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\b", re.IGNORECASE)


def _is_docomo(address: str, remote_mta: str | None) -> bool:
    host = (remote_mta or "").lower().partition(" ")[0]  # "mfsmax.docomo.ne.jp [192.0.2.1]"
    return address.endswith("@docomo.ne.jp") or host.endswith(".docomo.ne.jp")


_AU_FILTERED = re.compile(r"\b550:? : User unknown", re.IGNORECASE)


_RETURNED_MAIL = re.compile(r"^\s*returned mail:\s*(.+)", re.IGNORECASE)


def _subject_reason(subject: str | None) -> str | None:
    """sendmail names the failure in its subject ("Returned mail: User unknown"): a last
    source of the reason when the report's own text names none."""
    m = _RETURNED_MAIL.match(subject or "")
    return m.group(1) if m else None


def _from_text(
    msg: Message, parts: list[tuple[int, Message]], base: _Common
) -> Classification | None:
    text = _human_text(parts)
    marker = _RETURNED_MARKER.search(text)
    head = text[: marker.start()] if marker else text
    returned_text = text[marker.start() :] if marker else ""
    exclude: set[str] = set()
    for name in ("To", "From", "Delivered-To"):
        exclude.update(a.lower() for a in mime.addresses_in(mime.header(msg, name) or ""))
    returned = _returned_headers(parts)
    if returned is not None:
        exclude.update(a.lower() for a in mime.addresses_in(str(returned.get("From", ""))))
    summary = " ".join(head.split())[:500]
    failed_header = [
        a.lower() for a in mime.addresses_in(mime.header(msg, "X-Failed-Recipients") or "")
    ]
    found = text_recipients(head, exclude)
    if failed_header:
        by_addr = dict(found)
        found = [(a, by_addr.get(a) or summary) for a in dict.fromkeys(failed_header)]
    if not found:
        found = [(a, summary) for a in _returned_to(parts, returned_text) if a not in exclude]
    if not found:  # a message that bounced back to its own sender names it the strong way
        found = [(a.lower(), summary) for a in strong_recipients(head)]
    notes_reason = _NOTES_REASONS.search(head) if "Failure Reasons" in head else None
    if notes_reason:  # Lotus Notes states the reason on the line above the address
        found = [(a, d or " ".join(notes_reason.group(1).split())) for a, d in found]
    # said of the whole message, read only when a recipient's answer needs it: the sender
    # still tries, or it has given up (then a 4xx code it quotes is only the last error)
    still_trying = functools.cache(lambda: _TEMPORARY.search(head) is not None)
    gave_up = functools.cache(lambda: not still_trying() and _GAVE_UP.search(head) is not None)
    results = []
    for address, diagnostic in found:
        status = status_in_text(diagnostic) or status_in_text(head)
        reply_code = reply_code_in_text(diagnostic, head)
        reason = decide_reason(status, diagnostic, head, _subject_reason(base["subject"]))
        command = smtp_command(diagnostic) or smtp_command(_around(head, address))
        reason = refine_by_command(reason, command, status)
        reason = _unless_stage_untold(reason, command, msg, text, status, diagnostic)
        reason = _provider_reason(msg, address, diagnostic, status) or reason
        # Exim gives up on an address it kept retrying (a full mailbox, hosts that would not
        # answer) after its retry timeout: the errors were temporary, the failure final
        retried_out = (
            status is None
            and reply_code is None
            and reason in ("expired", "mailboxfull")
            and all(wording.search(head) for wording in _EXIM_TEMPLATE)
            and not any(mime.ctype(part) == "message/delivery-status" for _, part in parts)
        )
        if status is None:
            guessed = reply_code or (400 if retried_out or still_trying() else 500)
            status = status_from_reply_code(guessed, reason)
        soft = (
            ((status or "").startswith("4") or (reply_code is not None and reply_code < 500))
            and not retried_out
            and not gave_up()
        )
        action = "delayed" if soft else "failed"
        results.append(
            RecipientResult(
                address=address,
                status=status,
                reason=reason,
                action=action,
                hard=action == "failed" and is_hard(reason, status, reply_code),
                diagnostic=diagnostic or None,
                reply_code=reply_code,
            )
        )
    return Classification(
        kind=Kind.BOUNCE,
        recipients=tuple(results),
        original_message_id=_original_message_id(parts, returned_text),
        facturier_token=_token(parts),
        **base,
    )


_FEEDBACK_RCPT = ("Original-Rcpt-To", "Removal-Recipient")


def _feedback(msg: Message, parts: list[tuple[int, Message]], base: _Common) -> Classification:
    fields: dict[str, str] = {}
    recipients: list[str] = []
    for _, part in parts:
        if mime.ctype(part) == "message/feedback-report":
            for group in _dsn_groups(part):
                fields.update(group)
            # Original-Rcpt-To comes once per recipient (RFC 5965 3.2)
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else [_headers_part(part)]
            for block in (b for b in blocks if isinstance(b, Message)):
                for value in (v for k in _FEEDBACK_RCPT for v in block.get_all(k) or ()):
                    recipients += [a.lower() for a in mime.addresses_in(str(value))]
    returned = _returned_headers(parts)
    if not recipients and returned is not None:
        recipients = [a.lower() for a in mime.addresses_in(str(returned.get("To", "") or ""))]
    results = tuple(
        RecipientResult(address=a, reason="feedback", action="failed")
        for a in dict.fromkeys(recipients)
    )
    return Classification(
        kind=Kind.FEEDBACK,
        recipients=results,
        feedback_type=(fields.get("feedback-type") or "").lower() or None,
        original_message_id=_original_message_id(parts),
        facturier_token=_token(parts),
        **base,
    )


def _unsubscribe_request(
    msg: Message, parts: list[tuple[int, Message]], base: _Common
) -> Classification:
    """Apple Mail's "unsubscribe" (marked ``X-Apple-Unsubscribe: true``, sent automatically
    for the person who pressed it): an opt-out by the sender, not an auto-reply."""
    results = tuple(
        RecipientResult(address=a.lower(), reason="feedback", action="failed")
        for a in dict.fromkeys(mime.addresses_in(mime.header(msg, "From") or ""))
    )
    return Classification(
        kind=Kind.FEEDBACK,
        recipients=results,
        feedback_type="opt-out",
        original_message_id=base["in_reply_to"],
        facturier_token=_token(parts),
        excerpt=_excerpt(_human_text(parts)),
        **base,
    )


def _read_receipt(parts: list[tuple[int, Message]], base: _Common) -> Classification:
    fields: dict[str, str] = {}
    for _, part in parts:
        if mime.ctype(part) == "message/disposition-notification":
            for group in _dsn_groups(part):
                fields.update(group)
    recipient = _addr(fields.get("final-recipient")) or _addr(fields.get("original-recipient"))
    original = mime.first_message_id(fields.get("original-message-id", "")) or _original_message_id(
        parts
    )
    results = (
        (
            RecipientResult(
                address=recipient, action="delivered", diagnostic=fields.get("disposition")
            ),
        )
        if recipient
        else ()
    )
    return Classification(
        kind=Kind.READ_RECEIPT,
        recipients=results,
        original_message_id=original,
        facturier_token=_token(parts),
        **base,
    )  # type: ignore[arg-type]


def _autoreply_recipient(msg: Message) -> tuple[RecipientResult, ...]:
    sender = mime.addresses_in(mime.header(msg, "From") or "")
    if not sender:
        return ()
    return (RecipientResult(address=sender[0].lower(), reason="vacation", action="delivered"),)
