"""Every benchmark script loads: the figures an issue note quotes come from these scripts, and
one that no longer imports (a helper it used renamed, say) would only be found by whoever runs
it next, on the owners' collections."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

BENCHMARKS = sorted(
    path.stem
    for path in (Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py")
    if path.stem != "__init__"
)


def test_there_are_benchmarks() -> None:
    assert "bounce_accuracy" in BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_a_benchmark_script_loads(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.__name__ == f"benchmarks.{name}"


_BOUNCE = (
    b"From: MAILER-DAEMON@relay.example\r\nTo: billing@acme.example\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\n\r\n"
    b"<factures@client.example>: host mx.client.example said: 550 5.1.1 User unknown\r\n"
)


@pytest.mark.parametrize("name", ["bounce_speed", "bounce_rules_audit", "bounce_hostile"])
def test_a_bounce_benchmark_reads_a_collection_kept_in_sub_folders(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a collection as its project keeps it (sisimai's set-of-emails: maildir/bsd/…)
    (tmp_path / "maildir" / "bsd").mkdir(parents=True)
    (tmp_path / "maildir" / "bsd" / "postfix-01.eml").write_bytes(_BOUNCE)
    (tmp_path / "labels.csv").write_text(
        "file,index,recipient,status,replycode,reason,hardbounce,feedbacktype,label_source\n"
        "maildir/bsd/postfix-01.eml,1,factures@client.example,5.1.1,550,filtered,1,,x\n"
    )
    module = importlib.import_module(f"benchmarks.{name}")
    monkeypatch.setattr("sys.argv", [name, str(tmp_path)])
    assert module.main() == 0
    out = capsys.readouterr().out
    # found, read and (the audit) compared with its label by the path labels.csv gives
    assert re.search(
        {
            "bounce_speed": r"^1 messages",
            "bounce_rules_audit": r"^ +1 +1 +1  userunknown +user \?unknown$",
            "bounce_hostile": r"postfix-01\.eml",
        }[name],
        out,
        re.M,
    ), out
