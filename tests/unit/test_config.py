from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from config import ConfigError, Settings, load_settings, masked_dump, settings_file
from daemon.app.cli import app
from tests.helpers import write_config


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "f.toml"
    config.write_text('[smtp]\nhost = "relay.example"\nport = 587\n')
    monkeypatch.setenv("FACTURIER_SMTP__PORT", "2525")
    s = load_settings(config)
    assert (s.smtp.host, s.smtp.port) == ("relay.example", 2525)


def test_bad_value_names_key_and_file(tmp_path: Path) -> None:
    config = tmp_path / "f.toml"
    config.write_text('[smtp]\nport = "many"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert "smtp.port" in str(err.value) and str(config) in str(err.value)


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    """An admin fixes a file in one go: each setting at fault with what is wrong, the
    choices without pydantic's English "or", in English and in French."""
    from daemon.domain import i18n

    config = tmp_path / "f.toml"
    config.write_text('[smtp]\nport = "many"\nsecurity = "ssl"\n[payments]\nreference = "iban"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    said = str(err.value)
    assert said.startswith(f"{config}: smtp.port: a whole number is expected"), said
    assert "; smtp.security: must be one of 'starttls', 'tls', 'none'" in said
    assert "; payments.reference: must be one of 'none', 'rf', 'belgian'" in said
    assert said.count(str(config)) == 4  # the file first, then each "from" it
    i18n.use("fr")
    try:
        french = i18n.said(err.value)
    finally:
        i18n.use("en")
    assert " ; smtp.security : doit être l'une des valeurs 'starttls', 'tls', 'none'" in french


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "f.toml"
    config.write_text("[smtp]\nhots = 1\n")
    with pytest.raises(ConfigError, match=r"smtp\.hots"):
        load_settings(config)


def test_secret_from_file_and_masked(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("s3cret-value\n")
    config = tmp_path / "f.toml"
    config.write_text('[smtp]\npassword_file = "pw"\n[imap]\npassword = "imap-pass"\n')
    s = load_settings(config)
    assert s.smtp.resolved_password() == "s3cret-value"
    dump = masked_dump(s)
    assert "imap-pass" not in dump and "s3cret-value" not in dump and "**********" in dump


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "is empty"),
        (b"\n  \nsecond line\n", "is empty"),
        (b"\xff\xfe garbage", "cannot read secret file"),
    ],
    ids=["empty", "blank-first-line", "not-utf8"],
)
def test_a_secret_file_that_holds_no_secret_is_named_never_read_as_none(
    tmp_path: Path, content: bytes, said: str
) -> None:
    """An emptied VERP key file once read as "no secret yet": mail went out with unsigned
    return paths and every bounce of it read as unproven. It is an error naming the file, as
    is a file that is not text, for the generated key and for a configured secret file."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "verp.key").write_bytes(content)
    (tmp_path / "pw").write_bytes(content)
    config = tmp_path / "f.toml"
    config.write_text('[sender]\naddress = "billing@acme.example"\n[smtp]\npassword_file = "pw"\n')
    s = load_settings(config)
    for read in (s.sender.verp_key, s.smtp.resolved_password):
        with pytest.raises(ConfigError, match=said) as refused:
            read()
        assert str(tmp_path) in str(refused.value)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("sender", "address", "billing"),  # no domain: every message would be refused
        ("sender", "address", "Facturation <billing@acme.example>"),  # a name goes in name
        ("sender", "reply_to", "compta@acme.example, boss@acme.example"),
        ("sender", "return_path", "bounces@"),
        ("archive", "head_auditor", "auditor at acme.example"),
        ("campaign", "reply_to", "<answers@acme.example>"),
    ],
)
def test_an_address_setting_that_is_no_address_is_refused_by_name(
    tmp_path: Path, section: str, key: str, value: str
) -> None:
    config = tmp_path / "f.toml"
    config.write_text(f"[{section}]\n{key} = {json.dumps(value)}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert str(err.value).startswith(f"{config}: {section}.{key}: not an email address"), err.value


def test_address_settings_as_admins_write_them_pass(tmp_path: Path) -> None:
    config = tmp_path / "f.toml"
    config.write_text(
        '[sender]\naddress = " factures@acme.example"\nreply_to = "compta@localhost"\n'
        'return_path = "rebonds@acmé.example"\n[archive]\nhead_auditor = "müller@prüfer.de"\n'
    )
    settings = load_settings(config)
    assert settings.sender.address == "factures@acme.example"
    assert settings.archive.head_auditor == "müller@prüfer.de"


def test_config_check_exits_2_with_the_key(tmp_path: Path) -> None:
    config = tmp_path / "f.toml"
    config.write_text('[database]\nurl = "mysql://x"\n')
    result = CliRunner().invoke(app, ["--config", str(config), "config", "check"])
    assert result.exit_code == 2
    assert "database.url" in result.output and str(config) in result.output


@pytest.mark.parametrize("command", [["config", "check"], ["status"]])
def test_a_file_not_saved_as_utf8_is_named_with_its_line_not_a_traceback(
    tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TOML is UTF-8; a file an editor saved in Latin-1 (the é of "Société") is told on
    one line with where the first odd byte is, exit 2, whatever the command."""
    config = tmp_path / "f.toml"
    config.write_bytes('[sender]\nname = "Société"\n'.encode("latin-1"))
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", "en")  # the file cannot say it
    result = CliRunner().invoke(app, ["--config", str(config), *command])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert f"{config}: line 2: not UTF-8 (byte 0xE9 at column 13)" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_file_a_windows_editor_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    config = tmp_path / "f.toml"
    config.write_bytes(b"\xef\xbb\xbf" + '[sender]\nname = "Société"\n'.encode())
    assert load_settings(config).sender.name == "Société"


def test_config_check_prints_masked_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTURIER_SMTP__PASSWORD", "hunter2")
    example = Path(__file__).resolve().parents[2] / "config" / "facturier.example.toml"
    result = CliRunner().invoke(app, ["--config", str(example), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "hunter2" not in result.output and '"host": "smtp.acme.example"' in result.output


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml")


def test_a_settings_error_reads_in_french_with_frenchs_space_before_each_colon() -> None:
    from daemon.domain import i18n

    refused = ConfigError(
        "cannot read secret file {path}: {error}",
        key="smtp.password_file",
        source="/etc/facturier.toml",
        path="/etc/pw",
        error="Permission denied",
    )
    assert str(refused) == (
        "/etc/facturier.toml: smtp.password_file: cannot read secret file /etc/pw: "
        "Permission denied"
    )
    i18n.use("fr")
    assert i18n.said(refused) == (
        "/etc/facturier.toml : smtp.password_file : impossible de lire le fichier secret "
        "/etc/pw : Permission denied"
    )


def test_the_settings_file_read_is_named_even_when_it_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service's first log line said "settings defaults and environment" while it had
    read ./facturier.toml."""
    monkeypatch.chdir(tmp_path)
    assert settings_file(None) is None
    (tmp_path / "facturier.toml").write_text("")
    assert settings_file(None) == Path("facturier.toml")
    assert settings_file(tmp_path / "other.toml") == tmp_path / "other.toml"


def test_doctor_names_the_settings_file_it_read_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`facturier doctor` said "ok settings defaults" having read ./facturier.toml."""
    write_config(tmp_path, "sqlite+aiosqlite:///f.db")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["doctor", "--json"])
    [said] = [
        line["said"]
        for line in map(json.loads, result.output.splitlines())
        if line.get("topic") == "settings"
    ]
    assert said == str(tmp_path / "facturier.toml")


@pytest.mark.parametrize(
    ("line", "english", "french"),
    [
        ('port = "many"', "smtp.port: a whole number is expected",
         "smtp.port : un nombre entier est attendu"),
        ("timeout_seconds = -1", "smtp.timeout_seconds: must be more than 0",
         "smtp.timeout_seconds : doit être supérieur à 0"),
        ("hots = 1", "smtp.hots: no such setting: check its name and its [section]",
         "smtp.hots : ce réglage n'existe pas : vérifiez son nom et sa [section]"),
    ],
)  # fmt: skip
def test_what_is_wrong_with_a_setting_is_said_in_the_admins_language(
    tmp_path: Path, line: str, english: str, french: str
) -> None:
    """A French admin read pydantic's English ("Input should be greater than 0", "Extra
    inputs are not permitted") inside a French line."""
    from daemon.domain import i18n

    config = tmp_path / "f.toml"
    config.write_text(f"[smtp]\n{line}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert english in str(err.value), str(err.value)
    i18n.use("fr")
    try:
        assert french in i18n.said(err.value), i18n.said(err.value)
    finally:
        i18n.use("en")


def _every_setting() -> list[tuple[str, str]]:
    return [
        (section, key)
        for section, field in Settings.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
        for key in field.annotation.model_fields
    ]


@pytest.mark.parametrize(("section", "key"), _every_setting())
def test_no_setting_refused_in_pydantics_own_words(tmp_path: Path, section: str, key: str) -> None:
    """Whatever value of the wrong kind an admin writes for any setting (a word, a list, a
    table, a negative or fractional number, a long text), the refusal names the setting in
    words of our catalog, French for a French admin, never pydantic's English ("Input should
    be a valid decimal", "String should have at most 2 characters")."""
    from daemon.domain import i18n

    config = tmp_path / "f.toml"
    for value in ('"zz"', "[1]", "{ a = 1 }", "-5", "1.5", '"' + "x" * 300 + '"'):
        config.write_text(f"[{section}]\n{key} = {value}\n")
        try:
            load_settings(config)
        except ConfigError as err:
            said = str(err)
            # the setting, or its section where two settings of it go together
            named = (f"{section}.{key}: ", f"{section}.{key}.", f": {section}: ")
            assert any(n in said for n in named), said
            assert f"{section}: {section}" not in said, said
            assert "should" not in said and "Input" not in said, (value, said)
            detail = err.params["detail"]
            english = detail[0].format(**detail[1]) if isinstance(detail, tuple) else detail
            i18n.use("fr")
            try:
                assert str(english) not in i18n.said(err), (value, said)
            finally:
                i18n.use("en")


@pytest.mark.parametrize("zone", ["Europe/Pari", "CET+1", "../../etc/passwd", ""])
def test_a_time_zone_that_does_not_exist_is_refused_by_name(tmp_path: Path, zone: str) -> None:
    """Refused when the settings are read (``config check``), not when the service starts
    its schedule (where it stopped with an "unexpected error")."""
    config = tmp_path / "f.toml"
    config.write_text(f'[schedule]\ntimezone = "{zone}"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(config)
    assert "schedule.timezone" in str(err.value) and "Europe/Paris" in str(err.value)
