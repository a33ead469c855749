"""Each reason read from the wording its senders document, not from a corpus file.

Every row is a refusal or notice as a standard or a sender's published documentation words
it (the source is named beside it), carried in an RFC 3464 report. The classifier must name
the reason and must claim "hard" (the address marked undeliverable) only for a reason that
proves the mailbox or domain gone, given with a permanent status.
"""

from __future__ import annotations

import base64
import quopri
import re

import pytest

from bounce_parser import HARD_REASONS, Kind, classify
from bounce_parser.mime import addresses_in
from bounce_parser.rules.detection import GAVE_UP

RECIPIENT = "factures@client.example"

# Sources, named once:
GMAIL = "Google Workspace Admin Help, 'SMTP errors and codes' (answer 3726730)"
EXO = "Microsoft Learn, 'Email non-delivery reports and SMTP errors in Exchange Online'"
YAHOO = "Yahoo Sender Hub, 'SMTP error codes'"
POSTFIX = "Postfix documentation (postconf(5), the README of the feature named)"
EXIM = "The Exim specification (the router or transport named)"
RFC3463 = "RFC 3463, the status code's own description"
RFC5321 = "RFC 5321 section 4.2 (reply codes) and its example replies"
QMAIL = "qmail's delivery texts, qmail-remote(8) and qmail-local(8)"
MIMECAST = "Mimecast Community, 'Mimecast SMTP Error Codes'"
QQ = "QQ Mail's published error codes (service.mail.qq.com, detail 122)"
EXS = "Microsoft Learn, 'Delivery status notifications in Exchange Server'"
BROADCOM = "Broadcom knowledge base, Email Security.cloud error and bounce codes, article"
NETEASE = "NetEase postmaster help, bounce codes explained (退信代码说明)"
IUA = "I.UA's error pages (mail.i.ua/err/N)"
FACEBOOK = "Facebook postmaster, 'Response codes'"
CWS = "CwsMailBounceHandler's table of reply wordings and the RFC 3463 status each means"
BOUNCEPARSER = "Mail::DeliveryStatus::BounceParser's _std_reason, the senders its comments name"
MAILWIZZ = "MailWizz's BounceHandler rule table, its soft bounces (after PHPMailer-BMH)"
MAILWIZZ_HARD = "MailWizz's BounceHandler rule table, the replies its hard rules quote"
AMAVIS = "amavisd-new's source, %smtp_reason_by_ccat and the status of each content category"
ATT = "AT&T Worldnet's block inquiry pages, their error message summary"
BELLSOUTH = "postmaster.bellsouth.net (AT&T), its e-mail error list"
YAHOO_HELP = "Yahoo Mail help, its articles on the [TS0x] deferral codes"
AOL = "AOL postmaster, 'Error Messages' (postmaster.aol.com/errors)"
GMX = "postmaster.gmx.net and postmaster.web.de, 'Error messages' (United Internet)"

DOCUMENTED: list[tuple[str, str, str, str]] = [
    # (reason, Status field, Diagnostic-Code text, source)
    # userunknown: the mailbox does not exist
    ("userunknown", "5.0.0", "vdeliver: Invalid or unknown virtual user 'factures'", "vpopmail"),
    (
        "userunknown",
        "5.0.0",
        "The following destination addresses were unknown",
        "Netscape Messaging Server's notice",
    ),
    ("userunknown", "5.0.0", "550 Unknown e-mail address", "a server's unknown-user reply"),
    ("userunknown", "5.0.0", "550 No mail box available for this user", "idem"),
    ("userunknown", "5.0.0", "550 There is no one at this address", "idem"),
    ("userunknown", "5.0.0", "550 Recipient factures was not found in LDAP server", "idem"),
    ("userunknown", "5.0.0", "550 No existe dicha persona", "idem, in Spanish"),
    ("userunknown", "5.0.0", "Receiver not found: factures", "CompuServe's returned-mail notice"),
    (
        "userunknown",
        "5.1.1",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.",
        GMAIL,
    ),
    (
        "userunknown",
        "5.1.1",
        "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found",
        EXO + ", 5.1.1",
    ),
    (
        "userunknown",
        "5.1.1",
        f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected: User unknown in local "
        "recipient table",
        POSTFIX + ", LOCAL_RECIPIENT_README",
    ),
    (
        "userunknown",
        "5.1.1",
        f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected: User unknown in virtual "
        "mailbox table",
        POSTFIX + ", VIRTUAL_README",
    ),
    ("userunknown", "5.0.0", "550 No such user here", RFC5321),
    (
        "userunknown",
        "5.0.0",
        f"554 delivery error: dd This user doesn't have a yahoo.com account ({RECIPIENT}) "
        "[0] - mta1001.mail.bf1.yahoo.com",
        YAHOO + ", 554 dd",
    ),
    # hostunknown: the domain has no mail host
    (
        "hostunknown",
        "5.4.4",
        "Host or domain name not found. Name service error for name=client.example "
        "type=MX: Host not found",
        POSTFIX + ", smtp(8)",
    ),
    (
        "hostunknown",
        "5.1.2",
        f"550 5.1.2 <{RECIPIENT}>... Host unknown (Name server: client.example: host not found)",
        "sendmail Installation and Operation Guide (RFC 3463 X.1.2)",
    ),
    (
        "hostunknown",
        "5.0.0",
        "all relevant MX records point to non-existent hosts",
        EXIM + ", the dnslookup router",
    ),
    # hasmoved
    ("hasmoved", "5.0.0", "551 User not local; please try <factures@new.example>", RFC5321),
    (
        "hasmoved",
        "5.1.6",
        "550 5.1.6 Destination mailbox has moved, no forwarding address",
        RFC3463 + " X.1.6",
    ),
    # mailboxfull
    (
        "mailboxfull",
        "4.2.2",
        "452-4.2.2 The email account that you tried to reach is over quota. Please direct "
        "the recipient to https://support.google.com/mail/?p=OverQuotaTemp",
        GMAIL,
    ),
    (
        "mailboxfull",
        "5.2.2",
        f"552 5.2.2 <{RECIPIENT}> Quota exceeded (mailbox for user is full)",
        "Dovecot quota plugin, quota_exceeded_message default",
    ),
    ("mailboxfull", "5.2.2", "550 5.2.2 mailbox full", EXO + ", 5.2.2"),
    # mesgtoobig, exceedlimit
    (
        "mesgtoobig",
        "5.3.4",
        "552-5.3.4 Your message exceeded Google's message size limits.",
        GMAIL,
    ),
    ("mesgtoobig", "5.3.4", "552 5.3.4 Message size exceeds fixed limit", POSTFIX),
    (
        "exceedlimit",
        "5.2.3",
        "552 5.2.3 Message length exceeds administrative limit",
        RFC3463 + " X.2.3",
    ),
    # expired: the sender gave up
    (
        "expired",
        "4.4.7",
        "Message could not be delivered for 5 days",
        "sendmail, its Timeout.queuereturn notice",
    ),
    (
        "expired",
        "5.0.0",
        "I'm not going to try again; this message has been in the queue too long.",
        "qmail-send(8), its bounce text",
    ),
    ("expired", "5.0.0", "retry timeout exceeded", EXIM + ", retry configuration"),
    (
        "expired",
        "5.0.0",
        "Message expired after sitting in queue for 5 days",
        "a queue's giving-up notice",
    ),
    ("expired", "5.0.0", "Unable to deliver message after multiple retries", "idem"),
    ("expired", "5.0.0", "Failed to deliver to domain client.example after 5 tries", "idem"),
    ("expired", "5.0.0", "Server did not respond", "idem"),
    # networkerror: never proof of anything gone
    (
        "networkerror",
        "4.4.1",
        "connect to mx.client.example[192.0.2.1]:25: Connection refused",
        POSTFIX + ", smtp(8) (RFC 3463 X.4.1)",
    ),
    (
        "networkerror",
        "4.4.2",
        "lost connection with mx.client.example[192.0.2.1] while receiving the initial "
        "server greeting",
        POSTFIX + ", smtp(8) (RFC 3463 X.4.2)",
    ),
    ("networkerror", "5.4.6", "554 5.4.6 Routing loop detected", RFC3463 + " X.4.6"),
    (
        "networkerror",
        "5.4.6",
        "mail forwarding loop for factures@client.example",
        POSTFIX + ", local(8)",
    ),
    (
        "networkerror",
        "5.0.0",
        "Host or domain name not found. Name service error for name=client.example type=MX: "
        "Malformed or unexpected name server reply",
        POSTFIX + ", dns_lookup(3): the answer unreadable, not NXDOMAIN",
    ),
    (
        "networkerror",
        "5.0.0",
        'Unrouteable mail domain "client.example"',
        EXIM + ": routing failed, the domain not proven missing",
    ),
    (
        "networkerror",
        "5.0.0",
        "DNS records for the destination computer could not be found",
        "Exchange 2003's NDR for 5.4.0",
    ),
    ("networkerror", "5.0.0", "554 Host is unreachable", "ICMP host unreachable, RFC 792"),
    # systemerror, systemfull
    ("systemerror", "4.3.0", "451 4.3.0 Mail server temporarily rejected message.", GMAIL),
    ("systemerror", "5.3.5", "mail system configuration error", POSTFIX + " (X.3.5)"),
    (
        "systemerror",
        "5.4.6",
        "mail for client.example loops back to myself",
        POSTFIX + ", smtp(8): the domain's MX names the sender, a configuration error "
        "(RFC 5321 5.1)",
    ),
    (
        "systemerror",
        "5.0.0",
        "554 5.3.5 config error: mail loops back to me (MX problem?)",
        "sendmail, its MX check",
    ),
    ("systemerror", "5.0.0", "554 5.3.78 Local configuration error", "sendmail, EX_CONFIG"),
    ("systemerror", "5.0.0", "550 5.0.73 Can't create output", "sendmail, EX_CANTCREAT"),
    ("systemerror", "4.0.0", "451 4.0.71 Operating system error", "sendmail, EX_OSERR"),
    ("systemerror", "5.0.0", "554 5.3.72 System file missing", "sendmail, EX_OSFILE"),
    ("systemerror", "5.0.0", "554 Server configuration error", RFC3463 + " X.3.5"),
    ("systemerror", "5.0.0", "554 5.4.6 It would create a mail loop", "a relay's MX check"),
    (
        "systemerror",
        "4.3.2",
        "451 4.3.2 Recipient deferred because there is no Mdb",
        "Exchange: no mailbox database",
    ),
    (
        "systemerror",
        "5.0.0",
        "Unable to connect to the SpamAssassin daemon",
        "a receiving system's own filter daemon",
    ),
    (
        "systemerror",
        "5.0.0",
        "451 Temporary local problem - please try later",
        EXIM + ", its SMTP input",
    ),
    (
        "systemerror",
        "5.0.0",
        "421 4.4.2 timeout waiting for input from mx.client.example during client RCPT",
        "sendmail, its read time-outs",
    ),
    ("systemfull", "4.3.1", "452 4.3.1 Insufficient system storage", POSTFIX + ", smtpd(8)"),
    (
        "systemfull",
        "5.1.1",
        "550 5.1.1 <factures@client.example> Not enough disk space",
        "RFC 5321 4.2.2, 452 'insufficient system storage': the server's disk (ENOSPC), which "
        "a gone status beside it does not make a missing mailbox",
    ),
    # notaccept: the domain says it takes no mail
    ("notaccept", "5.1.10", "556 5.1.10 Recipient address has null MX", "RFC 7505 section 4"),
    (
        "notaccept",
        "5.1.10",
        "Domain client.example does not accept mail (nullMX)",
        POSTFIX + ", smtp(8) and RFC 7505",
    ),
    # suspend: the mailbox exists and is disabled
    ("suspend", "5.0.0", "550 User account is expired", "a mailbox whose account lapsed"),
    (
        "suspend",
        "5.0.0",
        "550 Mailbox unavailable or access denied",
        "QQ Mail's published codes",
    ),
    ("suspend", "5.0.0", "550 recipient suspend the service", "163.com's published codes"),
    # a mailbox kept but closed, not gone
    ("suspend", "5.0.0", "550 This address no longer accepts mail", "a closed mailbox"),
    ("suspend", "5.0.0", "550 Archived recipient", "an archived mailbox"),
    (
        "suspend",
        "5.2.1",
        "550 5.2.1 Boite du destinataire archivee",
        "Orange and La Poste (their code 420: the mailbox archived)",
    ),
    ("suspend", "5.0.0", "550 User or domain is disabled", RFC3463 + " X.2.1"),
    ("userunknown", "5.0.0", "550 This recipient is not in my validrcptto list", "qmail"),
    ("userunknown", "5.0.0", "550 Nessun utente simile in questo indirizzo", "in Italian"),
    ("hostunknown", "5.0.0", "553 Recipient domain must exist", "a server's domain check"),
    (
        "hostunknown",
        "5.0.0",
        "getaddrinfo: Name or service not known",
        "getaddrinfo(3), EAI_NONAME",
    ),
    (
        "suspend",
        "5.2.1",
        "550-5.2.1 The email account that you tried to reach is disabled.",
        GMAIL,
    ),
    (
        "suspend",
        "5.2.1",
        "550 5.2.1 Mailbox disabled, not accepting messages",
        RFC3463 + " X.2.1",
    ),
    # blocked: the sending host is refused
    (
        "blocked",
        "5.7.1",
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        POSTFIX + ", default_rbl_reply",
    ),
    (
        "blocked",
        "5.7.1",
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip "
        "is in Spamhaus's list",
        YAHOO + ", BL21",
    ),
    (
        "blocked",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact "
        "your Internet service provider since part of their network is on our block list "
        "(S3140).",
        EXO + ", S3140",
    ),
    # spamdetected, policyviolation, virusdetected
    (
        "spamdetected",
        "5.7.1",
        "550-5.7.1 Our system has detected that this message is likely unsolicited mail. "
        "To reduce the amount of spam sent to Gmail, this message has been blocked.",
        GMAIL,
    ),
    (
        "policyviolation",
        "5.7.1",
        "550-5.7.1 The user or domain that you are sending to (or from) has a policy that "
        "prohibited the mail that you sent.",
        GMAIL,
    ),
    (
        "virusdetected",
        "5.7.0",
        "554 5.7.0 Reject, id=12345-01 - VIRUS: Eicar-Test-Signature",
        "amavisd-new, its reject reply",
    ),
    # authfailure, requireptr, badreputation, securityerror, failedstarttls
    (
        "authfailure",
        "5.7.26",
        "550-5.7.26 This message does not have authentication information or fails to pass "
        "authentication checks (SPF or DKIM).",
        GMAIL,
    ),
    (
        "authfailure",
        "5.7.509",
        "550 5.7.509 Access denied, sending domain acme.example does not pass DMARC "
        "verification and has a DMARC policy of reject.",
        EXO + ", 5.7.509",
    ),
    (
        "requireptr",
        "5.7.25",
        "550-5.7.25 The IP address sending this message does not have a PTR record setup, "
        "or the corresponding forward DNS entry does not point to the sending IP.",
        GMAIL,
    ),
    (
        "requireptr",
        "4.7.1",
        "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
        POSTFIX + ", reject_unknown_reverse_client_hostname",
    ),
    (
        "badreputation",
        "4.7.0",
        "421-4.7.0 This message is suspicious due to the very low reputation of the sending "
        "IP address.",
        GMAIL,
    ),
    ("securityerror", "5.7.0", "530 5.7.0 Authentication required", "RFC 4954 section 6"),
    (
        "securityerror",
        "5.7.8",
        "535 5.7.8 Authentication credentials invalid",
        "RFC 4954 section 6",
    ),
    (
        "failedstarttls",
        "4.7.5",
        "TLS is required, but was not offered by host mx.client.example[192.0.2.1]",
        POSTFIX + ", TLS_README (smtp_tls_security_level = encrypt)",
    ),
    ("failedstarttls", "4.7.0", "454 TLS not available due to temporary reason", "RFC 3207"),
    # norelaying, toomanyconn, speeding
    (
        "norelaying",
        "5.7.1",
        f"554 5.7.1 <{RECIPIENT}>: Relay access denied",
        POSTFIX + ", SMTPD_ACCESS_README",
    ),
    (
        "norelaying",
        "5.7.54",
        "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain",
        EXO + ", 5.7.54",
    ),
    (
        "toomanyconn",
        "4.7.0",
        "421 4.7.0 mx.client.example Error: too many connections from 192.0.2.1",
        POSTFIX + ", smtpd_client_connection_count_limit",
    ),
    (
        "speeding",
        "4.7.1",
        "450 4.7.1 Error: too much mail from 192.0.2.1",
        POSTFIX + ", smtpd_client_message_rate_limit",
    ),
    (
        "speeding",
        "4.2.1",
        "450-4.2.1 The user you are trying to contact is receiving mail at a rate that "
        "prevents additional messages from being delivered.",
        GMAIL,
    ),
    # contenterror, notcompliantrfc, syntaxerror, mailererror
    ("contenterror", "5.6.0", "552-5.6.0 Headers too large (32000 max)", GMAIL),
    (
        "notcompliantrfc",
        "5.7.1",
        "550-5.7.1 Our system has detected that this message is not RFC 5322 compliant.",
        GMAIL,
    ),
    (
        "notcompliantrfc",
        "5.7.1",
        "550-5.7.1 Messages missing a valid address in From: header, or having no From: "
        "header, are not accepted.",
        GMAIL,
    ),
    ("syntaxerror", "5.5.2", "501 5.5.2 Syntax error in parameters or arguments", RFC5321),
    ("syntaxerror", "5.5.1", "500 5.5.1 Syntax error, command unrecognized", RFC5321),
    (
        "mailererror",
        "5.3.0",
        'Command died with status 1: "/usr/bin/procmail"',
        POSTFIX + ", pipe(8)",
    ),
    (
        "mailererror",
        "5.0.0",
        "Child process of address_pipe transport returned 127 (could mean unable to exec or "
        "command does not exist) from command: /usr/local/bin/invoices",
        EXIM + ", the pipe transport",
    ),
    # rejected: the sender is refused (nothing said of the recipient)
    (
        "rejected",
        "5.1.8",
        "553 5.1.8 <billing@acme.example>: Sender address rejected: Domain not found",
        POSTFIX + ", reject_unknown_sender_domain",
    ),
    ("rejected", "5.0.0", "550 Sender verify failed", EXIM + ", verify = sender"),
    (
        "rejected",
        "4.0.0",
        "450 <billing@acme.example>: Sender address rejected: Domain not found",
        POSTFIX + ", reject_unknown_sender_domain (with no enhanced status)",
    ),
    (
        "rejected",
        "5.0.0",
        "553 <billing@acme.example>... Domain of sender address billing@acme.example does not "
        "exist",
        "sendmail, its check_mail ruleset",
    ),
    (
        # the callout's answer is about our sender: never a dead recipient domain
        "rejected",
        "5.0.0",
        "550-Verification failed for <billing@acme.example> 550-Unrouteable address 550 Sender "
        "verify failed",
        EXIM + ", verify = sender, its callout failure",
    ),
    ("rejected", "5.0.0", "550 Unroutable sender address", EXIM + ", verify = sender"),
    (
        "rejected",
        "5.1.0",
        "550 5.1.0 <billing@acme.example> Mail from not owned by user",
        "RFC 6409 6.1: a submission server's check of the sender",
    ),
    ("rejected", "5.0.0", "553 Null sender is not allowed", "RFC 5321 4.5.5 (null reverse-path)"),
    (
        "rejected",
        "5.0.0",
        "553 sorry, your email address has been blacklisted",
        "Symantec MessageLabs' sender refusal",
    ),
    (
        "policyviolation",
        "5.0.0",
        "550 Post by non-member to a members-only list",
        "Mailman, its refusal of a non-member's post (sisimai's PolicyViolation list)",
    ),
    (
        "rejected",
        "5.7.1",
        "550 5.7.1 Sender ID (PRA) Can't determine Purported Responsible Address",
        "RFC 4407 (Sender ID: the purported responsible address)",
    ),
    (
        "rejected",
        "5.1.0",
        "550 5.1.0 Sender denied as sender's email address is on SenderFilterConfig list",
        "Exchange's sender filter agent (Set-SenderFilterConfig)",
    ),
    (
        "rejected",
        "5.7.1",
        "554 5.7.1 Service unavailable; MailFrom domain is listed in Spamhaus",
        "a sender domain on Spamhaus' domain block list (DBL)",
    ),
    ("rejected", "5.0.0", "550 Emetteur invalide", "a French sender refusal ('invalid sender')"),
    (
        "blocked",
        "5.7.1",
        "553 Mail from 192.0.2.1 not allowed - 5.7.1 [BL21]",
        YAHOO + ", BL21",
    ),
    (
        "blocked",
        "5.5.2",
        "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
        POSTFIX + ", reject_non_fqdn_helo_hostname",
    ),
    ("blocked", "5.0.0", "550 Rejecting open proxy [192.0.2.1]", "sendmail, srvrsmtp.c"),
    ("blocked", "5.0.0", "550 We do not accept mail from hosts with dynamic IP", "a dynamic IP"),
    ("blocked", "5.0.0", "550 Sender IP address rejected", "a sending host refused"),
    ("blocked", "5.0.0", "550 5.7.0 ESMTP not accepting connections", "iCloud Mail"),
    (
        "spamdetected",
        "5.0.0",
        "550 rejected: SpamAssassin score 9.2 > 5.0",
        "SpamAssassin's verdict, quoted",
    ),
    ("spamdetected", "5.0.0", "550 Your email breaches local URIBL policy", "URIBL, RFC 5782"),
    (
        "spamdetected",
        "5.7.1",
        "550-5.7.1 Our system has detected that this message is likely unsolicited mail.",
        GMAIL + ", 5.7.1",
    ),
    ("spamdetected", "5.0.0", "554 Content filter rejection", "a content filter's refusal"),
    (
        "policyviolation",
        "5.7.0",
        "552-5.7.0 This message was blocked because its content presents a potential security "
        "issue.",
        GMAIL + ", 552 5.7.0",
    ),
    (
        "policyviolation",
        "5.0.0",
        "554 The recipient is not accepting mail with attachments or embedded images",
        "AOL's postmaster error codes",
    ),
    # our own sending account, never the recipient's mailbox
    (
        "toomanyconn",
        "4.0.0",
        "454 Throttling failure: Daily message quota exceeded.",
        "Amazon SES, its SMTP error list",
    ),
    ("securityerror", "5.0.0", "554 Account not subscribed to SES", "idem"),
    (
        "authfailure",
        "4.7.28",
        "421-4.7.28 This mail has been rate limited because DKIM does not pass. Gmail requires "
        "all large senders to authenticate with DKIM.",
        GMAIL + ", 4.7.28",
    ),
    (
        "notcompliantrfc",
        "5.7.1",
        "550-5.7.1 Messages missing a valid address in the From: header, or having no From: "
        "header, are not accepted.",
        GMAIL + ", 5.7.1",
    ),
    ("speeding", "5.4.5", "550 5.4.5 Daily user sending limit exceeded.", GMAIL + ", 5.4.5"),
    (
        "securityerror",
        "5.7.8",
        "SASL authentication failed; server smtp.relay.example[192.0.2.9] said: 535 5.7.8 "
        "Error: authentication failed",
        POSTFIX + ", smtp_sasl_auth_enable (RFC 4954 535)",
    ),
    ("norelaying", "5.7.1", "550 5.7.1 Not allowed to relay through this machine", RFC5321),
    # Amazon SES wraps the remote reply in its own label ("Unknown address error" for any
    # refusal): the quoted reply decides, here a refusal of our own sender address
    (
        "securityerror",
        "5.0.0",
        "5.1.0 - Unknown address error 550-'5.7.1 <billing@acme.example>... Access denied' "
        "(delivery attempts: 0)",
        "Amazon SES's notice, the remote reply quoted",
    ),
    (
        "mailboxfull",
        "5.0.0",
        f"5.1.0 - Unknown address error 550-'5.2.2 <{RECIPIENT}>... Mailbox Full' "
        "(delivery attempts: 0)",
        "idem",
    ),
    # Broadcom Email Security.cloud (formerly MessageLabs), its knowledge base
    ("userunknown", "5.0.0", "553 Recipient mailbox is not allowed", BROADCOM + " 175710"),
    ("rejected", "5.0.0", "553 Sorry, your domain has been blocked", BROADCOM + " 169652"),
    (
        "failedstarttls",
        "4.7.1",
        "451 TLS/SSLv3 Connection required. (#4.7.1)",
        BROADCOM + " 162152",
    ),
    (
        "badreputation",
        "5.0.0",
        "501 Connection rejected by policy [7.7] 20805, please visit www.messagelabs.com/support",
        BROADCOM + " 164955",
    ),
    # Exchange 5.5-2003's IMS codes and Domino's router, in their own words
    (
        "filtered",
        "5.0.0",
        "MSEXCH:IMS:ACME:ACME:EXCHANGE 0 (000C0595) Ambiguous Recipient",
        "Exchange Server 2003 NDR (IMS code 000C0595)",
    ),
    (
        "contenterror",
        "5.0.0",
        "MSEXCH:IMS:ACME:ACME:EXCHANGE 0 (00050311) Conversion to Internet format failed",
        "Exchange Server 2003 NDR (IMS code 00050311)",
    ),
    ("filtered", "5.0.0", f"Cannot route mail to user ({RECIPIENT})", "Lotus Domino's router"),
    (
        "userunknown",
        "5.0.0",
        f"Utilisateur factures ({RECIPIENT}) non répertorié dans l'annuaire Domino",
        "Lotus Domino, its French release",
    ),
    # a relay's own words for a route it could not use: soft, nothing proven gone
    ("networkerror", "4.0.0", "No valid route to remote MX", "OpenSMTPD smtpd/mta.c"),
    ("networkerror", "4.0.0", "Temporary failure in MX lookup", "idem"),
    ("networkerror", "5.0.0", "DNS lookup failed.", "Courier, esmtpclient.c"),
    ("systemerror", "5.0.0", "This domain's DNS violates RFC 1035.", "idem"),
    (
        "networkerror",
        "5.0.0",
        "Message has exceeded maximum hop count",
        "Lotus Notes' router",
    ),
    # Exchange Server's component codes, each naming its own failure
    ("networkerror", "5.4.4", "554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS config error", EXS),
    ("systemerror", "5.2.0", "550 5.2.0 RESOLVER.ADR.BadPrimary; bad primary address", EXS),
    ("filtered", "5.7.1", "550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", EXS),
    # the sender refused, in the words sisimai's Rejected list gathers
    ("rejected", "5.7.1", "550 5.7.1 BATV failed to verify", "SonicWall's BATV check"),
    ("rejected", "5.0.0", "550 Administrative prohibition", EXIM + ", an ACL's deny"),
    ("rejected", "5.0.0", "553 sorry, your envelope sender is in my badmailfrom list", "qmail"),
    ("rejected", "5.0.0", "550 Envelope blocked - User Entry", "Mimecast"),
    ("rejected", "5.0.0", "Spam Reporting Address", "SendGrid, its drop reasons"),
    (
        "securityerror",
        "5.7.1",
        "553 sorry, you don't authenticate or the domain isn't in my list of allowed rcpthosts",
        "qmail, as sisimai's SecurityError list gives it",
    ),
    ("securityerror", "5.0.0", "Executable files are not allowed in compressed files", "idem"),
    (
        "notaccept",
        "5.0.0",
        "554 No MX record found for domain=client.example",
        "Yahoo, as sisimai's NotAccept list gives it",
    ),
    (
        "suspend",
        "5.2.1",
        "550 5.2.1 The account factures@client.example has been suspended",
        "sisimai's Suspend list ('has been suspended')",
    ),
    ("blocked", "5.0.0", "550 Domain does not exist: 192.0.2.1", "sisimai's Blocked list"),
    # Exchange's codes read with the words beside them (EXO, EXS), before the status they
    # correct: the sender's quota is not a full mailbox, a single-label address no move
    ("speeding", "5.2.2", "550 5.2.2 Submission quota exceeded", EXO + ", 5.2.2"),
    (
        "speeding",
        "5.1.90",
        "550 5.1.90 Your message can't be sent because you've reached your "
        "daily limit for message recipients",
        EXO + ", 5.1.90",
    ),
    (
        "userunknown",
        "5.1.6",
        "550 5.1.6 Recipient addresses in single label domains not accepted",
        EXS + ", 5.1.6",
    ),
    ("contenterror", "5.6.11", "554 5.6.11 Invalid characters", EXO + ", 5.6.11"),
    ("contenterror", "5.3.0", "554 5.3.0 Too many related errors", EXS + ", 5.3.0"),
    (
        "spamdetected",
        "5.2.1",
        "550 5.2.1 Content Filter agent quarantined this message",
        EXS + ", 5.2.1",
    ),
    ("suspend", "5.7.505", "550 5.7.505 Access denied, banned recipient", EXO + ", 5.7.505"),
    (
        "blocked",
        "5.7.510",
        "550 5.7.510 Access denied, contoso.com does not accept email over IPv6",
        EXO + ", 5.7.510",
    ),
    (
        "policyviolation",
        "5.7.901",
        "550 5.7.901 Delivery not authorized, message refused",
        EXO + ", 5.7.900-5.7.999 (a mail flow rule)",
    ),
    (
        "toomanyconn",
        "4.7.652",
        "451 4.7.652 The mail server [192.0.2.251] has exceeded the maximum number of connections",
        EXO + ", 4.7.652",
    ),
    (
        "badreputation",
        "4.7.650",
        "451 4.7.650 The mail server [192.0.2.5] has been temporarily "
        "rate limited due to IP reputation",
        EXO + ", 4.7.650",
    ),
    (
        "failedstarttls",
        "5.7.323",
        "550 5.7.323 tlsa-invalid: The domain failed DANE validation",
        EXO + ", 5.7.323",
    ),
    (
        "failedstarttls",
        "4.4.8",
        "451 4.4.8 MX hosts of client.example failed MTA-STS validation",
        EXO + ", 4.4.8",
    ),
    (
        "systemerror",
        "4.4.318",
        "450 4.4.318 Connection was closed abruptly (SuspiciousRemoteServerError)",
        EXO + ", 4.4.318",
    ),
    # Gmail's DNS notice: NXDOMAIN (RFC 1035 RCODE 3) under a permanent status (5.1.2, or any
    # 5.x.x for the MX lookup it names) is the domain gone; under a 4.x.x status, or SERVFAIL,
    # the DNS's trouble
    (
        "hostunknown",
        "5.1.2",
        "550 5.1.2 DNS Error: DNS type 'mx' lookup of client.example "
        "responded with code NXDOMAIN Domain name not found: client.example",
        GMAIL,
    ),
    (
        "networkerror",
        "5.1.2",
        "550 5.1.2 DNS Error: DNS type 'mx' lookup of client.example responded with code SERVFAIL",
        GMAIL,
    ),
    (
        "hostunknown",
        "5.0.0",
        "550 DNS Error: DNS type 'mx' lookup of client.example "
        "responded with code NXDOMAIN Domain name not found: client.example",
        GMAIL,
    ),
    (
        "virusdetected",
        "5.7.1",
        "552 5.7.1 virus Eicar-Test-Signature detected by Zoho Mail",
        "Zoho Mail, as sisimai's table of its replies gives it",
    ),
    (
        "notcompliantrfc",
        "5.0.0",
        "550 [192.0.2.1] has detected that this message is not RFC 5322",
        "Symantec Email Security.cloud's bounce codes",
    ),
    ("spamdetected", "5.0.0", "553 Message filtered by Outbound scanning", "idem"),
    (
        "securityerror",
        "5.0.0",
        "535 Incorrect authentication data",
        "RFC 4954 535, in Exim's and Mimecast's words",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Rejected by header-based Blocked Senders - Block policy for Header From",
        "Mimecast's SMTP error codes",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Rejected by header based Blocked Senders",
        "the same words written without the hyphen",
    ),
    # the rest of the wordings this change added, one row each, so that each has a test that
    # fails if it is lost: sender refusals (sisimai's Rejected list, the product named)
    ("rejected", "5.0.0", "550 Bogus mail from", "IMail, its refusal of an empty sender"),
    ("rejected", "5.0.0", "550 Denied [BounceDeny]", "McAfee, idem"),
    ("rejected", "5.0.0", "550 Error: no third-party DSNs", "SpamWall, idem"),
    (
        "rejected",
        "5.0.0",
        "550 Transaction failed unsigned DSN for <billing@acme.example>",
        "a BATV-signing receiver, idem",
    ),
    ("rejected", "5.0.0", "553 Syntax error: empty email address", "idem"),
    ("rejected", "5.0.0", "550 Sender email address rejected", "sisimai's Rejected list"),
    ("rejected", "5.0.0", "553 Sender was rejected", "qmail, as sisimai's Rejected list gives it"),
    (
        "rejected",
        "5.0.0",
        "550 Because the sender isn't on the recipient's list of senders to accept mail from",
        "sisimai's Rejected list",
    ),
    (
        "rejected",
        "5.0.0",
        "550 billing@acme.example is not a registered gateway user",
        "sisimai's Rejected list",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Your access to submit messages to this e-mail system has been rejected",
        "sisimai's Rejected list",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Rule imposed mailbox access for factures@client.example refused",
        "MailMarshal, as sisimai's Rejected list gives it",
    ),
    (
        "rejected",
        "5.0.0",
        "550 From: domain is invalid. Please provide a valid From:",
        "sisimai's Rejected list",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Invalid domain, see <URL:http://www.acme.example/>",
        "sisimai's Rejected list",
    ),
    ("rejected", "5.0.0", "550 Access denied (sender blacklisted)", "sisimai's Rejected list"),
    ("rejected", "5.0.0", "550 Sender is in my black list", "sisimai's Rejected list"),
    ("rejected", "5.0.0", "550 Does not exist E2110", "sisimai's Rejected list"),
    (
        "rejected",
        "5.0.0",
        "550 RFC 1035 violation: recursive CNAME records for acme.example",
        "sisimai's Rejected list (the sender's domain)",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Denied by SecuMail valid-address-filter",
        "SecuMail, as sisimai's Rejected list gives it",
    ),
    # authentication asked for or refused (sisimai's SecurityError list)
    (
        "securityerror",
        "5.7.0",
        "530 5.7.0 Unauthenticated senders not allowed",
        "sisimai's SecurityError list",
    ),
    (
        "securityerror",
        "5.0.0",
        "550 Authentification requise.",
        "Orange, its own words without its code",
    ),
    (
        "securityerror",
        "5.0.0",
        "550 Code d'authentification invalide",
        "idem ('authentification invalide')",
    ),
    ("securityerror", "5.0.0", "535 Submitter failed to authenticate", MIMECAST),
    ("blocked", "5.0.0", "550 Go away", "sisimai's Blocked list"),
    (
        "notaccept",
        "5.0.0",
        "550 Name server: .: host not found",
        "sendmail, a domain whose only MX is '.', as sisimai's NotAccept list gives it",
    ),
    (
        "exceedlimit",
        "5.3.4",
        "552 5.3.4 Your message exceeded Google's message header size limits",
        GMAIL + ", 5.3.4",
    ),
    (
        "virusdetected",
        "5.7.0",
        "552 5.7.0 This form of attachment has been used by recent viruses or other malware",
        GMAIL + ", 552 5.7.0",
    ),
    (
        "virusdetected",
        "5.0.0",
        "554 Message rejected: virus signature Eicar-Test found",
        "a scanner's finding by signature",
    ),
    ("failedstarttls", "5.0.0", "554 Configuration is invalid for this certificate", MIMECAST),
    # Exchange's codes read with the words beside them (EXO, EXS), and its new table rows
    ("contenterror", "5.4.11", "554 5.4.11 Agent generated message depth exceeded", EXS),
    ("networkerror", "5.4.4", "554 5.4.4 Invalid arguments", EXO + ", a routing loop"),
    (
        "notaccept",
        "4.4.4",
        "451 4.4.4 Mail received as unauthenticated, incoming to a domain "
        "hosted tenant which has no mail-enabled subscriptions",
        EXO + ", 4.4.4",
    ),
    ("policyviolation", "5.0.350", "550 5.0.350 x-dg-ref header is too long", EXO + ", 5.0.350"),
    (
        "policyviolation",
        "5.0.350",
        "550 5.0.350 Requested action not taken: policy violation detected (AS345)",
        EXO + ", 5.0.350",
    ),
    ("suspend", "5.2.1", "550 5.2.1 Mailbox cannot be accessed", EXS + ", 5.2.1"),
    ("suspend", "5.7.504", "550 5.7.504 Recipient address rejected: Access denied", EXO),
    ("speeding", "4.3.2", "432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded", EXO),
    (
        "speeding",
        "5.2.121",
        "550 5.2.121 Recipient's per hour message receive limit from specific sender exceeded",
        EXO + ", 5.2.121",
    ),
    ("syntaxerror", "5.3.3", "500 5.3.3 Unrecognized command", EXS + ", 5.3.3"),
    ("systemerror", "4.3.2", "421 4.3.2 Service not active", EXS + ", 4.3.2"),
    ("systemerror", "4.3.2", "421 4.3.2 Service not available", EXS + ", 4.3.2"),
    (
        "failedstarttls",
        "5.7.29",
        "550 5.7.29 Gmail requires all bulk email senders to use TLS/SSL for SMTP connections",
        GMAIL + ", 5.7.29",
    ),
    (
        "rejected",
        "5.0.0",
        "550 Rejected by header-based manually blocked senders - block for manual block",
        "Mimecast's SMTP error codes",
    ),
    (
        "virusdetected",
        "5.0.0",
        "554 Message rejected by our anti-malware gateway",
        "Exchange Online's malware filter, in a gateway's words",
    ),
    (
        "speeding",
        "5.2.122",
        "550 5.2.122 The recipient has exceeded their limit for the number "
        "of messages they can receive per hour",
        EXO + ", 5.2.122",
    ),
    (
        "systemerror",
        "5.3.190",
        "550 5.3.190 Journaling on-premises messages to Microsoft 365 "
        "isn't supported when Journaling Archive is disabled",
        EXO + ", 5.3.190",
    ),
    (
        "systemerror",
        "4.4.22",
        "451 4.4.22 Message failed to be replicated: no healthy peers found",
        "Exchange Online's replication failure, as sisimai's table gives it",
    ),
    (
        "systemerror",
        "4.7.500",
        "451 4.7.500 Server busy. Please try again later from [192.0.2.2]. (AS761)",
        EXO + ", 4.7.500",
    ),
    ("systemerror", "4.7.700", "451 4.7.700 PFA agent busy, please try again.", EXO),
    ("rejected", "5.7.12", "550 5.7.12 Sender was not authenticated by organization", EXO),
    (
        "failedstarttls",
        "5.7.51",
        "550 5.7.51 TLS required: RestrictDomainsToIPAddresses or RestrictDomainsToCertificate",
        EXO + ", 5.7.51",
    ),
    (
        "failedstarttls",
        "4.7.321",
        "451 4.7.321 starttls-not-supported: Destination mail server "
        "must support TLS to receive mail",
        EXO + ", 4.7.321",
    ),
    (
        "badreputation",
        "4.7.0",
        "421 4.7.0 Unfortunately, some messages from 192.0.2.1 weren't sent. (RP-001)",
        "Outlook.com's postmaster troubleshooting page, RP-001",
    ),
    (
        "policyviolation",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from 192.0.2.1 weren't sent. (SC-002)",
        "idem, SC-002",
    ),
    (
        "blocked",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from 192.0.2.1 weren't sent. (SC-004)",
        "idem, SC-004",
    ),
    (
        "badreputation",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from 192.0.2.1 weren't sent. (OU-002)",
        "idem, OU-002",
    ),
    (
        "speeding",
        "4.0.0",
        "450 Frequency of receiving messages is limited",
        "QQ Mail's published codes, 122/1011",
    ),
    (
        "failedstarttls",
        "4.7.29",
        "421 4.7.29 Your email has been rate limited because this "
        "message wasn't sent over a TLS connection. Gmail requires all bulk email senders to use "
        "TLS/SSL for SMTP connections",
        GMAIL + ", 4.7.29",
    ),
    (
        "exceedlimit",
        "5.3.4",
        "552 5.3.4 The size of the Subject header value (1200 bytes) "
        "exceeds Google's limit of 998 bytes per individual header size",
        GMAIL + ", 5.3.4",
    ),
    (
        "badreputation",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. (SC-001)",
        "Outlook.com's postmaster troubleshooting page, SC-001",
    ),
    (
        "blocked",
        "5.7.1",
        "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. (DY-001)",
        "idem, DY-001",
    ),
    ("spamdetected", "5.7.1", "550 5.7.1 Mail score (12.4) over 10", "sisimai's SpamDetected"),
    ("spamdetected", "5.7.1", "550 5.7.1 Rejecting mail content", "idem"),
    ("virusdetected", "5.7.1", "554 5.7.1 Virus phishing/malicious_url detected", "sisimai"),
    (
        "contenterror",
        "5.0.0",
        "554 Improper use of 8-bit data in message header",
        "sisimai's ContentError list (RFC 6532 absent)",
    ),
    # refused ahead of a mailbox that is not proven gone
    (
        "filtered",
        "5.0.0",
        "554 Due to extended inactivity new mail is not currently being accepted for this mailbox.",
        "AOL and Verizon, as sisimai's Filtered list gives it",
    ),
    ("filtered", "5.0.0", "Bounced Address", "SendGrid, its drop reasons (Event Webhook)"),
    (
        "filtered",
        "5.1.1",
        "550 5.1.1 The recipient has blocked your address",
        "the recipient's own block list, beside a status that would say the mailbox is gone",
    ),
    ("expired", "4.4.7", "550 4.4.7 QUEUE.Expired; message expired", EXS),
    # a system-side cause named beside an X.1.1 or X.1.2 status: the words say what failed,
    # the status proves no mailbox or domain gone (soft)
    (
        "networkerror",
        "5.1.1",
        f"554 5.1.1 mail forwarding loop for {RECIPIENT}",
        "Postfix local(8), under a status that says otherwise",
    ),
    ("networkerror", "5.1.2", "550 5.1.2 connect to mx: No route to host", "EHOSTUNREACH"),
    (
        "systemerror",
        "5.1.1",
        "451 5.1.1 Requested action aborted: local error in processing",
        RFC5321 + ", 451",
    ),
    (
        "mesgtoobig",
        "5.3.4",
        "552 5.3.4 Error: message file too big",
        POSTFIX + ", message_size_limit (cleanup(8))",
    ),
    (
        "virusdetected",
        "5.7.0",
        "552-5.7.0 This message was blocked because it has a potentially executable attachment",
        GMAIL + ", 552 5.7.0",
    ),
    (
        "authfailure",
        "5.7.1",
        "550 5.7.1 Sender Policy Framework violation: sender not authorized",
        "RFC 7208 (SPF), named in full",
    ),
    (
        "authfailure",
        "5.7.1",
        "550 5.7.1 DKIM header error: body hash did not verify",
        "RFC 6376 6.3 (a DKIM signature's body hash), not a header's form",
    ),
    (
        "requireptr",
        "5.7.25",
        "550-5.7.25 The IP address sending this message does not have a PTR record setup, or "
        "the corresponding forward DNS entry does not point to the sending IP.",
        GMAIL + ", 5.7.25",
    ),
    # the sending host or its session refused: soft, nothing said of the mailbox
    ("blocked", "4.0.0", "421 Connection reset by peer during result wait", "sendmail's notice"),
    ("blocked", "5.0.0", "550 Dynamic/zombied/spam IPs blocked", "a sending host refused"),
    ("blocked", "5.0.0", "550 Error: no valid recipients from 192.0.2.1", "idem, for its address"),
    (
        "blocked",
        "4.0.0",
        "421 mx.client.example Service not available, closing transmission channel",
        RFC5321 + ", 421 at connection",
    ),
    (
        "userunknown",
        "5.1.10",
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
        EXO + ", 5.1.10",
    ),
    (
        "spamdetected",
        "5.7.1",
        "554 5.7.1 Your message failed several antispam checks",
        "a spam filter's verdict",
    ),
    (
        "policyviolation",
        "5.7.0",
        "552-5.7.0 Our system detected an illegal attachment on your message.",
        GMAIL,
    ),
    ("policyviolation", "5.0.0", "550 Message bounced due to organizational settings", "idem"),
    ("norelaying", "5.0.0", "550 We don't handle mail for client.example", "a relay refusal"),
    (
        "norelaying",
        "5.0.0",
        "550 Mail server requires authentication when attempting to send to a non-local e-mail "
        "address",
        "MailEnable",
    ),
    (
        "securityerror",
        "5.7.8",
        "535 5.7.8 Authentication credentials invalid",
        "RFC 4954 section 6",
    ),
    ("toomanyconn", "4.0.0", "421 Trop de connexions, veuillez reessayer plus tard", "Orange"),
    (
        "authfailure",
        "5.7.515",
        "550 5.7.515 Access denied, sending domain acme.example doesn't meet the required "
        "authentication level",
        EXO + ", 5.7.515",
    ),
    ("requireptr", "5.0.0", "550 Access denied. IP name lookup failed", "a reverse DNS check"),
    ("requireptr", "5.0.0", "550 Sender IP reverse lookup rejected", "idem"),
    ("mesgtoobig", "5.0.0", "552 Exceeded maximum inbound message size", "a size limit"),
    ("mesgtoobig", "5.0.0", "552 Taille limite du message atteinte", "idem, in French"),
    ("contenterror", "5.0.0", "554 Header size exceeds maximum permitted", RFC3463 + " X.6.x"),
    ("speeding", "4.7.0", "450 4.7.0 Please try again slower", "a receiving rate limit"),
    # a status alone, its RFC 3463 (and IANA registry) description as the only words
    ("filtered", "5.1.4", "550 5.1.4 Destination mailbox address ambiguous", RFC3463 + " X.1.4"),
    ("systemerror", "5.1.9", "550 5.1.9 Message relayed to non-compliant mailer", "RFC 3886"),
    ("filtered", "5.2.1", "550 5.2.1 <factures@client.example>", RFC3463 + " X.2.1"),
    ("filtered", "5.2.4", "550 5.2.4 Mailing list expansion problem", RFC3463 + " X.2.4"),
    ("systemerror", "5.5.4", "501 5.5.4 Invalid command arguments", RFC3463 + " X.5.4"),
    (
        "spamdetected",
        "5.7.28",
        "550 5.7.28 The message appears to be part of a mail flood of similar abusive messages",
        "IANA SMTP enhanced status codes, X.7.28",
    ),
    ("failedstarttls", "5.7.30", "550 5.7.30 REQUIRETLS support required", "RFC 8689"),
    (
        "contenterror",
        "5.6.7",
        "553 5.6.7 Non-ASCII addresses not permitted for that sender/recipient",
        "RFC 6531 (SMTPUTF8), X.6.7",
    ),
    (
        "contenterror",
        "5.6.9",
        "550 5.6.9 UTF-8 header message cannot be transferred to one or more recipients",
        "RFC 6531 (SMTPUTF8), X.6.9",
    ),
    (
        "mesgtoobig",
        "5.7.16",
        "552 5.7.16 Message is too big for the specified priority",
        "RFC 6710 (MT-PRIORITY), X.7.16",
    ),
    # the sender's conduct named beside "invalid recipients": nobody's mailbox is in question
    (
        "blocked",
        "5.0.0",
        "554 This IP has been temporarily blocked for attempting to mail too many invalid "
        "recipients.",
        "GoDaddy's bounce help page (IB112), without its code",
    ),
    ("policyviolation", "5.0.0", "550 Too many invalid recipients", "Spectrum, AUP#1560"),
    # X.2.0: "the mailbox exists, but something about the destination mailbox" refused it
    ("filtered", "5.2.0", "550 5.2.0 Message refused", RFC3463 + " X.2.0"),
    # a transient code read as its own description says, where it differs from its
    # permanent twin: X.4.1 "No answer from host" given up on; X.7.1 refused for now
    ("expired", "4.4.1", "451 4.4.1 No answer from host", RFC3463 + " X.4.1"),
    ("systemfull", "4.4.5", "452 4.4.5 Mail system congestion", RFC3463 + " X.4.5"),
    (
        "securityerror",
        "5.7.1",
        "550 5.7.1 Delivery not authorized, message refused",
        RFC3463 + " X.7.1",
    ),
    # filtered: refused for its content or the recipient's own settings
    (
        "filtered",
        "5.0.0",
        "554 Recipient is only accepting mail from specific email addresses",
        "AOL's postmaster error codes",
    ),
    ("filtered", "5.7.1", "550 5.7.1 User refuses to receive this mail", "a recipient's block"),
    ("filtered", "5.0.0", "550 This mailbox is not accepting any mail", "a recipient's block"),
    (
        "filtered",
        "5.0.0",
        "550 5.0.0 factures@client.example has restricted SMS e-mail",
        "AT&T's email-to-text gateway",
    ),
    # the words of a recipient's own refusal say the mailbox exists, whatever the status
    ("filtered", "5.1.2", "550 5.1.2 User reject", "a recipient's refusal under X.1.2"),
    (
        "filtered",
        "5.1.1",
        "550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes?ip=192.0.2.1#rcp "
        "Refused due to recipient preferences",
        "Facebook postmaster, 'Response codes' (RCP-P2)",
    ),
    (
        "filtered",
        "5.0.0",
        "host mx.client.example[192.0.2.1] said: 550 User unknown (in reply to end of DATA "
        "command)",
        POSTFIX + ", smtp(8): a refusal only once the content was sent (RFC 5321 3.3)",
    ),
    # RFC 5321's own reply texts (section 4.2.3)
    # RFC 5321 gives this 550 for a policy refusal too: hard only with a status saying so
    ("userunknown", "5.0.0", "550 Requested action not taken: mailbox unavailable", RFC5321),
    (
        "userunknown",
        "5.1.1",
        "550 5.1.1 Requested action not taken: mailbox unavailable",
        RFC5321 + " with RFC 3463 X.1.1",
    ),
    (
        "mailboxfull",
        "5.0.0",
        "552 Requested mail action aborted: exceeded storage allocation",
        RFC5321,
    ),
    (
        "systemfull",
        "5.0.0",
        "452 Requested action not taken: insufficient system storage",
        RFC5321,
    ),
    ("systemerror", "5.0.0", "451 Requested action aborted: local error in processing", RFC5321),
    # qmail's own texts (qmail-remote(8), qmail-local(8)), with RFC 3463 codes in "(#...)"
    ("userunknown", "5.1.1", "Sorry, no mailbox here by that name. (#5.1.1)", QMAIL),
    (
        "hostunknown",
        "5.1.2",
        "Sorry, I couldn't find any host named client.example. (#5.1.2)",
        QMAIL,
    ),
    (
        "networkerror",
        "4.4.1",
        "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)",
        QMAIL,
    ),
    # Postfix's own transport failures
    (
        "networkerror",
        "4.4.2",
        "conversation with mx.client.example[192.0.2.1] timed out while receiving the "
        "initial server greeting",
        POSTFIX + ", smtp(8)",
    ),
    (
        "networkerror",
        "4.4.3",
        "Host or domain name not found. Name service error for name=client.example type=MX: "
        "Host not found, try again",
        POSTFIX + ", smtp(8): the name server did not answer (RFC 3463 X.4.3)",
    ),
    (
        "mailererror",
        "5.3.0",
        'Command time limit exceeded: "/usr/local/bin/invoices"',
        POSTFIX + ", pipe(8)",
    ),
    # more of Gmail's reference: the sender's volume and the sending IP
    ("speeding", "5.4.5", "550-5.4.5 Daily sending quota exceeded.", GMAIL),
    (
        "blocked",
        "5.7.1",
        "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating "
        "from your IP address.",
        GMAIL,
    ),
    (
        "blocked",
        "5.7.1",
        "550-5.7.1 The IP you're using to send mail is not authorized to send email directly "
        "to our servers. Please use the SMTP relay at your service provider instead.",
        GMAIL,
    ),
    (
        "blocked",
        "4.7.0",
        "421-4.7.0 IP not in whitelist for RCPT domain, closing connection.",
        GMAIL,
    ),
    (
        "hostunknown",
        "5.1.2",
        "553-5.1.2 We weren't able to find the recipient domain. Please check for any spelling "
        "errors.",
        GMAIL,
    ),
    (
        "networkerror",
        "5.6.0",
        "554-5.6.0 Message exceeded 50 hops, this may indicate a mail loop.",
        GMAIL,
    ),
    ("networkerror", "4.4.2", "451-4.4.2 Timeout - closing connection.", GMAIL),
    # the receiving system's own trouble, as Gmail words it (its table of SMTP errors)
    ("systemerror", "4.4.5", "421-4.4.5 Server busy, try again later.", GMAIL),
    # Yahoo's
    (
        "blocked",
        "5.7.1",
        "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL",
        YAHOO + ", BL23",
    ),
    (
        "suspend",
        "5.0.0",
        "554 delivery error: dd Sorry your message to factures@yahoo.com cannot be delivered. "
        "This mailbox is disabled (554.30).",
        YAHOO + ", 554.30",
    ),
    (
        "mesgtoobig",
        "5.0.0",
        "554 30 Sorry, your message size exceeds 41943040 bytes.",
        YAHOO + ", 554 30",
    ),
    # Exchange Online's own enhanced codes, each with the wording its NDR reference gives
    (
        "hostunknown",
        "5.4.310",
        "550 5.4.310 DNS domain client.example does not exist [Message=InfoDomainNonexistent]",
        EXO + ", 5.4.310",
    ),
    # Exchange Online's own three-digit codes decide over their wording
    # 5.7.507: "the IP that you're attempting to send from has been blocked by the recipient's
    # organization"
    ("blocked", "5.7.507", "550 5.7.507 Access denied, rejected by recipient", EXO + ", 5.7.507"),
    (
        "norelaying",
        "5.0.0",
        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        QMAIL + ", qmail-smtpd",
    ),
    # 5.7.133: the group "is set up to reject messages sent from outside of its organization":
    # the sender is refused
    (
        "rejected",
        "5.7.133",
        "550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; "
        "Delivery restriction check failed as sender not authenticated for group",
        EXO + ", 5.7.133",
    ),
    (
        "rejected",
        "5.7.750",
        "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains",
        EXO + ", 5.7.750",
    ),
    (
        "rejected",
        "5.7.705",
        "550 5.7.705 Access denied, tenant has exceeded threshold",
        EXO + ", 5.7.700-749",
    ),
    (
        "blocked",
        "4.7.500",
        "451 4.7.500 Access denied, please try again later",
        EXO + ", 4.7.500-699",
    ),
    ("blocked", "5.7.506", "550 5.7.506 Access Denied, Bad HELO", EXO + ", 5.7.506"),
    (
        "networkerror",
        "5.4.4",
        "554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain",
        EXS + ": a DNS or network adapter configuration issue on the Exchange server, as "
        "often as a domain gone, so it proves nothing gone",
    ),
    ("networkerror", "5.4.312", "550 5.4.312 DNS query failed", EXO + ", 5.4.312"),
    (
        "expired",
        "5.4.316",
        "550 5.4.316 Message expired, connection refused(Socket error code 10061)",
        EXO + ", 5.4.316",
    ),
    ("rejected", "5.1.0", "550 5.1.0 Sender denied", EXO + ", 5.1.0"),
    (
        "notcompliantrfc",
        "5.7.512",
        "550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant",
        EXO + ", 5.7.512",
    ),
    (
        "notcompliantrfc",
        "5.6.11",
        "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds",
        EXO + ", 5.6.11",
    ),
    (
        "securityerror",
        "5.7.57",
        "530 5.7.57 Client not authenticated to send mail",
        EXO + ", 5.7.57",
    ),
    ("norelaying", "5.7.64", "550 5.7.64 TenantAttribution; Relay Access Denied", EXO + ", 5.7.64"),
    (
        "blocked",
        "5.7.606",
        "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
        EXO + ", 5.7.606-649",
    ),
    (
        "speeding",
        "5.2.122",
        "550 5.2.122 Recipient's per hour message receive limit exceeded",
        EXO + ", 5.2.122",
    ),
    # the wordings of older products, as the bounce analysers of Sympa (bounce-lib.pl and its
    # table of RFC 1893 equivalents) and Mailman (flufl.bounce) read them
    (
        "userunknown",
        "5.0.0",
        "The recipient name is not recognized",
        "Microsoft Exchange 4.0-5.5 (KB Q133403); Sympa's equivalents table, 5.1.1",
    ),
    (
        "userunknown",
        "5.0.0",
        "Le nom du destinataire n'est pas reconnu",
        "the same, Exchange's French release; Sympa's equivalents table, 5.1.1",
    ),
    (
        "userunknown",
        "5.0.0",
        "Utilisateur non recensé dans le carnet d'adresses public",
        "Lotus Domino's French release; Sympa's equivalents table, 5.1.1",
    ),
    ("userunknown", "5.0.0", "factures... not known at this site", "Sympa's table, 5.1.1"),
    ("userunknown", "5.0.0", "Unknown QuickMail recipient(s)", "QuickMail; Sympa, type 4"),
    ("userunknown", "5.0.0", "There is no user by that name", "MDaemon; Mailman, simplematch"),
    ("userunknown", "5.0.0", "Unknown destination address", "idem"),
    ("userunknown", "5.0.0", "This recipient e-mail address was not found", "idem"),
    ("userunknown", "5.0.0", "not a recognised email account", "idem"),
    ("userunknown", "5.0.0", "This user does not have an email account here", "idem"),
    ("userunknown", "5.0.0", f"<{RECIPIENT}> not found", "Sisimai::Reason::UserUnknown"),
    ("userunknown", "5.0.0", "550 Mailbox invalid", "Sisimai::Reason::UserUnknown"),
    (
        "hostunknown",
        "5.0.0",
        "Sorry, I couldn't find any host named client.example. (#5.1.2)",
        QMAIL + ", qmail-remote",
    ),
    ("hostunknown", "5.0.0", "Bad destination host", RFC3463 + " X.1.2"),
    (
        "mailboxfull",
        "5.0.0",
        f"User mailbox exceeds allowed size: {RECIPIENT}",
        "Ipswitch IMail (SMTP32); Sympa's equivalents table, 4.2.2",
    ),
    (
        "expired",
        "5.0.0",
        "Your message has been enqueued and undeliverable for 5 day to the following recipients",
        "PMDF; Sympa, type 41",
    ),
    (
        "hostunknown",
        "5.0.0",
        f"Your message wasn't delivered to {RECIPIENT} because the domain client.example "
        "couldn't be found. Check for typos or unnecessary spaces and try again.",
        "Gmail's notice of a domain that does not exist",
    ),
    (
        "rejected",
        "5.0.0",
        "You're sending this from a different address or alias using the 'Send mail as' "
        "feature. The settings for your 'Send mail as' account are misconfigured or out of date.",
        "Gmail's notice (support.google.com/mail/?p=CustomFromDenied)",
    ),
    # Exim's own texts, from its source (the file named)
    ("hostunknown", "5.0.0", "all host address lookups failed permanently", EXIM + ", smtp.c"),
    ("mailboxfull", "5.0.0", "error: quota exceed", EXIM + ", appendfile.c"),
    (
        "mailboxfull",
        "4.0.0",
        "451 Account disabled temporarly for exceeding receiving limits",
        "a receiving limit reached (sisimai's MailboxFull list)",
    ),
    ("syntaxerror", "5.0.0", "angle-brackets nested too deep", EXIM + ", parser.c"),
    ("syntaxerror", "5.0.0", "domain missing in source-routed address", EXIM + ", parser.c"),
    ("systemerror", "5.0.0", "delivery to file forbidden", EXIM + ", deliver.c"),
    ("systemerror", "5.0.0", "delivery to pipe forbidden", EXIM + ", deliver.c"),
    (
        "contenterror",
        "5.0.0",
        'Too many "Received" headers - suspected mail loop',
        EXIM + ", deliver.c",
    ),
    (
        "expired",
        "5.0.0",
        "Message 1abc-000123-AB has been frozen by the system filter.",
        EXIM + ", deliver.c",
    ),
    # qmail's and qmail-ldap's own texts (the rows of sisimai's qmail table)
    (
        "systemfull",
        "5.0.0",
        "Requested action not taken: mailbox unavailable (not enough free space)",
        QMAIL,
    ),
    ("systemerror", "5.0.0", "bad interpreter: No such file or directory", QMAIL + ", qmail-local"),
    ("systemerror", "4.2.1", "Unable to chdir to maildir. (#4.2.1)", QMAIL + ", qmail-local"),
    ("suspend", "5.2.1", "Mailaddress is administratively disabled. (#5.2.1)", "qmail-ldap"),
    # Gmail's documented replies that general words would misread
    (
        "authfailure",
        "4.7.27",
        "421 4.7.27 Your email has been rate limited because SPF authentication didn't pass "
        "for this message.",
        GMAIL + ", 4.7.27",
    ),
    (
        "authfailure",
        "4.7.32",
        "421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this "
        "message isn't aligned with either the authenticated SPF or DKIM organizational domain.",
        GMAIL + ", 4.7.32",
    ),
    (
        "failedstarttls",
        "4.7.29",
        "421 4.7.29 Your email has been rate limited because this message wasn't sent over a "
        "TLS connection.",
        GMAIL + ", 4.7.29",
    ),
    (
        "failedstarttls",
        "4.7.0",
        "421 4.7.0 TLS required for RCPT domain, closing connection.",
        GMAIL,
    ),
    ("blocked", "5.5.4", "501 5.5.4 HELO/EHLO argument is invalid.", GMAIL + ", 5.5.4"),
    ("norelaying", "5.7.1", "550 5.7.1 Invalid credentials for relay 192.0.2.1.", GMAIL),
    ("securityerror", "5.7.1", "535 5.7.1 Application-specific password required.", GMAIL),
    (
        "spamdetected",
        "4.7.0",
        "421 4.7.0 This message is suspicious due to the nature of the content or the links "
        "within.",
        GMAIL,
    ),
    ("syntaxerror", "5.7.10", "523 5.7.10 SMTP protocol violation, no commands allowed", GMAIL),
    ("notcompliantrfc", "5.6.0", "554 5.6.0 Mail message is malformed. Not accepted.", GMAIL),
    (
        "notcompliantrfc",
        "5.7.1",
        "550 5.7.1 Messages missing a valid Message-ID: header are not accepted.",
        GMAIL,
    ),
    (
        "policyviolation",
        "4.7.28",
        "421 4.7.28 Gmail has detected this message exceeded its quota for sending messages "
        "with the same Message-ID:.",
        GMAIL + ", 4.7.28",
    ),
    ("rejected", "5.7.0", "550 5.7.0 Mail Sending denied.", GMAIL + ", its SMTP relay"),
    # QQ Mail's published codes (service.mail.qq.com, detail 122)
    ("blocked", "5.0.0", "550 Suspected bounce attacks", QQ),
    ("blocked", "5.0.0", "550 Suspected spam ip, please try later", QQ),
    ("blocked", "5.0.0", "550 Connection denied", QQ),
    ("spamdetected", "5.0.0", "550 Mail content denied", QQ),
    ("syntaxerror", "5.0.0", "550 Bad address syntax", QQ),
    # Mimecast's replies (Mimecast Community, "Mimecast SMTP Error Codes")
    ("authfailure", "5.0.0", "550 SPF Sender Invalid - envelope rejected", MIMECAST),
    ("authfailure", "5.0.0", "550 DMARC Sender Invalid - envelope rejected", MIMECAST),
    ("rejected", "5.0.0", "550 Administrative prohibition envelope blocked", MIMECAST),
    (
        "rejected",
        "5.0.0",
        "550 Envelope rejected - Block policy for envelope from address",
        MIMECAST,
    ),
    ("failedstarttls", "5.0.0", "553 This route requires encryption (TLS)", MIMECAST),
    ("mesgtoobig", "5.0.0", "554 Maximum email size exceeded", MIMECAST),
    ("norelaying", "4.0.0", "451 Open relay not allowed", MIMECAST),
    ("toomanyconn", "4.0.0", "451 Account service is temporarily unavailable", MIMECAST),
    ("systemerror", "4.0.0", "451 Message ended early", MIMECAST),
    ("virusdetected", "5.0.0", "554 Email rejected due to security policies", MIMECAST),
    # Yahoo's replies (Yahoo Sender Hub, "SMTP error codes")
    (
        "authfailure",
        "5.7.9",
        "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo "
        "requires all senders to authenticate with either SPF or DKIM.",
        YAHOO + ", 5.7.9",
    ),
    ("notcompliantrfc", "5.0.0", "554 Message not allowed - Headers are not RFC compliant", YAHOO),
    (
        "rejected",
        "4.0.0",
        "451 Message temporarily deferred due to unresolvable RFC.5321 from domain.",
        YAHOO,
    ),
    ("speeding", "4.0.0", "450 User is receiving mail too quickly", YAHOO),
    ("toomanyconn", "4.0.0", "421 Max message per connection reached", YAHOO),
    ("suspend", "5.0.0", f"554 delivery error: dd {RECIPIENT} is no longer valid.", YAHOO),
    # iCloud Mail's replies (support.apple.com HT204137, its mail best practices)
    (
        "authfailure",
        "5.7.1",
        "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM "
        "authentication checks.",
        "iCloud Mail, HME1",
    ),
    (
        "blocked",
        "5.7.1",
        "550 5.7.1 Mail from IP 192.0.2.1 was rejected due to listing in Spamhaus SBL.",
        "iCloud Mail: the sending IP on a blocklist",
    ),
    (
        "speeding",
        "4.7.1",
        f"421 4.7.1 Messages to {RECIPIENT} deferred due to excessive volume. Try again later",
        "iCloud Mail: too much mail at once",
    ),
    # NetEase's published bounce codes (163.com, 126.com): the code decides, not the words
    ("blocked", "4.0.0", "421 HL:REP Suspected bulk mail, please try again later", NETEASE),
    ("toomanyconn", "4.0.0", "421 HL:ICC too many concurrent connections", NETEASE),
    ("speeding", "4.0.0", "421 HL:IFC too many messages from your IP", NETEASE),
    ("toomanyconn", "4.0.0", "450 RP:DRC too many recipients in this connection", NETEASE),
    ("blocked", "4.0.0", "450 DT:RBL sending IP listed", NETEASE),
    ("rejected", "4.0.0", "450 WM:BLU sender not allowed", NETEASE),
    ("spamdetected", "5.0.0", "554 DT:SPM 163 mx1,QMCowAD 1767000000", NETEASE),
    ("speeding", "4.0.0", "451 MI:SFQ please try again later", NETEASE),
    # Exchange's NDR text for people, given alone when the part for administrators is lost
    (
        "userunknown",
        "5.0.0",
        "The email address you entered couldn't be found. Please check the recipient's email "
        "address and try to resend the message. If the problem continues, please contact your "
        "helpdesk.",
        EXS + ", 5.1.1 (Exchange 2013-2019)",
    ),
    (
        "userunknown",
        "5.0.0",
        "No se pudo encontrar la dirección de correo electrónico que escribiste. Comprueba la "
        "dirección de correo electrónico del destinatario y trata de volver a mandar el mensaje.",
        EXS + ", 5.1.1, its Spanish release",
    ),
    (
        "rejected",
        "5.0.0",
        "factures only accepts messages from people in their organization or on their allowed "
        "senders list, and your email address isn't on the list.",
        EXO + ", 5.7.133-5.7.136",
    ),
    # Postfix's sender refusal: our sender unknown there, whatever status the report gives
    (
        "rejected",
        "5.1.1",
        "550 5.1.1 <billing@acme.example>: Sender address rejected: User unknown in local "
        "recipient table",
        POSTFIX + ", smtpd_sender_restrictions (reject_unlisted_sender)",
    ),
    # our own return address refused, in the words of RFC 5321 3.3 (the reverse-path) and
    # qmail-smtpd(8)'s badmailfrom; a 5.1.1 status does not make the recipient gone
    ("rejected", "5.1.1", "550 5.1.1 Return address is invalid", RFC5321),
    (
        "rejected",
        "5.1.1",
        "550 5.1.1 The sender address <billing@acme.example> was not found",
        RFC5321,
    ),
    (
        "rejected",
        "5.0.0",
        "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)",
        QMAIL,
    ),
    # Facebook's published response codes: the code decides
    ("userunknown", "5.0.0", "550 5.1.1 RCP-P1 The attempted recipient does not exist", FACEBOOK),
    ("suspend", "4.0.0", "450 4.2.1 RCP-T4 The recipient address is deactivated", FACEBOOK),
    ("blocked", "4.0.0", "450 4.7.1 POL-T1 Not accepting messages from your mail server", FACEBOOK),
    ("requireptr", "5.0.0", "550 5.7.1 DNS-P3 No reverse DNS record", FACEBOOK),
    ("toomanyconn", "4.0.0", "421 4.7.0 CON-T3 Too many new connections", FACEBOOK),
    # AOL: the code's category before its colon says what was refused
    ("blocked", "5.0.0", "554 RLY:B1 http://postmaster.info.aol.com/errors/554rlyb1.html", AOL),
    ("blocked", "5.0.0", "554- (RTR:BB) http://postmaster.info.aol.com/errors/554rtrbb.html", AOL),
    ("blocked", "4.0.0", "421 DYN:T1", AOL),
    ("requireptr", "5.0.0", "554 DNS:NR http://postmaster.info.aol.com/errors/554dnsnr.html", AOL),
    (
        "spamdetected",
        "5.0.0",
        "554 HVU:B1 http://postmaster.info.aol.com/errors/554hvub1.html",
        AOL,
    ),
    ("rejected", "5.0.0", "554 RLY:SN http://postmaster.info.aol.com/errors/554rlysn.html", AOL),
    ("toomanyconn", "4.0.0", "421 4.7.1 : (CON:B1) https://postmaster.aol.com/error-codes", AOL),
    # I.UA: every refusal links the error page that explains its number
    ("userunknown", "5.0.0", "550 Sorry, see https://mail.i.ua/err/2/", IUA),
    ("suspend", "5.0.0", "550 Sorry, see https://mail.i.ua/err/3/", IUA),
    ("mailboxfull", "5.0.0", "550 Sorry, see https://mail.i.ua/err/4/", IUA),
    ("blocked", "5.0.0", "550 Sorry, see https://mail.i.ua/err/9/", IUA),
    ("filtered", "5.0.0", "550 Sorry, see https://mail.i.ua/err/10/", IUA),
    (
        "blocked",
        "5.0.0",
        "554 192.0.2.9 found on one or more DNSBLs (abusixip). Refer to "
        "https://developers.cloudflare.com/email-routing/postmaster/#spam-and-abusive-traffic/",
        "Cloudflare Email Routing, postmaster page: the sending IP on RBLs (the link's words "
        "name the page, not the cause)",
    ),
    ("blocked", "5.0.0", "550 IP is rejected", "Coremail's bounce list"),
    (
        "filtered",
        "5.7.1",
        "550 5.7.1 Recipient doesn't want your mail",
        "Interia's published bounce list: the recipient blocked the sender",
    ),
    (
        "filtered",
        "5.0.0",
        "550 5.7.1 The recipient has chosen not to receive mail from you",
        "The recipient's own choice of senders (the words say the mailbox exists)",
    ),
    (
        "filtered",
        "5.0.0",
        "554 5.7.1 Sender is on the recipient’s block list",
        "The recipient's own block list, not a DNS block list of the sending host's",
    ),
    (
        "filtered",
        "5.0.0",
        "550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send to "
        "this recipient",
        EXO + " (5.7.129: the recipient restricted to the senders it names)",
    ),
    (
        "filtered",
        "5.0.0",
        "550 Recipient refuses to accept your mail",
        "The recipient's own refusal (sisimai's UserUnknown list; the words say the mailbox "
        "exists and refuses)",
    ),
    (
        "filtered",
        "5.7.1",
        "550 5.7.1 This account is protected by a challenge-response service",
        "A challenge-response service: the sender must confirm itself (sisimai's Filtered list)",
    ),
    # wordings a bounce handler's resolver table maps to RFC 3463 statuses (CwsMailBounceHandler,
    # after PHPMailer-BMH): each read as the status it means, in the languages it gives
    ("mailboxfull", "5.0.0", "552 User has exhausted allowed storage space", CWS + " (X.2.2)"),
    ("userunknown", "5.0.0", "550 No such mail drop defined", CWS + " (X.1.1)"),
    ("userunknown", "5.0.0", "550 No one with that email address here", CWS + " (X.1.1)"),
    (
        "userunknown",
        "5.0.0",
        "550 <factures@client.example> was not found in LDAP server",
        CWS + " (X.1.1)",
    ),
    ("userunknown", "5.0.0", "550 destinatario sconosciuto", CWS + " (X.1.1), Italian"),
    ("userunknown", "5.0.0", "550 destinatario errato", CWS + " (X.1.1), Italian"),
    ("userunknown", "5.0.0", "550 nie ma takiego konta", CWS + " (X.1.1), Polish"),
    ("userunknown", "5.0.0", "550 Konto factures nie istnieje", CWS + " (X.1.1), Polish"),
    ("suspend", "5.0.0", "550 Recipient mailbox was disabled", CWS + " (X.2.1)"),
    (
        "suspend",
        "5.0.0",
        "550 Mail is not currently being accepted for this mailbox",
        CWS + " (X.2.1, whose own words are 'not accepting messages')",
    ),
    (
        "suspend",
        "5.0.0",
        "550 Questo indirizzo e' bloccato per inutilizzo",
        CWS + " (X.2.1), Italian",
    ),
    (
        "suspend",
        "5.0.0",
        "550 Esta casilla ha expirado por falta de uso",
        CWS + " (X.1.2 there; a mailbox closed for disuse is X.2.1), Spanish",
    ),
    ("suspend", "5.0.0", "550 El usuario esta en estado: inactivo", CWS + " (X.2.1), Spanish"),
    (
        "suspend",
        "5.0.0",
        "550 Podane konto jest zablokowane administracyjnie lub nieaktywne",
        CWS + " (X.2.1), Polish",
    ),
    (
        "spamdetected",
        "5.0.0",
        "554 Wiadomosc zostala odrzucona przez system antyspamowy",
        CWS + " (X.7.1), Polish",
    ),
    ("blocked", "5.0.0", "554 Dial-up or dynamic-ip denied", CWS + " (X.7.1)"),
    ("blocked", "5.0.0", "554 Connection refused due to abuse", CWS + " (X.7.1)"),
    (
        "spamdetected",
        "5.7.1",
        "550 5.7.1 Message rejected due to content restrictions",
        "Microsoft Learn, Set-ContentFilterConfig: the Content Filter agent's default "
        "RejectionResponse for a message above the SCL reject threshold",
    ),
    (
        "policyviolation",
        "5.7.1",
        "550 5.7.1 Message rejected due to unacceptable attachments",
        "Microsoft Learn, Set-AttachmentFilterListConfig: the Attachment Filtering agent's "
        "default RejectResponse",
    ),
    # the soft bounces MailWizz's BounceHandler lists (its code, after PHPMailer-BMH)
    ("systemerror", "5.0.0", "550 maildir delivery failed: Permission denied", MAILWIZZ),
    ("systemerror", "5.0.0", "451 Can't open mailbox for factures", MAILWIZZ),
    ("systemerror", "5.0.0", "451 Error opening input/output file", MAILWIZZ),
    ("systemerror", "5.0.0", "554 Internal software error", MAILWIZZ + " (sendmail's EX_SOFTWARE)"),
    (
        "systemerror",
        "5.0.0",
        "451 Resources temporarily unavailable. Please try again later.",
        MAILWIZZ + " (EAGAIN)",
    ),
    ("systemfull", "5.0.0", "452 disk full", MAILWIZZ),
    ("systemfull", "5.0.0", "451 write error, errno=28", MAILWIZZ + " (ENOSPC)"),
    ("mailboxfull", "5.0.0", "552 Inbox is full", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 recipient storage full, try again later", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 mailbox_quota_exceeded", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 Message would exceed the quota for the mailbox", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 Message would exceed maximum allowed storage", MAILWIZZ),
    (
        "mailboxfull",
        "5.0.0",
        "552 Mailbox is over the maximum allowed number of messages",
        MAILWIZZ,
    ),
    ("mailboxfull", "5.0.0", "552 too many messages in this mailbox", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 Message is larger than the space available", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 mail box space not enough", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 Requested mailbox exceeds quota", MAILWIZZ),
    ("mailboxfull", "5.0.0", "552 The user's space has used up.", MAILWIZZ),
    ("suspend", "5.0.0", "550 Account closed due to inactivity", MAILWIZZ),
    ("suspend", "5.0.0", "550 User hasn't entered during last 90 days", MAILWIZZ),
    ("suspend", "5.0.0", "550 Mailbox_currently_suspended", MAILWIZZ),
    ("networkerror", "5.0.0", "554 This message is looping", MAILWIZZ),
    ("networkerror", "5.0.0", "554 loop count exceeded", MAILWIZZ),
    (
        "networkerror",
        "5.0.0",
        "Connected to 192.0.2.1 but connection died. (#4.4.2)",
        MAILWIZZ + " (qmail-remote(8))",
    ),
    (
        "networkerror",
        "5.0.0",
        "CNAME lookup failed temporarily. (#4.4.3)",
        MAILWIZZ + " (qmail-remote(8))",
    ),
    ("rejected", "5.0.0", "550 Could not complete sender verify callout", MAILWIZZ + " (Exim)"),
    ("rejected", "5.0.0", "550 Sender verification error", MAILWIZZ),
    ("authfailure", "5.0.0", "550 5.7.1 Sender ID (PRA) not permitted", MAILWIZZ + " (RFC 4406)"),
    ("spamdetected", "5.0.0", "554 Message rejected as bulk", MAILWIZZ),
    ("spamdetected", "5.0.0", "554 message classified as bulk", MAILWIZZ),
    ("spamdetected", "5.0.0", "550 This message scored 12.5 points", MAILWIZZ),
    ("spamdetected", "5.0.0", "550 Rejected by DCC", MAILWIZZ),
    ("policyviolation", "5.0.0", "554 Message Denied: Restricted attachment", MAILWIZZ),
    ("policyviolation", "5.0.0", "554 Message contains unacceptable attachment", MAILWIZZ),
    (
        "policyviolation",
        "5.0.0",
        "554 Message has exceeded maximum attachment count limit",
        MAILWIZZ,
    ),
    # the replies MailWizz's BounceHandler quotes beside its hard rules (its code's comments)
    (
        "userunknown",
        "5.0.0",
        "550 User not a member of domain: <factures@client.example>",
        MAILWIZZ_HARD,
    ),
    (
        "userunknown",
        "5.0.0",
        "553 <factures@client.example>... Recipient address no longer exists",
        MAILWIZZ_HARD,
    ),
    ("suspend", "5.0.0", "550 <factures@client.example>: User status is locked.", MAILWIZZ_HARD),
    ("filtered", "5.0.0", "553 User refused to receive this mail.", MAILWIZZ_HARD),
    ("norelaying", "5.0.0", "500 Unauthorized relay msg rejected", MAILWIZZ_HARD),
    ("contenterror", "5.0.0", "552 MessageWall: MIME/REJECT: Invalid structure", MAILWIZZ_HARD),
    ("rejected", "5.0.0", "550 Verify mailfrom failed,blocked", MAILWIZZ_HARD),
    (
        "rejected",
        "5.0.0",
        "550 Error: MAIL FROM is mismatched with message header from address!",
        MAILWIZZ_HARD,
    ),
    (
        "networkerror",
        "5.0.0",
        "SMTP module(domain client.example) reports: connection with mx1.client.example is broken",
        MAILWIZZ_HARD + " (IceWarp's notice)",
    ),
    (
        "suspend",
        "5.0.0",
        "LOCAL module(account factures) reports: mail receiving disabled",
        MAILWIZZ_HARD + " (IceWarp's notice)",
    ),
    ("userunknown", "5.0.0", "550 factures@client.example : 帐号不存在, 请核对", MAILWIZZ_HARD),
    ("userunknown", "5.0.0", "550 用户不存在", MAILWIZZ_HARD + " (the same in other words)"),
    ("mailboxfull", "5.0.0", "552 收件人邮箱空间不足", MAILWIZZ + " (its Chinese form)"),
    ("mailboxfull", "5.0.0", "552 用户信箱已满", MAILWIZZ + " (its Chinese form, 信箱 for 邮箱)"),
    ("mailboxfull", "5.0.0", "552 Mailbox exceeds allowed message count", MAILWIZZ),
    (
        "systemerror",
        "5.0.0",
        "can not open new email file errno=13 file=/home/vpopmail/domains/client.example/0/f",
        MAILWIZZ_HARD + " (vpopmail)",
    ),
    (
        "filtered",
        "5.0.0",
        "550 The user does not accept email in non-Western (non-Latin) character sets.",
        MAILWIZZ_HARD + " (Hotmail's per-user setting)",
    ),
    (
        "policyviolation",
        "5.0.0",
        "554 Unzulässiger Anhang",
        "bounce_email (a Python bounce handler), its subject patterns: a German refusal of an "
        "attachment",
    ),
    (
        "norelaying",
        "5.0.0",
        "550 relaying to <factures@client.example> prohibited by administrator",
        "bounce_email (a Python bounce handler), its status table: a relay refused",
    ),
    (
        "networkerror",
        "4.0.0",
        "Could not initiate SMTP conversation with any hosts",
        "bounce_email (a Python bounce handler), its status table: Gmail's older notice of a "
        "connection it could not open",
    ),
    # the replies Mail::DeliveryStatus::BounceParser's reader names with their senders
    ("userunknown", "5.0.0", "550 No user here by that name", BOUNCEPARSER),
    ("userunknown", "5.0.0", "550 This server doesn't handle mail for that user", BOUNCEPARSER),
    ("userunknown", "5.0.0", "550 Address factures@client.example not known here", BOUNCEPARSER),
    ("suspend", "5.0.0", "550 Recipient suspended", BOUNCEPARSER + " (everyone.net)"),
    ("suspend", "5.0.0", "550 Account discontinued", BOUNCEPARSER),
    ("suspend", "5.0.0", "550 Account not activated", BOUNCEPARSER + " (USA.NET)"),
    # amavisd-new's refusals, "Reject, id=%n - <category>" with the status it gives each
    ("spamdetected", "5.7.0", "554 5.7.0 Reject, id=04861-02 - spammy (tag3)", AMAVIS),
    ("spamdetected", "5.7.0", "554 5.7.0 Reject, id=04861-02 - spammy", AMAVIS),
    (
        "exceedlimit",
        "5.3.4",
        "552 5.3.4 Reject, id=04861-02 - Message size exceeds recipient's size limit",
        AMAVIS,
    ),
    # (under the 5.0.0 a relay gives when it reports the reply without its status)
    (
        "systemerror",
        "5.0.0",
        "550 Reject, id=04861-02 - Temporary MTA failure on relaying",
        AMAVIS,
    ),
    (
        "systemerror",
        "5.0.0",
        "550 Reject, id=04861-02 - Rejected by next-hop MTA on relaying",
        AMAVIS,
    ),
    (
        "systemerror",
        "5.3.5",
        "550 5.3.5 Reject, id=04861-02 - Unable to relay message back to MTA",
        AMAVIS,
    ),
    ("virusdetected", "5.7.0", "554 5.7.0 Reject, id=04861-02 - INFECTED: Eicar-Test", AMAVIS),
    ("spamdetected", "5.7.0", "554 5.7.0 Reject, id=04861-02 - spam", AMAVIS),
    # Yahoo's earlier deferral codes: the sending IP's complaints and volume
    (
        "badreputation",
        "4.7.0",
        "421 4.7.0 [TS01] Messages from 192.0.2.25 temporarily deferred due to user complaints "
        "- 4.16.55.1",
        YAHOO_HELP,
    ),
    (
        "badreputation",
        "4.7.1",
        "421 4.7.1 [TS03] All messages from 192.0.2.25 will be permanently deferred; Retrying "
        "will NOT succeed.",
        YAHOO_HELP + " SLN3436",
    ),
    (
        "badreputation",
        "4.0.0",
        "421 Message from (192.0.2.25) temporarily deferred due to user complaints - 4.16.55.1",
        YAHOO_HELP + ", its earlier form without a code",
    ),
    # T-Online's refusal at connection of a host of bad or unknown reputation
    (
        "blocked",
        "5.0.0",
        "554 IP=192.0.2.25 - A problem occurred. (Ask your postmaster for help or to contact "
        "tosa@rx.t-online.de to clarify.) (BL)",
        "postmaster.t-online.de, 4.7 (why an SMTP connection was refused)",
    ),
    # AT&T's and BellSouth's documented refusals
    ("requireptr", "4.0.0", "421-failure in DNS look-up.", ATT),
    ("blocked", "5.0.0", "550 unauthorized interface for <192.0.2.25>", ATT),
    (
        "mesgtoobig",
        "5.0.0",
        "net 006: Your e-mail message is larger than the destination mail system is able to "
        "accept.",
        BELLSOUTH,
    ),
    (
        "contenterror",
        "5.0.0",
        "net 005: The e-mail message uses 8-bit or binary encoding and the destination mail "
        "system does not support this encoding.",
        BELLSOUTH,
    ),
    # an authentication check named after the verb: RFC 7372 X.7.23 under Gmail's 5.7.27,
    # which RFC 7505 gives to a null MX (which would read as the recipient refusing mail)
    ("authfailure", "5.7.27", "550 5.7.27 The sender does not pass SPF checks", RFC3463),
    # a refusal by the sender domain's SPF policy (RFC 7208 2.6.4 "fail") or by its error
    # results (2.6.6 temperror, 2.6.7 permerror): the authentication, not a policy of content
    (
        "authfailure",
        "5.0.0",
        "550 <factures@client.example>: Reject due to SPF policy. The originating IP of the "
        "message is not permitted by the domain owner",
        GMX,
    ),
    ("authfailure", "5.7.1", "550 5.7.1 Sender domain SPF policy does not allow it", RFC3463),
    ("authfailure", "5.0.0", "550 5.7.0 SPF policy violation", "RFC 7208 2.6.4"),
    ("authfailure", "4.7.1", "451 4.7.1 Please try again later (SPF temporary error)", RFC3463),
    ("authfailure", "5.0.0", "550 Rejected: SPF permerror", "RFC 7208 2.6.7"),
    # a full mailbox in other words: Yandex's documented "Mailbox size exceeded" (its help,
    # "Report on non-delivery to Yandex"), a mailbox at its size, storage at its limit, and the
    # same in Spanish ("casilla", the mailbox's other word) and French
    ("mailboxfull", "5.0.0", "550 Mailbox size exceeded", "Yandex Mail help, non-delivery reports"),
    ("mailboxfull", "5.0.0", "550 Recipient's mailbox has reached its size limit", RFC3463),
    ("mailboxfull", "5.0.0", "550 Storage limit reached", RFC3463),
    ("mailboxfull", "5.0.0", "550 Mailbox overfull", RFC3463),
    ("mailboxfull", "5.0.0", "550 Casilla de correo llena", RFC3463 + ", in Spanish"),
    (
        "mailboxfull",
        "5.0.0",
        "550 La boîte de réception du destinataire a atteint sa taille maximale",
        RFC3463 + ", in French",
    ),
    ("mailboxfull", "5.0.0", "550 Quota de la boîte aux lettres atteint", RFC3463 + ", in French"),
    ("mailboxfull", "5.0.0", "550 Espace de stockage insuffisant", RFC3463 + ", in French"),
    # the receiving system's own trouble, which a 5.1.1 beside it does not make a missing
    # mailbox: its directory or store failing (RFC 3463 X.4.3, X.3.0), an internal error (in
    # English, French, German, Spanish), a connection that failed
    ("systemerror", "5.0.0", "550 LDAP lookup failed", RFC3463 + " X.4.3"),
    ("systemerror", "5.0.0", "550 Recipient lookup failed", RFC3463 + " X.4.3"),
    ("systemerror", "5.0.0", "550 Unable to lookup recipient", RFC3463 + " X.4.3"),
    ("systemerror", "5.0.0", "550 Database error", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 Backend server unreachable", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 I/O error", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 Error writing message to mailbox", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 Mailbox server unavailable", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 Internal server error", RFC3463 + " X.3.0"),
    ("systemerror", "5.0.0", "550 Erreur interne du serveur", RFC3463 + " X.3.0, in French"),
    ("systemerror", "5.0.0", "550 Interner Serverfehler", RFC3463 + " X.3.0, in German"),
    ("systemerror", "5.0.0", "550 Error interno del servidor", RFC3463 + " X.3.0, in Spanish"),
    # the other causes in the languages the recipient rules read, as RFC 3463 names them
    ("virusdetected", "5.0.0", "550 Virus détecté dans le message", RFC3463 + " X.7.0, FR"),
    ("virusdetected", "5.0.0", "550 Message rejeté pour cause de virus", RFC3463 + " X.7.0, FR"),
    ("virusdetected", "5.0.0", "550 Virus gefunden", RFC3463 + " X.7.0, in German"),
    ("norelaying", "5.0.0", "550 Relais interdit", "RFC 5321 3.6, in French"),
    ("norelaying", "5.0.0", "550 Relaying nicht erlaubt", "RFC 5321 3.6, in German"),
    ("norelaying", "5.0.0", "550 Relay no permitido", "RFC 5321 3.6, in Spanish"),
    ("blocked", "5.0.0", "554 Votre adresse IP est bloquée", "the sending host, in French"),
    ("blocked", "5.0.0", "554 Ihre IP-Adresse ist gesperrt", "the sending host, in German"),
    ("rejected", "5.0.0", "550 Expéditeur refusé", RFC3463 + " X.7.1, in French"),
    ("rejected", "5.0.0", "550 Absender abgelehnt", RFC3463 + " X.7.1, in German"),
    ("mesgtoobig", "5.0.0", "550 Message trop gros", RFC3463 + " X.3.4, in French"),
    ("mesgtoobig", "5.0.0", "550 El mensaje es demasiado grande", RFC3463 + " X.3.4, ES"),
    ("toomanyconn", "5.0.0", "550 Trop de destinataires", RFC3463 + " X.5.3, in French"),
    ("toomanyconn", "5.0.0", "550 Zu viele Empfänger", RFC3463 + " X.5.3, in German"),
    ("securityerror", "5.0.0", "550 Authentifizierung erforderlich", "RFC 4954 530, German"),
    ("securityerror", "5.0.0", "550 Autenticación requerida", "RFC 4954 530, in Spanish"),
    (
        "systemerror",
        "4.0.0",
        "451 Erreur temporaire, veuillez réessayer plus tard",
        RFC3463 + " X.3.0, in French",
    ),
    ("systemerror", "4.0.0", "451 Temporärer Fehler", RFC3463 + " X.3.0, in German"),
    # a mailbox that does not exist, or is full ("saturée"), in French
    ("userunknown", "5.0.0", "550 Adresse de destination inconnue", RFC3463 + " X.1.1, FR"),
    ("userunknown", "5.0.0", "550 Boîte aux lettres inexistante", RFC3463 + " X.1.1, FR"),
    ("userunknown", "5.0.0", "550 Boite aux lettres introuvable", RFC3463 + " X.1.1, FR"),
    ("mailboxfull", "5.0.0", "552 Boîte aux lettres saturée", RFC3463 + " X.2.2, in French"),
    # Postfix's resolver answering TRY_AGAIN (dns_lookup(3): "Host not found, try again"), a DNS
    # failure for now even under 5.1.2; its plain "Host not found" is the NXDOMAIN that
    # proves the domain gone
    (
        "networkerror",
        "5.1.2",
        "550 5.1.2 Host or domain name not found. Name service error for name=client.example "
        "type=MX: Host not found, try again",
        POSTFIX,
    ),
    (
        "hostunknown",
        "5.1.2",
        "550 5.1.2 Host or domain name not found. Name service error for name=client.example "
        "type=MX: Host not found",
        POSTFIX,
    ),
    # a name server that did not answer in time (RFC 1035 7.2), a lookup that failed
    ("networkerror", "5.1.2", "550 5.1.2 Domain client.example: DNS timeout", RFC3463),
    ("networkerror", "5.1.2", "550 5.1.2 DNS lookup error for client.example", RFC3463),
    ("networkerror", "5.1.2", "550 5.1.2 Temporary DNS failure for client.example", RFC3463),
    # qmail-ldap's own delivery texts (its patch to qmail-local): a per-user size limit, its
    # spelling kept, and its forwarding program failing under X.4.4, not a route gone
    (
        "exceedlimit",
        "5.0.0",
        "The message exeeded the maximum size the user accepts",
        QMAIL + ", qmail-ldap",
    ),
    (
        "systemerror",
        "5.4.4",
        "Permanent error while executing qmail-forward (#5.4.4)",
        QMAIL + ", qmail-ldap",
    ),
    # Exim's dnslookup router deferring on a DNS failure (its log: "R=dnslookup defer (-1):
    # host lookup did not complete", its warning's "Delay reason:"): a name server that did
    # not answer
    ("networkerror", "4.0.0", "Delay reason: host lookup did not complete", EXIM),
    # the registry's descriptions and providers' documented texts said without their code (a
    # server that writes none, under a report's undetermined X.0.0): the words name the cause
    ("expired", "5.0.0", "No answer from host", RFC3463 + " X.4.1"),
    ("systemfull", "4.0.0", "452 Mail system congestion", RFC3463 + " X.4.5"),
    ("systemfull", "4.0.0", "452 Mail system full", RFC3463 + " X.3.1"),
    ("spamdetected", "5.0.0", "550 Mail flood detected", "RFC 7372, X.7.28"),
    ("failedstarttls", "5.0.0", "550 REQUIRETLS support required", "RFC 8689, X.7.30"),
    (
        "failedstarttls",
        "5.0.0",
        "550 tlsa-invalid: The domain failed DANE validation",
        EXO + ", 5.7.323 (RFC 7672)",
    ),
    (
        "failedstarttls",
        "4.0.0",
        "451 starttls-not-supported: Destination mail server must support TLS to receive mail",
        EXO + ", 4.7.321",
    ),
    (
        "contenterror",
        "5.0.0",
        "553 Non-ASCII addresses not permitted for that sender/recipient",
        "RFC 6531, X.6.7",
    ),
    (
        "contenterror",
        "5.0.0",
        "550 UTF-8 header message cannot be transferred to one or more recipients",
        "RFC 6531, X.6.9",
    ),
    (
        "toomanyconn",
        "4.0.0",
        "451 The mail server [192.0.2.251] has exceeded the maximum number of connections",
        EXO + ", 4.7.652",
    ),
    (
        "hostunknown",
        "5.0.0",
        "553 We weren't able to find the recipient domain. Please check for any spelling errors",
        GMAIL + ", 5.1.2",
    ),
    ("networkerror", "4.0.0", "451 Timeout - closing connection", GMAIL + ", 4.4.2"),
    ("mesgtoobig", "5.0.0", "552 Your message exceeded Google's message size limits", GMAIL),
    # Exim's sender verification deferred (acl.c), not the recipient's mailbox
    ("rejected", "4.0.0", "451 Could not complete sender verify", EXIM + ", acl.c"),
    # MDaemon's session transcript, its resolver's NXDOMAIN: "Name server reports domain name
    # unknown"
    ("hostunknown", "5.0.0", "Name server reports domain name unknown", "MDaemon's transcript"),
    # undefined: a failure that states nothing
    ("undefined", "5.0.0", "", "RFC 3464 section 2.3.6 (Diagnostic-Code is optional)"),
    # X.1.0 "other address status" does not say whose address: no guess, and not hard
    ("undefined", "5.1.0", "", RFC3463 + " X.1.0"),
]


# wordings whose own definition covers other refusals than a missing mailbox (RFC 5321 4.2.3:
# "mailbox unavailable (e.g., mailbox not found, no access, or command rejected for policy
# reasons)"): without a status that says the mailbox is gone, not hard
AMBIGUOUS = {"550 Requested action not taken: mailbox unavailable"}


def _dsn(status: str, diagnostic: str) -> bytes:
    diagnostic_field = f"Diagnostic-Code: smtp; {diagnostic}\r\n" if diagnostic else ""
    action = "delayed" if status.startswith("4") else "failed"
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        f"Final-Recipient: rfc822; {RECIPIENT}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"{diagnostic_field}\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("reason", "status", "diagnostic", "source"),
    DOCUMENTED,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(DOCUMENTED)],
)
def test_documented_wording_names_its_reason(
    reason: str, status: str, diagnostic: str, source: str
) -> None:
    result = classify(_dsn(status, diagnostic))
    assert result.kind == Kind.BOUNCE
    [r] = result.recipients
    assert r.address == RECIPIENT
    assert r.reason == reason, source
    # hard only where the mailbox or domain is gone, and only when the failure is final
    gone = reason in HARD_REASONS or reason == "notaccept"
    proven = diagnostic not in AMBIGUOUS
    assert r.hard == (gone and proven and status.startswith("5")), source


def test_a_reply_a_relay_quotes_is_read_as_said_and_shown_as_received() -> None:
    """Amazon SES's own label ("5.1.0 - Unknown address error") is not the server's reply:
    the reply it quotes decides the reason and status, while the operator still reads the
    diagnostic as the notice gave it."""
    said = (
        "5.1.0 - Unknown address error 550-'5.7.1 <billing@acme.example>... Access denied' "
        "(delivery attempts: 0)"
    )
    [r] = classify(_dsn("5.0.0", said)).recipients
    assert (r.reason, r.status, r.hard) == ("securityerror", "5.7.1", False)
    assert r.diagnostic == said


def test_every_reason_of_the_vocabulary_is_read_from_documented_wording() -> None:
    covered = {row[0] for row in DOCUMENTED}
    failures = {
        "userunknown", "hostunknown", "hasmoved", "mailboxfull", "mesgtoobig", "exceedlimit",
        "expired", "networkerror", "systemerror", "systemfull", "notaccept", "suspend",
        "blocked", "spamdetected", "policyviolation", "virusdetected", "authfailure",
        "requireptr", "badreputation", "securityerror", "failedstarttls", "norelaying",
        "toomanyconn", "speeding", "contenterror", "notcompliantrfc", "syntaxerror",
        "mailererror", "rejected", "filtered", "undefined",
    }  # fmt: skip
    assert failures - covered == set()


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 Mailbox not found or access denied",  # QQ Mail's published code
        "550 User does not exist or has blocked you",
        "550 Recipient unknown or not allowed to receive mail",
        # Exchange Online's edge blocking of an unknown address, and Postfix's access map
        # refusing any address (check_recipient_access REJECT), in the same words
        "554 <factures@client.example>: Recipient address rejected: Access denied",
        # unknown, or its mailbox switched off, in French, German and Italian (the templates
        # CwsMailBounceHandler's table reads as X.2.1 and X.1.1)
        "550 destinataire inconnu ou boite aux lettres desactivee",
        "550 Adressat unbekannt oder Mailbox deaktiviert",
        "550 destinatario sconosciuto o mailbox disattivata",
        # a reply that guesses, in its own words
        "550 Possibly unknown user",
        "550 perhaps the user does not exist",
    ],
)
def test_a_reply_that_names_a_missing_mailbox_or_another_cause_proves_nothing_gone(
    diagnostic: str,
) -> None:
    """Said for a missing mailbox or for a refusal, without saying which: soft, unless a
    status the notice states says the mailbox is gone (X.1.1)."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert not r.hard
    [r] = classify(_dsn("5.1.1", "550 5.1.1 " + diagnostic[4:])).recipients
    assert r.hard


def test_a_reporter_that_says_the_domain_may_not_exist_proves_nothing_gone() -> None:
    """cPanel's Exim routers refuse what they cannot route with "The account or domain may not
    exist, they may be blacklisted, or missing the proper dns entries" (their
    cannot_route_message): the reporter does not know which."""
    said = (
        "The mail server could not deliver mail to factures@client.example.  The account or "
        "domain may not exist, they may be blacklisted, or missing the proper dns entries."
    )
    [r] = classify(_dsn("5.0.0", said)).recipients
    assert (r.reason, r.hard) == ("hostunknown", False)


def test_exchange_onlines_gentle_words_under_its_not_found_status_still_prove_it_gone() -> None:
    """Exchange Online's notice for an unknown address says it "might be misspelled or it
    might not exist any longer" under 5.1.10 RecipientNotFound (RFC 7505's X.1.10, a domain
    that takes no mail, in its other meaning): the status says the address cannot receive,
    whatever the words hedge."""
    said = (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address "
        "lookup. The email address wasn't found at the destination domain. It might be "
        "misspelled or it might not exist any longer."
    )
    [r] = classify(_dsn("5.1.10", said)).recipients
    assert (r.reason, r.hard) == ("userunknown", True)
    [r] = classify(_dsn("5.0.0", said.replace("5.1.10 ", ""))).recipients
    assert not r.hard


@pytest.mark.parametrize("status", ["5.1.1", "5.1.2", "5.1.6"])
@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("552 {status} <factures@client.example>... Mailbox is full", "mailboxfull"),
        ("550 {status} <factures@client.example> account is over quota", "mailboxfull"),
        ("554 {status} Too many hops 26 (25 max)", "networkerror"),
        ("550 {status} Host name lookup failure", "networkerror"),
        ("451 {status} Local error in processing", "systemerror"),
        ("452 {status} Insufficient system storage", "systemfull"),
        # a full or closed mailbox in the languages the unknown-user rules read
        ("550 {status} Das Postfach des Empfängers ist voll", "mailboxfull"),
        ("550 {status} Speicherplatz erschöpft", "mailboxfull"),
        ("550 {status} De mailbox van de ontvanger is vol", "mailboxfull"),
        ("550 {status} Mailbox vol", "mailboxfull"),
        ("550 {status} Caixa postal cheia", "mailboxfull"),
        ("550 {status} Cota excedida", "mailboxfull"),
        ("550 {status} Skrzynka odbiorcy jest pełna", "mailboxfull"),
        ("550 {status} Cuenta desactivada", "suspend"),
        # a full mailbox in other words, the receiving system's trouble, a DNS lookup failed
        ("550 {status} Mailbox size exceeded", "mailboxfull"),
        ("550 {status} Casilla llena", "mailboxfull"),
        ("550 {status} Storage limit reached", "mailboxfull"),
        ("550 {status} Quota de la boîte aux lettres atteint", "mailboxfull"),
        ("550 {status} Internal server error", "systemerror"),
        ("550 {status} Erreur interne du serveur", "systemerror"),
        ("550 {status} LDAP lookup failed", "systemerror"),
        ("550 {status} Connection timed out", "networkerror"),
        ("550 {status} DNS lookup error", "networkerror"),
        # our sender refused, said so (RFC 3463 X.7.1, X.1.8), in English, German and French
        ("550 {status} Sender rejected", "rejected"),
        ("550 {status} Absender abgelehnt", "rejected"),
        ("550 {status} Expéditeur refusé", "rejected"),
        ("550 {status} Account sospeso", "suspend"),
        ("550 {status} Conta suspensa", "suspend"),
        ("550 {status} Account geblokkeerd", "suspend"),
    ],
)
def test_a_gone_status_beside_the_words_of_another_cause_proves_nothing_gone(
    status: str, diagnostic: str, reason: str
) -> None:
    """RFC 3463's X.1.1 (no such mailbox), X.1.2 (no such domain) and X.1.6 (the mailbox has
    moved, no forwarding address) say an address is gone; a reply that names a full mailbox,
    a loop, a DNS or a system failure beside one contradicts it: the words name the reason,
    and the address is not marked undeliverable."""
    [r] = classify(_dsn(status, diagnostic.format(status=status))).recipients
    assert (r.reason, r.hard) == (reason, False)


def _report(report_type: str, fields_type: str, fields: str, headers_type: str) -> bytes:
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDelivery report.\r\n"
        f"--B\r\nContent-Type: {fields_type}\r\n\r\n"
        f"Reporting-MTA: dns; relay.example\r\n\r\n{fields}\r\n\r\n"
        f"--B\r\nContent-Type: {headers_type}\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("address_field", "address"),
    [
        ("utf-8; facturé@client.example", "facturé@client.example"),
        ("utf-8; fact\\x{E9}@client.example", "facté@client.example"),  # RFC 6533 section 3
        (f"rfc822; {RECIPIENT}", RECIPIENT),
    ],
)
def test_an_internationalized_report_rfc_6533_is_read_like_rfc_3464(
    address_field: str, address: str
) -> None:
    fields = (
        f"Final-Recipient: {address_field}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown"
    )
    raw = _report(
        "global-delivery-status",
        "message/global-delivery-status",
        fields,
        "message/global-headers",
    )
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    assert result.original_message_id == "<inv-7@acme.example>"
    [r] = result.recipients
    assert (r.address, r.reason, r.hard) == (address, "userunknown", True)


# RFC 3464 2.3.2: "rfc822;" then the address; senders add brackets, a display name, a comment
# or quotes around it, none of which is the address
@pytest.mark.parametrize(
    "field",
    [
        f"rfc822;<{RECIPIENT}>",
        f"rfc822; {RECIPIENT} (Compta)",
        f"rfc822; Compta <{RECIPIENT}>",
        f"rfc822; '{RECIPIENT}'",
        f"RFC822; <{RECIPIENT.upper()}>",
    ],
)
def test_a_reports_recipient_field_gives_the_address_whatever_surrounds_it(field: str) -> None:
    raw = _report(
        "delivery-status",
        "message/delivery-status",
        f"Final-Recipient: {field}\r\nAction: failed\r\nStatus: 5.1.1",
        "text/rfc822-headers",
    )
    assert [r.address for r in classify(raw).recipients] == [RECIPIENT]


# RFC 6522 3: a report's second part is its machine-readable one. A gateway that re-encodes
# mail may relabel it (text/delivery-status, application/octet-stream, base64 or not); its
# RFC 3464 fields still say the recipient, the status and the server's reply
@pytest.mark.parametrize(
    ("fields_type", "encode"),
    [
        ("text/delivery-status", False),
        ("application/octet-stream", False),
        ("application/octet-stream", True),
    ],
)
def test_a_report_whose_fields_part_was_relabelled_is_read_by_its_fields(
    fields_type: str, encode: bool
) -> None:
    fields = (
        f"Final-Recipient: rfc822; {RECIPIENT}\r\nAction: failed\r\nStatus: 5.2.2\r\n"
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full"
    )
    raw = _report("delivery-status", fields_type, fields, "text/rfc822-headers")
    if encode:
        head, _, rest = raw.partition(f"Content-Type: {fields_type}\r\n\r\n".encode())
        body, sep, tail = rest.partition(b"--B\r\nContent-Type: text/rfc822-headers")
        encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
        raw = (
            head
            + f"Content-Type: {fields_type}\r\nContent-Transfer-Encoding: base64\r\n\r\n".encode()
            + encoded
            + sep
            + tail
        )
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    [r] = result.recipients
    assert (r.address, r.status, r.reason, r.hard) == (RECIPIENT, "5.2.2", "mailboxfull", False)
    assert r.diagnostic == "552 5.2.2 Mailbox full"


# RFC 3464 2.3.2: the Final-Recipient is the address as the reporting MTA knew it; a local
# delivery agent may know only the local part ("rfc822; factures"). The returned message's To
# names the whole address once: that is the recipient, proven gone by the report's 5.1.1
@pytest.mark.parametrize(
    ("field", "to", "proven_gone"),
    [
        ("rfc822; factures", RECIPIENT, [(RECIPIENT, "userunknown")]),
        ("rfc822; <factures>", f"Compta <{RECIPIENT}>", [(RECIPIENT, "userunknown")]),
        # two addresses with that local part: which one is not said, none is marked
        ("rfc822; factures", f"{RECIPIENT}, factures@other.example", []),
    ],
)
def test_a_report_naming_only_the_local_part_names_the_returned_recipient(
    field: str, to: str, proven_gone: list[tuple[str, str]]
) -> None:
    raw = (
        _dsn("5.1.1", "")
        .replace(
            f"Final-Recipient: rfc822; {RECIPIENT}".encode(), f"Final-Recipient: {field}".encode()
        )
        .replace(
            b"From: billing@acme.example\r\nMessage-ID",
            f"From: billing@acme.example\r\nTo: {to}\r\nMessage-ID".encode(),
        )
    )
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in result.recipients if r.hard] == proven_gone


@pytest.mark.parametrize(
    "fields",
    [
        "Action: delivered\r\nStatus: 2.0.0\r\nDiagnostic-Code: smtp; 250 2.0.0 Ok: queued",
        "Action: relayed\r\nStatus: 2.0.0",  # to a system that sends no reports (3464 2.3.3)
        "Action: expanded\r\nStatus: 2.0.0",  # delivered to a list or alias (RFC 3464 2.3.3)
        "Status: 2.0.0",  # no Action: the status's class says success
        # an Action RFC 3464 does not define (sendmail's "deliverable"): the status decides
        "Action: deliverable\r\nStatus: 2.1.5\r\nDiagnostic-Code: SMTP; 250 2.1.5 OK",
    ],
)
def test_a_success_report_says_delivered(fields: str) -> None:
    raw = _report(
        "delivery-status",
        "message/delivery-status",
        f"Final-Recipient: rfc822; {RECIPIENT}\r\n{fields}",
        "text/rfc822-headers",
    )
    result = classify(raw)
    assert result.kind == Kind.DELIVERY_REPORT
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "delivered", False)
    ]


def _complaint(report_fields: str, returned_headers: str) -> bytes:
    return (
        "From: staff@hotmail.example\r\nTo: abuse@acme.example\r\nSubject: complaint\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--B\r\nContent-Type: message/feedback-report\r\n\r\n"
        f"Feedback-Type: abuse\r\nUser-Agent: SomeGenerator/1.0\r\nVersion: 1\r\n"
        f"{report_fields}\r\n"
        "--B\r\nContent-Type: message/rfc822\r\n\r\n"
        "Return-Path: <bounce@acme.example>\r\nFrom: billing@acme.example\r\n"
        f"{returned_headers}Message-ID: <inv-7@acme.example>\r\nSubject: Facture\r\n\r\n"
        "body\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("report_fields", "returned_headers"),
    [
        (f"Original-Rcpt-To: <{RECIPIENT}>\r\n", "To: undisclosed-recipients:;\r\n"),
        ("", f"To: {RECIPIENT}\r\n"),
        # Microsoft's Junk Mail Reporting Program names the recipient in the returned message
        ("", f"X-HmXmrOriginalRecipient: <{RECIPIENT}>\r\nTo: undisclosed-recipients:;\r\n"),
        ("", f"Delivered-To: {RECIPIENT}\r\nTo: undisclosed-recipients:;\r\n"),
    ],
)
def test_a_complaint_rfc_5965_names_who_complained(
    report_fields: str, returned_headers: str
) -> None:
    result = classify(_complaint(report_fields, returned_headers))
    assert result.kind == Kind.FEEDBACK
    assert [r.address for r in result.recipients] == [RECIPIENT]
    assert result.returned_return_path == "bounce@acme.example"


@pytest.mark.parametrize("fields_type", ["text/plain", "application/octet-stream"])
def test_a_complaint_whose_report_part_was_relabelled_is_read_by_its_fields(
    fields_type: str,
) -> None:
    """RFC 6522 3: the report's second part is its machine-readable one, whatever a gateway
    relabelled it; its Feedback-Type and Original-Rcpt-To (RFC 5965 3) still say what and who,
    not the returned message's To."""
    raw = _complaint(f"Original-Rcpt-To: <{RECIPIENT}>\r\n", "To: copies@client.example\r\n")
    raw = raw.replace(
        b"Content-Type: message/feedback-report", f"Content-Type: {fields_type}".encode()
    )
    result = classify(raw)
    assert result.kind == Kind.FEEDBACK
    assert result.feedback_type == "abuse"
    assert [r.address for r in result.recipients] == [RECIPIENT]


@pytest.mark.parametrize(
    "diagnostic",
    [
        # AOL's sender block: the recipients chose not to take this sender's mail
        "550 Your mail could not be delivered because they are not accepting mail from "
        "billing@acme.example",
        "550 they are not accepting mail",
        # a lookup that failed, not a name proven gone
        "550 Name service error",
    ],
)
def test_a_soft_wording_another_handler_lists_is_never_hard(diagnostic: str) -> None:
    """Wordings a bounce handler lists among soft bounces (its code's table): none proves an
    address gone, so none marks it undeliverable."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert not r.hard


@pytest.mark.parametrize(
    ("report_fields", "returned_headers"),
    [
        # AOL's redaction (RFC 6590), in the report and in the returned message
        ("Original-Rcpt-To: <redacted@client.example>\r\n", "To: redacted@client.example\r\n"),
        ("", "To: xxxxxxxx@client.example\r\n"),  # a mask in place of the local part
        ("", "To: undisclosed-recipients@client.example\r\n"),
    ],
)
def test_a_redacted_complainant_names_no_one(report_fields: str, returned_headers: str) -> None:
    """RFC 6590 lets a feedback loop redact who complained: the placeholder is nobody's
    address, so the complaint names no recipient (and is tied by what else it carries)."""
    result = classify(_complaint(report_fields, returned_headers))
    assert result.kind == Kind.FEEDBACK
    assert result.recipients == ()
    assert result.original_message_id == "<inv-7@acme.example>"


def _attached_complaint(sender: str, subject: str, attached: str = "message/rfc822") -> bytes:
    """A complaint in a feedback loop's own format: a note, the message attached whole."""
    return (
        f"From: {sender}\r\nTo: abuse@acme.example\r\nSubject: {subject}\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        f"--B\r\nContent-Type: {attached}\r\n\r\n"
        f"X-HmXmrOriginalRecipient: <{RECIPIENT}>\r\nReturn-Path: <bounce@acme.example>\r\n"
        "From: billing@acme.example\r\nTo: undisclosed-recipients:;\r\n"
        "Message-ID: <inv-7@acme.example>\r\nSubject: Facture\r\n\r\nbody\r\n--B--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        # MSN Hotmail's Junk E-Mail Reporting Program, "RFC822 Attachment" format (its partner
        # FAQ: the complaint forwarded from staff@hotmail.com, the message attached)
        ("staff@hotmail.com", "complaint about message from 192.0.2.10"),
        # AOL's feedback loop (SCOMP): its reports come from scomp@aol.net
        ("AOL SCOMP <scomp@aol.net>", "Client TOS Notification"),
    ],
)
def test_a_feedback_loops_own_complaint_format_is_a_complaint(sender: str, subject: str) -> None:
    """Without ARF's feedback-report part, the loop's own format still says a recipient
    called the message spam: an abuse report naming who complained, tied to the invoice."""
    result = classify(_attached_complaint(sender, subject))
    assert result.kind == Kind.FEEDBACK
    assert result.feedback_type == "abuse"
    assert [r.address for r in result.recipients] == [RECIPIENT]
    assert result.original_message_id == "<inv-7@acme.example>"
    assert result.returned_return_path == "bounce@acme.example"
    # the headers alone, as some loops send them
    result = classify(_attached_complaint(sender, subject, "text/rfc822-headers"))
    assert (result.kind, [r.address for r in result.recipients]) == (Kind.FEEDBACK, [RECIPIENT])


def test_a_complaint_forwarded_as_it_is_names_who_complained() -> None:
    """JMRP's "Original" format (its partner FAQ): the complained-of message forwarded as it
    is, from the Hotmail user's own address, with the X-HmXmrOriginalRecipient field."""
    raw = (
        f"From: Client <{RECIPIENT}>\r\nTo: abuse@acme.example\r\nSubject: Facture\r\n"
        f"X-HmXmrOriginalRecipient: <{RECIPIENT}>\r\nReturn-Path: <bounce@acme.example>\r\n"
        "Message-ID: <inv-7@acme.example>\r\n\r\nbody\r\n"
    ).encode()
    result = classify(raw)
    assert (result.kind, result.feedback_type) == (Kind.FEEDBACK, "abuse")
    assert [r.address for r in result.recipients] == [RECIPIENT]
    assert result.original_message_id == "<inv-7@acme.example>"
    assert result.returned_return_path == "bounce@acme.example"


@pytest.mark.parametrize(
    ("field", "on_the_report"),
    [
        # AOL's SCOMP marks its reports "X-Loop: scomp"
        ("X-Loop: scomp", True),
        # JMRP's field on the attached message, whoever passed the report on
        (f"X-HmXmrOriginalRecipient: <{RECIPIENT}>", False),
    ],
)
def test_a_field_only_a_feedback_loop_writes_makes_a_complaint(
    field: str, on_the_report: bool
) -> None:
    raw = _attached_complaint("postmaster@relay.example", "Fwd: report").decode()
    if on_the_report:
        raw = field + "\r\n" + raw.replace(f"X-HmXmrOriginalRecipient: <{RECIPIENT}>\r\n", "")
        raw = raw.replace("To: undisclosed-recipients:;", f"To: {RECIPIENT}")
    else:
        raw = raw.replace(f"X-HmXmrOriginalRecipient: <{RECIPIENT}>", field)
    result = classify(raw.encode())
    assert (result.kind, result.feedback_type) == (Kind.FEEDBACK, "abuse")
    assert [r.address for r in result.recipients] == [RECIPIENT]


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        # Hotmail's staff writing about something else, with a message attached
        ("staff@hotmail.com", "Your support request"),
        # anyone else's "complaint": a person, not a feedback loop
        ("jane@client.example", "complaint about message from 192.0.2.10"),
        ("staff@hotmail.com.attacker.example", "complaint about message"),
    ],
)
def test_only_a_feedback_loops_own_sender_makes_an_attached_message_a_complaint(
    sender: str, subject: str
) -> None:
    """Without the feedback loop's sender (nor a field only a loop writes), a message with
    another attached is not a complaint."""
    raw = _attached_complaint(sender, subject).replace(
        f"X-HmXmrOriginalRecipient: <{RECIPIENT}>\r\n".encode(), b""
    )
    assert classify(raw).kind != Kind.FEEDBACK


RETURNED = (
    "Received: from acme.example by relay.example; Thu, 3 Dec 2026 10:00:00 +0100\n"
    "From: billing@acme.example\nTo: boss@client.example\n"
    f"Cc: copies@client.example, {RECIPIENT}\nMessage-ID: <inv-7@acme.example>\n"
    "Subject: Facture 7\n\nVoir la facture.\n"
)
"""The invoice as returned: sent to a colleague, with copies; only RECIPIENT failed."""


def _notice(subject: str, body: str, sender: str = "MAILER-DAEMON@relay.example") -> bytes:
    """A notice in plain text (UTF-8), the returned invoice after its body."""
    text = (
        f"From: {sender}\nTo: billing@acme.example\nSubject: {subject}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}{RETURNED}"
    )
    return text.replace("\n", "\r\n").encode()


# Each MTA's own notice template (the text its source or documentation gives), sent as plain
# text: a report whose MIME structure was lost, or a sender that never makes one.
REFUSAL = f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected: User unknown"
TEMPLATES = {
    "qmail-send": (
        "failure notice",
        "Hi. This is the qmail-send program at relay.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"<{RECIPIENT}>:\n192.0.2.1 does not like recipient.\n"
        f"Remote host said: {REFUSAL}\nGiving up on 192.0.2.1.\n\n"
        "--- Below this line is a copy of the message.\n\n",
    ),
    "Exim": (
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {RECIPIENT}\n    host mx.client.example [192.0.2.1]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{RECIPIENT}>:\n"
        f"    {REFUSAL}\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n",
    ),
    "Postfix bounce(5)": (
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host relay.example.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        "                   The mail system\n\n"
        f"<{RECIPIENT}>: host mx.client.example[192.0.2.1] said: {REFUSAL}\n"
        "    (in reply to RCPT TO command)\n\n"
        "--- Original message follows.\n\n",
    ),
    "sendmail": (
        "Returned mail: see transcript for details",
        "The original message was received at Thu, 3 Dec 2026 10:00:00 +0100\n"
        "from localhost [127.0.0.1]\n\n"
        "   ----- The following addresses had permanent fatal errors -----\n"
        f"<{RECIPIENT}>\n    (reason: {REFUSAL})\n\n"
        "   ----- Transcript of session follows -----\n"
        "... while talking to mx.client.example.:\n"
        f">>> RCPT To:<{RECIPIENT}>\n<<< {REFUSAL}\n\n"
        "   ----- Original message follows -----\n\n",
    ),
    "Exim 4.9x": (
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        f"  {RECIPIENT}\n    host mx.client.example [192.0.2.1]\n"
        "    SMTP error from remote server for RCPT TO command, host: mx.client.example "
        f"(192.0.2.1) reason: {REFUSAL}\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n",
    ),
    "OpenSMTPD": (
        "Delivery status notification: error",
        "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
        "An error has occurred while attempting to deliver a message for\n"
        f"the following list of recipients:\n\n{RECIPIENT}: {REFUSAL}\n\n"
        "Below is a copy of the original message:\n\n",
    ),
    "Lotus Domino": (
        "DELIVERY FAILURE: User factures not listed in Domino Directory",
        "Your message\n\n  Subject: Facture 7\n\nwas not delivered to:\n\n"
        f"  {RECIPIENT}\n\nbecause:\n\n"
        f"  User factures ({RECIPIENT}) not listed in Domino Directory\n\n"
        "------ Original message follows ------\n\n",
    ),
    "Exchange": (
        "Undeliverable: Facture 7",
        f"Delivery has failed to these recipients or groups:\n\n{RECIPIENT}\n"
        "The email address you entered couldn't be found. Please check the recipient's "
        "email address and try to resend the message.\n\n"
        "Diagnostic information for administrators:\n\nGenerating server: relay.example\n\n"
        f"{RECIPIENT}\nmx.client.example #550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n\n"
        "Original message headers:\n\n",
    ),
    # hMailServer: its SEND_FAILED_NOTIFICATION server message, each recipient's lines as
    # SMTPClientConnection writes them (hmailserver's source)
    "hMailServer": (
        "Message undeliverable: Facture 7",
        "Your message did not reach some or all of the intended recipients.\n\n"
        "   Sent: Thu, 3 Dec 2026 10:00:00 +0100\n   Subject: Facture 7\n\n"
        f"The following recipient(s) could not be reached:\n\n{RECIPIENT}\n"
        "   Error Type: SMTP\n   Remote server (192.0.2.1) issued an error.\n"
        f"   hMailServer sent: RCPT TO:<{RECIPIENT}>\n   Remote server replied: {REFUSAL}\n\n\n"
        "hMailServer\n\n",
    ),
    # Apache James: RemoteDelivery's own bounce, the Bounce mailet's ("Failed recipient(s):",
    # "Error message:") and AbstractNotify's ("Error message below:", "Message details:")
    "Apache James RemoteDelivery": (
        "Re: Facture 7",
        "Hi. This is the James mail server at relay.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.  Below\n"
        "I include the list of recipients and the reason why I was unable to deliver\n"
        f"your message.\n\n{RECIPIENT}\nRemote mail server told me: {REFUSAL}\n\n",
    ),
    "Apache James Bounce mailet": (
        "[BOUNCE]",
        "Hi. This is the James mail server at relay.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        f"Failed recipient(s):\n{RECIPIENT}\n\nError message:\n{REFUSAL}\n\n",
    ),
    "Apache James notify": (
        "[BOUNCE]",
        f"Error message below:\n{REFUSAL}\n\nMessage details:\n  Subject: Facture 7\n"
        "  Sent date: Thu Dec 03 10:00:00 CET 2026\n  MAIL FROM: billing@acme.example\n"
        f"  RCPT TO: {RECIPIENT}\n  From: billing@acme.example\n  To: boss@client.example\n"
        "  Size (in bytes): 1024\n  Number of lines: 12\n\n",
    ),
    # XMail's QueUtBuildErrorResponse: its "ID:" line holds the SMTP message id, written like
    # an address, which is no recipient
    "XMail": (
        "Error sending message [1.2.3] from [relay.example]",
        f"[<00>] XMail bounce: Rcpt=[{RECIPIENT}];Error=[{REFUSAL}]\n\n\n"
        "[<01>] Error sending message [1.2.3] from [relay.example].\n\n"
        "ID:        <S1A2B@relay.example>\nMail From: <billing@acme.example>\n"
        f"Rcpt To:   <{RECIPIENT}>\nServer:    <mx.client.example> [192.0.2.1]\n\n\n"
        f"[<02>] The reason of the delivery failure was:\n\n{REFUSAL}\n\n\n"
        "[<05>] Here is listed the initial part of the message:\n\n",
    ),
    # TransWARE Active!hunter, Trend Micro InterScan MSS, 1&1 and Deutsche Telekom (Smail 3's
    # banners): the formats sisimai's modules for them read (lhost/activehunter.rb, …)
    "Active!hunter": (
        "FAILURE NOTICE : Facture 7",
        "  ----- The following addresses had permanent fatal errors -----\n\n"
        f">>> {RECIPIENT} <{RECIPIENT}>\n\n"
        f"  ----- Transcript of session follows -----\n{REFUSAL}\n\n",
    ),
    "InterScan MSS": (
        "Mail could not be delivered",
        f"Sent <<< RCPT TO:<{RECIPIENT}>\nReceived >>> {REFUSAL}\n\n"
        f"Unable to deliver message to <{RECIPIENT}>.\n\n",
    ),
    "1&1": (
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n"
        f"The following address failed:\n\n{RECIPIENT}\n\nFor the following reason:\n\n"
        f"{REFUSAL}\n\n--- The header of the original message is following. ---\n\n",
    ),
    "Deutsche Telekom": (
        "mail failed, returning to sender",
        "|------------------------- Failed addresses follow: ---------------------|\n"
        f" <{RECIPIENT}>\n   {REFUSAL}\n\n"
        "|------------------------- Message text follows: ------------------------|\n",
    ),
    # Smail 3 returns the headers alone under its other banner, with no blank line before it
    "Deutsche Telekom, headers": (
        "mail failed, returning to sender",
        "|------------------------- Failed addresses follow: ---------------------|\n"
        f" <{RECIPIENT}>\n   {REFUSAL}\n"
        "|------------------------- Message header follows: ----------------------|\n",
    ),
}


def _mdaemon(transcript_end: str) -> tuple[str, str]:
    """MDaemon's notice (its "MDaemon Delivery Status Notification" text): the message's
    summary and the session's log, the reply at its end, well after the first mention of the
    address on the summary's "To:" line."""
    stamp = " Sat 2026-12-05 10:00:00: "
    lines = [
        "Parsing message <relay.example\\pd50000001.msg>",
        "*  From: billing@acme.example",
        f"*  To: {RECIPIENT}",
        "*  Subject: Invoice F-2026-0042",
        "*  Size (bytes): 70048",
        "*  Message-ID: <inv-7@acme.example>",
        "*  Route slip host: [mx.client.example]",
        "*  Route slip port: 25",
        "Attempting SMTP connection to [mx.client.example]",
        "Attempting SMTP connection to [mx.client.example:25]",
        "Resolving A record for [mx.client.example] (DNS Server: 192.0.2.53)...",
        *transcript_end.splitlines(),
    ]
    rule = "-" * 74 + "\n"
    return (
        "Permanent Delivery Failure",
        f"{rule}MDaemon Delivery Status Notification - http://www.altn.com/dsn/\n{rule}\n"
        "The attached message had PERMANENT fatal delivery errors.\n\n"
        "After one or more unsuccessful delivery attempts the attached message has\n"
        "been removed from the MDaemon mail queue on this server.  The number and\n"
        "frequency of delivery attempts are determined by local configuration.\n\n"
        f"{rule}YOUR MESSAGE WAS NOT DELIVERED TO ONE OR MORE RECIPIENTS\n{rule}\n"
        "--- Session Transcript ---\n"
        + "".join(f"{stamp}{line}\n" for line in lines)
        + "--- End Transcript ---\n\n",
    )


def _mdaemon_refused(reply: str) -> tuple[str, str]:
    return _mdaemon(
        "Waiting for socket connection...\n"
        "*  Connection established (192.0.2.10:50000 -> 192.0.2.1:25)\n"
        "Waiting for protocol to start...\n<-- 220 mx.client.example ESMTP\n"
        "--> EHLO relay.example\n<-- 250-mx.client.example\n<-- 250 8BITMIME\n"
        "--> MAIL From:<billing@acme.example> SIZE=70048\n<-- 250 2.1.0 Ok\n"
        f"--> RCPT To:<{RECIPIENT}>\n<-- {reply}\n--> QUIT"
    )


TEMPLATES["MDaemon"] = _mdaemon_refused(REFUSAL)


# MDaemon's transcripts ending in other causes: the reply to RCPT, read where the transcript
# names the address again, and its resolver's own line for a domain that does not exist
MDAEMON_ENDINGS = {
    "blocked": _mdaemon_refused(
        "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org"
    ),
    "mailboxfull": _mdaemon_refused(f"452 4.2.2 <{RECIPIENT}>: Mailbox full, quota exceeded"),
    "hostunknown": _mdaemon("*  Name server reports domain name unknown"),
}


@pytest.mark.parametrize("reason", sorted(MDAEMON_ENDINGS))
def test_a_session_transcript_is_read_to_the_line_that_ends_it(reason: str) -> None:
    result = classify(_notice(*MDAEMON_ENDINGS[reason]))
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, reason, reason == "hostunknown")
    ]


@pytest.mark.parametrize("product", sorted(TEMPLATES))
def test_each_mtas_plain_text_template_is_a_bounce_of_its_recipient(product: str) -> None:
    result = classify(_notice(*TEMPLATES[product]))
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True)
    ]
    assert result.original_message_id == "<inv-7@acme.example>"


# the documented replies a plain notice may quote in place of its own: whole SMTP replies
# that name no address but the recipient's or our sender's, and say all the report says
# (its status quoted, or one that names no cause: a plain notice has no Status field; Gmail
# reports a "DNS Error: … NXDOMAIN" under 4.0.0, so the NXDOMAIN alone proves nothing gone)
_OURS = {RECIPIENT, "billing@acme.example"}
QUOTED_REPLIES = [
    (reason, status, reply, source)
    for reason, status, reply, source in DOCUMENTED
    if reply[:3].isdigit()
    and {a.lower() for a in addresses_in(reply)} <= _OURS
    and (status.endswith(".0.0") or status in reply)
]


@pytest.mark.parametrize(
    "product", sorted(p for p, (_, body) in TEMPLATES.items() if REFUSAL in body)
)
def test_the_diagnostic_an_operator_reads_is_the_refusal_not_the_templates_frame(
    product: str,
) -> None:
    """What the operator reads as the server's words holds its refusal and none of the
    lines the template draws around it (a banner, a rule of dashes; a returned header but
    in a session's transcript, MDaemon's, which sums the message up as it goes)."""
    [r] = classify(_notice(*TEMPLATES[product])).recipients
    said = r.diagnostic or ""
    assert "User unknown" in said, said
    assert "|---" not in said and "---" not in said and "***" not in said, said
    assert "Message-ID" not in said or "<-- 550" in said, said


def test_qmails_own_words_are_shown_whole_and_end_before_the_returned_message() -> None:
    """qmail-local's reason with its status in parentheses, then the rule line a later qmail
    distribution writes before the copy: the operator reads the reason, parentheses closed,
    and not the rule line."""
    result = classify(
        _notice(
            "failure notice",
            "Hi. This is the qmail-send program at relay.example.\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
            f"<{RECIPIENT}>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
            "--- Enclosed is a copy of the message.\n\n",
        )
    )
    [r] = result.recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, "userunknown", True)
    assert r.diagnostic == "Sorry, no mailbox here by that name. (#5.1.1)"
    assert result.original_message_id == "<inv-7@acme.example>"


@pytest.mark.parametrize(
    "product", sorted(p for p, (_, body) in TEMPLATES.items() if REFUSAL in body)
)
def test_a_documented_reply_a_plain_notice_quotes_is_read_as_in_a_report(product: str) -> None:
    """Each MTA's notice format with each documented reply in it: the recipient, the reason
    and the hardness are those the same reply gives in an RFC 3464 report, whatever words
    of the template stand around it."""
    subject, body = TEMPLATES[product]
    differ = []
    for _reason, status, reply, _source in QUOTED_REPLIES:
        [in_report] = classify(_dsn(status, reply)).recipients
        quoted = classify(_notice(subject, body.replace(REFUSAL, reply))).recipients
        read = [(r.address, r.reason, r.hard) for r in quoted]
        if read != [(RECIPIENT, in_report.reason, in_report.hard)]:
            differ.append((reply, in_report.reason, in_report.hard, read))
    assert differ == []


_REPLY = re.compile(r"([245]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3}) )?(.*)", re.DOTALL)


def _multi_line(reply: str, width: int, between: str = "\n ") -> str | None:
    """``reply`` as a multi-line reply (RFC 5321 4.2.1): its text in lines of about
    ``width`` characters, each opened by the code (and the status, RFC 3463), "-" after the
    code on every line but the last; None for a reply that fits one line."""
    m = _REPLY.fullmatch(reply)
    if m is None:
        return None
    code, status, text = m.groups()
    lines = [""]
    for word in text.split():
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines) < 2:
        return None
    prefix = f"{status} " if status else ""
    opened = [f"{code}-{prefix}{line}" for line in lines[:-1]]
    return between.join([*opened, f"{code} {prefix}{lines[-1]}"])


def test_a_documented_reply_over_several_lines_is_read_as_on_one() -> None:
    """A server may break any reply into lines, each opened by its code and status (Gmail
    breaks its own at about 60 characters): a phrase broken across them, a provider's code
    and the words beside it, still say what they say on one line."""
    differ = []
    for _reason, status, reply, _source in DOCUMENTED:
        for width in (20, 30, 45):
            lines = _multi_line(reply, width)
            if lines is None:
                continue
            [one] = classify(_dsn(status, reply)).recipients
            [several] = classify(_dsn(status, lines)).recipients
            if (several.reason, several.hard) != (one.reason, one.hard):
                differ.append((lines, one.reason, one.hard, several.reason, several.hard))
    assert differ == []


def _exim_warning(reply: str) -> bytes:
    """Exim's warning that a message is still queued (deliver.c's default text), the reply
    that delays it under "Delay reason:"."""
    return _notice(
        "Warning: message 1tAbCd-000123-Xy delayed 24 hours",
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent has not yet been delivered to one or more of its\n"
        "recipients after more than 24 hours on the queue on relay.example.\n\n"
        "The address to which the message has not yet been delivered is:\n\n"
        f"  {RECIPIENT}\n"
        f"    Delay reason: SMTP error from remote mail server after RCPT TO:<{RECIPIENT}>:\n"
        f"    host mx.client.example [192.0.2.1]: {reply}\n\n"
        "No action is required on your part. Delivery attempts will continue for\n"
        "some time, and this warning may be repeated at intervals if the message\n"
        "remains undelivered. Eventually the mail delivery software will give up,\n"
        "and when that happens, the message will be returned to you.\n\n",
    )


def test_a_warning_that_delivery_goes_on_gives_the_cause_its_reply_states() -> None:
    """The warning's own words ("not yet been delivered", "will continue") say only that the
    message waits; the reply it quotes says why, as a delayed report's Diagnostic-Code does."""
    differ = []
    for _reason, status, reply, _source in QUOTED_REPLIES:
        if not status.startswith("4") or GAVE_UP.search(reply):
            continue  # a reply that says the queue time ran out ends the delay it would explain
        [in_report] = classify(_dsn(status, reply)).recipients
        [warned] = classify(_exim_warning(reply)).recipients
        read = (warned.address, warned.action, warned.reason, warned.hard)
        if read != (RECIPIENT, "delayed", in_report.reason, False):
            differ.append((reply, in_report.reason, read))
    assert differ == []


@pytest.mark.parametrize(
    "reply",
    [
        "550-5.1.1 User unknown, please try\n 550 5.1.1 later",
        "550-5.1.1 Recipient unknown at\n 550 5.1.1 the moment",
    ],
)
def test_words_that_say_for_now_broken_across_a_replys_lines_prove_nothing_gone(
    reply: str,
) -> None:
    [r] = classify(_dsn("5.1.1", reply)).recipients
    assert (r.reason, r.hard) == ("userunknown", False)


@pytest.mark.parametrize(
    "product", sorted(p for p, (_, body) in TEMPLATES.items() if REFUSAL in body)
)
def test_a_documented_reply_over_several_lines_a_plain_notice_quotes_is_read_as_on_one(
    product: str,
) -> None:
    """The same in each MTA's notice: the reply's lines under each other, indented (Exim,
    sendmail), or run together on one line (Postfix); an address that opens a line of the
    reply ("550-factures@client.example is not", RFC 5321 lets the text follow the "-") is
    not read with the code for its local part."""
    subject, body = TEMPLATES[product]
    differ = []
    for _reason, status, reply, _source in QUOTED_REPLIES:
        [in_report] = classify(_dsn(status, reply)).recipients
        for width, between in ((30, "\n    "), (45, " ")):
            lines = _multi_line(reply, width, between)
            if lines is None:
                continue
            quoted = classify(_notice(subject, body.replace(REFUSAL, lines))).recipients
            read = [(r.address, r.reason, r.hard) for r in quoted]
            if read != [(RECIPIENT, in_report.reason, in_report.hard)]:
                differ.append((lines, in_report.reason, in_report.hard, read))
    assert differ == []


@pytest.mark.parametrize(
    "product",
    sorted(p for p, (_, body) in TEMPLATES.items() if REFUSAL in body and GAVE_UP.search(body)),
)
def test_a_notice_that_says_it_gave_up_is_a_failure_whatever_its_last_reply_says(
    product: str,
) -> None:
    """qmail's "This is a permanent error; I've given up", sendmail's "permanent fatal
    errors", Exim's "This is a permanent error": the last reply may be a 4xx one with words
    of its own ("temporarily", "try again later"); the sender has stopped trying, so the
    failure is final (never a delay that leaves the invoice waiting), and proves nothing gone."""
    subject, body = TEMPLATES[product]
    read = {
        (r.action, r.hard)
        for _reason, status, reply, _source in QUOTED_REPLIES
        if status.startswith("4")
        for r in classify(_notice(subject, body.replace(REFUSAL, reply))).recipients
    }
    assert read == {("failed", False)}


# Notices sent once the sender's queue time ran out, in the words of its source, the last
# reply a temporary one: (subject, text)
QUEUE_TIME_OUT = {
    # qmail-send.c, its line under the address of a message too old to retry, here in a
    # notice that leaves out qmail's "This is a permanent error" (the "Unable to deliver
    # message" notices, ``rules.senders``)
    "qmail-send": (
        "failure delivery",
        "Unable to deliver message to the following address(es).\n\n"
        f"<{RECIPIENT}>:\nResources temporarily unavailable, please try again later [#4.1.9].\n"
        "I'm not going to try again; this message has been in the queue too long.\n\n"
        "--- Original message follows.\n\n",
    ),
    # sendmail 5 and 8 (deliver.c, queue.c): the subject says it, the transcript shows only
    # the deferral
    "sendmail's subject": (
        "Returned mail: Cannot send message for 5 days",
        "   ----- Transcript of session follows -----\n"
        "421 client.example (smtp)... Deferred: Connection timed out with client.example\n\n"
        "   ----- Unsent message follows -----\n",
    ),
    "sendmail's transcript": (
        "Returned mail: see transcript for details",
        "   ----- Transcript of session follows -----\n"
        f"<{RECIPIENT}>... Deferred: Connection refused by mx.client.example.\n"
        "Message could not be delivered for 5 days\nMessage will be deleted from queue\n\n"
        "   ----- Unsent message follows -----\n",
    ),
    "sendmail's DELIVERBY (RFC 2852)": (
        "Returned mail: see transcript for details",
        "   ----- Transcript of session follows -----\n"
        f"<{RECIPIENT}>... Deferred: 451 4.3.0 Mail server temporarily rejected message.\n"
        "Delivery time (3600s) expired\nMessage will be deleted from queue\n\n"
        "   ----- Unsent message follows -----\n",
    ),
    # the products whose failure template is written only once the message has left their
    # queue (their delay warnings are other templates), the last reply a temporary one:
    # Postfix's bounce(5) failure_template after maximal_queue_lifetime
    "Postfix, its queue lifetime over": (
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host relay.example.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients. It's attached below.\n\n"
        f"<{RECIPIENT}>: delivery temporarily suspended: connect to\n"
        "    mx.client.example[192.0.2.1]:25: Connection timed out\n\n",
    ),
    # OpenSMTPD's error notice (bounce.c), not its "delayed" warning
    "OpenSMTPD": (
        "Delivery status notification: error",
        "Hi!\n\nThis is the MAILER-DAEMON, please DO NOT REPLY to this email.\n\n"
        "An error has occurred while attempting to deliver a message for\n"
        f"the following list of recipients:\n\n{RECIPIENT}: 421 4.7.0 Try again later\n\n",
    ),
    # Exchange's NDR, not its delay notification
    "Exchange's NDR": (
        "Undeliverable: Facture 7",
        f"Delivery has failed to these recipients or groups:\n\n{RECIPIENT}\n\n"
        "Diagnostic information for administrators:\n\nGenerating server: relay.example\n\n"
        f"{RECIPIENT}\nRemote Server returned '451 4.4.0 DNS query failed'\n\n",
    ),
    # Gmail's notice once it stopped retrying (its delay is "** Delivery incomplete **")
    "Gmail": (
        "Delivery Status Notification (Failure)",
        f"** Message not delivered **\n\nThere was a problem delivering your message to "
        f"{RECIPIENT}. See the technical details below.\n\nThe response from the remote "
        "server was:\n\n421 4.7.0 Try again later, closing connection.\n\n",
    ),
    # the failure DSN of Microsoft's IIS SMTP service and Exchange 2003 (its delay: "Delivery
    # to the following recipients has been delayed.")
    "IIS SMTP": (
        "Delivery Status Notification (Failure)",
        "This is an automatically generated Delivery Status Notification.\n\n"
        f"Delivery to the following recipients failed.\n\n       {RECIPIENT}\n\n"
        "Reason: 451 4.4.0 DNS query failed\n\n",
    ),
    # and in French, its diagnostic its code for a message whose time in the queue ran out
    # ("4.4.7 Message expired", Microsoft's table of Exchange Online's NDR codes)
    "Exchange's NDR in French, the message expired": (
        "Non remis : Facture 7",
        f"Votre message à {RECIPIENT} n'a pas pu être remis.\n\n"
        "Informations de diagnostic pour les administrateurs :\n\n"
        f"{RECIPIENT}\nRemote Server returned '550 4.4.7 QUEUE.Expired; message expired'\n\n",
    ),
}


@pytest.mark.parametrize("sender", sorted(QUEUE_TIME_OUT))
def test_a_notice_sent_when_the_queue_time_ran_out_is_a_failure(sender: str) -> None:
    """The sender stopped trying: a failure (the invoice did not arrive and will not), though
    the last reply was a temporary one; nothing is proved gone."""
    recipients = classify(_notice(*QUEUE_TIME_OUT[sender])).recipients
    assert recipients
    assert {(r.action, r.hard) for r in recipients} == {("failed", False)}


@pytest.mark.parametrize("product", ["Exim", "qmail-send", "Postfix bounce(5)", "sendmail"])
def test_the_address_a_moved_mailbox_gives_instead_is_not_a_second_failure(
    product: str,
) -> None:
    subject, body = TEMPLATES[product]
    reply = "551 User not local; please try <factures@new.example>"
    result = classify(_notice(subject, body.replace(REFUSAL, reply)))
    assert [(r.address, r.reason) for r in result.recipients] == [(RECIPIENT, "hasmoved")]


@pytest.mark.parametrize(
    ("code", "reason", "hard"), [("550 ", "hostunknown", True), ("", "networkerror", False)]
)
def test_an_nxdomain_quoted_in_a_plain_notice_is_as_final_as_its_reply_code(
    code: str, reason: str, hard: bool
) -> None:
    """Gmail's "DNS Error: … responded with code NXDOMAIN", quoted by a plain notice: under
    a permanent reply code (RFC 5321 4.2.1) the domain is gone; bare, as Gmail reports it
    under a 4.0.0 status, the DNS's trouble, proving nothing gone."""
    said = (
        f"{code}DNS Error: DNS type 'mx' lookup of client.example responded with code "
        "NXDOMAIN Domain name not found: client.example"
    )
    subject, body = TEMPLATES["Exim"]
    [r] = classify(_notice(subject, body.replace(REFUSAL, said))).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, hard)


# One plain notice failing two recipients, each with its own reply, in the per-recipient
# layout of four MTAs' templates (above): each block as the template writes it
_OTHER = "compta@autre.example"
_BLOCKS = {
    "qmail-send": lambda a, said: (
        f"<{a}>:\n192.0.2.1 does not like recipient.\nRemote host said: {said}\n"
        "Giving up on 192.0.2.1.\n\n"
    ),
    "Exim": lambda a, said: (
        f"  {a}\n    host mx.client.example [192.0.2.1]\n"
        f"    SMTP error from remote mail server after RCPT TO:<{a}>:\n    {said}\n"
    ),
    "Postfix bounce(5)": lambda a, said: (
        f"<{a}>: host mx.client.example[192.0.2.1] said: {said}\n"
        "    (in reply to RCPT TO command)\n\n"
    ),
    "OpenSMTPD": lambda a, said: f"{a}: {said}\n",
}
_ALONE = [row for row in QUOTED_REPLIES if "@" not in row[2]]
# pairs spread over the table, each reply met with another of another kind
_PAIRS = [(_ALONE[i], _ALONE[(i * 7 + 3) % len(_ALONE)]) for i in range(0, len(_ALONE), 4)]


@pytest.mark.parametrize("product", sorted(_BLOCKS))
def test_each_of_two_recipients_of_a_plain_notice_is_read_from_its_own_reply(
    product: str,
) -> None:
    """Neither takes the other's cause: "<a>: 553 We weren't able to find the recipient
    domain" must not make b's "501 5.5.4 Invalid command arguments" a domain gone."""
    subject, body = TEMPLATES[product]
    top, bottom = body.split(_BLOCKS[product](RECIPIENT, REFUSAL))
    differ = []
    for (_, status_a, said_a, _), (_, status_b, said_b, _) in _PAIRS:
        [a] = classify(_dsn(status_a, said_a)).recipients
        [b] = classify(_dsn(status_b, said_b)).recipients
        blocks = _BLOCKS[product](RECIPIENT, said_a) + _BLOCKS[product](_OTHER, said_b)
        read = classify(_notice(subject, top + blocks + bottom)).recipients
        found = {r.address: (r.reason, r.hard) for r in read}
        if found != {RECIPIENT: (a.reason, a.hard), _OTHER: (b.reason, b.hard)}:
            differ.append((said_a, said_b, found))
    assert differ == []


def test_the_routed_form_exchange_appends_to_its_diagnostic_is_no_second_recipient() -> None:
    """Exchange's diagnostic line ends "##rfc822;<address>", the recipient as routed (an
    alias's target): the same recipient, not another that failed."""
    subject, body = TEMPLATES["Exchange"]
    body = body.replace("not found ##", "not found ##rfc822;jean.dupont@mail.client.example")
    result = classify(_notice(subject, body))
    assert [(r.address, r.reason) for r in result.recipients] == [(RECIPIENT, "userunknown")]


def test_a_notice_returning_a_report_is_read_for_its_own_failure() -> None:
    """A notice without a report part of its own (sendmail's text, the report lost on the
    way) that returns a message which was itself a delivery report: its own words name what
    failed; the report it returns is about another message and another recipient."""
    returned = _dsn("5.2.2", "552 5.2.2 Mailbox full").decode()
    returned = returned.replace(RECIPIENT, "someone@elsewhere.example")
    subject, body = TEMPLATES["sendmail"]
    text = body.replace("   ----- Original message follows -----\n\n", "").replace("\n", "\r\n")
    raw = (
        f"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\nSubject: {subject}"
        '\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        f"--M\r\nContent-Type: text/plain\r\n\r\n{text}\r\n"
        f"--M\r\nContent-Type: message/rfc822\r\n\r\n{returned}\r\n--M--\r\n"
    ).encode()
    result = classify(raw)
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True)
    ]


@pytest.mark.parametrize(
    "attached",
    [
        "Content-Type: message/rfc822\r\n\r\n{inner}",
        # as a file, the way some clients attach a message (".eml": mime.types' extension for
        # message/rfc822)
        'Content-Type: application/octet-stream; name="Delivery failure.eml"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n{encoded}",
    ],
    ids=["message/rfc822", "an .eml file"],
)
def test_a_report_forwarded_whole_is_read_as_the_report_it_carries(attached: str) -> None:
    inner = _dsn("5.1.1", "550 5.1.1 User unknown").decode()
    encoded = base64.encodebytes(inner.encode()).decode()
    part = attached.format(inner=inner, encoded=encoded)
    raw = (
        "From: Paul <paul@acme.example>\r\nTo: bounces@acme.example\r\n"
        "Subject: Fwd: Delivery Status Notification\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\nThis came back, see attached.\r\n"
        f"--F\r\n{part}\r\n--F--\r\n"
    ).encode()
    result = classify(raw)
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in result.recipients] == [(RECIPIENT, "userunknown")]
    assert result.original_message_id == "<inv-7@acme.example>"
    # where it arrived is the forward's own envelope, not the report's
    assert result.addressed_to == ("bounces@acme.example",)
    assert "a forwarded report" in result.notes


@pytest.mark.parametrize("label", ["multipart/report", "multipart/mixed"])
def test_a_notice_carrying_a_relabelled_report_is_read_as_that_report(label: str) -> None:
    """A gateway's notice that names no one itself and carries a delivery report whose
    multipart/report a gateway relabelled multipart/mixed: the report names the recipient,
    never the carried notice's To (the original message's sender)."""
    inner = _dsn("5.1.1", "550 5.1.1 User unknown").decode()
    inner = inner.replace("multipart/report; report-type=delivery-status", label)
    raw = (
        "From: MAILER-DAEMON@gateway.acme.example\r\nTo: postmaster@acme.example\r\n"
        "Subject: Returned mail: User unknown\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="F"\r\n\r\n'
        "--F\r\nContent-Type: text/plain\r\n\r\n"
        "----- The following addresses had permanent delivery errors -----\r\n\r\n"
        f"--F\r\nContent-Type: message/rfc822\r\n\r\n{inner}\r\n--F--\r\n"
    ).encode()
    result = classify(raw)
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True)
    ]
    assert "a forwarded report" in result.notes


SUCCESS_TEMPLATES = [
    # OpenSMTPD, bounce.c (notice_success, notice_relay), under its NOTICE_INTRO
    (
        "Delivery status notification: success",
        "    Hi!\r\n\r\n    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\r\n\r\n"
        "    Your message was successfully delivered to these recipients.\r\n\r\n"
        f"{RECIPIENT}: 250 2.0.0 Ok: queued\r\n\r\n"
        "    Below is a copy of the original message:\r\n",
        "delivered",
    ),
    (
        "Delivery status notification: relay",
        "    Hi!\r\n\r\n    This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.\r\n\r\n"
        "    Your message was relayed to these recipients.\r\n\r\n"
        f"{RECIPIENT}: 250 2.0.0 Ok\r\n\r\n    Below is a copy of the original message:\r\n",
        "relayed",
    ),
    # Postfix, bounce(5) success_template ("Successful Mail Delivery Report")
    (
        "Successful Mail Delivery Report",
        "This is the mail system at host relay.example.\r\n\r\n"
        "Your message was successfully delivered to the destination(s)\r\nlisted below. If "
        "the message was delivered to mailbox you will\r\nreceive no further notifications.\r\n"
        f"\r\n<{RECIPIENT}>: delivery via mx.client.example[192.0.2.1]:25: 250 2.0.0\r\n"
        "    Ok: queued as 4F2A\r\n",
        "delivered",
    ),
    # Microsoft Exchange's delivery and relay notifications
    (
        "Delivered: Facture 7",
        "Your message has been delivered to the following recipients:\r\n\r\n"
        f"{RECIPIENT} ({RECIPIENT})\r\n\r\nSubject: Facture 7\r\n",
        "delivered",
    ),
    (
        "Relayed: Facture 7",
        "Delivery to these recipients or groups is complete, but no delivery notification "
        f"was sent by the destination server:\r\n\r\n{RECIPIENT} ({RECIPIENT})\r\n",
        "relayed",
    ),
    # the relay DSN of Microsoft's SMTP service (IIS, Exchange 2000-2003) and Gmail
    (
        "Delivery Status Notification (Relay)",
        "This is an automatically generated Delivery Status Notification.\r\n\r\n"
        "Your message has been successfully relayed to the following recipients, but the "
        "requested delivery status notifications may not be generated by the destination."
        f"\r\n\r\n       {RECIPIENT}\r\n",
        "relayed",
    ),
    (
        "Delivery Status Notification (Success)",
        "This is an automatically generated Delivery Status Notification.\r\n\r\n"
        f"Delivery to the following recipients succeeded.\r\n\r\n       {RECIPIENT}\r\n",
        "delivered",
    ),
    # Exchange's delivery and relay notifications in French, German and Spanish: a delivered
    # invoice read as a failure would be sent again
    (
        "Remis : Facture 7",
        "Votre message a été remis aux destinataires suivants :\r\n\r\n"
        f"{RECIPIENT} ({RECIPIENT})\r\n\r\nObjet : Facture 7\r\n",
        "delivered",
    ),
    (
        "Relayé : Facture 7",
        "La remise aux destinataires ou groupes suivants est terminée, mais aucune "
        "notification de remise n'a été envoyée par le serveur de destination :\r\n\r\n"
        f"{RECIPIENT} ({RECIPIENT})\r\n",
        "relayed",
    ),
    (
        "Zugestellt: Rechnung 7",
        "Ihre Nachricht wurde an die folgenden Empfänger zugestellt:\r\n\r\n"
        f"{RECIPIENT} ({RECIPIENT})\r\n",
        "delivered",
    ),
    (
        "Entregado: Factura 7",
        "Su mensaje se ha entregado a los siguientes destinatarios:\r\n\r\n"
        f"{RECIPIENT} ({RECIPIENT})\r\n",
        "delivered",
    ),
    # sendmail's return receipt
    (
        "Return receipt",
        "The original message was received at Thu, 3 Dec 2026 10:00:00 +0100\r\n\r\n"
        "   ----- The following addresses had successful delivery notifications -----\r\n"
        f"<{RECIPIENT}>  (relayed to non-DSN-aware mailer)\r\n",
        "relayed",
    ),
]


@pytest.mark.parametrize(("subject", "body", "action"), SUCCESS_TEMPLATES)
def test_a_plain_text_success_notice_is_a_delivery_report_not_a_bounce(
    subject: str, body: str, action: str
) -> None:
    raw = (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()
    result = classify(raw)
    assert result.kind == Kind.DELIVERY_REPORT
    assert [(r.address, r.reason, r.action, r.hard) for r in result.recipients] == [
        (RECIPIENT, "delivered", action, False)
    ]


def test_a_notice_of_some_delivered_and_some_failed_names_each_as_it_went() -> None:
    """Exchange's relay template ("Delivery to these recipients or groups is complete, but no
    delivery notification was sent by the destination server") above its failure template
    ("Delivery has failed to these recipients or groups"), in one plain notice: the copy was
    relayed, the invoice's address failed. It was a delivery report of both."""
    body = (
        "Delivery to these recipients or groups is complete, but no delivery notification "
        "was sent by the destination server:\n\ncopies@client.example\n\n"
        f"Delivery has failed to these recipients or groups:\n\n{RECIPIENT}\n"
        "The email address you entered couldn't be found. Please check the recipient's email "
        "address and try to resend the message.\n\n"
    )
    result = classify(_notice("Undeliverable: Facture 7", body, "postmaster@relay.example"))
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason, r.action, r.hard) for r in result.recipients] == [
        ("copies@client.example", "delivered", "relayed", False),
        (RECIPIENT, "userunknown", "failed", True),
    ]


def test_a_person_quoting_a_success_notice_is_not_one() -> None:
    raw = (
        f"From: Paul <{RECIPIENT}>\r\nTo: billing@acme.example\r\nSubject: Re: Facture 7\r\n"
        "In-Reply-To: <inv-7@acme.example>\r\nContent-Type: text/plain\r\n\r\n"
        "Odd, I got: 'Your message has been delivered to the following recipients: "
        "compta@client.example'. Which address is right?\r\n"
    ).encode()
    assert classify(raw).kind == Kind.HUMAN


# RFC 3464 2.3.6: the diagnostic type says where the text comes from. Postfix's local(8),
# virtual(8) and pipe(8) report a delivery command's <sysexits.h> exit with type "x-unix" and
# the text of Postfix's sys_exits table; a cause the text names still decides.
@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("x-unix; temporary failure", "mailererror"),  # EX_TEMPFAIL
        ("x-unix; internal software error. Command output: crashed", "mailererror"),
        ("x-unix; local configuration error", "mailererror"),  # EX_CONFIG
        ("x-unix; user unknown", "userunknown"),  # EX_NOUSER names its cause
        ("x-unix; Disk quota exceeded", "mailboxfull"),
        ("smtp; 451 4.3.0 temporary failure", "systemerror"),  # a server's reply, not a program
    ],
)
def test_a_delivery_programs_exit_status_is_a_mailer_error(diagnostic: str, reason: str) -> None:
    raw = _dsn("5.3.0", "").replace(
        b"Status: 5.3.0\r\n", f"Status: 5.3.0\r\nDiagnostic-Code: {diagnostic}\r\n".encode()
    )
    [r] = classify(raw).recipients
    assert r.reason == reason


# sendmail writes a delivery program's exit status as a bare number ("X-Unix; 255"): the
# program failed, unless the Status beside it names the cause (5.3.0: the system)
@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.0.0", "X-Unix; 255", "mailererror"),
        ("5.0.0", "x-unix; 127", "mailererror"),
        ("5.3.0", "X-Unix; 77", "systemerror"),
        ("5.0.0", "smtp; 554", "onhold"),  # a server's bare reply code says nothing
    ],
)
def test_a_programs_bare_exit_number_is_a_mailer_error_unless_the_status_says(
    status: str, diagnostic: str, reason: str
) -> None:
    raw = _dsn(status, "").replace(
        f"Status: {status}\r\n".encode(),
        f"Status: {status}\r\nDiagnostic-Code: {diagnostic}\r\n".encode(),
    )
    [r] = classify(raw).recipients
    assert (r.reason, r.hard) == (reason, False)


# a delivery program's own words, carried in a server's report (Postfix's "Command output:")
@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ('Command died with status 1: "/usr/bin/procmail". Command output: procmail: '
         'Couldn\'t create "/var/mail/factures"', "mailererror"),
        ("Command output: /usr/bin/maildrop: Unable to create a dot-lock.", "mailererror"),
        ('procmail: Quota exceeded while writing "/var/mail/factures"', "mailboxfull"),
        ("Command output: User unknown", "userunknown"),
    ],
)  # fmt: skip
def test_a_delivery_programs_words_are_a_mailer_error_unless_they_name_a_cause(
    diagnostic: str, reason: str
) -> None:
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert r.reason == reason


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_a_report_sent_with_a_transfer_encoding_is_read(encoding: str) -> None:
    # RFC 6533 3.1 lets a delivery-status part be base64 or quoted-printable encoded
    fields = (
        "Reporting-MTA: dns; relay.example\r\n\r\n"
        f"Final-Recipient: rfc822; {RECIPIENT}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
    )
    body = (
        base64.encodebytes(fields.encode()).decode()
        if encoding == "base64"
        else quopri.encodestring(fields.encode(), quotetabs=True).decode().replace("=\n", "=\r\n")
    )
    plain = _dsn("5.1.1", "550 5.1.1 User unknown").decode()
    head, _, rest = plain.partition("Content-Type: message/delivery-status\r\n\r\n")
    tail = rest[rest.index("\r\n--B\r\n") :]
    raw = (
        f"{head}Content-Type: message/delivery-status\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{body}{tail}"
    ).encode()
    [r] = classify(raw).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, "userunknown", True)


# qmail-remote names the stage a remote host refused in its own words (qmail-remote.c), and
# closes a permanent refusal with "Giving up on <IP>.", which is not an expiry
@pytest.mark.parametrize(
    ("stage", "said", "reason", "hard"),
    [
        ("192.0.2.1 does not like recipient.", "550 No such user here", "userunknown", True),
        # a user refused only once the message was sent is a filter's decision
        ("192.0.2.1 failed after I sent the message.", "550 User unknown", "filtered", False),
        ("Connected to 192.0.2.1 but sender was rejected.", "553 Go away", "rejected", False),
        (
            "Connected to 192.0.2.1 but sender was rejected.",
            "553 5.7.1 <billing@acme.example>... Access denied",
            "rejected",
            False,
        ),
        # qmail-remote's own reason, then qmail-send giving up on the queue time: the reason
        # is why it could not connect, not the giving up
        (
            "Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)",
            "I'm not going to try again; this message has been in the queue too long.",
            "networkerror",
            False,
        ),
        (
            "Unable to contact LDAP server. (#4.4.3)",
            "I'm not going to try again; this message has been in the queue too long.",
            "systemerror",
            False,
        ),
        ("Connected to 192.0.2.1 but greeting failed.", "554 mx.client.example", "blocked", False),
    ],
)
def test_qmails_stage_words_decide_what_was_refused(
    stage: str, said: str, reason: str, hard: bool
) -> None:
    subject, body = TEMPLATES["qmail-send"]
    body = body.replace("192.0.2.1 does not like recipient.", stage).replace(REFUSAL, said)
    [r] = classify(_notice(subject, body)).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, hard)


# qmail-send gives up on a message kept in its queue past queuelifetime (qmail-send(8)):
# "I'm not going to try again; this message has been in the queue too long." under the last
# reply. The reply's own cause is the reason, as sisimai reads the giving up again for the
# cause; a reply that names none leaves the waiting: expired
@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("421 4.7.0 mx.client.example Error: too many connections from 192.0.2.1", "toomanyconn"),
        ("452 4.5.3 Error: too many recipients", "toomanyconn"),
        ("450 4.7.1 Error: too much mail from 192.0.2.1", "speeding"),
        ("552-5.6.0 Headers too large (32000 max)", "contenterror"),
        ("501 5.5.2 Syntax error in parameters or arguments", "syntaxerror"),
        ("454 TLS not available due to temporary reason", "failedstarttls"),
        ("451 4.7.1 Greylisted, please try again in 5 minutes", "expired"),
        ("451 Resources temporarily unavailable, please try again later", "expired"),
    ],
)
def test_qmail_giving_up_on_the_queue_time_keeps_the_cause_the_reply_names(
    said: str, reason: str
) -> None:
    subject, body = TEMPLATES["qmail-send"]
    body = body.replace(REFUSAL, said).replace(
        "Giving up on 192.0.2.1.\n",
        "Giving up on 192.0.2.1.\n"
        "I'm not going to try again; this message has been in the queue too long.\n",
    )
    [r] = classify(_notice(subject, body)).recipients
    # given up, whatever words of its own the last reply has ("temporarily", "try again")
    assert (r.address, r.action, r.reason, r.hard) == (RECIPIENT, "failed", reason, False)


# The DragonFly Mail Agent names the command the remote host refused (dma, net.c: "%s [%s]
# did not like our %s:", the reply under it)
@pytest.mark.parametrize(
    ("command", "reason", "hard"),
    [("RCPT TO", "userunknown", True), ("DATA", "filtered", False)],
)
def test_the_dragonfly_mail_agents_stage_decides_what_was_refused(
    command: str, reason: str, hard: bool
) -> None:
    body = (
        "This is the DragonFly Mail Agent v0.13 at df.acme.example.\n\n"
        f"There was an error delivering your mail to <{RECIPIENT}>.\n\n"
        f"mx.client.example [192.0.2.25] did not like our {command}:\n"
        f"550 Unknown user {RECIPIENT}\n\nOriginal message follows.\n\n"
    )
    [r] = classify(_notice("Mail delivery failed", body)).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, hard)


# The same causes in the other words servers use for them: a full mailbox, a suspended
# account or a domain that takes no mail, said without the status code that would say it
@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("552 over the allowed quota", "mailboxfull"),
        ("552 recipient reached disk quota", "mailboxfull"),
        ("552 the user's maildir has overdrawn his diskspace quota", "mailboxfull"),
        ("552 full mailbox", "mailboxfull"),
        ("552 quota violation for factures@client.example", "mailboxfull"),
        ("552 Recipient rejected: mailbox would exceed maximum allowed storage", "mailboxfull"),
        ("552 the user's space has been used up", "mailboxfull"),
        ("552 Account is exceeding their quota", "mailboxfull"),
        ("552 The recipient does not have enough space", "mailboxfull"),
        ("552 Mail file size exceeds the maximum size allowed for mail delivery", "mailboxfull"),
        ("550 User has too many messages on the server", "mailboxfull"),  # GMX, WEB.DE
        # qmail's badrcptto list: an unknown user, its 5.7.1 a policy's status (not hard)
        ("553 sorry, your envelope recipient is in my badrcptto list (#5.7.1)", "userunknown"),
        ("550 Benutzer hat zuviele Mails auf dem Server", "mailboxfull"),
        ("552 Account storage limit", "mailboxfull"),  # GoDaddy's bounce help page
        ("550 this mailbox is currently suspended", "suspend"),
        ("550 account expired", "suspend"),
        ("550 this domain does not accept email", "notaccept"),
        ("550 domain does not receive mail", "notaccept"),
    ],
)
def test_a_cause_said_in_other_words_is_still_that_cause(diagnostic: str, reason: str) -> None:
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert r.reason == reason
    assert not r.hard or reason == "notaccept"


# Notices whose returned message follows their text with no words to mark it: the returned
# headers' To and Cc (the invoice's other recipients, whose mail was delivered) are not
# failed recipients, and an address Exchange wraps in quotes is read without them
UNMARKED = {
    "Exchange 2003": (
        "Your message did not reach some or all of the intended recipients.\n\n"
        "      Subject:\tFacture 7\n      Sent:\t12/3/2026 10:00 AM\n\n"
        "The following recipient(s) could not be reached:\n\n"
        f"      '{RECIPIENT}' on 12/3/2026 10:00 AM\n"
        "            The e-mail account does not exist at the organization this message was "
        "sent to.\n            <mx.client.example #5.1.1>\n\n"
    ),
    "Novell GroupWise": (
        "The message that you sent was undeliverable to the following:\n"
        f"\t{RECIPIENT} (user not found)\n\nPossible causes include:\n"
    ),
    "Postfix local(8)": (
        "This is the mail system at host relay.example.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n\n                   The mail system\n\n"
        f'<{RECIPIENT}>: unknown user: "factures"\n\n'
    ),
    "Courier": (
        "This is a delivery status notification from relay.example,\n"
        "running the Courier mail server.\n\n"
        "Your message to the following recipients cannot be delivered:\n\n"
        f"<{RECIPIENT}>:\n    mx.client.example [192.0.2.1]:\n>>> RCPT TO:<{RECIPIENT}>\n"
        f"<<< 550 5.1.1 <{RECIPIENT}>... User unknown\n\n"
    ),
}


@pytest.mark.parametrize("product", sorted(UNMARKED))
def test_the_returned_headers_addresses_are_not_failed_recipients(product: str) -> None:
    result = classify(_notice("Undeliverable: Facture 7", UNMARKED[product] + "\n"))
    assert [(r.address, r.reason, r.hard) for r in result.recipients] == [
        (RECIPIENT, "userunknown", True)
    ]
    assert result.original_message_id == "<inv-7@acme.example>"


# Exchange sends its NDR in the sender's language: a French, German, Spanish, Italian, Dutch or
# Portuguese notice with no status code says the same causes in its own words
LOCALIZED = [
    ("L'adresse de messagerie que vous avez entrée est introuvable.", "userunknown", True),
    (
        "La boîte aux lettres du destinataire est pleine et ne peut pas accepter de messages "
        "pour l'instant.",
        "mailboxfull",
        False,
    ),
    ("Le domaine client.example n'existe pas.", "hostunknown", True),
    ("Die Empfängeradresse existiert nicht.", "userunknown", True),
    ("Das Postfach ist voll.", "mailboxfull", False),
    ("Quota dépassé pour ce destinataire.", "mailboxfull", False),
    ("Quota überschritten.", "mailboxfull", False),
    ("El buzón del destinatario está lleno.", "mailboxfull", False),
    ("La casella di posta del destinatario è piena.", "mailboxfull", False),
    ("De mailbox van de ontvanger is vol.", "mailboxfull", False),
    ("La dirección de correo electrónico no existe.", "userunknown", True),
    ("L'indirizzo di posta elettronica non esiste.", "userunknown", True),
    ("Het e-mailadres bestaat niet.", "userunknown", True),
    ("El dominio client.example no existe.", "hostunknown", True),
    # the other causes in French and German: a closed account, a message too big, a delay
    # run out, an unknown domain or address
    ("Compte désactivé.", "suspend", False),
    ("Ce compte a été désactivé.", "suspend", False),
    ("La boîte aux lettres est désactivée.", "suspend", False),
    ("Das Konto wurde deaktiviert.", "suspend", False),
    ("Message trop volumineux.", "mesgtoobig", False),
    ("Die Nachricht ist zu groß.", "mesgtoobig", False),
    ("Délai de remise dépassé.", "expired", False),
    ("Zeitüberschreitung bei der Zustellung.", "expired", False),
    ("Domaine inconnu.", "hostunknown", True),
    ("Die Domain client.example existiert nicht.", "hostunknown", True),
    ("Adresse e-mail inconnue.", "userunknown", True),
    # the mailbox or user unknown in German, Dutch and Portuguese word orders
    ("Die Mailbox existiert nicht.", "userunknown", True),
    ("Gebruiker onbekend.", "userunknown", True),
    ("O endereço de email não existe.", "userunknown", True),
    ("Destinatário inexistente.", "userunknown", True),
]


@pytest.mark.parametrize(("said", "reason", "hard"), LOCALIZED)
def test_a_notice_in_the_senders_language_names_its_cause(
    said: str, reason: str, hard: bool
) -> None:
    body = f"La remise aux destinataires ou groupes suivants a échoué :\n\n{RECIPIENT}\n{said}\n\n"
    [r] = classify(_notice("Non remis : Facture 7", body, "postmaster@relay.example")).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, hard)


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 The user does not accept email in non-Western (non-Latin) character sets.",
        "550 This recipient does not accept mail from your domain.",
    ],
)
def test_a_users_own_refusal_is_not_a_domain_that_takes_no_mail(diagnostic: str) -> None:
    # RFC 7504's "does not accept mail" is said of a host or a domain; a user's filter or
    # block list saying it of some mail proves nothing gone
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert r.reason != "notaccept"
    assert not r.hard


# Lotus Domino's router states why under "because:", in the server's language
@pytest.mark.parametrize(
    ("because", "reason", "hard"),
    [
        (
            "User factures (factures@client.example) not listed in Domino Directory",
            "userunknown",
            True,
        ),
        (
            "User factures (factures@client.example) no se encuentra en el Directorio de Domino",
            "userunknown",
            True,
        ),
        (
            "User factures (factures@client.example) は Domino ディレクトリには見つかりません",
            "userunknown",
            True,
        ),
        ("Several matches found in Domino Directory", "systemerror", False),
        (
            "Router: Maximum hop count exceeded.  Message probably in a routing loop.",
            "networkerror",
            False,
        ),
    ],
)
def test_dominos_reason_under_because(because: str, reason: str, hard: bool) -> None:
    body = (
        f"Your message\n\n  Subject: Facture 7\n\nwas not delivered to:\n\n  {RECIPIENT}\n\n"
        f"because:\n\n  {because}\n\n"
    )
    [r] = classify(_notice("DELIVERY FAILURE", body, "Postmaster@relay.example")).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, hard)


# RFC 5321 3.3: MAIL FROM names the sender; a failure whose subject is the sender (its address,
# its domain, the return path) says nothing of the recipient's mailbox, whatever status the
# server put on it
@pytest.mark.parametrize(
    ("status", "diagnostic"),
    [
        ("5.0.0", "550 sender domain does not exist"),
        ("5.0.0", "553 Sender address does not exist"),
        ("5.1.1", "550 5.1.1 Sender address does not exist"),
        ("5.1.2", "550 5.1.2 sender domain not found"),
        ("5.0.0", "550 Your domain does not exist"),
        ("5.0.0", "550 The sender's domain has no MX record"),
        ("5.0.0", "550 Return path domain does not exist"),
        ("5.0.0", "550 MAIL FROM domain does not resolve"),
        ("5.0.0", "550 unknown sender"),
        ("5.0.0", "501 Sender address invalid"),
        ("5.0.0", "550 No such user (billing@acme.example) in sender verification"),
        # the recipient's words this session added, said of the sender
        ("5.0.0", "550 Sender address not known here"),
        ("5.0.0", "553 Sender domain no longer exists"),
        ("5.0.0", "550 Sender not a member of domain"),
        ("5.0.0", "550 Your domain is not known here"),
    ],
)
def test_a_failure_of_our_sender_is_not_the_recipients(status: str, diagnostic: str) -> None:
    [r] = classify(_dsn(status, diagnostic)).recipients
    assert (r.reason, r.hard) == ("rejected", False)


@pytest.mark.parametrize(
    "diagnostic", ["550 adres nadawcy nie istnieje", "550 发件人邮箱地址不存在"]
)  # the sender's address does not exist, in Polish and in Chinese
def test_the_senders_address_gone_in_another_language_is_not_the_recipients(
    diagnostic: str,
) -> None:
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason != "userunknown", r.hard) == (True, False)


def test_a_recipients_failure_that_names_the_sender_too_is_still_the_recipients() -> None:
    diagnostic = (
        f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected: User unknown in local recipient "
        f"table; from=<billing@acme.example> to=<{RECIPIENT}>"
    )
    [r] = classify(_dsn("5.1.1", diagnostic)).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


# A notice from an address that does not say what it is (noreply@…) is known by its subject or
# its words, in the languages Exchange and other servers localize them to
@pytest.mark.parametrize(
    ("subject", "said"),
    [
        ("Non recapitabile: Facture 7", "Recapito non riuscito."),
        ("Onbestelbaar: Facture 7", "Bezorging mislukt."),
        ("Nicht zustellbar: Facture 7", "Fehler."),
        ("Notification d'état de la remise (échec)", "Erreur."),
        ("Facture 7", "Votre message n'a pas pu être remis."),
        ("Facture 7", "Ihre Nachricht konnte nicht zugestellt werden."),
        ("Facture 7", "Su mensaje no se pudo entregar."),
    ],
)
def test_a_notice_in_another_language_is_known_as_one(subject: str, said: str) -> None:
    body = f"{said}\n\n{RECIPIENT}\n550 5.1.1 User unknown\n\n"
    result = classify(_notice(subject, body, "Service <noreply@relay.example>"))
    assert result.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in result.recipients] == [(RECIPIENT, "userunknown")]


# Exim shows a delivery that a redirection (a .forward, an alias) made of the address as the
# pipe or file it went to, "generated by" the address (the Exim specification, the pipe and
# appendfile transports): a command that failed is a mailer error, a file a system's
@pytest.mark.parametrize(
    ("delivery", "reason"),
    [("pipe to |/usr/local/bin/invoices", "mailererror"), ("save to /var/mail/f", "systemerror")],
)
def test_exims_delivery_generated_by_the_address(delivery: str, reason: str) -> None:
    subject, body = TEMPLATES["Exim"]
    failed = f"  {delivery}\n    generated by {RECIPIENT}\n    local delivery failed\n\n"
    body = body[: body.index(f"  {RECIPIENT}")] + failed + body[body.index("------ This") :]
    [r] = classify(_notice(subject, body)).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, reason, False)


# A full mailbox that a server reports under "5.1.1 no such user" is still a full mailbox:
# its words leave nothing proved gone. A name server's SERVFAIL is a trouble for now.
@pytest.mark.parametrize(
    ("status", "diagnostic", "reason"),
    [
        ("5.1.1", "550 5.1.1 Mailbox has exceeded the limit", "mailboxfull"),
        ("5.1.1", f"550 5.1.1 <{RECIPIENT}>: mailbox size limit exceeded", "mailboxfull"),
        ("5.1.1", "552 sorry, mailbox factures is over quota temporarily (#5.1.1)", "mailboxfull"),
        ("5.1.2", "550 5.1.2 Mailbox quota exceeded", "mailboxfull"),
        ("5.1.1", "550 5.1.1 User has exceeded quota, bouncing mail", "mailboxfull"),
        ("5.1.1", "550 5.1.1 Account disabled temporarily", "suspend"),
        (
            "5.1.1",
            "550 5.1.1 <factures@client.example>: Recipient address rejected: User is inactive",
            "suspend",
        ),
        ("5.0.0", "DNS lookup failed: SERVFAIL", "networkerror"),
        # Postfix's "Name service error" says a lookup failed, not how: only "Host not found"
        # (NXDOMAIN) proves the name gone
        (
            "5.0.0",
            "Name service error for name=client.example type=MX: Malformed or unexpected name "
            "server reply",
            "networkerror",
        ),
    ],
)
def test_a_full_mailbox_or_a_dns_trouble_is_never_hard(
    status: str, diagnostic: str, reason: str
) -> None:
    [r] = classify(_dsn(status, diagnostic)).recipients
    assert (r.reason, r.hard) == (reason, False)


# The harm the issue names: a working address marked undeliverable because a full mailbox, a
# network's or a system's trouble was read as proof of a mailbox gone. Each such wording of
# the cases above, under each status a server may put on it, in a report or a plain notice
SOFT_CAUSES = ("mailboxfull", "networkerror", "systemerror", "systemfull", "expired")
SOFT_WORDINGS = sorted(
    {row[2] for row in DOCUMENTED if row[0] in SOFT_CAUSES and row[2]}
    | {
        # Postfix smtp(8)'s and Exim's own words for a network's trouble
        "lost connection with mx.client.example[192.0.2.1] while sending RCPT TO",
        "connect to mx.client.example[192.0.2.1]:25: No route to host",
        "connect to mx.client.example[192.0.2.1]:25: Network is unreachable",
        "retry time not reached for any host after a long failure period",
        "Router: Maximum hop count exceeded.  Message probably in a routing loop.",
    }
    | {said for said, reason, _ in LOCALIZED if reason == "mailboxfull"}
)


@pytest.mark.parametrize("status", ["5.0.0", "5.4.4", "5.3.0"])
@pytest.mark.parametrize("diagnostic", SOFT_WORDINGS)
def test_no_full_mailbox_network_or_system_trouble_is_claimed_hard(
    status: str, diagnostic: str
) -> None:
    [r] = classify(_dsn(status, diagnostic)).recipients
    assert not r.hard, r.reason
    body = f"Delivery to the following recipient failed:\n\n  {RECIPIENT}\n\n{diagnostic}\n\n"
    [t] = classify(_notice("Delivery Status Notification (Failure)", body)).recipients
    assert not t.hard, t.reason


@pytest.mark.parametrize(
    "pointer",
    [
        "For assistance, write to helpdesk@relay.example.",
        "If you need help, send an email to helpdesk@relay.example.",
        "Questions? Email us at helpdesk@relay.example",
        "Support: helpdesk@relay.example",
        "Please contact <helpdesk@relay.example>.",
    ],
)
def test_the_providers_help_desk_is_not_a_failed_recipient(pointer: str) -> None:
    body = f"Your message to {RECIPIENT} could not be delivered: 550 User unknown.\n\n{pointer}\n\n"
    result = classify(_notice("Undeliverable mail", body))
    assert [r.address for r in result.recipients] == [RECIPIENT]


def _dsn_with_fields(status: str, diagnostic: str, extra: str) -> bytes:
    return _dsn(status, diagnostic).replace(
        f"Diagnostic-Code: smtp; {diagnostic}\r\n".encode(),
        f"Diagnostic-Code: smtp; {diagnostic}\r\n{extra}\r\n".encode(),
    )


# PowerMTA's bounce categories (its User's Guide, 'Bounce categories'), as its reports give
# them: read where the reply itself names no cause, and never taken as proof of a gone address
@pytest.mark.parametrize(
    ("category", "reason"),
    [
        ("bad-mailbox", "userunknown"),
        ("bad-domain", "hostunknown"),
        ("inactive-mailbox", "suspend"),
        ("quota-issues", "mailboxfull"),
        ("spam-related", "spamdetected"),
        ("policy-related", "policyviolation"),
        ("virus-related", "virusdetected"),
        ("relaying-issues", "norelaying"),
        ("routing-errors", "systemerror"),
        ("protocol-errors", "syntaxerror"),
    ],
)
def test_a_reporters_documented_category_names_an_unexplained_failure(
    category: str, reason: str
) -> None:
    raw = _dsn_with_fields(
        "5.0.0", "554 Transaction failed", f"X-PowerMTA-BounceCategory: {category}"
    )
    [r] = classify(raw).recipients
    assert (r.reason, r.hard) == (reason, False)


def test_a_reporters_category_does_not_overrule_a_specific_status_or_wording() -> None:
    # PowerMTA filed a disabled mailbox under bad-mailbox: the status says more
    [r] = classify(
        _dsn_with_fields(
            "5.2.1",
            "550 5.2.1 Mailbox disabled, not accepting messages",
            "X-PowerMTA-BounceCategory: bad-mailbox",
        )
    ).recipients
    assert r.reason == "suspend"
    # and a reply that names its cause keeps it
    [r] = classify(
        _dsn_with_fields("5.0.0", "552 Mailbox is full", "X-PowerMTA-BounceCategory: spam-related")
    ).recipients
    assert r.reason == "mailboxfull"
    # a specific 5.1.1 is still proof, whatever the category
    [r] = classify(
        _dsn_with_fields(
            "5.1.1", "550 5.1.1 User unknown", "X-PowerMTA-BounceCategory: bad-mailbox"
        )
    ).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


def test_a_notices_line_introducing_the_returned_headers_is_not_the_failure() -> None:
    """'We had trouble delivering your message' notices (sisimai's Lhost::X6) end their text
    with 'The attachment contains the original mail headers': a line about the returned
    message, not a header or attachment the server refused (contenterror)."""
    body = (
        "We had trouble delivering your message. Full details follow:\n\n"
        "Subject: 'Facture 7'\n\n1 error(s):\n\n"
        f"The following recipients returned permanent errors: {RECIPIENT}.\n\n"
        "The attachment contains the original mail headers\n\n"
    )
    [r] = classify(_notice("There was an error sending your mail", body)).recipients
    assert r.address == RECIPIENT
    assert r.reason != "contenterror"
    assert "attachment" not in (r.diagnostic or "")


@pytest.mark.parametrize(
    ("diagnostic", "not_read_as"),
    [
        (
            "554 Transaction failed, see https://postmaster.relay.example/errors/invalid-recipient",
            "userunknown",
        ),
        ("451 Try again later, see https://help.relay.example/kb/spam", "spamdetected"),
        ("550 Refused. Details: https://help.relay.example/?why=blocked", "blocked"),
    ],
)
def test_the_words_of_a_help_links_address_do_not_name_the_failure(
    diagnostic: str, not_read_as: str
) -> None:
    """A refusal that points at a help page: the page's address names the page (one of its
    topics), not this failure; the reply's own words and status decide."""
    status = "4.0.0" if diagnostic.startswith("4") else "5.0.0"
    [r] = classify(_dsn(status, diagnostic)).recipients
    assert r.reason != not_read_as
    assert not r.hard
    # the host still says who refused
    [r] = classify(
        _dsn("5.0.0", "554 Refused, see https://www.spamhaus.org/query/ip/192.0.2.9")
    ).recipients
    assert r.reason == "blocked"


def test_an_unknown_user_in_reply_to_mail_from_is_our_sender_whatever_its_status() -> None:
    """Postfix names the command a reply answered: "User unknown (in reply to MAIL FROM
    command)" is our sender, unknown there (RFC 5321 3.3), even under a 5.1.1 status; the
    recipient is not proven gone."""
    diagnostic = (
        "550 5.1.1 <bounces+7@acme.example>... User unknown (in reply to MAIL FROM command)"
    )
    [r] = classify(_dsn("5.1.1", diagnostic)).recipients
    assert (r.reason, r.hard) == ("rejected", False)


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        ("Relay access denied", "norelaying"),  # Postfix reject_unauth_destination
        ("SPF check failed", "authfailure"),
        ("Message rejected due to spam content", "spamdetected"),
        ("Your IP is blacklisted", "blocked"),
        ("Too many recipients", "toomanyconn"),
        ("rate limit exceeded", "speeding"),
        ("TLS required", "securityerror"),  # RFC 3207
        ("message too large", "mesgtoobig"),
        ("Temporary lookup failure", "systemerror"),  # Postfix smtpd(8)
    ],
)
def test_another_cause_named_beside_a_511_status_proves_no_mailbox_gone(
    said: str, reason: str
) -> None:
    """A server that answers every refused recipient with one code ("550 5.1.1") while its
    words name another cause (the sending host, relaying, the content, a rate): the words
    say what was refused, and nothing is proven gone (sisimai reads the same way: its
    unknown-user check gives way to blocked, rejected and full-mailbox words)."""
    diagnostic = f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected: {said}"
    [r] = classify(_dsn("5.1.1", diagnostic)).recipients
    assert (r.reason, r.hard) == (reason, False)


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        (f"550 5.2.1 <{RECIPIENT}>... User Unknown", "filtered"),
        (f"550 5.2.1 <{RECIPIENT}>... User Unknown (in reply to RCPT TO command)", "userunknown"),
    ],
)
def test_user_unknown_under_a_status_that_says_the_mailbox_exists(said: str, reason: str) -> None:
    """RFC 3463 X.2.1: "the mailbox exists, but is not accepting messages". Its "User
    Unknown", not said in reply to RCPT TO, is a filter's refusal (sisimai's Filtered reads
    a 5.2.0 or 5.2.1 status so); in reply to RCPT TO, the words stand. Neither proves the
    mailbox gone."""
    [r] = classify(_dsn("5.2.1", said)).recipients
    assert (r.reason, r.hard) == (reason, False)


def test_an_address_exchange_refuses_as_reserved_is_unknown_yet_proves_nothing_gone() -> None:
    """Exchange Server's 5.1.4 "Recipient address reserved by RFC 2606" (its DSN page): an
    address in a name RFC 2606 reserves, read as an unknown user; X.1.4 says the address was
    ambiguous, not gone, so it stays soft."""
    [r] = classify(_dsn("5.1.4", "550 5.1.4 Recipient address reserved by RFC 2606")).recipients
    assert (r.reason, r.hard) == ("userunknown", False)


@pytest.mark.parametrize(
    "said",
    [
        "550 Your account has been suspended",
        "550 Your account billing-acme has been suspended",
        "550 Your account is suspended, contact support",
        "550 Your account is discontinued",
        "550 Your account not activated",
    ],
)
def test_the_senders_own_account_suspended_is_not_the_recipients(said: str) -> None:
    """A sending service telling us that our own account is suspended says nothing of the
    recipient's mailbox: never "suspend" (which an operator reads as the customer's)."""
    [r] = classify(_dsn("5.0.0", said)).recipients
    assert r.reason != "suspend"
    [r] = classify(_dsn("5.0.0", said.replace("Your account", "The account"))).recipients
    assert r.reason == "suspend"


def test_a_554_greeting_refusal_proves_no_host_takes_no_mail() -> None:
    """RFC 5321 3.1 lets a server refuse a session with "554 No SMTP service" instead of its
    220; RFC 7504 gave a host that takes no mail its own 521 because 554 was said for other
    refusals too. GMX says it to a client it refuses by address, the cause on the next line
    (postmaster.gmx.com, "Error messages"): that cause is the reason, and no greeting
    refusal marks the customer's address undeliverable."""
    gmx = (
        "554-gmx.net (mxgmx104) Nemesis ESMTP Service not available 554-No SMTP service "
        "554-IP address is block listed. 554 For explanation visit "
        "https://postmaster.gmx.net/en/case?c=r0201&i=ip&v=198.51.100.42"
    )
    [r] = classify(_dsn("5.0.0", gmx)).recipients
    assert (r.reason, r.hard) == ("blocked", False)
    [r] = classify(_dsn("5.0.0", "554 No SMTP service here")).recipients
    assert (r.reason, r.hard) == ("notaccept", False)
    # the domain's own DNS saying it takes no mail (RFC 7505's null MX, in Exim's words) is
    # proof
    [r] = classify(_dsn("5.0.0", "an MX or SRV record indicated no SMTP service")).recipients
    assert (r.reason, r.hard) == ("notaccept", True)


@pytest.mark.parametrize(
    ("diagnostic", "reason", "hard"),
    [
        # a host that says it refuses for now is not proved to take no mail
        (
            "550 This server is not accepting mail at the moment, please try later",
            "notaccept",
            False,
        ),
        ("554 mx.client.example is not accepting mail at this time", "notaccept", False),
        # whatever the reason: a domain "not reachable at the moment" may be reachable later
        (
            "554 The domain is not reachable at the moment, please try again later",
            "hostunknown",
            False,
        ),
        # greylisting (RFC 6647) is a refusal meant to be retried, whatever code it is sent with
        (
            "550 5.1.1 <factures@client.example>: Recipient address rejected: Greylisted, "
            "please try again in 5 minutes",
            "userunknown",
            False,
        ),
        # RFC 7504's permanent statement stays proof
        ("521 mx.client.example does not accept mail", "notaccept", True),
        # RFC 3463 X.2.1 "Mailbox disabled, not accepting messages": the mailbox is there
        ("550 Mailbox not accepting mail", "suspend", False),
        ("550 This mailbox is currently not accepting messages", "suspend", False),
        # the receiving server found no MX for our sender's domain: our sender is refused
        ("554 No MX found for sender domain", "rejected", False),
        # RFC 7505 4.2's refusal of a sender whose domain has a null MX, without its 5.7.27
        ("550 Sender address has null MX", "rejected", False),
        ("550 Your domain does not accept mail", "rejected", False),
        # the sender's own mailbox
        ("550 Sender mailbox does not exist", "rejected", False),
        # and its 4.1 for the recipient's domain stays proof
        ("556 5.1.10 Recipient address has null MX", "notaccept", True),
        ("550 No MX records for the envelope-from domain", "rejected", False),
        # German "unknown" and "not found", said of the recipient, its address or mailbox
        ("550 Empfänger unbekannt", "userunknown", True),
        ("550 Unbekannter Empfänger", "userunknown", True),
        ("550 Die E-Mail-Adresse konnte nicht gefunden werden", "userunknown", True),
        ("550 Domain nicht gefunden", "hostunknown", True),
        # and of anything else: a password, a command, a certificate
        ("550 Ihr Passwort ist unbekannt", "onhold", False),
        ("550 Befehl unbekannt", "onhold", False),
        ("550 Zertifikat nicht gefunden", "onhold", False),
    ],
)
def test_what_a_wording_proves_gone_is_said_of_the_recipients_own_mailbox_or_domain(
    diagnostic: str, reason: str, hard: bool
) -> None:
    """Hard only where the words say the recipient's mailbox or domain is gone for good: not
    a host refusing for now, a mailbox disabled, our sender's domain, or "unknown" said of
    something else."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason, r.hard) == (reason, hard)


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 Absender unbekannt",
        "550 Absenderdomain existiert nicht",
        "550 Adresse de l'expéditeur inexistante",
        "550 Le domaine de l'expéditeur n'existe pas",
        "550 El dominio del remitente no existe",
        "550 Il dominio del mittente non esiste",
        "550 Afzender onbekend",
        # "your address", "your domain", said to the sender
        "550 Votre domaine n'existe pas",
        "550 Votre adresse n'existe pas",
        "550 Ihre Adresse ist ungültig",
        "550 Il tuo dominio non esiste",
        "550 Uw adres bestaat niet",
        "550 Tu dirección no existe",
        "550 Il vostro dominio non esiste",
    ],
)
def test_our_sender_unknown_in_another_language_is_not_the_recipient_gone(
    diagnostic: str,
) -> None:
    """The recipient rules read "unknown" and "does not exist" in German, French, Spanish,
    Italian and Dutch; said of the sender (RFC 5321 3.3, the reverse-path), the same words
    are our sender refused, and the customer's address is not marked undeliverable."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason, r.hard) == ("rejected", False)
    # the recipient named after an accepted sender is still the recipient
    [r] = classify(_dsn("5.0.0", "550 Absender OK, Empfänger unbekannt")).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


def test_a_failure_naming_only_our_return_path_is_our_sender_refused() -> None:
    """Exim's sender verification by callout (its specification, "verify = sender") quotes
    the reply the sender's own domain gave about our return path, "550 5.1.1 … User
    unknown": a notice returned to that address (RFC 5321 4.5.5) whose failure names no
    address but it is our sender refused, never the customer's mailbox gone."""
    ours = "billing@acme.example"  # the notice's envelope recipient (_dsn's To)
    callout = (
        f"550-Verification failed for <{ours}> 550-Called: 192.0.2.9 550-Sent: RCPT "
        f"TO:<{ours}> 550-Response: 550 5.1.1 <{ours}>: Recipient address rejected: User "
        "unknown in local recipient table 550 Sender verify failed"
    )
    [r] = classify(_dsn("5.0.0", callout)).recipients
    assert (r.reason, r.hard) == ("rejected", False)
    # Exim's last line says so even where the notice reached us at another address
    [r] = classify(_dsn("5.0.0", callout.replace(ours, "b+7@acme.example"))).recipients
    assert (r.reason, r.hard) == ("rejected", False)
    # without Exim's last line, the address alone says whose failure it is
    [r] = classify(_dsn("5.0.0", f"550 5.1.0 <{ours}> rejected: user unknown")).recipients
    assert (r.reason, r.hard) == ("rejected", False)
    # a report that gives our address as a field, beside the recipient's own failure
    said = f"Original Sender: <{ours}> 550 5.1.1 User unknown"
    [r] = classify(_dsn("5.1.1", said)).recipients
    assert (r.reason, r.hard) == ("userunknown", True)
    # and the recipient's own address named: the recipient's failure
    [r] = classify(_dsn("5.1.1", f"550 5.1.1 <{RECIPIENT}>: User unknown")).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 The address in the From: header does not exist",
        "550 Header-From domain does not exist",
        "550 RFC5322.From domain not found",
        # the envelope's and the message's other names for our sender
        "550 From address does not exist",
        "553 Envelope-from <b+7@acme.example> is invalid",
        "550 Reverse-path unknown",
        "550 MAIL FROM <b+7@acme.example> unknown",
        "550 Bounce address invalid",
        # the predicate first, then the field it was found in
        "550 Invalid address in From: header",
        "550 Address unknown in MAIL FROM",
        "550 Undeliverable address in Return-Path",
    ],
)
def test_our_from_header_unknown_is_not_the_recipient_gone(diagnostic: str) -> None:
    """The message's From: field (RFC 5322 3.6.2, the author: ours) said not to exist is our
    sender refused, as the envelope sender's would be, not the customer's address gone."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason, r.hard) == ("rejected", False)


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [
        ("550 HELO hostname does not exist", "blocked"),
        ("550 Your EHLO name mx.acme.example cannot be resolved", "blocked"),
        ("550 Client host unknown", "blocked"),
        ("550 Your IP address 192.0.2.25 does not exist", "blocked"),
        # the sending IP on a DNS blocklist (RFC 5782), beside a recipient word
        ("550 Invalid recipient: sender IP blacklisted", "blocked"),
        ("550 The DKIM key does not exist", "authfailure"),
        ("550 SPF record not found for acme.example", "authfailure"),
        ("550 Your domain is non-existent", "rejected"),
    ],
)
def test_the_sending_side_said_not_to_exist_is_not_the_recipient_gone(
    diagnostic: str, reason: str
) -> None:
    """The words that read a mailbox or domain gone, said of the sending side: the HELO name
    (RFC 5321 4.1.1.1, the SMTP client's), the client host, its IP, our DKIM key (RFC 6376
    3.6.2.2) or SPF record (RFC 7208 4.5), our domain. The customer's address stays good."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason, r.hard) == (reason, False)
    # the recipient named beside the client host stays the recipient's failure
    [r] = classify(
        _dsn("5.1.1", f"550 5.1.1 unknown user {RECIPIENT} (client host 192.0.2.25)")
    ).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


@pytest.mark.parametrize(
    "diagnostic",
    [
        "535 Your password is no longer valid",
        "550 Your account is no longer active",
        "550 Your API key is no longer valid",
    ],
)
def test_our_own_credentials_or_account_no_longer_valid_is_not_the_recipient_gone(
    diagnostic: str,
) -> None:
    """A sending service saying our password (RFC 4954 535), key or account is no longer
    valid says nothing of the recipient's mailbox: never a hard unknown user."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert not r.hard
    assert r.reason != "userunknown"
    # said of an address, the same words are the recipient's
    [r] = classify(_dsn("5.0.0", f"550 {RECIPIENT} no longer exists")).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


@pytest.mark.parametrize(
    "diagnostic",
    ["550 Compte inexistant", "550 Ce compte n'existe plus", "550 Utilisateur inexistant"],
)
def test_a_french_account_that_does_not_or_no_longer_exists_is_gone(diagnostic: str) -> None:
    """The French the unknown-user rules read, "n'existe pas", in its other forms: an
    account "inexistant", one that "n'existe plus" (no longer exists)."""
    [r] = classify(_dsn("5.0.0", diagnostic)).recipients
    assert (r.reason, r.hard) == ("userunknown", True)


def test_an_unknown_host_the_reporter_says_may_be_a_dns_error_proves_no_domain_gone() -> None:
    """Apache James's RemoteDelivery writes "Unknown host: <name>" and, under it, "This could
    be a DNS server error, a typo, or a problem with the recipient's mail server": the name
    did not resolve, but the reporter does not know that it does not exist."""
    body = (
        "Hi. This is the James mail server at relay.example.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        f"{RECIPIENT}\nUnknown host: mx.client.example\n"
        "This could be a DNS server error, a typo, or a problem with the recipient's mail "
        "server.\n\n"
    )
    [r] = classify(_notice("Re: Facture 7", body)).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, "hostunknown", False)
    # the same notice naming the host unknown without the hedge stays proof
    plain = body.replace("This could be a DNS server error, a typo, or a problem", "Check")
    [r] = classify(_notice("Re: Facture 7", plain)).recipients
    assert (r.address, r.reason, r.hard) == (RECIPIENT, "hostunknown", True)


def test_the_failure_a_notice_states_above_its_one_recipient_is_what_the_operator_reads() -> None:
    """Apache James's AbstractNotify states the error first ("Error message below: 550 …")
    and names the recipient last, among the message's details ("RCPT TO: …"): the words
    beside the address say nothing of the failure, the notice's opening words do."""
    said = "550 - Requested action not taken: no such user here"
    subject, body = TEMPLATES["Apache James notify"]
    [r] = classify(_notice(subject, body.replace(REFUSAL, said))).recipients
    assert (r.address, r.reason) == (RECIPIENT, "userunknown")
    assert r.diagnostic is not None
    assert said in r.diagnostic
