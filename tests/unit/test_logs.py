"""Logs for operators and machines: journald's format keeps a failure in one record with
no timestamp of ours; no secret from the settings reaches any format."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import load_settings
from daemon.app.cli_base import configure_logging
from tests.helpers import write_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    yield stream
    logging.getLogger().handlers[:] = []


def _settings(tmp_path: Path, fmt: str):  # type: ignore[no-untyped-def]
    config = write_config(
        tmp_path,
        "postgresql+asyncpg://facturier:db-pass-4321@127.0.0.1:5432/x",
        extra=f'[log]\nformat = "{fmt}"\n',
    )
    config.write_text(
        config.read_text().replace(
            'security = "none"',
            'security = "none"\npassword = "smtp-pass-99"\nallow_login_without_tls = true',
        )
    )
    return load_settings(config)


def _emit(stream: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    log = logging.getLogger("daemon.test")
    log.info(
        "login as billing with smtp-pass-99 to postgresql://facturier:db-pass-4321@db",
        extra={"invoice": "FA-1", "delivery_id": 7, "recipient": "a@client.example"},
    )
    try:
        raise RuntimeError("campaign secret test-campaign-secret leaked\nsecond line")
    except RuntimeError:
        log.exception("failed")


@pytest.mark.parametrize("fmt", ["plain", "json", "journald"])
def test_no_secret_reaches_the_log(tmp_path: Path, captured: io.StringIO, fmt: str) -> None:
    configure_logging(0, _settings(tmp_path, fmt), service=True)
    _emit(captured)
    text = captured.getvalue()
    assert "login as billing" in text and "leaked" in text
    for secret in ("smtp-pass-99", "db-pass-4321", "test-campaign-secret"):
        assert secret not in text


def test_journald_gets_one_record_per_event_and_no_timestamp(
    tmp_path: Path, captured: io.StringIO
) -> None:
    configure_logging(0, _settings(tmp_path, "journald"), service=True)
    _emit(captured)
    info, failure = captured.getvalue().splitlines()
    assert info.startswith("<6>daemon.test: login as billing")  # syslog priority, no time
    assert failure.startswith("<3>daemon.test: failed | Traceback")
    assert "RuntimeError" in failure and "second line" in failure


def test_json_lines_name_the_invoice_delivery_and_recipient(
    tmp_path: Path, captured: io.StringIO
) -> None:
    configure_logging(0, _settings(tmp_path, "json"), service=True)
    _emit(captured)
    info, failure = (json.loads(line) for line in captured.getvalue().splitlines())
    assert (info["invoice"], info["delivery_id"], info["recipient"]) == (
        "FA-1",
        7,
        "a@client.example",
    )
    assert info["level"] == "info" and "time" in info
    assert failure["level"] == "error" and "RuntimeError" in failure["exception"]


def _parser_table_note(stream: io.StringIO) -> None:
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)  # type: ignore[attr-defined]
    logging.getLogger("flanker.addresslib._parser.parser").warning(
        "Symbol %r is unreachable", "delim"
    )
    logging.getLogger("facturx").warning("the library's own warning")


@pytest.mark.parametrize(
    ("verbose", "service", "shows_note", "shows_library"),
    [(0, False, False, False), (1, False, False, True), (0, True, False, True)],
)
def test_the_parser_tables_notes_stay_out_of_an_operators_log(
    tmp_path: Path,
    captured: io.StringIO,
    verbose: int,
    service: bool,
    shows_note: bool,
    shows_library: bool,
) -> None:
    configure_logging(verbose, _settings(tmp_path, "plain"), service=service)
    _parser_table_note(captured)
    text = captured.getvalue()
    assert ("unreachable" in text) is shows_note
    assert ("the library's own warning" in text) is shows_library


def test_all_of_them_with_vv(tmp_path: Path, captured: io.StringIO) -> None:
    configure_logging(2, _settings(tmp_path, "plain"))
    _parser_table_note(captured)
    assert "Symbol 'delim' is unreachable" in captured.getvalue()


def test_a_command_on_a_fresh_install_prints_no_parser_tables(tmp_path: Path) -> None:
    """flanker ships parser tables an older ply made: on a fresh install (or a read-only
    one, every time) ply builds them again and notes each unused grammar symbol. A command
    run there prints its own result only."""
    import flanker

    package = Path(flanker.__file__).parent
    shadow = tmp_path / "site"
    shutil.copytree(package, shadow / "flanker")
    for table in (shadow / "flanker" / "addresslib" / "_parser").glob("*_parsetab.py"):
        table.unlink()
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shadow), str(ROOT)])}
    command = [sys.executable, "-c", "from daemon.app.cli import main; main()", "-c"]
    for args in (["db", "upgrade"], ["customers", "add", "Client SA", "--email", "f@c.example"]):
        done = subprocess.run(
            [*command, str(config), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
    assert done.stdout.strip() == "customer #1 Client SA"
    assert list((shadow / "flanker" / "addresslib" / "_parser").glob("*_parsetab.py"))
