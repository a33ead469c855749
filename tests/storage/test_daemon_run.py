"""`facturier run` as a user runs it: a real process, a watched folder, a signal to stop."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from daemon.app.failures import describe
from daemon.app.runtime import Daemon
from daemon.app.services import Facturier
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, with_database, write_config

SCHEDULE = "[schedule]\nsend_poll_seconds = 0.3\ningest_poll_seconds = 0.3\n"


def facturier(config: Path, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daemon", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        **kw,
    )  # type: ignore


def test_run_ingests_sends_and_stops_cleanly_on_sigterm(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    config = with_database(
        write_config(tmp_path, db_url, sandbox.port, extra=SCHEDULE + '[log]\nformat = "json"\n')
    )
    assert (
        facturier(
            config,
            "customers",
            "add",
            "Dupont",
            "--email",
            "factures@dupont.example",
            "--identifier",
            "C-1",
        ).returncode
        == 0
    )
    bad = tmp_path / "inbox" / "garbage.xml"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"<not-an-invoice/>")
    good = invoice_file(tmp_path / "staging", "RUN-1")
    os.utime(bad, (time.time() - 10, time.time() - 10))
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        target = tmp_path / "inbox" / good.name
        good.rename(target)
        os.utime(target, (time.time() - 10, time.time() - 10))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not sandbox.received("factures@dupont.example"):
            time.sleep(0.2)
        assert sandbox.received("factures@dupont.example"), "the daemon did not send"
        time.sleep(1.0)  # the send's outcome is logged once it is recorded
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
    # the service logs at INFO, one JSON event a line: start, each file, each send, stop
    events = [json.loads(line) for line in err.splitlines()]
    said = [e["message"] for e in events]
    assert said[0].startswith(f"facturier starting: settings {config}")
    assert said[-1].startswith("facturier stopped")
    [imported] = [e for e in events if e.get("invoice") == "RUN-1" and "delivery_id" not in e]
    assert imported["message"].startswith(f"{good.name}: ") and imported["level"] == "info"
    sent = [e for e in events if e.get("delivery_id") and e.get("invoice") == "RUN-1"]
    assert sent and sent[0]["recipient"] == "factures@dupont.example"
    assert "accepted" in sent[0]["message"]
    assert any("rejected" in m and "garbage.xml" in m for m in said)
    assert not any(
        e["logger"].split(".")[0] not in ("daemon", "mailer", "bounce_parser", "config")
        and e["level"] == "info"
        for e in events
    )  # the libraries' own INFO lines stay out
    assert not target.exists()  # imported files leave the watched folder
    rejected = tmp_path / "rejected" / "garbage.xml"
    assert rejected.read_bytes() == b"<not-an-invoice/>"  # kept, with its reason
    assert (
        "not a CII or UBL invoice" in (tmp_path / "rejected" / "garbage.xml.reason.txt").read_text()
    )
    status = facturier(config, "status", "--json")
    [row] = [json.loads(line) for line in status.stdout.splitlines()]
    assert row["number"] == "RUN-1" and row["state"] in ("accepted", "delivered")


async def test_a_failure_that_lasts_is_logged_once_and_its_end_too(
    app: Facturier, caplog: pytest.LogCaptureFixture
) -> None:
    """A database down for 30 s made the send loop log 21 tracebacks (2,740 lines): an
    admin reading the journal lost what happened. A failure is said when it starts or
    changes, in one line where it is operational, and its end is said."""
    daemon = Daemon(app)
    # what SQLAlchemy over asyncpg raised, PostgreSQL stopped
    down = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    runs: list[BaseException | None] = [down, down, down, None, None, down]
    bug = RuntimeError("a bug")

    async def job() -> None:
        failure = runs.pop(0) if runs else bug
        if failure is not None:
            raise failure

    caplog.set_level(logging.INFO, logger="daemon.app.runtime")
    for _ in range(9):
        await daemon.guarded("send", job)
    said = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    failure = describe(down, app.ctx.settings.database.url)
    assert failure is not None and "cannot connect" in failure.message
    down_line = (
        "ERROR",
        f"send failed: {failure.message}; will run again at its next slot, and say when it works",
        False,
    )
    assert said == [
        down_line,
        ("INFO", "send works again", False),
        down_line,
        ("ERROR", "send failed; will run again at its next slot", True),  # a bug: its trace
    ]
    # a French installation's journal: its lines in one language, English, as the rest
    from daemon.domain import i18n

    caplog.clear()
    runs[:] = [down]
    i18n.use("fr")
    try:
        await daemon.guarded("receive", job)
    finally:
        i18n.use("en")
    [line] = [r.getMessage() for r in caplog.records]
    assert f"receive failed: {failure.message}" in line, line
