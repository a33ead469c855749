"""A command line `facturier` cannot take is one line in the operator's language, with
where the help is, and exit code 2 (Typer's own panel was English and five lines)."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.app.cli import main
from daemon.app.cli_base import BUG


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], language: str, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("FACTURIER_UI__LANGUAGE", language)
    # no settings file: the command line is refused before any is needed
    monkeypatch.setattr(
        "sys.argv", ["facturier", "--config", str(Path("/nonexistent.toml")), *args]
    )
    with pytest.raises(SystemExit) as ended:
        main()
    out, err = capsys.readouterr()
    return int(ended.value.code or 0), out, err


@pytest.mark.parametrize(
    ("args", "french", "english"),
    [
        (
            ["send", "--nope"],
            "erreur : facturier send : option --nope inconnue (voir facturier send --help)",
            "error: facturier send: no such option --nope (see facturier send --help)",
        ),
        (
            ["resend"],
            "erreur : facturier resend : l'argument INVOICE manque",
            "error: facturier resend: the argument INVOICE is missing",
        ),
        (
            ["figures", "--days", "abc"],
            "--days : un nombre entier est attendu",
            "--days: a whole number is expected",
        ),
        (["figures", "--days", "0"], "--days : au moins 1", "--days: at least 1"),
        (
            ["remind", "--today", "2026-02-30"],
            "--today : 2026-02-30 n'est pas une date AAAA-MM-JJ",
            "--today: 2026-02-30 is not a YYYY-MM-DD date",
        ),
        (
            ["sendd"],
            "commande sendd inconnue (vouliez-vous dire 'send', 'resend' ?)",
            "no such command sendd (did you mean 'send', 'resend'?)",
        ),
        (["send", "a", "b"], "argument(s) en trop : a b", "unexpected argument(s): a b"),
        (
            ["payments", "reverse", "x2", "--reason", "r"],
            "PAYMENT : x2 n'est pas un numéro comme les listes l'écrivent (par exemple #12)",
            "PAYMENT: x2 is not a number as the lists write it (for example #12)",
        ),
        (
            ["campaign", "confirm", "R0", "--reason", "r"],
            "REQUEST : R0 n'est pas un numéro comme les listes l'écrivent (par exemple R12)",
            "REQUEST: R0 is not a number as the lists write it (for example R12)",
        ),
        (
            ["status", "--state", "foo"],
            "--state : 'foo' ne fait pas partie de 'needs_address'",
            "--state: 'foo' is not one of 'needs_address'",
        ),
    ],
)
def test_a_command_line_that_cannot_be_taken_is_one_line_in_the_operators_language(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    french: str,
    english: str,
) -> None:
    for language, said in (("fr", french), ("en", english)):
        code, out, err = _run(monkeypatch, capsys, language, *args)
        assert code == 2 and out == "", (out, err)
        [line] = err.splitlines()
        assert said in line, line
        assert "Traceback" not in err and "Usage" not in err


def test_a_group_without_its_command_shows_its_help_and_a_command_its_own_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = _run(monkeypatch, capsys, "en", "customers")
    assert code == 2 and "list" in out + err
    broken = tmp_path / "p.zip"
    broken.write_bytes(b"not a zip")
    monkeypatch.setattr("sys.argv", ["facturier", "proof", "verify", str(broken)])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 1  # the problem found, as `proof verify` says
    monkeypatch.setattr("sys.argv", ["facturier", "--help"])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 0


def test_a_path_the_system_cannot_look_at_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`import` of a name longer than the file system allows raised ENAMETOOLONG from the
    command's first look at its paths, before any guard: a traceback."""
    too_long = str(tmp_path / ("x" * 300))
    code, out, err = _run(monkeypatch, capsys, "en", "import", too_long)
    [line] = err.splitlines()
    assert code == 2 and line == f"error: {too_long}: File name too long", line
    assert "Traceback" not in out + err


def test_what_fails_outside_a_commands_guard_is_one_line_saying_it_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(paths: object) -> None:
        raise RuntimeError("the check of its paths broke")

    monkeypatch.setattr("daemon.app.cli_invoices.refuse_missing_paths", broken)
    code, _out, err = _run(monkeypatch, capsys, "en", "import", "x.pdf")
    [line] = err.splitlines()
    assert code == BUG and line.startswith(
        "error: unexpected RuntimeError: the check of its paths broke (a bug: run again"
    ), line


def _help_page(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str,
    *args: str,
    config: Path | None = None,
) -> str:
    monkeypatch.setenv("COLUMNS", "200")  # a line each, to compare whole sentences
    if config is None:
        return _run(monkeypatch, capsys, language, *args, "--help")[1]
    monkeypatch.delenv("FACTURIER_UI__LANGUAGE", raising=False)  # the settings' decides
    monkeypatch.setenv("LC_ALL", "C")  # over the locale's
    monkeypatch.setattr("sys.argv", ["facturier", "--config", str(config), *args, "--help"])
    with pytest.raises(SystemExit):
        main()
    return capsys.readouterr().out


def test_the_help_is_in_the_admins_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Before, every help page was English whatever the admin's language: the command's
    description, each option's, and Typer's own titles and marks."""
    page = _help_page(monkeypatch, capsys, "fr")
    assert "Livrer des factures électroniques par e-mail" in page
    assert "Commandes" in page and "Afficher cette aide et quitter." in page
    assert "Faire tourner le démon jusqu'à SIGTERM ou SIGINT." in page
    page = _help_page(monkeypatch, capsys, "fr", "customers", "set-address")
    assert "Changer la boîte centrale de factures d'un client" in page
    assert "Pourquoi l'adresse change (journalisé)" in page and "[obligatoire]" in page
    assert "Show this message" not in page and "Options" in page
    # a date is written as the admin writes its pattern, not as strftime's
    page = _help_page(monkeypatch, capsys, "fr", "report")
    assert "--from        AAAA-MM-JJ" in page and "%Y" not in page, page
    # the settings file's language, read before a command's help is shown
    settings = tmp_path / "facturier.toml"
    settings.write_text('[ui]\nlanguage = "fr"\n')
    page = _help_page(monkeypatch, capsys, "en", "paid", config=settings)
    assert "Enregistrer qu'une facture a été payée en entier aujourd'hui" in page
    # and English again in the same process, from the texts the commands came with
    page = _help_page(monkeypatch, capsys, "en", "customers", "set-address")
    assert "Change a customer's central invoice mailbox" in page
    assert "[required]" in page and "Show this message and exit." in page
    page = _help_page(monkeypatch, capsys, "en", "report")
    assert "--from        YYYY-MM-DD" in page and "AAAA" not in page, page


def test_every_argument_and_option_says_what_it_is() -> None:
    """customers set-address, channel, edit, show and others listed CUSTOMER and EMAIL with
    nothing beside them on their help page; paid, dispute, resend and payments record their
    INVOICE."""
    import typer

    from daemon.app.cli import app

    root = typer.main.get_command(app)
    ctx = root.make_context("facturier", [], resilient_parsing=True)
    silent = []
    stack: list[tuple[str, object]] = [("facturier", root)]
    while stack:
        path, command = stack.pop()
        for param in getattr(command, "params", []):
            if not (getattr(param, "help", None) or "").strip():
                silent.append(f"{path} {param.name}")
        if hasattr(command, "list_commands"):
            stack += [
                (f"{path} {n}", command.get_command(ctx, n)) for n in command.list_commands(ctx)
            ]
    assert silent == [], silent


def test_a_row_number_is_read_as_the_lists_write_it() -> None:
    import typer

    from daemon.app.cli_base import request_number, row_number

    assert [row_number(t) for t in ("12", "#12", " #12 ", "# 12")] == [12, 12, 12, 12]
    # as French messages write it ("n° 12"), copied from one
    assert [row_number(t) for t in ("n° 12", "n°12", "N° 12", "nº 12")] == [12, 12, 12, 12]
    assert [request_number(t) for t in ("R3", "r3", "3")] == [3, 3, 3]
    for wrong in ("#", "#-1", "0", "1.5", "#12a", "R3", "１２"):
        with pytest.raises(typer.BadParameter):
            row_number(wrong)
