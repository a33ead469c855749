"""Recipients and diagnostics out of the human-readable text of a non-standard bounce."""

from __future__ import annotations

import re

from bounce_parser import mime
from bounce_parser.model import MAX_RECIPIENTS
from bounce_parser.rules.detection import LOCAL_PART_NOTICES, SENDMAIL_BLOCK

_NOT_RECIPIENT = re.compile(
    r"^(?:mailer-daemon|postmaster|root|abuse|noreply|no-reply|bounce[s]?|double-bounce)@",
    re.IGNORECASE,
)
_MAX_DIAG = 500
# the fields of a message identifier or of its sender, and the sender's field in the
# languages the recipients' rules read: "Von:", "Absender:", "De :", "Expéditeur :",
# "Mittente:", "Remitente:", "Afzender:", "Van:", "Remetente:"
_ID_AND_SENDER_FIELDS = (
    r"Message[- ]?Id|Msg-?Id|References|In-Reply-To|Original[- ]Sender|"
    r"Von|Absender|De|Exp[ée]diteur|Mittente|Remitente|Afzender|Van|Remetente|"
    r"Return-Path|From|Sender|Reply-To"
)
# lines of returned headers that carry addresses which are not the failed recipient, and a
# notice's own lines naming a message identifier (RFC 5322 3.6.4: "id-left@id-right", written
# like an address): XMail's "ID:        <S…@host>" (its QueUtBuildErrorResponse), "Message ID:",
# "Queue-ID:"
_HEADER_LINE = re.compile(
    # (a transcript's client line may open with "In:", as Postfix's smtpd chat writes it)
    r"^[ \t>]*(?:In:[ \t]+)?(?:Queue-?Id|Id|MAIL FROM|Received|"
    + _ID_AND_SENDER_FIELDS
    + r"|X-[A-Za-z-]+|\(envelope-from|envelope-from)[ \t]*[:(].*$",
    re.IGNORECASE | re.MULTILINE,
)

# one of those fields folded onto the lines under it (RFC 5322 2.2.3: a continuation line
# opens with white space; in a quoted copy, after the "> " of the quote; a line that opens
# with a field's name is the next field, not a continuation): "Message-Id:" then
# "    <id@host>", "De : Service facturation" then "    <billing@…>" (a forwarded notice's
# quoted header) hold no recipient either
_FOLDED_FIELD = re.compile(
    r"^[ \t>]*(?:" + _ID_AND_SENDER_FIELDS + r")[ \t]*:.*"
    r"(?:\r?\n(?:>[ \t]?)*+[ \t]+(?![\w-]+[ \t]*:)\S.*)+",
    re.IGNORECASE | re.MULTILINE,
)


# An address an alias or a forward made, followed by the address that was written: Postfix's
# bounce(8) "<final> (expanded from <written>): reason", sendmail's "(expanded from: written)"
# under the address, Exim's "(generated from written)". The written address is not another
# failed recipient; it is the one the sender used, the recipient's original address
_EXPANDED_FROM = re.compile(
    r"\((?:ultimately )?(?:generated|expanded) from:?[^)\n]*(?:\n[^)\n]*)?\)", re.IGNORECASE
)
_WRITTEN = re.compile(  # (the written address may be wrapped onto the next line)
    r"\((?:ultimately )?(?:generated|expanded) from:?\s*<?([^<>()\s@]+@[^<>()\s@]+?)>?[ \t]*\)",
    re.IGNORECASE,
)
_NEAR = 300

# the key before a value of an Authentication-Results field (RFC 8601 2.2: "smtp.mailfrom=…",
# "header.from=…"), of a Received-SPF field (RFC 7208 9.1: "envelope-from=…") or of a DKIM
# signature's identity (RFC 6376 3.5: "i=…"); not the "=" an address may hold (RFC 5322 atext:
# "jean=dupont@…")
_KEYED = re.compile(
    r"^(?:(?:smtp|header|body|policy)\.[a-z0-9_-]+|envelope-from|receiver|helo|identity|"
    r"client-ip|i)="
)
# "please contact <support@…>", "write to", "send an email to", "email us at", "Support:": the
# provider's help desk, named to the reader, not an address that failed (in the languages
# notices are written in for French, German, Spanish and Italian readers too)
_CONTACT = re.compile(
    r"(?:contact(?: us)?(?: at)?|write (?:to|us at)|send (?:an? )?(?:e-?mail|message|note) to|"
    r"e-?mail us at|mail us at|reach us at|support|help ?desk|assistance|"
    # "Contact the Mailman site administrator at" (Mailman's notices), the address under it
    r"contact (?:the |your )?(?:[\w-]+ ){0,4}at|"
    # the same asked in the notice's own language: French ("écrivez à", "contactez", "adressez-
    # vous à"), German ("wenden Sie sich an", "kontaktieren Sie"), Spanish ("escriba a",
    # "contacte con"), Italian ("scrivere a", "contattare")
    r"(?:[ée]crivez|[ée]crire|contactez(?:-nous)?|contacter|adressez-vous|"
    r"wenden sie sich(?: bitte)?|kontaktieren sie|schreiben sie(?: bitte)?|"
    r"escriba|contacte|scrivere|scrivi|contattare|contatta)(?: (?:à|a|an|con|uns))?"
    r")[ \t:,]*(?:\r?\n[ \t]*)?<?$",
    re.IGNORECASE,
)
# the message's sender named inline ("Your message from <sender> to <recipient>", Exim's "The
# sender is <sender>"): not a recipient; an address an alias or a forward was made from is
# the one the sender wrote, read by ``_WRITTEN``
_FROM_LABEL = re.compile(
    r"(?<!generated )(?<!expanded )(?<!forwarded )(?<!redirected )"
    r"\b(?:from|sender is|original sender)[ \t]*:?[ \t]*<?$",
    re.IGNORECASE,
)
# a message identifier named inline ("Original message id: <…>", "Envelope-ID: <…>", "(queue id
# …@host)"): RFC 5322 3.6.4 writes it like an address; it names a message, not a recipient
_ID_LABEL = re.compile(
    r"(?<![a-z])(?:(?:message|msg|mail|envelope|queue|smtp|session|transaction)[- ]?|with )"
    r"id[ \t]*[:=#]?[ \t]*<?$",
    re.IGNORECASE,
)
_SENDMAIL_LINE = re.compile(r">?\.\.\. ")
# sendmail's summary line under each address it gives up on (savemail.c, errbody():
# "    (reason: 550 5.1.1 <address>... User unknown)"): the failure in one line; the session
# transcript under it may quote replies about other recipients or the whole message
_SENDMAIL_REASON = re.compile(r">?[ \t]*\r?\n[ \t]*\(reason: .*\)[ \t]*\r?$", re.MULTILINE)
# Exim's notice to someone other than the sender (its default bounce text, deliver.c): "A
# message sent by\n\n  <sender>\n\ncould not be delivered …": the address named is who sent it
_SENT_BY = re.compile(r"\bmessage sent by[ \t\r\n]*<?$", re.IGNORECASE)
# the address a moved mailbox's reply gives to write to instead (RFC 5321 4.2.2: 551 "User not
# local; please try <forward-path>"; "has moved to", "new address is"): where to write next,
# not a second address that failed
_FORWARD_PATH = re.compile(
    r"(?:please try|(?:has |have )?moved to|new (?:e-?mail )?address(?: is)?|"
    r"(?:has been )?replaced by)[ \t:]*<?$",
    re.IGNORECASE,
)
# Exchange's diagnostic line "#550 5.7.1 RESOLVER.RST.AuthRequired; … ##rfc822;<address>":
# the address after "##rfc822;" is the recipient's own routed form (an alias's target), not
# another failed recipient
_ROUTED_FORM = re.compile(r"##rfc822;[ \t]*<?$", re.IGNORECASE)
# the words before an address that name it as something other than a failed recipient, and
# how far back they are looked for: the provider's help desk ("please contact <support@…>"),
# the sender (Exim's "A message sent by", "Your message from"), a message identifier, the
# address a moved mailbox gives instead
_NOT_A_RECIPIENT_AFTER = (
    (_CONTACT, 60),
    (_SENT_BY, 40),
    (_ID_LABEL, 20),
    (_FROM_LABEL, 20),
    (_FORWARD_PATH, 30),
    (_ROUTED_FORM, 12),
)


def _unquoted(text: str, m: re.Match[str]) -> str:
    """A matched address without the dots around it, nor a pair that wraps it
    (``mime.unwrapped``: the single quotes of Exchange's "'name@domain' on 12/3/2026"), nor
    the address type Exchange 5.5 writes before it ("SMTP=name@domain")."""
    address = mime.unwrapped(text, m).strip(".").lower()
    if address.startswith("smtp="):  # Exchange 5.5's "SMTP=name@domain; on <date>"
        address = address[5:]
    return address


def _after_reply_code(head: str, m: re.Match[str]) -> tuple[int, int, str]:
    """``(start, end, address)`` of a matched address; one that opens a multi-line reply's
    line ("550-factures@client.example is not\n550 known here": RFC 5321 4.2.1 lets the text
    follow the "-" directly) without the reply code the match took for its local part."""
    address = _unquoted(head, m)
    if address[3:4] == "-" and address[:3].isdigit():
        # the reply goes on: a later line opens with the same code (on a line of its own,
        # or after a space where the notice runs the reply's lines together)
        later = re.compile(r"\s(?:<-+ ?)?" + address[:3] + r"[- ]")
        if later.search(head, m.end(), m.end() + _MAX_DIAG):
            return m.start() + 4, m.end(), address[4:]
    return m.start(), m.end(), address


def text_recipients(head: str, exclude: set[str]) -> list[tuple[str, str]]:
    """``(address, diagnostic)`` for each failed recipient named in a bounce's text."""
    head = _FOLDED_FIELD.sub(lambda m: re.sub(r"\S", " ", m.group(0)), head)
    head = _HEADER_LINE.sub(lambda m: " " * len(m.group(0)), head)
    if "ted from" in head or "ded from" in head:
        head = _EXPANDED_FROM.sub(lambda m: " " * len(m.group(0)), head)
    found = [_after_reply_code(head, m) for m in mime._ADDR.finditer(head)]
    # a role address (postmaster@…) is a recipient only where the notice names it as one
    roles = any(_NOT_RECIPIENT.match(address) for _, _, address in found)
    named = set(strong_recipients(head)) if roles else set()
    # an address the words just before it name as something else, wherever else it is named
    contacts = {
        a
        for start, _, a in found
        for label, reach in _NOT_A_RECIPIENT_AFTER
        if label.search(head, max(0, start - reach), start)
    }
    matches = [
        (start, end, address)
        for start, end, address in found
        if address not in exclude
        and address not in contacts
        and (address in named or not _NOT_RECIPIENT.match(address))
        and not _KEYED.match(address)
    ]
    out: dict[str, str] = {}
    read_to: dict[str, int] = {}
    for i, (_start, end, address) in enumerate(matches):
        if address in out and _start < read_to[address]:
            continue  # a repeat inside the text already read for it
        # the diagnostic runs to the next other recipient (a repeat of this one, as in
        # "5.2.1 <address>... User unknown", is part of it)
        stop = next((m[0] for m in matches[i + 1 :] if m[2] != address), len(head))
        if _SENDMAIL_LINE.match(head, end):  # sendmail's "<address>... reason": that line
            line_end = head.find("\n", end)  # (and the lines it wraps onto, indented)
            while line_end >= 0 and head[line_end + 1 : line_end + 2] in (" ", "\t"):
                line_end = head.find("\n", line_end + 1)
            stop = min(stop, len(head) if line_end < 0 else line_end)
        summary = None if address in out else _SENDMAIL_REASON.match(head, end)
        if summary is not None:
            stop = min(stop, summary.end())
        line_start = _reply_start(head, head.rfind("\n", 0, _start) + 1)
        before = head[line_start:_start]
        if before.rstrip().lower().endswith("generated by"):
            # Exim: "pipe to |command" or "save to /file" on the line above, "generated by
            # <address>" under it: what failed is that delivery of the address
            before = head[head.rfind("\n", 0, max(line_start - 1, 0)) + 1 : _start]
        after = head[end : min(stop, end + _MAX_DIAG)]
        # a repeat past what was read is read too: an SMTP transcript names the address on
        # the returned message's summary first and again in "RCPT To:<address>", the
        # server's reply under it (MDaemon's "--- Session Transcript ---")
        read_to[address] = min(stop, end + _MAX_DIAG)
        if summary is not None:
            # sendmail's own summary says it: the address named again in the transcript is
            # sendmail's rewording of that reply ("550 5.1.1 <address>... User unknown" for
            # any refusal of RCPT), not more of the failure
            read_to[address] = len(head)
        joined = " ".join((before + " " + after).split())
        diagnostic = joined.strip(" <>:;,.()")
        if diagnostic.count("(") > diagnostic.count(")") and ")" in joined[len(diagnostic) :]:
            diagnostic += ")"  # qmail's "(#5.1.1)" at the end keeps its closing parenthesis
        if address in out:
            # named again after other recipients, as Exchange's notice names each one for
            # the reader and again under "Diagnostic information for administrators": what
            # the second mention says (its server's reply) belongs to it too
            diagnostic = f"{out[address]} {diagnostic}"
        out[address] = diagnostic[: 2 * _MAX_DIAG]
    # an address named only on a To or Cc line, where the notice sums up the message it
    # returns ("This report relates to a message you sent with the following header fields:
    # … To: …", Oracle Messaging Server's and PMDF's notices), is who the message was for,
    # not who failed: it counts only when the notice names no other address
    summed = {a for _, _, a in matches if a in out and _only_on_summary_lines(head, a)}
    if summed and len(summed) < len(out):
        for address in summed:
            del out[address]
    return list(out.items())[:MAX_RECIPIENTS]


# a line of a multi-line SMTP reply (RFC 5321 4.2.1): its code, then "-" on every line but the
# last, as a notice quotes it (indented, or "<-- " in a transcript)
_REPLY_LINE = re.compile(r"[ \t>]*(?:<-+ ?)?([245]\d\d)([- ])")
_REPLY_LINES_BACK = 12


def _reply_start(head: str, line_start: int) -> int:
    """Where the reply starts whose later line starts at ``line_start``: an address at the
    head of "550 5.1.1 <address>" under "550-5.1.1 mail forwarding loop for" is what the
    whole reply is about, read from its first line; ``line_start`` for any other line."""
    line = _REPLY_LINE.match(head, line_start)
    if line is None:
        return line_start
    start = line_start
    for _ in range(_REPLY_LINES_BACK):
        if start == 0:
            break
        above = head.rfind("\n", 0, start - 1) + 1
        earlier = _REPLY_LINE.match(head, above)
        if earlier is None or earlier.group(1) != line.group(1) or earlier.group(2) != "-":
            break
        start = above
    return start


_SUMMARY_LINE = re.compile(r"^[ \t]*(?:To|Cc|Bcc)[ \t]*:", re.IGNORECASE)


def _only_on_summary_lines(head: str, address: str) -> bool:
    lowered = head.lower()
    at = lowered.find(address)
    while at >= 0:
        line = head[head.rfind("\n", 0, at) + 1 : at]
        if not _SUMMARY_LINE.match(line):
            return False
        at = lowered.find(address, at + len(address))
    return True


def written_addresses(head: str) -> dict[str, str]:
    """``{failed address: the address written}`` for each address a notice says an alias or
    a forward made (``_WRITTEN``): the nearest address before the remark is the one made."""
    if "ted from" not in head and "ded from" not in head:
        return {}
    out: dict[str, str] = {}
    for m in _WRITTEN.finditer(head):
        before = mime.addresses_in(head[max(0, m.start() - _NEAR) : m.start()])
        if before and before[-1].lower() != m.group(1).lower():
            out.setdefault(before[-1].lower(), m.group(1).lower())
    return out


def expanded_only(head: str) -> list[str]:
    """The written addresses of alias remarks whose made address has no domain (sendmail's
    "billing-list" over "(expanded from: <written>)"): with no address before it, the
    address written is the recipient the notice names."""
    if "ted from" not in head and "ded from" not in head:
        return []
    return list(dict.fromkeys(m.group(1).lower() for m in _WRITTEN.finditer(head)))


def local_parts_named(head: str, written_to: list[str]) -> list[tuple[str, str]]:
    """``(address, its line)`` for each address the returned message was written to whose
    local part alone starts a line of the notice, or ends one after a colon, as a notice
    naming the mailbox without its domain does (AOL's screen names, GroupWise's user ids,
    CompuServe's "Receiver not found: user"): the one returned recipient it can be. A local
    part that two recipients share is none."""
    by_local: dict[str, list[str]] = {}
    for address in written_to:
        by_local.setdefault(address.partition("@")[0], []).append(address)
    out = []
    for local, addresses in by_local.items():
        if len(addresses) != 1 or not local:
            continue
        name = re.escape(local)
        m = re.search(
            # (after a colon only under a label of words, "Receiver not found:", not a header
            # field's name: "Subject: Factures" names no mailbox)
            # alone on its line, or followed by a reason in parentheses, after a colon or in
            # a column ("user    Mailbox unknown"), not by words of a sentence
            rf"^[ \t>\"'<]*{name}[>\"']?(?=[ \t]*(?:[(:,]|\r?$)|[ \t]{{2,}}\S).*$"
            rf"|^[ \t]*\S+[ \t]+[^:\n]*:[ \t]*{name}[ \t]*\r?$",
            head,
            re.IGNORECASE | re.MULTILINE,
        )
        if m:
            out.append((addresses[0], " ".join(m.group(0).split())))
    return out


def quoted_names_named(head: str, names: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(address, its line)`` for each ``(name, address)`` whose name the notice quotes as
    Exchange 2000-2003's notices name a recipient they could not reach: the display name the
    message gave it (or its local part), in single quotes, then the date, in the sender's
    language ("'Jean Dupont' on 01/12/2026 10:00", "… le 01/12/2026", "… am 01.12.2026";
    Microsoft's NDR template of those releases). A name that two addresses share is none."""
    by_name: dict[str, set[str]] = {}
    for name, address in names:
        if name and "'" not in name:
            by_name.setdefault(name.lower(), set()).add(address)
    out = []
    for name, addresses in by_name.items():
        if len(addresses) != 1:
            continue
        m = re.search(
            rf"^[ \t]*'{re.escape(name)}'[ \t]+\S+[ \t]+\d.*$", head, re.IGNORECASE | re.MULTILINE
        )
        if m:
            out.append((next(iter(addresses)), " ".join(m.group(0).split())))
    return out


def local_parts_of_sender(head: str, sender: str) -> list[tuple[str, str]]:
    """``(local part@the notice's own domain, its line)`` for each mailbox a notice that
    names mailboxes without their domain lists (``rules.detection.LOCAL_PART_NOTICES``),
    when nothing the invoice was written to completes it: the domain is the notice's own,
    as those senders' notices are about their own users."""
    domain = sender.rpartition("@")[2].lower()
    if not domain or "." not in domain:
        return []
    out: dict[str, str] = {}
    for intro, line in LOCAL_PART_NOTICES:
        m = intro.search(head)
        if m is None:
            continue
        for row in head[m.end() :].split("\n")[:20]:
            named = line.match(row)
            if named:
                out.setdefault(f"{named.group(1).lower()}@{domain}", " ".join(row.split()))
            elif row.strip() and out:
                break
    return list(out.items())


def listed_block(head: str) -> list[str] | None:
    """The addresses of sendmail's "----- The following addresses had permanent fatal errors
    -----" block, when the notice has one: the failed recipients as the sender knew them. An
    address only in the session transcript under it (">>> RCPT To:<user@relay-host>") is the
    same recipient as a relay rewrote it, not another."""
    m = SENDMAIL_BLOCK.search(head)
    if m is None:
        return None
    end = head.find("-----", m.end())
    found = [a.lower() for a in mime.addresses_in(head[m.end() : end if end > 0 else None])]
    return list(dict.fromkeys(found)) or None


_STRONG_RECIPIENT = re.compile(
    r"^[ \t]*<([^<>\s@]+@[^<>\s@]+)>:[ \t]*\r?$"
    r"|^<([^<>\s@]+@[^<>\s@]+)>[ \t]*:[ \t]"
    r"|RCPT TO:[ \t]*<?([^<>\s@]+@[^<>\s@]+?)>?[ \t]*\r?$"
    r"|^[ \t]*<?([^<>\s@]+@[^<>\s@]+?)>?\.\.\. ",
    re.IGNORECASE | re.MULTILINE,
)


def strong_recipients(head: str) -> list[str]:
    """Recipients named as such: qmail's ``<address>:`` line, Postfix's ``<address>: reason``
    at the start of a line, ``RCPT TO:<address>``, sendmail's ``address... reason``."""
    found = (next(g for g in m.groups() if g).lower() for m in _STRONG_RECIPIENT.finditer(head))
    return list(dict.fromkeys(found))[:MAX_RECIPIENTS]
