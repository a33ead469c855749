"""The broad wordings of the text rules, tried after every specific one in ``text``: a
policy, a refusal, a block or a filter named in general words, then the transport's own
failures (expiry, network, system, syntax), and last the bare "recipient rejected"."""

from __future__ import annotations

from bounce_parser.rules import Wording

BROAD_RULES: list[Wording] = [
    # before rejected and blocked: a policy named as the reason
    (
        "policyviolation",
        (
            r"rejected for policy reasons",
            r"content presents a potential security issue",
            r"illegal attachment",  # Gmail 5.7.0: "… detected an illegal attachment"
            r"closed mailing list",
            r"organi[sz]ation(?:al)? (?:settings|policy)",
            r"(?:do not|don.t) accept messages containing",
        ),
        (
            "A refusal that names a policy: Yahoo 554 5.7.9 ('not accepted for policy reasons'); "
            "Gmail 5.7.0 ('content presents a potential security issue', 'an illegal "
            "attachment'); a closed list; an organization's own settings ('message bounced due to "
            "organizational settings')"
        ),
    ),
    (
        "rejected",
        (
            r"sender (?:is )?rejected",
            r"sender denied",  # Exchange Online 5.1.0
            r"not in allowed[- ]senders list",  # Exchange Online 5.7.124
            r"sender domain",
            r"rejected sender",
            r"sender not (?:allowed|authorized|permitted)",
            r"envelope sender",
            r"mail from (?!ip\b).* rejected",  # not "Mail from IP … rejected": the IP's
            r"sender address .* (?:not|invalid)",
            r"an address that has been blacklisted",  # the address, not the sending IP
            r"rejected by (?:the )?destination domain",
        ),
        (
            "A refusal of the sender (RFC 3463 X.1.7, X.1.8; a 5xx to MAIL FROM) in general words "
            "('sender rejected', 'envelope sender'); Exchange Online"
            " 5.1.0 ('Sender denied') and 5.7.124 ('not in allowed senders list'); qmail-smtpd's "
            "badmailfrom ('envelope sender'); an ACL's list of refused senders ('an address that "
            "has been blacklisted'); Zoho Mail's 5.4.1 ('rejected by destination domain')"
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
        (
            "The sending host blocked: DNSBLs (RFC 5782: Spamhaus, SpamCop, RBLs); Postfix "
            "reject_rbl_client ('Service unavailable; Client host [...] blocked using'), its "
            "smtp(8) 'refused to talk to me'; qmail-remote ('my name was rejected'); Outlook.com "
            "5.7.606 and its IP-reputation refusals; Orange ('Service refusé'); Spamhaus PBL's "
            "end-user addresses ('use the SMTP server of your ISP'); SPF-style refusals of the "
            "sending IP for its domain (RFC 7208 2.6.2: 'not allowed to send', 'invalid IP for "
            "sending')"
        ),
    ),
    (
        "policyviolation",
        (r"polic(?:y|ies)", r"prohibited", r"not allowed", r"violat"),
        (
            "A refusal by policy in the reason's own words (RFC 5321 4.2.3: 550 '… command rejected"
            " for policy reasons')"
        ),
    ),
    (
        "filtered",
        (r"filter", r"content rejected", r"message rejected", r"(?<!connection )refused by"),
        (
            "A filter's refusal (RFC 3463 X.2.0 and X.7.1 with the mailbox existing): 'filter', "
            "'content rejected', 'message rejected', 'refused by'"
        ),
    ),
    (
        "securityerror",
        (
            r"tls (?:is )?required",
            r"encryption required",
            r"authentication (?:is )?required",
            r"authentication credentials invalid",  # RFC 4954 6: 535 5.7.8
            r"not authori[sz]ed to send mail",
            r"certificate",
        ),
        (
            "RFC 3207 (TLS required), RFC 4954 ('Authentication required'), certificate refusals "
            "(RFC 3207 4.1)"
        ),
    ),
    (
        "contenterror",
        # the refusal, not the bare word: "header" and "content" are also in the templates
        # around it ("a message you sent with the following header fields", "scanned for
        # viruses and dangerous content"); an attachment refused is a policy (above)
        (
            r"(?:invalid|malformed|improper(?:ly)?(?:[- ]\w+)?|illegal|bad|broken|unparsable|"
            r"non-?compliant|duplicate) (?:\w+ ){0,2}(?:headers?|mime|content)\b",
            r"\b(?:headers?|mime|content)\b (?:[\w-]+ ){0,3}(?:is |are |was |were )?"
            r"(?:invalid|malformed|not (?:allowed|permitted|accepted|supported)|rejected|refused|"
            r"prohibited|too (?:long|large|complex|many))",
        ),
        (
            "RFC 3463 X.6.x (media and content): a header, the MIME structure or the content "
            "refused ('invalid MIME headers', 'header line too long', 'content not accepted')"
        ),
    ),
    # sendmail's access map: "550 5.7.1 <address>... Access denied" (an entry that REJECTs
    # the address or its domain); a bare "Access denied", when nothing above says why: a
    # refusal of the sender
    (
        "securityerror",
        (r">\.\.\. access denied",),
        "sendmail's access map (cf/README, REJECT): '550 5.7.1 <address>... Access denied'",
    ),
    (
        "rejected",
        (r"access denied",),
        (
            "A bare 'Access denied' (RFC 3463 X.7.1), when nothing above says why: a refusal of the"
            " sender"
        ),
    ),
    # a delivery program's own output, when no cause above is named in it ("procmail: Quota
    # exceeded" is a full mailbox)
    (
        "mailererror",
        (
            r"\bprocmail: ",
            r"bin/(?:procmail|maildrop)\b",
            r"command (?:failed|output):",
            r"\|\| exit ",
        ),
        (
            "Postfix local(8) and pipe(8) ('Command output: …' after a failed command); procmail's"
            " and maildrop's own messages; a .forward or alias command's '|| exit N'"
        ),
    ),
    (
        "expired",
        (
            r"delivery time expired",
            r"could not be delivered (?:with)?in",
            r"gave up",
            # not qmail-remote's "Giving up on <IP>.", which closes every permanent refusal
            r"giving up(?! on \d{1,3}\.)",
            r"too long in queue",
            r"timeout exceeded",
            r"has been delayed",
            r"expired",
            r"retry limit",
            r"undeliverable for \d+ (?:days?|hours?)",  # PMDF: "… undeliverable for 5 day"
            r"aborted after \d+(?:\.\d+)? (?:minute|hour|day)",  # "… aborted after 5.0 hour(s)"
            r"time limit",
            r"delivery attempts will continue",
            # French and German: "délai de remise dépassé", "Zeitüberschreitung"
            r"d[ée]lai\b.{0,30}\bd[ée]pass[ée]",
            r"zeit[üu]berschreitung",
            r"could not find a gateway",
            r"failed to deliver to domain .{0,80} after \d+ tries",
            r"has not been collected after",
            r"message timed out",
            r"server did not respond",
            r"after (?:multiple|several|repeated|\d+) (?:retries|attempts|tries)",
        ),
        (
            "Giving up in general words: RFC 3463 X.4.7 ('Delivery time expired'); "
            "sendmail ('could not be delivered within'); delay notices ('has been delayed', "
            "'delivery attempts will continue'); Courier ('aborted after'); giving up after "
            "retries ('after multiple retries', 'after N tries', 'server did not respond')"
        ),
    ),
    (
        "networkerror",
        (
            r"connection (?:refused|timed out|reset)",
            # Postfix smtp(8): "conversation with <host> timed out while receiving the initial
            # server greeting", "… while sending RCPT TO"
            r"timed out while (?:receiving|sending|performing)",
            r"network (?:is )?unreachable",
            r"lost connection",
            r"connect to .* failed",
            r"unable to connect",
        ),
        (
            "The transport's failures, errno's texts (ECONNREFUSED, ETIMEDOUT, ECONNRESET, "
            "ENETUNREACH, EHOSTUNREACH) as Postfix ('connect to … failed', 'lost connection with') "
            "and sendmail print them; RFC 3463 X.4.1, X.4.2"
        ),
    ),
    (
        "systemfull",
        (r"system (?:is )?full",),
        "RFC 3463 X.3.1 ('Mail system full'): the system's storage, not the mailbox's",
    ),
    (
        "systemerror",
        (
            r"system error",
            r"local error",
            r"local delivery failed",  # Exim: its own delivery to a file or mailbox
            r"internal (?:server )?error",
            r"temporary failure",
            r"service currently unavailable",
            r"server error",
            r"mail system .*error",
            r"could not load",
            r"transaction failed",
        ),
        (
            "RFC 3463 X.3.0 and X.3.5; RFC 5321 451 ('local error in processing'), 421 ('Service "
            "not available'), 554 ('Transaction failed'); Exim's local delivery; a server's "
            "'internal error'"
        ),
    ),
    (
        "syntaxerror",
        (
            r"syntax error",
            r"command unrecognized",
            r"bad command",
            r"malformed address",
            r"bad address syntax",  # QQ Mail's published code (detail 122/167)
            r"parameter not implemented",
            # Exim's address parser (parser.c): "angle-brackets nested too deep", "domain
            # missing in source-routed address", 'expected word or "<"'
            r"angle-brackets nested too deep",
            r"domain missing in source-routed address",
            r"expected word or \"<\"",
        ),
        (
            "RFC 5321 4.2.3: 500 ('Syntax error, command unrecognized'), 501, 504 ('Command "
            "parameter not implemented'); RFC 3463 X.5.2 ('Syntax error') and X.1.3 ('Bad "
            "destination mailbox address syntax')"
        ),
    ),
    # last: Postfix's "Recipient address rejected: <why>" is the why, when a rule above
    # names it; an unrecognised why is not taken for an unknown user (a hard bounce marks
    # the address dead), only a refusal that gives none
    (
        "userunknown",
        (r"recipient (?:address )?rejected(?![:;,]? *[a-z])",),
        (
            "Postfix's 'Recipient address rejected' with no why after it (smtpd's refusal of a "
            "recipient): an unknown user"
        ),
    ),
]
