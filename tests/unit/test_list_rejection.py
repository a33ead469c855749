"""A mailing list that refuses the invoice from a non-member: a bounce of the list address."""

from __future__ import annotations

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
