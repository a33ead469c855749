"""Amazon SES notifications, which are JSON data rather than prose: read by their documented
fields (Amazon SES Developer Guide, "Amazon SNS notification contents for Amazon SES" and, for
event publishing, "Contents of event data that Amazon SES publishes to Amazon SNS"), as SES
sends them, wrapped by SNS, and with the lines a gateway adds around a message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bounce_parser import Kind, classify

RECIPIENT = "factures@client.example"
MAIL = {
    "timestamp": "2026-12-03T10:00:00.000Z",
    "source": "billing@acme.example",
    "messageId": "0100018c-aaaa-bbbb",
    "destination": [RECIPIENT],
    "headersTruncated": False,
    "headers": [
        {"name": "From", "value": "billing@acme.example"},
        {"name": "To", "value": RECIPIENT},
        {"name": "Message-ID", "value": "<inv-7@acme.example>"},
        {"name": "Subject", "value": "Facture 7"},
    ],
}
SNS_FOOTER = (
    "\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit "
    "the link below to unsubscribe:\nhttps://sns.eu-west-1.amazonaws.com/unsubscribe.html"
    "?SubscriptionArn=arn:aws:sns:eu-west-1:123456789012:bounces\n"
)
BANNER = (
    "CAUTION: This email originated from outside of the organization. Do not click links or "
    "open attachments unless you recognize the sender.\n\n"
)


def _bounce(bounce_type: str, sub_type: str, **fields: Any) -> dict[str, Any]:
    recipient: dict[str, Any] = {"emailAddress": RECIPIENT, **fields}
    return {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": bounce_type,
            "bounceSubType": sub_type,
            "bouncedRecipients": [recipient],
            "timestamp": "2026-12-03T10:00:05.000Z",
            "feedbackId": "0100018c-cccc",
            "reportingMTA": "dsn; a1-2.smtp-out.eu-west-1.amazonses.com",
        },
        "mail": MAIL,
    }


def _email(body: str, newline: str = "\r\n") -> bytes:
    return (
        (
            'From: "AWS Notifications" <no-reply@sns.amazonaws.com>\n'
            "To: bounces@acme.example\nSubject: AWS Notification Message\n"
            "Content-Type: text/plain; charset=UTF-8\n\n" + body
        )
        .replace("\n", newline)
        .encode()
    )


def _as_sent(data: dict[str, Any], form: str) -> bytes:
    text = json.dumps(data)
    if form == "sns":
        text = json.dumps({"Type": "Notification", "Message": text}) + SNS_FOOTER
    elif form == "banner":
        text = BANNER + json.dumps({"Type": "Notification", "Message": text}) + SNS_FOOTER
    elif form == "rewrapped":
        # its one long line broken every 76 characters, no space kept (a gateway rewrapping
        # the text, or its rendering as HTML paragraphs)
        text = json.dumps({"Type": "Notification", "Message": text})
        text = "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + SNS_FOOTER
        return _email(text, newline="\n")  # as a mailbox stores it, LF only
    return _email(text)


FORMS = ["ses", "sns", "banner", "rewrapped"]
HARD = _bounce(
    "Permanent",
    "General",
    action="failed",
    status="5.1.1",
    diagnosticCode="smtp; 550 5.1.1 <factures@client.example>: Recipient address rejected",
)


@pytest.mark.parametrize("form", FORMS)
def test_a_permanent_bounce_names_its_recipient_gone(form: str) -> None:
    result = classify(_as_sent(HARD, form))
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason, r.hard, r.action) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True, "failed")
    ]
    assert result.original_message_id == "<inv-7@acme.example>"


@pytest.mark.parametrize(
    ("sub_type", "reason"),
    [("MailboxFull", "mailboxfull"), ("MessageTooLarge", "mesgtoobig")],
)
def test_a_transient_bounce_is_its_sub_types_cause_and_never_hard(
    sub_type: str, reason: str
) -> None:
    [recipient] = classify(_as_sent(_bounce("Transient", sub_type), "sns")).recipients
    assert (recipient.address, recipient.reason, recipient.hard) == (RECIPIENT, reason, False)


def test_a_diagnostic_without_its_type_is_read_whole() -> None:
    # SES passes on the remote's Diagnostic-Code as it came (RFC 3464 2.3.6's "smtp; " type
    # may be missing); the reply's own ";" does not end a type
    raw = _as_sent(
        _bounce(
            "Permanent",
            "General",
            action="failed",
            status="5.0.0",
            diagnosticCode="554 Message rejected as spam; see https://help.client.example/x",
        ),
        "ses",
    )
    [recipient] = classify(raw).recipients
    assert (recipient.address, recipient.reason) == (RECIPIENT, "spamdetected")


def test_an_undetermined_bounce_proves_nothing_gone() -> None:
    [recipient] = classify(_as_sent(_bounce("Undetermined", "Undetermined"), "sns")).recipients
    assert recipient.address == RECIPIENT
    assert recipient.hard is False


@pytest.mark.parametrize("form", FORMS)
def test_a_complaint_is_feedback_from_its_recipient(form: str) -> None:
    data = {
        "notificationType": "Complaint",
        "complaint": {
            "complainedRecipients": [{"emailAddress": RECIPIENT}],
            "timestamp": "2026-12-03T11:00:00.000Z",
            "feedbackId": "0100018c-dddd",
            "complaintFeedbackType": "abuse",
        },
        "mail": MAIL,
    }
    result = classify(_as_sent(data, form))
    assert result.kind == Kind.FEEDBACK
    assert [r.address for r in result.recipients] == [RECIPIENT]
    assert result.feedback_type == "abuse"


@pytest.mark.parametrize("form", FORMS)
def test_a_delivery_notification_says_delivered(form: str) -> None:
    data = {
        "notificationType": "Delivery",
        "delivery": {
            "timestamp": "2026-12-03T10:00:03.000Z",
            "recipients": [RECIPIENT],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a1-2.smtp-out.eu-west-1.amazonses.com",
        },
        "mail": MAIL,
    }
    result = classify(_as_sent(data, form))
    assert result.kind == Kind.DELIVERY_REPORT
    assert [(r.address, r.action) for r in result.recipients] == [(RECIPIENT, "delivered")]


@pytest.mark.parametrize(
    ("delay_type", "reason"),
    [
        ("MailboxFull", "mailboxfull"),
        ("TransientCommunicationFailure", "networkerror"),
        ("IPFailure", "blocked"),
        ("InternalFailure", "systemerror"),
    ],
)
@pytest.mark.parametrize("form", FORMS)
def test_a_delivery_delay_event_is_a_delay_of_its_recipient(
    form: str, delay_type: str, reason: str
) -> None:
    data = {
        "eventType": "DeliveryDelay",
        "deliveryDelay": {
            "timestamp": "2026-12-03T10:30:00.000Z",
            "delayType": delay_type,
            "expirationTime": "2026-12-03T22:00:00.000Z",
            "delayedRecipients": [
                {
                    "emailAddress": RECIPIENT,
                    "status": "4.4.1",
                    "diagnosticCode": "smtp; 421 4.4.1 Unable to connect to remote host",
                }
            ],
        },
        "mail": MAIL,
    }
    result = classify(_as_sent(data, form))
    assert result.kind == Kind.BOUNCE
    [recipient] = result.recipients
    assert (recipient.address, recipient.action, recipient.hard) == (RECIPIENT, "delayed", False)
    assert recipient.reason == reason
    assert recipient.will_retry_until == "2026-12-03T22:00:00.000Z"
