"""facturier's DKIM signer, checked by dkimpy's verifier on the shapes a message can take:
folded and repeated header fields, an empty body, empty lines at its end, long lines;
a change to a signed field, the body, or an added From breaks the signature."""

from __future__ import annotations

import dkim
import pytest

from mailer.dkim import DkimSigner, new_key

HEAD = (
    b"From: ACME <factures@acme.example>\r\nTo: a@client.example\r\n"
    b"Subject: Facture FA-1\r\n =?utf-8?q?pi=C3=A8ce?=\r\nDate: Fri, 4 Dec 2026 08:00:00 +0000\r\n"
    b"Message-ID: <1@acme.example>\r\nMIME-Version: 1.0\r\nX-Other:   spaced\t value  \r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
)


@pytest.fixture(params=["rsa", "ed25519"])
def signer(request: pytest.FixtureRequest) -> tuple[DkimSigner, bytes]:
    _pem, key = new_key(request.param)
    record = key.dns_record("s1", "acme.example").split('"')[1].encode()
    return DkimSigner("s1", "acme.example", key), record


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello\r\n",
        b"hello\r\n\r\n\r\n",
        b"no end of line",
        b"  spaced  \t line  \r\n",
        b"A" * 76 + b"\r\n" + b"B" * 900 + b"\r\n",
    ],
)
def test_dkimpy_verifies_what_it_signs(signer: tuple[DkimSigner, bytes], body: bytes) -> None:
    s, record = signer
    message = s.sign(HEAD + b"\r\n" + body)
    assert dkim.verify(message, dnsfunc=lambda name, timeout=5: record)
    assert all(len(line) <= 78 for line in message.split(b"\r\n\r\n")[0].split(b"\r\n")[:8])
    for changed in (
        message.replace(b"FA-1", b"FA-2"),
        message.replace(b"\r\n\r\n", b"\r\n\r\nX", 1),
        message.replace(b"From: ACME", b"From: evil@x.example\r\nFrom: ACME", 1),
    ):
        assert not dkim.verify(changed, dnsfunc=lambda name, timeout=5: record)
