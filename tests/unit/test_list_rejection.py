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
