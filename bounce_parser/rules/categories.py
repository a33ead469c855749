"""A reporting MTA's own category of a failure, given in a field of its report: data only.

RFC 3464 2.4 lets a reporting MTA add its own ``X-`` fields to each recipient's block. Where a
product documents one that names the kind of failure, the category is read as a reason, but
only where neither a specific status code nor a specific wording says more
(``bounce_parser.dsn``): the category is the reporter's own reading of the same reply, by
patterns its operator may change, so it never makes an address "hard" by itself either.
"""

from __future__ import annotations

REPORT_CATEGORIES: dict[str, tuple[str, dict[str, str]]] = {
    "x-powermta-bouncecategory": (
        "PowerMTA User's Guide, 'Bounce categories' (the bounce-category-patterns a DSN "
        "reports in X-PowerMTA-BounceCategory): bad-mailbox 'bad, invalid, or non-existent "
        "recipient addresses'; inactive-mailbox 'expired, inactive, or disabled recipient "
        "addresses'; quota-issues 'mailbox quota issues'; message-expired 'not being delivered "
        "before the bounce-after'; no-answer-from-host and bad-connection; routing-errors "
        "'mail routing issues for recipient domain'; relaying-issues; policy-related, "
        "spam-related, virus-related and content-related refusals; invalid-sender 'invalid "
        "DNS or MX entry for sending domain'; protocol-errors 'SMTP protocol syntax or "
        "sequence errors'. 'other' and bad-configuration name no cause",
        {
            "bad-mailbox": "userunknown",
            "bad-domain": "hostunknown",
            "inactive-mailbox": "suspend",
            "quota-issues": "mailboxfull",
            "message-expired": "expired",
            "no-answer-from-host": "networkerror",
            "bad-connection": "networkerror",
            "routing-errors": "systemerror",
            "relaying-issues": "norelaying",
            "policy-related": "policyviolation",
            "spam-related": "spamdetected",
            "virus-related": "virusdetected",
            "content-related": "contenterror",
            "invalid-sender": "rejected",
            "protocol-errors": "syntaxerror",
        },
    ),
}


def reported_category(fields: dict[str, str]) -> str | None:
    """The reason a recipient's block names by its reporter's documented category field."""
    for field, (_source, reasons) in REPORT_CATEGORIES.items():
        value = (fields.get(field) or "").strip().lower()
        if value in reasons:
            return reasons[value]
    return None
