"""A mailing list that refuses the invoice from a non-member: a bounce of the list address."""

from __future__ import annotations

import pytest

from bounce_parser import Kind, classify

REFUSAL = (
    b"From: compta-admin@client.example\r\nTo: factures@acme.example\r\n"
    b"Subject: You factures@acme.example are not member (compta ML)\r\n"
    b"X-MLServer: fml [fml 4.0.3 release]\r\nMessage-ID: <r1@client.example>\r\n"
    b"Content-Type: text/plain\r\n\r\n"
    b"You are not a member of this mailing list <compta@client.example>.\r\n"
)


def test_a_lists_refusal_of_a_non_member_is_a_bounce_of_the_list_address() -> None:
    c = classify(REFUSAL)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.reason, r.hard, r.action) == (
        "compta@client.example",
        "rejected",
        False,
        "failed",
    )
    assert r.diagnostic == "You are not a member of this mailing list <compta@client.example>."


def test_the_list_address_wrapped_onto_the_next_line_is_still_the_one_refused() -> None:
    # a long list address wraps fml's line: the address is still the list's, not the
    # invoice's sender named below it
    wrapped = REFUSAL.replace(
        b"list <compta@client.example>.",
        b"list\r\n    <comptabilite-fournisseurs@client.example>.\r\n\r\n"
        b"Your message was from factures@acme.example.",
    )
    [r] = classify(wrapped).recipients
    assert (r.address, r.reason) == ("comptabilite-fournisseurs@client.example", "rejected")


def test_the_moderators_refusal_wrapped_at_another_place_is_still_a_refusal() -> None:
    # Mailman wraps its templates' paragraphs (Utils.wrap): a longer list name moves the
    # line break into the refusal's words
    refused = _mailman(
        "Request to mailing list Comptabilite-Fournisseurs rejected",
        "Your request to the Comptabilite-Fournisseurs mailing list\r\n\r\n"
        '    Posting of your message titled "Facture FA-1"\r\n\r\n'
        "has been rejected by the\r\nlist moderator.  The moderator gave the following\r\n"
        'reason for rejecting your request:\r\n\r\n"Invoices go to compta@client.example"\r\n',
    )
    [r] = classify(refused).recipients
    assert (r.address, r.reason, r.action) == ("compta@client.example", "rejected", "failed")


def test_a_non_members_refusal_wrapped_between_its_words_is_still_a_refusal() -> None:
    # fml's line, wrapped where a long list address pushed it: "not a" over "member"
    wrapped = REFUSAL.replace(
        b"You factures@acme.example are not member (compta ML)", b"Bounce"
    ).replace(b"You are not a member of", b"You are not a\r\n    member of")
    [r] = classify(wrapped).recipients
    assert (r.address, r.reason) == ("compta@client.example", "rejected")


def test_a_hold_wrapped_between_its_words_is_still_a_hold() -> None:
    # Mailman wraps its templates' paragraphs (Utils.wrap): the hold's words split over lines
    held = _mailman(
        "Comptabilite-Fournisseurs post from factures@acme.example",
        "Your mail to 'Comptabilite-Fournisseurs' with the subject\r\n\r\n    Facture FA-1"
        "\r\n\r\nIs being held until the list\r\nmoderator can review it for approval.\r\n",
        "In-Reply-To: <fa-1@acme.example>\r\n",
    )
    [r] = classify(held).recipients
    assert (r.action, r.hard) == ("delayed", False)


def test_a_members_post_through_a_list_that_mentions_members_is_not_a_bounce() -> None:
    post = (
        b"From: Paul <paul@client.example>\r\nTo: compta@client.example\r\n"
        b"Subject: Re: Facture FA-1\r\nList-Id: <compta.client.example>\r\n"
        b"In-Reply-To: <fa-1@acme.example>\r\nContent-Type: text/plain\r\n\r\n"
        b"I am not a member of the accounts team; forwarding to the list.\r\n"
    )
    assert classify(post).kind != Kind.BOUNCE


def _mailman(subject: str, body: str, headers: str = "") -> bytes:
    return (
        "From: compta-owner@client.example\r\nTo: factures@acme.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <mm-1@client.example>\r\n{headers}"
        "X-Mailman-Version: 2.1.39\r\nContent-Type: text/plain\r\n\r\n" + body
    ).encode()


def test_a_post_held_for_the_moderator_is_a_delay_of_the_list_address_not_a_reply() -> None:
    # Mailman's postheld template; its notice answers the invoice (In-Reply-To)
    held = _mailman(
        "Your message to Compta awaits moderator approval",
        "Your mail to 'Compta' with the subject\r\n\r\n    Facture FA-1\r\n\r\n"
        "Is being held until the list moderator can review it for approval.\r\n\r\n"
        "The reason it is being held:\r\n\r\n    Post by non-member to a members-only list\r\n",
        "In-Reply-To: <fa-1@acme.example>\r\n",
    )
    c = classify(held)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.action, r.hard) == ("compta@client.example", "delayed", False)


def test_a_post_the_moderator_refused_is_a_bounce_of_the_list_address() -> None:
    # Mailman's refuse template
    refused = _mailman(
        "Request to mailing list Compta rejected",
        "Your request to the Compta mailing list\r\n\r\n"
        '    Posting of your message titled "Facture FA-1"\r\n\r\n'
        "has been rejected by the list moderator.  The moderator gave the following\r\n"
        'reason for rejecting your request:\r\n\r\n"Invoices go to compta@client.example"\r\n',
    )
    [r] = classify(refused).recipients
    assert (r.address, r.reason, r.action, r.hard) == (
        "compta@client.example",
        "rejected",
        "failed",
        False,
    )
    assert (
        r.diagnostic == "has been rejected by the list moderator.  The moderator gave the following"
    )


_RETURNED = (
    "\r\nFrom: factures@acme.example\r\nTo: compta@lists.client.example\r\n"
    "Message-ID: <fa-1@acme.example>\r\nSubject: Facture FA-1\r\n\r\nVoir.\r\n"
)
# Other list managers' notices, each answering the invoice (In-Reply-To), none with the list
# headers Mailman adds: (From, Subject, extra headers, text, refused or held). Wordings as
# each manager's own notice gives them: Sympa's (rejected; forwarded to the list's editors),
# LISTSERV's, Majordomo's and ezmlm-store's
OTHER_MANAGERS = {
    "Sympa, rejected": (
        "sympa@lists.client.example",
        "Message distribution: Authorization denied",
        "X-Loop: sympa@lists.client.example\r\n",
        "Your message for list compta (attached below) has been rejected.\r\n"
        "You are not allowed to send this message for the following reason:\r\n\r\n"
        "   The sender is not a subscriber of the list.\r\n",
        "failed",
    ),
    # Sympa 6 names the list by its address, in quotes: the quote is not the address's
    "Sympa 6, rejected": (
        "sympa@lists.client.example",
        "Message distribution: Authorization denied",
        "X-Loop: sympa@lists.client.example\r\n",
        "Your message for list 'compta@lists.client.example' has been rejected.\r\n"
        "You are not allowed to send messages to this list.\r\n",
        "failed",
    ),
    "Sympa, moderated": (
        "sympa@lists.client.example",
        "Message submitted to compta",
        "",
        "Your message for list compta has been forwarded to editor(s)\r\n",
        "delayed",
    ),
    "LISTSERV": (
        "LISTSERV@LISTS.CLIENT.EXAMPLE",
        'Message ("Facture FA-1") rejected',
        "",
        "You are not authorized to send mail to the COMPTA list from your\r\n"
        "factures@acme.example account.\r\n",
        "failed",
    ),
    "Majordomo": (
        "owner-compta@lists.client.example",
        "BOUNCE compta@lists.client.example: Non-member submission from [factures@acme.example]",
        "",
        "Your message has been held for the list owner's approval.\r\n",
        "delayed",
    ),
    "ezmlm": (
        "compta-help@lists.client.example",
        "Moderated: Facture FA-1",
        "Mailing-List: contact compta-help@lists.client.example; run by ezmlm\r\n",
        "Hi! This is the ezmlm program. I'm managing the\r\n"
        "compta@lists.client.example mailing list.\r\n\r\n"
        "Your message has been sent to the moderator(s) for approval.\r\n",
        "delayed",
    ),
}


def _managers_notice(name: str, returned: bool) -> bytes:
    """The notice of ``OTHER_MANAGERS[name]``: answering our invoice's message and returning
    it, or (``returned`` false) neither."""
    sender, subject, headers, text, _action = OTHER_MANAGERS[name]
    answering = "In-Reply-To: <fa-1@acme.example>\r\n" if returned else ""
    return (
        f"From: {sender}\r\nTo: factures@acme.example\r\nSubject: {subject}\r\n"
        f"{answering}{headers}Content-Type: text/plain\r\n\r\n"
        f"{text}{_RETURNED if returned else ''}"
    ).encode()


@pytest.mark.parametrize("name", sorted(OTHER_MANAGERS))
def test_other_list_managers_refusals_and_holds_are_of_the_list_address(name: str) -> None:
    action = OTHER_MANAGERS[name][4]
    c = classify(_managers_notice(name, returned=True))
    assert c.kind == Kind.BOUNCE
    assert [(r.address, r.action, r.hard) for r in c.recipients] == [
        ("compta@lists.client.example", action, False)
    ]


def test_a_list_whose_name_starts_with_list_is_named_whole() -> None:
    # Mailman 3's hold notice names the list by its address ($listname is the list's full
    # address): a French "liste-…" is the list's name, not the word "list" before it
    held = (
        b"From: liste-factures-owner@lists.client.example\r\nTo: factures@acme.example\r\n"
        b"Subject: Your message to liste-factures@lists.client.example awaits moderator "
        b"approval\r\nMessage-ID: <mm-2@client.example>\r\nX-Mailman-Version: 3.3.8\r\n"
        b"Content-Type: text/plain\r\n\r\n"
        b"Your mail to 'liste-factures@lists.client.example' with the subject\r\n\r\n"
        b"    Facture FA-1\r\n\r\nIs being held until the list moderator can review it for "
        b"approval.\r\n"
    )
    [r] = classify(held).recipients
    assert (r.address, r.action) == ("liste-factures@lists.client.example", "delayed")


@pytest.mark.parametrize("name", ["Sympa, rejected", "LISTSERV"])
def test_a_list_named_without_the_returned_message_is_at_its_robots_domain(name: str) -> None:
    # Sympa's lists are list@robot-domain beside sympa@robot-domain, LISTSERV's LIST@host
    # beside LISTSERV@host: a notice that names the list and returns nothing names it so
    action = OTHER_MANAGERS[name][4]
    c = classify(_managers_notice(name, returned=False))
    assert c.kind == Kind.BOUNCE
    assert [(r.address, r.action) for r in c.recipients] == [
        ("compta@lists.client.example", action)
    ]
