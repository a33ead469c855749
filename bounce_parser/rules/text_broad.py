"""The broad wordings of the text rules, tried after every specific one in ``text``: a
policy, a refusal, a block or a filter named in general words, then the transport's own
failures (expiry, network, system, syntax), and last the bare "recipient rejected"."""

from __future__ import annotations

BROAD_RULES: list[tuple[str, tuple[str, ...]]] = [
    # before rejected and blocked: a policy named as the reason
    (
        "policyviolation",
        (r"rejected for policy reasons", r"content presents a potential security issue"),
    ),
    (
        "rejected",
        (
            r"sender address rejected",
            r"sender (?:is )?rejected",
            r"sender verify failed",
            r"sender denied",  # Exchange Online 5.1.0
            r"not in allowed[- ]senders list",  # Exchange Online 5.7.124
            r"domain of sender address",
            r"sender domain",
            r"rejected sender",
            r"sender not (?:allowed|authorized|permitted)",
            r"envelope sender",
            r"mail from .* rejected",
            r"sender address .* (?:not|invalid)",
            r"an address that has been blacklisted",  # the address, not the sending IP
            r"rejected by (?:the )?destination domain",
        ),
    ),
    (
        "blocked",
        (
            r"\bblock(?:ed|list(?:ed)?)\b",
            r"block list",
            r"messages from [\d.]+ weren.t sent",  # Outlook.com: the sending IP's reputation
            r"black ?list(?:ed)?",
            r"\brbl\b",
            r"spamhaus",
            r"spamcop",
            r"(?<!not )listed (?:in|on|at)",
            r"\bdnsbl\b",
            r"client host .*rejected",
            r"banned sending ip",  # Outlook.com: "Access denied, banned sending IP"
            r"use the smtp server of your (?:isp|provider)",  # a dynamic address refused
            r"connection (?:refused|rejected) .*(?:ip|policy)",
            r"not allowed to send",
            r"your (?:ip|network)",
            r"service unavailable; client host",
            r"invalid ip for sending",
            r"refused to talk to me",  # Postfix: the server refused us at its greeting
            r"my name was rejected",  # qmail: our HELO refused
            r"service refus",  # Orange: "Service refusé / Service refused"
        ),
    ),
    ("policyviolation", (r"polic(?:y|ies)", r"prohibited", r"not allowed", r"violat")),
    (
        "filtered",
        (r"filter", r"content rejected", r"message rejected", r"(?<!connection )refused by"),
    ),
    (
        "securityerror",
        (
            r"tls (?:is )?required",
            r"must issue a starttls",
            r"encryption required",
            r"authentication required",
            r"certificate",
        ),
    ),
    ("contenterror", (r"header", r"mime", r"content", r"attachment")),
    # sendmail's access map: "550 5.7.1 <address>... Access denied" (an entry that REJECTs
    # the address or its domain); a bare "Access denied", when nothing above says why: a
    # refusal of the sender
    ("securityerror", (r">\.\.\. access denied",)),
    ("rejected", (r"access denied",)),
    (
        "expired",
        (
            r"retry time(?:out)? (?:not reached|exceeded)",
            r"delivery time expired",
            r"message expired",
            r"have been failing for a long time",
            r"in the queue too long",  # qmail: "I'm not going to try again"
            r"not delivered within \d+ days",
            r"could not be delivered (?:with)?in",
            r"gave up",
            # not qmail-remote's "Giving up on <IP>.", which closes every permanent refusal
            r"giving up(?! on \d{1,3}\.)",
            r"too long in queue",
            r"timeout exceeded",
            r"has been delayed",
            r"expired",
            r"retry limit",
            r"undeliverable for \d+ (?:days|hours)",
            r"aborted after \d+(?:\.\d+)? (?:minute|hour|day)",  # "… aborted after 5.0 hour(s)"
            r"time limit",
        ),
    ),
    (
        "networkerror",
        (
            r"connection (?:refused|timed out|reset)",
            r"network (?:is )?unreachable",
            r"no route to host",
            r"lost connection",
            r"connect to .* failed",
            r"unable to connect",
        ),
    ),
    ("systemfull", (r"system (?:is )?full", r"insufficient system storage")),
    (
        "systemerror",
        (
            r"system error",
            r"local error",
            r"internal (?:server )?error",
            r"temporary failure",
            r"service currently unavailable",
            r"server error",
            r"mail system .*error",
            r"queue file write error",
            r"could not load",
            r"transaction failed",
        ),
    ),
    (
        "syntaxerror",
        (
            r"syntax error",
            r"command unrecognized",
            r"bad command",
            r"malformed address",
            r"parameter not implemented",
        ),
    ),
    # last: Postfix's "Recipient address rejected: <why>" is the why, when a rule above
    # names it; an unrecognised why is not taken for an unknown user (a hard bounce marks
    # the address dead), only a refusal that gives none
    ("userunknown", (r"recipient (?:address )?rejected(?![:;,]? *[a-z])",)),
]
