"""`make demo` shows the whole loop: invoices sent and bounced, a re-exported invoice held as
a possible duplicate, an invoice whose line amounts do not add up held, a bank statement
matched, reminders, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.app.demo import MARK, _fresh, run_demo
from daemon.domain.errors import ValidationError


def test_the_demo_shows_the_billing_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(tmp_path / "demo")
    out = capsys.readouterr().out
    assert "held: a possible duplicate of invoice #1" in out
    assert (
        "FA-2026-0105.pdf: invoice FA-2026-0105, €576.60, Atelier Martin: held: its amounts do "
        "not add up (line 1: the net amount (BT-131) 480.50 is not net price (BT-146) 110.00 × "
        "quantity (BT-129) 4 = 440.00)"
    ) in out
    assert "statement-camt053.xml, entry 1: 4799.99 applied: reference RF" in out
    assert "entry 2: 75.00 waiting" in out
    assert "reminder  level 1 to Boulangerie Dupont" in out
    assert "report    E-invoice adoption" in out and "Late-payment rate" in out
    assert "report    Period (issue dates): all, from the first invoice to the last" in out
    [leroy] = [line for line in out.splitlines() if line.strip().startswith("FA-2026-0103")]
    assert leroy.rstrip().endswith(" paid")  # its payment came in on the statement


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
