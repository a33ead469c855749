"""Operational failures reach the operator as one line and an exit code, never a traceback:
2 for bad configuration or input, 1 for a service that is down."""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from daemon.app.cli import app
from tests.helpers import invoice_file, with_database, write_config


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.output


def one_line(output: str) -> str:
    """The output, which must be a single line without a traceback."""
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Path:
    return with_database(write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"))


def test_postgresql_down(tmp_path: Path) -> None:
    port = closed_port()
    config = write_config(tmp_path, f"postgresql+asyncpg://facturier:s3cret@127.0.0.1:{port}/x")
    for command in (["status"], ["send"], ["customers", "list"], ["db", "upgrade"]):
        code, out = run(config, *command)
        line = one_line(out)
        assert code == 1, out
        assert f"127.0.0.1:{port}/x" in line and "cannot connect" in line
        assert "s3cret" not in line


@pytest.mark.postgres
def test_postgresql_database_missing(tmp_path: Path, pg_url: str) -> None:
    missing = pg_url.rsplit("/", 1)[0] + "/facturier_no_such_database"
    code, out = run(write_config(tmp_path, missing), "status")
    line = one_line(out)
    assert code == 1
    assert "facturier_no_such_database" in line and "does not exist" in line
    assert "db upgrade" in line


def test_imap_server_unreachable(tmp_path: Path) -> None:
    port = closed_port()
    config = write_config(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'f.db'}",
        extra=f"""
[imap]
source = "imap"
host = "127.0.0.1"
port = {port}
security = "none"
allow_login_without_tls = true
username = "bounces"
password = "pw"
reconnect_attempts = 0
""".replace("[delivery]", ""),
    )
    # the written file already has an [imap] section: replace it
    text = config.read_text().replace(
        '[imap]\nsource = "maildir"\nmaildir = "mail/bounces"\nsent_maildir = "mail/sent"\n', ""
    )
    config.write_text(text)
    code, out = run(with_database(config), "poll-bounces")
    line = one_line(out)
    assert code == 1
    assert "bounce mailbox" in line and f"127.0.0.1:{port}" in line


@pytest.fixture
def locked_database(sqlite_config: Path) -> Iterator[Path]:
    """The SQLite database of ``sqlite_config``, written to by another process."""
    assert run(sqlite_config, "db", "upgrade")[0] == 0
    text = sqlite_config.read_text().replace(
        "[database]\n", "[database]\nbusy_timeout_seconds = 0.2\n"
    )
    sqlite_config.write_text(text)
    other = sqlite3.connect(sqlite_config.parent / "f.db")
    other.execute("BEGIN IMMEDIATE")
    try:
        yield sqlite_config
    finally:
        other.rollback()
        other.close()


def test_sqlite_locked_leaves_no_orphan_in_the_invoice_store(
    locked_database: Path, tmp_path: Path
) -> None:
    pdf = invoice_file(tmp_path / "in", "FA-LOCK")
    code, out = run(locked_database, "import", str(pdf))
    line = one_line(out)
    assert code == 1
    assert "is locked by another process" in line
    store = locked_database.parent / "invoices"
    assert not [p for p in store.rglob("*") if p.is_file()], "an orphan file was stored"
    assert pdf.exists()  # the input is kept


def test_a_full_disk(sqlite_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mailer.archive import Archive

    def full(self: Archive, data: bytes) -> object:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.root))

    assert run(sqlite_config, "db", "upgrade")[0] == 0
    monkeypatch.setattr(Archive, "store", full)
    pdf = invoice_file(tmp_path / "in", "FA-FULL")
    code, out = run(sqlite_config, "import", str(pdf))
    line = one_line(out)
    assert code == 1
    assert "disk full" in line and str(sqlite_config.parent / "invoices") in line
    code, out = run(sqlite_config, "status")
    assert code == 0 and "FA-FULL" not in out  # nothing half-applied


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["remind", "--today", "2026-13-45"], "2026-13-45"),
        (["status", "--state", "foo"], "needs_address"),
        # a record's #N past what its column holds was an unexpected OverflowError
        (["paid", "FA-1", "--id", "99999999999999999999", "--reason", "x"], "--id"),
        (["payments", "reverse", "99999999999999999999", "--reason", "x"], "payment"),
        (["queue", "dismiss", "reply", "0", "--reason", "x"], "ref"),
        # a name where dnspython takes an address was an unexpected ValueError
        (["check-domain", "--nameserver", "no-such-host.invalid"], "--nameserver"),
        (["check-domain", "--nameserver", "192.0.2.53:70000"], "--nameserver"),
        # a key no receiver is bound to verify (RFC 8301), or one that never ends being made
        (["dkim", "keygen", "--out", "k.pem", "--selector", "s", "--bits", "99999999"], "4096"),
        (["health", "--max-due-minutes", "nan"], "--max-due-minutes"),
    ],
)
def test_bad_option_values(sqlite_config: Path, args: list[str], expected: str) -> None:
    code, out = run(sqlite_config, *args)
    assert code == 2
    assert "Traceback" not in out and expected in out


def test_a_state_is_taken_in_any_case(sqlite_config: Path) -> None:
    code, out = run(sqlite_config, "status", "--state", "BOUNCED")
    assert code == 0, out


def test_a_maildir_source_without_its_folder_is_a_config_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
    config.write_text(config.read_text().replace('maildir = "mail/bounces"\n', ""))
    code, out = run(config, "poll-bounces")
    line = one_line(out)
    assert code == 2
    assert str(config) in line and "imap.maildir" in line


def test_an_unknown_invoice_is_bad_input(sqlite_config: Path) -> None:
    code, out = run(sqlite_config, "paid", "NO-SUCH-INVOICE")
    line = one_line(out)
    assert code == 2 and "NO-SUCH-INVOICE" in line


def test_the_tui_never_migrates_an_out_of_date_schema(tmp_path: Path) -> None:
    """Viewing never writes: on a database whose schema is not current, the TUI says what
    to run instead of migrating it; on none at all, it names the path it looked for."""
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
    code, out = run(config, "tui")
    assert code == 2 and f"no database at {tmp_path / 'f.db'}" in one_line(out)
    (tmp_path / "f.db").touch()  # a database file that holds no schema
    code, out = run(config, "tui")
    line = one_line(out)
    assert code == 2
    assert "schema is at nothing yet" in line and "facturier db upgrade" in line
    assert run(config, "db", "upgrade")[0] == 0


def test_the_verbose_option_reads_as_a_flag_in_the_help() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    [line] = [line for line in result.output.splitlines() if "--verbose" in line]
    assert "<int>" not in line and "INTEGER" not in line and "-v" in line


def test_the_help_shows_each_command_in_whole_sentences_and_settings_by_name() -> None:
    """A list of commands gives each one's summary as one flowing paragraph (not broken
    where the source line ended), and a setting written ``[archive] head_export`` is shown,
    not read as markup and dropped."""
    wide = {"COLUMNS": "400", "FACTURIER_UI__LANGUAGE": "en"}
    listing = CliRunner().invoke(app, ["--help"], env=wide).output
    [proof] = [line for line in listing.splitlines() if "proof package" in line]
    assert "every notice received for them, the relay's replies" in proof
    archive = CliRunner().invoke(app, ["archive", "--help"], env=wide).output
    assert "Write the signed head of the chains to [archive] head_export now" in archive
    page = CliRunner().invoke(app, ["archive", "export-head", "--help"], env=wide).output
    assert "[archive] head_export" in page


def test_no_command_but_db_upgrade_creates_a_database(tmp_path: Path) -> None:
    """A mistyped path or a wrong working folder is an error naming the path, never a new
    empty database that makes the data look lost."""
    config = write_config(tmp_path, "sqlite+aiosqlite:///var/facturier.db")
    wanted = tmp_path / "var" / "facturier.db"
    for command in (["status"], ["customers", "list"], ["send"], ["archive", "verify"]):
        code, out = run(config, *command)
        assert code == 2 and str(wanted) in one_line(out) and "db upgrade" in out, out
        assert not wanted.exists()
    code, out = run(config, "db", "upgrade")
    assert code == 0 and wanted.exists(), out
    assert run(config, "status")[0] == 0


def test_what_facturier_writes_is_its_owners_alone(tmp_path: Path) -> None:
    """Whatever the umask: the database owner-only, its folders 0700."""
    config = write_config(tmp_path, "sqlite+aiosqlite:///var/facturier.db")
    previous = os.umask(0o022)
    try:
        assert run(config, "db", "upgrade")[0] == 0
        assert run(config, "archive", "verify")[0] == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "var" / "facturier.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700


@pytest.mark.parametrize("section", ["smtp", "imap"])
def test_a_login_without_tls_is_refused_unless_said(tmp_path: Path, section: str) -> None:
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
    text = config.read_text()
    if section == "smtp":
        text = text.replace(
            'security = "none"', 'security = "none"\nusername = "u"\npassword = "p"'
        )
    else:
        text = text.replace(
            '[imap]\nsource = "maildir"\nmaildir = "mail/bounces"\n',
            '[imap]\nsource = "imap"\nsecurity = "none"\nusername = "u"\npassword = "p"\n',
        )
    config.write_text(text)
    code, out = run(config, "config", "check")
    assert code == 2 and f"{section}.allow_login_without_tls = true" in one_line(out), out
    config.write_text(
        text.replace('username = "u"', 'username = "u"\nallow_login_without_tls = true')
    )
    assert run(config, "config", "check")[0] == 0


FACTURIER = str(Path(sys.executable).with_name("facturier"))  # the installed command


def test_a_reader_that_goes_away_is_not_an_error_to_report(
    sqlite_config: Path, tmp_path: Path
) -> None:
    """`facturier customers list | head -1`: the reader closed its end; the command stops
    without saying "error: Broken pipe" under what the reader took."""
    assert run(sqlite_config, "customers", "add", "Dupont", "--email", "f@dupont.example")[0] == 0
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    done = subprocess.run(
        [FACTURIER, "--config", str(sqlite_config), "customers", "list"],
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        env={**os.environ, "FACTURIER_UI__LANGUAGE": "en"},
    )
    os.close(write)
    assert done.returncode == 1 and done.stderr == "", done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["import"],
        ["bounce", "classify"],
        ["proof", "verify"],
        ["customers", "import"],
        ["payments", "import"],
    ],
    ids=["import", "bounce-classify", "proof-verify", "customers-import", "payments-import"],
)
def test_a_pipe_or_a_device_given_as_a_file_is_refused_not_read_for_ever(
    sqlite_config: Path, tmp_path: Path, command: list[str]
) -> None:
    """A named pipe waits for ever for a writer, /dev/zero never ends: each command that
    reads files a person names refuses them, in one line naming the path."""
    fifo = tmp_path / "invoice.pdf"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        code, out = run(sqlite_config, *command, path)
        assert code == 2, out
        assert one_line(out) == f"error: {path}: not a regular file (a pipe, a socket or a device)"


def test_a_folder_where_a_file_is_wanted_is_named_so(sqlite_config: Path, tmp_path: Path) -> None:
    for command in (["payments", "import"], ["customers", "import"], ["proof", "verify"]):
        code, out = run(sqlite_config, *command, str(tmp_path))
        assert code == 2 and one_line(out) == f"error: {tmp_path}: a folder, not a file", out


def test_a_settings_file_that_is_a_pipe_or_a_device_is_refused_not_read_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")  # no settings file to say it
    fifo = tmp_path / "facturier.toml"
    os.mkfifo(fifo)
    for config in (fifo, Path("/dev/zero")):
        code, out = run(config, "config", "check")
        assert code == 2 and "not a regular file (a pipe, a socket or a device)" in out, out
        assert str(config) in one_line(out)
