"""What failed, in one line an operator can act on, and the exit code that goes with it.

Exit codes: 2 for bad configuration or input (fix the file, the option or the value),
1 for a service that is down or a resource that is exhausted (PostgreSQL, the IMAP server,
a locked SQLite database, a full disk: try again once it is back). Anything else is a bug:
one line too, with the way to see its details.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from sqlalchemy import exc as sa_exc

from config import ConfigError
from daemon.domain.errors import FacturierError, PermanentError
from daemon.domain.i18n import N_, _, said
from mailer.errors import MailboxError, MailerError

BAD_INPUT = 2
SERVICE_DOWN = 1
BUG = 70  # EX_SOFTWARE


@dataclass(frozen=True)
class Failure:
    message: str
    exit_code: int


def describe(exc: BaseException, database_url: str | None = None) -> Failure | None:
    """The one-line account of an operational error; None for anything else (a bug)."""
    where = _database_name(database_url)
    if isinstance(exc, ConfigError):
        return Failure(said(exc), BAD_INPUT)
    if isinstance(exc, PermanentError):
        return Failure(str(exc), BAD_INPUT)
    if isinstance(exc, FacturierError):
        return Failure(_("{error} (temporary: try again)").format(error=exc), SERVICE_DOWN)
    if isinstance(exc, MailboxError):
        return Failure(
            _(
                "bounce mailbox: {error}: check the [imap] settings and that the server is up"
            ).format(error=said(exc)),
            SERVICE_DOWN,
        )
    if isinstance(exc, MailerError):
        return Failure(said(exc), SERVICE_DOWN)
    if isinstance(exc, sa_exc.DBAPIError):
        return _database_failure(exc, where)
    if isinstance(exc, ConnectionRefusedError | TimeoutError) or (
        isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH)
    ):
        return Failure(
            _("database {where}: cannot connect ({why}): is the server running?").format(
                where=where, why=_reason(exc)
            ),
            SERVICE_DOWN,
        )
    if isinstance(exc, OSError):
        name = f"{exc.filename}: " if exc.filename else ""
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return Failure(name + _("disk full: free some space, then try again"), SERVICE_DOWN)
        return Failure(f"{name}{exc.strerror or exc}", SERVICE_DOWN)
    return None


# What the database driver says (lower-cased, any of the words), what the operator is told
# ({where}: the database, {first}: the driver's first line), and the exit code.
_DATABASE_FAILURES: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (
        ("database", "does not exist"),
        N_("database {where}: {first}: create it, then run `facturier db upgrade`"),
        SERVICE_DOWN,
    ),
    (
        ("database is locked",),
        N_("database {where} is locked by another process: try again once it is done"),
        SERVICE_DOWN,
    ),
    (
        ("disk is full",),
        N_("database {where}: {first}: free some space, then try again"),
        SERVICE_DOWN,
    ),
    (
        ("disk i/o error",),
        N_("database {where}: {first}: check the disk (space, errors), then try again"),
        SERVICE_DOWN,
    ),
    (
        ("unable to open database file",),
        N_("database {where}: cannot open the file: check the path and its folder's rights"),
        SERVICE_DOWN,
    ),
    (
        ("password authentication failed",),
        N_("database {where}: {first}: check database.url"),
        BAD_INPUT,
    ),
    (("role", "does not exist"), N_("database {where}: {first}: check database.url"), BAD_INPUT),
)


def _database_failure(exc: sa_exc.DBAPIError, where: str) -> Failure:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    lowered = first.lower()
    for words, message, code in _DATABASE_FAILURES:
        if all(w in lowered for w in words):
            return Failure(_(message).format(where=where, first=first), code)
    return Failure(_("database {where}: {first}").format(where=where, first=first), SERVICE_DOWN)


def _database_name(url: str | None) -> str:
    """The database named without its credentials: host and name, or the SQLite path."""
    if not url:
        return "(unknown)"
    rest = url.split("://", 1)[-1]
    if url.startswith("sqlite"):
        return rest[1:] if rest.startswith("/") else rest  # "sqlite:///rel", "sqlite:////abs"
    return rest.rsplit("@", 1)[-1]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__
