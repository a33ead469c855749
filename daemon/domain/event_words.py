"""What a notice did to a delivery, in our words: written in English on the delivery's events
(the record, as the proof package exports it), shown in the operator's language.

The inbound effects (``daemon/inbound/effects.py``) write each outcome in one of the forms
below: a fixed lead, the bounce reason's code, the notice's own words, and the evidence that
tied it (``[tied by verp]``). :func:`shown` reads a stored text back in the operator's
language: our words translated, the reason's code named, the notice's own words left as they
came. A text in none of these forms (a relay's reply, an older record) is shown as stored.
"""

from __future__ import annotations

import re

from daemon.domain.finding_words import shown_held, shown_refusal
from daemon.domain.i18n import N_, _, form_pattern
from mailer.errors import RELAY_FAILURES

HARD = "hard bounce"
SOFT = "soft bounce"
DELAYED = "delay reported"
DELIVERED = "delivery reported"

# what a person should do about a refusal that no retry will fix, by bounce reason
HINTS: dict[str, str] = {
    "spamdetected": N_(
        "the receiving system took the invoice for spam: ask the customer to allow the sender "
        "address, and check SPF, DKIM and DMARC for the sending domain"
    ),
    "policyviolation": N_(
        "the receiving system's policy refused the message: ask the customer's IT to allow "
        "invoices from this sender"
    ),
    "blocked": N_(
        "the sending server or IP is blocked by the recipient: check blocklists and the "
        "relay's reputation"
    ),
    "filtered": N_("a content filter refused the message: ask the customer to allow the sender"),
    "rejected": N_("the recipient refused the sender address: check the envelope sender and SPF"),
    "securityerror": N_(
        "the recipient's server refused on a security rule (an access list, or TLS or "
        "authentication the relay did not offer): ask the customer's postmaster"
    ),
    "failedstarttls": N_(
        "TLS between the relay and the recipient's server failed: check the relay's TLS "
        "settings and certificates"
    ),
    "authfailure": N_("SPF/DKIM/DMARC checks failed: fix the sending domain's authentication"),
    "requireptr": N_("the relay's IP has no reverse DNS: fix the PTR record"),
    "badreputation": N_("the relay's IP has a poor reputation with the recipient"),
    "virusdetected": N_("the recipient's scanner flagged the attachment"),
    "contenterror": N_("the recipient could not accept the message content"),
    "norelaying": N_(
        "a server refused to relay the message: check the address's domain, and that the "
        "relay may send to it (an Amazon SES sandbox sends only to verified addresses)"
    ),
}

# the bounce classifier's reasons (sisimai's vocabulary, ``bounce_parser``), as a person
# reads them
REASONS: dict[str, str] = {
    "userunknown": N_("no such mailbox"),
    "hostunknown": N_("no such domain"),
    "hasmoved": N_("the address has moved"),
    "mailboxfull": N_("mailbox full"),
    "expired": N_("delivery time ran out"),
    "spamdetected": N_("taken for spam"),
    "policyviolation": N_("refused by the recipient's policy"),
    "blocked": N_("sending server blocked"),
    "filtered": N_("refused by the recipient's filter"),
    "rejected": N_("sender refused"),
    "authfailure": N_("SPF/DKIM/DMARC failed"),
    "badreputation": N_("poor sender reputation"),
    "requireptr": N_("no reverse DNS"),
    "securityerror": N_("refused on a security rule"),
    "virusdetected": N_("virus found"),
    "contenterror": N_("content refused"),
    "notcompliantrfc": N_("not a well-formed message"),
    "mesgtoobig": N_("message too large"),
    "exceedlimit": N_("over a limit"),
    "networkerror": N_("network error"),
    "systemerror": N_("system error"),
    "systemfull": N_("recipient's server full"),
    "toomanyconn": N_("too many connections"),
    "speeding": N_("sending too fast"),
    "suspend": N_("mailbox suspended"),
    "norelaying": N_("relaying refused"),
    "notaccept": N_("the domain takes no mail"),
    "onhold": N_("held by the recipient's server"),
    "undefined": N_("cause not stated"),
    "mailererror": N_("delivery program failed"),
    "syntaxerror": N_("SMTP syntax error"),
    "failedstarttls": N_("TLS failed"),
    "delivered": N_("delivered"),
    "feedback": N_("complaint"),
    "vacation": N_("auto-reply"),
    "unknown reason": N_("unknown reason"),
}

# the evidence that tied a notice to its delivery (``daemon/inbound/tying.py``)
EVIDENCE: dict[str, str] = {
    "verp": N_("its signed return path"),
    "token-header": N_("facturier's delivery token"),
    "envid": N_("the envelope id"),
    "message-id": N_("the original Message-ID"),
}

# whole texts the effects write for a complaint report (RFC 6430 not-spam, RFC 6591
# authentication failure)
NOT_SPAM = N_("the recipient's provider reports it marked as not spam")
AUTH_FAILURE = N_(
    "the recipient's provider reports that the message failed its SPF, DKIM or DMARC check: "
    "run `facturier check-domain`"
)
COMPLAINTS = frozenset({NOT_SPAM, AUTH_FAILURE})


# the other events' texts in our words, by name: written with :func:`event_text`, read back by
# :func:`shown` (each field of a form matches any text)
FORMS: dict[str, str] = {
    "resend": N_("re-send requested by {by}: {reason}"),
    "reminder": N_("payment reminder level {level}: {invoices}"),
    "archived": N_("chain position {seq}, sha256 {sha256}"),
    "held_after_errors": N_("set aside after {errors} unexpected errors; the last: {reason}"),
    "error_retry": N_("unexpected error {errors} of {limit}: {reason}; next attempt at {at} UTC"),
    "interrupted_after_handoff": N_("interrupted after hand-off to the relay: possible duplicate"),
    "interrupted_before_handoff": N_("interrupted before hand-off to the relay: not sent yet"),
    # an address change's reason (the chained log): a hard bounce marked it undeliverable;
    # the customer was created, by hand or from a customer file; the file changed it; the
    # customer's answer to a central-address request made it a shared mailbox
    "address_bounced": N_("hard bounce {status} ({reason})"),
    "customer_created": N_("customer created"),
    "customer_imported": N_("imported from {file}"),
    "customer_file": N_("customer file {file}"),
    "request_answer": N_("the customer's answer to request R{request}"),
    # why an import noted a decision on an invoice: held as a possible duplicate of another,
    # or corrected by a credit note; which customer a person said it is for, or that its buyer
    # fits several customers
    "duplicate_of": N_("same seller, number and type as invoice #{id}"),
    "customer_chosen": N_("for customer #{id} {name}: {reason}"),
    "buyer_fits": N_(
        "its buyer {buyer} fits customers {customers}, which nothing in it tells apart"
    ),
    "credit_note": N_("credit note {number}"),
    # what an auto-reply, a read receipt, a reply or a complaint noted on a delivery (the
    # form with a return date before the one without, which would read it all as subject)
    "auto_reply_moved": N_(
        "auto-reply: {subject} — this address is no longer read; it points to {addresses}"
    ),
    "auto_reply_abandoned": N_("auto-reply: {subject} — this address is no longer read"),
    "auto_reply_until": N_("auto-reply: {subject} — absent until {day}"),
    "auto_reply": N_("auto-reply: {subject}"),
    # (RFC 8098 dispositions: shown to the reader, or deleted or handled without being shown,
    # or a report the reader's software would not or could not make)
    "read_receipt_deleted": N_("read receipt: deleted without being read ({said})"),
    "read_receipt_unread": N_("read receipt: handled without being read ({said})"),
    "read_receipt_withheld": N_("read receipt: the reader's software did not say ({said})"),
    "read_receipt": N_("read receipt: {said}"),
    "customer_replied": N_("customer replied ({sender}): {said}"),
    "unsubscribe": N_("the recipient asked to unsubscribe ({sender})"),
    "complaint": N_("complaint ({kind}) from the recipient's provider"),
    "soft_bounce_retry": N_("retry {n} after a soft bounce of delivery #{delivery}, at {at} UTC"),
    # why a notice was set aside, or which invoice it may be about (``inbound/tying.py``);
    # the evidence named in them is one of EVIDENCE's texts, read in the reader's language
    "tie_guess": N_(
        "by recipient and time alone it may be about invoice {number} (delivery #{delivery}) "
        "to {address}: tie it by hand if it is"
    ),
    "tie_forged_verp": N_(
        "its return path carries a VERP token whose signature is wrong: a forgery, "
        "whatever else it names"
    ),
    "tie_unknown_verp": N_("its signed return path names delivery {token}, which is not known"),
    "tie_weak_with_verp": N_(
        "VERP is on and it did not come back to a signed return path: {evidence} "
        "of delivery #{delivery}, which every recipient of that message sees, "
        "proves nothing"
    ),
    "tie_unproven": N_("nothing proves what it is about; {suggestion}"),
    "tie_no_recipient": N_(
        "it names no recipient, and only {evidence} ties it to delivery #{delivery}"
    ),
    "tie_other_recipient": N_("it names {named}, but delivery #{delivery} went to {recipient}"),
    "tie_replay": N_(
        "it says what inbound message #{id} said of delivery #{delivery}, "
        "which was applied then: a copy is applied once"
    ),
    "proof_exported": N_("proof exported by {by} to {folder}: {why}"),
    # the compliance gate, run again just before a message is made (``app/context``):
    # its rules refuse the invoice now (``finding_words.refusal_text``), or its file is gone
    "gate_refuses": N_("the compliance gate refuses it now: {refusal}"),
    "gate_unreadable": N_("the compliance gate cannot read the stored file {path}: {why}"),
    # an invoice held for its amounts just before its message was made (``intake/amounts``);
    # why, as its note stores it (``finding_words.why_held``)
    "held_for_amounts": N_(
        "held before sending: its amounts do not add up ({held}); send it as it is or discard "
        "it (facturier amounts)"
    ),
    # a message not yet sent when its customer moved to paper (``outbound/paper``)
    "to_paper": N_("not sent: the customer receives its invoices on paper now ({by}: {why})"),
    # a message not yet sent that follows a customer's new invoice address
    # (``outbound/address_moves``): the one to the old address, and the one made in its place
    "address_left": N_(
        "not sent: the invoice address changed to {new} ({by}: {why}); the message goes there "
        "instead"
    ),
    "address_bounced_unsent": N_(
        "not sent: a hard bounce {status} ({reason}) marked this address undeliverable"
    ),
    "reminder_settled": N_(
        "not sent: {invoices} paid, in dispute or set aside since it was queued; the next "
        "reminder run reminds what is still owed"
    ),
    "copy_removed": N_("not sent: this copy address was removed ({by}: {why})"),
    "address_followed": N_(
        "the invoice address changed from {old} ({by}: {why}); sent here instead of delivery "
        "#{delivery}"
    ),
    # what became of an attempt at the relay (``daemon/outbound``): last, being the most
    # general forms (a text above that happens to end the same way is read as its own)
    "relay_paced": N_("relay paced: not sent, next attempt at {at} UTC"),
    "gave_up": N_("gave up after {attempts} attempts: {said}"),
    "deferred": N_("{said}; next attempt at {at} UTC"),
    "accepted": N_("{said} (queue id {queue})"),
}


def event_text(form: str, **values: object) -> str:
    """The text of the event ``form`` (one of :data:`FORMS`), as stored."""
    return FORMS[form].format(**values)


_FORM_PATTERNS = tuple((form_pattern(t), t) for t in FORMS.values())


def reason_label(reason: str) -> str:
    """A bounce reason's code as a person reads it, in their language; an unknown code as
    it is."""
    return _(REASONS[reason]) if reason in REASONS else reason


def reason_text(reason: str | None, diagnostic: str) -> str:
    """``reason: the notice's words``, as stored."""
    return f"{reason or 'unknown reason'}: {diagnostic}".strip()


def tied(evidence: str) -> str:
    """The stored mark of what tied a notice to its delivery."""
    return f" [tied by {evidence}]"


def hinted(said: str, reason: str) -> str:
    """A refusal that needs a person, with what to do (``HINTS``), as stored."""
    return f"{said} — hint: {HINTS[reason]}"


_TIED = re.compile(r" \[tied by (.+)\]$", re.DOTALL)
_BY_HAND = re.compile(r"by hand \((.*?)\): (.*)$", re.DOTALL)
_REASON = re.compile(r"(\d\.\d{1,3}\.\d{1,3} )?([a-z]+|unknown reason): ?(.*)$", re.DOTALL)
_HINT = re.compile(r"(.*) — hint: (.*)$", re.DOTALL)


def tie_phrase(evidence: str) -> str:
    """ "tied by …": what tied a message to its delivery, said whole ("" for nothing)."""
    return _tie(evidence) if evidence else ""


def _tie(evidence: str) -> str:
    by_hand = _BY_HAND.match(evidence)
    if by_hand:
        return _("tied by hand ({by}): {reason}").format(by=by_hand[1], reason=by_hand[2])
    named = _(EVIDENCE[evidence]) if evidence in EVIDENCE else evidence
    return _("tied by {evidence}").format(evidence=named)


def _reason(text: str) -> str:
    m = _REASON.match(text)
    if m is None or m[2] not in REASONS:
        return text
    label = (m[1] or "") + reason_label(m[2])
    return _("{reason}: {said}").format(reason=label, said=m[3]) if m[3] else label


_RELAY_FAILURES = tuple((form_pattern(t), t) for t in RELAY_FAILURES)
_QUOTING_THE_RELAY = (FORMS["deferred"], FORMS["gave_up"])


def _relay_failure(said: str) -> str:
    """Why a message did not reach the relay, in the reader's language where it is one of
    the mailer's own sentences (not the relay's reply, which is quoted as it came)."""
    for pattern, template in _RELAY_FAILURES:
        m = pattern.match(said)
        if m:
            return _(template).format(**m.groupdict())
    return said


def _body(text: str) -> str:
    for lead, label in ((HARD, N_("hard bounce")), (SOFT, N_("soft bounce"))):
        if text.startswith(f"{lead} — "):
            return f"{_(label)} — {_reason(text[len(lead) + 3 :])}"
    if text.startswith(f"{DELAYED}: "):
        return _("delay reported: {said}").format(said=_reason(text[len(DELAYED) + 2 :]))
    if text == DELIVERED:
        return _("delivery reported")
    hint = _HINT.match(text)
    if hint and hint[2] in HINTS.values():
        return _("{said} — what to do: {hint}").format(said=_reason(hint[1]), hint=_(hint[2]))
    if text in COMPLAINTS:
        return _(text)
    for pattern, template in _FORM_PATTERNS:
        m = pattern.match(text)
        if m:
            values = m.groupdict()
            if "reason" in values and values["reason"] in REASONS:
                values["reason"] = reason_label(values["reason"])
            if values.get("evidence") in EVIDENCE.values():
                values["evidence"] = _(values["evidence"])
            if "suggestion" in values:
                values["suggestion"] = _body(values["suggestion"])
            if "held" in values:
                values["held"] = shown_held(values["held"])
            if "why" in values:  # a reason stored in one of these forms itself
                values["why"] = _body(values["why"])
            if "refusal" in values:
                values["refusal"] = shown_refusal(values["refusal"])
            if template in _QUOTING_THE_RELAY:
                values["said"] = _relay_failure(values["said"])
            return _(template).format(**values)
    return _reason(text)  # an undeliverable address's reason; anything else as stored


def shown(text: str | None) -> str:
    """A stored event text, or an address's stored reason for being undeliverable
    (``5.4.4 hostunknown: …``), in the operator's language (see the module's note)."""
    if not text:
        return ""
    evidence = _TIED.search(text)
    body = text[: evidence.start()] if evidence else text
    said = _body(body)
    if evidence:
        said += f" [{_tie(evidence[1])}]"
    return said
