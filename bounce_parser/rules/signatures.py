"""Per-sender signatures: what one MTA's or provider's notice format says (or leaves
unsaid), one entry per sender product, with where the fact comes from beside it."""

from __future__ import annotations

import logging
import re
from email.message import Message

from bounce_parser import mime
from bounce_parser.parts import line_before
from bounce_parser.reasons import (
    is_decisive,
    smtp_command,
)

log = logging.getLogger(__name__)
# Exim's bounce template (Mail.Ru's servers send it too): both wordings
EXIM_TEMPLATE = (
    re.compile(r"created automatically by mail delivery software", re.IGNORECASE),
    re.compile(r"address\(es\)\s+failed", re.IGNORECASE),
)


_COURIER = "running the Courier mail server"


def command_line(human: str, diagnostic: str) -> str | None:
    """The command a transcript shows right above the reply. sendmail pipelines: a refusal
    printed after ``>>> DATA`` may answer RCPT, so only its end of data counts. Courier
    prints the one command that drew the reply, ``>>> DATA`` included."""
    line = line_before(human, diagnostic)
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


def unless_stage_untold(
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


def provider_reason(
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


def subject_reason(subject: str | None) -> str | None:
    """sendmail names the failure in its subject ("Returned mail: User unknown"): a last
    source of the reason when the report's own text names none."""
    m = _RETURNED_MAIL.match(subject or "")
    return m.group(1) if m else None
