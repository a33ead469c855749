"""Provider notifications that are data, not prose: Amazon SES/SNS JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from bounce_parser.codes import reply_code_in_text, status_in_text
from bounce_parser.model import Classification, Kind, RecipientResult, is_hard
from bounce_parser.reasons import decide_reason
from bounce_parser.report_fields import typed_text

_SES_SUBTYPE_REASON = {
    "NoEmail": "userunknown",
    "MailboxFull": "mailboxfull",
    "MessageTooLarge": "mesgtoobig",
    "ContentRejected": "filtered",
    "AttachmentRejected": "securityerror",
}
# SES event publishing, the DeliveryDelay event's delayType (Amazon SES Developer Guide,
# "Contents of event data that Amazon SES publishes to Amazon SNS", the DeliveryDelay object);
# General, Undetermined and SendingDeferral name no cause: the reply, if any, is read instead
_SES_DELAY_REASON = {
    "InternalFailure": "systemerror",
    "MailboxFull": "mailboxfull",
    "SpamDetected": "spamdetected",
    "RecipientServerError": "systemerror",
    "IPFailure": "blocked",
    "TransientCommunicationFailure": "networkerror",
    "BYOIPHostNameLookupUnavailable": "networkerror",
}


# the notification's first line: the text may open with a line a gateway put above it (an
# "external sender" banner), which is not the provider's
_JSON_START = re.compile(r"^[ \t]*\{", re.M)


def _load(text: str) -> dict[str, Any] | None:
    if "notificationType" not in text and "eventType" not in text:
        return None
    start = _JSON_START.search(text)
    if start is None:
        return None
    body = text[start.end() - 1 :].strip()
    decoder = json.JSONDecoder()
    # long JSON lines arrive folded by MTAs (a line break and a space, sometimes after a "!"),
    # or with every break kept and the space lost (a rendering as HTML): JSON needs no line
    # breaks between its tokens, so the last try drops them all
    candidates = (body, re.sub(r"!?\r?\n ", "", body), re.sub(r"\r?\n", "", body))
    for candidate in candidates:
        try:
            data, _end = decoder.raw_decode(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            try:
                inner = json.loads(data["Message"])
            except ValueError:
                return None
            return inner if isinstance(inner, dict) else None
        return data if isinstance(data, dict) else None
    return None


def _reply_of(recipient: dict[str, Any]) -> tuple[str, str]:
    """A bounced or delayed recipient's reply (its diagnosticCode without the "smtp;" type)
    and its status (stated, else read in the reply; "" when neither)."""
    diag = str(recipient.get("diagnosticCode") or "")
    text = typed_text(diag)[1]
    return text, str(recipient.get("status") or "") or status_in_text(text) or ""


def amazon_ses(text: str, common: dict[str, Any]) -> Classification | None:
    """An SES bounce, delivery delay, complaint or delivery notification (raw SES or wrapped
    by SNS), as the Amazon SES Developer Guide documents its contents."""
    data = _load(text)
    if data is None:
        return None
    kind_name = str(data.get("notificationType") or data.get("eventType") or "")
    mail = data.get("mail") or {}
    message_id = None
    for h in mail.get("headers") or []:
        if isinstance(h, dict) and str(h.get("name", "")).lower() == "message-id":
            message_id = str(h.get("value"))
    results: list[RecipientResult] = []
    if kind_name == "Bounce":
        bounce = data.get("bounce") or {}
        permanent = bounce.get("bounceType") == "Permanent"
        for r in bounce.get("bouncedRecipients") or []:
            diag_text, status = _reply_of(r)
            reason = decide_reason(status, diag_text) or _SES_SUBTYPE_REASON.get(
                str(bounce.get("bounceSubType"))
            )
            action = str(r.get("action") or ("failed" if permanent else "delayed"))
            code = reply_code_in_text(diag_text)
            results.append(
                RecipientResult(
                    address=str(r.get("emailAddress", "")).lower(),
                    status=status or None,
                    reason=reason,
                    action=action,
                    hard=action == "failed" and is_hard(reason, status, code, diag_text),
                    diagnostic=diag_text or None,
                    reply_code=code,
                    remote_mta=bounce.get("remoteMtaIp"),
                )
            )
        kind = Kind.BOUNCE
    elif kind_name == "DeliveryDelay":
        delay = data.get("deliveryDelay") or {}
        by_type = _SES_DELAY_REASON.get(str(delay.get("delayType")))
        for r in delay.get("delayedRecipients") or []:
            diag_text, status = _reply_of(r)
            results.append(
                RecipientResult(
                    address=str(r.get("emailAddress", "")).lower(),
                    status=status or None,
                    reason=by_type or decide_reason(status, diag_text),
                    action="delayed",
                    diagnostic=diag_text or None,
                    reply_code=reply_code_in_text(diag_text),
                    remote_mta=delay.get("reportingMTA"),
                    will_retry_until=delay.get("expirationTime"),
                )
            )
        kind = Kind.BOUNCE
    elif kind_name == "Complaint":
        complaint = data.get("complaint") or {}
        results = [
            RecipientResult(
                address=str(r.get("emailAddress", "")).lower(), reason="feedback", action="failed"
            )
            for r in complaint.get("complainedRecipients") or []
        ]
        kind = Kind.FEEDBACK
        common = dict(common, feedback_type=complaint.get("complaintFeedbackType") or "abuse")
    elif kind_name == "Delivery":
        delivery = data.get("delivery") or {}
        smtp = str(delivery.get("smtpResponse") or "")
        results = [
            RecipientResult(
                address=str(a).lower(),
                status=status_in_text(smtp) or "2.0.0",
                reason="delivered",
                action="delivered",
                diagnostic=smtp or None,
                remote_mta=delivery.get("remoteMtaIp"),
            )
            for a in delivery.get("recipients") or []
        ]
        kind = Kind.DELIVERY_REPORT
    else:
        return None
    return Classification(
        kind=kind, recipients=tuple(results), original_message_id=message_id, **common
    )
