"""What needs a person: the kinds of item in the attention queue, and for each what to do.

An item is derived from the records (an invoice without an address, a delivery held, a
reply received…) and leaves the queue when the records change (the address is set, the
invoice sent) or when a person deals with it: a reply marked handled, an unrecognized
message or a guessed tie dismissed with a reason. Who dealt with it, when and how is kept
(``AttentionResolution``).
"""

from __future__ import annotations

import enum

from daemon.domain.i18n import N_


class AttentionKind(enum.StrEnum):
    NO_ADDRESS = "no-address"
    HARD_BOUNCE = "hard-bounce"
    REJECTED = "rejected"  # spam or policy rejection, a content filter, a blocked sender
    COMPLAINT = "complaint"
    HELD = "held"  # set aside after repeated unexpected errors
    UNDELIVERABLE_ADDRESS = "undeliverable-address"
    LONG_DEFERRED = "long-deferred"
    REPLY = "reply"
    GUESSED_TIE = "guessed-tie"
    UNRECOGNIZED = "unrecognized"
    QUARANTINED = "quarantined"
    POSSIBLE_DUPLICATE = "possible-duplicate"  # a second file of an invoice already imported
    AMOUNTS_TO_CHECK = "amounts-to-check"  # line amounts that do not add up: held, not sent
    CUSTOMER_TO_CHOOSE = "customer-to-choose"  # the buyer fits several customers: held
    PAYMENT_WAITING = "payment-waiting"  # matches no invoice, or pays more than is owed
    ADDRESS_ANSWER = "address-answer"  # a customer answered a request for a central address
    NO_DUE_DATE = "no-due-date"  # owed and old, but states no due day: never reminded
    OVERPAID = "overpaid"  # paid more than it owes: the difference is the customer's
    TO_POST = "to-post"  # its customer receives invoices on paper: print it and post it


HINTS: dict[AttentionKind, str] = {
    AttentionKind.TO_POST: N_(
        "print the invoice (w on its screen, or facturier pdf NUMBER) and post it to the "
        "customer, then mark it "
        "dealt with, saying when it was posted (queue dismiss to-post N, or d); the customer "
        "takes e-invoices by email once its channel says so (customers channel)"
    ),
    AttentionKind.OVERPAID: N_(
        "pay the difference back to the customer, or agree with it to keep it as credit, "
        "then mark it dealt with; a payment recorded wrong is reversed instead "
        "(payments reverse)"
    ),
    AttentionKind.NO_DUE_DATE: N_(
        "reminders skip it until it has a due date: set the day it is due (E on its screen, "
        "or facturier due), or the admin states the seller's terms ([reminders] days_to_pay)"
    ),
    AttentionKind.ADDRESS_ANSWER: N_(
        "check the address the customer gives, then confirm it (campaign confirm) or reject "
        "it (campaign reject)"
    ),
    AttentionKind.PAYMENT_WAITING: N_(
        "find the invoice(s) it pays and assign it (payments assign), or reverse it "
        "(payments reverse) if it is not for you"
    ),
    AttentionKind.POSSIBLE_DUPLICATE: N_(
        "compare it with the earlier invoice, then replace the earlier one with it, keep "
        "both, or discard it (facturier duplicates)"
    ),
    AttentionKind.AMOUNTS_TO_CHECK: N_(
        "check the invoice's lines with its seller, then send it as it is or discard it for "
        "a corrected one (facturier amounts)"
    ),
    AttentionKind.CUSTOMER_TO_CHOOSE: N_(
        "the invoice's buyer fits several customers that nothing in it tells apart: say which "
        "customer it is for (facturier buyers choose); it then goes out"
    ),
    AttentionKind.NO_ADDRESS: N_(
        "set the customer's invoice address (customers set-address); the invoice then goes out"
    ),
    AttentionKind.HARD_BOUNCE: N_(
        "the address does not exist: ask the customer for its invoice "
        "address, set it (customers set-address), then resend"
    ),
    AttentionKind.REJECTED: N_(
        "the receiving system refused the message: follow the hint in the diagnostic, then resend"
    ),
    AttentionKind.COMPLAINT: N_(
        "the recipient reported the invoice as spam or unsubscribed: call "
        "the customer and agree on the invoice address"
    ),
    AttentionKind.HELD: N_(
        "sending failed the same unexpected way several times: read the error, "
        "fix its cause, then resend"
    ),
    AttentionKind.UNDELIVERABLE_ADDRESS: N_(
        "invoices of this customer are open but its address "
        "bounces: get a working address (customers set-address)"
    ),
    AttentionKind.LONG_DEFERRED: N_(
        "the recipient's server keeps refusing for now: check the diagnostic, or call the customer"
    ),
    AttentionKind.REPLY: N_("read the customer's reply and answer it, then mark it handled"),
    AttentionKind.GUESSED_TIE: N_(
        "tied by recipient and time only: check that it is about this "
        "invoice, then dismiss it or act on it"
    ),
    AttentionKind.UNRECOGNIZED: N_(
        "not tied to any invoice: read it, then dismiss it with a reason"
    ),
    AttentionKind.QUARANTINED: N_(
        "set aside unread or unapplied: read the reason, then dismiss it"
    ),
}

LABELS: dict[AttentionKind, str] = {
    AttentionKind.TO_POST: N_("to post"),
    AttentionKind.OVERPAID: N_("overpaid"),
    AttentionKind.NO_DUE_DATE: N_("no due date"),
    AttentionKind.ADDRESS_ANSWER: N_("address answer"),
    AttentionKind.PAYMENT_WAITING: N_("payment waiting"),
    AttentionKind.POSSIBLE_DUPLICATE: N_("possible duplicate"),
    AttentionKind.AMOUNTS_TO_CHECK: N_("amounts to check"),
    AttentionKind.CUSTOMER_TO_CHOOSE: N_("customer to choose"),
    AttentionKind.NO_ADDRESS: N_("no address"),
    AttentionKind.HARD_BOUNCE: N_("hard bounce"),
    AttentionKind.REJECTED: N_("rejected"),
    AttentionKind.COMPLAINT: N_("complaint"),
    AttentionKind.HELD: N_("held"),
    AttentionKind.UNDELIVERABLE_ADDRESS: N_("undeliverable address"),
    AttentionKind.LONG_DEFERRED: N_("long deferred"),
    AttentionKind.REPLY: N_("reply"),
    AttentionKind.GUESSED_TIE: N_("guessed tie"),
    AttentionKind.UNRECOGNIZED: N_("unrecognized"),
    AttentionKind.QUARANTINED: N_("quarantined"),
}
"""What the operator reads for each kind (the values stay the CLI's and the JSON's)."""

# Kinds a person closes by hand (the others close when the records change)
CLOSED_BY_HAND = frozenset(
    {
        AttentionKind.REPLY,
        AttentionKind.GUESSED_TIE,
        AttentionKind.UNRECOGNIZED,
        AttentionKind.QUARANTINED,
        AttentionKind.COMPLAINT,
        AttentionKind.LONG_DEFERRED,
        AttentionKind.OVERPAID,
        AttentionKind.TO_POST,
    }
)

# Kinds whose item is about a message that came back (its ref is the inbound message's id)
ABOUT_A_MESSAGE = frozenset(
    {
        AttentionKind.REPLY,
        AttentionKind.GUESSED_TIE,
        AttentionKind.UNRECOGNIZED,
        AttentionKind.QUARANTINED,
    }
)
