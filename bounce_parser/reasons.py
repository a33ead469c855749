"""From status codes and diagnostic text to a reason in sisimai's vocabulary.

Diagnostic text is more specific than the status code (a ``5.7.1`` may be spam, a blocked
IP or a policy), so text patterns are tried first, then the RFC 3463 code.
"""

from __future__ import annotations

import re

from bounce_parser.provider_codes import reason_from_provider_code

# Ordered: the first pattern that matches wins. Keep the most specific first.
_TEXT_RULES: list[tuple[str, tuple[str, ...]]] = [
    (
        "expired",
        (
            r"connection timed out",
            r"did not accept our requests to connect",
            r"delivery failed \d+ attempts",
            r"will continue trying",
            r"could not be delivered for",
            r"retry time(?:out)? (?:not reached|exceeded)",
            r"message expired",
            r"have been failing for a long time",
            r"in the queue too long",  # qmail: "I'm not going to try again"
            r"not delivered within \d+ days",
        ),
    ),
    (
        "failedstarttls",
        (
            r"does not support tls",
            r"starttls (?:failed|is required|required)",
            r"must issue a starttls",
            r"tls (?:negotiation|handshake) failed",
        ),
    ),
    # before authfailure: a refusal that names spam as its reason, whatever else it mentions
    ("spamdetected", (r"rejected due to spam classification",)),
    # before networkerror: Gmail reports a null MX as a "DNS Error"
    ("notaccept", (r"null mx", r"doesn.t receive email according to")),
    (
        "networkerror",
        (
            r"dns error",
            r"host not found, try again",
            r"temporary failure in name resolution",
            r"network error on destination",  # OpenSMTPD
            r"host name lookup failure",  # sendmail: the name server did not answer (TRY_AGAIN)
            # a loop, before contenterror: its report speaks of the headers it counted
            r"mail loop",
            r"loops back",
            r"too many hops",
            r"hop count exceeded",
            r"routing loop",
        ),
    ),
    (
        "notcompliantrfc",
        (
            r"duplicate header",
            r"multiple addresses in from",
            r"not (?:rfc ?)?5322 compliant",
            r"not compliant with rfc",
            r"does not comply with rfc",
            r"rfc ?5322 (?:requirements|standards)",
        ),
    ),
    # before blocked: a blocklist of links is about the content
    (
        "spamdetected",
        (r"blacklisted url", r"url .*blacklist", r"blocklisted (?:url|link|domain in)"),
    ),
    # before blocked: Exchange Online's directory-based edge blocking refuses an address it
    # does not know with "550 5.4.1 Recipient address rejected: Access denied"
    ("userunknown", (r"recipient address rejected: access denied",)),
    # before spamdetected: the sending host is blocked (because of spam it sent)
    ("blocked", (r"client host blocked", r"ip source bloqu")),
    ("virusdetected", (r"virus", r"malware", r"infected")),
    ("mailererror", (r"mailer error", r"command died with status")),  # Postfix pipe(8)
    (
        "authfailure",
        (
            r"\bspf\b.*\b(fail|reject|not authori[sz]ed)",
            r"\bdmarc\b",
            r"\bdkim\b.*\b(fail|invalid)",
            r"authentication (?:check )?fail",
            r"5\.7\.2[0-6]\b",
            r"unauthenticated email",
            r"bad spf",
            r"spf record",
            r"does not have authentication information",
            r"fails? to pass authentication",
        ),
    ),
    (
        "requireptr",
        (
            r"reverse (?:dns|lookup|hostname)",
            r"mismatches client ip",  # Outlook.com: HELO domain does not match the address
            r"\bptr\b",
            r"no rdns",
            r"invalid rdns",
            r"cannot find your hostname",
            r"client host .* (?:has no|lacks) (?:reverse|ptr)",
            r"hostname.*does not resolve",
            r"not have a reverse",
            r"cannot resolve your (?:ip|address)",
            # "450 service permits 2 unverifyable sending IPs - <domain> is not <ip>": the
            # sending IP does not resolve back to the sender's domain
            r"unverif[iy]able sending ips?",
        ),
    ),
    (
        "badreputation",
        (
            r"poor reputation",
            r"bad reputation",
            r"ip reputation",
            r"low reputation",
            # Yahoo: "[TSS04] Messages from IP temporarily deferred due to unexpected volume
            # or user complaints"
            r"\[tss0\d\]",
            r"unexpected volume or user complaints",
        ),
    ),
    (
        "spamdetected",
        (
            r"\bspam\b",
            r"junk mail",
            r"unsolicited",
            r"bulk mail",
            r"message looks suspicious",
            r"content (?:looks|appears) like spam",
            r"scored? as spam",
            r"spam content",
            r"detected as spam",
            r"message content rejected",
            r"\bube\b",
        ),
    ),
    (
        # before norelaying and policyviolation: "Unauthenticated senders not allowed", "not
        # permitted to relay without authentication" are about SMTP AUTH; Exchange's
        # "Delivery not authorized" about who may write to the recipient
        "securityerror",
        (
            r"unauthenticated senders?",
            r"turn on smtp authentication",
            r"smtp auth\w* required",
            r"delivery not authori[sz]ed",
        ),
    ),
    (
        "norelaying",
        (
            r"relay(?:ing)? (?:access )?denied",
            r"relaying (?:is )?not (?:permitted|allowed)",
            r"not permitted to relay",
            r"unable to relay",
            r"we do not relay",
            r"not configured to relay",
            r"relay not permitted",
            r"relay access",
            r"no relaying",
            # Amazon SES in its sandbox sends only to addresses verified in the account
            r"email address is not verified",
        ),
    ),
    (
        "toomanyconn",
        (
            r"too many (?:connections|concurrent|sessions)",
            r"frequency limited",  # Tencent: "Connection/Ip frequency limited"
            r"connection limit",
            r"too many smtp sessions",
            r"connection rate limit",
            r"too many recipients(?! (?:in|per))",
        ),
    ),
    (
        "notaccept",
        (
            r"does not accept mail",
            r"null mx",
            r"not accepting mail",
            r"no mx found",
            r"couldn't find a mail exchanger",
            r"no smtp service",
        ),
    ),
    (
        "speeding",
        (
            r"rate limit",
            r"too many (?:messages|recipients|emails) (?:in|per)",
            r"sending rate",
            r"try again later.*rate",
        ),
    ),
    # before mailboxfull: the server's disk, not the recipient's quota
    (
        "systemfull",
        (r"insufficient disk space", r"no space left on device", r"insufficient system storage"),
    ),
    (
        "mailboxfull",
        (
            r"mailbox (?:is )?full",
            r"over ?quota",
            r"quota (?:exceeded|full)",
            r"exceeded .*quota",
            r"mailbox size limit",
            r"insufficient (?:disk )?space",
            r"storage (?:allocation|quota)",
            r"exceeded storage",
            r"not enough (?:space|storage)",
            r"mail ?box (?:has )?exceeded",
            r"user is over",
            r"disk quota",
            r"mail ?folder is full",
            r"mailbox .* full",
            r"boite .* pleine",
            r"out of storage",
            r"too much mail",
        ),
    ),
    (
        "mesgtoobig",
        (
            r"message (?:is )?too (?:large|big)",
            r"message size exceeds",
            r"exceeds .*size limit",
            r"size limit exceeded",
            r"message length exceeds",
            r"message exceeds .* size",
        ),
    ),
    ("exceedlimit", (r"exceeds? .*limit", r"too many recipients")),
    ("hasmoved", (r"has moved", r"user has moved", r"address has changed", r"no longer at")),
    (
        "suspend",
        (
            r"(?:account|mailbox|user) (?:is |has been )?"
            r"(?:disabled|suspended|inactive|deactivated|locked|frozen|blocked)",
            r"disabled (?:account|mailbox|user|recipient)",
            r"inactive (?:account|user)",
            r"temporarily disabled",
            r"temporar(?:il)?y locked",
            r"account is not active",
            r"mailbox unavailable.*inactive",
            r"mailbox is (?:frozen|disabled)",
            r"(?:account|mailbox)\b[^.]{0,40}\bis (?:inactive|disabled|suspended)",
        ),
    ),
    (
        "hostunknown",
        (
            r"host (?:or domain name )?not found",
            r"host unknown",
            r"unknown host",
            r"domain (?:name )?not found",
            r"name service error",
            r"no mx (?:record|host)",
            r"unrouteable mail domain",
            r"unrouteable address",  # exim: no router took the domain
            r"domain is not reachable",
            r"the account or domain may not exist",  # cPanel's exim template
            r"dns lookup failure: host \S+ not found",
            r"(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+ does not exist",  # a domain, not an address
            r"domain does not exist",
            r"nxdomain",
            r"unrouteable domain",
            r"no such domain",
            r"domain .* does not accept mail",
            r"illegal host/domain",
            r"address resolution failed",
            r"unknown domain",
            r"domain (?:is )?not (?:valid|exist)",
        ),
    ),
    (
        "userunknown",
        (
            r"user ?unknown",
            r"unknown (?:user|recipient|local[- ]part|address|mailbox)",
            r"no such (?:user|recipient|mailbox|person|address|account)",
            r"(?:user|recipient|mailbox|"
            r"address|account) (?:does not|doesn't|did not) exist",
            r"does not exist",
            r"(?:user|recipient|mailbox|address) (?:not found|unknown|not known)",
            r"invalid (?:recipient|mailbox|user|address)",
            r"mailbox (?:is )?unavailable",
            r"mailbox not (?:found|available)",
            r"not a valid (?:user|mailbox|recipient)",
            r"no mailbox",
            r"address (?:couldn.t|could not|cannot|can.t) be found",
            r"check if (?:the )?address is correct",
            r"and other recipients in the same domain",  # Trend Micro InterScan
            r"invalid final delivery userid",
            r"address unknown",
            r"bad destination mailbox",
            r"not our customer",
            r"no account",
            r"account .* not exist",
            r"unknown or illegal alias",
            r"user not local",
            r"addressee unknown",
            r"utilisateur inconnu",
            r"destinataire inconnu",
            r"unbekannt",
            r"nicht gefunden",
            r"the email account that you tried to reach does not exist",
            r"no longer (?:valid|active)",
            r"recipient not (?:found|valid)",
            r"undeliverable address",
            r"doesn't have a .* account",
            r"non-existent",
            r"nonexistent",
            r"is not a known user",
        ),
    ),
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
            r"listed (?:in|on|at)",
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
            r"giving up",
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


# Patterns are lower-case; the text is lower-cased once (faster than IGNORECASE).
def required_text(pattern: str) -> str | None:
    """The longest plain text every match of ``pattern`` contains (None when there is no
    such text of 3 characters or more, or when the pattern is an alternation at its top)."""
    runs: list[str] = []
    run: list[str] = []
    i = 0

    def end_run() -> None:
        runs.append("".join(run))
        run.clear()

    while i < len(pattern):
        ch = pattern[i]
        if ch == "|":
            return None
        if ch in "([":  # a group or a class: skip it whole
            end_run()
            depth, i = 0, i
            while i < len(pattern):
                c = pattern[i]
                if c == "\\":
                    i += 2
                    continue
                if c in "([":
                    depth += 1
                elif c in ")]":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
            while i < len(pattern) and pattern[i] in "*+?{}0123456789,":
                i += 1
            continue
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            atom, width = (nxt, 2) if nxt and not nxt.isalnum() else (None, 2)
        elif ch in ".^$":
            atom, width = None, 1
        else:
            atom, width = ch, 1
        quantifier = pattern[i + width : i + width + 1]
        if atom is None or quantifier in ("?", "*", "{"):
            end_run()
        else:
            run.append(atom)
            if quantifier == "+":
                end_run()
        i += width
        if quantifier == "{":
            i = pattern.index("}", i) + 1
        elif quantifier in ("?", "*", "+"):
            i += 1
        if quantifier and pattern[i : i + 1] in ("?", "+"):  # lazy or possessive
            i += 1
    end_run()
    best = max(runs, key=len, default="")
    return best if len(best) >= 3 else None


_Patterns = tuple[tuple[re.Pattern[str], str | None], ...]


def _compile(patterns: tuple[str, ...]) -> _Patterns:
    """A rule's patterns, each with the text every match of it contains (None: none known).
    Searched one by one, not as one alternation: the regex engine tries every alternative at
    every position of the text, while a pattern is skipped at once when its text is absent
    and one that opens with plain text is found by a fast scan."""
    return tuple((re.compile(p), required_text(p)) for p in patterns)


def _matches(patterns: _Patterns, lowered: str) -> bool:
    for rx, required in patterns:
        if (required is None or required in lowered) and rx.search(lowered):
            return True
    return False


_RULES = [(reason, _compile(pats)) for reason, pats in _TEXT_RULES]
# Every pattern in rule order, with its reason ("" for no required text: always present).
_PATTERNS = [(reason, rx, req or "") for reason, patterns in _RULES for rx, req in patterns]
_CAUSES = [
    (r, pats)
    for r, pats in _RULES
    # a sender given up on for its reputation ("[TSS04] … user complaints") must see that
    # cause, not "expired": waiting longer does not help
    if r in ("mailboxfull", "hostunknown", "userunknown", "blocked", "badreputation")
] + [
    # sendmail's "Deferred: Name server: <domain>: host name lookup failure": the lookup,
    # not the wait; a timed-out connection is what expiring is
    ("networkerror", _compile((r"host name lookup failure",)))
]
MAX_REASON_TEXT = 1500

_STATUS_REASON: dict[str, str] = {
    "1.0": "userunknown",
    "1.1": "userunknown",
    "1.2": "hostunknown",
    "1.3": "userunknown",
    "1.4": "userunknown",
    "1.5": "userunknown",
    "1.6": "hasmoved",
    "1.7": "rejected",
    "1.8": "rejected",
    "1.9": "rejected",
    "1.10": "notaccept",
    "2.0": "userunknown",
    "2.1": "userunknown",  # "mailbox disabled": userunknown unless the text says suspended
    "2.2": "mailboxfull",
    "2.3": "exceedlimit",
    "2.4": "systemerror",
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
    "5.3": "exceedlimit",
    "5.4": "syntaxerror",
    "5.5": "syntaxerror",
    "5.6": "syntaxerror",
    "6.0": "contenterror",
    "6.1": "contenterror",
    "6.2": "contenterror",
    "6.3": "contenterror",
    "6.4": "contenterror",
    "6.5": "contenterror",
    "6.6": "contenterror",
    "7.0": "securityerror",
    "7.1": "rejected",
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
    "7.16": "securityerror",
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
    "7.28": "blocked",
    "7.29": "authfailure",
    "7.30": "securityerror",
}

# Codes specific enough that the text should not override them. Not X.1.10 (null MX): Office
# 365 sends "550 5.1.10 RESOLVER.ADR.RecipientNotFound" for an unknown user.
_DECISIVE = {"1.1", "1.2", "1.6", "2.2", "2.3", "4.7", "7.13", "7.25", "7.26"}

# Each is searched with the character before a match checked apart (_not_after): a pattern
# that opens with a look-behind makes the regex engine try every position of the text.
_STATUS_IN_TEXT = re.compile(r"([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SUCCESS_STATUS_IN_TEXT = re.compile(r"(2)\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_REPLY_IN_TEXT = re.compile(r"([45]\d\d)(?:[ -](?:[45]\.\d)|\s|$)")
_SUCCESS_IN_TEXT = re.compile(r"(2\d\d)(?:[ -](?:2\.\d)|\s|$)")
# a code the text names as such: Zoho's "ERROR_CODE :421", "error code: 550"
_LABELLED_REPLY = re.compile(r"error[_ ]code\s*:?\s*([45]\d\d)\b", re.IGNORECASE)
_ERROR_CODE_WORD = re.compile(r"CODE|[Cc]ode")  # a literal scan, before the case-blind one


def _not_after(pattern: re.Pattern[str], text: str, before: str) -> re.Match[str] | None:
    """The first match of ``pattern`` in ``text`` not right after one of ``before``."""
    at = 0
    while True:
        m = pattern.search(text, at)
        if m is None or m.start() == 0 or text[m.start() - 1] not in before:
            return m
        at = m.start() + 1


# "552-5.7.0 This message was blocked because its content presents a potential\n552-5.7.0
# security issue": the reply code and status that open each line of a multi-line reply
_FIRST_REPLY_CODE = re.compile(r"(?:^|(?<=\s))[245]\d\d[- ]")
_LATER_LINE_PREFIX = re.compile(r"\s+[245]\d\d[- ](?:[245]\.\d{1,3}\.\d{1,3}\s+)?")


def _joined_reply_lines(lowered: str) -> str:
    """The text with the prefixes of a multi-line reply's later lines taken out, so that a
    phrase broken across lines matches; the first line's code stays (rules may name it)."""
    first = _FIRST_REPLY_CODE.search(lowered)
    if first is None:
        return lowered
    rest = lowered[first.end() :]
    if _LATER_LINE_PREFIX.search(rest) is None:
        return lowered
    return lowered[: first.end()] + _LATER_LINE_PREFIX.sub(" ", rest)


def reason_from_text(text: str) -> str | None:
    if not text:
        return None
    lowered = _joined_reply_lines(text[:MAX_REASON_TEXT].lower())
    for reason, rx, required in _PATTERNS:  # the first rule with a matching pattern wins
        if required in lowered and rx.search(lowered):
            if reason == "expired":
                # "mailbox is full: retry timeout exceeded", "550 User unknown … 421 timed
                # out": the cause the report states, not the giving up
                return _stated_cause(lowered) or reason
            return reason
    return None


def _stated_cause(lowered: str) -> str | None:
    """The cause a report of giving up states (a full mailbox, an unknown user or host, a
    block), in lower-cased text."""
    for cause, cause_patterns in _CAUSES:
        if _matches(cause_patterns, lowered):
            return cause
    return None


def reason_from_status(status: str | None) -> str | None:
    if not status or status[0] not in "45":
        return None
    _, _, tail = status.partition(".")
    return _STATUS_REASON.get(tail)


_RATE_OVER_STATUS = re.compile(
    r"(?:sent|send|sending) to too many recipients|too many (?:recipients|messages) "
    r"(?:this|per|an?|in the last) (?:hour|minute|day)"
)

_FULL_OVER_STATUS = re.compile(r"over ?quota|mailbox (?:is )?full|quota exceeded")


def decide_reason(status: str | None, *texts: str | None) -> str | None:
    """The reason for ``status``: a specific status code decides; otherwise the first of
    ``texts`` (the recipient's own diagnostic first, then the wider report) that names a
    cause; then the status code's class of failure."""
    tail = status.partition(".")[2] if status else ""
    by_status = reason_from_status(status)
    lowered_texts = [(t or "")[:MAX_REASON_TEXT].lower() for t in texts]
    own = lowered_texts[0] if lowered_texts else ""
    for lowered in lowered_texts:
        by_code = reason_from_provider_code(lowered)
        if by_code:  # a provider's documented code says more than its wording or status
            return by_code
    if _RATE_OVER_STATUS.search(own):
        # GoDaddy refuses a sender over its hourly quota with "550 5.1.1 … has sent to too
        # many recipients this hour": the address is fine, it must not be marked dead
        return "speeding"
    if tail == "1.1" and _FULL_OVER_STATUS.search(own):
        # vpopmail: "552 sorry, mailbox … is over quota temporarily (#5.1.1)"
        return "mailboxfull"
    if by_status == "expired":
        # 4.4.7 says only that the sender gave up; the cause it gave up on, when stated
        # ("mailbox full", "client host rejected"), is the reason
        for lowered in lowered_texts:
            cause = _stated_cause(lowered)
            if cause:
                return cause
    if by_status and tail in _DECISIVE:
        return by_status
    for text in texts:
        by_text = reason_from_text(text or "")
        if by_text:
            return by_text
    return by_status


_DIGITS_DOT = "0123456789."
_DIGITS_DOT_DASH = "0123456789.-"


def status_in_text(text: str) -> str | None:
    """The RFC 3463 status a text quotes: a failure's (4.x.x, 5.x.x) before any 2.x.x, which
    in a session transcript is only an earlier command's "250 2.0.0 Ok"."""
    text = text or ""
    m = _not_after(_STATUS_IN_TEXT, text, _DIGITS_DOT) or _not_after(
        _SUCCESS_STATUS_IN_TEXT, text, _DIGITS_DOT
    )
    return f"{m.group(1)}.{m.group(2)}.{m.group(3)}" if m else None


def reply_code_in_text(*texts: str | None) -> int | None:
    """The SMTP reply code quoted by the first of ``texts`` that quotes one: a failure's
    (4xx, 5xx) before any 2xx, which is often only a number in the text ("Size (in bytes):
    222") or an earlier "250 OK". A code labelled as one ("ERROR_CODE :421") comes first."""
    for text in texts:
        m = _LABELLED_REPLY.search(text) if text and _ERROR_CODE_WORD.search(text) else None
        if m:
            return int(m.group(1))
    for pattern in (_REPLY_IN_TEXT, _SUCCESS_IN_TEXT):
        for text in texts:
            m = _not_after(pattern, text or "", _DIGITS_DOT_DASH)
            if m:
                return int(m.group(1))
    return None


def status_from_reply_code(code: int | None, reason: str | None) -> str | None:
    """A plausible RFC 3463 code when the bounce gives only an SMTP reply code."""
    if code is None:
        return None
    cls = str(code)[0]
    if cls not in "45":
        return None
    defaults = {
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
    tail = defaults.get(reason or "", "0.0")
    return f"{cls}.{tail}"


# The wordings that name the command a reply answered, each searched apart (one alternation
# of them is tried at every position of the text; a pattern that opens with plain text is
# found by a fast scan), on the lower-cased text; the leftmost wins, as in an alternation.
_COMMANDS = [
    re.compile(pattern, re.MULTILINE)
    for pattern in (
        r"in reply to (?:end of )?(data|rcpt to|mail from|rcpt|mail)",
        # sendmail pipelines MAIL, RCPT and DATA: a refusal printed after ">>> DATA" answers
        # RCPT; one after the data was sent follows ">>> ." (end of data)
        r">>> ?(rcpt to|mail from)",
        r">>> ?(\.)[ \t]*\r?$",
        r"after (?:end of )?(data|rcpt to|mail from)\b",
        r"after (rcpt|mail|data) command",  # GMX, Exim: "… from remote server after RCPT command"
        r"\[(rcpt_to|mail_from)\]",  # Yahoo: "550 5.2.1 <…>... User Unknown [RCPT_TO]"
        r"our final (data)",
        r"(data) command",
        r"smtp command (data)",
        # Exim: "SMTP error from remote mail server after initial connection:" / "after
        # EHLO host:": refused before any envelope, so it is the sending host that is refused
        r"after (initial connection|helo|ehlo)\b",
        r"in reply to (helo|ehlo)\b",
    )
]


def smtp_command(text: str) -> str | None:
    """The SMTP command the remote server was answering, when the bounce says: DATA, RCPT or
    MAIL, or CONNECT for the greeting and HELO/EHLO."""
    lowered = (text or "").lower()
    first: re.Match[str] | None = None
    for pattern in _COMMANDS:
        m = pattern.search(lowered)
        if m is not None and (first is None or m.start() < first.start()):
            first = m
    if first is None:
        return None
    word = first.group(1)
    if word.startswith(("data", ".")):
        return "DATA"
    if word.startswith(("initial", "helo", "ehlo")):
        return "CONNECT"
    return "RCPT" if word.startswith("rcpt") else "MAIL"


def is_decisive(status: str | None) -> bool:
    """A status specific enough (5.1.1 no such user, 5.2.2 mailbox full…) that neither the
    wording nor the command it answered should change the reason."""
    return bool(status) and (status or "").partition(".")[2] in _DECISIVE


def refine_by_command(
    reason: str | None, command: str | None, status: str | None = None
) -> str | None:
    """sisimai's convention: a recipient refused only after DATA was a content decision
    (``filtered``); a refusal of MAIL FROM is about the sender (``rejected``); a refusal of
    the connection or of HELO/EHLO, with no cause stated, is of the sending host
    (``blocked``). A specific status code (5.1.1: no such user) stands: with PIPELINING,
    RCPT refusals are reported after DATA."""
    if is_decisive(status):
        return reason
    if command == "DATA" and reason == "userunknown":
        return "filtered"
    if command == "MAIL" and reason in (None, "userunknown", "hostunknown", "filtered"):
        return "rejected"
    if command == "CONNECT" and reason in (None, "rejected", "userunknown", "filtered"):
        return "blocked"  # no recipient or sender was named yet: the client host was refused
    return reason
