"""Wording that marks a message as a delivery notice, across senders: the words of bounce
senders, subjects and bodies, the markers before a returned message, and the words of a
temporary failure. Data only: the engine (``engine``, ``notices``) applies them."""

from __future__ import annotations

import logging
import re

from bounce_parser.literals import CaseBlind

log = logging.getLogger(__name__)
BOUNCE_SENDER = CaseBlind(
    r"mailer-daemon|post_?master|mail delivery (?:subsystem|system)|mail ?administrator|"
    r"\bmaildelivery\b|nobody@|bounce|mdaemon|microsoftexchange",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = CaseBlind(
    r"undeliver|undelivered|delivery (?:status notification|failure|failed|has failed|problem)|"
    r"returned mail|failure notice|mail delivery failed|delivery notification|non[- ]?remis|"
    r"unzustellbar|nondeliverable|non-delivery|could not be delivered|mail system error|"
    r"permanent error|rejected|not delivered|warning: could not send|delayed mail|"
    r"message you sent|notification d'état|error sending|no se puede entregar|"
    r"return(?:ed|ing) to sender|delivery report|failed delivery|mail could not|"
    # Exim's other notices by their documented subjects: its delay warning ("Warning: message
    # <id> delayed 24 hours", warn_message_file's default) and moan.c's "Mail failure - …"
    # (a malformed or missing recipient address, a message too large); Smail's "mail failed,
    # returning to sender"
    r"warning: message \S+ delayed|mail failure\b|"
    # Exchange's "Undeliverable:" and the DSN subject in its other languages (its localized
    # NDRs): Italian, Dutch, Portuguese, Polish, Swedish, Danish; French and German DSNs
    r"nicht zustellbar|non recapitabile|onbestelbaar|n[ãa]o (?:[ée] poss[íi]vel entregar|"
    r"entregue)|niedostarczalne|ej levererbart|kan ikke leveres|[ée]chec de (?:la )?remise|"
    r"übermittlungsstatus|notificaci[óo]n de estado de (?:la )?entrega|"
    # and in Japanese, Chinese and Russian (Exchange's "配信不能", "无法送达", "無法傳遞",
    # "Недоставляемое"; NetEase's "系统退信")
    r"配信不能|无法送达|無法傳遞|退信|недоставля?ем|не доставлено",
    re.IGNORECASE,
)
# What a gateway or a list puts before a subject it passes on, read past where a subject's
# start tells something: a tag in brackets (Mailman's subject_prefix "[list]", the "[EXTERNAL]"
# or "[SPAM]" a Microsoft 365 mail flow rule or a filtering gateway prepends), SpamAssassin's
# rewrite_header ("*****SPAM*****") and amavisd-new's ("***Spam***", "{Spam?}"), or an
# "EXTERNAL:" / "EXT:" prefix (French "EXTERNE:", German "EXTERN:")
SUBJECT_TAGS = (
    r"(?:(?:\[[^\[\]\n]{1,40}\]|\*{2,}[^*\n]{1,30}\*{2,}|\{[^{}\n]{1,30}\}|"
    r"(?:external|externe|extern|ext)\s*:)\s*)*"
)
# A person's reply: the subject a mail client writes on an answer, "Re:" (RFC 5322 3.6.5) and
# its other spellings in the clients' languages (German "AW:", Scandinavian "SV:", Finnish
# "VS:", Dutch "Antw:", Polish "Odp:", Italian "R:" and "RIF:", French "Réf. :", Brazilian
# Portuguese "RES:", Turkish "YNT:", Greek "ΑΠ:" and "ΣΧΕΤ:", Chinese "回复:" and "答复:",
# Japanese "返信:"), once or repeated, a count ("Re[2]:") allowed, after any gateway's tag
REPLY_SUBJECT = re.compile(
    r"^\s*"
    + SUBJECT_TAGS
    + r"(?:(?:re|aw|sv|vs|antw|odp|r|rif|r[ée]f\.?|res|ynt|απ|σχετ|回复|答复|返信)"
    r"\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
RETURNED_MARKER = re.compile(
    r"^[ \t>]*(?:-+ ?(?:original message|below this line|this is a copy|the header of the original|"
    r"returned message|headers? of the original|message header follows|original mail|"
    r"unsent message follows|original message follows|undelivered message headers|"
    r"the original message headers|forwarded message|returned mail follows|"
    r"the header of the original message is following)|"
    # Smail 3's notice (notify.c), Deutsche Telekom's (T-Online) among them: the returned
    # message under a banner "|---- Message text follows: ----|" or "Message header follows"
    r"\|-+ message (?:text|header) follows|"
    # qmail-send built with its MIME bounce option (qmail-send.c, "#ifdef MIME": the
    # returned message as a message/rfc822 part; IndiMail's and other distributions'
    # builds), in place of "--- Below this line is a copy of the message."
    r"-+ ?enclosed is a copy of the message|"
    r"(?:original )?message headers follow|"
    r"original message headers:[ \t]*\r?$|"  # Exchange's NDR, before the returned headers
    r"------ This is a copy of the message|Content-Type: message/rfc822|"
    r"Below this line is a copy of the message|Included is a copy of|"
    r"Below is a copy of the original message|"  # OpenSMTPD
    r"original message follows\.?[ \t]*\r?$|"  # Ipswitch IMail, on a line of its own
    r"The original message headers? (?:is|are|was|were) (?:included|attached|as follows)|"
    # "We had trouble delivering your message" notices (described as sisimai's Lhost::X6)
    r"The attachment contains the original (?:mail |message )?headers)",
    re.IGNORECASE | re.MULTILINE,
)
# A person's mail client forwarding a message inline: the line it writes above the quoted
# message's header lines (Gmail "---------- Forwarded message ---------", Thunderbird
# "-------- Forwarded Message --------" / "-------- Message transféré --------", Outlook
# "-----Original Message-----" / "-----Message d'origine-----", and its rule line before "De :",
# Apple Mail "Begin forwarded message:" / "Début du message réexpédié :"; the same clients'
# German, Spanish and Italian releases)
INLINE_FORWARD = re.compile(
    r"^[ \t>]*(?:-{4,} ?(?:forwarded message|original message|message transf[ée]r[ée]|"
    r"message d.origine|message original|weitergeleitete nachricht|urspr[üu]ngliche nachricht|"
    r"mensaje reenviado|mensaje original|messaggio inoltrato|messaggio originale) ?-{4,}|"
    r"begin forwarded message:|d[ée]but du message r[ée]exp[ée]di[ée] ?:|"
    r"anfang der weitergeleiteten nachricht:|_{20,})[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)
# the quoted header lines' names in those clients' releases, to the field they stand for
QUOTED_HEADER_NAMES = {
    **dict.fromkeys(("from", "de", "von", "da", "van"), "From"),
    **dict.fromkeys(("to", "à", "a", "pour", "an", "para", "aan"), "To"),
    **dict.fromkeys(("cc", "bcc", "cci"), "Cc"),
    **dict.fromkeys(
        ("subject", "objet", "sujet", "betreff", "asunto", "oggetto", "onderwerp"), "Subject"
    ),
    **dict.fromkeys(
        ("date", "sent", "envoyé", "gesendet", "datum", "fecha", "enviado", "inviato", "data"),
        "Date",
    ),
    "reply-to": "Reply-To",
}
# what a notice shows of the failure besides its words (with the returned message, which the
# engine looks for apart): the server's reply code or enhanced status (RFC 5321 4.2, RFC 3463),
# or a report field (RFC 3464)
FAILURE_SHOWN = re.compile(
    r"(?<![\w.])[45]\d\d(?![\w.])|(?<![\w.])[45]\.\d{1,3}\.\d{1,3}(?![\w.])|"
    r"^(?:final-recipient|diagnostic-code|action|status)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
MESSAGE_ONLY_FIELDS = frozenset({"message-id", "received", "return-path", "mime-version"})
"""Header fields a message carries and a notice's own summary of it (To, Cc, Date, Subject)
does not: three header lines in a row (RFC 5322 2.2, "name: value" from the first column,
folded lines indented), one of them one of these, are a returned message's headers, whether
or not words mark them."""
TEMPORARY = CaseBlind(
    r"temporar(?:y|ily)|delayed|will (?:be )?retr(?:y|ied)|deferred|still trying|try again later|"
    r"has not yet been delivered|not yet been delivered|will keep trying|warning: message|"
    # Symantec's mail gateways ("Delivery attempts will continue to be made for N days"),
    # Exchange's delay notice ("Delivery will continue to be attempted")
    r"attempts will continue|will continue to be attempted|"
    # the same delay notice in Exchange's and Office 365's other languages (their NDRs and
    # DSNs come in the sender's language): "delayed" and "not yet delivered" in French
    # ("Remise différée", "la remise … est retardée", "n'a pas encore été remis"), German
    # ("Zustellung verzögert", "noch nicht zugestellt"), Spanish, Italian, Dutch, Portuguese
    r"\b(?:diff[ée]r[ée]e?|retard[ée]e?|verz[öo]gert|retrasad[ao]|ritardat[ao]|vertraagd|"
    r"atrasad[ao])\b|pas encore (?:[ée]t[ée] )?(?:remis|distribu|d[ée]livr)|"
    r"noch nicht zugestellt|a[úu]n no se ha entregado|non [èe] ancora stato recapitato|"
    r"nog niet (?:bezorgd|afgeleverd)|ainda n[ãa]o foi entregue",
    re.IGNORECASE,
)
NOTES_REASONS = re.compile(r"^-{3,} *Failure Reasons *-{3,}[ \t]*\r?\n\s*(\S[^\n]*)", re.M)
GAVE_UP = CaseBlind(
    r"permanent(?:ly)? (?:error|fatal|failed|failure)|gave up|giving up|retry timeout exceeded|"
    # the sender's queue time ran out: qmail-send's "I'm not going to try again; this message
    # has been in the queue too long", sendmail's "Cannot send message for 5 days" and
    # "Message could not be delivered for 5 days / Message will be deleted from queue"
    # (queue.c) and its DELIVERBY "Delivery time (…s) expired"
    r"not going to try again|in the queue too long|cannot send message for \d|"
    r"could not be delivered for \d|will be deleted from (?:the )?queue|"
    r"delivery time \(\d+s\) expired|"
    # the products' templates for a failure, written only once the message is out of their
    # queue (their delay warnings are other templates): Postfix's bounce(5) failure_template,
    # OpenSMTPD's error notice (bounce.c), Exchange's NDR; and Exchange's code for a message
    # whose time in the queue ran out ("550 4.4.7 QUEUE.Expired; message expired")
    r"sorry to have to inform you that your message could not\s+be delivered|"
    r"an error has occurred while attempting to deliver a message|"
    r"delivery has failed to these recipients or groups|queue\.expired|"
    # the failure DSN of Microsoft's IIS SMTP service and Exchange 2003, and Gmail's, by
    # subject and text ("Delivery Status Notification (Failure)", "Delivery to the following
    # recipients failed.", "** Message not delivered **"); their delays say "(Delay)", "has
    # been delayed", "** Delivery incomplete **"
    r"delivery status notification \(failure\)|delivery to the following recipients failed|"
    r"\*\* message not delivered \*\*",
    re.IGNORECASE,
)
BOUNCE_BODY = CaseBlind(
    r"could ?n[o']t be delivered|was not delivered|delivery (?:to the following|has failed|"
    r"failed|problem)|undeliverable|permanent(?:ly)? (?:error|fatal|failed)|"
    r"the following addresses? had|message could not|unable to deliver|failed to deliver|"
    r"mail delivery failed|returned to sender|user unknown|mailbox (?:is )?(?:full|unavailable)|"
    r"wasn't able to deliver|not be delivered|non remis|unzustellbar|no such user|"
    r"delivery has been delayed|will retry|mail could not|rejected your message|"
    r"error delivering your (?:mail|message)|"  # the DragonFly Mail Agent's notice (dma)
    r"送信できません|配信できません|届きませんでした|宛先|"
    # the same in French, German, Spanish, Italian and Dutch notices
    r"n.a pas pu [êe]tre (?:remis|d[ée]livr[ée]|distribu[ée])|remise [^.\n]{0,40}a [ée]chou[ée]|"
    r"konnte nicht zugestellt werden|zustellung [^.\n]{0,40}fehlgeschlagen|"
    r"no se pudo entregar|non [èe] stato possibile recapitare|kon niet worden bezorgd",
    re.IGNORECASE,
)

# The fixed lines a mail system's notice template opens or marks its parts with, failure, delay
# and success notices alike: a notice whoever its sender and subject (an admin may set both,
# a gateway may rewrite them), read only to tell a notice from other mail, never as a failure
NOTICE_MARKS = re.compile(
    # Exim, every notice (the Exim specification, "Customizing bounce and warning messages")
    r"this message was created automatically by mail delivery software|"
    # OpenSMTPD's notices (bounce.c: "This is the MAILER-DAEMON, please DO NOT REPLY")
    r"this is the mailer-daemon, please do not reply|"
    # sendmail's (savemail.c: "----- Transcript of session follows -----")
    r"-{3,} *transcript of session follows *-{3,}|"
    # Exchange 5.5-2003's NDR ("Your message did not reach some or all of the intended
    # recipients", "… did not reach the following recipient(s)")
    r"did not reach (?:some or all of )?the (?:intended|following) recipient|"
    # Lotus Notes/Domino's ("------- Failure Reasons --------")
    r"^-{3,} *failure reasons *-{3,}",
    re.IGNORECASE | re.MULTILINE,
)

# A success notice sent as plain text (the report's MIME structure lost, or a sender that makes
# none): each sender's own template, none of which a failure notice uses. Lower-case: searched
# in the lower-cased text (``mime.lowered``).
SUCCESS_NOTICE = re.compile(
    # Postfix, bounce(5) success_template / relay_template
    r"your message was successfully delivered to the destination|"
    r"your message was successfully relayed to the destination|"
    # Microsoft Exchange delivery and relay notifications ("Delivered:", "Relayed:")
    r"your message has been delivered to the following recipients|"
    r"delivery to these recipients or groups is complete|"
    # Exchange 4.0-2003's delivery receipt: "Your message … was delivered to the following
    # recipient(s):" (Mail::DeliveryStatus::BounceParser reads it as no error)
    r"was delivered to the following recipient|"
    # sendmail's return receipt ("----- The following addresses had successful delivery
    # notifications -----")
    r"the following addresses had successful delivery notifications|"
    # OpenSMTPD's (bounce.c, notice_success and notice_relay)
    r"your message was successfully delivered to these recipients|"
    r"your message was relayed to these recipients|"
    # the success and relay DSNs of Microsoft's SMTP service (IIS, Exchange 2000-2003) and
    # Gmail: "Your message has been successfully relayed to the following recipients, but the
    # requested delivery status notifications may not be generated by the destination"
    r"(?:has|have) been (?:successfully )?(?:delivered|relayed) to the following "
    r"(?:recipients?|addresses)|"
    r"delivery to the following recipients? (?:was complete|succeeded|completed)|"
    # Exchange's delivery notification in the sender's language (French, German, Spanish,
    # Italian, Dutch): "Votre message a été remis aux destinataires suivants"
    r"votre message a [ée]t[ée] remis aux? destinataires? suivants?|"
    r"la remise aux destinataires ou groupes suivants est termin[ée]e|"
    r"ihre nachricht wurde an (?:die )?folgenden? empf[äa]nger (?:zugestellt|[üu]bermittelt)|"
    r"su mensaje se (?:ha )?entreg(?:[óo]|ado) a (?:los )?siguientes destinatarios|"
    r"il (?:tuo )?messaggio [èe] stato recapitato ai seguenti destinatari|"
    r"uw bericht is (?:afgeleverd|bezorgd) bij de volgende (?:geadresseerden|ontvangers)",
)
SUCCESS_RELAYED = re.compile(
    r"successfully relayed|no delivery notification was sent|relayed to non-dsn-aware|"
    r"was relayed to these recipients|aucune notification de remise n.a [ée]t[ée] envoy[ée]e",
)


# Notices that name a failed mailbox by its local part alone, the domain being the sender's
# own: the line that opens the list, and how a mailbox is written under it (its local part
# in the first group). Sources: Mail::DeliveryStatus::BounceParser's preprocessors (p_compuserve,
# p_aol_senderblock, p_novell_groupwise_5_2) and Mailman's detectors (aol, yale).
LOCAL_PART_NOTICES: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    # CompuServe: "Receiver not found: lallison"
    (
        re.compile(r"^(?=Receiver not found:)", re.MULTILINE),
        re.compile(r"Receiver not found:[ \t]*([\w.+-]+)[ \t]*\r?$"),
    ),
    # AOL: "… could not be delivered because they are not accepting mail from …:" then one
    # screen name a line
    (
        re.compile(r"could not be delivered because they are not accepting mail from[^\n]*\n"),
        re.compile(r"^[ \t]+([\w.+-]+)[ \t]*\r?$"),
    ),
    # Novell GroupWise 5.2: "The message that you sent was undeliverable to the following:"
    # then "        user (user not found)"
    (
        re.compile(r"was undeliverable to the following:[ \t]*\r?\n"),
        re.compile(r"^[ \t]+([\w.+-]+)[ \t]+\([^)]*\)[ \t]*\r?$"),
    ),
    # Yale's notice: "Message not delivered to the following:" then "    user    reason"
    (
        re.compile(r"Message not delivered to the following:[ \t]*\r?\n"),
        re.compile(r"^[ \t]+([\w.+-]+)(?:[ \t]{2,}\S.*)?\r?$"),
    ),
]

# sendmail's own list of the addresses that failed (its DSN text, "savemail.c"), above the
# session transcript
SENDMAIL_BLOCK = re.compile(
    r"^[ \t]*-+ ?The following addresses had (?:permanent fatal|transient non-fatal) errors ?-+"
    r"[ \t]*\r?$",
    re.IGNORECASE | re.MULTILINE,
)

# A notice that the message was passed on to the recipient's new address: delivered, not a
# failure (Mail::DeliveryStatus::BounceParser reads these as informational: "address …
# changed … has been forwarded", CompuServe's "has a new … e-mail address … has automatically
# forwarded your message")
FORWARDED_NOTICE = CaseBlind(
    r"(?:address\b[^\n]{0,60}\bchanged|new (?:\w+ )?e-?mail address|domain\b[^\n]{0,40}\bretired)"
    r"(?:.|\n){0,200}?\b(?:has been|was|have been|will be|has|have) (?:automatically )?"
    r"(?:forwarded|redirected|delivered)\b",
    re.IGNORECASE,
)
NOT_PASSED_ON = CaseBlind(
    r"could ?n[o']t be (?:delivered|forwarded)|not (?:been )?(?:delivered|forwarded)|"
    r"undeliverable|permanent(?:ly)? (?:error|fatal|failed)|no forwarding address|"
    r"will not be (?:delivered|forwarded)|no longer (?:be )?(?:delivered|forwarded)",
    re.IGNORECASE,
)

# Complaints in a feedback loop's own format, from before RFC 5965's ARF or beside it: no
# feedback-report part, the complained-of message attached whole or forwarded as it is. Read as
# an "abuse" report (RFC 5965 3.1's type for a recipient's spam complaint); who complained is
# found in the complained-of message.
COMPLAINT_SENDERS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = (
    # (the report's sender, a pattern its subject must match or None), the message attached:
    # MSN Hotmail's Junk E-Mail Reporting Program, its "RFC822 Attachment" format, sent from
    # staff@hotmail.com (JMRP partner FAQ: "What email node/address will complaint email be
    # mailed from?")
    (re.compile(r"staff@hotmail\.com", re.IGNORECASE), re.compile(r"complaint", re.IGNORECASE)),
    # AOL's feedback loop, SCOMP ("spam complaint"), whose reports come from scomp@aol.net
    (re.compile(r"scomp@aol\.net", re.IGNORECASE), None),
)
COMPLAINT_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # (a header field only a feedback loop writes, a pattern of its value), found on the
    # report or on the complained-of message it carries: JMRP's X-HmXmrOriginalRecipient, the
    # Hotmail user who complained (also in the JMRP FAQ's "Original" format, the complaint
    # forwarded as it is from the user's own address); AOL's "X-Loop: scomp"
    ("X-HmXmrOriginalRecipient", re.compile(r"@")),
    ("X-Loop", re.compile(r"\bscomp\b", re.IGNORECASE)),
)
# A complainant's address the loop has redacted (RFC 6590: the local part replaced; AOL's
# "redacted@aol.com", a mask of x's or stars, "undisclosed-recipients"): it names no one, so
# the complaint is tied by what else it carries (the signed return path, the returned
# Message-ID). Matched against the whole local part.
REDACTED_LOCAL_PART = re.compile(
    r"(?i)[\w.-]*redacted[\w.-]*|[x*#][x*#._-]{2,}|undisclosed(?:-recipients?)?"
)


# A read receipt sent as plain text, not as an RFC 8098 report: Outlook's template ("Your
# message / To: … / Subject: … / Sent: … / was read on <date>", "was deleted without being read
# on"), in English, French and German; what the reader did, as RFC 8098 3.2.6's disposition
# type names it. Lower-case: searched in the lower-cased text (``mime.lowered``), only where
# one of the openings is
TEXT_READ_RECEIPT_OPENINGS = ("your message", "votre message", "ihre nachricht")
TEXT_READ_RECEIPTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (
        re.compile(
            r"^[ \t]*(?:your message|votre message|ihre nachricht)[ \t]*\r?$"
            r"(?:.*\n){1,12}?[ \t]*" + said,
            re.MULTILINE,
        ),
        disposition,
    )
    for said, disposition in (
        (r"was deleted without being read on\b", "deleted"),
        (r"a [ée]t[ée] supprim[ée] sans avoir [ée]t[ée] lu\b", "deleted"),
        (r"wurde am\b.{0,60}\bungelesen gel[öo]scht", "deleted"),
        (r"was read on\b", "displayed"),
        (r"a [ée]t[ée] lu le\b", "displayed"),
        # the German date stands between its words, and a long one wraps them apart
        (r"wurde am\b[\s\S]{0,60}\bgelesen", "displayed"),
    )
)
