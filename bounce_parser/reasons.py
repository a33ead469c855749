"""From status codes and diagnostic text to a reason in sisimai's vocabulary: the engine.

Diagnostic text is more specific than the status code (a ``5.7.1`` may be spam, a blocked
IP or a policy), so text patterns are tried first, then the RFC 3463 code. The tables are
in ``bounce_parser.rules`` (``text``, ``status``, ``provider_codes``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from bounce_parser.literals import Literals, PatternIndex, contains_one, required_texts
from bounce_parser.replies import joined_reply_lines
from bounce_parser.rules.provider_codes import reason_from_exchange_ndr, reason_from_provider_code
from bounce_parser.rules.status import (
    DECISIVE,
    REPLY_CODE_DEFAULTS,
    STATUS_REASON,
    TRANSIENT_STATUS_REASON,
)
from bounce_parser.rules.text import RECIPIENT_CHOICE, SENDER_SUBJECT, TEXT_RULES
from bounce_parser.rules.text_broad import BROAD_RULES

# Patterns are lower-case; the text is lower-cased once (faster than IGNORECASE).
_Patterns = tuple[tuple[re.Pattern[str], Literals], ...]


def _compile(patterns: tuple[str, ...]) -> _Patterns:
    """A rule's patterns, each with the texts one of which every match of it contains (():
    none known). Searched one by one, not as one alternation: the regex engine tries every
    alternative at every position of the text, while a pattern is skipped at once when its
    texts are absent."""
    return tuple((re.compile(p), required_texts(p)) for p in patterns)


def _matches(patterns: _Patterns, lowered: str) -> bool:
    for rx, literals in patterns:
        if not contains_one(lowered, literals):
            continue
        if rx.search(lowered):
            return True
    return False


class _FirstCause:
    """Causes in order, each with its patterns: which is the first one whose pattern
    matches a text (all their patterns found by their texts in one pass)."""

    def __init__(self, causes: Sequence[tuple[str, _Patterns]]) -> None:
        self._causes = [cause for cause, patterns in causes for _ in patterns]
        self._index = PatternIndex([p for _cause, patterns in causes for p in patterns])

    def __call__(self, lowered: str) -> str | None:
        first = self._index.first(lowered)
        return None if first is None else self._causes[first]


_RULES = [(reason, _compile(pats)) for reason, pats, _source in TEXT_RULES]
_SENDER_SUBJECT = _compile(SENDER_SUBJECT[1])
_MAILBOX_FULL = tuple(p for reason, pats in _RULES if reason == "mailboxfull" for p in pats)
_RECIPIENT_CHOICE = _compile(RECIPIENT_CHOICE)
_SUSPENDED = tuple(p for reason, pats in _RULES if reason == "suspend" for p in pats)
_NO_SUCH_DOMAIN = _compile((r"\bnxdomain\b", r"domain name not found"))
# ... unless the name server did not answer: Postfix's "Host or domain name not found. Name
# service error for name=… type=MX: Host not found, try again" is its resolver's TRY_AGAIN
# (dns_lookup(3)), a DNS failure for now, not the NXDOMAIN its plain "Host not found" reports
_DNS_NO_ANSWER = _compile((r"host not found, try again", r"\bservfail\b"))
# Gmail's notice of the recipient domain's MX lookup answered NXDOMAIN (RFC 1035 4.1.1 RCODE
# 3, the name does not exist): given up on for good (a 5.x.x status), the domain is gone
_MX_NXDOMAIN = _compile((r"lookup of \S+ responded with code nxdomain",))
_BARE_BLOCKED = r"\bblock(?:ed|list(?:ed)?)\b"  # (a mailbox may be blocked too)
# the statuses that say a mailbox or domain is gone (RFC 3463: X.1.1 bad mailbox, X.1.2 bad
# system, X.1.6 mailbox moved with no forwarding address): contrary words make them unproven
_GONE_TAILS = ("1.1", "1.2", "1.6")
# the sender refused, said so, in the languages the recipient rules read; not "… by the
# recipient", the recipient's own choice
_SENDER_REFUSED = re.compile(
    r"\b(?:sender|absender|exp[ée]diteur|remitente|mittente)\b(?: address)? (?:is |wurde )?"
    r"(?:rejected|refused|denied|abgelehnt|refus[ée]|rechazado|rifiutato)\b"
    r"(?! by (?:the )?(?:recipient|user|addressee))"
)


def _wordings_of(cause: str, broad_too: bool = False) -> _Patterns:
    """The patterns of the rules for ``cause``: the specific ones, and with ``broad_too`` the
    broad ones as well, but never the bare word "blocked"."""
    return tuple(
        p
        for (reason, pats), rule in zip(_RULES, TEXT_RULES, strict=True)
        if reason == cause and (broad_too or rule not in BROAD_RULES)
        for p in pats
        if p[0].pattern != _BARE_BLOCKED
    )


# the wordings of a cause on the receiving system's side (a loop, DNS or routing trouble, a
# connection that failed, a system or delivery-program error, a full disk): named beside a
# status of ``_GONE_TAILS``, they say something other than a mailbox or domain gone, so it
# proves nothing. The broad ones too ("Internal server error", "Connection timed out"), but
# RFC 5321's "Transaction failed", the generic text of any 554, a missing user's among them
_GENERIC_554 = "transaction failed"
_SYSTEM_SIDE = tuple(
    (
        cause,
        tuple(
            p
            for p in _wordings_of(cause, broad_too=cause in ("networkerror", "systemerror"))
            if _GENERIC_554 not in p[0].pattern
        ),
    )
    for cause in ("networkerror", "systemerror", "mailererror", "systemfull")
)
# the specific wordings of a refusal for another cause than the mailbox (the sending host or
# its reputation, relaying, the message's content or size, authentication, TLS, a rate): said
# beside a status of ``_GONE_TAILS``, by a server that answers every refusal with one code, they
# say the mailbox was not what was refused, so the status proves nothing gone
_ANOTHER_CAUSE = tuple(
    (cause, _wordings_of(cause, broad_too=cause in ("blocked", "securityerror")))
    for cause in (
        "norelaying",
        "blocked",
        "badreputation",
        "spamdetected",
        "virusdetected",
        "authfailure",
        "requireptr",
        "failedstarttls",
        "securityerror",
        "toomanyconn",
        "speeding",
        "mesgtoobig",
        "exceedlimit",
    )
)
# the words that say a mailbox or domain is not gone whatever status says so, in the order
# they decide; with the domain proved gone, not the DNS trouble (networkerror) they name too
_NOT_GONE_CAUSES = (
    ("mailboxfull", _MAILBOX_FULL),
    ("suspend", _SUSPENDED),
    ("filtered", _RECIPIENT_CHOICE),
    *_SYSTEM_SIDE,
    *_ANOTHER_CAUSE,
)
_NOT_GONE = _FirstCause(_NOT_GONE_CAUSES)
_NOT_GONE_UNLESS_DNS = _FirstCause([c for c in _NOT_GONE_CAUSES if c[0] != "networkerror"])
# Every pattern in rule order with its reason, found by the texts it needs in one pass
_REASONS = [reason for reason, patterns in _RULES for _ in patterns]
_ALL_PATTERNS = PatternIndex([p for _reason, patterns in _RULES for p in patterns])
_SPECIFIC_PATTERNS = PatternIndex(
    [
        p
        for (_reason, patterns), rule in zip(_RULES, TEXT_RULES, strict=True)
        if rule not in BROAD_RULES
        for p in patterns
    ]
)
# a sender given up on for its reputation ("[TSS04] … user complaints") must see that cause,
# not "expired": waiting longer does not help; so must a reply's own cause named by a specific
# wording (too many connections, headers too large), as sisimai reads a notice's giving up
# again for the cause the reply states. Not the words a notice's own giving up says too
# (qmail's "but sender was rejected" names the stage of a refusal that was for now) nor the
# system's own trouble ("Resources temporarily unavailable" before qmail gives up is the
# waiting, expired). These with all their wordings, the broad ones too:
_GIVEN_UP_ON = (
    "mailboxfull",
    "hostunknown",
    "userunknown",
    "blocked",
    "badreputation",
    "contenterror",
    "syntaxerror",
    "policyviolation",
)
_NOT_WHY_GIVEN_UP = ("expired", "rejected", "systemerror", "onhold")
_CAUSES = [
    (r, pats)
    for (r, pats), rule in zip(_RULES, TEXT_RULES, strict=True)
    if r in _GIVEN_UP_ON or (rule not in BROAD_RULES and r not in _NOT_WHY_GIVEN_UP)
] + [
    # sendmail's "Deferred: Name server: <domain>: host name lookup failure": the lookup,
    # not the wait; a timed-out connection is what expiring is. qmail-remote names why it
    # could not connect ("wasn't able to establish an SMTP connection", a best-preference MX
    # that is not local) before qmail-send gives up on the queue time
    (
        "networkerror",
        _compile(
            (
                r"host name lookup failure",
                r"wasn.t able to establish an smtp connection",
                r"listed as a best-preference mx",
            )
        ),
    ),
    # qmail-ldap's lookups and homedir creation (its patch's error texts): the receiving
    # system's own trouble, named before the giving up
    ("systemerror", _compile((r"ldap (?:server|lookup|attribute)", r"homedir creat"))),
]
MAX_REASON_TEXT = 3000

# a link's path, query and fragment: the words of a help page's address ("…/postmaster/
# #spam-and-abusive-traffic", "…/errors#user-unknown") name the page, not this failure; its host
# ("spamhaus.org") still says who refused
_URL_TAIL = re.compile(r"(https?://[^/\s<>\"')\]]+)[/?#][^\s<>\"')\]]*")


def _readable(text: str) -> str:
    """``text`` as the wording rules read it: lower-cased, reply lines joined, its white
    space one space (a notice's lines break where its names and addresses end), links cut
    to their host."""
    lowered = " ".join(joined_reply_lines(text[:MAX_REASON_TEXT].lower()).split())
    return _URL_TAIL.sub(r"\1 ", lowered) if "://" in lowered else lowered


def reason_from_text(text: str) -> str | None:
    if not text:
        return None
    lowered = _readable(text)
    first = _ALL_PATTERNS.first(lowered)  # the first rule with a matching pattern wins
    if first is None:
        return None
    reason = _REASONS[first]
    if reason == "expired":
        # "mailbox is full: retry timeout exceeded", "550 User unknown … 421 timed out": the
        # cause the report states, not the giving up
        return _stated_cause(lowered) or reason
    return reason


# The cause a report of giving up states (a full mailbox, an unknown user or host, a
# block), in lower-cased text
_stated_cause = _FirstCause(_CAUSES)


def reason_from_status(status: str | None) -> str | None:
    if not status or status[0] not in "45":
        return None
    _, _, tail = status.partition(".")
    if status[0] == "4" and tail in TRANSIENT_STATUS_REASON:
        return TRANSIENT_STATUS_REASON[tail]
    return STATUS_REASON.get(tail)


_RATE_OVER_STATUS = re.compile(
    r"(?:sent|send|sending) to too many recipients|too many (?:recipients|messages) "
    r"(?:this|per|an?|in the last) (?:hour|minute|day)"
)


@functools.lru_cache(maxsize=4)  # a notice's recipients often share one status and text
def decide_reason(status: str | None, *texts: str | None) -> str | None:
    """The reason for ``status``: a specific status code decides; otherwise the first of
    ``texts`` (the recipient's own diagnostic first, then the wider report) that names a
    cause; then the status code's class of failure."""
    tail = status.partition(".")[2] if status else ""
    by_status = reason_from_status(status)
    lowered_texts = [(t or "")[:MAX_REASON_TEXT].lower() for t in texts]
    own = lowered_texts[0] if lowered_texts else ""
    own_words = _readable(texts[0] or "") if texts else ""  # words, not the codes of links
    if _matches(_SENDER_SUBJECT, own_words):
        # the failure is our sender's, whatever status it carries (a 5.1.1 for "sender
        # address does not exist"): the recipient's mailbox is not in question
        return SENDER_SUBJECT[0]
    by_ndr = reason_from_exchange_ndr(own)
    if by_ndr:  # Exchange's component code names this recipient's failure precisely
        return by_ndr
    for lowered in lowered_texts:
        # a code and the words beside it may be broken across a multi-line reply's lines
        by_code = reason_from_provider_code(joined_reply_lines(lowered))
        if by_code:  # a provider's documented code says more than its wording or status
            return by_code
    if _RATE_OVER_STATUS.search(own_words):
        # GoDaddy refuses a sender over its hourly quota with "550 5.1.1 … has sent to too
        # many recipients this hour": the address is fine, it must not be marked dead
        return "speeding"
    if tail in _GONE_TAILS and _SENDER_REFUSED.search(own_words):
        # "550 5.1.1 Sender rejected", "Absender abgelehnt": our sender is what was refused
        # (RFC 3463 X.7.1, X.1.8), whatever status the server puts on it; read after the
        # providers' codes, whose replies say "sender rejected" beside the code that names why
        return "rejected"
    if tail in _GONE_TAILS:
        # words that say the mailbox exists beat a status that says it does not: vpopmail's
        # "552 sorry, mailbox … is over quota temporarily (#5.1.1)" (full), "550 5.1.1 Account
        # disabled temporarily" (suspended), "550 5.1.2 User reject" (the recipient's own
        # refusal); nothing is proved gone
        # a DNS answer that the domain does not exist (NXDOMAIN, RFC 1035 4.1.1 RCODE 3) under
        # a permanent 5.1.2 is that status's own cause, not the DNS trouble "DNS Error" names
        # otherwise (Gmail's "DNS Error: … responded with code NXDOMAIN Domain name not found")
        domain_gone = (
            tail == "1.2"
            and _matches(_NO_SUCH_DOMAIN, own_words)
            and not _matches(_DNS_NO_ANSWER, own_words)
        )
        not_gone = (_NOT_GONE_UNLESS_DNS if domain_gone else _NOT_GONE)(own_words)
        if not_gone:
            return not_gone
    if (status or "").startswith("5") and tail != "1.1" and _matches(_MX_NXDOMAIN, own_words):
        return "hostunknown"
    if by_status == "expired":
        # 4.4.7 says only that the sender gave up; the cause it gave up on, when stated
        # ("mailbox full", "client host rejected"), is the reason
        for text in texts:
            cause = _stated_cause(_readable(text or ""))
            if cause:
                return cause
    if by_status and tail in DECISIVE:
        return by_status
    for text in texts:
        by_text = reason_from_text(text or "")
        if by_text:
            return by_text
    return by_status


def named_specifically(status: str | None, text: str | None) -> bool:
    """Whether a specific status (``is_decisive``), a provider's documented code, or a
    wording of the specific rules (not only a broad one, ``rules.text_broad``) names the
    cause in ``text``: more than a reporter's own category of the failure says."""
    if is_decisive(status):
        return True
    lowered = (text or "")[:MAX_REASON_TEXT].lower()
    if reason_from_exchange_ndr(lowered) or reason_from_provider_code(lowered):
        return True
    lowered = _readable(lowered)
    return _SPECIFIC_PATTERNS.first(lowered) is not None


def status_from_reply_code(code: int | None, reason: str | None) -> str | None:
    """A plausible RFC 3463 code when the bounce gives only an SMTP reply code."""
    if code is None:
        return None
    cls = str(code)[0]
    if cls not in "45":
        return None
    tail = REPLY_CODE_DEFAULTS.get(reason or "", "0.0")
    return f"{cls}.{tail}"


def is_decisive(status: str | None) -> bool:
    """A status specific enough (5.1.1 no such user, 5.2.2 mailbox full…) that neither the
    wording nor the command it answered should change the reason."""
    return bool(status) and (status or "").partition(".")[2] in DECISIVE


# sendmail's access map refusing an address ("<address>... Access denied", cf/README): at
# MAIL FROM, the address refused is the sender's
_ACCESS_MAP = re.compile(r">\.\.\. access denied")


def refine_by_command(
    reason: str | None, command: str | None, status: str | None = None, text: str | None = None
) -> str | None:
    """sisimai's convention: a recipient refused only after DATA, or under a status that says
    the mailbox exists (X.2.0, X.2.1) at another stage than RCPT, was a filter's decision
    (``filtered``); a refusal of MAIL FROM is about the sender (``rejected``); a refusal of
    the connection or of HELO/EHLO, with no cause stated, is of the sending host
    (``blocked``). A specific status code (5.1.1: no such user) stands, except at MAIL FROM:
    with PIPELINING, RCPT refusals are reported after DATA, never before RCPT. A refusal of
    MAIL FROM read as a security error only from X.7.1's generic "delivery not authorized"
    (no words of ``text`` name a cause) or from sendmail's access map ("<sender>... Access
    denied") is the sender's."""
    if command == "MAIL" and reason in ("userunknown", "hostunknown"):
        # an unknown user or host in reply to MAIL FROM is our sender, unknown there (RFC
        # 5321 3.3: MAIL names the reverse-path), whatever its status: no recipient is gone
        return "rejected"
    if is_decisive(status):
        return reason
    if reason == "userunknown" and command != "RCPT" and (status or "")[1:] in (".2.0", ".2.1"):
        # RFC 3463 X.2.0 and X.2.1 say the mailbox exists; "user unknown" beside them, not
        # said in reply to RCPT TO, is a filter's refusal in a missing user's words (sisimai's
        # Filtered: a 5.2.0 or 5.2.1 status is "filtered")
        return "filtered"
    if command == "MAIL" and reason == "securityerror":
        lowered = (text or "").lower()
        if _ACCESS_MAP.search(lowered) or reason_from_text(lowered) is None:
            return "rejected"
    if command == "DATA" and reason == "userunknown":
        return "filtered"
    if command == "MAIL" and reason in (None, "filtered"):  # (unknown user or host: above)
        return "rejected"
    if command == "CONNECT" and reason in (None, "rejected", "userunknown", "filtered"):
        return "blocked"  # no recipient or sender was named yet: the client host was refused
    return reason
