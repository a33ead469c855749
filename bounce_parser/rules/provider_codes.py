"""Reasons that providers state as codes of their own in the reply text.

Some large mailbox providers end every refusal with a code from a published table, and their
wording alone ("sender rejected", "Service refuse") says less than the code does:

- Cox: ``AUP#CXBL``, ``AUP#CDRBL``, ``AUP#IPBL0010``… (cox.com, "Email error codes");
- Spectrum / Charter: ``AUP#In-1310``, ``AUP#O-1020``… (spectrum.net, "Understanding email
  error codes"; I for incoming, O for outgoing, then four digits in documented ranges);
- GoDaddy: ``IB401``, ``IB112``… at the end of its replies (godaddy.com help, "Fix rejected
  email with a bounce error");
- Orange and La Poste: ``OFR_506``, ``OFR004_405``, ``LPN007_517``, ``LPN105-104``… (the
  last three digits are the code; Orange's postmaster pages list them);
- NetEase (163.com, 126.com, yeah.net): ``HL:REP``, ``DT:SPM``, ``MI:SFQ``… after the reply
  code (its postmaster help, "退信代码说明", the bounce codes explained);
- Facebook: ``RCP-P1``, ``POL-T2``, ``DNS-P3``… (its postmaster page, "Response codes"; P for
  permanent, T for temporary);
- I.UA: ``https://mail.i.ua/err/N`` (its error pages, which every refusal links);
- Comcast: ``BL000001``, ``ES000010``… in its refusals and their links (postmaster.comcast.net,
  "Mail delivery error codes"; the older ``BL001``-``BL0010``);
- AOL: ``554 RTR:BB``, ``554 RLY:B1``, ``554 HVU:B1``, ``421 DYN:T1``… (postmaster.aol.com,
  "Error Messages": each code's category, before its colon, names what was refused);
- Exchange Online: enhanced status codes with a three-digit detail, ``5.7.507``, ``5.4.316``…,
  which no RFC or the IANA registry defines (Microsoft Learn, "Email non-delivery reports and
  SMTP errors in Exchange Online");
- Exchange (Online and Server): codes its references give a meaning only with the words beside
  them, ``5.2.2 Submission quota exceeded``, ``5.1.6 … single label domains not accepted``…,
  read before the status they correct; Outlook.com's ``SC-001``, ``DY-001``… (its postmaster
  troubleshooting page);
- Exchange Server 2007 and later: the component code its NDRs give after the status,
  ``RESOLVER.ADR.RecipNotFound``, ``RESOLVER.RST.RecipSizeLimit``, ``SMTPSEND.DNS.MxLoopback``,
  ``QUEUE.Expired``… (Microsoft Learn, "Delivery status notifications in Exchange Server").

Only codes whose meaning the provider documents are mapped; an unknown one decides nothing.
"""

from __future__ import annotations

import re

_COX = re.compile(
    r"aup#(cxbl|cdrbl|cxdns|cxsndr|cxsmtp|cxcnct|cxmxrt|cxthrt|cxmj|ipbl\d+|urlbl\d+)"
)
_COX_REASON = {
    "cxbl": "blocked",  # sending IP blocked for spam-like behaviour
    "cdrbl": "blocked",  # sending IP blocked for a while (at most a day)
    "cxdns": "requireptr",  # the sending IP's reverse DNS fails
    "cxsndr": "authfailure",  # SPF, DomainKeys or DKIM of the sending domain failed
    "cxsmtp": "rejected",  # SMTP protocol violation
    "cxcnct": "toomanyconn",  # too many concurrent connections from the IP
    "cxmxrt": "toomanyconn",  # too many recipients sent to: wait before sending more
    "cxthrt": "securityerror",  # sending limited: suspicious account activity
    "cxmj": "securityerror",  # sending blocked: suspicious account activity
}

_SPECTRUM = re.compile(r"aup#(?:in?|o(?:ut)?)?-?(\d{4})\b")
# (first, last, reason): Spectrum's ranges of codes
_SPECTRUM_RANGES = (
    (1000, 1000, "blocked"),  # IP blocked for suspicious activity
    (1010, 1080, "rejected"),  # the sending account is blocked or limited
    (1090, 1090, "systemerror"),  # cannot be processed now
    (1100, 1150, "requireptr"),  # no full-circle DNS for the sending IP
    (1160, 1190, "policyviolation"),  # against the domain's security policies
    (1200, 1250, "blocked"),  # IP listed by Cloudmark CSI or Spamhaus
    (1260, 1260, "networkerror"),  # IPv6 not accepted
    (1300, 1340, "toomanyconn"),  # too many (concurrent) connections
    (1350, 1490, "speeding"),  # too many messages or recipients
    (1500, 1520, "rejected"),  # sending as another address or an unhosted domain
    (1530, 1530, "mesgtoobig"),  # over 20 MB
    (1540, 1550, "speeding"),  # too many messages a session, recipients a message
    (1560, 1560, "policyviolation"),  # too many invalid recipients
    (1580, 1580, "speeding"),  # too many recipients in a short time
)

# Comcast's codes: ES (the sending IP in dynamic or residential space) and BL (the sender's
# addresses on blocklists, Spamhaus, Cloudmark CSI, SenderScore, or sending in spam's patterns):
# six binary digits, each a list; the older BL001-BL0010 the same. Read only where the reply
# names Comcast (its hosts, its postmaster pages): a bare "bl001" may be a host's name
_COMCAST = re.compile(r"\b(?:(?:es|bl)000[01]{3}|bl0(?:0[1-9]|010))\b")

_GODADDY = re.compile(r"(?<![\w.#-])ib(\d{3})\b")
_GODADDY_REASON = {
    "007": "toomanyconn",  # too many sessions from this IP
    "101": "speeding",  # server temporarily unavailable: higher than normal volume
    "103": "badreputation",  # poor reputation on Cloudmark Sender Intelligence
    "104": "blocked",  # listed on the Spamhaus Block List
    "105": "blocked",  # listed on the Exploits Block List
    "106": "blocked",  # listed on the Policy Block List
    "108": "requireptr",  # reverse DNS for this IP failed
    "110": "blocked",  # IP blocked for an hour: too many spam-like messages
    "111": "blocked",  # IP blocked for the day: too many spam-like messages
    "112": "blocked",  # IP blocked for an hour: too many invalid recipients
    "113": "blocked",  # IP blocked for the day: too many invalid recipients
    "212": "spamdetected",  # content judged to be spam
    "401": "securityerror",  # authentication not allowed on inbound servers
    "501": "notcompliantrfc",  # blank From: address
    "502": "notcompliantrfc",  # an IP address as the From: address
    "504": "speeding",  # too many messages this hour
    "506": "rejected",  # the From: domain is invalid
    "508": "authfailure",  # invalid SPF record
    "510": "speeding",  # too many messages in one session
    "605": "toomanyconn",  # too many recipients in one message
    "607": "speeding",  # too many recipients this hour
    "705": "virusdetected",  # virus infected message
}

_ORANGE = re.compile(r"\b(?:ofr|lpn|lpnaaa|ouk)(?:\d{3})?[-_](\d{3})\b")
_ORANGE_REASON = {
    "101": "blocked",  # client listed by Spamhaus
    "102": "blocked",  # source IP blocked for spam
    "103": "blocked",  # service refused
    "104": "toomanyconn",  # too many connections, slow down
    "305": "securityerror",  # invalid authentication code
    "401": "authfailure",  # SPF: not allowed to send
    "402": "securityerror",  # authentication required
    "403": "rejected",  # invalid sender
    "405": "rejected",  # invalid sender
    "415": "rejected",  # invalid sender
    "416": "userunknown",  # invalid recipient
    "417": "mailboxfull",  # recipient over quota
    "418": "userunknown",  # at least one recipient address invalid
    "420": "suspend",  # recipient mailbox archived
    "421": "rejected",  # MAIL FROM not owned by the user
    "426": "suspend",  # recipient account blocked
    "505": "systemerror",  # service refused, try later (end of DATA)
    "506": "spamdetected",  # mail rejected
    "510": "blocked",  # service refused
    "514": "mesgtoobig",  # message size limit reached
    "517": "authfailure",  # DMARC verification failed
    "630": "policyviolation",  # client host rejected
    "999": "blocked",  # service refused
    # "Service refusé, veuillez essayer plus tard" / "Mail rejeté" and nothing more: the
    # code's own text names no cause, so none is guessed from the words around it
    "105": "undefined",
    "108": "undefined",
    "109": "undefined",
    "201": "undefined",
    "423": "undefined",
    "424": "undefined",
    "513": "undefined",
}


_NETEASE = re.compile(r"\b(hl|mi|rp|dt|wm):([a-z]{3})\b")
_NETEASE_REASON = {
    "hl:rep": "blocked",  # the IP sends to many non-existent recipients: connections refused
    "hl:icc": "toomanyconn",  # too many concurrent connections from the IP
    "hl:ifc": "speeding",  # too many messages from the IP in a short time
    "hl:mep": "blocked",  # the IP forges many sending domains: connections refused
    "hl:ihu": "blocked",  # the IP suspended for abnormal sending
    "hl:ipb": "blocked",  # the IP on the system's block list for a while
    "mi:ipb": "blocked",  # the sending IP banned for a while (spam or viruses sent)
    "mi:dmc": "toomanyconn",  # too many messages in this connection
    "mi:ccl": "toomanyconn",  # more commands than normal in this connection
    "rp:ccl": "toomanyconn",
    "rp:drc": "toomanyconn",  # too many recipients in this connection
    "dt:rbl": "blocked",  # the sending IP on one or more RBLs
    "mi:rbl": "blocked",
    "wm:bli": "blocked",  # the IP not on NetEase's list of allowed senders
    "wm:blu": "rejected",  # the sending user not on NetEase's list of allowed senders
    "dt:spm": "spamdetected",  # the content has spam features
    "dt:sur": "spamdetected",  # a URL in the message on a SURBL list
    "mi:sfq": "speeding",  # the sender over its quota of messages in 15 minutes
    "dt:mrc": "speeding",  # one user sending too many messages
    "rp:trc": "speeding",
    "rp:rph": "speeding",
}

_FACEBOOK = re.compile(r"\b((?:pol|rcp|msg|dns|con|int)-[pt]\d)\b")
_FACEBOOK_REASON = {
    "pol-p1": "blocked",  # the sending IP on the Spamhaus PBL
    "pol-p2": "blocked",  # mail from the sending IP no longer accepted
    "pol-p3": "blocked",  # not accepting mail from the server for 4 to 8 hours
    "pol-p4": "blocked",  # idem, 24 to 48 hours
    "pol-t1": "blocked",  # idem, to be retried later
    "pol-t2": "blocked",
    "pol-t3": "blocked",
    "pol-p5": "virusdetected",  # the message contains a virus
    "pol-p6": "spamdetected",  # a URL in the message blocked
    "msg-p1": "mesgtoobig",  # over the maximum size
    "int-p2": "mesgtoobig",
    "msg-p2": "contenterror",  # an attachment type not accepted
    "msg-p3": "notcompliantrfc",  # a header field that may appear once appears more often
    "msg-t1": "toomanyconn",  # too many recipients on the message
    "dns-p1": "rejected",  # the MAIL FROM domain does not exist
    "dns-p2": "rejected",  # the MAIL FROM domain has no MX record
    "dns-t1": "rejected",  # the MAIL FROM domain does not resolve now
    "dns-p3": "requireptr",  # the sending server has no reverse DNS record
    "dns-t2": "requireptr",  # its reverse DNS record does not resolve now
    "con-t1": "toomanyconn",  # too many connections open to Facebook
    "con-t2": "toomanyconn",  # the sending server holds too many connections
    "con-t3": "toomanyconn",  # too many new connections in a short time
    "con-t4": "toomanyconn",  # too many recipients in this connection
    "rcp-p1": "userunknown",  # the recipient address does not exist
    "int-p1": "userunknown",
    "int-p3": "userunknown",  # the group address does not exist
    "int-p4": "userunknown",
    "rcp-p2": "filtered",  # the recipient's preferences refuse the message
    "rcp-p3": "filtered",  # the recipient's privacy settings refuse it
    "rcp-t1": "systemerror",  # the recipient unavailable for an internal issue, for now
    "rcp-t4": "suspend",  # the recipient address deactivated, maybe for a while
}

# AOL's codes: a category, a colon, a code in it. Read where the reply names AOL (its links to
# postmaster.aol.com) or gives the code right after the reply code ("421 DYN:T1"): a bare
# "dns:nr" may be anything
_AOL = re.compile(r"\b(rtr|rly|hvu|dns|dyn|con):([a-z]{1,2}\d{0,2})\b")
_AOL_AFTER_REPLY = re.compile(r"[245]\d\d[- ](?:[245]\.\d\.\d{1,3} )?:?[ (]*$")
_AOL_REASON = {
    # the sending IP: dynamic or residential (Spamhaus's lists), compromised and sending known
    # spam, in space not yet allocated, its reverse DNS typical of a dynamic IP
    "rtr": "blocked",
    "rly": "blocked",  # the sending IP over AOL's threshold of members' complaints
    "dyn": "blocked",  # a dynamic IP address, refused for now
    "hvu": "spamdetected",  # a domain in the message drew members' complaints: content
    "dns": "requireptr",  # the sending IP's reverse DNS missing or not resolving
    "con": "toomanyconn",  # the sending IP over the connections allowed
}
_AOL_CODE_REASON = {
    "rly:sn": "rejected",  # the sender's address: a disallowed AOL screen name or affiliate
}


def _aol(lowered: str) -> str | None:
    for m in _AOL.finditer(lowered):
        if "aol." in lowered or _AOL_AFTER_REPLY.search(
            lowered[max(0, m.start() - 20) : m.start()]
        ):
            return _AOL_CODE_REASON.get(m.group(0), _AOL_REASON[m.group(1)])
    return None


_IUA = re.compile(r"\bmail\.i\.ua/err/(\d{1,2})\b")
_IUA_REASON = {
    "1": "norelaying",  # its SMTP used as a mail gate
    "2": "userunknown",  # user not found
    "3": "suspend",  # mailbox unused for more than three months
    "4": "mailboxfull",  # mailbox full
    "5": "toomanyconn",  # sending limit exceeded
    "6": "norelaying",  # use your provider's SMTP to send
    "7": "blocked",  # a wrong HELO/EHLO argument
    "8": "rejected",  # the sender address could not be checked
    "9": "blocked",  # the sending IP on a block list
    "10": "filtered",  # not on the recipient's list of allowed senders
}


_EXCHANGE_ONLINE = re.compile(r"(?<![\d.])([45])\.([47])\.(\d{2,3})(?![\d.])")
_EXCHANGE_ONLINE_REASON = {
    "4.4.312": "networkerror",  # DNS query failed (for now)
    "4.4.316": "networkerror",  # connection refused (socket error 10061), for now
    "5.4.300": "expired",  # message expired
    "5.4.310": "hostunknown",  # DNS domain does not exist
    "5.4.312": "networkerror",  # DNS query failed
    "5.4.316": "expired",  # message expired, connection refused
    "5.7.124": "rejected",  # sender not in the group's allowed senders list
    # the group, mailbox, public folder or mail user refuses senders from outside its
    # organization: the sender is refused, not its credentials
    "5.7.133": "rejected",
    "5.7.134": "rejected",
    "5.7.135": "rejected",
    "5.7.136": "rejected",
    "5.7.57": "securityerror",  # not authenticated to send anonymous mail during MAIL FROM
    "5.7.501": "rejected",  # the sending account banned for spam abuse it sent
    "5.7.502": "rejected",
    "5.7.503": "rejected",
    # the recipient address not valid for now, a banned recipient: its account barred
    "5.7.504": "suspend",
    "5.7.505": "suspend",
    "5.7.506": "blocked",  # bad HELO
    "5.7.507": "blocked",  # the sending IP rejected by the recipient's organization
    "5.7.508": "toomanyconn",  # the sending IP over its permitted limits
    "5.7.509": "authfailure",  # the sending domain fails DMARC
    "5.7.510": "blocked",  # the recipient refuses mail over IPv6: the connection refused
    "5.7.511": "blocked",  # "banned sender": the IP sent from has been banned
    "5.7.512": "notcompliantrfc",  # RFC 5322 3.6.2 From header
    "5.7.513": "blocked",  # client host blocked
    "5.7.750": "rejected",  # sending from unregistered domains blocked
    "5.7.12": "rejected",  # the recipient refuses senders from outside its organization
    "5.7.51": "failedstarttls",  # the domain's TLS policy (RestrictDomainsToCertificate…)
    "4.7.650": "badreputation",  # the sending IP rate limited for its reputation
    "4.7.652": "toomanyconn",  # the sending IP over the maximum number of connections
    # the domain's DANE or TLS policy not met (4.7.321-325 and 5.7.321-325: STARTTLS not
    # supported, an expired certificate, TLSA or DNSSEC invalid, a host mismatch)
    **{f"{k}.7.{n}": "failedstarttls" for k in "45" for n in range(321, 326)},
}
# (class, subject, first, last, reason): ranges the page gives one meaning
_EXCHANGE_ONLINE_RANGES = (
    ("4", "7", 500, 699, "blocked"),  # access denied, try later: the sending IP throttled
    ("4", "7", 850, 899, "blocked"),  # the sending IP throttled (its 4.7.85x codes)
    ("5", "7", 606, 649, "blocked"),  # banned sending IP
    ("5", "7", 700, 749, "rejected"),  # the sending tenant has exceeded its threshold
    ("5", "7", 900, 999, "policyviolation"),  # refused by a mail flow (transport) rule
)

# Exchange's codes whose meaning its reference gives only with the words beside them (a status
# RFC 3463 defines otherwise, or one Exchange uses for several failures): (the status as the
# reply writes it, a pattern; the words; the reason). Read before the status, which they
# correct: 5.2.2 "Submission quota exceeded" is the sender's sending limit, not a full mailbox;
# 5.1.6 "… in single label domains not accepted" is an address, not a mailbox that has moved.
_EXCHANGE_WORDED = (
    (r"5\.3\.0", "too many related errors", "contenterror"),  # a poison message
    (r"5\.6\.11", "invalid characters", "contenterror"),  # bare line feeds
    (r"5\.4\.11", "agent generated message depth exceeded", "contenterror"),
    (r"5\.4\.4", "invalid arguments", "networkerror"),  # a routing loop
    (r"4\.4\.4", "no mail-enabled subscriptions", "notaccept"),  # a tenant taking no mail
    (r"5\.0\.350", "x-dg-ref header is too long", "policyviolation"),
    (r"5\.2\.1", "content filter agent quarantined", "spamdetected"),
    (r"5\.2\.1", "mailbox cannot be accessed", "suspend"),
    (r"4\.3\.2", "recipient thread limit exceeded", "speeding"),
    (r"5\.2\.2", "submission quota exceeded", "speeding"),
    (r"5\.2\.122", "exceeded their limit for", "speeding"),
    (r"5\.3\.3", "unrecognized command", "syntaxerror"),
    (r"4\.3\.2", "service not active", "systemerror"),
    (r"4\.3\.2", "service not available", "systemerror"),
    (r"5\.3\.190", "journaling archive is disabled", "systemerror"),
    (r"4\.4\.2[2-8]", "message failed to be replicated", "systemerror"),
    (r"[45]\.4\.318", "suspiciousremoteservererror", "systemerror"),
    (r"4\.7\.500", "server busy. please try again later from", "systemerror"),
    (r"4\.7\.700", "pfa agent busy", "systemerror"),
    (r"5\.1\.6", "single label domains not accepted", "userunknown"),
    (r"5\.1\.[45]", "reserved by rfc 2606", "userunknown"),
)
_EXCHANGE_WORDED_RX = tuple(
    (words, re.compile(r"(?<![\d.])" + status + r"(?![\d.])"), reason)
    for status, words, reason in _EXCHANGE_WORDED
)

# Outlook.com's own codes in its refusals ("(S3150)" aside), its postmaster troubleshooting
# page: RP (rate limited for reputation), SC (content or reputation), DY (dynamic IPs), OU
_OUTLOOK = re.compile(r"\b(rp|sc|dy|ou)-00(\d)\b")
_OUTLOOK_REASON = {
    "rp-001": "badreputation",  # over the rate allowed, for the IP's or domain's reputation
    "rp-002": "badreputation",
    "rp-003": "badreputation",
    "sc-001": "badreputation",  # spam-like content or the IP's or domain's reputation
    "sc-002": "policyviolation",  # the sending IP mined the namespace
    "sc-003": "blocked",  # the sending IP an open proxy or relay
    "sc-004": "blocked",  # complaints about mail from the sending IP
    "dy-001": "blocked",  # a dynamic IP
    "ou-001": "blocked",  # the sending IP on Spamhaus
    "ou-002": "badreputation",
}


_EXCHANGE_NDR = re.compile(
    r"\b(resolver\.(?:adr|rst)\.[a-z]+|smtpsend\.dns\.[a-z]+|queue\.expired)\b"
)
_EXCHANGE_NDR_REASON = {
    "resolver.adr.recipnotfound": "userunknown",  # no such recipient in the directory
    "resolver.adr.exrecipnotfound": "userunknown",  # idem, an Exchange (legacyDN) address
    "resolver.adr.recipientnotfound": "userunknown",
    "resolver.adr.badprimary": "systemerror",  # the recipient object's primary address bad
    "resolver.adr.invalidinsmtp": "systemerror",  # an address SMTP cannot carry
    "resolver.adr.ambiguous": "systemerror",  # the directory holds several matches
    "resolver.adr.reciplimit": "toomanyconn",  # over the recipient count allowed
    "resolver.rst.authrequired": "securityerror",  # the recipient takes authenticated senders
    # the recipient's delivery restrictions do not admit the sender: its choice, as sisimai's
    # Filtered list reads it
    "resolver.rst.notauthorized": "filtered",
    # 5.7.129: the recipient takes mail only from the senders its restrictions name (Exchange
    # Online's NDR reference): the same choice of the recipient's
    "resolver.rst.restrictedtorecipientspermission": "filtered",
    # "the domain does not exist in DNS", which the reference puts down to the sending
    # server's own DNS or network settings as often: no proof the domain is gone
    "smtpsend.dns.nonexistentdomain": "networkerror",
    "smtpsend.dns.mxloopback": "networkerror",  # the MX points back at the sending server
    "queue.expired": "expired",  # the message expired in the queue
}


def _exchange_online(lowered: str) -> str | None:
    for m in _EXCHANGE_ONLINE.finditer(lowered):
        klass, subject, detail = m.groups()
        reason = _EXCHANGE_ONLINE_REASON.get(f"{klass}.{subject}.{detail}")
        if reason:
            return reason
        number = int(detail)
        for k, subj, first, last, ranged in _EXCHANGE_ONLINE_RANGES:
            if (klass, subject) == (k, subj) and len(detail) == 3 and first <= number <= last:
                return ranged
    return None


def _coded(
    lowered: str, needles: tuple[str, ...], rx: re.Pattern[str], group: int, table: dict[str, str]
) -> str | None:
    """The reason ``table`` gives the code ``rx`` finds (its ``group``) in ``lowered``, looked
    for only when one of ``needles`` (text every such code holds) is there."""
    if not any(n in lowered for n in needles):
        return None
    m = rx.search(lowered)
    return table.get(m.group(group)) if m else None


def _exchange_worded(lowered: str) -> str | None:
    for words, status, reason in _EXCHANGE_WORDED_RX:  # the words first: a plain scan
        if words in lowered and status.search(lowered):
            return reason
    return None


def reason_from_provider_code(lowered: str) -> str | None:
    """The reason a provider's documented code in ``lowered`` (a lower-cased diagnostic)
    stands for, or None."""
    if "aup#" in lowered:
        m = _COX.search(lowered)
        if m:
            code = m.group(1)
            if code.startswith("ipbl"):
                return "blocked"  # the sending IP is on DNS blocklists
            if code.startswith("urlbl"):
                return "spamdetected"  # a URL in the message is on blocklists
            return _COX_REASON[code]
        m = _SPECTRUM.search(lowered)
        if m:
            number = int(m.group(1))
            for first, last, reason in _SPECTRUM_RANGES:
                if first <= number <= last:
                    return reason
    if "comcast" in lowered and _COMCAST.search(lowered):  # its hosts and pages name it
        return "blocked"  # the sending host refused: a dynamic address or on a blocklist
    godaddy = _coded(lowered, ("ib",), _GODADDY, 1, _GODADDY_REASON)
    if godaddy:
        return godaddy
    if "ofr" in lowered or "lpn" in lowered or "ouk" in lowered:
        m = _ORANGE.search(lowered)
        if m:
            return _ORANGE_REASON.get(m.group(1))
    for needles, rx, group, table in (
        ((":",), _NETEASE, 0, _NETEASE_REASON),
        (("-p", "-t"), _FACEBOOK, 1, _FACEBOOK_REASON),
        (("i.ua/err/",), _IUA, 1, _IUA_REASON),
    ):
        coded = _coded(lowered, needles, rx, group, table)
        if coded:
            return coded
    if ":" in lowered:
        aol = _aol(lowered)
        if aol:
            return aol
    worded = _exchange_worded(lowered)
    if worded:
        return worded
    outlook = _coded(lowered, ("-00",), _OUTLOOK, 0, _OUTLOOK_REASON)
    if outlook:
        return outlook
    if ".7." in lowered or ".4." in lowered:
        return _exchange_online(lowered)
    return None


def reason_from_exchange_ndr(lowered: str) -> str | None:
    """The reason an Exchange Server NDR's component code in ``lowered`` (one recipient's own
    lower-cased diagnostic: the NDR gives each recipient its own) stands for, or None."""
    if "resolver." in lowered or "smtpsend." in lowered or "queue.expired" in lowered:
        m = _EXCHANGE_NDR.search(lowered)
        if m and m.group(1) in _EXCHANGE_NDR_REASON:
            return _EXCHANGE_NDR_REASON[m.group(1)]
    return None
