"""`make demo` shows the whole loop: invoices sent and bounced, a re-exported invoice held as
a possible duplicate, an invoice whose line amounts do not add up held, a bank statement
matched, reminders, the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.app.cli import app
from daemon.app.demo import MARK, _fresh, run_demo
from daemon.domain import i18n
from daemon.domain.errors import ValidationError


def test_the_demo_shows_the_billing_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(tmp_path / "demo")
    out = capsys.readouterr().out
    assert "held: a possible duplicate of invoice #1" in out
    assert "#5 beside #1: total without VAT €1,250.00 → €1,350.00, VAT €250.00 → €270.00" in out
    assert (
        "FA-2026-0105.pdf: invoice FA-2026-0105, €576.60, Atelier Martin: held: its amounts do "
        "not add up (line 1: the net amount (BT-131) 480.50 is not net price (BT-146) 110.00 × "
        "quantity (BT-129) 4 = 440.00)"
    ) in out
    assert re.search(r"delivery 4: deferred RCPT invoices@garage-leroy.example: 451 4.7.1 .*; "
                     r"next attempt at \S+ \S+ UTC", out)  # fmt: skip
    assert "statement-camt053.xml, entry 1: €4,799.99 applied: reference RF" in out
    assert "entry 2: €75.00 waiting" in out
    assert "sent: level 1 to Boulangerie Dupont (factures@boulangerie-dupont.example)" in out
    assert "\n  E-invoice adoption" in out and "Late-payment rate" in out
    # the count beside each group's days to pay is named: the invoices paid
    assert "Days to pay (invoices paid; mean / median from issue" in out
    assert re.search(r"\n    all +1  40 / 40; 10 / 10\n", out), out
    assert "\n  Period (issue dates): all, from the first invoice to the last" in out
    [leroy] = [line for line in out.splitlines() if line.strip().startswith("FA-2026-0103 ")]
    assert "€4,799.99 due " in leroy and leroy.rstrip().endswith("deferred, paid")
    # the installation it leaves has every folder `run` needs: doctor finds none to fix
    doctor = CliRunner().invoke(
        app, ["--config", str(tmp_path / "demo" / "facturier.toml"), "doctor", "--json"]
    )
    folders = [json.loads(x) for x in doctor.output.splitlines() if '"folders"' in x]
    assert folders and all(x["ok"] for x in folders), [x for x in folders if not x["ok"]]


def test_the_demo_speaks_the_operators_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A French operator's first command: every line of the demo in French, amounts and
    dates as they write them, the relay's own words kept as it said them."""
    i18n.use("fr")
    run_demo(tmp_path / "demo")
    out = re.sub("[\u202f\xa0]", " ", capsys.readouterr().out)  # CLDR's narrow spaces
    for said in (
        "\nImport des factures\n  FA-2026-0101.pdf : facture FA-2026-0101, 1 500,00 €",
        "n° 5 à côté du n° 1 : total HT 1 250,00 € → 1 350,00 €",
        "\nEnvoi\n",
        "envoi 4 : différée RCPT invoices@garage-leroy.example: 451 4.7.1 Greylisted",
        "\nLa boîte des retours\n  lus 3 : appliqués 3",
        "statement-camt053.xml, écriture 1 : 4 799,99 € affecté : référence RF",
        "\nRelances\n  envoyée : niveau 1 à Boulangerie Dupont",
        "\nRapport\n  Période (dates d'émission)",
        "\nÉtat final de chaque facture\n",
        "Tout est dans ",
    ):
        assert said in out, said
    assert "prochain essai le " in out and "next attempt" not in out
    [leroy] = [line for line in out.splitlines() if line.strip().startswith("FA-2026-0103 ")]
    assert "4 799,99 € échéance " in leroy
    assert leroy.rstrip().endswith("différée, payée")
    for english in ("delivery", "applied", "waiting", "reminder", "Final state", "unpaid"):
        assert english not in out, english
    # what the demo recorded reads in French too: why its customers' addresses were set
    listed = CliRunner().invoke(
        app, ["--config", str(tmp_path / "demo" / "facturier.toml"), "customers", "list"]
    )
    assert "par demo (demo) client de la démo" in listed.output, listed.output


def test_the_demo_never_deletes_a_folder_it_did_not_make(tmp_path: Path) -> None:
    """`--workdir` may name a folder of the user's by mistake: its files stay, and the
    demo says why it stops; a folder a demo made is replaced by the next demo."""
    mine = tmp_path / "accounts"
    mine.mkdir()
    (mine / "ledger-2026.xlsx").write_bytes(b"the year's books")
    with pytest.raises(ValidationError, match="holds files the demo did not make"):
        run_demo(mine)
    assert (mine / "ledger-2026.xlsx").read_bytes() == b"the year's books"
    assert sorted(p.name for p in mine.iterdir()) == ["ledger-2026.xlsx"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep")
    with pytest.raises(ValidationError, match="is a file, not a folder"):
        run_demo(a_file)
    assert a_file.read_text() == "keep"
    earlier = tmp_path / "demo"
    _fresh(earlier)
    (earlier / "facturier.db").write_bytes(b"an earlier demo's database")
    _fresh(earlier)
    assert [p.name for p in earlier.iterdir()] == [MARK]
    empty = tmp_path / "empty"
    empty.mkdir()
    _fresh(empty)
    assert (empty / MARK).is_file()


def test_the_report_says_its_period_and_days_as_the_operator_writes_them() -> None:
    from datetime import date

    from daemon.app.cli_report import report_lines
    from daemon.app.report import BusinessReport, DaysToPay

    r = BusinessReport(
        date(2026, 1, 1), date(2026, 6, 30), {"email": 2}, {"email": 3}, 1.0, 0.5, {}, {}, {},
        [DaysToPay("all", 2, 12.5, 12.5, -2.0, -2.0)], 0.5, 2,
    )  # fmt: skip
    english = "\n".join(report_lines(r))
    assert "Period (issue dates): 01/01/2026 → 30/06/2026" in english
    assert "12.5 / 12.5; -2 / -2" in english
    i18n.use("fr")
    french = "\n".join(report_lines(r)).replace("\u202f", " ").replace("\xa0", " ")
    assert "Période (dates d'émission) : 01/01/2026 → 30/06/2026" in french, french
    assert "12,5 / 12,5 ; -2 / -2" in french, french
