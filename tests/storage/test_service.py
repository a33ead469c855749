"""The service as systemd runs it: readiness once the database, the archive and the relay
answer; watchdog pings from the event loop; RELOADING then READY on SIGHUP (the settings
file read again); STOPPING on a clean stop. And `facturier health` for a monitor."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from daemon.app.cli import app as cli
from mailer.demo_relay import SandboxServer
from tests.helpers import invoice_file, with_database, write_config


def _notify_socket(tmp_path: Path) -> tuple[socket.socket, Path]:
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(30)
    return sock, path


def _until(sock: socket.socket, wanted: str, seen: list[str]) -> list[str]:
    """Every message up to the first holding ``wanted``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message = sock.recv(4096).decode()
        seen.append(message)
        if wanted in message.split("\n"):
            return seen
    raise AssertionError(f"no {wanted} in {seen}")


def test_readiness_watchdog_reload_and_stop_are_told_to_systemd(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    config = with_database(write_config(tmp_path, db_url, sandbox.port))
    sock, path = _notify_socket(tmp_path)
    env = dict(os.environ, NOTIFY_SOCKET=str(path), WATCHDOG_USEC="400000")
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon", "--config", str(config), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        _until(sock, "READY=1", seen)
        assert any("STATUS=running as" in m for m in seen)
        pings = [m for m in _until(sock, "WATCHDOG=1", []) if m == "WATCHDOG=1"]
        pings += [m for m in _until(sock, "WATCHDOG=1", []) if m == "WATCHDOG=1"]
        assert len(pings) == 2  # the loop keeps telling it is alive

        # SIGHUP: the settings file is read again, a change that needs a restart is named
        config.write_text(
            config.read_text()
            .replace("[ui]\n", "[ui]\n")
            .replace('language = "en"', 'language = "fr"')
        )
        proc.send_signal(signal.SIGHUP)
        try:
            after = _until(sock, "READY=1", [])
        except AssertionError:
            proc.kill()
            raise AssertionError(proc.communicate()[1][-3000:]) from None
        assert any("RELOADING=1" in m for m in after), after
        if not any("settings reloaded" in m for m in after):
            proc.kill()
            raise AssertionError(proc.communicate()[1][-3000:])

        proc.send_signal(signal.SIGTERM)
        _until(sock, "STOPPING=1", [])
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "settings reloaded" in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sock.close()


def test_without_its_relay_the_service_is_not_ready_and_says_why(
    tmp_path: Path, db_url: str
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = with_database(write_config(tmp_path, db_url, closed))
    # a French installation: the log stays one language, English, for whoever reads it;
    # `health` answers the admin in French
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    health_said = CliRunner().invoke(cli, ["--config", str(config), "health"]).output
    assert f"127.0.0.1:{closed} injoignable" in health_said, health_said
    sock, path = _notify_socket(tmp_path)
    sock.settimeout(20)
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon", "--config", str(config), "run"],
        env=dict(os.environ, NOTIFY_SOCKET=str(path)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status = _until(sock, "STATUS=waiting for relay", [])
        assert not any("READY=1" in m for m in status)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0
        assert f"not ready: relay: 127.0.0.1:{closed} unreachable" in err
        assert "injoignable" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        sock.close()


def test_the_unit_file_is_for_this_installation(settings_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(settings_path), "systemd-unit"])
    assert result.exit_code == 0, result.output
    unit = result.output
    assert "Type=notify" in unit and "WatchdogSec=" in unit and "ExecReload=/bin/kill -HUP" in unit
    assert f"--config {settings_path.resolve()} run" in unit and sys.executable in unit
    assert f"ReadWritePaths={settings_path.resolve().parent}" in unit


def test_health_for_a_monitor(settings_path: Path, sandbox: SandboxServer) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(settings_path), "health", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert {x["check"] for x in lines[:-1]} == {"database", "archive", "relay", "bounce mailbox"}
    assert all(x["ok"] for x in lines[:-1])
    assert lines[-1]["summary"]["healthy"] and lines[-1]["summary"]["queue_depth"] == 0
    assert lines[-1]["summary"]["last_poll"] is None
    assert runner.invoke(cli, ["--config", str(settings_path), "poll-bounces"]).exit_code == 0
    result = runner.invoke(cli, ["--config", str(settings_path), "health", "--json"])
    summary = json.loads(result.output.splitlines()[-1])["summary"]
    assert summary["last_poll"] is not None  # a poll that read nothing still counts
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    settings_path.write_text(
        settings_path.read_text().replace(f"port = {sandbox.port}", f"port = {closed}")
    )
    result = runner.invoke(cli, ["--config", str(settings_path), "health"])
    assert result.exit_code == 1 and "DOWN relay" in result.output
    # the last poll as the other commands show a moment, not as an ISO timestamp
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", result.output), result.output
    assert "+00:00" not in result.output


def _scrape(port: int) -> dict[str, float]:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_metrics_are_scraped_during_a_send(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    schedule = "[schedule]\nsend_poll_seconds = 0.3\ningest_poll_seconds = 0.3\n"
    config = with_database(
        write_config(tmp_path, db_url, sandbox.port, extra=f"{schedule}[metrics]\nport = {port}\n")
    )
    runner = CliRunner()
    args = ["--config", str(config)]
    runner.invoke(
        cli,
        [*args, "customers", "add", "Dupont", "--email", "f@dupont.example", "--identifier", "C-1"],
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon", *args, "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        before: dict[str, float] = {}
        while time.monotonic() < deadline and not before:
            try:
                before = _scrape(port)
            except OSError:
                time.sleep(0.2)
        assert before.get('facturier_messages_total{outcome="accepted"}', 0.0) == 0.0
        staged = invoice_file(tmp_path / "staging", "MT-1")
        os.utime(staged, (time.time() - 10, time.time() - 10))
        (tmp_path / "inbox").mkdir(exist_ok=True)
        target = tmp_path / "inbox" / staged.name
        staged.rename(target)
        os.utime(target, (time.time() - 10, time.time() - 10))
        while time.monotonic() < deadline and not sandbox.received("f@dupont.example"):
            time.sleep(0.2)
        scraped: dict[str, float] = {}
        while time.monotonic() < deadline:
            scraped = _scrape(port)
            if scraped.get('facturier_messages_total{outcome="accepted"}') == 1.0:
                break
            time.sleep(0.2)
        assert scraped['facturier_messages_total{outcome="accepted"}'] == 1.0
        assert scraped["facturier_send_seconds_count"] == 1.0
        assert scraped["facturier_handoff_delay_seconds_count"] == 1.0
        assert (
            "facturier_queue_depth" in scraped and "facturier_bounce_mailbox_lag_seconds" in scraped
        )
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_doctor_says_what_to_fix_and_creates_nothing(
    tmp_path: Path, db_url: str, sandbox: SandboxServer
) -> None:
    config = write_config(tmp_path, db_url, sandbox.port)
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "doctor", "--json"])
    found = [json.loads(line) for line in result.output.splitlines()]
    said = {(x["topic"], x["ok"]): x["said"] for x in found}
    assert result.exit_code == 1
    if "sqlite" in db_url:
        assert "run `facturier db upgrade`" in said[("database", False)]
        assert not (tmp_path / "facturier.db").exists()
    folders = {x["said"].split(":")[0]: x for x in found if x["topic"] == "folders"}
    # the service makes its own folders: missing, they are fine (and doctor makes none);
    # the watched folder is made by whoever drops files there
    assert folders["archive"]["ok"] and "made on first use" in folders["archive"]["said"]
    assert not (tmp_path / "archive").exists()
    assert not folders["watched folder"]["ok"]
    assert "nothing dropped there is imported" in folders["watched folder"]["said"]
    assert "dkim keygen" in said[("keys", False)]
    assert said[("relay", True)]
    # which rules the gate runs, and how to have CEN's read as CEN states them
    assert "set [compliance] artifacts to CEN's" in said[("compliance", True)]

    with_database(config)
    key = tmp_path / "dkim.pem"
    runner.invoke(
        cli, ["dkim", "keygen", "--out", str(key), "--selector", "s1", "--domain", "a.example"]
    )
    config.write_text(config.read_text() + f'[dkim]\nselector = "s1"\nkey_file = "{key}"\n')
    for folder in ("archive", "invoices", "inbox", "rejected", "var/inbound"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True, mode=0o700)
    (tmp_path / "archive").chmod(0o755)
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert result.exit_code == 1 and f"chmod 700 {tmp_path / 'archive'}" in result.output
    (tmp_path / "archive").chmod(0o700)
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert result.exit_code == 0, result.output
    (tmp_path / "rejected").rmdir()  # made again by the first file rejected
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert result.exit_code == 0, result.output
    # one that cannot be made is to fix, named with where it would be made
    (tmp_path / "taken").write_text("a file, not a folder")
    config.write_text(
        config.read_text().replace('rejected = "rejected"', 'rejected = "taken/rejected"')
    )
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert result.exit_code == 1, result.output
    assert f"cannot make it in {tmp_path / 'taken'}" in result.output, result.output
    config.write_text(config.read_text().replace('"taken/rejected"', '"rejected"'))
    # a French admin reads every line in French, the checks of the services too
    config.write_text(config.read_text().replace('language = "en"', 'language = "fr"'))
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert f"127.0.0.1:{sandbox.port} répond" in result.output, result.output
    assert "joignable" in result.output and "Maildir des retours : " in result.output
    assert " answers" not in result.output and "reachable" not in result.output
    # each part checked is named in French too
    for french in ("réglages", "dossiers", "maildirs", "base", "relais", "boîte des retours"):
        assert f" {french} " in result.output, result.output
    for english in ("settings", "folders", "database", "relay", "bounce mailbox"):
        assert f" {english} " not in result.output, result.output
    # CEN's rules named where they are not: every invoice would be refused
    config.write_text(config.read_text() + f'[compliance]\nartifacts = "{tmp_path}"\n')
    result = runner.invoke(cli, ["--config", str(config), "doctor"])
    assert result.exit_code == 1, result.output
    assert "cii/xslt/EN16931-CII-validation.xslt" in result.output, result.output
