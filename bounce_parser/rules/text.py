"""Diagnostic wording → reason (sisimai's vocabulary), the classifier's text rules.

Ordered: the first pattern that matches wins, so the most specific come first. Patterns
are lower-case regular expressions, matched against the lower-cased diagnostic. The engine
that applies them is ``bounce_parser.reasons``.
"""

from __future__ import annotations

from bounce_parser.rules.text_broad import BROAD_RULES

# Ordered: the first pattern that matches wins. Keep the most specific first.
_SPECIFIC: list[tuple[str, tuple[str, ...]]] = [
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
            # Postfix (TLS_README): "TLS is required, but was not offered by host …",
            # "Cannot start TLS: handshake failure"; RFC 3207: "454 TLS not available …"
            r"tls is required, but was not offered",
            r"cannot start tls",
            r"tls not available",
        ),
    ),
    # Exim's sender verification (its spec, "verify = sender"): the callout's own words
    # ("Unrouteable address", "User unknown") are about our sender, not the recipient
    # so are Postfix's "Sender address rejected: Domain not found" and sendmail's "Domain of
    # sender address … does not exist": the sender is refused, the recipient is not dead
    (
        "rejected",
        (r"sender verify failed", r"sender address rejected", r"domain of sender address"),
    ),
    # before notaccept, blocked and userunknown: the recipient's own choice of senders
    # ("Recipient is not accepting mail from this sender", "blocked by the recipient"), which
    # says the mailbox exists
    (
        "filtered",
        (
            r"not accepting (?:any )?mail from",
            r"(?:recipient|user|mailbox) is not accepting (?:any )?mail",
            r"blocked by (?:the )?recipient",
            r"recipient has blocked the sender",
            r"rejected by (?:the )?recipient(?! domain)",  # not Gmail's "… recipient domain"
        ),
    ),
    # before userunknown: "Mailbox unavailable. Your IP address … has been found on one or
    # more DNS blacklists" names the sending IP; Yahoo's [BL21]-[BL23] (its error codes page)
    (
        "blocked",
        (
            r"(?:found|listed) (?:on|in) (?:one or more )?(?:dns ?)?(?:black|block)lists?",
            r"\[bl2\d\]",
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
            r"dns query failed",  # Exchange Online 5.4.312
            r"does not accept email over ipv6",  # Exchange Online 5.7.510
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
            r"not (?:rfc ?)?(?:2822|5322) compliant",
            r"not compliant with rfc",
            r"does not comply with rfc",
            r"rfc ?5322 (?:requirements|standards)",
            # Gmail: "Messages missing a valid address in From: header … are not accepted"
            r"missing a valid address in from",
            # Exchange Online: "5.7.512 Access denied, message must be RFC 5322 section 3.6.2
            # compliant"; "5.6.11 … BareLinefeedsAreIllegal" (RFC 5321 2.3.8: CRLF only)
            r"must be rfc ?5322",
            r"bare ?linefeeds",
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
    (
        "blocked",
        (
            r"client host blocked",
            r"ip source bloqu",
            # Gmail: the sending IP refused for the spam it sends, for not being the
            # domain's inbound gateway, or for sending directly instead of through a relay
            r"unusual rate of unsolicited mail originating from your ip",
            r"ip not in whitelist",
            r"not authorized to send email directly to our servers",
        ),
    ),
    ("virusdetected", (r"virus", r"malware", r"infected")),
    (
        "mailererror",
        (
            r"mailer error",
            r"command died with status",  # Postfix pipe(8)
            r"command time limit exceeded",  # Postfix pipe(8): the command ran too long
            r"child process of \S+ transport returned",  # Exim's pipe transport
        ),
    ),
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
            r"not authenticated to send",  # Exchange Online 5.7.57
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
            r"too many recipients(?! (?:in|per|from))",
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
            # Postfix anvil limits (smtpd_client_message_rate_limit, …_recipient_rate_limit):
            # "Error: too much mail from <ip>", "Error: too many recipients from <ip>"
            r"too (?:much mail|many recipients) from",
            r"receiving mail at a rate",  # Gmail 4.2.1: the recipient gets too much at once
            # Exchange Online 5.2.121/5.2.122 (the recipient's hourly receive limit) and 5.1.90
            # (the sender's daily recipient limit)
            r"per hour message receive limit",
            r"daily limit for message recipients",
            # Gmail: "5.4.5 Daily sending quota exceeded", "5.7.1 Daily SMTP relay limit
            # exceeded for customer" (the sender's volume, not a mailbox's)
            r"sending quota exceeded",
            r"smtp relay limit exceeded",
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
            r"mailbox quota",
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
    (
        "hasmoved",
        (
            r"not local; please try",  # RFC 5321 4.2.2: 551, with a forward-path
            r"has moved",
            r"user has moved",
            r"address has changed",
            r"no longer at",
        ),
    ),
    (
        "suspend",
        (
            r"(?:account|mailbox|user) (?:is |has been )?"
            r"(?:disabled|suspended|inactive|deactivated|locked|frozen|blocked)",
            r"(?:disabled|deactivated|suspended|inactive) (?:account|mailbox|user|recipient)",
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
            r"mx records point to non-existent hosts",  # Exim's dnslookup router
            r"dns lookup failure: host \S+ not found",
            r"(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+ does not exist",  # a domain, not an address
            r"domain does not exist",
            # Exchange's NDR for a domain with no DNS entry: "554 5.4.4
            # SMTPSEND.DNS.NonExistentDomain; nonexistent domain"
            r"non-?existent domain",
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
            # Lotus Domino: "User x (x@…) not listed in Domino Directory" (older: "… in public
            # Name & Address Book")
            r"not listed in (?:the )?(?:domino directory|public name & address book)",
        ),
    ),
]

TEXT_RULES: list[tuple[str, tuple[str, ...]]] = _SPECIFIC + BROAD_RULES
