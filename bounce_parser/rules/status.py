"""RFC 3463 enhanced status codes → reason, and the SMTP command a reply answered.

- ``STATUS_REASON``: the subject.detail of an X.Y.Z status (RFC 3463, with the IANA
  registry of enhanced status codes) read as a reason; ``TRANSIENT_STATUS_REASON`` where a
  4.X.Y code reads otherwise;
- ``DECISIVE``: codes specific enough that neither the wording nor the command should
  change the reason;
- ``REPLY_CODE_DEFAULTS``: the status a reason implies when a notice gives only an SMTP
  reply code (RFC 5321 4.2);
- ``COMMANDS``: the wordings MTAs use to name the command a reply answered;
- ``NOT_GONE``: the statuses that say the mailbox or domain exists, so that no wording makes
  a failure with one of them "hard" (the address marked undeliverable).
"""

from __future__ import annotations

import re

STATUS_REASON: dict[str, str] = {
    # "1.0" (X.1.0, "other address status") names no address, so no reason of its own
    "1.1": "userunknown",
    "1.2": "hostunknown",
    "1.3": "userunknown",
    "1.4": "filtered",  # X.1.4 "address ambiguous": it names several mailboxes, none missing
    "1.5": "userunknown",
    "1.6": "hasmoved",
    "1.7": "rejected",
    "1.8": "rejected",
    "1.9": "systemerror",  # X.1.9 "relayed to non-compliant mailer": the systems', not ours
    "1.10": "notaccept",
    "2.0": "filtered",  # X.2.0: "the mailbox exists, but something about [it]" refused it
    "2.1": "filtered",  # X.2.1 "mailbox disabled": it exists; its words may say more
    "2.2": "mailboxfull",
    "2.3": "exceedlimit",
    "2.4": "filtered",  # X.2.4 "mailing list expansion problem": the list's mailbox
    "3.0": "systemerror",
    "3.1": "systemfull",
    "3.2": "notaccept",
    "3.3": "systemerror",
    "3.4": "mesgtoobig",
    "3.5": "systemerror",
    "4.0": "networkerror",
    "4.1": "networkerror",
    "4.2": "networkerror",
    "4.3": "systemerror",
    "4.4": "hostunknown",
    "4.5": "toomanyconn",
    "4.6": "networkerror",
    "4.7": "expired",
    "5.0": "syntaxerror",
    "5.1": "syntaxerror",
    "5.2": "syntaxerror",
    "5.3": "toomanyconn",  # X.5.3 "too many recipients"
    "5.4": "systemerror",  # X.5.4 "invalid command arguments": an extension not understood
    "5.5": "syntaxerror",
    "5.6": "syntaxerror",
    "6.0": "contenterror",
    "6.1": "contenterror",
    "6.2": "contenterror",
    "6.3": "contenterror",
    "6.4": "contenterror",
    "6.5": "contenterror",
    "6.6": "contenterror",
    # RFC 6531's internationalized mail: X.6.7 "Non-ASCII addresses not permitted for that
    # sender/recipient", X.6.8 and X.6.10 "UTF-8 string reply is required, but not permitted by
    # the SMTP client", X.6.9 "UTF-8 header message cannot be transferred": the message's form
    "6.7": "contenterror",
    "6.8": "contenterror",
    "6.9": "contenterror",
    "6.10": "contenterror",
    "7.0": "securityerror",
    "7.1": "securityerror",  # X.7.1 "Delivery not authorized, message refused"
    "7.2": "securityerror",
    "7.3": "securityerror",
    "7.4": "securityerror",
    "7.5": "securityerror",
    "7.6": "securityerror",
    "7.7": "securityerror",
    "7.8": "securityerror",
    "7.9": "securityerror",
    "7.10": "securityerror",
    "7.11": "securityerror",
    "7.12": "securityerror",
    "7.13": "suspend",
    "7.14": "securityerror",
    "7.15": "securityerror",
    "7.16": "mesgtoobig",  # RFC 6710: "Message is too big for the specified priority"
    "7.17": "hasmoved",
    "7.18": "hasmoved",
    "7.19": "securityerror",
    "7.20": "authfailure",
    "7.21": "authfailure",
    "7.22": "authfailure",
    "7.23": "authfailure",
    "7.24": "authfailure",
    "7.25": "requireptr",
    "7.26": "authfailure",
    "7.27": "notaccept",
    "7.28": "spamdetected",  # X.7.28 (IANA registry): "part of a mail flood of … abusive messages"
    "7.29": "authfailure",
    "7.30": "failedstarttls",  # X.7.30 (RFC 8689): REQUIRETLS support required
}

TRANSIENT_STATUS_REASON: dict[str, str] = {
    # where a transient (4.X.Y) code means something else than its permanent twin, as the
    # reason vocabulary's own table reads RFC 3463 (sisimai's Sisimai::SMTP::Status)
    "2.1": "suspend",  # 4.2.1: the mailbox disabled for now, not refusing this sender
    "4.1": "expired",  # 4.4.1 "No answer from host": given up on after the retries
    "4.5": "systemfull",  # 4.4.5 "Mail system congestion"
    "7.1": "blocked",  # 4.7.1 "Delivery not authorized": the sending host, for now
}

# Codes specific enough that the text should not override them. Not X.1.10 (null MX): Office
# 365 sends "550 5.1.10 RESOLVER.ADR.RecipientNotFound" for an unknown user.
# X.1.7 and X.1.8 are the sender's address (RFC 3463 3.2): whatever the words ("Sender address
# rejected: Domain not found"), it is the sender who is refused.
DECISIVE = {"1.1", "1.2", "1.6", "1.7", "1.8", "2.2", "2.3", "4.7", "7.13", "7.25", "7.26"}

REPLY_CODE_DEFAULTS = {
    "userunknown": "1.1",
    "hostunknown": "1.2",
    "mailboxfull": "2.2",
    "mesgtoobig": "3.4",
    "exceedlimit": "2.3",
    "hasmoved": "1.6",
    "suspend": "2.1",
    "expired": "4.7",
    "networkerror": "4.1",
    "norelaying": "7.1",
    "blocked": "7.1",
    "rejected": "7.1",
    "spamdetected": "7.1",
    "policyviolation": "7.1",
    "securityerror": "7.0",
    "authfailure": "7.26",
    "requireptr": "7.25",
    "virusdetected": "7.1",
    "systemerror": "3.0",
    "systemfull": "3.1",
    "toomanyconn": "4.5",
}


# The wordings that name the command a reply answered, each searched apart (one alternation
# of them is tried at every position of the text; a pattern that opens with plain text is
# found by a fast scan), on the lower-cased text; the leftmost wins, as in an alternation.
COMMANDS = [
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        r"in reply to (?:end of )?(data|rcpt to|mail from|rcpt|mail)",
        # sendmail pipelines MAIL, RCPT and DATA: a refusal printed after ">>> DATA" answers
        # RCPT; one after the data was sent follows ">>> ." (end of data)
        r">>> ?(rcpt to|mail from)",
        r">>> ?(\.)[ \t]*\r?$",
        r"after (?:end of )?(data|rcpt to|mail from)\b",
        r"after (rcpt|mail|data) command",  # GMX, Exim: "… from remote server after RCPT command"
        # Exim 4.9x: "SMTP error from remote server for RCPT TO command, host: …"
        r"from remote server for (rcpt to|mail from|data) command",
        r"\[(rcpt_to|mail_from)\]",  # Yahoo: "550 5.2.1 <…>... User Unknown [RCPT_TO]"
        r"our final (data)",
        r"(data) command",
        r"smtp command (data)",
        # Exim: "SMTP error from remote mail server after initial connection:" / "after
        # EHLO host:": refused before any envelope, so it is the sending host that is refused
        r"after (initial connection|helo|ehlo)\b",
        r"in reply to (helo|ehlo)\b",
        # qmail-remote's own words for the stage a remote host refused (its source, the
        # texts of qmail-remote.c): "Connected to … but greeting failed", "… but my name was
        # rejected", "… but sender was rejected", "… does not like recipient", "Failed on
        # DATA command", "Failed after I sent the message"
        r"but (greeting) failed",
        r"but my name was rejected",
        r"but (sender) was rejected",
        r"does not like (recipient)",
        r"failed on (data) command",
        r"failed (after i sent the message)",
        # the DragonFly Mail Agent (dma, net.c): "%s [%s] did not like our %s:" and the reply
        r"did not like our (rcpt to|mail from|data)\b",
    )
]
"""Each names its command in its first group (a pattern without one names the greeting)."""


NOT_GONE_SUBJECTS = frozenset({"2", "3", "6", "7"})
"""RFC 3463 section 3: a status whose subject is the mailbox's state (X.2: full, disabled,
over a limit), the receiving system's (X.3), the content's (X.6) or a security or policy
decision (X.7) reports on a mailbox that exists, or on a refusal by policy: "User unknown"
beside one of them (a filter's or a suspended account's wording, RFC 5321 4.2.2 leaves 550
to both) proves nothing gone."""

GONE_NETWORK_DETAILS = frozenset({"4", "310"})
"""Of the network and routing statuses (X.4), only X.4.4 "unable to route" (the domain has
no mail host: Postfix's "Host or domain name not found") says a domain is gone, and Exchange
Online's own 5.4.310 "DNS domain does not exist" (its NDR reference); the others (no answer,
bad connection, congestion, loop, time expired) are a network's trouble."""


SENDER_STATUSES = frozenset({("1", "7"), ("1", "8")})
"""X.1.7 "bad sender's mailbox address syntax", X.1.8 "bad sender's system address" (RFC 3463
3.2): a refusal of the sender says nothing of the recipient's mailbox."""

EXISTING_MAILBOX_STATUSES = frozenset({("1", "4"), ("1", "5")})
"""X.1.4 "destination mailbox address ambiguous" (it matches one or more recipients) and X.1.5
"destination mailbox address valid" (RFC 3463 3.2): the mailbox is there, whatever failed."""


AMBIGUOUS_WORDING = (
    # RFC 5321 4.2.3: 550 "Requested action not taken: mailbox unavailable (e.g., mailbox not
    # found, no access, or command rejected for policy reasons)": said for a policy refusal as
    # well as for a missing mailbox
    re.compile(r"mailbox (?:is )?unavailable", re.IGNORECASE),
    # a reply that names a missing mailbox or another cause, and does not say which: QQ
    # Mail's "550 Mailbox not found or access denied", "user does not exist or has blocked
    # you", "… not found or not allowed to receive mail"
    re.compile(
        r"(?:not found|does ?n[o']t exist|unknown|invalid)[^.;\n]{0,20}\bor (?:access denied|"
        r"(?:is )?not allowed|(?:is |has been )?disabled|inactive|(?:has )?blocked|suspended)",
        re.IGNORECASE,
    ),
    # the same in French, German and Italian: "destinataire inconnu ou boîte aux lettres
    # désactivée", "Adressat unbekannt oder Mailbox deaktiviert", "destinatario sconosciuto o
    # mailbox disattivata" (unknown, or its mailbox switched off)
    re.compile(
        r"(?:inconnu|unbekannt|sconosciuto)[^.;\n]{0,10}\b(?:ou|oder|o)\b[^.;\n]{0,30}"
        r"(?:d[ée]sactiv|deaktiviert|gesperrt|disatt?t?ivat|bloccat)",
        re.IGNORECASE,
    ),
    # "Recipient address rejected: Access denied": Exchange Online's directory-based edge
    # blocking for an address it does not know (5.4.1, its NDR reference), and as well
    # Postfix's check_recipient_access REJECT for any address its access map refuses
    # (access(5)), which sisimai's SecurityError list reads as a refusal, not a missing user
    re.compile(r"recipient address rejected: access denied", re.IGNORECASE),
    # "554 No SMTP service" at the greeting (RFC 5321 3.1: a server may refuse the session
    # with 554 instead of 220): RFC 7504 gave a host that takes no mail its own 521 because
    # 554 was given for other refusals too, a client refused by its address among them
    # (GMX's "554-No SMTP service 554-IP address is block listed"): the host is not proved
    # to take no mail. (Not Exim's "an MX or SRV record indicated no SMTP service": the
    # domain's own DNS says so, RFC 7505's null MX.)
    re.compile(r"(?<!indicated )no smtp service", re.IGNORECASE),
    # a host name that did not resolve, where the reporter itself says the lookup may have
    # failed rather than the name not existing: Apache James's RemoteDelivery, "Unknown host:
    # <name>" then "This could be a DNS server error, a typo, or a problem with the recipient's
    # mail server" (Java's UnknownHostException is a name error and a failed lookup alike)
    re.compile(r"could be a dns server error", re.IGNORECASE),
    # the reporter's own hedge: cPanel's Exim configuration (its routers' cannot_route_message)
    # "The account or domain may not exist, they may be blacklisted, or missing the proper dns
    # entries": a refusal it cannot explain, a block or a DNS misconfiguration as likely
    re.compile(r"\b(?:may|might) not exist\b", re.IGNORECASE),
    # the same hedge in other words ("Possibly unknown user", "perhaps the user does not
    # exist"): a reply that guesses proves nothing without a status that says so
    re.compile(r"\b(?:possibly|perhaps|probably)\b", re.IGNORECASE),
)
"""Wordings that name a missing mailbox and, by their own definition, other refusals too:
without a status that says the mailbox is gone (X.1.1, X.1.2, X.1.6, X.1.10), they prove
nothing."""

# X.1.10 is RFC 7505's null MX (the domain takes no mail) and Exchange Online's
# RESOLVER.ADR.RecipientNotFound: either way the address cannot receive
GONE_STATUSES = frozenset({("1", "1"), ("1", "2"), ("1", "6"), ("1", "10")})


PROGRAM_EXIT_TEXTS = frozenset(
    {
        # Postfix's sys_exits table: what local(8), virtual(8) and pipe(8) report, with
        # diagnostic type "x-unix", when the delivering command exits with a <sysexits.h>
        # status; "user unknown" and "host name unknown" (EX_NOUSER, EX_NOHOST) name a cause
        # and are not here
        "command line usage error",
        "data format error",
        "cannot open input",
        "service unavailable",
        "internal software error",
        "system resource problem",
        "critical os file missing",
        "can't create user output file",
        "input/output error",
        "temporary failure",
        "remote error in protocol",
        "permission denied",
        "local configuration error",
    }
)
"""An "x-unix" diagnostic (RFC 3464 2.3.6: the diagnostic type names where the text comes
from) that is only a delivery program's exit status, in words or as its number, says the
program failed: mailererror."""


def program_exit(diagnostic_type: str, text: str | None, status: str | None = None) -> bool:
    """Whether a diagnostic of ``diagnostic_type`` is only a delivery program's exit status
    (``PROGRAM_EXIT_TEXTS``), or its bare number where the ``status`` names no cause (X.0.0)."""
    if diagnostic_type.strip().lower() != "x-unix":
        return False
    first = (text or "").strip().lower().rstrip(".").split(". command output:")[0]
    # sendmail's form: the program's exit status alone ("X-Unix; 255"); a status such as
    # 5.3.0 beside it names the cause itself
    bare = first.isdigit() and (status is None or status.endswith(".0.0"))
    return first in PROGRAM_EXIT_TEXTS or bare


TEMPORARY_WORDING = re.compile(
    r"\b(?:(?:please )?try (?:again )?later|at the moment|at this time|temporar(?:il)?y|for now|"
    # greylisting (RFC 6647: a refusal meant to be retried), "try again in 5 minutes"
    r"gr[ae]y-?list(?:ed|ing)?|try again in \d+)\b",
    re.IGNORECASE,
)
"""Words that say the refusal is for now ("not accepting mail at the moment, please try
later", "Greylisted, please try again in 5 minutes"): a reply that says so is transient in
all but its code (RFC 5321 4.2.1: 5yz is for a condition that repeating will not change;
RFC 6647's greylisting is a refusal to be retried), and proves no mailbox or domain gone;
RFC 7504's 521 and 556 and RFC 7505's null MX are the permanent statements of a host that
takes no mail."""


def ambiguous(statuses: tuple[str | None, ...], diagnostic: str | None) -> bool:
    """Whether ``diagnostic`` is only an ambiguous wording (``AMBIGUOUS_WORDING``), none of
    the ``statuses`` the notice states saying the mailbox or domain is gone."""
    for status in statuses:
        parts = (status or "").split(".")
        if len(parts) == 3 and (parts[1], parts[2]) in GONE_STATUSES:
            return False
    return any(rx.search(diagnostic or "") for rx in AMBIGUOUS_WORDING)


def proves_not_gone(status: str | None) -> bool:
    """Whether an X.Y.Z status says the mailbox or domain is not gone (see above)."""
    if not status:
        return False
    parts = status.split(".")
    if len(parts) != 3:
        return False
    klass, subject, detail = parts
    if klass == "4":
        return True  # a transient failure is never proof of anything gone
    if subject in NOT_GONE_SUBJECTS or (subject, detail) in SENDER_STATUSES:
        return True
    if (subject, detail) in EXISTING_MAILBOX_STATUSES:
        return True
    return subject == "4" and detail not in GONE_NETWORK_DETAILS
