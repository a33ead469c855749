"""Diagnostic wording → reason (sisimai's vocabulary), the classifier's text rules.

Ordered: the first pattern that matches wins, so the most specific come first. Patterns
are lower-case regular expressions, matched against the lower-cased diagnostic. The engine
that applies them is ``bounce_parser.reasons``.
"""

from __future__ import annotations

from bounce_parser.rules import Wording
from bounce_parser.rules.text_broad import BROAD_RULES

# what the sending-side rows below say of their subject: it does not exist or resolve
_GONE = (
    r"\b(?:does not exist|doesn.t exist|not found|unknown|(?:is )?non-?existent|nxdomain|"
    r"name or service not known|does not resolve|cannot be resolved)"
)
# the words that name the recipient or its mailbox: none may stand between a subject (our
# sender, our sending side) and what is said of it
_RECIPIENT_WORDS = r"recipient|rcpt|\buser\b|mailbox|\bto\b"
# (a host name or an IP, dots and all, may)
_NO_RECIPIENT = rf"(?:(?!{_RECIPIENT_WORDS})(?:[^.;:\n]|\.(?=\w))){{0,40}}?"

# Ordered: the first pattern that matches wins. Keep the most specific first.
_SPECIFIC: list[Wording] = [
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
            # Exim (deliver.c, receive.c): "Message … has been frozen", "… was frozen on
            # arrival by ACL": held by the sending system, undelivered
            r"has been frozen\b",
            r"was frozen on arrival",
        ),
        (
            "Giving-up notices: RFC 3463 X.4.7; sendmail's Timeout.queuereturn notice ('could not "
            "be delivered for'); Exim's retry rules ('retry timeout exceeded', 'have been failing "
            "for a long time'); qmail-send ('in the queue too long'); Exchange's 4.4.7 and delay "
            "notices ('Message expired', 'will continue trying'); Postfix's and sendmail's notice "
            "of a host that never answered ('Connection timed out'); Gmail's ('did not accept our "
            "requests to connect'); Ipswitch IMail's ('Delivery failed N attempts'); Exim's frozen "
            "message (deliver.c, receive.c: 'has been frozen', 'was frozen on arrival')"
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
            # Gmail (its SMTP errors and codes page): 4.7.29 "… wasn't sent over a TLS
            # connection … use TLS/SSL for SMTP", 4.7.0 "TLS required for RCPT domain"
            r"wasn.t sent over a tls connection",
            r"because tls wasn.t used",  # Gmail 4.7.29
            r"tls required for rcpt domain",
            r"senders to use tls/ssl for smtp",  # Gmail 4.7.29/5.7.29, its bulk sender rule
            # Exchange Online's refusals to deliver without the TLS a domain's MTA-STS policy
            # (RFC 8461) asks for (its NDR reference: 4.4.8/5.4.8, 4.7.5/5.7.5; its DANE and
            # TLS-policy codes, 5.7.51 and x.7.321-325, are in rules.provider_codes)
            r"failed mta-sts validation",
            # the same said without its code: RFC 8689's X.7.30 "REQUIRETLS support required",
            # RFC 7672's DANE ("failed DANE validation", Exchange Online's 5.7.323
            # "tlsa-invalid"), Exchange Online's 4.7.321 "Destination mail server must support
            # TLS to receive mail"
            r"requiretls support required",
            r"failed dane validation",
            r"mail server must support tls",
        ),
        (
            "RFC 3207 (454 'TLS not available', 530 'Must issue a STARTTLS command first'); Postfix"
            " TLS_README ('TLS is required, but was not offered', 'Cannot start TLS'); Gmail's "
            "notice ('does not support TLS') and its 4.7.29 and 'TLS required for RCPT domain'; "
            "Exchange Online's MTA-STS refusals ('failed MTA-STS validation'); RFC 8689 X.7.30; "
            "RFC 7672 (DANE) and Exchange Online's 5.7.323 and 4.7.321"
        ),
    ),
    # The IANA registry's descriptions of enhanced status codes (RFC 3463, RFC 5248), said
    # as the reply's text by a server that writes no code, or under a generic one
    (
        "expired",
        (r"no answer from host",),
        "RFC 3463 X.4.1 'No answer from host' (given up on after the retries: 4.4.1 is expired)",
    ),
    (
        "systemfull",
        (r"mail system congestion",),
        "RFC 3463 X.4.5 'Mail system congestion' (a transient state)",
    ),
    (
        "spamdetected",
        (r"\bmail flood\b",),
        "RFC 7372's X.7.28 (IANA registry): 'Mail flood detected', part of a flood of abuse",
    ),
    (
        "contenterror",
        (
            r"non-ascii addresses not permitted",
            r"utf-8 header message cannot be transferred",
            r"utf-8 string reply is required",
        ),
        "RFC 6531 and 6533's X.6.7, X.6.9 and X.6.8/X.6.10: internationalized mail refused",
    ),
    (
        "toomanyconn",
        (
            r"(?:exceeded|reached) the maximum number of (?:simultaneous |concurrent )?"
            r"connections",
        ),
        "Exchange Online 4.7.652: 'The mail server [IP] has exceeded the maximum number of "
        "connections'",
    ),
    (
        "hostunknown",
        (
            r"(?:weren.t|were not|was not|wasn.t|unable|not able) (?:able )?to find the recipient "
            r"domain",
        ),
        "Gmail 5.1.2: 'We weren't able to find the recipient domain. Please check for any "
        "spelling errors'",
    ),
    (
        "networkerror",
        (r"\btime-?out\W{1,3}closing (?:the )?connection",),
        "Gmail 4.4.2: 'Timeout - closing connection'",
    ),
    # Gmail's documented replies whose words the general rules below would read otherwise
    # (Google Workspace Admin Help, "SMTP errors and codes", answer 3726730)
    (
        "notcompliantrfc",
        (
            r"missing a valid message-id",
            r"missing a valid address in the from:? header",
            r"unicode character in a disallowed header",
            r"encoded-word syntax is not permitted",
            r"mail message is malformed",
            r"multiple addresses in from:? header",
        ),
        "Gmail 5.7.1 and 5.6.0: the message's form against RFC 5322 (not its content)",
    ),
    (
        "policyviolation",
        (r"sending messages with the same message-id",),
        "Gmail 4.7.28: too many messages with one Message-ID (not a mailbox quota)",
    ),
    (
        "spamdetected",
        (r"nature of the content or the links within",),
        "Gmail 4.7.0: 'suspicious due to the nature of the content or the links within'",
    ),
    (
        "syntaxerror",
        (r"smtp protocol violation",),
        "Gmail 4.5.0 and 5.7.10: 'SMTP protocol violation' (a command pipelined after STARTTLS)",
    ),
    (
        "securityerror",
        (r"application-specific password required",),
        "Gmail 5.7.9: 'Application-specific password required' (the sending account's login)",
    ),
    (
        "rejected",
        (r"mail sending denied",),
        "Gmail's SMTP relay 5.7.0: 'Mail Sending denied' (the sender account disabled there)",
    ),
    (
        "systemerror",
        (r"domain policy size per transaction exceeded",),
        "Gmail 4.5.3: the recipient domain's policies over their size for one transaction",
    ),
    # Mimecast's documented replies (Mimecast Community, "Mimecast SMTP Error Codes"), before
    # the general rules their words would fall under
    (
        "authfailure",
        (r"(?:spf|dkim|dmarc) sender invalid - envelope rejected",),
        "Mimecast 550: the sender's SPF, DKIM or DMARC check failed ('… Sender Invalid')",
    ),
    (
        "rejected",
        (
            r"administrative prohibition envelope blocked",
            r"envelope blocked . user (?:domain )?entry",
            r"block policy for (?:envelope from|header from)",
            r"header.based (?:manually )?blocked senders",  # "header-based", or respelled
        ),
        (
            "Mimecast 550: the sender on a Blocked Senders policy (by envelope or header From) or "
            "a user's personal block list"
        ),
    ),
    (
        "failedstarttls",
        (
            r"this route requires (?:encryption \(tls\)|tls version|high-strength ciphers)",
            r"configuration is invalid for this certificate",
        ),
        "Mimecast 553 and 554: the route's policy requires TLS (a version, a cipher strength)",
    ),
    (
        "securityerror",
        # RFC 4954 535, in Exim's and Mimecast's words
        (r"incorrect authentication data", r"submitter failed to authenticate"),
        "Mimecast 535 and 550: the submitting client's SMTP authentication refused",
    ),
    (
        "mesgtoobig",
        (r"maximum email size exceeded",),
        "Mimecast 554: over its Email Size Limit policy or service limit",
    ),
    (
        "norelaying",
        (r"open relay not allowed",),
        "Mimecast 451: sender and recipient both outside Mimecast, or the IP not authorized",
    ),
    (
        "toomanyconn",
        (r"account service is temporarily unavailable", r"exceeding outbound thread limit"),
        "Mimecast 451 and 550: too many concurrent connections for the account",
    ),
    (
        "systemerror",
        (
            r"unable to process connection at this time",
            r"message ended early",
            r"unable to process (?:command|an email at this time)",
        ),
        "Mimecast 451: its servers under load, a message cut short, an unknown internal error",
    ),
    (
        "virusdetected",
        (r"email rejected due to security policies",),
        "Mimecast 554: a virus signature, or a spam score over the maximum, in the message",
    ),
    # amavisd-new's refusals, "Reject, id=N - <category>" (amavisd, %smtp_reason_by_ccat): its
    # content categories in its own words, before the general rules those words fall under
    (
        "spamdetected",
        (r"- spammy\b",),
        "Amavis (amavisd-new) CC_SPAMMY ('id=%n - spammy'): a spam score over its tag2 level",
    ),
    (
        "exceedlimit",
        (r"size exceeds recipient.s size limit",),
        (
            "Amavis (amavisd-new) CC_OVERSIZED ('Message size exceeds recipient's size "
            "limit'): the recipient's own limit, RFC 3463 X.2.3, not the system's (X.3.4)"
        ),
    ),
    (
        "systemerror",
        (
            r"temporary mta failure on relaying",
            r"rejected by next-hop mta on relaying",
            r"unable to relay message back to mta",
        ),
        (
            "Amavis (amavisd-new) CC_MTA: the content filter could not pass the message back to "
            "its own MTA, a failure of the receiving system, not a relaying refusal"
        ),
    ),
    # the sending side said not to exist or not to resolve: the HELO name, the client host,
    # its IP (RFC 5321 4.1.1.1: HELO/EHLO names the SMTP client), or our domain's DKIM key or
    # SPF record (RFC 6376 3.6.2.2, RFC 7208 4.5): never the recipient
    (
        "blocked",
        # (one pattern a subject's first word, so that each keeps its plain-text pre-filter)
        tuple(
            rf"\b{subject}\b" + _NO_RECIPIENT + _GONE
            for subject in (
                r"helo(?: host ?name| name| argument| domain)?",
                r"ehlo(?: host ?name| name| argument| domain)?",
                r"client ?(?:host|server)",
                "your ip",
            )
        ),
        (
            "RFC 5321 4.1.1.1 (HELO/EHLO names the SMTP client); Postfix's "
            "reject_unknown_helo_hostname and reject_unknown_client_hostname ('Helo command "
            "rejected: Host not found'): the sending host refused, whatever the words say of it"
        ),
    ),
    (
        "authfailure",
        tuple(rf"\b{name}\b" + _NO_RECIPIENT + _GONE for name in ("dkim", "spf", "dmarc")),
        (
            "RFC 6376 3.6.2.2 (no DKIM key record: the signature fails), RFC 7208 4.5 (no SPF "
            "record), RFC 7489 (no DMARC record): our domain's authentication, not a mailbox"
        ),
    ),
    # AT&T's and BellSouth's documented refusals (att.net's "block_enduser" error summary,
    # postmaster.bellsouth.net's e-mail error list), in words the general rules miss
    (
        "requireptr",
        (r"failure in dns look-?up",),
        (
            "AT&T Worldnet's error summary: '421-failure in DNS look-up' (the sending system "
            "has no valid reverse DNS)"
        ),
    ),
    (
        "blocked",
        (r"unauthori[sz]ed interface for",),
        (
            "BellSouth's '550 unauthorized interface for <ip>': the sending system is not "
            "recognized as a valid source of mail"
        ),
    ),
    (
        "mesgtoobig",
        (r"message is (?:larger|bigger) than (?!the (?:space|storage))",),
        (
            "AT&T's 'net 006: Your e-mail message is larger than the destination mail system is "
            "able to accept', RFC 3463 X.3.4 (a message larger than the space left is a full "
            "mailbox)"
        ),
    ),
    (
        "contenterror",
        (r"\b(?:8-?bit|binary)\b[^.]{0,80}\bnot support",),
        (
            "AT&T's 'net 005: … uses 8-bit or binary encoding and the destination mail system "
            "does not support this encoding': RFC 3463 X.6.3, RFC 6152's 8BITMIME not offered"
        ),
    ),
    # what the notice names beside words a general rule below would read otherwise: a policy
    # ("… not accepting mail with attachments", not the recipient refusing the sender; Gmail's
    # "content presents a potential security issue", not a blocked host), our own account
    # at a sending service (Amazon SES), a throttle ("daily message quota", not a mailbox's)
    (
        "policyviolation",
        (
            r"(?:^|\d |: )header error",  # "554 5.7.9 Header error", not a DKIM header's
            r"header are not accepted",
            r"message given low priority",
            r"not subscribed to this group",  # Google Groups: a non-member's post
            r"without solving a captcha",
            r"content presents a potential(?: security issue)?",
            r"not accepting mail with (?:attachments|embedded images|images)",
            # Exchange's Attachment Filtering agent, its default RejectResponse
            # (Set-AttachmentFilterListConfig): "Message rejected due to unacceptable attachments"
            r"rejected due to unacceptable attachments",
            # the same policy in others' words: "Message Denied: Restricted attachment",
            # "Message contains unacceptable attachment", "has exceeded maximum attachment count
            # limit" (MailWizz's BounceHandler's soft list)
            r"restricted attachment",
            r"unacceptable attachment",
            r"maximum attachment count",
            # German: "unzulässiger Anhang", "unerlaubter Anhang" (an attachment not allowed),
            # as bounce_email (a Python handler) reads the subject of such a notice
            r"(?:unzul[äa]ssiger|unerlaubter) anhang",
            # a list's refusal of a non-member's post (Mailman's "Post by non-member to a
            # members-only list"), in sisimai's PolicyViolation list
            r"non-?member to a members-only list",
        ),
        (
            "Refusals for a receiving policy: Gmail 552 5.7.0 ('This message was blocked because "
            "its content presents a potential security issue'); AOL ('not accepting mail with "
            "attachments or embedded images'); Google Groups ('not subscribed to this group'); "
            "the other policy refusals sisimai lists (Sisimai::Reason::PolicyViolation: 'Header "
            "error', 'message given low priority'); Exchange's Attachment Filtering agent, its "
            "default RejectResponse ('Message rejected due to unacceptable attachments'), and the "
            "same policy in others' words (MailWizz's soft list: 'Restricted attachment')"
        ),
    ),
    (
        "securityerror",
        (
            r"not subscribed to ses",
            r"not authorized to perform ses:",
            r"sasl authentication failed",
            r"authentication failed; server",
            r"authentication turned on in your email client",
            r"insecure mail relay",
            r"server does not support auth\b",
            r"could not retrieve credentials",
            # the rest of sisimai's SecurityError list: SMTP AUTH asked for or refused (qmail's
            # "you don't authenticate or the domain isn't in my list of allowed rcpthosts", the
            # French "authentification requise/invalide"), an archive's executable refused
            r"you don.t authenticate or the domain isn.t in my list",
            r"authentification (?:requise|invalide)",
            r"executable files are not allowed in compressed files",
        ),
        (
            "Our own credentials refused: Amazon SES ('Account not subscribed to SES', 'is not "
            "authorized to perform ses:SendRawEmail', its error list); Postfix's SMTP client "
            "('SASL authentication failed; server … said: 535', RFC 4954 535); an "
            "authentication-required relay ('authentication turned on in your email client'); "
            "Exchange 2003 (000B0981) '502 Server does not support AUTH' (RFC 4954); OpenSMTPD's "
            "mta.c ('Could not retrieve credentials' for the route)"
        ),
    ),
    (
        "toomanyconn",
        (r"throttling failure:", r"max emails per hour"),
        (
            "Amazon SES sending limits ('Throttling failure: Maximum sending rate exceeded', "
            "'Daily message quota exceeded', its error list): the sending account's throttle"
        ),
    ),
    (
        "expired",
        (r"failed to deliver to domain", r"not reachable within the allowed queue period"),
        "Giving-up notices sisimai's Expired list gathers, the queue period named",
    ),
    (
        "systemerror",
        (
            r"server busy, try again later",
            r"no proxy for recipient",
            r"dns violates rfc ?1035",
        ),
        "The receiving system's own trouble: Gmail 4.4.5 'Server busy, try again later' ('About "
        "SMTP error messages'); Exchange 2003 (000D06B5) 'No proxy for recipient' (its directory "
        "has no address for that transport); Courier esmtpclient.c 'This domain's DNS violates "
        "RFC 1035.' (the domain's misconfiguration, not its absence)",
    ),
    (
        "authfailure",
        (
            r"sender policy framework",
            r"spf\.pobox\.com",
            # a refusal by the sender domain's SPF policy (RFC 7208 2.6.4, 8.4: "fail", the
            # domain does not authorize the client) or its SPF error results (2.6.6, 2.6.7):
            # GMX's and WEB.DE's documented "Reject due to SPF policy. The originating IP of
            # the message is not permitted by the domain owner", "SPF policy violation"
            r"\bspf polic(?:y|ies)\b",
            r"\bspf (?:temp|perm)error\b|\bspf (?:temporary|permanent) error\b",
            r"body hash did not verify",
            r"sender id \(pra\) not permitted",  # Sender ID (RFC 4406), its PRA check failed
        ),
        "SPF named in full ('Sender Policy Framework violation', RFC 7208), by its policy "
        "('Reject due to SPF policy': GMX and WEB.DE, postmaster.web.de 'Fehlermeldungen') or "
        "its error results (RFC 7208 2.6.6, 2.6.7), or by its old "
        "explanation page (spf.pobox.com), before 'policy … violation' reads as a policy; "
        "DKIM's 'body hash did not verify' (RFC 6376 6.3), before 'header' reads as the form; "
        "Sender ID's failed PRA check (RFC 4406)",
    ),
    (
        "requireptr",
        (
            r"forward dns entry does not point to the sending ip",
            r"generic dns ptr-records",
        ),
        "Gmail's PTR requirement ('the corresponding forward DNS entry does not point to the "
        "sending IP'); 'hosts with dynamic IP or generic DNS PTR-records', before 'dynamic IP' "
        "reads as a blocked host",
    ),
    (
        "virusdetected",
        (r"potentially executable attachment",),
        "Gmail 552 5.7.0 ('it has a potentially executable attachment'), before 'attachment' "
        "reads as the content's form",
    ),
    # Exchange 5.5-2003's IMS codes print their meaning beside them ("MSEXCH:IMS:… (000C0595)
    # Ambiguous Recipient"); Lotus Domino's router ("Cannot route mail to user")
    (
        "filtered",
        (r"ambiguous recipient", r"cannot route mail to user"),
        "Exchange 2003 (000C0595) 'Ambiguous Recipient' (RFC 3463 X.1.4: the name matches "
        "several mailboxes, none missing); Domino's 'Cannot route mail to user'",
    ),
    (
        "contenterror",
        (r"conversion to internet format failed",),
        "Exchange 2003 (00050311, 000502CC): the message could not be converted (RFC 3463 X.6.x)",
    ),
    # the relay's own words for a route it could not use (OpenSMTPD's mta.c, Courier's
    # esmtpclient.c, Notes' router): DNS and routing trouble, never a domain proven gone
    (
        "networkerror",
        (
            r"address family mismatch on destination mxs",
            r"all routes to destination blocked",
            r"bad dns lookup error code",
            r"could not retrieve source address",
            r"\bloop detected\b",
            r"no valid route to (?:remote mx|destination)",
            r"temporary failure in mx lookup",
            r"\bdns lookup failed\b",
            r"exceeded maximum hop count",
        ),
        "OpenSMTPD smtpd/mta.c ('No valid route to remote MX', 'Temporary failure in MX lookup', "
        "'All routes to destination blocked', 'Loop detected' …); Courier esmtpclient.c ('DNS "
        "lookup failed.'); Lotus Notes ('Message has exceeded maximum hop count')",
    ),
    # Broadcom Email Security.cloud (formerly MessageLabs), its knowledge base on its error
    # and bounce codes (article 169652 and those it links)
    (
        "badreputation",
        (r"connection rejected by policy \[7\.7\]",),
        "Email Security.cloud '501 Connection rejected by policy [7.7]': the sending IP's negative "
        "reputation (Broadcom KB 164955)",
    ),
    (
        "failedstarttls",
        (r"tls/ssl\w* connection required",),
        "Email Security.cloud '451 TLS/SSLv3 Connection required (#4.7.1)' (Broadcom KB 162152)",
    ),
    (
        "userunknown",
        (r"recipient mailbox is not allowed",),
        "Email Security.cloud '553 Recipient mailbox is not allowed': an invalid address in the "
        "recipient's domain (Broadcom KB 175710)",
    ),
    (
        "exceedlimit",
        (
            r"message header size exceeds limit",
            # Gmail 552 5.3.4 (its header limits): "… exceeds Google's limit of N bytes per
            # individual header size", "… exceeds Google's message header size limit"
            r"bytes per individual header size",
            r"exceed(?:s|ed) google.s (?:message )?header (?:name |size )?limit",
        ),
        "A limit on the message's headers (sisimai's ExceedLimit list), before 'header size'",
    ),
    # Exim's sender verification (its spec, "verify = sender"): the callout's own words
    # ("Unrouteable address", "User unknown") are about our sender, not the recipient
    # so are Postfix's "Sender address rejected: Domain not found" and sendmail's "Domain of
    # sender address … does not exist": the sender is refused, the recipient is not dead
    (
        "rejected",
        (
            r"sender verify failed",
            r"verify mailfrom failed",  # "550 Verify mailfrom failed,blocked"
            # NetEase: "Error: MAIL FROM is mismatched with message header from address!"
            r"mail from is mismatched with (?:the )?message header",
            # Exim's verifying the sender deferred (its acl.c: "Could not complete sender
            # verify", with " callout" where its callout did), and others' sender verification
            r"could not complete sender verify",
            r"sender verification error",
            r"sender address rejected",
            r"domain of sender address",
            r"unroutable sender address",  # Exim's sender verification
            r"sender (?:is )?not pre-?approved",
            r"(?:does not|doesn.t) accept mail from",
            r"returned mail not accepted here",
            r"not owned by user",  # a submission server: MAIL FROM not the account's own
            r"fully qualified (?:e-?mail )?address required",
            r"(?:null|empty) (?:envelope )?senders? (?:is |are )?not allowed",
            r"your e-?mail address has been blacklisted",  # Symantec MessageLabs
            # Email Security.cloud: the sender's address or domain on the recipient's own
            # block list ("Sorry, your domain has been blocked"); not "your IP address …"
            r"your (?:e-?mail address|domain) has been (?:blocked|blacklisted)",
            r"\bis a dead domain",
            r"backscatter protection",  # MDaemon: the return path judged forged
            # Yahoo: "Message temporarily deferred due to unresolvable RFC.5321 from domain"
            r"unresolvable rfc\.?5321 (?:from )?domain",
            # Gmail's "Send mail as" refused (CustomFromDenied): "You're sending this from a
            # different address or alias using the 'Send mail as' feature"
            r"sending this from a different address or alias",
            r"not allowed to post to this (?:mailing )?list",
            # the sender's address or domain judged: Sender ID's purported responsible address
            # (RFC 4407, 'can't determine' it); Exchange's sender filter agent
            # (SenderFilterConfig); a sender domain on a domain block list (Spamhaus DBL);
            # French "émetteur invalide" (invalid sender); the sender's own account barred
            r"purported responsible address",
            r"senderfilterconfig",
            r"(?:mail ?from|sender) domain (?:is )?listed (?:in|at|on)\b",
            r"[ée]metteur invalide",
            r"sender is (?:a )?spammer",
            r"has an outgoing mail suspension",
            r"too many spam complaints",
            r"\bbadsendermx\b|\bsendernoa\b",
            # Exchange Online's user text for 5.7.133-5.7.136: a group or mailbox that takes
            # mail only from its own organization or its allowed senders
            r"only accepts messages from people in (?:their|its) organization",
            # the other refusals of the sender sisimai lists (Sisimai::Reason::Rejected): the
            # return path's BATV tag (draft-levine-smtp-batv) missing or wrong, a null sender
            # refused (IMail's 'bogus mail from', McAfee's '[BounceDeny]', SpamWall's 'no
            # third-party DSNs'), the sender on the receiver's own list, Exim's ACL deny
            r"sender (?:e-?mail address|was) rejected",
            r"\bbatv\b",
            r"bogus mail from",
            r"denied \[bouncedeny\]",
            r"no third-party dsns",
            r"unsigned dsn for",
            r"syntax error: empty e-?mail address",
            r"administrative prohibition",
            r"isn.t on the recipient.s list of senders to accept mail from",
            r"is not a registered gateway user",
            r"access to submit messages to this e-?mail system has been rejected",
            r"rule imposed mailbox access for",  # MailMarshal
            r"from: domain is invalid",
            r"invalid domain, see <url:",
            r"access denied \(sender blacklisted\b",  # (a notice may cut the closing paren)
            r"sender (?:address )?(?:is in my black ?list|has been blacklisted)",
            r"spam reporting address",  # SendGrid's drop: the address reported spam before
            r"does not exist e2110",
            r"recursive cname records for",
            r"secumail valid-address-filter",
        ),
        (
            "The sender refused, not the recipient: Exim's spec, 'verify = sender' ('Sender verify "
            "failed', 'Unroutable sender address'); Postfix postconf(5), "
            "reject_unknown_sender_domain ('Sender address rejected'); sendmail's check_mail "
            "ruleset ('Domain of sender address … does not exist'); RFC 5321 4.5.5 and 6.1 (a null"
            " reverse-path refused); a submission server's MAIL FROM check (RFC 6409 6.1, 'not "
            "owned by user'); MessageLabs ('Your email address has been blacklisted'); MDaemon's "
            "backscatter protection; a list's refusal of its non-members ('not allowed to "
            "post'); Gmail's 'Send mail as' refusal (CustomFromDenied); Sender ID (RFC 4407: "
            "no purported responsible address); Exchange's sender filter (SenderFilterConfig); "
            "a sender domain on a domain block list; the other sender refusals sisimai lists "
            "(Sisimai::Reason::Rejected: 'émetteur invalide', 'sender is spammer', 'too many spam "
            "complaints', 'has an outgoing mail suspension', 'BadSenderMX', 'SenderNoA'); Exchange "
            "Online's NDR text for 5.7.133-5.7.136 ('only accepts messages from people in their "
            "organization or on their allowed senders list'); the rest of sisimai's Rejected list "
            "(BATV, the null sender's refusals, 'Administrative prohibition', 'Envelope blocked', "
            "SendGrid's 'Spam Reporting Address', 'sender is in my black list')"
        ),
    ),
    # refusals that name spam or bulk mail as what the message is, before "filter" reads as
    # the recipient's choice and "banned content" as the content's form
    (
        "spamdetected",
        (
            r"content filter rejection",
            r"filtered by outbound scanning",  # Symantec Email Security.cloud
            r"rejecting mail content",
            r"mail score \([\d.]+\) over",
            r"considered as spam",
            r"unacceptable content",
            # Gmail 5.7.1: "Our system has detected that this message is likely unsolicited
            # mail"; Cyberoam: "… identified this email as a bulk email"
            r"this message is likely unsolicited",
            r"\bbulk e-?mail\b(?! senders?\b)",  # not a guideline for bulk senders
            r"bulk\.advertising",
            r"rejecting banned content",
            r"spamming not allowed",
            r"using a mass mailer",
            r"temporarily blocked by our filter",
            # Exchange's Content Filter agent rejecting above its SCL threshold, in its default
            # words (Set-ContentFilterConfig -RejectionResponse)
            r"rejected due to content restrictions",
            # bulk-mail and score refusals (MailWizz's BounceHandler's soft list): "rejected as
            # bulk", "message classified as bulk", "This message scored 12.5 points", "Rejected
            # by DCC" (the Distributed Checksum Clearinghouse, a bulk-mail detector)
            r"(?:rejected|classified) as bulk",
            r"this message scored\b",
            r"rejected by dcc\b",
        ),
        (
            "Spam and bulk-mail refusals: Gmail 5.7.1 ('Our system has detected that this message "
            "is likely unsolicited mail'); a content filter's rejection; the other spam refusals "
            "sisimai lists (Sisimai::Reason::SpamDetected: 'considered as spam or virus', "
            "'unacceptable content', 'bulk email', 'Reject bulk.advertising', 'Rejecting banned "
            "content', 'spamming not allowed', 'using a mass mailer'); Exchange's Content Filter "
            "agent, its default RejectionResponse ('Message rejected due to content "
            "restrictions'); bulk and score refusals in MailWizz's soft list ('rejected as bulk', "
            "'This message scored', 'Rejected by DCC')"
        ),
    ),
    # a mailbox that takes no new mail after long inactivity (AOL's and Verizon's wording,
    # in sisimai's Filtered list), and SendGrid's drop of an address that bounced before
    # ("Bounced Address", its documented drop reasons): refused ahead of the mailbox, which
    # neither proves gone
    (
        "filtered",
        (
            r"due to extended inactivity new mail is not currently being accepted",
            r"^(?:[245]\d\d )?bounced address\b",
        ),
        (
            "AOL and Verizon ('Due to extended inactivity new mail is not currently being "
            "accepted for this mailbox', sisimai's Filtered); SendGrid's drop reason 'Bounced "
            "Address' (its Event Webhook reference, dropped events)"
        ),
    ),
    # before notaccept, blocked and userunknown: the recipient's own choice of senders
    # ("Recipient is not accepting mail from this sender", "blocked by the recipient"), which
    # says the mailbox exists
    (
        "filtered",
        RECIPIENT_CHOICE := (
            r"not accepting (?:any )?mail from",
            r"(?:recipient|user|mailbox) is not accepting (?:any )?mail",
            r"\bis not accepting any mail",
            r"not found recipient account",
            r"blocked by (?:the )?recipient",
            r"(?:recipient|user|addressee) has blocked "
            r"(?:the sender|you\b|your (?:address|e-?mail))",
            r"(?:recipient|user|addressee) has chosen not to (?:receive|accept)",
            # the recipient's own list ("Sender is on the recipient's block list"), not a
            # DNS block list of the sending host's
            r"(?:on|in) the (?:recipient|user)['’]?s (?:personal )?(?:block|black) ?list",
            r"rejected by (?:the )?recipient(?! domain)",  # not Gmail's "… recipient domain"
            r"only accepting mail from (?:specific|certain|selected)",  # AOL
            r"refuse[sd]? to receive",  # "553 User refused to receive this mail"
            r"refuses? to accept (?:your|this|the) (?:mail|message|e-?mail)",
            r"refused due to recipient preferences",  # Facebook
            r"\buser reject",
            r"restricted sms e-?mail",  # AT&T's email-to-text gateway
            r"message rejected due to user rules",
            # Interia's published bounce list: '550 5.7.1 Recipient doesn't want your mail'
            # (the recipient has put the sender on its block list)
            r"recipient doesn.t want your (?:mail|message|e-?mail)",
            # a challenge-response service in front of the mailbox ("This account is
            # protected by …"): the sender must prove itself first (sisimai's Filtered list)
            r"account is protected by",
            # Hotmail's per-user setting: "The user does not accept email in non-Western
            # (non-Latin) character sets" (MailWizz's rule table quotes it)
            r"does not accept e-?mail in non-(?:western|latin)",
        ),
        (
            "The recipient's own block list, which says the mailbox exists (RFC 3463 X.7.1 "
            "'Delivery not authorized, message refused' for a recipient's choice): 'is not "
            "accepting mail from', 'blocked by the recipient', 'rejected by recipient', 'user "
            "reject', 'refuses to receive'; AOL ('only accepting mail from specific email "
            "addresses'); 'recipient refuses to accept your mail', 'has chosen not to receive', "
            "'on the recipient's block list'; Facebook ('refused due to "
            "recipient preferences'); AT&T's SMS gateway "
            "('has restricted SMS e-mail'); Interia ('Recipient doesn't want your mail'); a "
            "challenge-response service ('This account is protected by …')"
        ),
    ),
    # before userunknown: "Mailbox unavailable. Your IP address … has been found on one or
    # more DNS blacklists" names the sending IP; Yahoo's [BL21]-[BL23] (its error codes page)
    (
        "blocked",
        (
            r"(?:found|listed) (?:on|in) (?:one or more )?"
            r"(?:(?:dns ?)?(?:black|block)lists?|(?:dnsbl|rbl)s?\b)",
            r"\[bl2\d\]",
            # T-Online (postmaster.t-online.de 4.7, its connection refusals): "554 IP=<ip> - A
            # problem occurred. (Ask your postmaster …) (BL)": a host of bad or unknown
            # reputation refused at connection
            r"\bip=[\d.:a-f]+ - a problem occurred",
            # the sending host refused as such, before the words "spam" or "policy" beside it
            # "Dynamic/zombied/spam IPs blocked", "hosts with dynamic IP"
            r"dynamic(?:/[a-z]+)*[- ]ips?\b",
            # "Connection refused due to abuse": the sending host refused for its record
            r"refused due to abuse",
            r"helo command rejected",  # Postfix reject_invalid_helo_hostname and its kin
            r"rejecting open proxy",  # sendmail's srvrsmtp.c
            r"(?:sender|access) ip(?: address)? (?:\S+ )?(?:has been |is )?"
            r"(?:rejected|blocked|refused|(?:black|block)[ -]?listed)",
            r"\bbad (?:sender )?ip\b",
            r"\bip(?: address)? is (?:rejected|blocked|refused|denied|banned)\b",  # Coremail
            # GMX and WEB.DE (postmaster.gmx.com, "Error messages"): "554-No SMTP service
            # 554-IP address is block listed."
            r"\bip(?: address)? is (?:block|black)[ -]?listed\b",
            r"esmtp not accepting connections",  # iCloud
            # Gmail: "HELO/EHLO argument is invalid", "Empty HELO/EHLO argument not allowed",
            # "Try again later, closing connection" (a DoS defence at HELO)
            r"helo/ehlo argument",
            r"try again later, closing connection",
            # QQ Mail's published codes (service.mail.qq.com, detail 122): "Suspected bounce
            # attacks", "Suspected spam ip", "Connection denied": the sending host refused
            r"suspected bounce attacks",
            r"suspected spam ip",
            r"\bconnection denied\b",
            r"not allowed to connect",
            r"looks suspiciously like (?:a )?spammer",
            # "This IP has been temporarily blocked for attempting to mail too many invalid
            # recipients" (GoDaddy IB112): the sending IP, whatever the words after it
            r"\bip(?: address)?(?: \S+)? has been (?:temporarily |permanently )?"
            r"(?:blocked|banned|blacklisted)",
            # the sending host or its session refused, in the words sisimai's Blocked list
            # gathers: a connection cut by the receiver, RFC 5321's 421 'Service not
            # available, closing transmission channel' at connection, a host to confirm
            r"connection reset by peer",
            r"connection (?:was )?dropped by (?:the )?remote host|\bconnection dropped\b",
            r"service not available, closing transmission channel",
            r"confirm this mail server|server requires confirmation",
            r"no access from mail server",
            r"refused - see https?:",
            r"sending mta or the sender has not passed validation",
            r"unwanted messages have been sent from",
            r"mail from \d{1,3}(?:\.\d{1,3}){3} refused",
            r"listed as abusive",
            r"(?:currently|you are) sending spam",
            r"no valid recipients from",
            # a domain looked up for the sending IP that does not exist, a plain "go away"
            # (sisimai's Blocked list)
            r"domain does not exist: \[?\d{1,3}(?:\.\d{1,3}){3}",
            r"\bgo away\b",
        ),
        (
            "DNS blocklists (RFC 5782) named in the refusal ('listed in … blacklists'); Yahoo "
            "Sender Hub's error codes [BL21]-[BL23]; T-Online's connection refusal ('IP=… - A "
            "problem occurred'); GMX's ('IP address is block listed'); the sending host refused as "
            "such: a dynamic "
            "address, Postfix's 'Helo command rejected', sendmail's 'Rejecting open proxy', "
            "'Sender IP address rejected', iCloud's 'ESMTP not accepting connections'; RFC 5321 "
            "421 at connection; Cloudflare Email Routing's postmaster page ('found on one or more "
            "RBLs'); Coremail's bounce list ('IP is rejected'); the other host refusals sisimai "
            "lists (Sisimai::Reason::Blocked: 'Connection reset by peer', 'listed as abusive', "
            "'you are sending spam'); CwsMailBounceHandler's X.7.1 wordings ('dynamic-ip denied', "
            "'Connection refused due to abuse')"
        ),
    ),
    # before authfailure: a refusal that names spam as its reason, whatever else it mentions
    (
        "spamdetected",
        (
            r"rejected due to spam classification",
            r"mail content denied",  # QQ Mail's published code (detail 122/171)
            # Polish: "Wiadomosc zostala odrzucona przez system antyspamowy" (rejected by the
            # anti-spam system)
            r"odrzucona przez (?:system )?antyspam",
        ),
        (
            "Google Groups' refusal of a post it classified as spam ('rejected due to spam "
            "classification'); QQ Mail's 'Mail content denied'; the same refusal in Polish "
            "('odrzucona przez system antyspamowy')"
        ),
    ),
    # before networkerror: Gmail reports a null MX as a "DNS Error"
    (
        "notaccept",
        (
            r"null mx",
            r"doesn.t receive email according to",
            # the domain publishes no mail exchanger, or "." as its only one, as sisimai's
            # NotAccept list gives Yahoo's and sendmail's words for it
            r"no mx record found for domain=",
            r"name server: \.: host not found",
        ),
        (
            "RFC 7505 (null MX); Gmail's notice of a null MX ('doesn't receive email according to' "
            "its DNS); the domains that take no mail in sisimai's NotAccept list (Yahoo's 'No MX "
            "record found for domain=', sendmail's 'Name server: .: host not found')"
        ),
    ),
    # Exim (deliver.c): 'Too many "Received" headers - suspected mail loop': the message's
    # own headers over received_headers_max, read as its content, as Exim words it
    (
        "contenterror",
        (r"too many \"received\" headers", r"improper use of 8-bit data in message header"),
        (
            "Exim's deliver.c, over its received_headers_max option; 8-bit data in a header "
            "(RFC 6532 absent), in sisimai's ContentError list"
        ),
    ),
    # the destination's MX names the sending host: its own configuration, not the network
    # (RFC 5321 5.1: the local host in the MX list is an error), before the loops below
    (
        "systemerror",
        (
            r"loops back to (?:myself|me)\b",
            r"aliasing/forwarding loop",
            r"would create a mail loop",
            r"loop was found in the mail exchanger",
            # the receiving system's own parts: a local daemon (spamd, clamd) it could not
            # reach, Exchange's missing mailbox database
            r"unable to connect .{0,40}\bdaemon",
            r"there is no mdb",
            r"encountered an error while being processed",
            # Exim (deliver.c): an alias or forward that names a file or a pipe its router
            # does not allow
            r"delivery to (?:file|pipe) forbidden",
            # RFC 5321 4.2.2's 451 "Requested action aborted: local error in processing";
            # sendmail's "queue file write error"; qmail's "Temporary local problem"
            r"local error in processing",
            r"queue file write error",
            r"temporary local problem",
            r"internal error reading data",  # Exchange
            r"could not load drd for domain",
            # Postfix smtpd(8): a lookup table it could not read ("451 4.3.0 <address>:
            # Temporary lookup failure")
            r"temporary lookup failure",
        ),
        (
            "Postfix smtp(8) ('mail for … loops back to myself'); sendmail ('config error: mail "
            "loops back to me (MX problem?)', alias.c's 'aliasing/forwarding loop broken'); a "
            "local daemon unreachable ('Unable to connect to … daemon'); Exchange's 4.3.2 "
            "'no Mdb'; Exim's deliver.c ('delivery to file forbidden', 'delivery to pipe "
            "forbidden'); Postfix smtpd's 'Temporary lookup failure'; the other system-error "
            "replies sisimai lists "
            "(Sisimai::Reason::SystemError)"
        ),
    ),
    (
        "networkerror",
        (
            # a lookup that failed, said of the lookup ("DNS Error", "DNS lookup error",
            # "Temporary DNS failure"), not an answer that the name does not exist (the
            # DragonFly Mail Agent's "DNS lookup failure: host <name> not found": below)
            r"\bdns (?:lookup |query |resolution )?(?:error|failure)(?!: host \S+ not found)",
            r"host not found, try again",
            r"temporary failure in name resolution",
            r"\bservfail\b",  # RFC 1035 4.1.1 RCODE 2: the name server failed, a trouble for now
            r"network error on destination",  # OpenSMTPD
            r"dns query failed",  # Exchange Online 5.4.312
            r"does not accept email over ipv6",  # Exchange Online 5.7.510
            r"host name lookup failure",  # sendmail: the name server did not answer (TRY_AGAIN)
            # Exim's dnslookup router deferring on a DNS failure ("R=dnslookup defer (-1): host
            # lookup did not complete"): the name server did not answer, no name proved missing
            r"host lookup did not complete",
            # a name server that did not answer in time (RFC 1035 7.2: a resolver's query
            # unanswered): "DNS timeout", "DNS lookup timed out"
            r"\bdns (?:query |lookup )?time(?:d)? ?out\b",
            # Postfix dns_lookup(3): the answer could not be read (NO_RECOVERY), not NXDOMAIN
            r"malformed (?:or unexpected )?name server reply",
            r"dns records for .{0,40}could not be found",  # Exchange 2003's 5.4.0 NDR
            r"unable to resolve route",
            r"unrouteable mail domain",
            r"host (?:is )?unreachable",  # ICMP host unreachable (RFC 792), EHOSTUNREACH
            r"no route to host",  # EHOSTUNREACH as strerror(3) words it
            # qmail-remote: "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)"
            r"wasn.t able to establish an smtp connection",
            r"could not connect",
            # a loop, before contenterror: its report speaks of the headers it counted
            r"mail loop",
            r"forwarding loop",  # Postfix local(8): "mail forwarding loop for <address>"
            r"message looping",
            r"too many hops",
            r"hop count exceeded",
            r"routing loop",
            r"message is looping",
            r"loop count exceeded",
            # qmail-remote's "Connected to … but connection died", "CNAME lookup failed
            # temporarily" (qmail-remote(8))
            r"but connection died",
            # IceWarp (Merak): "SMTP module(domain …) reports: connection with <host> is broken"
            r"connection with \S+ is broken",
            r"cname lookup failed temporarily",
            # Gmail's older notice: "Could not initiate SMTP conversation with any hosts"
            r"could not initiate smtp conversation",
        ),
        (
            "DNS and routing trouble: Gmail's 'DNS Error'; Postfix's 'Host not found, try again' "
            "(the resolver's TRY_AGAIN); glibc's 'Temporary failure in name resolution'; DNS's "
            "SERVFAIL (RFC 1035 4.1.1); "
            "OpenSMTPD's 'Network error on destination'; Exchange Online 5.4.312 and 5.7.510; "
            "sendmail's 'host name lookup failure'; Exim's 'host lookup did not complete' (its "
            "dnslookup router's defer); Postfix's 'Malformed or unexpected name server "
            "reply'; Exchange 2003's 'DNS records for the destination computer could not be found';"
            " an unreachable host (RFC 792, EHOSTUNREACH); Exim's 'Unrouteable mail domain' "
            "(routing failed, not a domain proven missing). Loops: RFC 5321 6.3, RFC 3463 X.4.6, "
            "Gmail 5.6.0 ('mail loop'), Postfix local(8) ('mail forwarding loop for'), Lotus "
            "Domino ('routing loop', 'hop count exceeded'); the other network-error replies "
            "sisimai lists (Sisimai::Reason::NetworkError: 'unable to resolve route', "
            "'message looping'); qmail-remote(8)'s 'but connection died' and 'CNAME lookup failed "
            "temporarily'; 'message is looping', 'loop count exceeded' (MailWizz's soft list)"
        ),
    ),
    (
        "notcompliantrfc",
        (
            r"duplicate header",
            r"multiple addresses in from",
            r"not (?:rfc ?)?(?:2822|5322) compliant",
            r"headers are not rfc compliant",  # Yahoo (its SMTP error codes page)
            r"not compliant with rfc",
            r"does not comply with rfc",
            r"rfc ?5322 (?:requirements|standards)",
            # Gmail: "Messages missing a valid address in From: header … are not accepted"
            r"missing a valid address in from",
            # Exchange Online: "5.7.512 Access denied, message must be RFC 5322 section 3.6.2
            # compliant"; "5.6.11 … BareLinefeedsAreIllegal" (RFC 5321 2.3.8: CRLF only)
            r"must be rfc ?5322",
            r"bare ?linefeeds",
            # Symantec Email Security.cloud: "… has detected that this message is not RFC 5322"
            r"this message is not rfc ?(?:2822|5322)\b",
        ),
        (
            "RFC 5322 3.6 (one From, no repeated single fields); Gmail's and Exchange Online's RFC "
            "5322 refusals (5.7.1, 5.7.512); Exchange Online 5.6.11 with RFC 5321 2.3.8 (CRLF only)"
        ),
    ),
    # before userunknown: "too many invalid recipients" is the sender's conduct (Spectrum's
    # AUP#1560, GoDaddy's IB112), not this recipient's mailbox
    (
        "policyviolation",
        (r"too many (?:invalid|unknown|bad|non-?existent) (?:recipients|users|addresses)",),
        (
            "A sender refused for mailing many unknown addresses: Spectrum's published AUP#1560 "
            "('too many invalid recipients'), GoDaddy's IB112/IB113"
        ),
    ),
    # before blocked: a blocklist of links is about the content
    (
        "spamdetected",
        (
            r"blacklisted url",
            r"url .*blacklist",
            r"blocklisted (?:url|link|domain in)",
            r"uribl",
            r"surbl",
            # a filter's verdict named by the filter: SpamAssassin's score, Commtouch's
            # Recurrent Pattern Detection, MailMarshal's SpamProfiler, "antispam checks"
            r"spam ?assassin",
            r"spam (?:score|points)",
            r"recurrent pattern detection",
            r"spam ?profiler",
            r"anti-?spam (?:check|engine|filter|polic)",
        ),
        (
            "URI blocklists (RFC 5782 lists domains too; SURBL/URIBL refusals: 'blacklisted URL in "
            "message'); a spam filter's own verdict (SpamAssassin's score, Commtouch RPD, "
            "MailMarshal SpamProfiler, 'failed several antispam checks')"
        ),
    ),
    # before blocked: Exchange Online's directory-based edge blocking refuses an address it
    # does not know with "550 5.4.1 Recipient address rejected: Access denied"
    (
        "userunknown",
        (r"recipient address rejected: access denied",),
        (
            "Exchange Online's directory-based edge blocking: '550 5.4.1 Recipient address "
            "rejected: Access denied' for an address not in the directory (its NDR reference, "
            "5.4.1)"
        ),
    ),
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
        (
            "The sending host refused: Postfix's reject ('Client host blocked'); Orange's "
            "postmaster page ('adresse IP source bloquée'); Gmail's 5.7.1 refusals of the sending "
            "IP (its SMTP error reference)"
        ),
    ),
    (
        "virusdetected",
        (
            # a finding, never the word alone: "scanned for viruses", "virus-free",
            # "InterScan VirusWall" and "No virus found" are footers and product names that a
            # gateway (MailScanner, avast, AVG) writes into every message it passes, notices too
            r"\bvirus:",
            # "virus found", "Virus Detected", Zoho's "virus <name> detected by Zoho Mail"
            r"(?<!no )(?<!not )\bvirus(?:es)?(?: [\w.-]+)? (?:was |were |has been |have been )?"
            r"(?:found|detected|identified)",
            r"\b(?:found|detected|contains?|contained|containing|infected with|identified|"
            r"carr(?:y|ies|ied|ying)) (?:an? |the |one or more |prohibited )?(?:[\w-]+ )?virus",
            r"\bvirus (?:infected|signature|alert|infection)",
            r"\bvirus phishing/malicious_url detected",
            r"(?:rejected|blocked|refused|quarantined|stopped) by (?:the |our )?(?:anti-?)?virus",
            r"\binfected\b",
            r"\bmalware\b",
        ),
        (
            "Virus scanners' refusals, each a finding: amavisd-new ('VIRUS: <name>'), ClamAV "
            "('<name> FOUND', 'infected'), Postfix with a milter ('Virus Detected'), Exchange "
            "Online's malware filter, Gmail ('used by recent viruses or other malware')"
        ),
    ),
    (
        "mailererror",
        (
            r"mailer error",
            r"command died with status",  # Postfix pipe(8)
            r"command time limit exceeded",  # Postfix pipe(8): the command ran too long
            r"child process of \S+ transport returned",  # Exim's pipe transport
            r"pipe to \|",  # Exim: the address a redirection made into a command
        ),
        (
            "A delivery program's failure: sendmail's 'unknown mailer error N' (deliver.c); Postfix"
            " pipe(8) ('Command died with status', 'Command time limit exceeded'); Exim's pipe "
            "transport ('Child process of … transport returned', its 'pipe to |command' address)"
        ),
    ),
    (
        "authfailure",
        (
            r"\bspf\b.*\b(fail|reject|not authori[sz]ed)",
            # iCloud [HME1]: "blocked for failing both SPF and DKIM authentication checks"
            # (support.apple.com HT204137, its mail best practices)
            r"fail(?:ing|ed)? (?:both )?spf and dkim",
            # Yahoo 5.7.9: "the sender is unauthenticated. Yahoo requires all senders to
            # authenticate with either SPF or DKIM"
            r"requires all senders to authenticate",
            # Gmail 4.7.27, 4.7.30, 4.7.32: "rate limited because SPF/DKIM authentication didn't
            # pass", "… isn't aligned with either the authenticated SPF or DKIM" domain: the
            # cause is the authentication, the rate limit its effect
            r"authentication didn.t pass",
            # Gmail 4.7.27/4.7.28: "rate limited because DKIM does not pass. Gmail requires all
            # large senders to authenticate with DKIM"
            r"\b(?:dkim|spf) (?:does not|didn.t|did not) pass",
            # the same failure with the check named after the verb ("… does not pass SPF
            # checks", "failed to pass DMARC"): RFC 7372 X.7.23, X.7.20, RFC 7489's policy
            r"(?:does not|doesn.t|did not|didn.t|fails? to) pass (?:the )?(?:spf|dkim|dmarc)\b",
            r"senders to authenticate (?:their email )?with (?:spf|dkim)",
            r"aligned with either the authenticated",
            r"\bdmarc\b",
            r"\bdkim\b.*\b(fail|invalid)",
            r"authentication (?:check )?fail",
            r"5\.7\.2[0-6]\b",
            r"unauthenticated email",
            r"bad spf",
            r"spf record",
            r"does not have authentication information",
            r"fails? to pass authentication",
            # Exchange Online 5.7.515 ("… doesn't meet the required authentication level") and
            # its "5322.From address doesn't meet the authentication requirements"
            r"required authentication level",
            r"authentication requirements defined for the sender",
            r"inspect your spf",
        ),
        (
            "Sender authentication: SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489); RFC 7372's "
            "X.7.20-X.7.26; Gmail 5.7.26 ('does not have authentication information or fails to "
            "pass authentication checks'); Exchange Online 5.7.23, 5.7.509"
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
            r"ip name lookup failed",
            r"unresolvable relay host",
            # "450 service permits 2 unverifyable sending IPs - <domain> is not <ip>": the
            # sending IP does not resolve back to the sender's domain
            r"unverif[iy]able sending ips?",
        ),
        (
            "Reverse DNS required: RFC 7372 X.7.25; Postfix reject_unknown_client_hostname ('cannot"
            " find your hostname', 'Client host rejected'); Gmail 5.7.25 ('does not have a PTR "
            "record'); Outlook.com's HELO check ('mismatches client IP')"
        ),
    ),
    (
        "badreputation",
        (
            r"poor (?:e-?mail )?reputation",
            r"reputation problems",
            r"bad reputation",
            r"ip reputation",
            r"low reputation",
            # Yahoo: "[TSS04] Messages from IP temporarily deferred due to unexpected volume
            # or user complaints"
            r"\[tss0\d\]",
            r"unexpected volume or user complaints",
            # Yahoo's earlier codes for the same: "[TS01] Messages from IP temporarily deferred
            # due to user complaints", "[TS03] All messages from IP will be permanently
            # deferred" (its help article SLN3436: a volume characteristic of unsolicited mail)
            r"\[ts0\d\]",
            r"deferred due to user complaints",
        ),
        (
            "The sender's reputation: Gmail 4.7.0 ('very low reputation'); Yahoo Sender Hub's "
            "[TSS0x] codes ('unexpected volume or user complaints')"
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
        (
            "Content judged spam: Gmail 5.7.1 ('likely unsolicited mail'); SpamAssassin and "
            "amavisd-new refusals ('spam', 'scored as spam'); RFC 2505's unsolicited bulk email "
            "('UBE', 'bulk mail')"
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
        (
            "SMTP AUTH required: RFC 4954 6 ('530 5.7.0 Authentication required'); Exchange Online "
            "5.7.57 ('not authenticated to send'); Exchange's 5.7.1 'Delivery not authorized'"
        ),
    ),
    (
        "norelaying",
        (
            r"relay(?:ing)? (?:access )?denied",
            r"unauthori[sz]ed relay",  # "500 Unauthorized relay msg rejected"
            # "relaying to <x> prohibited by administrator" (a notice may blank the address)
            r"relaying to (?:<[^<>]*>|\S+) prohibited",
            r"invalid credentials for relay",  # Gmail's SMTP relay service
            r"relaying (?:is )?not (?:permitted|allowed)",
            r"not permitted to relay",
            r"unable to relay",
            r"we do not relay",
            r"not configured to relay",
            r"relay not permitted",
            r"relay access",
            r"no relaying",
            r"not an open relay",
            r"(?:don.t|do not) handle mail for",
            # MailEnable: "Mail server requires authentication when attempting to send to a
            # non-local e-mail address"
            r"authentication when attempting to send to a non-local",
            # Amazon SES in its sandbox sends only to addresses verified in the account
            r"email address is not verified",
            # qmail-smtpd: "553 sorry, that domain isn't in my list of allowed rcpthosts"
            r"isn.t in my list of allowed rcpthosts?\b",
            r"not allowed to relay",
            r"\bas a relay\b",
            r"\bnot a gateway\b",
            r"\bnot local host\b",
            r"relaying mail to\b",
        ),
        (
            "Relaying refused: RFC 5321 3.6.2 and 7.1; Postfix reject_unauth_destination ('Relay "
            "access denied'); sendmail ('Relaying denied'); Exchange Online 5.7.54 and 5.7.64 "
            "('Unable to relay'); Amazon SES in its sandbox ('Email address is not verified', SES's"
            " error list); qmail-smtpd ('that domain isn't in my list of allowed rcpthosts'); "
            "MailEnable's 'requires authentication when attempting to send to a non-local "
            "e-mail address'; the other relay refusals sisimai lists (Sisimai::Reason::NoRelaying)"
        ),
    ),
    (
        "toomanyconn",
        (
            r"too many (?:connections|concurrent|sessions)",
            r"max message per connection reached",  # Yahoo
            r"frequency limited",  # Tencent: "Connection/Ip frequency limited"
            r"connection limit",
            r"too many smtp sessions",
            r"connection rate limit",
            r"trop de connexions",  # Orange: "Trop de connexions, veuillez reessayer plus tard"
            r"too many errors from your",  # Free: the sending IP's errors, slow down
            r"too many recipients(?! (?:in|per|from))",
        ),
        (
            "Connection limits: Postfix anvil(8), smtpd_client_connection_count_limit ('too many "
            "connections from'); Tencent's 'frequency limited'; too many recipients in one session "
            "(RFC 5321 4.5.3.1.8, 452)"
        ),
    ),
    (
        "notaccept",
        (
            # a host or domain that takes no mail at all; not a user's or a filter's "does not
            # accept email in non-Latin character sets", "… from this sender"
            r"(?<!user )(?<!recipient )(?<!mailbox )(?<!account )does not (?:accept|receive) "
            r"(?:any )?(?:e-?)?mail\b(?! (?:in|from|with|for|containing|that|which|sent|of)\b)",
            # (not AOL's "… because they are not accepting mail from <sender>": the recipients'
            # choice, whose address stays good)
            r"(?<!they are )(?<!recipient is )(?<!user is )(?<!mailbox )(?<!mailbox is )"
            r"(?<!account )(?<!account is )not accepting mail",
            r"no mx found",
            r"couldn't find a mail exchanger",
            r"no smtp service",
        ),
        (
            "RFC 7504 (521 and 556 'does not accept mail'); RFC 7505 (null MX); OpenSMTPD's 'No MX "
            "found for domain'"
        ),
    ),
    (
        "speeding",
        (
            r"rate limit",
            r"try again slower",
            r"receiving mail too quickly",  # Yahoo: "User is receiving mail too quickly"
            # iCloud: "Messages to … deferred due to excessive volume" (HT204137)
            r"due to excessive volume",
            r"too many (?:messages|recipients|emails) (?:in|per)(?! this mailbox)",
            r"sending rate",
            # Postfix anvil limits (smtpd_client_message_rate_limit, …_recipient_rate_limit):
            # "Error: too much mail from <ip>", "Error: too many recipients from <ip>"
            r"too (?:much mail|many recipients) from",
            r"receiving mail at a rate",  # Gmail 4.2.1: the recipient gets too much at once
            # QQ Mail's published codes (service.mail.qq.com, detail 122/1011)
            r"frequency of receiving messages is limited",
            # Exchange Online 5.2.121/5.2.122 (the recipient's hourly receive limit) and 5.1.90
            # (the sender's daily recipient limit)
            r"per hour message receive limit",
            r"daily limit for message recipients",
            # Gmail: "5.4.5 Daily sending quota exceeded", "5.7.1 Daily SMTP relay limit
            # exceeded for customer" (the sender's volume, not a mailbox's)
            r"sending quota exceeded",
            r"daily user sending limit exceeded",  # Gmail 5.4.5
            r"smtp relay limit exceeded",
            r"try again later.*rate",
        ),
        (
            "Rate limits: Postfix anvil(8) (smtpd_client_message_rate_limit: 'too much mail from');"
            " Gmail 4.2.1 and 5.4.5; Exchange Online 5.2.121, 5.2.122 and 5.1.90"
        ),
    ),
    # the recipient's directory names several people by that address: its own fault
    (
        "systemerror",
        (
            r"several matches found in (?:the )?domino directory",
            r"configuration (?:error|problem)",
            r"\bconfig error",
            r"misconfigured",
            r"can.t create (?:\(?user\)? )?output",
            r"operating system error",
            r"system file missing",
            r"interrupted system call",
            r"timeout waiting for input",
            # qmail-local: a delivery program's interpreter missing, the user's Maildir
            # unreachable ("Unable to chdir to maildir. (#4.2.1)")
            r"bad interpreter",
            r"unable to chdir to maildir",
            # qmail-ldap's forwarding program failing ("Permanent error while executing
            # qmail-forward (#5.4.4)"): the recipient's system, not a route proved missing
            r"error while executing qmail-forward",
            # the recipient's directory or store failing (RFC 3463 X.4.3 "Directory server
            # failure", X.3.0): "LDAP lookup failed", "Recipient lookup failed", "Unable to
            # lookup recipient", "Database error", "Backend server unreachable", "I/O error",
            # "Error writing message to mailbox", "Mailbox server unavailable"
            r"\b(?:ldap|directory|database|recipient|user|address) lookup (?:failed|failure|error)",
            r"unable to look ?up (?:the )?(?:recipient|user|address)",
            r"\bdatabase error\b",
            r"\bback-?end (?:server )?(?:unreachable|unavailable|error|failure)",
            r"\bi/o error\b",
            r"error writing (?:the )?(?:message )?to (?:the )?mailbox",
            r"mailbox (?:store|server) (?:is )?(?:unavailable|unreachable|not available)",
            # a server's internal error in French, German, Spanish and Italian
            r"erreur interne|interner (?:server)?fehler|error interno|errore interno",
            # the local delivery's own failures (MailWizz's BounceHandler lists them soft): a
            # maildir it could not write, sendmail's EX_SOFTWARE ("Internal software error"),
            # EAGAIN ("Resource temporarily unavailable")
            r"maildir delivery",  # "error on maildir delivery", "maildir delivery failed"
            r"can.t open mailbox",
            r"error opening input/output file",
            # vpopmail's maildir write: "can not open new email file errno=13 file=…"
            r"can ?not open new email file",
            r"internal software error",
            r"resources? temporarily (?:un|not )available",
        ),
        (
            "Lotus Domino's router ('Several matches found in Domino Directory'); RFC 3463 X.3.5 "
            "('System incorrectly configured'); sendmail's sysexits texts (EX_CONFIG 'Local "
            "configuration error', EX_CANTCREAT 'Can't create output', EX_OSERR 'Operating system "
            "error', EX_OSFILE 'System file missing') and its 'timeout waiting for input'; EINTR "
            "('Interrupted system call'); qmail-local's 'bad interpreter' and 'Unable to chdir to "
            "maildir' (sisimai's qmail table reads both as system errors), qmail-ldap's 'error "
            "while executing qmail-forward'; EX_SOFTWARE ('Internal "
            "software error'), EAGAIN, a maildir a local delivery could not write (MailWizz's "
            "BounceHandler's soft list)"
        ),
    ),
    # before mailboxfull: the server's disk, not the recipient's quota
    (
        "systemfull",
        (
            r"insufficient disk space",
            r"no space left on device",
            r"insufficient system storage",
            # qmail's "mailbox unavailable (not enough free space)"
            r"not enough free space",
            # "not enough disk space", "not sufficient disk space": the wording of the same
            # 452 condition (RFC 5321 4.2.2 names it "insufficient system storage")
            r"\bnot (?:enough|sufficient) (?:free )?disk ?space",
            # "disk full", and ENOSPC by number ("errno=28", Linux's and the BSDs')
            r"\bdisk (?:is )?full\b",
            r"\berrno ?= ?28\b",
        ),
        (
            "The server's storage, not the mailbox's: RFC 5321 452 ('insufficient system storage');"
            " RFC 3463 X.3.1; ENOSPC ('No space left on device', 'errno=28'); qmail's 'mailbox "
            "unavailable (not enough free space)'; 'disk full'"
        ),
    ),
    (
        "mailboxfull",
        (
            r"mailbox (?:is )?full",
            r"mailbox quota",
            r"over ?quota",
            r"quota (?:exceed(?:ed)?|full|violation|reached)\b",
            # "over the allowed quota", "reached disk quota", "overdrawn his diskspace quota"
            r"\b(?:over|reached|overdrawn) (?:\w+ ){0,3}(?:disk ?space )?quota",
            r"\bfull (?:mailbox|inbox)",
            r"would exceed (?:\w+ ){0,3}(?:storage|quota)",
            r"space (?:has been|is|has) used up",
            r"exceeded .*quota",
            r"mailbox size limit",
            # Yandex's documented "Mailbox size exceeded" (its non-delivery report help), a
            # mailbox that "has reached its (maximum) size", "storage limit reached", "overfull"
            r"mail ?box size (?:limit )?(?:exceeded|reached)",
            r"mail ?box (?:has )?reached (?:its )?(?:maximum |max )?size",
            r"\bstorage (?:limit|space) (?:reached|exceeded|full)",
            r"\bover-?full\b",
            r"exhausted (?:\w+ ){0,2}storage",  # "User has exhausted allowed storage space"
            # MailWizz's BounceHandler's soft list: a mailbox over its size or message count
            r"(?:inbox|account) is full\b",
            r"recipient storage full",
            r"mailbox_(?:full|quota_exceeded)",
            r"(?:exceeds?|over) (?:the )?maximum allowed "
            r"(?:storage|mailbox size|number of messages)",
            r"too many messages (?:on|in) this mailbox",
            r"exceeds allowed message count",
            r"larger than the space available",
            r"mail ?box space not enough",
            r"mailbox exceeds (?:the )?quota",
            r"insufficient (?:disk )?space",
            r"storage (?:allocation|quota)",
            r"exceeded storage",
            r"not enough (?:space|storage)",
            r"mail ?box (?:has )?exceeded",
            r"user is over",
            r"disk quota",
            r"mail ?folder is full",
            r"mailbox .* full",
            # the French and German forms: "La boîte aux lettres du destinataire est pleine"
            # (Exchange's French NDR), "Postfach voll"
            r"bo[iî]te\b.{0,60}\b(?:pleine|satur[ée]e)",
            # (one pattern a predicate, its rare word the plain-text pre-filter)
            *(
                r"(?:postfach|mailbox|speicher)\b.{0,40}\b(?:ist )?" + full + r"\b"
                for full in ("voll", "überfüllt", "uberfullt")
            ),
            r"speicher(?:platz)?\b.{0,40}\bersch[öo]pft",  # German: storage exhausted
            # the quota exceeded, in French, German, Spanish and Italian
            r"quota (?:d[ée]pass[ée]|[üu]berschritten|superata)|cuota (?:excedida|superada)",
            r"cota (?:excedida|ultrapassada)",  # Portuguese
            # Spanish, Italian and Dutch: "El buzón del destinatario está lleno", "La casella di
            # posta del destinatario è piena", "De mailbox van de ontvanger is vol"
            r"buz[óo]n\b.{0,40}\bllen[oa]\b",
            r"casilla\b.{0,40}\bllen[oa]\b",  # "casilla (de correo) llena", its other word
            # French: the mailbox "a atteint sa taille maximale", its quota "atteint", its
            # storage "insuffisant"
            r"(?:bo[iî]te|mailbox)\b.{0,60}\b(?:atteint sa taille|taille maximale atteinte)",
            r"\bquota\b.{0,40}\batteint",
            r"espace (?:de stockage|disque)\b.{0,20}\binsuffisant",
            r"casella\b.{0,40}\bpiena\b",
            r"speicherplatz\b.{0,40}\b[üu]berschritten",  # German: storage exceeded
            r"(?:mailbox|postvak|postbus)\b.{0,40}\b(?:is )?vol\b",
            # Portuguese and Polish: "caixa postal cheia", "skrzynka odbiorcy jest pełna"
            r"caixa\b.{0,40}\b(?:cheia|lotada)\b",
            r"skrzynka\b.{0,40}\b(?:pe[łl]na|przepe[łl]niona)\b",
            r"out of storage",
            r"too much mail",
            r"exceeding (?:their|its|the|his|her) (?:\w+ )?quota",
            r"(?:does not|doesn.t) have enough (?:disk |storage )?space",
            r"mail ?file size exceeds",  # the mailbox file at its size limit (mail.local)
            # GMX and WEB.DE: "Benutzer hat zuviele Mails auf dem Server"
            r"too many (?:messages|mails) on the server",
            r"(?:account|mailbox) storage limit",  # GoDaddy: "Account storage limit"
            r"zu ?viele mails auf dem server",
            # Chinese: "邮箱已满", "邮箱空间不足" (the mailbox full, its space not enough)
            r"邮箱(?:空间|容量)?(?:已满|不足)",
            r"信箱(?:空间|容量)?(?:已满|不足)",
            # Ipswitch IMail: "User mailbox exceeds allowed size: <address>" (Sympa's table of
            # RFC 1893 equivalents reads it as 4.2.2)
            r"mailbox exceeds (?:the )?allowed size",
            # too much mail received: "Account disabled temporarly for exceeding receiving
            # limits" (sisimai's MailboxFull list); a receiving limit, the mailbox kept
            r"for exceeding receiving limits",
        ),
        (
            "RFC 3463 X.2.2 ('Mailbox full'); RFC 5321 552 ('exceeded storage allocation'); "
            "Dovecot's quota_exceeded_message; Gmail 4.2.2 ('over quota', 'out of storage space'); "
            "Exchange 5.2.2 ('mailbox full'); vpopmail ('user is over quota'); maildrop ('maildir "
            "over quota'); Orange and Exchange's French NDR ('boîte … pleine'), German ('Postfach "
            "voll'), Spanish, Italian and Dutch ('buzón … lleno', 'casella … piena', 'is vol'); "
            "the quota in other words ('over the allowed "
            "quota', 'reached disk quota', 'quota violation', 'would exceed … storage') and in the "
            "same languages ('quota dépassé', 'Quota überschritten'); GMX's and WEB.DE's 'too many "
            "mails on the server' ('zuviele Mails auf dem Server'); Ipswitch IMail ('User mailbox "
            "exceeds allowed size'); CwsMailBounceHandler's X.2.2 wordings ('exhausted allowed "
            "storage space'); a mailbox over its size or message count in MailWizz's soft list "
            "('Inbox is full', 'recipient storage full', 'too many messages in this mailbox', "
            "'over the maximum allowed mailbox size')"
        ),
    ),
    # the headers or the MIME structure over a limit: the content's form, not its size
    (
        "contenterror",
        (
            r"header size",
            r"mime complexity",
            r"unnecessary base64 encoding",
            r"mime/reject",  # MessageWall: "MIME/REJECT: Invalid structure"
        ),
        "RFC 3463 X.6.x: the headers' size or the MIME nesting over a server's limit; "
        "MessageWall's 'MIME/REJECT' (a structure it will not take)",
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
            # French and German: "message trop volumineux", "Nachricht zu groß"
            r"trop volumineu(?:x|se)",
            r"taille limite du message",
            r"max(?:imum)? (?:inbound |incoming )?message size",
            r"(?:nachricht|e-?mail) (?:ist )?zu gro(?:ß|ss)",
            r"message file too big",  # Postfix cleanup(8): "Error: message file too big"
            r"line limit exceeded",
            r"\bsize limits?\b",  # Gmail 5.3.4: "… exceeded Google's message size limits"
        ),
        (
            "RFC 3463 X.3.4 ('Message too big for system'); RFC 1870 (SIZE); Postfix ('Message size"
            " exceeds fixed limit'); Gmail 5.3.4; Yahoo '554 30'; the same in French and German "
            "('trop volumineux', 'taille limite du message', 'zu groß')"
        ),
    ),
    (
        "exceedlimit",
        (
            r"exceeds? .*limit",
            r"too many recipients",
            # qmail-ldap's per-user size limit, its own spelling kept: "The message exeeded the
            # maximum size the user accepts" (#5.2.3)
            r"exc?eeded the maximum size the user accepts",
        ),
        (
            "RFC 3463 X.2.3 ('Message length exceeds administrative limit') and X.5.3 ('Too many "
            "recipients'); qmail-ldap's 'exeeded the maximum size the user accepts' (X.2.3)"
        ),
    ),
    (
        "hasmoved",
        (
            r"not local; please try",  # RFC 5321 4.2.2: 551, with a forward-path
            r"has moved",
            r"user has moved",
            r" has been replaced by ",  # "address … has been replaced by …" (sisimai's list)
            r"address has changed",
            r"no longer at",
        ),
        (
            "RFC 5321 4.2.2 (551 'User not local; please try <forward-path>'); RFC 3463 X.1.6 "
            "('Destination mailbox has moved')"
        ),
    ),
    (
        "suspend",
        (
            # Yahoo: "554 delivery error: dd x@yahoo.com is no longer valid" (an account closed,
            # its SMTP error codes page), unlike its "dd This user doesn't have a … account"
            r"\bdd \S+@\S+ is no longer valid",
            # (never "your account …": the sender's own, at its sending service)
            r"(?<!your )(?:account|mailbox|user) (?:is |was |has been )?"
            r"(?:currently |temporarily |now )?"
            r"(?:disabled|suspended|inactive|deactivated|locked|frozen|blocked)",
            r"(?:disabled|deactivated|suspended|inactive) (?:account|mailbox|user|recipient)",
            r"user status is (?:locked|disabled|inactive|suspended)",
            # IceWarp (Merak): "LOCAL module(account …) reports: mail receiving disabled"
            r"mail receiving (?:is )?disabled",
            # "recipient suspended", "account discontinued", "account not activated" (everyone.net's
            # and USA.NET's replies, as Mail::DeliveryStatus::BounceParser's reader names them)
            r"(?<!your )(?:recipient|account|mailbox|user) (?:is )?suspended\b",
            r"(?<!your )(?:recipient|account|mailbox|user) (?:is )?discontinued\b",
            r"(?<!your )account not activated",
            r"administrative?l?e?y disabled",  # qmail-ldap: "Mailaddress is administratively …"
            r"temporarily disabled",
            r"temporar(?:il)?y locked",
            # French and German: "compte désactivé", "ce compte a été désactivé", "boîte aux
            # lettres désactivée", "Konto deaktiviert", "Postfach gesperrt"
            r"compte (?:(?:a [ée]t[ée]|est) )?(?:d[ée]sactiv[ée]|suspendu|bloqu[ée]|inactif)",
            # (said of it, not "inconnu ou boîte aux lettres désactivée", which does not say
            # which: AMBIGUOUS_WORDING)
            r"bo[îi]te (?:aux lettres |mail |e-?mail )?(?:a [ée]t[ée]|est) "
            r"(?:d[ée]sactiv[ée]e|suspendue|bloqu[ée]e|inactive)",
            r"(?:konto|postfach|benutzer) (?:ist |wurde )?(?:deaktiviert|gesperrt|inaktiv)",
            # Spanish, Italian, Portuguese and Dutch: "cuenta desactivada", "account sospeso",
            # "conta suspensa", "account geblokkeerd"
            # (one pattern a predicate, its rare word the plain-text pre-filter)
            *(
                r"(?:cuenta|buz[óo]n|usuario)\b.{0,30}\b" + said + r"[oa]\b"
                for said in ("desactivad", "suspendid", "bloquead", "deshabilitad")
            ),
            *(
                r"(?:account|casella|utente)\b.{0,30}\b" + said + r"[oa]\b"
                for said in ("disattivat", "sospes", "bloccat", "disabilitat")
            ),
            *(
                r"(?:conta|caixa)\b.{0,30}\b" + said + r"[oa]\b"
                for said in ("desativad", "suspens", "bloquead")
            ),
            *(
                r"(?:account|mailbox)\b.{0,30}\b" + said + r"\b"
                for said in ("gedeactiveerd", "geblokkeerd", "opgeschort")
            ),
            # Italian, Spanish and Polish providers' closed mailboxes: "Questo indirizzo e'
            # bloccato per inutilizzo" (blocked for not being used), "Esta casilla ha expirado
            # por falta de uso", "El usuario esta en estado: inactivo", "Podane konto jest
            # zablokowane administracyjnie lub nieaktywne" (blocked or inactive)
            r"bloccat[oa] per inutilizzo",
            r"(?:expirad[oa]|bloquead[oa]|desactivad[oa]) por falta de uso",
            r"en estado:? inactivo",
            # closed for not being used: "Account closed due to inactivity", "User hasn't
            # entered during last 90 days", "Mailbox_currently_suspended" (MailWizz's list)
            r"(?:closed|disabled|deactivated|suspended|locked|blocked) (?:due to|for|because of) "
            r"(?:long |extended )?inactivity",
            r"hasn.t (?:entered|logged in) (?:during|in|for) (?:the )?last",
            r"mailbox_currently_suspended",
            r"konto jest (?:zablokowane|nieaktywne)",
            # RFC 3463 X.2.1's own words, "Mailbox disabled, not accepting messages": "Mail is
            # not currently being accepted for this mailbox"
            r"not (?:currently )?being accepted for this mailbox",
            r"(?:mailbox|account) (?:is )?(?:currently )?not accepting (?:mail|messages)\b",
            r"account is not active",
            r"(?:account|mailbox) (?:is |has )?(?:been )?expired",
            r"suspend the service",  # 163.com's published codes: "recipient suspend the service"
            r"invalid/inactive user",  # QQ Mail's help page
            r"mailbox unavailable or access denied",
            r"\bis currently suspended",
            r"user is terminated",
            r"temporarily inactive",
            # au (KDDI), its notice: "The user(s) account is temporarily limited."
            r"account is temporarily limited",
            r"(?:user|account|mailbox) or domain is disabled",
            # the mailbox kept but closed: "Archived recipient", Orange's and La Poste's
            # "Boite du destinataire archivee" (their code 420), "This address no longer
            # accepts mail"
            r"archived recipient",
            r"bo[iî]te du destinataire archiv[ée]e",
            r"address no longer accepts mail",
            r"mailbox unavailable.*inactive",
            r"mailbox is (?:frozen|disabled)",
            r"(?<!your )(?:account|mailbox)\b(?:[^.\n]|\.(?=\S)){0,60}"
            r"\bis (?:inactive|disabled|suspended)",
            # "The account <address> has been suspended" (sisimai's Suspend: "has been
            # suspended")
            r"(?<!your )(?:account|mailbox|user|recipient|address)\b(?:[^.\n]|\.(?=\S)){0,60}"
            r"\bhas been (?:temporarily )?suspended",
        ),
        (
            "RFC 3463 X.2.1 ('Mailbox disabled, not accepting messages'); Gmail 5.2.1 ('is "
            "disabled', 'is inactive'); Yahoo 554.30 ('This mailbox is disabled'); a locked or "
            "expired account; 163.com's and QQ Mail's published codes ('recipient suspend the "
            "service', 'invalid/inactive user', 'Mailbox unavailable or access denied'); Orange's "
            "and La Poste's archived mailbox (their code 420); the same in French and German "
            "('compte désactivé', 'Konto deaktiviert'); the other closed-account replies sisimai "
            "lists (Sisimai::Reason::Suspend); the ones Mail::DeliveryStatus::BounceParser names "
            "('recipient suspended', 'account not activated'); the wordings CwsMailBounceHandler's "
            "resolver table reads as X.2.1, in Italian, Spanish and Polish too ('bloccato per "
            "inutilizzo', 'expirado por falta de uso', 'en estado: inactivo', 'konto jest "
            "zablokowane'); a mailbox closed for disuse in MailWizz's soft list ('Account closed "
            "due to inactivity', 'User hasn't entered during last … days')"
        ),
    ),
    # the other causes in the languages the recipient rules read (French, German, Spanish,
    # Italian), as RFC 3463 names them: a virus (X.7.0), relaying refused (X.7.1), the sending
    # host's address blocked, the sender refused (X.7.1, X.1.8), a message too big (X.3.4),
    # too many recipients (X.5.3), authentication required (X.7.0), a temporary error (X.3.0)
    (
        "virusdetected",
        (
            r"\bvirus\b.{0,30}\b(?:d[ée]tect[ée]|trouv[ée]|gefunden|erkannt|detectado|"
            r"encontrado|rilevato|trovato)",
            r"(?:pour cause de|contient un|wegen|por|a causa di) (?:un |einem? )?virus\b",
        ),
        "RFC 3463 X.7.0 with a virus named, in French, German, Spanish and Italian",
    ),
    (
        "norelaying",
        (
            r"\brela(?:is|ying|y)\b.{0,20}\b(?:interdit|non autoris[ée]|refus[ée]|nicht erlaubt|"
            r"verweigert|no permitido|no autorizado|non consentito|non permesso|negato)",
        ),
        "Relaying refused (RFC 5321 3.6, RFC 3463 X.7.1), in French, German, Spanish, Italian",
    ),
    (
        "blocked",
        (
            r"(?:adresse ip|ip-adresse|direcci[óo]n ip|indirizzo ip)\b.{0,30}\b(?:bloqu[ée]e?|"
            r"gesperrt|blockiert|bloqueada|bloccat[oa]|sur liste noire|auf der sperrliste)",
        ),
        "The sending host's address blocked, in French, German, Spanish and Italian",
    ),
    (
        "rejected",
        (
            r"\b(?:exp[ée]diteur|absender|remitente|mittente)\b.{0,30}\b(?:refus[ée]|rejet[ée]|"
            r"bloqu[ée]|abgelehnt|gesperrt|rechazado|bloqueado|rifiutato|bloccato)",
        ),
        "The sender refused (RFC 3463 X.7.1, X.1.8), in French, German, Spanish and Italian",
    ),
    (
        "mesgtoobig",
        (
            r"\b(?:message|mensaje|messaggio|nachricht|e-?mail)\b.{0,30}\b(?:trop gros|"
            r"demasiado grande|troppo grande)",
        ),
        "RFC 3463 X.3.4 ('Message too big for system'), in French, Spanish and Italian",
    ),
    (
        "toomanyconn",
        (
            r"trop de destinataires|zu viele empf[äa]nger|demasiados destinatarios|"
            r"troppi destinatari",
        ),
        "RFC 3463 X.5.3 ('Too many recipients'), in French, German, Spanish and Italian",
    ),
    (
        "securityerror",
        (
            r"authentification (?:requise|obligatoire|n[ée]cessaire)|"
            r"authentifizierung (?:erforderlich|notwendig)|autenticaci[óo]n (?:requerida|"
            r"obligatoria)|autenticazione (?:richiesta|obbligatoria)",
        ),
        "Authentication required (RFC 4954 530, RFC 3463 X.7.0), in French, German, Spanish "
        "and Italian",
    ),
    (
        "systemerror",
        (r"erreur temporaire|tempor[äa]rer fehler|error temporal|errore temporaneo",),
        "A temporary error of the receiving system (RFC 3463 X.3.0), in French, German, Spanish "
        "and Italian",
    ),
    (
        "hostunknown",
        (
            r"host (?:or domain name )?not found",
            r"host unknown",
            r"unknown host",
            r"domain (?:name )?not found",
            # MDaemon's transcript: "Name server reports domain name unknown" (NXDOMAIN)
            r"domain name (?:is )?unknown",
            r"no mx (?:record|host)",
            r"unrouteable address",  # exim: no router took the domain
            r"domain is not reachable",
            r"the account or domain may not exist",  # cPanel's exim template
            r"mx records point to non-existent hosts",  # Exim's dnslookup router
            r"all host address lookups failed permanently",  # Exim's smtp transport
            r"dns lookup failure: host \S+ not found",
            r"(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+ does not exist",  # a domain, not an address
            r"domain does not exist",
            r"domaine\b.{0,40}\b(?:n.existe pas|introuvable)",  # the French form
            r"domaine (?:inconnu|inexistant)",
            r"domain\b.{0,40}\bexistiert nicht",  # German
            r"domain\b.{0,40}\b(?:unbekannt|nicht gefunden)",  # German: unknown, not found
            # Spanish, Italian, Dutch
            r"dominio\b.{0,40}\b(?:no existe|inesistente|non esiste)",
            r"domein\b.{0,40}\bbestaat niet",
            # Exchange's NDR for a domain with no DNS entry: "554 5.4.4
            # SMTPSEND.DNS.NonExistentDomain; nonexistent domain"
            r"non-?existent domain",
            r"nxdomain",
            r"unrouteable domain",
            r"no such domain",
            r"domain .* does not accept mail",
            r"illegal host/domain",
            r"address resolution failed",
            # qmail-remote: "Sorry, I couldn't find any host named client.example. (#5.1.2)"
            r"couldn.t find any host (?:named|by that name)",
            # Gmail's notice: "… wasn't delivered to x because the domain y couldn't be found"
            r"the domain \S+ (?:couldn.t|could not|cannot) be found",
            r"bad destination (?:host|system)",  # RFC 3463 X.1.2 "Bad destination system address"
            r"unknown domain",
            r"domain (?:is )?not (?:valid|exist)",
            r"(?:recipient )?domain must exist",
            r"mail domain mentioned in (?:the )?e-?mail address is unknown",
            r"unroutable address",  # Exim's "Unrouteable address", spelled as others do
            r"name or service not known",  # getaddrinfo(3) EAI_NONAME: no such name
        ),
        (
            "RFC 3463 X.1.2 and X.4.4; Postfix ('Host or domain name not found'); sendmail ('Host "
            "unknown', 'host not found'); Exim's dnslookup router ('Unrouteable address', "
            "'all relevant MX records point to non-existent hosts'); "
            "qmail ('couldn't find any host'); Gmail 5.1.2 and its notice ('the domain … couldn't "
            "be found'); Exchange 5.4.310 and 5.4.4 "
            "('nonexistent domain'); cPanel's Exim template; DNS's NXDOMAIN (RFC 1035, RFC 8020)"
        ),
    ),
    (
        "userunknown",
        (
            r"user ?unknown",
            r"unknown (?:destination )?(?:user|recipient|local[- ]part|address|mailbox)",
            r"no such (?:user|recipient|mailbox|person|address|account)",
            r"(?:user|recipient|mailbox|"
            r"address|account) (?:does not|doesn't|did not) exist",
            r"does not exist",
            r"(?:user|recipient|mailbox|address) (?:was |is )?(?:not found|unknown|not known)",
            r"invalid (?:recipient|mailbox|user|address)",
            r"mailbox (?:is )?unavailable",
            r"mailbox not (?:found|available)",
            r"not a (?:valid|recogni[sz]ed) (?:e-?mail )?(?:user|mailbox|recipient|account)",
            r"no mailbox",
            r"address (?:couldn.t|could not|cannot|can.t) be found",
            # Exchange 2013-2019's NDR text for 5.1.1 ("The email address you entered couldn't
            # be found"), and its Spanish release ("No se pudo encontrar la dirección …")
            r"address you entered (?:couldn.t|could not) be found",
            r"no se pudo encontrar la direcci[óo]n",
            r"check if (?:the )?address is correct",
            r"and other recipients in the same domain",  # Trend Micro InterScan
            r"invalid final delivery userid",
            r"address unknown",
            r"bad destination (?:e-?mail |mailbox )?address|bad destination mailbox",
            r"not our customer",
            r"no account",
            r"account .* not exist",
            r"unknown or illegal alias",
            r"user not local",
            r"addressee unknown",
            r"utilisateur inconnu",
            r"adresse (?:e-?mail |de messagerie |de destination |du destinataire )?"
            r"(?:inconnue|inexistante)",
            # Exchange's French NDR: "L'adresse de messagerie que vous avez entrée est
            # introuvable"; "n'existe pas", "existiert nicht": does not exist
            r"(?:adresse|destinataire|utilisateur|bo[iî]te aux lettres)\b.{0,60}\bintrouvable",
            r"bo[iî]te aux lettres (?:inexistante|inconnue)",
            r"(?:adresse|destinataire|utilisateur|compte|bo[iî]te)\b.{0,40}\bn.existe (?:pas|plus)",
            r"(?:compte|utilisateur|destinataire) (?:e-?mail )?inexistant",
            r"(?:adresse|empf[äa]nger|postfach|benutzer|nutzer|mailbox|konto)\b.{0,40}"
            r"\bexistiert nicht",
            # Spanish, Italian, Dutch, Portuguese
            r"usuario desconocido|utente sconosciuto|onbekende (?:gebruiker|ontvanger)",
            r"\b(?:gebruiker|ontvanger|adres) (?:is )?onbekend",
            *(
                r"(?:destinat[áa]rio|usu[áa]rio|endere[çc]o|conta|caixa postal)\b.{0,40}?\b" + said
                for said in ("inexistente", "desconhecido", "n[ãa]o existe")
            ),
            r"(?:direcci[óo]n|destinatario|usuario|cuenta)\b.{0,60}\bno (?:existe|se encontr[óo])",
            r"(?:indirizzo|destinatario|utente)\b.{0,60}\b(?:non esiste|inesistente|non [èe] stato "
            r"trovato|non trovato)",
            r"(?:adres|ontvanger|gebruiker)\b.{0,60}\b(?:bestaat niet|is niet gevonden|niet "
            r"gevonden)",
            r"destinataire inconnu",
            # German "unknown", "not found": said of a recipient, an address or a mailbox
            # ("Empfänger unbekannt", "Unbekannter Empfänger", "Die E-Mail-Adresse konnte nicht
            # gefunden werden"), not of a password, a command or a certificate
            *(
                r"(?:empf[äa]nger|benutzer|nutzer|user|adress\w*|postfach|mailbox|konto)\b"
                r"(?:[^.;\n]){0,40}?\b" + said  # one a predicate: each keeps its pre-filter
                for said in ("unbekannt", "nicht gefunden")
            ),
            r"\bunbekannte[rs]? (?:empf[äa]nger|benutzer|nutzer|user|adress\w*|postfach|mailbox|"
            r"konto)",
            r"the email account that you tried to reach does not exist",
            # "Recipient address no longer exists", "This address is no longer valid": said of
            # an address or mailbox (not "Your password is no longer valid", "Your account is
            # no longer active": our own credentials or account at a sending service)
            r"(?<!your )(?:address|e-?mail|mail ?box|user|recipient|account|destination|@\S+)\b"
            r"(?:[^.;\n]|\.(?=\w)){0,40}?\bno longer (?:valid|active|in use|exists?\b)",
            # "User not a member of domain" (MailWizz's hard rules)
            r"not a member of (?:this |the )?domain",
            r"(?:recipient|receiver) not (?:found|valid)",
            r"undeliverable address",
            r"(?:doesn't|does not) have an? .*account",
            r"non-existent",
            r"nonexistent",
            r"is not a known user",
            r"unknown e-?mail address",
            r"unknown virtual user",  # vpopmail's vdeliver: "Invalid or unknown virtual user"
            r"badrcptto",  # qmail's badrcptto list of addresses that no longer exist
            r"(?:destination )?addresses were unknown",  # Netscape Messaging Server's notice
            r"not an active address",
            r"no mail ?box (?:available|present|here)",
            r"mailbox not present",
            r"there is no one at this address",
            r"e-?mail name is not found",
            r"no valid recipients(?! from)",  # qmail: "no valid recipients, bye"
            r"\bbad[-_ ]recipient\b",
            r"no matches to (?:the )?nameserver query",  # a CSO (ph) directory lookup
            r"recipient\b.{0,60}\bwas not found in",  # "… was not found in LDAP server"
            r"no existe (?:dicha persona|ese usuario)",
            r"nessun utente simile",  # Italian: "no such user at this address"
            # Chinese: "帐号不存在" / "用户不存在" (the account, the user does not exist), as
            # NetEase's and Sina's notices say it (MailWizz's rule table quotes the GB2312 form)
            # (not the sender's: "发件人邮箱地址不存在")
            r"(?<!发件人)(?<!发信人)(?:帐号|账号|帐户|账户|用户|收件人|邮箱地址)\s*不存在",
            # Italian "destinatario sconosciuto" / "destin. sconosciuto" (recipient unknown),
            # "destinatario errato" (wrong recipient); Polish "nie ma takiego konta" (no such
            # account), "<konto|adres|użytkownik> … nie istnieje" (does not exist)
            r"destin(?:atario|\.) (?:sconosciuto|errato)",
            r"nie ma takiego (?:konta|u[żz]ytkownika|adresu)",
            # (not the sender's: "adres nadawcy nie istnieje")
            r"(?:konto|adres|u[żz]ytkownik|odbiorca|skrzynka)\b(?:(?!nadawc).){0,30}\bnie istnieje",
            # "No such mail drop defined", "No one with that email address here", "… was not
            # found in LDAP server": the RFC 5321 "no such user" in other words
            r"no such mail ?drop",
            r"no one with that (?:e-?mail )?address",
            r"not found in (?:the )?ldap",
            r"not present in (?:the )?directory",
            r"envelope recipient has been denied",  # qmail's badrcptto patch
            r"not in my validrcptto list",  # qmail's validrcptto patch
            # Lotus Domino: "User x (x@…) not listed in Domino Directory" (older: "… in public
            # Name & Address Book")
            r"not listed in (?:the )?(?:domino directory|public name & address book)",
            # its Spanish and Japanese releases
            r"no se encuentra en el directorio de domino",
            r"domino ?ディレクトリには見つかりません",
            # and its French release: "Utilisateur non recensé dans le carnet d'adresses public"
            r"non recens[ée] dans le carnet d.adresses",
            r"non r[ée]pertori[ée] dans l.annuaire domino",  # its later French release
            # Microsoft Exchange 4.0-5.5 (KB Q133403, "The recipient name is not recognized"),
            # and its French release; Sympa's table of RFC 1893 equivalents reads both as 5.1.1
            r"recipient name is not recognized",
            r"nom du destinataire n.est pas reconnu",
            r"not known at this site",  # "user … not known at this site" (idem, 5.1.1)
            r"unknown quickmail recipient",  # CE QuickMail's notice
            # MDaemon: "There is no user by that name"
            r"(?:there is )?no user (?:here )?by that name",
            # the words Mail::DeliveryStatus::BounceParser's reader gives MailFoundry's and
            # others' replies: "this server doesn't handle mail for that user", "address …
            # not known here"
            r"(?:doesn.t|does not) handle mail for (?:that|this) user",
            r"\bnot known here\b",
            r"invalid e-?mail address",
            r"(?:address|mailbox) is not valid|mailbox (?:is )?invalid",
            r"recipients? (?:is|are) invalid",
            r"<[^<>\s]+@[^<>\s]+> not found",
            r"can.t accept user",
            r"\bno \S+ in name directory",
            # the other unknown-user replies sisimai's UserUnknown list gathers
            r"\b550 address invalid\b",
            r"5\.1\.0 address rejected",
            r"destination server rejected recipients",
            r"rejected: account unavailable",
            r"invalid-recipient",
            r"\b(?:recipient|user) not exists?\b",
            r"resolver\.adr\.recip(?:ient)? ?notfound",  # Exchange 5.1.10
            r"badrecipientto",
            r"rcpt \([^)]*\) doesn.t exist",
            r"\buser \S+ was not found\b",
            r"\buser \([^)]*\) unknown",
        ),
        (
            "RFC 3463 X.1.1 ('Bad destination mailbox address'); RFC 5321 4.2.3 (550 'mailbox "
            "unavailable', 'No such user here'); Postfix local(8) and virtual(8) ('User unknown in "
            "… table'); sendmail ('User unknown'); qmail ('no mailbox here by that name'); Gmail "
            "5.1.1 ('does not exist'); Exchange ('RESOLVER.ADR.RecipNotFound', 'Recipient not "
            "found'); Yahoo '554 dd' ('doesn't have a … account'); Lotus Domino ('not listed in "
            "Domino Directory'); Trend Micro InterScan; IMail ('Invalid final delivery userid'); "
            "the French and German forms of the same words, as Exchange's localized NDRs give them "
            "('introuvable', 'n'existe pas', 'existiert nicht'), and the Spanish, Italian, "
            "Dutch and Portuguese ones; Exchange 2013-2019's NDR text ('The email address you "
            "entered couldn't be found') and its Spanish release; vpopmail ('Invalid or unknown "
            "virtual user'); qmail's badrcptto; "
            "Netscape Messaging Server ('destination addresses were unknown'); a CSO directory's "
            "'No matches to nameserver query'; Exchange 4.0-5.5 ('The recipient name is not "
            "recognized', KB Q133403) and its French form, Domino's French form, 'not known at "
            "this site', QuickMail's and MDaemon's notices (all in Sympa's bounce analyser); the "
            "other unknown-user replies sisimai lists (Sisimai::Reason::UserUnknown); the ones "
            "Mail::DeliveryStatus::BounceParser reads so ('doesn't handle mail for that user', "
            "'not known here'); the wordings CwsMailBounceHandler's resolver table reads as "
            "X.1.1 ('No such mail drop defined', 'not found in LDAP'), in Italian and Polish too "
            "('destinatario sconosciuto', 'nie ma takiego konta')"
        ),
    ),
]

_NOT_THE_RECIPIENT = rf"(?:(?!{_RECIPIENT_WORDS})(?:<[^<>\s]{{1,254}}>|[^.;:\n])){{0,40}}?"
# the same in the languages the recipient's rules read (German, French, Spanish, Italian,
# Dutch, Portuguese): no word for the recipient or its mailbox between the two
_NOT_THE_RECIPIENT_L10N = (
    r"(?:(?!empf[äa]nger|destinat[áa]ri|destinataire|ontvanger|postfach|bo[iî]te|casilla|"
    r"buz[óo]n|casella|caixa|mailbox|recipient)(?:<[^<>\s]{1,254}>|[^.;:\n])){0,40}?"
)
_UNKNOWN_L10N = (
    r"\b(?:unbekannt|existiert nicht|nicht gefunden|ung[üu]ltig|inconnue?|inexistante?|"
    r"n.existe pas|introuvable|invalide|desconocid[oa]|no existe|no v[áa]lid[oa]|"
    r"sconosciut[oa]|non esiste|inesistente|non valid[oa]|onbekend|bestaat niet|ongeldig|"
    r"desconhecid[oa]|n[ãa]o existe|inv[áa]lid[oa])"
)
_SAID_OF_SENDER = (
    r"\b(?:does not exist|doesn't exist|not found|unknown|(?:is )?(?:not valid|invalid)|"
    r"(?:has )?no mx|does not resolve|cannot be resolved|could not be verified|"
    r"verification failed|"
    # the recipient's words, said of the sender: "Sender address not known here", "Sender
    # domain no longer exists", "Sender not a member of domain"
    r"not known|no longer (?:exists?|valid|active)|not a member of|"
    # RFC 7505 4.2: "550 5.7.27 Sender address has null MX", in words without the status
    r"(?:has )?(?:a )?null mx|does not accept (?:any )?(?:e-?)?mail)"
)
SENDER_SUBJECT: Wording = (
    "rejected",
    (
        # "Sender address does not exist", "sender domain not found", "The sender's domain has
        # no MX record", "Return path domain does not exist", "MAIL FROM domain does not resolve",
        # "The address in the From: header does not exist" (RFC 5322 3.6.2: the author, ours)
        # (not "SPF/DKIM/DMARC Sender Invalid", Mimecast's failed authentication check)
        # (one pattern a subject, its word the plain-text pre-filter)
        *(
            rf"(?<!spf )(?<!dkim )(?<!dmarc )\b{subject}(?:'s)?\b"
            + _NOT_THE_RECIPIENT
            + _SAID_OF_SENDER
            for subject in (
                "sender",
                "from[- ]address",
                "from[- ]domain",
                "return[- ]path",
                "envelope[- ]from",
                "reverse[- ]path",
                "mail[- ]from",
                "return[- ]address",
                "bounce[- ]address",
                "from:? header",
            )
        ),
        # "unknown sender", "invalid sender address", "Your domain does not exist"
        r"\b(?:unknown|invalid|unverified|unresolvable|non-?existent) (?:sender|return[- ]path|"
        r"from[- ]address|envelope[- ]from)",
        r"\byour (?:domain|address|e-?mail address)\b" + _NOT_THE_RECIPIENT + r"\b(?:does not "
        r"exist|not found|unknown|not known|invalid|(?:has )?no mx|(?:is )?non-?existent|nxdomain|"
        r"(?:has )?(?:a )?null mx|does not accept (?:any )?(?:e-?)?mail)",
        r"in sender verification",
        # Exim's sender verification by callout (its specification, "verify = sender"): the
        # callout's reply ("550 5.1.1 … User unknown") is about our return path
        r"\bsender verify failed\b",
        # "Absender unbekannt", "Absenderdomain existiert nicht", "Expéditeur inconnu", "le
        # domaine de l'expéditeur n'existe pas", "remitente desconocido", "il dominio del
        # mittente non esiste", "afzender onbekend", "remetente inválido"
        # (one pattern a language's word, so that each keeps its plain-text pre-filter)
        *(
            rf"\b{sender}\b" + _NOT_THE_RECIPIENT_L10N + _UNKNOWN_L10N
            for sender in (
                r"absender\w*",
                r"exp[ée]diteur",
                "remitente",
                "mittente",
                "afzender",
                "remetente",
                # "your address", "your domain": "Votre domaine n'existe pas", "Ihre Adresse
                # ist ungültig", "tu dirección no existe", "il tuo dominio non esiste" (not
                # Spanish "su", Italian "suo" or Portuguese "seu", which say "his" as often)
                r"votre (?:adresse|domaine|nom de domaine)",
                r"ihre? (?:e-?mail-?)?(?:adresse|domain)",
                r"tu (?:direcci[óo]n|dominio)",
                r"tuo (?:indirizzo|dominio)",
                r"vostro (?:indirizzo|dominio)",
                r"uw (?:e-?mail ?)?(?:adres|domein)",
            )
        ),
        # the same predicate before its subject: "No MX found for sender domain", "no mail
        # exchanger for the sender's domain"
        r"\b(?:no mx(?: records?)?(?: found)?|no mail exchanger) for (?:the |your )?"
        r"(?:sender|return[- ]path|envelope[- ]from|mail[- ]from)",
        # Postfix's refusal of the sender (postconf(5), smtpd_sender_restrictions: "<address>:
        # Sender address rejected: <why>"), whatever the why says ("User unknown in local
        # recipient table": our sender, unknown there)
        r"\bsender address rejected\b",
        # the predicate first, then where it was found: "Invalid address in From: header",
        # "Address unknown in MAIL FROM", "Undeliverable address in Return-Path" (one pattern a
        # predicate, its word the plain-text pre-filter)
        *(
            rf"\b{said}\b[^.;\n@]{{0,30}}?\b(?:in|of) (?:the )?(?:from:?|reply-to:?|return-path|"
            r"mail from|envelope[- ]from)(?![\w-])"
            for said in ("invalid", "unknown", "non-?existent", "undeliverable")
        ),
        # the sender's own mailbox or account ("Sender mailbox does not exist"), which the
        # first rule's guard (no word for a mailbox between) leaves out
        r"\bsender(?:'s)? (?:mail ?box|account)\b" + _NOT_THE_RECIPIENT + r"\b(?:does not "
        r"exist|doesn't exist|not found|unknown|(?:is )?(?:not valid|invalid|unavailable))",
        # qmail's control/badmailfrom: "553 sorry, your envelope sender is in my badmailfrom
        # list" (qmail-smtpd(8))
        r"\bbadmailfrom\b",
    ),
    (
        "A failure whose subject is our sender, not the recipient: RFC 5321 3.3 and 4.1.1.2 (the"
        " reverse-path of MAIL FROM), RFC 3463 X.1.7 and X.1.8 (the sender's address and system)"
        "; such a refusal says nothing of the recipient's mailbox, whatever status it carries"
    ),
)
"""Tried on the recipient's own diagnostic before any other rule or status."""

TEXT_RULES: list[Wording] = _SPECIFIC + BROAD_RULES
