"""The `facturier` command's frame: its sub-commands, the settings, and the one place that
turns an operational error into one line and an exit code (``daemon.app.failures``).

Settings are loaded here, once, and passed down; logging is configured here and nowhere
else.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from config import ConfigError, Settings, load_settings
from config.settings import UiSettings
from daemon.app import cli_help
from daemon.app.failures import BUG, describe
from daemon.app.logformat import Masking, formatter
from daemon.app.operator import current_operator
from daemon.app.services import Facturier
from daemon.domain import i18n
from daemon.domain.fields import ID_MAX
from daemon.domain.i18n import N_, _

log = logging.getLogger(__name__)
T = TypeVar("T")

app = typer.Typer(
    help="Deliver e-invoices by email and prove what became of each one.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=False,
    # help as Markdown: "[archive] head_export" stays a setting (Rich markup dropped it)
    # and a list of commands shows each summary as one paragraph (Rich kept its breaks)
    rich_markup_mode="markdown",
)
customers_app = typer.Typer(help="Customers and their invoice addresses.", no_args_is_help=True)
bounce_app = typer.Typer(help="The bounce classifier.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
config_app = typer.Typer(help="The configuration.", no_args_is_help=True)
archive_app = typer.Typer(help="The archive of sent messages.", no_args_is_help=True)
queue_app = typer.Typer(help="The attention queue: what needs a person.", no_args_is_help=True)
app.add_typer(customers_app, name="customers")
app.add_typer(bounce_app, name="bounce")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(archive_app, name="archive")
duplicates_app = typer.Typer(
    help="Files held as possible duplicates of an invoice already imported."
)
amounts_app = typer.Typer(
    help="Invoices held because their line amounts do not add up (price × quantity)."
)
buyers_app = typer.Typer(
    help="Invoices held because their buyer fits several customers that nothing tells apart."
)
payments_app = typer.Typer(help="Payments received: bank statements, by hand, reversals.")
app.add_typer(queue_app, name="queue")
app.add_typer(duplicates_app, name="duplicates")
app.add_typer(amounts_app, name="amounts")
app.add_typer(buyers_app, name="buyers")
app.add_typer(payments_app, name="payments")
campaign_app = typer.Typer(
    help="Asking customers whose invoices go to a person for a central invoice address.",
    no_args_is_help=True,
)
app.add_typer(campaign_app, name="campaign")

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="TOML settings file (default ./facturier.toml)"),
]


class State:
    config_path: Path | None = None
    settings: Settings | None = None
    verbose: int = 0


state = State()


def _numbered(prefix: str) -> Callable[[str], int]:
    """Reads a row's number as the lists write it ("#12", or "R12" for a campaign request)
    or bare ("12"): a number copied from a list is taken as it is."""

    def read(text: str) -> int:
        digits = text.strip()
        if digits[: len(prefix)].upper() == prefix:
            digits = digits[len(prefix) :].strip()  # "# 12" as a list may be copied
        elif prefix == "#" and digits[:2].lower() in ("n°", "nº"):
            digits = digits[2:].strip()  # "n° 12", as French messages write a #12
        if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= ID_MAX):
            raise typer.BadParameter(
                _("{value} is not a number as the lists write it (for example {example})").format(
                    value=text, example=f"{prefix}12"
                )
            )
        return int(digits)

    return read


DATE_METAVAR = N_("YYYY-MM-DD")
"""How a date option is written, on its help page (in the admin's language: AAAA-MM-JJ)."""

row_number = _numbered("#")
request_number = _numbered("R")


def refuse_missing_paths(paths: list[Path], *, folders: bool = True) -> None:
    """End the command naming each path given that is neither a regular file nor (where
    ``folders``) a folder: not there, or a pipe, a socket or a device (read as a file, a pipe
    waits for ever for a writer and /dev/zero never ends)."""
    said = []
    for path in paths:
        try:
            if path.is_file() or (folders and path.is_dir()):
                continue
            if path.is_dir():
                said.append(i18n._("{path}: a folder, not a file").format(path=path))
                continue
            there = path.exists()
        except OSError as exc:  # a name too long to look at
            said.append(f"{path}: {exc.strerror}")
            continue
        said.append(
            (
                i18n._("{path}: not a regular file (a pipe, a socket or a device)")
                if there
                else i18n._("{path}: no such file or folder")
            ).format(path=path)
        )
    if said:
        fail(", ".join(said))


def use_environment_language() -> None:
    """The operator's language where no settings file says it (one that is missing or does
    not load, or before it is read): FACTURIER_UI__LANGUAGE, else the locale's."""
    i18n.use(os.environ.get("FACTURIER_UI__LANGUAGE") or UiSettings().resolved_language())


def fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(i18n._("error: {message}").format(message=message), err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def settings() -> Settings:
    if state.settings is None:
        try:
            state.settings = load_settings(state.config_path)
        except ConfigError as exc:
            # the file cannot say the operator's language: the environment's
            use_environment_language()
            fail(i18n.said(exc), 2)
        assert state.settings is not None
        i18n.use(state.settings.ui.resolved_language())  # what the commands say
    assert state.settings is not None
    return state.settings


def with_app(fn: Callable[[Facturier], Awaitable[T]], *, create: bool = False) -> T:
    """Run ``fn`` with the application open; an operational error ends the command with
    one line saying what failed and what to do, never a traceback. Only ``create`` (`db
    upgrade`) makes a database that is not there: anything else names the path it looked
    for, so a wrong working folder or a mistyped path never looks like lost data."""
    s = settings()
    if not create:
        refuse_missing_database(s)

    async def run() -> T:
        app_ = await Facturier.open(s)
        try:
            return await fn(app_)
        finally:
            await app_.close()

    return guarded(lambda: asyncio.run(run()), s)


def guarded(call: Callable[[], T], s: Settings | None = None) -> T:
    """``call()``, with any failure reported as one line and an exit code."""
    try:
        return call()
    except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
        raise
    except BrokenPipeError:
        # the reader went away (`facturier status | head`): what it read was whole, and
        # nothing is to be said; the standard output is pointed at nothing so that Python's
        # last flush does not fail again (the Python documentation's advice for SIGPIPE)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(1) from None
    except BaseException as exc:
        report_failure(exc, s)


def report_failure(exc: BaseException, s: Settings | None = None) -> NoReturn:
    """End the command with one line saying what failed and what to do (``failures``), or
    that it is a bug; the traceback only in the debug log (-vv)."""
    failure = describe(exc, s.database.url if s is not None else None)
    if failure is None:
        log.debug("unexpected error", exc_info=exc)
        fail(
            i18n._(
                "unexpected {kind}: {error} (a bug: run again with -vv for the details, "
                "and report them)"
            ).format(kind=type(exc).__name__, error=exc),
            BUG,
        )
    log.debug("%s", failure.message, exc_info=exc)
    fail(failure.message, failure.exit_code)


OWN_PACKAGES = ("daemon", "mailer", "bounce_parser", "config", "tui")


# ply's notes on the grammar while flanker builds its parser tables ("Symbol … is
# unreachable"): on every start where its shipped tables do not match the installed ply
# and the package folder is read-only. Warnings by name, and not about the service.
PARSER_TABLE_LOGGERS = ("flanker.addresslib._parser",)


class _OperatorsView(logging.Filter):
    """The libraries' lines (factur-x's…) from ``library_level`` up only, and the parser
    tables' notes below ERROR only with -vv; facturier's own all pass."""

    def __init__(self, library_level: int):
        super().__init__()
        self.library_level = library_level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.partition(".")[0] in OWN_PACKAGES:
            return True
        if record.name.startswith(PARSER_TABLE_LOGGERS) and record.levelno < logging.ERROR:
            return self.library_level == logging.NOTSET
        return record.levelno >= self.library_level


def configure_logging(verbose: int, s: Settings | None = None, *, service: bool = False) -> None:
    """The one place logging is configured: a command logs warnings by default, -v
    information (and the libraries' warnings), -vv everything; the service (``service``)
    logs from ``[log] level`` (INFO), the libraries' lines from WARNING. With settings, in
    ``[log] format`` and with their secrets masked."""
    level = logging.WARNING - 10 * min(verbose, 2)
    library_level = (logging.CRITICAL + 1, logging.WARNING, logging.NOTSET)[min(verbose, 2)]
    kind = "plain"
    handler = logging.StreamHandler(sys.stderr)
    if s is not None:
        kind = s.log.format
        if kind == "auto":
            kind = "journald" if os.environ.get("JOURNAL_STREAM") else "plain"
        handler.addFilter(Masking(secrets_of(s)))
        if service:
            level = min(level, logging.getLevelName(s.log.level))
            library_level = min(library_level, logging.WARNING)
    handler.setFormatter(formatter(kind))
    handler.addFilter(_OperatorsView(library_level))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def secrets_of(s: Settings) -> list[str]:
    """Every secret the settings hold, to keep out of the logs."""
    found = [s.smtp.resolved_password(), s.imap.resolved_password()]
    for key in (s.sender.verp_key(), s.campaign.key()):
        found.append(key.decode() if key else None)
    url = s.database.url
    if "@" in url and ":" in url.split("//", 1)[-1].split("@", 1)[0]:
        found.append(url.split("//", 1)[-1].split("@", 1)[0].split(":", 1)[1])
    return [f for f in found if f]


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line")]
CustomerArg = Annotated[
    str, typer.Argument(help="The customer: a VAT id, an identifier, a name, or #N")
]
InvoiceArg = Annotated[
    str, typer.Argument(help="The invoice's number ('NUMBER #N' when several share it)")
]
CustomerId = Annotated[
    int | None,
    typer.Option("--id", parser=row_number, help="Which customer, when several fit (their #N)"),
]
InvoiceId = Annotated[
    int | None,
    typer.Option(
        "--id", parser=row_number, help="Which invoice, when several share the number (their #N)"
    ),
]
Reason = Annotated[str, typer.Option(help="Why (recorded with the decision)")]


user = current_operator  # who every command records


@app.callback()
def main_options(
    ctx: typer.Context,
    config: ConfigOption = None,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            metavar="",
            help="More log lines: -v for information and the libraries' warnings, -vv for all",
        ),
    ] = 0,
) -> None:
    # the database, its journal, the archive, the keys and the proofs are the owner's alone
    # whatever umask the shell or the service manager left (folders 0700, files 0600)
    os.umask(0o077)
    configure_logging(verbose)
    state.config_path = config
    state.settings = None
    state.verbose = verbose
    # the operator's language from the start, so that what a command says before it needs
    # its settings (a file named that is not there) is said in it too; settings that do
    # not load are reported by the first command that needs them
    try:
        state.settings = load_settings(config)
    except ConfigError:
        use_environment_language()
    else:
        i18n.use(state.settings.ui.resolved_language())
    cli_help.translate(ctx.find_root().command, ctx)  # a command's --help comes after this


def missing_database(s: Settings) -> Path | None:
    """The SQLite file the settings name, when it does not exist (PostgreSQL says for
    itself that a database is missing)."""
    path = s.database.sqlite_file()
    return None if path is None or path.exists() else path


def refuse_missing_database(s: Settings) -> None:
    """End the command, naming the path, when the SQLite database is not there."""
    missing = missing_database(s)
    if missing is not None:
        fail(
            _(
                "no database at {path}: run `facturier db upgrade` to create it, or check "
                "--config and [database] url (relative paths are from the settings file)"
            ).format(path=missing),
            2,
        )
