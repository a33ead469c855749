"""Footers are not causes: the stamps and disclaimers a gateway writes under every message it
passes (notices too) must not change what a notice is read to say.

The footers are the products' own stamps as they document them (MailScanner's default
signature, avast!'s and AVG's lines, Symantec Email Security.cloud's, Proofpoint's,
Barracuda's and Mimecast's advertisement lines) and the legal disclaimers companies append;
the notices are each MTA's plain-text template (``test_documented_wording.TEMPLATES``) and a
notice that names no cause at all."""

from __future__ import annotations

import pytest

from bounce_parser import classify
from tests.unit.test_documented_wording import RECIPIENT, TEMPLATES, _notice

FOOTERS = {
    "MailScanner": "This message has been scanned for viruses and\ndangerous content by "
    "MailScanner, and is\nbelieved to be clean.",
    "avast!": "This email has been checked for viruses by Avast antivirus software.\nwww.avast.com",
    "avast! (short)": "Virus-free. www.avast.com",
    "AVG": "No virus found in this message.\nChecked by AVG - www.avg.com",
    "Symantec.cloud": "This email has been scanned by the Symantec Email Security.cloud "
    "service.\nFor more information please visit http://www.symanteccloud.com",
    "Proofpoint": "This message was scanned by Proofpoint for spam and malicious content.",
    "Barracuda": "Protected by Barracuda Spam Firewall",
    "Mimecast": "Powered by Mimecast Email Security",
    "German stamp": "Diese E-Mail wurde auf Viren und Spam geprüft.",
    "French stamp": "Ce message a été vérifié par un antivirus.",
    "MailScanner (clean)": "This message has been checked and is believed to be clean.",
    "no malware": "This message does not contain any malware.",
    "disclaimer (error)": "If you have received this email in error, please delete it.",
    "disclaimer (use)": "Any unauthorized use or disclosure of this e-mail is strictly prohibited.",
    "privacy notice": "Read our privacy notice at https://www.acme-gateway.example/privacy",
    "disclaimer": "CONFIDENTIALITY NOTICE: This email and any attachments are confidential. "
    "If you are not the intended recipient, please notify the sender and delete it. Any "
    "unauthorized review, use, disclosure or distribution is prohibited.\n"
    "Read our privacy policy at https://www.acme-gateway.example/privacy",
}

CAUSELESS = (
    "Undeliverable",
    f"Your message could not be delivered to the following recipient:\n\n  {RECIPIENT}\n\n",
    "postmaster@relay.example",
)
"""A notice that says which address failed and nothing of why."""


def _verdict(subject: str, body: str, sender: str = "MAILER-DAEMON@relay.example") -> list:
    result = classify(_notice(subject, body, sender))
    return [(r.address, r.reason, r.status, r.hard) for r in result.recipients]


@pytest.mark.parametrize("footer", sorted(FOOTERS))
@pytest.mark.parametrize("product", [*sorted(TEMPLATES), "no cause given"])
def test_a_gateways_footer_changes_nothing_a_notice_says(product: str, footer: str) -> None:
    subject, body, *sender = TEMPLATES.get(product) or CAUSELESS
    with_footer = body.rstrip("\n") + "\n\n-- \n" + FOOTERS[footer] + "\n\n"
    assert _verdict(subject, with_footer, *sender) == _verdict(subject, body, *sender)


def test_a_notice_that_names_no_cause_gives_none() -> None:
    [(address, reason, _status, hard)] = _verdict(*CAUSELESS)
    assert (address, hard) == (RECIPIENT, False)
    assert reason in ("onhold", "undefined")


@pytest.mark.parametrize(
    ("said", "reason"),
    [
        # the finding stays a finding, stamped or not (amavisd-new, ClamAV through a milter,
        # a scanner's reply that names itself)
        ("554 5.7.0 Reject, id=12345-01 - VIRUS: Eicar-Test-Signature", "virusdetected"),
        ("550 Message rejected: virus found (scanned by ClamAV)", "virusdetected"),
        ("Your message was scanned and found to contain a virus.", "virusdetected"),
        ("Your message was rejected by our antivirus scanner.", "virusdetected"),
        ("550 Infected (Eicar-Test-Signature)", "virusdetected"),
        # RFC 3463 X.6.x in words: the form of the message refused
        ("554 Message header line too long", "contenterror"),
        ("550 This message contains invalid MIME headers", "contenterror"),
    ],
)
def test_a_finding_or_a_refusal_in_the_stamps_words_is_still_read(said: str, reason: str) -> None:
    body = CAUSELESS[1] + said + "\n\n"
    [(_address, got, _status, _hard)] = _verdict(CAUSELESS[0], body, CAUSELESS[2])
    assert got == reason
