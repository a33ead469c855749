from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bounce_parser import Classification, Kind, classify
from bounce_parser.rules.status import proves_not_gone
from daemon.app.cli import app
from daemon.inbound.effects import _note_of
from mailer.demo_relay import build_dsn

ORIGINAL = (
    b"From: f@acme.example\r\nTo: x@client.example\r\nSubject: Facture\r\n"
    b"Message-ID: <orig-1@acme.example>\r\nX-Facturier-Delivery: tok123\r\n\r\nbody\r\n"
)


def test_rfc3464_failure_dsn() -> None:
    raw = build_dsn(
        reporting_mta="mx.test",
        sender="b@acme.example",
        recipient="x@gone.invalid",
        original=ORIGINAL,
        envid="tok123",
        headers_only=True,
        queue_id="Q1",
        delivered=False,
    )
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    [r] = c.recipients
    assert (r.address, r.status, r.reason, r.action, r.hard) == (
        "x@gone.invalid",
        "5.4.4",
        "hostunknown",
        "failed",
        True,
    )
    assert c.original_message_id == "<orig-1@acme.example>"
    assert c.original_envelope_id == "tok123" and c.facturier_token == "tok123"
    assert c.reporting_mta == "mx.test"


def test_success_dsn_is_a_delivery_report_not_a_bounce() -> None:
    raw = build_dsn(
        reporting_mta="mx.test",
        sender="b@acme.example",
        recipient="x@ok.example",
        original=ORIGINAL,
        envid=None,
        headers_only=False,
        queue_id="Q2",
        delivered=True,
    )
    c = classify(raw)
    assert c.kind == Kind.DELIVERY_REPORT
    assert c.recipients[0].action == "delivered" and not c.recipients[0].hard


def test_out_of_office_with_return_date() -> None:
    raw = (
        b"From: Marie <marie@client.example>\r\nTo: f@acme.example\r\n"
        b"Subject: Absence du bureau\r\nAuto-Submitted: auto-replied\r\n"
        b"In-Reply-To: <orig-1@acme.example>\r\n\r\n"
        b"Je suis absente jusqu'au 12/01/2027 inclus.\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.AUTOREPLY and c.autoreply_until == "2027-01-12"
    assert c.original_message_id == "<orig-1@acme.example>"


def _auto_reply(subject: str, said: str, headers: str = "") -> bytes:
    """Marie's out-of-office answer (RFC 3834 Auto-Submitted) saying ``said``."""
    return (
        "From: Marie <marie@client.example>\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\n{headers}Auto-Submitted: auto-replied\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{said}\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("said", "until"),
    [
        ("Je suis absente jusqu'au 12 janvier.", "2027-01-12"),
        ("I am out of the office until January 12.", "2027-01-12"),
        ("Ich bin bis 12.01. nicht im Büro.", "2027-01-12"),
        ("Estoy fuera de la oficina hasta el 12 de enero.", "2027-01-12"),
        ("Sono fuori ufficio fino al 12 gennaio.", "2027-01-12"),
        ("Ik ben afwezig tot 12 januari.", "2027-01-12"),
        ("De retour le 28/12.", "2026-12-28"),  # later this year
        ("Ich bin bis 10.12 Uhr in einem Termin.", None),  # a time of day, not a date
    ],
)
def test_a_return_date_written_without_its_year_is_the_next_one(
    said: str, until: str | None
) -> None:
    """Written on 20 December 2026, "until 12 January" is 12 January 2027."""
    c = classify(_auto_reply("Absence", said, "Date: Sun, 20 Dec 2026 09:00:00 +0100\r\n"))
    assert c.kind == Kind.AUTOREPLY
    assert c.autoreply_until == until


@pytest.mark.parametrize(
    "subject",
    ["Accusé de réception : Facture 7", "Acknowledgement of receipt: Facture 7",
     "Eingangsbestätigung: Facture 7"],
)  # fmt: skip
def test_an_accounts_payable_acknowledgement_is_an_auto_reply(subject: str) -> None:
    """The customer's accounts-payable system acknowledging the invoice, without RFC 3834's
    Auto-Submitted field: an auto-reply noted on the delivery, not an unreadable message."""
    raw = (
        f"From: Comptabilité <ap@client.example>\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Nous accusons réception de votre message.\r\n"
    ).encode()
    assert classify(raw).kind == Kind.AUTOREPLY


@pytest.mark.parametrize(
    ("subject", "extra", "kind"),
    [
        # the subjects responders give their own replies (PHP-Bounce-Handler's list)
        ("Thank you for your email.", "", Kind.AUTOREPLY),
        ("I am away until Monday", "", Kind.AUTOREPLY),
        ("OutOfOffice: Facture 7", "", Kind.AUTOREPLY),
        # "Precedence: junk", which vacation programs put on their replies
        ("Re: Facture 7", "Precedence: junk\r\n", Kind.AUTOREPLY),
        # a person's replies stay a person's
        ("Re: Thank you for your email", "", Kind.HUMAN),  # a person answering one
        ("Re: Facture 7", "Precedence: bulk\r\n", Kind.HUMAN),  # a list's mark
        ("I am sending the payment today", "", Kind.HUMAN),
        # a responder's everyday words in a person's answer: the lack of a purchase order,
        # payment after the holidays, an invoice for a holiday rental, a receipt acknowledged
        ("Re: Facture 7 - absence de bon de commande", "", Kind.HUMAN),
        ("RE: Facture 7 - paiement après les congés", "", Kind.HUMAN),
        ("AW: Rechnung 7 - Abwesenheit des Fahrers", "", Kind.HUMAN),
        ("Re: Facture 7 - vacation rental", "", Kind.HUMAN),
        ("Re: Facture 7 - accusé de réception de la marchandise", "", Kind.HUMAN),
        # the same under a receiving gateway's tag
        ("[EXTERNAL] AW: Rechnung 7 - Abwesenheit des Fahrers", "", Kind.HUMAN),
        ("{Spam?} RE: Facture 7 - paiement après les congés", "", Kind.HUMAN),
        ("[EXTERNAL] Thank you for your email.", "", Kind.AUTOREPLY),
        ("[EXT] AUTO: Marie Durand", "", Kind.AUTOREPLY),
        # and in a responder's own subject, or a person's answer that says it is one
        ("Absence du bureau", "", Kind.AUTOREPLY),
        ("Re: Facture 7 [Out of Office]", "", Kind.AUTOREPLY),
    ],
)
def test_a_responders_own_marks_make_an_auto_reply(subject: str, extra: str, kind: Kind) -> None:
    raw = (
        f"From: Client <factures@client.example>\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\nIn-Reply-To: <inv-7@acme.example>\r\n{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nReceived, thanks.\r\n"
    ).encode()
    assert classify(raw).kind == kind


@pytest.mark.parametrize(
    ("said", "moved"),
    [
        ("Je ne fais plus partie de la société. Merci d'écrire à compta@client.example.",
         ("compta@client.example",)),
        ("I have left the company. Please send invoices to accounts@client.example.",
         ("accounts@client.example",)),
        ("Ich bin nicht mehr im Unternehmen. Bitte an buchhaltung@client.example.",
         ("buchhaltung@client.example",)),
        ("Ya no trabaja en la empresa: escriba a contabilidad@client.example.",
         ("contabilidad@client.example",)),
        ("This mailbox is no longer monitored.", ()),
        # the address changed: the same abandonment, where to write named
        ("Notre service comptable a changé d'adresse : merci d'écrire désormais à "
         "compta@client.example.", ("compta@client.example",)),
        ("Notre nouvelle adresse e-mail est factures@nouveau.example.",
         ("factures@nouveau.example",)),
        ("Our email address has changed. Please write to ap@client.example.",
         ("ap@client.example",)),
        ("Unsere E-Mail-Adresse hat sich geändert: rechnung@client.example.",
         ("rechnung@client.example",)),
        ("Nuestra dirección de correo ha cambiado: pagos@client.example.",
         ("pagos@client.example",)),
        ("Il nostro indirizzo e-mail è cambiato: fatture@client.example.",
         ("fatture@client.example",)),
    ],
)  # fmt: skip
def test_an_auto_reply_saying_the_address_is_no_longer_read_names_where_to_write(
    said: str, moved: tuple[str, ...]
) -> None:
    c = classify(_auto_reply("Automatic reply: Facture 7", said))
    assert c.kind == Kind.AUTOREPLY
    assert (c.no_longer_read, c.moved_to) == (True, moved)


@pytest.mark.parametrize(
    "said",
    [
        "Je suis absente jusqu'au 12/01/2027. En cas d'urgence : paul@client.example.",
        "I am out of the office until 12 January 2027. For urgent matters: paul@client.example.",
        "Accusé de réception : votre message sera traité dans les meilleurs délais.",
    ],
)
def test_an_absence_naming_a_colleague_is_not_an_abandoned_address(said: str) -> None:
    c = classify(_auto_reply("Absence", said))
    assert (c.kind, c.no_longer_read, c.moved_to) == (Kind.AUTOREPLY, False, ())


def test_an_apple_mail_unsubscribe_is_an_opt_out_not_an_auto_reply() -> None:
    raw = (
        b"From: paul@client.example\r\nTo: factures@acme.example\r\nSubject: unsubscribe\r\n"
        b"Auto-Submitted: auto-replied\r\nX-Apple-Unsubscribe: true\r\n"
        b"Content-Type: text/plain; charset=UTF-8\r\n\r\n"
        b"Apple Mail sent this email to unsubscribe from the message.\r\n"
    )
    c = classify(raw)
    assert (c.kind, c.feedback_type) == (Kind.FEEDBACK, "opt-out")
    assert [(r.address, r.reason) for r in c.recipients] == [("paul@client.example", "feedback")]
    event, text = _note_of(c, c.recipients[0])
    assert event == "complaint"
    assert text == "the recipient asked to unsubscribe (paul@client.example)"


def _read_receipt(disposition: str) -> bytes:
    return (
        "From: Paul <paul@client.example>\r\nTo: factures@acme.example\r\n"
        "Subject: Lu : Facture 7\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="M"\r\n'
        "\r\n--M\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n"
        "--M\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Reporting-UA: mail.client.example; Webmail\r\n"
        "Final-Recipient: rfc822; paul@client.example\r\n"
        "Original-Message-ID: <inv-7@acme.example>\r\n"
        f"Disposition: {disposition}\r\n\r\n--M--\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("disposition", "said", "noted"),
    [
        ("manual-action/MDN-sent-manually; displayed", "displayed", "read receipt: "),
        (
            "automatic-action/MDN-sent-automatically; deleted",
            "deleted",
            "read receipt: deleted without being read (",
        ),
        (
            "automatic-action/MDN-sent-automatically; processed",
            "processed",
            "read receipt: handled without being read (",
        ),
        ("manual-action/MDN-sent-manually; denied", "denied", "read receipt: the reader's "),
    ],
)
def test_a_read_receipt_says_whether_the_invoice_was_read(
    disposition: str, said: str, noted: str
) -> None:
    """RFC 8098 3.2.6: only "displayed" means the reader saw it; a receipt for a message
    deleted or handled unread is never noted as read."""
    c = classify(_read_receipt(disposition))
    assert c.kind == Kind.READ_RECEIPT
    assert c.original_message_id == "<inv-7@acme.example>"
    [r] = c.recipients
    assert (r.address, r.reason) == ("paul@client.example", said)
    event, text = _note_of(c, r)
    assert event == "read"
    assert text.startswith(noted) and disposition in text


@pytest.mark.parametrize("fields_type", ["text/plain", "application/octet-stream"])
def test_a_read_receipt_whose_report_part_was_relabelled_is_read_by_its_fields(
    fields_type: str,
) -> None:
    """RFC 6522 3: the report's second part is its machine-readable one, however a gateway
    relabelled it: who read it and what they did are its RFC 8098 fields."""
    raw = _read_receipt("manual-action/MDN-sent-manually; displayed").replace(
        b"Content-Type: message/disposition-notification", f"Content-Type: {fields_type}".encode()
    )
    c = classify(raw)
    assert c.kind == Kind.READ_RECEIPT
    assert [(r.address, r.reason) for r in c.recipients] == [("paul@client.example", "displayed")]
    assert c.original_message_id == "<inv-7@acme.example>"


def test_human_reply() -> None:
    raw = (
        b"From: Paul <paul@client.example>\r\nTo: f@acme.example\r\nSubject: Re: Facture\r\n"
        b"In-Reply-To: <orig-1@acme.example>\r\n\r\nLe montant est faux, merci de corriger.\r\n"
        b"\r\n> Veuillez trouver ci-joint\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.HUMAN and c.excerpt == "Le montant est faux, merci de corriger."


@pytest.mark.corpus
def test_classifier_answers_for_every_corpus_file_via_cli(corpus_dir: Path) -> None:
    folder = corpus_dir / "bounces"
    result = CliRunner().invoke(app, ["bounce", "classify", "--json", str(folder)])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert len(lines) == len(list(folder.glob("*.eml")))
    kinds = {line["kind"] for line in lines}
    assert {"bounce", "feedback", "autoreply"} <= kinds
    for line in lines:
        assert set(line) == {"file", "kind", "recipients", "original_message_id"}
        for r in line["recipients"]:
            assert set(r) == {"address", "status", "reason", "action", "hard", "diagnostic"}


@pytest.mark.corpus
def test_known_postfix_user_unknown(corpus_dir: Path) -> None:
    labelled = {}
    for line in (corpus_dir / "bounces" / "labels.csv").read_text().splitlines()[1:]:
        cols = line.split(",")
        labelled.setdefault(cols[0], cols)
    postfix = [
        f
        for f, cols in labelled.items()
        if f.startswith("lhost-postfix") and cols[5] == "userunknown"
    ]
    hits = 0
    for name in postfix:
        c = classify((corpus_dir / "bounces" / name).read_bytes())
        r = next((r for r in c.recipients if r.address == labelled[name][2].lower()), None)
        # hard unless the status says the mailbox exists (5.2.1 "mailbox disabled")
        hits += bool(r and r.reason == "userunknown" and r.hard != proves_not_gone(r.status))
    assert postfix and hits / len(postfix) >= 0.8


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_never_raises_on_random_bytes(data: bytes) -> None:
    """Random bytes get an answer from the rules themselves, not from ``classify``'s last
    resort (which would hide a parser that raises)."""
    c = classify(data)
    assert c.kind in set(Kind)
    assert not _caught(c), c.notes


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.binary(max_size=50))
def test_never_raises_on_damaged_dsn(cut: int, junk: bytes) -> None:
    raw = _failure_report()
    c = classify(raw[:cut] + junk + raw[cut:])
    assert not _caught(c), c.notes


def test_a_charset_name_holding_a_nul_is_read_as_an_unknown_charset() -> None:
    """Found by the damaged-report property above: "charset=\\x00us-ascii" made the codec
    lookup raise ValueError, and the whole notice went unread."""
    raw = _failure_report().replace(b"charset=us-ascii", b"charset=\x00us-ascii", 1)
    c = classify(raw)
    assert not _caught(c), c.notes
    assert [r.address for r in c.recipients] == ["x@y.invalid"]


def _failure_report() -> bytes:
    """The demo relay's report of a failure, whole (the damaged-report tests' material)."""
    return build_dsn(
        reporting_mta="mx",
        sender="b@a.example",
        recipient="x@y.invalid",
        original=ORIGINAL,
        envid="t",
        headers_only=False,
        queue_id="Q",
        delivered=False,
    )


def _caught(c: Classification) -> bool:
    """Whether the answer came from ``classify``'s catch-all: the inner parser raised."""
    return any(note.startswith("unparseable") for note in c.notes)


def test_the_catch_all_is_seen_by_these_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two tests above would fail if the inner classifier raised."""
    engine = importlib.import_module("bounce_parser.engine")

    def broken(raw: bytes) -> Classification:
        raise ValueError("a bug in a rule")

    monkeypatch.setattr(engine, "_classify", broken)
    assert _caught(classify(b"From: a@b.example\r\n\r\nhello"))


def test_deep_nesting_and_huge_body_still_get_an_answer() -> None:
    msg = ORIGINAL
    for _ in range(50):
        msg = b"From: m@x\r\nContent-Type: message/rfc822\r\n\r\n" + msg
    assert classify(msg).kind == Kind.UNKNOWN
    big = b"From: a@b\r\nSubject: x\r\n\r\n" + b"A" * (20 * 1024 * 1024)
    assert classify(big).kind == Kind.UNKNOWN


def _naming(form: str, named: list[str]) -> str:
    """A notice in ``form`` that names each of ``named``."""
    if form == "text":
        said = "".join(f"<{a}>: host mx.example said: 550 5.1.1 User unknown\r\n" for a in named)
        return (
            "From: MAILER-DAEMON@mx.example\r\nTo: b@acme.example\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\n\r\n{said}"
        )
    if form == "report":
        kind, fields = (
            "delivery-status",
            "Reporting-MTA: dns; mx.example\r\n\r\n"
            + "".join(
                f"Final-Recipient: rfc822; {a}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
                for a in named
            ),
        )
    else:
        kind, fields = (
            "feedback-report",
            "Feedback-Type: abuse\r\nVersion: 1\r\n"
            + "".join(f"Original-Rcpt-To: {a}\r\n" for a in named),
        )
    return (
        "From: MAILER-DAEMON@mx.example\r\nTo: b@acme.example\r\nSubject: Notice\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type={kind}; boundary="b"'
        "\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nA notice.\r\n"
        f"--b\r\nContent-Type: message/{kind}\r\n\r\n{fields}\r\n--b--\r\n"
    )


@pytest.mark.parametrize("form", ["report", "text", "complaint"])
def test_a_notice_naming_thousands_is_read_for_its_first_hundred(form: str) -> None:
    """No message of ours had more recipients than RFC 5321 4.5.3.1.8's hundred: a notice
    naming 5,000 is read for the first hundred it names, in its order, not for none."""
    named = [f"user{i}@client.example" for i in range(5000)]
    c = classify(_naming(form, named).encode())
    assert c.kind in (Kind.BOUNCE, Kind.FEEDBACK)
    assert [r.address for r in c.recipients] == named[:100]


def test_a_complaint_names_every_original_recipient() -> None:
    raw = (
        b"From: fbl@isp.example\r\nTo: abuse@acme.example\r\nSubject: complaint\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nA complaint about a message from 192.0.2.1\r\n"
        b"--b\r\nContent-Type: message/feedback-report\r\n\r\n"
        b"Feedback-Type: abuse\r\nUser-Agent: FBL/1.0\r\nVersion: 1\r\n"
        b"Original-Rcpt-To: factures@dupont.example\r\n"
        b"Original-Rcpt-To: compta@dupont.example\r\n\r\n"
        b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: billing@acme.example\r\nMessage-ID: <inv-1@acme.example>\r\n\r\n"
        b"--b--\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.FEEDBACK
    assert c.feedback_type == "abuse"
    assert [(r.address, r.reason) for r in c.recipients] == [
        ("factures@dupont.example", "feedback"),
        ("compta@dupont.example", "feedback"),
    ]


def _plain_bounce(body: str) -> bytes:
    return (
        "From: Mail Delivery System <Mailer-Daemon@mx.acme.example>\r\n"
        "To: billing@acme.example\r\nSubject: Mail delivery failed: returning message to sender\r\n"
        "Auto-Submitted: auto-replied\r\n\r\n" + body + "\r\n"
        "------ This is a copy of the message, including all the headers. ------\r\n"
        "From: billing@acme.example\r\nTo: factures@dupont.example\r\n"
        "Message-ID: <inv-7@acme.example>\r\nSubject: Facture 7\r\n\r\nVoir la piece jointe.\r\n"
    ).encode()


_EXIM_GAVE_UP = (
    "This message was created automatically by mail delivery software.\r\n\r\n"
    "A message that you sent could not be delivered to one or more of its\r\n"
    "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
    "  factures@dupont.example\r\n    {cause}\r\n"
)


@pytest.mark.parametrize(
    ("cause", "status", "reason"),
    [
        ("retry timeout exceeded", "4.4.7", "expired"),
        ("mailbox is full: retry timeout exceeded", "4.2.2", "mailboxfull"),
    ],
)
def test_exim_giving_up_after_retries_is_a_temporary_error_that_failed(
    cause: str, status: str, reason: str
) -> None:
    # Exim retries a full mailbox or an unreachable host until its retry timeout: the
    # errors were temporary (class 4), and the message has failed for good all the same
    [r] = classify(_plain_bounce(_EXIM_GAVE_UP.format(cause=cause))).recipients
    assert (r.address, r.status, r.reason, r.action, r.hard) == (
        "factures@dupont.example",
        status,
        reason,
        "failed",
        False,
    )


def test_a_stated_permanent_failure_keeps_class_5() -> None:
    # the same words without Exim's template, from a server that calls it permanent
    body = (
        "This message was created automatically by mail delivery software.\r\n"
        "This is a permanent error. The following address failed:\r\n"
        "<factures@dupont.example>\r\nReason:\r\ndelivery retry timeout exceeded\r\n"
    )
    [r] = classify(_plain_bounce(body)).recipients
    assert (r.status, r.reason, r.action) == ("5.4.7", "expired", "failed")


def test_a_reply_code_labelled_error_code_is_read() -> None:
    body = (
        "A message that you sent could not be delivered to one or more of its recipients. "
        "This is a permanent error.\r\n\r\n"
        "factures@dupont.example Error, ERROR_CODE :421, ERROR_CODE :, Host not reachable.\r\n"
    )
    [r] = classify(_plain_bounce(body)).recipients
    assert (r.address, r.reply_code, (r.status or "")[:1]) == ("factures@dupont.example", 421, "4")
    assert r.action == "failed"  # the sender gave up: nothing more will come of it


def test_a_temporary_code_in_a_bounce_that_gave_up_is_a_failure_not_a_delay() -> None:
    gave_up = (
        "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
        "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
        "<factures@dupont.example>:\r\n"
        "Remote host said: 450 4.2.2 <factures@dupont.example>... Mailbox Full\r\n"
        "Giving up on 192.0.2.135.\r\n"
    )
    [r] = classify(_plain_bounce(gave_up)).recipients
    assert (r.status, r.reason, r.action) == ("4.2.2", "mailboxfull", "failed")
    still_trying = gave_up.replace("This is a permanent error; I've given up.", "").replace(
        "Giving up on", "Will try again later:"
    )
    [r] = classify(_plain_bounce(still_trying)).recipients
    assert (r.status, r.action) == ("4.2.2", "delayed")


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        ("Le serveur a dit non, voyez avec lui.", "onhold"),  # words no rule places
        ("*", "undefined"),  # no explanation at all
    ],
)
def test_a_failure_whose_cause_is_not_recognised_is_named_as_sisimai_names_it(
    cause: str, reason: str
) -> None:
    body = (
        "Delivery to the following recipient failed permanently:\r\n\r\n"
        f"   factures@dupont.example\r\n\r\n{cause}\r\n"
    )
    [r] = classify(_plain_bounce(body)).recipients
    assert (r.address, r.reason, r.action, r.hard) == (
        "factures@dupont.example",
        reason,
        "failed",
        False,
    )


def test_lotus_notes_states_the_reason_above_the_address() -> None:
    body = (
        "------- Failure Reasons  --------\r\n\r\n"
        "User factures not listed in public Name & Address Book\r\n"
        "factures@dupont.example\r\n\r\n------- Returned Message --------\r\n"
    )
    [r] = classify(_plain_bounce(body)).recipients
    assert r.diagnostic == "User factures not listed in public Name & Address Book"


def _dsn(human: str, recipient: str, fields: str, reporting_mta: str = "mx.relay.example") -> bytes:
    """A multipart/report DSN with the given human text and per-recipient fields."""
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        f"--B\r\nContent-Type: text/plain\r\n\r\n{human}\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; {reporting_mta}\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\n{fields}\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\n--B--\r\n"
    ).encode()


def test_facebooks_refusal_by_recipient_preferences_is_filtered_despite_its_5_1_1() -> None:
    diag = (
        "550 5.1.1 RCP-P2 http://postmaster.facebook.com/response_codes "
        "Refused due to recipient preferences"
    )
    raw = _dsn(
        "Delivery failed.", "a@facebook.com", f"Status: 5.1.1\r\nDiagnostic-Code: smtp; {diag}"
    )
    [r] = classify(raw).recipients
    # the address exists: it must not be marked undeliverable as a missing user would be
    assert (r.reason, r.hard) == ("filtered", False)


@pytest.mark.parametrize(
    ("remote_mta", "reason", "hard"),
    [("mfsmax.docomo.ne.jp", "rejected", False), ("mx.client.example", "userunknown", True)],
)
def test_docomos_unknown_user_does_not_say_the_user_is_missing(
    remote_mta: str, reason: str, hard: bool
) -> None:
    fields = (
        f"Status: 5.0.0\r\nRemote-MTA: dns; {remote_mta}\r\n"
        "Diagnostic-Code: smtp; 550 Unknown user factures@client.example"
    )
    [r] = classify(_dsn("Delivery failed.", "factures@client.example", fields)).recipients
    assert (r.reason, r.hard) == (reason, hard)


@pytest.mark.parametrize(
    ("reporting_mta", "reason"),
    [("inbound-smtp.eu-west-1.amazonaws.com", "onhold"), ("mx.relay.example", "systemerror")],
)
def test_amazon_ses_receivings_temporary_failure_states_no_cause(
    reporting_mta: str, reason: str
) -> None:
    fields = "Status: 4.0.0\r\nDiagnostic-Code: smtp; 450 4.0.0 Temporary failure"
    raw = _dsn("Delivery failed.", "factures@client.example", fields, reporting_mta)
    [r] = classify(raw).recipients
    assert (r.reason, r.action) == (reason, "failed")


@pytest.mark.parametrize(
    ("signature", "reason"),
    [("running the Courier mail server, version 1.1.", "filtered"), ("", "userunknown")],
)
def test_a_courier_transcript_names_the_command_that_drew_the_refusal(
    signature: str, reason: str
) -> None:
    human = (
        f"This is a delivery status notification from relay.example,\r\n{signature}\r\n\r\n"
        "<factures@client.example>:\r\n    mx.client.example [192.0.2.45]:\r\n"
        ">>> DATA\r\n<<< 550 Unknown user factures@client.example\r\n"
    )
    fields = "Status: 5.0.0\r\nDiagnostic-Code: smtp; 550 Unknown user factures@client.example"
    [r] = classify(_dsn(human, "factures@client.example", fields)).recipients
    # refused only once the content was sent: a filter, not a missing mailbox
    assert r.reason == reason


def _notice(body: str, headers: str = "") -> bytes:
    """A plain-text failure notice (no delivery-status part), then the returned message."""
    return (
        "From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        f"Subject: Delivery failure\r\n{headers}\r\n{body}\r\n"
        "--- Original message follows.\r\n\r\n"
        "From: billing@acme.example\r\nTo: factures@client.example\r\n"
        "Message-ID: <inv-7@acme.example>\r\nSubject: Facture 7\r\n\r\nVoir la piece jointe.\r\n"
    ).encode()


_X2_UNKNOWN = (
    "<factures@client.example>:\r\n"
    "This user doesn't have a client.example account (factures@client.example) [0]\r\n"
)
_X1_UNKNOWN = "factures@client.example [User unknown]\r\n"
_OLD_POSTFIX = (
    "This is the Postfix program at host relay.example.\r\n\r\n"
    "<factures@client.example>: host mx.client.example[192.0.2.22] said: 550\r\n"
    "    <factures@client.example>: User unknown\r\n"
)
_EXCHANGE = (
    "Your message\r\n\r\n  To:      factures@client.example\r\n  Subject: Facture 7\r\n\r\n"
    "did not reach the following recipient(s):\r\n\r\n"
    "factures@client.example on Thu, 29 Apr 2021 16:51:51 -0500\r\n"
    "    The recipient name is not recognized\r\n"
    "    MSEXCH:IMS:CLIENT:EXAMPLE:MAIL{code} Unknown Recipient\r\n"
)


@pytest.mark.parametrize(
    ("body", "headers", "reason"),
    [
        # notices that never say at which stage the recipient was refused
        (
            "Unable to deliver message to the following address(es).\r\n\r\n" + _X2_UNKNOWN,
            "",
            "filtered",
        ),
        ("---The following addresses had delivery errors---\r\n\r\n" + _X1_UNKNOWN, "", "filtered"),
        (_OLD_POSTFIX, "", "filtered"),
        (_EXCHANGE.format(code=""), "", "filtered"),
        (_X1_UNKNOWN, "X-ZohoMail: Si CHF_MF_NL SS_10\r\n", "filtered"),
        (_X1_UNKNOWN, "X-NAI-Header: Modified by McAfee Email and Web Security\r\n", "filtered"),
        # the same refusals where the notice says what drew them
        (_X2_UNKNOWN, "", "userunknown"),
        (_X1_UNKNOWN, "", "userunknown"),
        (
            _OLD_POSTFIX.replace("User unknown", "User unknown (in reply to RCPT TO command)"),
            "",
            "userunknown",
        ),
        (_EXCHANGE.format(code=" 0 (000C05A6)"), "", "userunknown"),
    ],
)
def test_user_unknown_proves_a_missing_mailbox_only_where_the_notice_says_its_stage(
    body: str, headers: str, reason: str
) -> None:
    [r] = classify(_notice(body, headers)).recipients
    assert r.address == "factures@client.example"
    # a recipient's filter may answer "user unknown" after the message was sent: the address
    # is then not marked undeliverable
    assert (r.reason, r.hard) == (reason, reason == "userunknown")


def test_another_recipients_cause_never_marks_this_one_undeliverable() -> None:
    # sendmail names each refused address on its own line; "Host unknown" is the second's
    # own cause, the first's ("Remote protocol error") says nothing gone
    text = (
        b"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        b"Subject: Returned mail: see transcript for details\r\n\r\n"
        b"   ----- Transcript of session follows -----\r\n"
        b"554 <a@client.example>... Remote protocol error\r\n"
        b"554 <b@gone.example>... 550 Host unknown (Authoritative answer from name server)\r\n"
        b"\r\n   ----- Unsent message follows -----\r\n"
        b"From: billing@acme.example\r\nMessage-ID: <inv-7@acme.example>\r\n\r\nVoir.\r\n"
    )
    hard = {r.address: r.hard for r in classify(text).recipients}
    assert hard == {"a@client.example": False, "b@gone.example": True}
    # an RFC 3464 report: the second recipient's stated status is its own; the first has
    # neither status nor diagnostic of its own, only the words for people about both
    report = (
        b"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n"
        b"\r\nFinal-Recipient: rfc822; a@client.example\r\nAction: failed\r\nStatus: 5.0.0\r\n"
        b"\r\nFinal-Recipient: rfc822; b@client.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"\r\n--B--\r\n"
    )
    hard = {r.address: r.hard for r in classify(report).recipients}
    assert hard == {"a@client.example": False, "b@client.example": True}


@pytest.mark.parametrize(
    "subject",
    [
        "=?utf-8?q?R=C3=A9ponse_automatique_:_Facture_7?=",
        "Automatische Antwort: Facture 7",
        "Automatisch antwoord: Facture 7",
        "=?utf-8?q?Resposta_autom=C3=A1tica:_Facture_7?=",
        "=?utf-8?q?Odpowied=C5=BA_automatyczna=3A_Facture_7?=",  # Polish
        "=?utf-8?b?0JDQstGC0L7QvNCw0YLQuNGH0LXRgdC60LjQuSDQvtGC0LLQtdGCOiBGYWN0dXJl?= 7",  # Russian
        "=?utf-8?b?6Ieq5YuV5b+c562UOiBGYWN0dXJlIDc=?=",  # Japanese
        "=?utf-8?b?6Ieq5Yqo5Zue5aSNOiBGYWN0dXJlIDc=?=",  # Chinese
        "=?utf-8?b?QXV0b21hdGlja8OhIG9kcG92xJvEjzogRmFjdHVyZSA3?=",  # Czech
        "=?utf-8?q?Automatiskt_svar=3A_Facture_7?=",  # Swedish
        "=?utf-8?q?Automatick=C3=A1_odpove=C4=8F=3A_Facture_7?=",  # Automatická odpoveď
        # Ukrainian, in two encoded words as a long subject is folded
        "=?utf-8?b?0JDQstGC0L7QvNCw0YLQuNGH0L3QsCDQstGW0LTQv9C+0LLRltC00Yw6IEZhY3R1?= "
        "=?utf-8?b?cmUgNw==?=",
        "=?utf-8?q?Automatisk_svar=3A_Facture_7?=",  # Automatisk svar
        "=?utf-8?q?Automatikus_v=C3=A1lasz=3A_Facture_7?=",  # Automatikus válasz
        "=?utf-8?q?Otomatik_yan=C4=B1t=3A_Facture_7?=",  # Otomatik yanıt
        # Greek
        "=?utf-8?b?zpHPhc+Ez4zOvM6xz4TOtyDOsc+AzqzOvc+EzrfPg863OiBGYWN0dXJlIDc=?=",
        "=?utf-8?q?R=C4=83spuns_automat=3A_Facture_7?=",  # Răspuns automat
        "=?utf-8?b?6Ieq5YuV5Zue6KaGOiBGYWN0dXJlIDc=?=",  # 自動回覆
        "=?utf-8?b?7J6Q64+ZIO2ajOyLoDogRmFjdHVyZSA3?=",  # 자동 회신
        "=?utf-8?b?16rXqdeV15HXlCDXkNeV15jXldee15jXmdeqOiBGYWN0dXJlIDc=?=",  # תשובה אוטומטית
        "=?utf-8?b?2LHYryDYqtmE2YLYp9im2Yo6IEZhY3R1cmUgNw==?=",  # رد تلقائي
        "=?utf-8?q?Afwezig=3A_Facture_7?=",  # Afwezig
        "=?utf-8?b?Tmllb2JlY25vxZvEhzogRmFjdHVyZSA3?=",  # Nieobecność
        "=?utf-8?q?Automatyczna_odpowied=C5=BA=3A_Facture_7?=",  # Automatyczna odpowiedź
    ],
)
def test_outlooks_out_of_office_subject_in_its_languages_is_an_auto_reply(subject: str) -> None:
    # Outlook marks its out-of-office answer only by the localized subject prefix
    raw = (
        f"From: Paul <paul@client.example>\r\nTo: billing@acme.example\r\nSubject: {subject}\r\n"
        "In-Reply-To: <inv-7@acme.example>\r\n\r\nAbsent, retour le 10/12/2026.\r\n"
    ).encode()
    assert classify(raw).kind == Kind.AUTOREPLY


@pytest.mark.parametrize(
    "said",
    [
        "Bonjour, votre facture n'a pas pu être remise à notre service comptable. Merci de "
        "l'envoyer à compta@client.example.",
        "Hello, the invoice could not be delivered to our AP team, please send it to "
        "ap@client.example instead.",
    ],
)
def test_a_persons_words_about_a_failed_delivery_are_not_a_bounce(said: str) -> None:
    """A customer writing that the invoice "could not be delivered" names the address to use
    instead: not a bounce of that address. A notice shows what failed (a reply code or
    status, a report field, the returned message); a person's message does not."""
    raw = (
        "From: Marie Dupont <marie@client.example>\r\nTo: billing@acme.example\r\n"
        f"Subject: Facture 7\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{said}\r\n"
    ).encode()
    c = classify(raw)
    assert c.kind != Kind.BOUNCE
    assert c.recipients == ()


def test_a_notice_from_an_unexpected_sender_is_a_bounce_when_it_shows_the_failure() -> None:
    raw = (
        b"From: Relay <relay@client.example>\r\nTo: billing@acme.example\r\n"
        b"Subject: Facture 7\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"This is the DragonFly Mail Agent v0.13 at relay.client.example.\r\n\r\n"
        b"There was an error delivering your mail to <factures@client.example>.\r\n\r\n"
        b"mx.client.example [192.0.2.1] did not like our RCPT TO:\r\n"
        b"550 5.1.1 <factures@client.example>: Recipient address rejected: User unknown\r\n"
    )
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    assert [(r.address, r.reason) for r in c.recipients] == [
        ("factures@client.example", "userunknown")
    ]


@pytest.mark.parametrize(
    ("subject", "said"),
    [
        ("配信不能: Facture 7", "次の受信者へのメッセージの配信に失敗しました。"),
        ("无法送达: Facture 7", "邮件无法送达以下收件人。"),
        ("Недоставляемое: Facture 7", "Не удалось доставить сообщение следующим получателям."),
    ],
)
def test_exchanges_notice_under_its_asian_or_russian_subject_is_a_bounce(
    subject: str, said: str
) -> None:
    """Exchange's localized "Undeliverable:" subject says it is a notice even when its text,
    in the same language, shows no reply code."""
    raw = (
        "From: Administrateur <admin@client.example>\r\nTo: billing@acme.example\r\n"
        f"Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{said}\r\n\r\nfactures@client.example\r\n"
    ).encode()
    c = classify(raw)
    assert c.kind == Kind.BOUNCE
    assert [r.address for r in c.recipients] == ["factures@client.example"]


def test_a_report_with_blank_lines_between_one_recipients_fields_reads_them_together() -> None:
    """The IIS SMTP service writes a blank line between each field of a recipient (as
    Mail::DeliveryStatus::BounceParser notes; RFC 3464 2.1 puts one only between groups): the
    fields under a recipient are still that recipient's, each recipient its own status."""
    from tests.unit.test_documented_wording import _report

    fields = (
        "Final-Recipient: rfc822;a@client.example\r\n\r\nAction: failed\r\n\r\n"
        "Status: 5.1.1\r\n\r\nDiagnostic-Code: smtp;550 5.1.1 User unknown\r\n\r\n\r\n"
        "Final-Recipient: rfc822;b@client.example\r\n\r\nAction: failed\r\n\r\n"
        "Status: 5.2.2\r\n\r\nDiagnostic-Code: smtp;552 5.2.2 Mailbox full"
    )
    raw = _report("delivery-status", "message/delivery-status", fields, "text/rfc822-headers")
    result = classify(raw)
    assert [(r.address, r.status, r.reason, r.hard) for r in result.recipients] == [
        ("a@client.example", "5.1.1", "userunknown", True),
        ("b@client.example", "5.2.2", "mailboxfull", False),
    ]
