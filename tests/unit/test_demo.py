"""`make demo` shows the whole loop: invoices sent and bounced, a re-exported invoice held as
a possible duplicate, an invoice whose line amounts do not add up held, a bank statement
matched, reminders, the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.app.demo import run_demo


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
    [leroy] = [line for line in out.splitlines() if line.strip().startswith("FA-2026-0103")]
    assert leroy.rstrip().endswith(" paid")  # its payment came in on the statement
